// Command kubevela-oracle runs KubeVela's own offline dry-run (the code behind
// `vela dry-run --offline -d DEFS -f APP`, github.com/oam-dev/kubevela v1.11.0) without
// linking the whole CLI, and records the goldens under conformance/dry-run.
//
//	kubevela-oracle dry-run -d DEFS -f APP.yaml        print what `vela dry-run --offline` prints
//	kubevela-oracle goldens -d DEFS --examples DIR --out DIR
//	kubevela-oracle bench -d DEFS -f APP.yaml [-n N]   warm render timing (JSON line)
//	kubevela-oracle yaml11                              YAML texts (JSON strings, one a line) read as kubectl reads them
//	kubevela-oracle marshal                             JSON values (one a line) written as `vela dry-run` writes objects
//	kubevela-oracle addon-cluster -kubeconfig F -crds DIR [-enabled a,b] [-catalog DIR]   prepare an API server (addon.go)
//	kubevela-oracle addon-dry-run -kubeconfig F -dir ADDON [k=v...]        print what `vela addon enable ADDON --dry-run` prints
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	corev1beta1 "github.com/oam-dev/kubevela/apis/core.oam.dev/v1beta1"
	"github.com/oam-dev/kubevela/pkg/appfile/dryrun"
	pkgdef "github.com/oam-dev/kubevela/pkg/definition"
	oamutil "github.com/oam-dev/kubevela/pkg/oam/util"
	"github.com/oam-dev/kubevela/pkg/utils/common"
)

