// Command cue-oracle is the reference oracle of Vela-rs: it evaluates KubeVela definitions
// with CUE v0.14.1 exactly as KubeVela does and records goldens (see conformance/cue/README.md).
//
//	cue-oracle goldens --defs DIR --examples DIR --cases DIR --out DIR
//	cue-oracle serve                 one JSON request per stdin line, one JSON answer per line
//	cue-oracle bench --defs DIR --examples DIR [--def component/webservice] [--n 2000]
//	cue-oracle eval FILE.cue         print the JSON export of a CUE file (debugging)
//	cue-oracle schemas --defs DIR --providers DIR --out DIR   OpenAPI v3 parameter schemas
//	cue-oracle texts --defs DIR      dump every definition's template and status texts as JSON
//	cue-oracle stdlib --cases FILE --out FILE   standard-library goldens (conformance/cue-stdlib)
//	cue-oracle unicode --out FILE    Go's IsPrint/IsGraphic and case-mapping tables as Rust
//	cue-oracle html-entities --src GOROOT/src/html/entity.go --out FILE   html.Unescape's table
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"cuelang.org/go/cue/cuecontext"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cue-oracle goldens|schemas|serve|bench|eval ...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	defs := fs.String("defs", "../shared/conformance/kubevela/definitions", "definitions directory")
	examples := fs.String("examples", "../shared/conformance/kubevela/examples/def-doc", "def-doc examples directory")
	cases := fs.String("cases", "conformance/cue/cases", "hand-written cases directory")
	out := fs.String("out", "conformance/cue", "output directory")
	src := fs.String("src", "", "html-entities: Go's html/entity.go")
	providers := fs.String("providers", "../shared/conformance/kubevela/providers", "schemas: provider CUE packages directory")
	def := fs.String("def", "component/webservice", "bench: definition to render")
	n := fs.Int("n", 2000, "bench: evaluations")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "goldens":
		err = RunGoldens(*defs, *examples, *cases, *out)
	case "schemas":
		if *out == "conformance/cue" {
			*out = "conformance/schema"
		}
		err = RunSchemas(*defs, *providers, *out)
	case "serve":
		err = Serve(os.Stdin, os.Stdout)
	case "bench":
		err = RunBench(*defs, *examples, *def, *n)
	case "stdlib":
		if *cases == "conformance/cue/cases" {
			*cases = "conformance/cue-stdlib/cases.txt"
		}
		if *out == "conformance/cue" {
			*out = "conformance/cue-stdlib/goldens.jsonl"
		}
		err = RunStdlib(*cases, *out)
	case "unicode":
		if *out == "conformance/cue" {
			*out = "vela-cue/src/builtins/unicode_tables.rs"
		}
		err = RunUnicode(*out)
	case "html-entities":
		if *out == "conformance/cue" {
			*out = "vela-cue/src/builtins/html_entities.rs"
		}
		err = RunHTMLEntities(*src, *out)
	case "texts":
		// Dump the CUE texts KubeVela evaluates per definition (template and status programs).
		var all map[string]*Def
		if all, _, err = LoadDefs(*defs); err == nil {
			err = json.NewEncoder(os.Stdout).Encode(all)
		}
	case "eval":
		var src []byte
		if src, err = os.ReadFile(fs.Arg(0)); err == nil {
			v := cuecontext.New().CompileBytes(src)
			var b []byte
			if b, err = v.MarshalJSON(); err == nil {
				fmt.Println(string(b))
			}
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cue-oracle:", err)
		os.Exit(1)
	}
}
