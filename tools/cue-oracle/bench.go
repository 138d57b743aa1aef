package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// RunBench times one component definition with its def-doc example parameters:
// "warm" = template compiled once, then per iteration parameter and context filled in,
// validated and `output` exported; "kubevela" = what KubeVela does per render (compile the
// whole text, validate, export output). Prints one JSON line with median/p90 in microseconds.
func RunBench(defsDir, examplesDir, def string, n int) error {
	kind, name, _ := strings.Cut(def, "/")
	if kind != "component" {
		return fmt.Errorf("bench supports component definitions, got %s", def)
	}
	d, err := LoadDef(defsDir, filepath.Join(kind, name+".cue"))
	if err != nil {
		return err
	}
	apps, err := ParseExampleFile(filepath.Join(examplesDir, kind, name+".eg.md"))
	if err != nil {
		return err
	}
	var app *App
	var comp AppComponent
	for _, a := range apps {
		for _, c := range a.Components {
			if c.Type == name && app == nil {
				app, comp = a, c
			}
		}
	}
	if app == nil {
		return fmt.Errorf("no %s component in the example", name)
	}
	params := props(comp.Properties)
	ctxData := BaseContext(app, comp.Name, params)
	text := ComponentText(d.Template, mapOrNil(params), ctxData)

	// Reference output to check both paths agree.
	want, err := exportConcrete(cuecontext.New().CompileString(text).LookupPath(cue.ParsePath("output")))
	if err != nil {
		return fmt.Errorf("reference render: %w", err)
	}

	cctx := cuecontext.New()
	tmpl := cctx.CompileString(d.Template + "\ncontext: _\nparameter: _\n")
	if tmpl.Err() != nil {
		return tmpl.Err()
	}
	paramJSON := marshalGo(params)
	ctxJSON := marshalGo(ctxData)
	warm := func() error {
		p := cctx.CompileString(paramJSON)
		c := cctx.CompileString(ctxJSON)
		v := tmpl.FillPath(cue.ParsePath("parameter"), p).FillPath(cue.ParsePath("context"), c)
		if err := v.Validate(); err != nil {
			return err
		}
		got, err := exportConcrete(v.LookupPath(cue.ParsePath("output")))
		if err != nil {
			return err
		}
		// FillPath orders some fields differently from the single-text compile (fields of
		// the filled value come first), so compare values, not bytes.
		if !jsonEqual(got, want) {
			return fmt.Errorf("warm render differs from reference render:\n%s\n%s", got, want)
		}
		return nil
	}
	full := func() error {
		v := cuecontext.New().CompileString(text)
		if err := v.Validate(); err != nil {
			return err
		}
		_, err := exportConcrete(v.LookupPath(cue.ParsePath("output")))
		return err
	}
	res := map[string]any{"definition": def, "n": n, "cue": "v0.14.1"}
	for _, m := range []struct {
		name string
		f    func() error
	}{{"warm", warm}, {"kubevela", full}} {
		for i := 0; i < n/10+1; i++ { // warm-up
			if err := m.f(); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
		}
		times := make([]float64, n)
		for i := range times {
			t0 := time.Now()
			if err := m.f(); err != nil {
				return err
			}
			times[i] = float64(time.Since(t0).Nanoseconds()) / 1000
		}
		sort.Float64s(times)
		res[m.name+"_median_us"] = round1(times[n/2])
		res[m.name+"_p90_us"] = round1(times[n*9/10])
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