func main() {
	klog.InitFlags(nil)
	if os.Getenv("KUBEVELA_ORACLE_DEBUG") == "" {
		klog.LogToStderr(false)
		klog.SetOutput(io.Discard)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kubevela-oracle dry-run|goldens|bench ...")
		os.Exit(2)
	}
	if strings.HasPrefix(os.Args[1], "addon-") {
		os.Exit(addonMain(os.Args[1], os.Args[2:]))
	}
	if err := offlineKubeconfig(); err != nil {
		fmt.Fprintln(os.Stderr, "kubevela-oracle:", err)
		os.Exit(1)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	defs := fs.String("d", "../shared/conformance/kubevela/definitions", "definition file or directory")
	app := fs.String("f", "", "application file")
	examples := fs.String("examples", "../shared/conformance/kubevela/examples", "examples directory")
	out := fs.String("out", "conformance/dry-run", "output directory")
	n := fs.Int("n", 200, "bench: renders")
	fs.BoolVar(&lenient, "lenient", false, "skip definition files KubeVela cannot parse (the CLI fails instead)")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "dry-run":
		var s string
		if s, err = DryRunFile(*defs, *app); err == nil {
			fmt.Print(s)
		}
	case "goldens":
		err = Goldens(*defs, *examples, *out)
	case "bench":
		err = Bench(*defs, *app, *n)
	case "yaml11":
		err = YAML11(os.Stdin, os.Stdout)
	case "marshal":
		err = Marshal(os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubevela-oracle:", err)
		os.Exit(1)
	}
}

// offlineKubeconfig points KUBECONFIG at a config for a loopback port where nothing listens
// (unless KUBECONFIG is set): KubeVela v1.11 loads a kubeconfig while reading `.cue`
// definitions even offline (controller-runtime's GetConfigOrDie exits the process without
// one), exactly as `vela dry-run --offline -d` needs one on a machine without a cluster.
func offlineKubeconfig() error {
	if os.Getenv("KUBECONFIG") != "" {
		return nil
	}
	dir, err := os.MkdirTemp("", "kubevela-oracle")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "kubeconfig")
	const cfg = `apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster:
    server: http://127.0.0.1:9
contexts:
- name: offline
  context:
    cluster: offline
    user: offline
current-context: offline
users:
- name: offline
  user: {}
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return err
	}
	return os.Setenv("KUBECONFIG", path)
}

// readObj mirrors references/cli readObj: .cue files through Definition.FromCUEString,
// YAML files as objects.
func readObj(path string) (*unstructured.Unstructured, error) {
	if strings.HasSuffix(path, ".cue") {
		def := pkgdef.Definition{Unstructured: unstructured.Unstructured{}}
		b, err := os.ReadFile(filepath.Clean(path))
		if err != nil {
			return nil, err
		}
		if err := def.FromCUEString(string(b), nil); err != nil {
			return nil, fmt.Errorf("%s: failed to parse CUE for definition: %w", path, err)
		}
		return &unstructured.Unstructured{Object: def.UnstructuredContent()}, nil
	}
	obj := &unstructured.Unstructured{}
	if err := common.ReadYamlToObject(path, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// lenient makes ReadDefinitions skip definition files KubeVela cannot parse (listed in
// skipped) instead of failing like the CLI does; set by the -lenient flag.
var lenient bool

// skipped lists the definition files skipped under -lenient.
var skipped []string

// ReadDefinitions mirrors references/cli ReadDefinitionsFromFile.
func ReadDefinitions(path string) ([]*unstructured.Unstructured, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		o, err := readObj(path)
		if err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{o}, nil
	}
	var objs []*unstructured.Unstructured
	err = filepath.WalkDir(path, func(p string, e os.DirEntry, err error) error {
		if err != nil || e == nil || e.IsDir() {
			return nil
		}
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".cue":
		default:
			return nil
		}
		o, err := readObj(p)
		if err != nil {
			if lenient {
				skipped = append(skipped, p)
				fmt.Fprintln(os.Stderr, "kubevela-oracle: skipped:", err)
				return nil
			}
			return err
		}
		objs = append(objs, o)
		return nil
	})
	return objs, err
}

// deployStep is the stand-in `deploy` WorkflowStepDefinition the CLI adds in offline mode
// (references/cli includeBuiltinWorkflowStepDefinition); only its existence matters.
func deployStep() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "core.oam.dev/v1beta1",
		"kind":       "WorkflowStepDefinition",
		"metadata":   map[string]any{"name": "deploy", "namespace": "vela-system"},
		"spec": map[string]any{"schematic": map[string]any{"cue": map[string]any{
			"template": "import (\n\t\"vela/op\"\n)\n\n\"deploy\": {\n\ttype: \"workflow-step\"\n}\ntemplate: {}",
		}}},
	}}
}

// Renderer holds the offline client and definitions, built once.
type Renderer struct {
	objs []*unstructured.Unstructured
	cli  client.Client
	opt  *dryrun.Option
}

// NewRenderer loads definitions and builds the fake client like the CLI's offline mode.
func NewRenderer(defsPath string) (*Renderer, error) {
	objs, err := ReadDefinitions(defsPath)
	if err != nil {
		return nil, err
	}

	objs = append(objs, deployStep())
	args := common.Args{Schema: common.Scheme}
	// Offline there is no cluster: anything that wants one (the CUE package discovery,
	// providers such as helm) gets a config for an address where nothing listens, so it
	// fails with an error instead of needing a kubeconfig.
	if err := args.SetConfig(&rest.Config{Host: "http://127.0.0.1:9", Timeout: 2 * time.Second}); err != nil {
		return nil, err
	}
	cli, err := args.GetFakeClient(objs)
	if err != nil {
		return nil, err
	}
	cfg, _ := args.GetConfig()
	return &Renderer{objs: objs, cli: cli, opt: dryrun.NewDryRunOption(cli, cfg, objs, false)}, nil
}

// ReadApp mirrors readApplicationFromFile for a local YAML file.
func ReadApp(path string) (*corev1beta1.Application, error) {
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	return ParseApp(b)
}

// ParseApp decodes an Application from YAML.
func ParseApp(b []byte) (*corev1beta1.Application, error) {
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	app := new(corev1beta1.Application)
	if err := json.Unmarshal(js, app); err != nil {
		return nil, err
	}
	return app, nil
}

// Render is DryRunApplication of references/cli in offline mode with no -n flag and the
// default env namespace ("default").
func (r *Renderer) Render(app *corev1beta1.Application) (string, error) {
	ctx := oamutil.SetNamespaceInCtx(context.Background(), "")
	ctx = oamutil.SetXDefinitionNamespaceInCtx(ctx, "")
	if app.Namespace == "" {
		ctx = oamutil.SetNamespaceInCtx(ctx, "default")
	} else {
		ctx = oamutil.SetNamespaceInCtx(ctx, app.Namespace)
	}
	var buff bytes.Buffer
	if err := r.opt.ExecuteDryRunWithPolicies(ctx, app, &buff); err != nil {
		return buff.String(), err
	}
	return buff.String(), nil
}

// DryRunFile renders one application file.
func DryRunFile(defs, appPath string) (string, error) {
	r, err := NewRenderer(defs)
	if err != nil {
		return "", err
	}
	app, err := ReadApp(appPath)
	if err != nil {
		return "", err
	}
	return r.Render(app)
}

// Bench renders appPath n times with one Renderer and prints the median.
func Bench(defs, appPath string, n int) error {
	r, err := NewRenderer(defs)
	if err != nil {
		return err
	}
	app, err := ReadApp(appPath)
	if err != nil {
		return err
	}
	for i := 0; i < n/10+1; i++ {
		if _, err := r.Render(app); err != nil {
			return err
		}
	}
	times := make([]float64, n)
	for i := range times {
		t0 := time.Now()
		if _, err := r.Render(app); err != nil {
			return err
		}
		times[i] = float64(time.Since(t0).Microseconds())
	}
	sort.Float64s(times)
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"app": appPath, "n": n, "median_us": times[n/2], "p90_us": times[n*9/10], "kubevela": "v1.11.0",
	})
}

// YAML11 reads YAML texts, each a JSON string on its own line, and answers each with one JSON
// line: {"json": <value>} as kubectl reads the text (sigs.k8s.io/yaml.YAMLToJSON: go-yaml v2,
// YAML 1.1 scalars such as yes, on, 0777, 1:20, 2024-01-01), or {"error": "..."}.
func YAML11(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	enc := json.NewEncoder(out)
	for {
		var text string
		if err := dec.Decode(&text); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		js, err := yaml.YAMLToJSON([]byte(text))
		var answer map[string]any
		if err != nil {
			answer = map[string]any{"error": err.Error()}
		} else {
			answer = map[string]any{"json": json.RawMessage(js)}
		}
		if err := enc.Encode(answer); err != nil {
			return err
		}
	}
}

// Marshal reads JSON values, one a line, and answers each with the YAML text that
// sigs.k8s.io/yaml.Marshal writes for it (what PrintDryRun writes for an object), as a JSON
// string on its own line.
func Marshal(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	dec.UseNumber()
	enc := json.NewEncoder(out)
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		text, err := yaml.Marshal(v)
		if err != nil {
			text = []byte("error: " + err.Error())
		}
		if err := enc.Encode(string(text)); err != nil {
			return err
		}
	}
}

// addonMain runs the addon-* commands, which talk to a real API server (-kubeconfig, else
// $KUBECONFIG) instead of the offline stand-in.
func addonMain(cmd string, argv []string) int {
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the test cluster")
	dir := fs.String("dir", "", "addon-dry-run: the addon directory")
	crds := fs.String("crds", "", "addon-cluster: directory of KubeVela's CRDs")
	enabled := fs.String("enabled", "", "addon-cluster: addons to stand in as enabled (comma-separated)")
	catalog := fs.String("catalog", "", "addon-cluster: also stand in every dependency of the addons of this directory")
	_ = fs.Parse(argv)
	var err error
	names := splitList(*enabled)
	if *catalog != "" {
		var deps []string
		if deps, err = CatalogDependencies(*catalog); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			return 1
		}
		names = append(names, deps...)
	}
	switch cmd {
	case "addon-dry-run":
		err = AddonDryRun(*kubeconfig, *dir, fs.Args())
	case "addon-cluster":
		err = AddonCluster(*kubeconfig, *crds, names)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	return 0
}
