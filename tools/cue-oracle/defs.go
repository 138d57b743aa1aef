package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// Def is one KubeVela definition in `vela def` CUE format.
type Def struct {
	Kind     string // component | trait | policy | workflowstep
	Name     string
	Source   string // path relative to the definitions root
	Template string // the template text KubeVela stores in the definition CR
	// Status programs from attributes.status.
	CustomStatus string
	HealthPolicy string
	Details      string
}

// encodeDecls formats declarations the way KubeVela's pkg/definition encodeDeclsToString does.
func encodeDecls(decls []ast.Decl) (string, error) {
	b, err := format.Node(&ast.File{Decls: decls}, format.Simplify())
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)) + "\n", nil
}

// LoadDef reads a definition file and splits it into metadata and template, following
// KubeVela's Definition.FromCUEString (imports + the fields of `template: {...}`).
func LoadDef(root, rel string) (*Def, error) {
	src, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(rel, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	var imports, meta, tmpl []ast.Decl
	for _, d := range f.Decls {
		switch x := d.(type) {
		case *ast.ImportDecl:
			imports = append(imports, x)
		case *ast.Field:
			label := ""
			switch l := x.Label.(type) {
			case *ast.Ident:
				label = l.Name
			case *ast.BasicLit:
				label = l.Value
			}
			if label == "template" {
				s, ok := x.Value.(*ast.StructLit)
				if !ok {
					return nil, fmt.Errorf("%s: template is not a struct", rel)
				}
				tmpl = append(tmpl, s.Elts...)
			} else {
				meta = append(meta, x)
			}
		}
	}
	impStr, err := encodeDecls(imports)
	if err != nil {
		return nil, err
	}
	tmplStr, err := encodeDecls(tmpl)
	if err != nil {
		return nil, err
	}
	metaStr, err := encodeDecls(meta)
	if err != nil {
		return nil, err
	}
	d := &Def{Source: rel, Template: tmplStr}
	if imp := strings.TrimSpace(impStr); imp != "" {
		d.Template = imp + "\n" + tmplStr
	}
	mv := cuecontext.New().CompileString(metaStr)
	if mv.Err() != nil {
		return nil, fmt.Errorf("%s metadata: %w", rel, mv.Err())
	}
	it, err := mv.Fields()
	if err != nil {
		return nil, err
	}
	for it.Next() {
		d.Name = it.Selector().Unquoted()
		v := it.Value()
		if s, err := v.LookupPath(cue.ParsePath("type")).String(); err == nil {
			d.Kind = s
		}
		st := v.LookupPath(cue.ParsePath("attributes.status"))
		d.CustomStatus, _ = st.LookupPath(cue.ParsePath("customStatus")).String()
		d.HealthPolicy, _ = st.LookupPath(cue.ParsePath("healthPolicy")).String()
		d.Details, _ = st.LookupPath(cue.ParsePath("details")).String()
	}
	if d.Name == "" || d.Kind == "" {
		return nil, fmt.Errorf("%s: no definition name/type", rel)
	}
	return d, nil
}

// LoadDefs loads every definition under root/{component,trait,policy,workflowstep}.
func LoadDefs(root string) (map[string]*Def, []string, error) {
	defs := map[string]*Def{}
	var keys []string
	for _, kind := range []string{"component", "trait", "policy", "workflowstep"} {
		files, _ := filepath.Glob(filepath.Join(root, kind, "*.cue"))
		sort.Strings(files)
		for _, f := range files {
			rel, _ := filepath.Rel(root, f)
			d, err := LoadDef(root, rel)
			if err != nil {
				return nil, nil, err
			}
			key := kind + "/" + d.Name
			defs[key] = d
			keys = append(keys, key)
		}
	}
	return defs, keys, nil
}
