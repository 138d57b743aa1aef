package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1beta1 "github.com/oam-dev/kubevela/apis/core.oam.dev/v1beta1"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\\s*\n(.*?)```")

// Example is one Application found in the examples corpus.
type Example struct {
	Name   string // golden file stem
	Source string // path relative to the examples dir (+ "#n" for the n-th app in the file)
	YAML   []byte
}

// appDocs splits a YAML stream and keeps the documents whose kind is Application.
func appDocs(b []byte) [][]byte {
	var out [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if regexp.MustCompile(`(?m)^kind:\s*Application\s*$`).MatchString(doc) {
			out = append(out, []byte(doc))
		}
	}
	return out
}

func stem(rel string) string {
	s := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(rel, ".eg.md"), ".yaml"), ".yml")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, s)
}

// FindExamples lists every Application of examples/def-doc (YAML in markdown) and of the
// YAML files under examples/usage-examples and examples/docs-examples.
func FindExamples(dir string) ([]Example, error) {
	var exs []Example
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var docs [][]byte
		switch {
		case strings.HasSuffix(p, ".eg.md"):
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range yamlBlock.FindAllSubmatch(src, -1) {
				docs = append(docs, appDocs(m[1])...)
			}
		case strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"):
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs = appDocs(src)
		}
		for i, d := range docs {
			ex := Example{Name: stem(rel), Source: filepath.ToSlash(rel), YAML: d}
			if len(docs) > 1 {
				ex.Name = fmt.Sprintf("%s-%d", ex.Name, i+1)
				ex.Source = fmt.Sprintf("%s#%d", ex.Source, i+1)
			}
			exs = append(exs, ex)
		}
		return nil
	})
	sort.Slice(exs, func(i, j int) bool { return exs[i].Name < exs[j].Name })
	return exs, err
}

func types(app *corev1beta1.Application) []string {
	set := map[string]bool{}
	for _, c := range app.Spec.Components {
		set["component/"+c.Type] = true
		for _, t := range c.Traits {
			set["trait/"+t.Type] = true
		}
	}
	for _, p := range app.Spec.Policies {
		set["policy/"+p.Type] = true
	}
	if app.Spec.Workflow != nil {
		for _, s := range app.Spec.Workflow.Steps {
			set["workflowstep/"+s.Type] = true
			for _, ss := range s.SubSteps {
				set["workflowstep/"+ss.Type] = true
			}
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Goldens renders every example and writes <out>/<name>.yaml (the dry-run output) or
// <out>/<name>.error (the error KubeVela reported), plus <out>/index.tsv.
func Goldens(defs, examples, out string) error {
	r, err := NewRenderer(defs)
	if err != nil {
		return err
	}
	exs, err := FindExamples(examples)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	olderr, _ := filepath.Glob(filepath.Join(out, "*.error"))
	for _, f := range append(old, olderr...) {
		_ = os.Remove(f)
	}
	var index bytes.Buffer
	index.WriteString("name\tsource\tresult\tdefinitions\n")
	ok, failed := 0, 0
	for _, ex := range exs {
		if os.Getenv("KUBEVELA_ORACLE_DEBUG") != "" {
			fmt.Fprintln(os.Stderr, "rendering", ex.Name)
		}
		app, err := ParseApp(ex.YAML)
		result := "ok"
		var ts []string
		if err == nil {
			ts = types(app)
			var s string
			s, err = r.Render(app)
			if err == nil {
				err = os.WriteFile(filepath.Join(out, ex.Name+".yaml"), []byte(s), 0o644)
				if err != nil {
					return err
				}
			}
		}
		if err != nil {
			result = "error"
			failed++
			msg := err.Error() + "\n"
			if werr := os.WriteFile(filepath.Join(out, ex.Name+".error"), []byte(msg), 0o644); werr != nil {
				return werr
			}
		} else {
			ok++
		}
		fmt.Fprintf(&index, "%s\t%s\t%s\t%s\n", ex.Name, ex.Source, result, strings.Join(ts, ","))
	}
	fmt.Fprintf(os.Stderr, "kubevela-oracle: %d examples rendered, %d errors\n", ok, failed)
	return os.WriteFile(filepath.Join(out, "index.tsv"), index.Bytes(), 0o644)
}
