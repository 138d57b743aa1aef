// Command testcluster runs a real, single-node Kubernetes control plane on loopback for tests:
// an embedded etcd, kube-apiserver and the kube-controller-manager controllers that tests rely on
// (garbage collector, namespace, service account). There is no kubelet, scheduler or workload
// controller, so nothing becomes ready by itself.
//
// Usage:
//
//	testcluster run --dir DIR [--port PORT] [--name NAME]
//	testcluster kube-apiserver [kube-apiserver flags]            (used by run)
//	testcluster kube-controller-manager [kcm flags]              (used by run)
//
// `run` writes DIR/kubeconfig and then DIR/ready (the API server URL) once /readyz answers and the
// controller manager has created the default service account. It stops everything on SIGTERM or
// SIGINT, and exits non-zero if any component dies.
package main

import (
	"fmt"
	"os"

	_ "time/tzdata" // CronJob time zones, as in the upstream kube-apiserver binary

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "run":
		if err := run(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "testcluster: %v\n", err)
			os.Exit(1)
		}
	case "kube-apiserver":
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(os.Args[2:])
		os.Exit(cli.Run(cmd))
	case "kube-controller-manager":
		cmd := controllermanager.NewControllerManagerCommand()
		cmd.SetArgs(os.Args[2:])
		os.Exit(cli.Run(cmd))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: testcluster run --dir DIR [--port PORT] [--name NAME]")
	fmt.Fprintln(os.Stderr, "       testcluster kube-apiserver|kube-controller-manager [flags]")
	os.Exit(2)
}
