package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cuelang.org/go/cue/cuecontext"
	"sigs.k8s.io/yaml"
)

const corpus = "../../../shared/conformance/kubevela"

func corpusDir(t *testing.T) string {
	dir := os.Getenv("VELA_CONFORMANCE_DIR")
	if dir == "" {
		dir = corpus
	}
	if _, err := os.Stat(filepath.Join(dir, "definitions")); err != nil {
		t.Fatalf("conformance corpus not found at %s: %v", dir, err)
	}
	return dir
}

var spaces = regexp.MustCompile(`\s+`)

func norm(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// The template and status texts the oracle extracts from the `vela def` files must be the ones
// KubeVela's chart stores in the definition CRs (generated from the same files by `vela def`).
func TestTextsMatchDefinitionCRs(t *testing.T) {
	dir := corpusDir(t)
	defs, keys, err := LoadDefs(filepath.Join(dir, "definitions"))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 78 {
		t.Fatalf("want 78 definitions, got %d", len(keys))
	}
	for _, k := range keys {
		d := defs[k]
		src, err := os.ReadFile(filepath.Join(dir, "definitions-cr", d.Name+".yaml"))
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		src = bytes.ReplaceAll(src, []byte(`{{ include "systemDefinitionNamespace" . }}`), []byte("vela-system"))
		var cr struct {
			Spec struct {
				Schematic struct {
					CUE struct {
						Template string `json:"template"`
					} `json:"cue"`
				} `json:"schematic"`
				Status struct {
					CustomStatus string `json:"customStatus"`
					HealthPolicy string `json:"healthPolicy"`
					Details      string `json:"details"`
				} `json:"status"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(src, &cr); err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		for _, c := range []struct{ what, cr, ours string }{
			{"template", cr.Spec.Schematic.CUE.Template, d.Template},
			{"customStatus", cr.Spec.Status.CustomStatus, d.CustomStatus},
			{"healthPolicy", cr.Spec.Status.HealthPolicy, d.HealthPolicy},
			{"details", cr.Spec.Status.Details, d.Details},
		} {
			if norm(c.cr) != norm(c.ours) {
				t.Errorf("%s: %s differs from the CR", k, c.what)
			}
		}
	}
}

func TestTextLayoutFollowsKubeVela(t *testing.T) {
	ctx := map[string]any{"name": "c", "appName": "a<b>"}
	got := ComponentText("output: {}", map[string]any{"b": 1, "a": "x"}, ctx)
	want := "output: {}\ncontext: _\nparameter: _\n\nparameter: {\"a\":\"x\",\"b\":1}\ncontext: {\"appName\":\"a\\u003cb\\u003e\",\"name\":\"c\"}"
	if got != want {
		t.Errorf("component text:\n%q\nwant\n%q", got, want)
	}
	if got := ComponentText("x: 1", nil, map[string]any{}); !strings.Contains(got, "\nparameter: {}\n") {
		t.Errorf("nil parameter must become `parameter: {}`: %q", got)
	}
	got = TraitText("patch: {}", map[string]any{"r": 2}, map[string]any{"name": "c"})
	if want := "patch: {}\nparameter: {\"r\":2}\ncontext: {\"name\":\"c\"}"; got != want {
		t.Errorf("trait text:\n%q\nwant\n%q", got, want)
	}
	if got := TraitText("patch: {}", nil, map[string]any{}); strings.Contains(got, "parameter") {
		t.Errorf("a trait without parameter gets no parameter line: %q", got)
	}
}

func TestServeClassifiesErrors(t *testing.T) {
	in := strings.Join([]string{
		`{"id":1,"program":"b: 2\na: b + 1"}`,
		`{"id":"x","program":"a: 1\na: 2"}`,
		`{"id":3,"program":"a: int"}`,
		`{"id":4,"program":"a: ["}`,
		`{"id":6,"program":"a: b"}`,
		`{"id":5,"program":"a: {b: *1 | int}","expr":"a.b"}`,
	}, "\n")
	var out bytes.Buffer
	if err := Serve(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"id":1,"ok":{"b":2,"a":3}}`,
		`conflict`, `incomplete`, `compile`, `compile`,
		`{"id":5,"ok":1}`,
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d answers: %s", len(lines), out.String())
	}
	for i, l := range lines {
		if strings.HasPrefix(want[i], "{") {
			if l != want[i] {
				t.Errorf("answer %d = %s, want %s", i, l, want[i])
			}
			continue
		}
		var r Response
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Error == nil || r.Error.Class != want[i] {
			t.Errorf("answer %d = %s, want class %s", i, l, want[i])
		}
	}
}

func TestGoldenFormatKeepsRawBytes(t *testing.T) {
	r := &Result{}
	v := cuecontext.New().CompileString(`z: 1, a: "<&>"`)
	raw, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	r.add("output", raw)
	got := string(r.Golden())
	// CUE's MarshalJSON does not HTML-escape (Go's encoding/json would).
	want := "{\n\"output\": {\"z\":1,\"a\":\"<&>\"}\n}\n"
	if got != want {
		t.Errorf("golden:\n%s\nwant\n%s", got, want)
	}
}

// The schema pipeline applies KubeVela's fix-ups: titles from property names (through array
// items, not through oneOf), descriptions cut to the `+usage=` text before `+short`, and
// `+immutable` lines turned into `x-immutable`.
func TestParameterSchemaFixUps(t *testing.T) {
	tmpl := `parameter: {
	// +usage=The image
	// +short=i
	image: string
	// +immutable
	// +usage=Ports
	ports?: [...{
		// +usage=Port number
		port: *80 | int
		// +usage=Weight
		weight: int & >=1 & <=100
	}]
}
`
	raw, err := ParameterSchema(tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	props := got["properties"].(map[string]any)
	image := props["image"].(map[string]any)
	if image["title"] != "image" || image["description"] != "The image" {
		t.Errorf("image: %v", image)
	}
	ports := props["ports"].(map[string]any)
	if ports["x-immutable"] != true || ports["description"] != "Ports" {
		t.Errorf("ports: %v", ports)
	}
	port := ports["items"].(map[string]any)["properties"].(map[string]any)["port"].(map[string]any)
	if port["title"] != "port" || port["description"] != "Port number" || port["default"] != 80.0 {
		t.Errorf("port: %v", port)
	}
	weight := ports["items"].(map[string]any)["properties"].(map[string]any)["weight"].(map[string]any)
	if weight["minimum"] != 1.0 || weight["maximum"] != 100.0 || weight["type"] != "integer" {
		t.Errorf("weight: %v", weight)
	}
	if req := got["required"].([]any); len(req) != 1 || req[0] != "image" {
		t.Errorf("required: %v", req)
	}
}
