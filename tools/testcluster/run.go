package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

const loopback = "127.0.0.1"

// freePort asks the kernel for a free loopback port. Another process may take it before we
// bind it again; the caller fails loudly if that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	dir := fs.String("dir", "", "state directory (created; holds etcd data, credentials, logs, kubeconfig)")
	port := fs.Int("port", 0, "kube-apiserver port on 127.0.0.1 (0 picks a free one)")
	name := fs.String("name", "vela-test", "cluster and kubeconfig context name")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the control plane to become ready")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(absDir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	_ = os.Remove(filepath.Join(absDir, "ready"))
	// The PID file lets scripts/test-clusters.sh stop exactly this process.
	if err := os.WriteFile(filepath.Join(absDir, "pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	creds, err := generateCredentials(absDir, *name)
	if err != nil {
		return fmt.Errorf("generating credentials: %w", err)
	}

	etcd, etcdURL, err := startEtcd(absDir)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer etcd.Close()
	logf("etcd ready at %s", etcdURL)

	if *port == 0 {
		if *port, err = freePort(); err != nil {
			return fmt.Errorf("choosing a port: %w", err)
		}
	}
	server := "https://" + net.JoinHostPort(loopback, strconv.Itoa(*port))

	self, err := os.Executable()
	if err != nil {
		return err
	}
	apiserverArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=" + loopback,
		"--advertise-address=" + loopback,
		"--secure-port=" + strconv.Itoa(*port),
		"--tls-cert-file=" + creds.servingCert,
		"--tls-private-key-file=" + creds.servingKey,
		"--client-ca-file=" + creds.caCert,
		"--token-auth-file=" + creds.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + creds.serviceAccountPub,
		"--service-account-signing-key-file=" + creds.serviceAccountKey,
		// Allocation range for Service cluster IPs: bookkeeping only, nothing routes to it.
		// A /16 (65,534 addresses): the delivery benchmarks create thousands of Services.
		"--service-cluster-ip-range=10.0.0.0/16",
		// The apiserver would publish its own address as the `kubernetes` Service endpoint;
		// loopback addresses are not valid endpoints, so do not reconcile it.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(absDir, "apiserver-certs"),
	}
	apiserverCmd, err := startChild(self, "kube-apiserver", apiserverArgs, filepath.Join(absDir, "kube-apiserver.log"))
	if err != nil {
		return err
	}
	children := []*child{apiserverCmd}
	defer func() { stopChildren(children) }()

	if err := writeKubeconfig(filepath.Join(absDir, "kubeconfig"), *name, server, creds.caData,
		kubeUser{clientCert: creds.adminCertData, clientKey: creds.adminKeyData}); err != nil {
		return err
	}
	kcmKubeconfig := filepath.Join(absDir, "controller-manager.kubeconfig")
	if err := writeKubeconfig(kcmKubeconfig, *name, server, creds.caData, kubeUser{token: creds.token}); err != nil {
		return err
	}

	deadline := time.Now().Add(*timeout)
	if err := waitHTTP(ctx, children, server+"/readyz", creds, deadline); err != nil {
		return fmt.Errorf("waiting for kube-apiserver /readyz (log: %s): %w", apiserverCmd.log, err)
	}
	logf("kube-apiserver ready at %s", server)

	kcmArgs := []string{
		"--kubeconfig=" + kcmKubeconfig,
		"--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller",
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--profiling=false",
	}
	kcmCmd, err := startChild(self, "kube-controller-manager", kcmArgs, filepath.Join(absDir, "kube-controller-manager.log"))
	if err != nil {
		return err
	}
	children = append(children, kcmCmd)

	// The service account controller creating `default/default` shows that the controller
	// manager is connected and running its controllers.
	if err := waitHTTP(ctx, children, server+"/api/v1/namespaces/default/serviceaccounts/default", creds, deadline); err != nil {
		return fmt.Errorf("waiting for kube-controller-manager (log: %s): %w", kcmCmd.log, err)
	}
	if err := os.WriteFile(filepath.Join(absDir, "ready"), []byte(server+"\n"), 0o600); err != nil {
		return err
	}
	logf("cluster %s ready: KUBECONFIG=%s", *name, filepath.Join(absDir, "kubeconfig"))

	select {
	case <-ctx.Done():
		logf("stopping on signal")
		return nil
	case c := <-exited(children):
		return fmt.Errorf("%s exited unexpectedly (log: %s): %v", c.name, c.log, c.err)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s testcluster: %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

func startEtcd(dir string) (*embed.Etcd, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	cfg := embed.NewConfig()
	cfg.Name = "testcluster"
	cfg.Dir = filepath.Join(dir, "etcd")
	clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort(loopback, strconv.Itoa(clientPort))}
	peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort(loopback, strconv.Itoa(peerPort))}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{filepath.Join(dir, "etcd.log")}
	// Test data is thrown away: skip fsync, it is the slowest part of etcd on a shared disk.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, clientURL.String(), nil
	case err := <-e.Err():
		e.Close()
		return nil, "", err
	case <-time.After(time.Minute):
		e.Close()
		return nil, "", errors.New("etcd was not ready within a minute")
	}
}

type child struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startChild(self, component string, args []string, logPath string) (*child, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{component}, args...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// If this process dies without cleaning up, the kernel stops the component too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", component, err)
	}
	c := &child{name: component, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

func exited(children []*child) <-chan *child {
	out := make(chan *child, len(children))
	for _, c := range children {
		go func(c *child) { <-c.done; out <- c }(c)
	}
	return out
}

// stopChildren stops the components in reverse start order: SIGTERM, then SIGKILL after 15s.
func stopChildren(children []*child) {
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		select {
		case <-c.done:
			continue
		default:
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
}

// waitHTTP polls url with the admin token until it answers 200, a component exits, or the
// deadline passes.
func waitHTTP(ctx context.Context, children []*child, target string, creds *credentials, deadline time.Time) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(creds.caData))
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	var last string
	for {
		for _, c := range children {
			select {
			case <-c.done:
				return fmt.Errorf("%s exited: %v", c.name, c.err)
			default:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+creds.token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out; last answer: %s", last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
