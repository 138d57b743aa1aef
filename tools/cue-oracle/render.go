package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"github.com/kubevela/workflow/pkg/cue/model/sets"
)

// Field is one key of a golden file: a name and raw JSON bytes.
type Field struct {
	Key string
	Raw []byte
}

// PhaseError is an error of one evaluation phase.
type PhaseError struct {
	Phase   string `json:"phase"`
	Message string `json:"message"`
}

// Result is what the oracle records for one case.
type Result struct {
	Fields []Field
	Errors []PhaseError
}

func (r *Result) add(key string, raw []byte) { r.Fields = append(r.Fields, Field{key, raw}) }
func (r *Result) fail(phase string, err error) {
	r.Errors = append(r.Errors, PhaseError{phase, err.Error()})
}

// Golden renders the result in the golden-file format: one key per line.
func (r *Result) Golden() []byte {
	fields := append([]Field{}, r.Fields...)
	if len(r.Errors) > 0 {
		raw, _ := json.Marshal(r.Errors)
		fields = append(fields, Field{"errors", raw})
	}
	return writeFields(fields)
}

// writeFields writes a JSON object with one key per line and raw values.
func writeFields(fields []Field) []byte {
	var b strings.Builder
	b.WriteString("{\n")
	for i, f := range fields {
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteString(": ")
		b.Write(f.Raw)
		if i+1 < len(fields) {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// marshalGo is Go's encoding/json, the encoder KubeVela uses for parameter and context.
func marshalGo(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ComponentText builds the CUE text KubeVela compiles for a component (workloadDef.Complete).
func ComponentText(template string, param any, ctx map[string]any) string {
	paramFile := "parameter: {}"
	if param != nil {
		if bt := marshalGo(param); bt != "null" {
			paramFile = "parameter: " + bt
		}
	}
	rendered := template + "\ncontext: _\nparameter: _\n"
	return strings.Join([]string{rendered, paramFile, contextFile(ctx)}, "\n")
}

// TraitText builds the CUE text KubeVela compiles for a trait (traitDef.Complete).
func TraitText(template string, param any, ctx map[string]any) string {
	buff := template + "\n"
	if param != nil {
		if bt := marshalGo(param); bt != "null" {
			buff += "parameter: " + bt + "\n"
		}
	}
	return buff + contextFile(ctx)
}

// contextFile is workflow's process.BaseContextFile: "context: " + the JSON of the data map.
func contextFile(ctx map[string]any) string {
	return "context: " + marshalGo(ctx)
}

// exportConcrete is how KubeVela turns an output into an object (model.instance.Compile).
func exportConcrete(v cue.Value) ([]byte, error) {
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return nil, err
	}
	return v.MarshalJSON()
}

// Aux is an auxiliary object (an entry of `outputs`).
type Aux struct {
	Name string
	V    cue.Value
}

// Eval is the evaluated template of one component or trait.
type Eval struct {
	Val     cue.Value
	Output  cue.Value
	HasOut  bool
	Outputs []Aux
	Patch   cue.Value
	HasP    bool
	PatchO  cue.Value
	HasPO   bool
	Stopped bool // compile or validate failed: KubeVela stops
}

// Evaluate compiles text and records every field KubeVela reads, in KubeVela's order.
func Evaluate(text string, trait bool, r *Result) *Eval {
	e := &Eval{}
	val := cuecontext.New().CompileString(text)
	if err := val.Err(); err != nil {
		r.fail("compile", err)
		e.Stopped = true
		return e
	}
	e.Val = val
	if errs := val.LookupPath(cue.ParsePath("errs")); errs.Exists() {
		var user []string
		if err := errs.Decode(&user); err == nil && len(user) > 0 {
			raw, _ := json.Marshal(user)
			r.add("errs", raw)
		}
	}
	if err := val.Validate(); err != nil {
		r.fail("validate", err)
		e.Stopped = true
		return e
	}
	if p := val.LookupPath(cue.ParsePath("parameter")); p.Exists() {
		if raw, err := p.MarshalJSON(); err == nil {
			r.add("parameter", raw)
		} else {
			r.fail("parameter", err)
		}
	}
	if out := val.LookupPath(cue.ParsePath("output")); out.Exists() {
		e.Output, e.HasOut = out, true
		if raw, err := exportConcrete(out); err == nil {
			r.add("output", raw)
		} else {
			r.fail("output", err)
		}
	}
	if outs := val.LookupPath(cue.ParsePath("outputs")); outs.Exists() {
		it, err := outs.Fields(cue.Definitions(true), cue.Hidden(true), cue.All())
		if err != nil {
			r.fail("outputs", err)
		} else {
			var parts []string
			for it.Next() {
				sel := it.Selector()
				if sel.IsDefinition() || sel.PkgPath() != "" || it.IsOptional() {
					continue
				}
				name := sel.Unquoted()
				e.Outputs = append(e.Outputs, Aux{name, it.Value()})
				raw, err := exportConcrete(it.Value())
				if err != nil {
					r.fail("outputs."+name, err)
					continue
				}
				parts = append(parts, "["+marshalGo(name)+","+string(raw)+"]")
			}
			r.add("outputs", []byte("["+strings.Join(parts, ",")+"]"))
		}
	}
	if trait {
		if p := val.LookupPath(cue.ParsePath("patch")); p.Exists() {
			e.Patch, e.HasP = p, true
			if raw, err := p.MarshalJSON(); err == nil {
				r.add("patch", raw)
			} else {
				r.fail("patch", err)
			}
		}
		if p := val.LookupPath(cue.ParsePath("patchOutputs")); p.Exists() {
			e.PatchO, e.HasPO = p, true
			if raw, err := p.MarshalJSON(); err == nil {
				r.add("patchOutputs", raw)
			} else {
				r.fail("patchOutputs", err)
			}
		}
	}
	return e
}

// toPlain converts a CUE value to the Go value KubeVela puts into the next context
// (MarshalJSON, then json.Unmarshal into any).
func toPlain(v cue.Value) (any, error) {
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	return x, nil
}

// Workload is the state of one component while its traits are applied (KubeVela's process.Context).
type Workload struct {
	Base cue.Value
	Aux  []Aux
	Type string
}

// traitContext extends the component context as BaseContextFile does before a trait.
func (w *Workload) traitContext(compCtx map[string]any) (map[string]any, error) {
	ctx := map[string]any{}
	for k, v := range compCtx {
		ctx[k] = v
	}
	ctx["componentType"] = w.Type
	out, err := toPlain(w.Base)
	if err != nil {
		return nil, fmt.Errorf("context.output: %w", err)
	}
	ctx["output"] = out
	if len(w.Aux) > 0 {
		m := map[string]any{}
		for _, a := range w.Aux {
			x, err := toPlain(a.V)
			if err != nil {
				return nil, fmt.Errorf("context.outputs.%s: %w", a.Name, err)
			}
			m[a.Name] = x
		}
		ctx["outputs"] = m
	}
	return ctx, nil
}

// applyTrait applies a trait's outputs, patch and patchOutputs like traitDef.Complete and
// records the patched output in r.
func (w *Workload) applyTrait(e *Eval, r *Result) error {
	w.Aux = append(w.Aux, e.Outputs...)
	if e.HasP {
		nb, err := sets.StrategyUnify(w.Base, e.Patch, sets.CreateUnifyOptionsForPatcher(e.Patch)...)
		if err != nil {
			r.fail("patchedOutput", err)
			return err
		}
		w.Base = nb
		if raw, err := exportConcrete(nb); err == nil {
			r.add("patchedOutput", raw)
		} else {
			r.fail("patchedOutput", err)
		}
	}
	if e.HasPO {
		for i, a := range w.Aux {
			target := e.PatchO.LookupPath(cue.MakePath(cue.Str(a.Name)))
			if !target.Exists() {
				continue
			}
			nv, err := sets.StrategyUnify(a.V, target)
			if err != nil {
				r.fail("patchOutputs."+a.Name, err)
				return err
			}
			w.Aux[i].V = nv
		}
	}
	return nil
}
