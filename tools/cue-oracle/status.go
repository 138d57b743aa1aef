package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
)

// StatusResult mirrors KubeVela's health.StatusResult plus the errors it only logs.
type StatusResult struct {
	Healthy bool              `json:"healthy"`
	Message string            `json:"message"`
	Details map[string]string `json:"details"`
	Errors  map[string]string `json:"errors,omitempty"`
	// EvalV2 is the result of CUE v0.14.1's previous evaluator (evalv2, the one KubeVela's
	// CUE v0.5 line descends from), recorded only when the default evaluator (evalv3) reports
	// an error and evalv2 answers differently: a hint that evalv3 hit one of its bugs.
	EvalV2 *StatusResult `json:"evalv2,omitempty"`
}

// runtimeContext is health.formatRuntimeContext.
func runtimeContext(tctx map[string]any, parameter any) string {
	paramBuff := "parameter: {}\n"
	ctxBuff := "context: " + marshalGo(tctx) + "\n"
	if bt := marshalGo(parameter); bt != "null" {
		paramBuff = "parameter: " + bt + "\n"
	}
	return ctxBuff + paramBuff
}

// GetStatus follows KubeVela's health.GetStatus: details, then healthPolicy, then customStatus,
// each compiled alone with the context as it has grown so far.
func GetStatus(tctx map[string]any, d *Def, parameter any, opts ...cuecontext.Option) *StatusResult {
	res := &StatusResult{Details: map[string]string{}, Errors: map[string]string{}}
	if tctx["status"] == nil {
		tctx["status"] = map[string]any{}
	}
	if err := statusDetails(tctx, d.Details, parameter, res, opts...); err != nil {
		res.Errors["details"] = err.Error()
	}
	healthy, err := checkHealth(tctx, d.HealthPolicy, parameter, opts...)
	if err != nil {
		res.Errors["healthPolicy"] = err.Error()
	}
	res.Healthy = healthy
	if sm, ok := tctx["status"].(map[string]any); ok {
		sm["healthy"] = healthy
	}
	if d.CustomStatus != "" {
		val := cuecontext.New(opts...).CompileString(d.CustomStatus + "\n" + runtimeContext(tctx, parameter))
		if val.Err() != nil {
			res.Errors["customStatus"] = "compile status template: " + val.Err().Error()
		} else if msg, err := val.LookupPath(cue.ParsePath("message")).String(); err != nil {
			res.Errors["customStatus"] = "evaluate customStatus.message: " + err.Error()
		} else {
			res.Message = msg
		}
	}
	if len(res.Errors) == 0 {
		res.Errors = nil
	}
	return res
}

func checkHealth(tctx map[string]any, policy string, parameter any, opts ...cuecontext.Option) (bool, error) {
	if policy == "" {
		return true, nil
	}
	val := cuecontext.New(opts...).CompileString(policy + "\n" + runtimeContext(tctx, parameter))
	if val.Err() != nil {
		return false, fmt.Errorf("compile health template: %w", val.Err())
	}
	h, err := val.LookupPath(cue.ParsePath("isHealth")).Bool()
	if err != nil {
		return false, fmt.Errorf("evaluate health status: %w", err)
	}
	return h, nil
}

func statusDetails(tctx map[string]any, fields string, parameter any, res *StatusResult, opts ...cuecontext.Option) error {
	if fields == "" {
		return nil
	}
	rc := runtimeContext(tctx, parameter)
	cctx := cuecontext.New(opts...)
	var ctxLabels []string
	it, err := cctx.CompileString(rc).Fields(cue.All())
	if err != nil {
		return err
	}
	for it.Next() {
		ctxLabels = append(ctxLabels, it.Selector().String())
	}
	val := cctx.CompileString(fields + "\n" + rc)
	if val.Err() != nil {
		return fmt.Errorf("compile status fields template: %w", val.Err())
	}
	it, err = val.Fields()
	if err != nil {
		return err
	}
	details := map[string]any{}
	for it.Next() {
		label := it.Selector().String()
		if len(label) >= 32 || slices.Contains(ctxLabels, label) {
			continue
		}
		v := it.Value()
		exclude := false
		for _, a := range v.Attributes(cue.FieldAttr) {
			if a.Name() == "local" || a.Name() == "private" {
				exclude = true
			}
		}
		if strings.HasPrefix(label, "$") {
			if v.Validate(cue.Concrete(true)) == nil {
				var x any
				if v.Decode(&x) == nil {
					details[label] = x
				}
			}
			continue
		}
		if exclude {
			continue
		}
		if v.Validate(cue.Concrete(true)) == nil {
			var x any
			if v.Decode(&x) == nil {
				details[label] = x
			}
			if v.IncompleteKind() == cue.StringKind {
				res.Details[label], _ = v.String()
				continue
			}
			b, err := format.Node(v.Syntax(cue.Final()))
			if err != nil {
				return err
			}
			res.Details[label] = string(b)
		} else {
			res.Details[label] = cue.BottomKind.String()
		}
	}
	if sm, ok := tctx["status"].(map[string]any); ok {
		sm["details"] = details
	}
	return nil
}

