package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Case is one recorded evaluation.
type Case struct {
	Def    string // kind/name
	Name   string
	Input  []Field // raw JSON exactly as fed to CUE, plus informational keys
	Result *Result
}

// Recorder collects cases, names them and drops duplicate inputs.
type Recorder struct {
	defs   map[string]*Def
	cases  []*Case
	seen   map[string]bool // def + input text
	counts map[string]int  // def + base name
	keep   func(def string) bool
	base   func(def string) string
	// status cases written per definition
	statusCount map[string]int
}

func NewRecorder(defs map[string]*Def) *Recorder {
	return &Recorder{defs: defs, seen: map[string]bool{}, counts: map[string]int{}, statusCount: map[string]int{}}
}

func (rc *Recorder) record(def string, input []Field, r *Result) {
	if rc.keep != nil && !rc.keep(def) {
		return
	}
	key := def + "\x00" + string(writeFields(input))
	if rc.seen[key] {
		return
	}
	rc.seen[key] = true
	base := rc.base(def)
	rc.counts[def+"\x00"+base]++
	name := base
	if n := rc.counts[def+"\x00"+base]; n > 1 {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	rc.cases = append(rc.cases, &Case{Def: def, Name: name, Input: input, Result: r})
}

// RunApp renders every component (with its traits in order), policy and step of app.
func (rc *Recorder) RunApp(app *App) {
	for _, comp := range app.Components {
		rc.runComponent(app, comp)
	}
	for _, p := range app.Policies {
		def := "policy/" + p.Type
		d, ok := rc.defs[def]
		if !ok {
			continue
		}
		params := props(p.Properties)
		ctx := BaseContext(app, p.Name, params)
		r := &Result{}
		Evaluate(TraitText(d.Template, mapOrNil(params), ctx), false, r)
		rc.record(def, caseInput(ctx, params, nil), r)
	}
	for _, s := range app.Steps {
		def := "workflowstep/" + s.Type
		d, ok := rc.defs[def]
		if !ok {
			continue
		}
		params := props(s.Properties)
		ctx := StepContext(app, s.Name, params)
		r := &Result{}
		Evaluate(TraitText(d.Template, mapOrNil(params), ctx), false, r)
		rc.record(def, caseInput(ctx, params, nil), r)
	}
}

// mapOrNil keeps a nil map a nil interface, as KubeVela's `params != nil` test sees it.
func mapOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// caseInput records the context and parameter JSON byte-exactly as they were fed to CUE
// (Go encoding/json), then informational keys.
func caseInput(ctx map[string]any, params map[string]any, extra map[string]any) []Field {
	in := []Field{{"context", []byte(marshalGo(ctx))}, {"parameter", []byte(marshalGo(mapOrNil(params)))}}
	for _, k := range sortedKeys(extra) {
		in = append(in, Field{k, []byte(marshalGo(extra[k]))})
	}
	return in
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (rc *Recorder) runComponent(app *App, comp AppComponent) {
	def := "component/" + comp.Type
	d, ok := rc.defs[def]
	if !ok {
		return
	}
	params := props(comp.Properties)
	ctx := BaseContext(app, comp.Name, params)
	r := &Result{}
	e := Evaluate(ComponentText(d.Template, mapOrNil(params), ctx), false, r)
	rc.record(def, caseInput(ctx, params, nil), r)
	if e.Stopped || !e.HasOut {
		return
	}
	w := &Workload{Base: e.Output, Aux: e.Outputs, Type: comp.Type}
	var before []any
	for _, t := range comp.Traits {
		tdef := "trait/" + t.Type
		td, ok := rc.defs[tdef]
		if !ok {
			return
		}
		tparams := props(t.Properties)
		tctx, err := w.traitContext(ctx)
		info := map[string]any{"component": map[string]any{
			"type": comp.Type, "properties": mapOrNil(params), "traitsBefore": append([]any{}, before...),
		}}
		tr := &Result{}
		if err != nil {
			tr.fail("context", err)
			rc.record(tdef, caseInput(ctx, tparams, info), tr)
			return
		}
		te := Evaluate(TraitText(td.Template, mapOrNil(tparams), tctx), true, tr)
		if !te.Stopped {
			_ = w.applyTrait(te, tr)
		}
		rc.record(tdef, caseInput(tctx, tparams, info), tr)
		if te.Stopped {
			return
		}
		before = append(before, plainJSON(t))
	}
}

// StepContext is the context a workflow step template sees (workflow process.NewContext
// plus the app metadata KubeVela adds), fixed as documented in conformance/cue/README.md.
func StepContext(app *App, stepName string, params map[string]any) map[string]any {
	ctx := BaseContext(app, app.Name, params)
	ctx["stepName"] = stepName
	ctx["stepSessionID"] = "session-1"
	return ctx
}

// WriteCases writes input and golden files under out.
func (rc *Recorder) WriteCases(out string) error {
	for _, c := range rc.cases {
		dir := filepath.Join(out, c.Def)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		in := writeFields(c.Input)
		if err := os.WriteFile(filepath.Join(dir, c.Name+".input.json"), in, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, c.Name+".golden.json"), c.Result.Golden(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func indentJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RunGoldens is the `goldens` subcommand.
func RunGoldens(defsDir, examplesDir, casesDir, out string) error {
	defs, keys, err := LoadDefs(defsDir)
	if err != nil {
		return err
	}
	rc := NewRecorder(defs)
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*", "*.eg.md"))
	sort.Strings(files)
	for _, f := range files {
		kind := filepath.Base(filepath.Dir(f))
		eg := strings.TrimSuffix(filepath.Base(f), ".eg.md")
		apps, err := ParseExampleFile(f)
		if err != nil {
			return err
		}
		rc.keep = nil
		rc.base = func(def string) string {
			if def == kind+"/"+eg {
				return "example"
			}
			return "eg-" + sanitize(eg)
		}
		for _, app := range apps {
			rc.RunApp(app)
		}
	}
	if err := rc.runExtraCases(casesDir); err != nil {
		return err
	}
	// Remove stale goldens of the kinds we own, then write.
	for _, k := range []string{"component", "trait", "policy", "workflowstep"} {
		if err := os.RemoveAll(filepath.Join(out, k)); err != nil {
			return err
		}
	}
	if err := rc.WriteCases(out); err != nil {
		return err
	}
	if err := rc.runStatusCases(casesDir, out); err != nil {
		return err
	}
	return writeTiers(defs, keys, rc, out)
}

// ExtraCase is a hand-written parameter set in conformance/cue/cases/<kind>/<def>/<case>.json.
type ExtraCase struct {
	Parameter map[string]any `json:"parameter"`
	// Traits only: the component the trait is attached to (default webservice {image: nginx})
	// and the traits applied before it.
	Component *struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Traits     []AppTrait     `json:"traits"`
	} `json:"component"`
	// Context keys that replace the fixed context's (e.g. clusterVersion).
	Context map[string]any `json:"context"`
	App     *struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"app"`
}

func (rc *Recorder) runExtraCases(casesDir string) error {
	files, _ := filepath.Glob(filepath.Join(casesDir, "*", "*", "*.json"))
	sort.Strings(files)
	for _, f := range files {
		def := filepath.Base(filepath.Dir(filepath.Dir(f))) + "/" + filepath.Base(filepath.Dir(f))
		if strings.HasPrefix(def, "status/") {
			continue
		}
		if _, ok := rc.defs[def]; !ok {
			return fmt.Errorf("%s: unknown definition %s", f, def)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var ec ExtraCase
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ec); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		app := &App{Name: "app", Namespace: "default"}
		if ec.App != nil {
			app.Name, app.Namespace, app.Labels, app.Annotations = ec.App.Name, ec.App.Namespace, ec.App.Labels, ec.App.Annotations
		}
		app.CtxOverride = ec.Context
		kind, typ, _ := strings.Cut(def, "/")
		var praw json.RawMessage
		if ec.Parameter != nil {
			praw = json.RawMessage(marshalGo(ec.Parameter))
		}
		switch kind {
		case "component":
			app.Components = []AppComponent{{Name: "comp", Type: typ, Properties: praw}}
		case "trait":
			comp := AppComponent{Name: "comp", Type: "webservice", Properties: json.RawMessage(`{"image":"nginx"}`)}
			if ec.Component != nil {
				comp.Type = ec.Component.Type
				comp.Properties = json.RawMessage(marshalGo(ec.Component.Properties))
				comp.Traits = ec.Component.Traits
			}
			comp.Traits = append(comp.Traits, AppTrait{Type: typ, Properties: praw})
			app.Components = []AppComponent{comp}
		case "policy":
			app.Policies = []AppPolicy{{Name: "policy", Type: typ, Properties: praw}}
		case "workflowstep":
			app.Steps = []AppStep{{Name: "step", Type: typ, Properties: praw}}
		}
		rc.keep = func(d string) bool { return d == def }
		rc.base = func(string) string { return name }
		before := len(rc.cases)
		rc.RunApp(app)
		if len(rc.cases) == before {
			return fmt.Errorf("%s: produced no case (duplicate of another input?)", f)
		}
	}
	rc.keep = nil
	return nil
}
