package main

// `vela addon enable DIR --dry-run` of KubeVela v1.11.0 against a real API server, and the
// preparation of that API server (addon-cluster).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/strvals"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	pkgaddon "github.com/oam-dev/kubevela/pkg/addon"
	"github.com/oam-dev/kubevela/pkg/utils/apply"
	"github.com/oam-dev/kubevela/pkg/utils/common"
	velaversion "github.com/oam-dev/kubevela/version"
)

// velaArgs builds the client arguments from a kubeconfig file.
func velaArgs(kubeconfig string) (common.Args, error) {
	args := common.Args{Schema: common.Scheme}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return args, err
	}
	cfg.Timeout = 30 * time.Second
	return args, args.SetConfig(cfg)
}

// AddonDryRun does what `vela addon enable DIR k=v... --dry-run` of the v1.11.0 CLI does for a
// local directory: it prints the CLI's "enabling addon by local dir" line, then
// pkg/addon.EnableAddonByLocalDir with the DryRunAddon option prints the Application and the
// other objects itself. The CLI flag parsing is not linked; what it passes is rebuilt here: the
// arguments through helm's strvals (parseAddonArgsToMap), the installer runtime option
// {upgrade: false}, the addon name from the directory's base name, and the CLI's version
// (a released v1.11.0 CLI checks an addon's `system.vela` against its own version too).
func AddonDryRun(kubeconfig, dir string, kv []string) error {
	velaversion.VelaVersion = "v1.11.0"
	c, err := velaArgs(kubeconfig)
	if err != nil {
		return err
	}
	addonArgs := map[string]interface{}{}
	for _, a := range kv {
		if err := strvals.ParseInto(a, addonArgs); err != nil {
			return err
		}
	}
	addonArgs[pkgaddon.InstallerRuntimeOption] = map[string]interface{}{"upgrade": false}
	config, err := c.GetConfig()
	if err != nil {
		return err
	}
	cli, err := c.GetClient()
	if err != nil {
		return err
	}
	dc, err := c.GetDiscoveryClient()
	if err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not addon dir", dir)
	}
	// color is off when stdout is not a terminal, as here
	fmt.Printf("enabling addon by local dir: %s \n", dir)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	_, err = pkgaddon.EnableAddonByLocalDir(ctx, filepath.Base(abs), dir, cli, dc, apply.NewAPIApplicator(cli), config,
		addonArgs, false, pkgaddon.DryRunAddon)
	return err
}

// AddonCluster prepares an API server as a cluster where KubeVela v1.11.0 runs, for
// AddonDryRun: the CRDs of crdsDir (established before it returns), the namespace vela-system,
// a stand-in of the vela-core Deployment (whose image tag is the controller version the addon
// system requirements are checked against; nothing runs it), and, for each name of enabled,
// an empty addon Application `addon-<name>` of the local registry, so that addons depending on
// it can be enabled (dependencies are never installed by a dry run).
func AddonCluster(kubeconfig, crdsDir string, enabled []string) error {
	c, err := velaArgs(kubeconfig)
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	_ = apiextv1.AddToScheme(scheme)
	cfg, _ := c.GetConfig()
	crdCli, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(crdsDir, "*.yaml"))
	if err != nil {
		return err
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		crd := &apiextv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := crdCli.Create(ctx, crd); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: %w", f, err)
		}
		names = append(names, crd.Name)
	}
	for _, n := range names {
		if err := waitEstablished(ctx, crdCli, n); err != nil {
			return err
		}
	}
	objs := []string{
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"vela-system"}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"kubevela-vela-core","namespace":"vela-system",
		  "labels":{"controller.oam.dev/name":"vela-core"}},"spec":{"selector":{"matchLabels":{"app":"vela-core"}},
		  "template":{"metadata":{"labels":{"app":"vela-core"}},"spec":{"containers":[{"name":"kubevela",
		  "image":"oamdev/vela-core:v1.11.0"}]}}}}`,
	}
	for _, e := range enabled {
		objs = append(objs, fmt.Sprintf(`{"apiVersion":"core.oam.dev/v1beta1","kind":"Application",
		  "metadata":{"name":"addon-%s","namespace":"vela-system","labels":{"addons.oam.dev/name":%q,
		  "addons.oam.dev/registry":"local","addons.oam.dev/version":"0.0.0"}},"spec":{"components":[]}}`, e, e))
	}
	cli, err := c.GetClient()
	if err != nil {
		return err
	}
	for _, js := range objs {
		o := &unstructured.Unstructured{}
		if err := o.UnmarshalJSON([]byte(js)); err != nil {
			return err
		}
		if err := cli.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	return nil
}

func waitEstablished(ctx context.Context, cli client.Client, name string) error {
	for i := 0; i < 300; i++ {
		crd := &apiextv1.CustomResourceDefinition{}
		if err := cli.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return err
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("CRD %s not established after 30s", name)
}

// CatalogDependencies lists the names every addon directory under dir depends on (the
// `dependencies` of its metadata.yaml), each once, in the order found.
func CatalogDependencies(dir string) ([]string, error) {
	metas, err := filepath.Glob(filepath.Join(dir, "*", "metadata.yaml"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range metas {
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		var meta struct {
			Dependencies []struct {
				Name string `json:"name"`
			} `json:"dependencies"`
		}
		if err := yaml.Unmarshal(b, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		for _, d := range meta.Dependencies {
			if !seen[d.Name] {
				seen[d.Name] = true
				out = append(out, d.Name)
			}
		}
	}
	return out, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