// StatusCase is conformance/cue/cases/status/<kind>/<def>/<case>.json: a live object built
// from a rendered case ("from") merged (RFC 7396) with "merge".
type StatusCase struct {
	From      string         `json:"from"`
	Merge     map[string]any `json:"merge"`
	Parameter map[string]any `json:"parameter"`
}

func mergePatch(base, patch any) any {
	if patch == nil {
		return base
	}
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	bm, ok := base.(map[string]any)
	if !ok {
		bm = map[string]any{}
	}
	out := map[string]any{}
	for k, v := range bm {
		out[k] = v
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

func (rc *Recorder) findCase(def, name string) *Case {
	for _, c := range rc.cases {
		if c.Def == def && c.Name == name {
			return c
		}
	}
	return nil
}

func rawField(r *Result, key string) (any, bool) {
	for _, f := range r.Fields {
		if f.Key == key {
			var x any
			if json.Unmarshal(f.Raw, &x) == nil {
				return x, true
			}
		}
	}
	return nil, false
}

// liveContext builds the template context of getTemplateContext for a rendered case.
func liveContext(kind string, c *Case, sc *StatusCase) (map[string]any, any, error) {
	var ctx map[string]any
	var param any
	for _, f := range c.Input {
		switch f.Key {
		case "context":
			_ = json.Unmarshal(f.Raw, &ctx)
		case "parameter":
			_ = json.Unmarshal(f.Raw, &param)
		}
	}
	tctx := map[string]any{"name": ctx["name"], "appName": ctx["appName"], "appRevision": ctx["appRevision"]}
	merge := sc.Merge
	if kind == "component" {
		out, ok := rawField(c.Result, "output")
		if !ok {
			return nil, nil, fmt.Errorf("case %s has no output", c.Name)
		}
		tctx["output"] = mergePatch(out, merge["output"])
	}
	outs := map[string]any{}
	if o, ok := rawField(c.Result, "outputs"); ok {
		for _, pair := range o.([]any) {
			p := pair.([]any)
			outs[p[0].(string)] = p[1]
		}
	}
	if mo, ok := merge["outputs"].(map[string]any); ok {
		for k, v := range mo {
			outs[k] = mergePatch(outs[k], v)
		}
	}
	if len(outs) > 0 {
		tctx["outputs"] = outs
	}
	if sc.Parameter != nil {
		param = sc.Parameter
	}
	return plainJSON(tctx).(map[string]any), param, nil
}

func (rc *Recorder) runStatusCases(casesDir, out string) error {
	files, _ := filepath.Glob(filepath.Join(casesDir, "status", "*", "*", "*.json"))
	sort.Strings(files)
	for _, f := range files {
		kind := filepath.Base(filepath.Dir(filepath.Dir(f)))
		def := kind + "/" + filepath.Base(filepath.Dir(f))
		d, ok := rc.defs[def]
		if !ok {
			return fmt.Errorf("%s: unknown definition %s", f, def)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var sc StatusCase
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sc); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if sc.From == "" {
			sc.From = "example"
		}
		c := rc.findCase(def, sc.From)
		if c == nil {
			return fmt.Errorf("%s: no rendered case %s/%s", f, def, sc.From)
		}
		tctx, param, err := liveContext(kind, c, &sc)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		input := []Field{{"context", []byte(marshalGo(tctx))}, {"parameter", []byte(marshalGo(param))}}
		res := GetStatus(tctx, d, param)
		if len(res.Errors) > 0 {
			tctx2, param2, _ := liveContext(kind, c, &sc)
			v2 := GetStatus(tctx2, d, param2, cuecontext.EvaluatorVersion(cuecontext.EvalV2))
			if observable(v2) != observable(res) {
				res.EvalV2 = v2
			}
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		dir := filepath.Join(out, def, "status")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		in := writeFields(input)
		gold, _ := indentJSON(res)
		if err := os.WriteFile(filepath.Join(dir, name+".input.json"), in, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".golden.json"), gold, 0o644); err != nil {
			return err
		}
		rc.statusCount[def]++
	}
	return nil
}

// observable is what a status result shows a user: health, message, details and which phases
// failed (the wording of an error is not compared).
func observable(r *StatusResult) string {
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, _ := json.Marshal([]any{r.Healthy, r.Message, r.Details, keys})
	return string(b)
}
