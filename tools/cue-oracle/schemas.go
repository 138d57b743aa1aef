package main

// The `schemas` command: the OpenAPI v3 parameter schema of every definition, produced the way
// KubeVela 5a44b5f's definition controllers produce the `openapi-v3-json-schema` key of the
// schema ConfigMap (pkg/controller/utils/capability.go getOpenAPISchema ->
// pkg/schema.ParsePropertiesToSchema -> pkg/utils/common.GenOpenAPI). See
// conformance/schema/README.md.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/encoding/openapi"
	"github.com/getkin/kin-openapi/openapi3"
)

// schemaBaseTemplate is KubeVela's pkg/schema.BaseTemplate, appended to every template.
const schemaBaseTemplate = `
context: {
  name: string
  config?: [...{
    name: string
    value: string
  }]
  ...
}
`

// providerPackages lists the `vela/<name>` packages KubeVela's default cuex compiler registers
// (pkg/workflow/providers/compiler.go) and the CUE files (relative to the providers corpus
// directory) whose texts, joined with "\n", are each package's template.
var providerPackages = []struct {
	name  string
	files []string
}{
	// legacy `vela/op`: kubevela's legacy templates, then kubevela/workflow's legacy template
	{"op", []string{
		"kubevela/pkg/workflow/providers/legacy/multicluster/multicluster.cue",
		"kubevela/pkg/workflow/providers/legacy/oam/oam.cue",
		"kubevela/pkg/workflow/providers/legacy/terraform/terraform.cue",
		"kubevela/pkg/workflow/providers/legacy/config/config.cue",
		"workflow/pkg/providers/legacy/config/config.cue",
		"workflow/pkg/providers/legacy/email/email.cue",
		"workflow/pkg/providers/legacy/http/http.cue",
		"workflow/pkg/providers/legacy/kube/kube.cue",
		"workflow/pkg/providers/legacy/metrics/metrics.cue",
		"workflow/pkg/providers/legacy/time/time.cue",
		"workflow/pkg/providers/legacy/util/util.cue",
		"workflow/pkg/providers/legacy/workspace/workspace.cue",
	}},
	{"ql", []string{"kubevela/pkg/workflow/providers/legacy/query/ql.cue"}},
	{"email", []string{"workflow/pkg/providers/email/email.cue"}},
	{"http", []string{"workflow/pkg/providers/http/http.cue"}},
	{"kube", []string{"workflow/pkg/providers/kube/kube.cue"}},
	{"metrics", []string{"workflow/pkg/providers/metrics/metrics.cue"}},
	{"time", []string{"workflow/pkg/providers/time/time.cue"}},
	{"util", []string{"workflow/pkg/providers/util/util.cue"}},
	{"builtin", []string{"workflow/pkg/providers/builtin/workspace.cue"}},
	{"multicluster", []string{"kubevela/pkg/workflow/providers/multicluster/multicluster.cue"}},
	{"config", []string{"kubevela/pkg/workflow/providers/config/config.cue"}},
	{"helm", []string{"kubevela/pkg/cue/cuex/providers/helm/helm.cue"}},
	{"oam", []string{"kubevela/pkg/workflow/providers/oam/oam.cue"}},
	{"query", []string{"kubevela/pkg/workflow/providers/query/ql.cue"}},
	{"terraform", []string{"kubevela/pkg/workflow/providers/terraform/terraform.cue"}},
}

// loadProviderImports builds one import instance per `vela/<name>` package, as
// kubevela/pkg's cuex runtime.NewInternalPackage does (util.BuildImport: one file "-",
// parsed without comments, package name = last path element).
func loadProviderImports(dir string) ([]*build.Instance, error) {
	var out []*build.Instance
	for _, p := range providerPackages {
		var texts []string
		for _, f := range p.files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return nil, fmt.Errorf("provider package vela/%s: %w", p.name, err)
			}
			texts = append(texts, string(b))
		}
		path := "vela/" + p.name
		bi := &build.Instance{PkgName: filepath.Base(path), ImportPath: path}
		file, err := parser.ParseFile("-", strings.Join(texts, "\n"))
		if err != nil {
			return nil, fmt.Errorf("provider package %s: %w", path, err)
		}
		if err := bi.AddSyntax(file); err != nil {
			return nil, err
		}
		out = append(out, bi)
	}
	return out, nil
}

// ParameterSchema is KubeVela's schema.ParsePropertiesToSchema for one template followed by
// getOpenAPISchema's MarshalJSON: the bytes stored under `openapi-v3-json-schema`.
func ParameterSchema(template string, imports []*build.Instance) (out []byte, err error) {
	// cuex CompileStringWithOptions(DisableResolveProviderFunctions): one file "-" parsed
	// with comments, every internal package importable.
	bi := build.NewContext().NewInstance("", nil)
	bi.Imports = imports
	f, err := parser.ParseFile("-", template+"\n"+schemaBaseTemplate, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	if err := bi.AddSyntax(f); err != nil {
		return nil, err
	}
	val := cuecontext.New().BuildInstance(bi)
	data, err := genOpenAPI(val)
	if err != nil {
		return nil, err
	}
	schema, err := convertOpenAPISchema2SwaggerObject(data)
	if err != nil {
		return nil, err
	}
	fixOpenAPISchema("", schema)
	return schema.MarshalJSON()
}

// genOpenAPI is pkg/utils/common.GenOpenAPI: the parameter filled at `#parameter` of an empty
// struct, encoded with CUE's OpenAPI generator with references expanded.
func genOpenAPI(val cue.Value) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid cue definition to generate open api: %v", r)
		}
	}()
	if val.Err() != nil {
		return nil, val.Err()
	}
	cuectx := val.Context()
	paramOnly := cuectx.CompileString("#parameter: {}")
	paramVal := val.LookupPath(cue.ParsePath("parameter"))
	if paramVal.IncompleteKind() != cue.BottomKind {
		paramOnly = cuectx.CompileString("{}").FillPath(cue.MakePath(cue.Def("parameter")), paramVal)
	}
	b, err = openapi.Gen(paramOnly, &openapi.Config{ExpandReferences: true})
	if err != nil {
		return nil, err
	}
	var indented bytes.Buffer
	_ = json.Indent(&indented, b, "", "   ")
	return indented.Bytes(), nil
}

// convertOpenAPISchema2SwaggerObject is pkg/schema.ConvertOpenAPISchema2SwaggerObject.
func convertOpenAPISchema2SwaggerObject(data []byte) (*openapi3.Schema, error) {
	swagger, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	ref, ok := swagger.Components.Schemas["parameter"]
	if !ok {
		return nil, errors.New("cannot generate OpenAPI v3 JSON schema: no components.schemas.parameter")
	}
	return ref.Value, nil
}

// The description markers of KubeVela's pkg/appfile.
const (
	usageTag     = "+usage="
	shortTag     = "+short"
	immutableTag = "+immutable"
)

// fixOpenAPISchema is pkg/schema.FixOpenAPISchema: `title` = property name (recursively
// through properties and array items), `+immutable` lines removed and turned into
// `x-immutable: true`, description cut to the text after `+usage=` and before `+short`.
func fixOpenAPISchema(name string, schema *openapi3.Schema) {
	t := schema.Type
	if t.Is(openapi3.TypeObject) {
		for k, v := range schema.Properties {
			fixOpenAPISchema(k, v.Value)
		}
	} else if t.Is(openapi3.TypeArray) {
		if schema.Items != nil {
			fixOpenAPISchema("", schema.Items.Value)
		}
	}
	if name != "" {
		schema.Title = name
	}
	description := schema.Description
	if cleaned, found := extractMarker(description, immutableTag); found {
		description = cleaned
		if schema.Extensions == nil {
			schema.Extensions = map[string]any{}
		}
		schema.Extensions["x-immutable"] = true
	}
	if strings.Contains(description, usageTag) {
		description = strings.Split(description, usageTag)[1]
	}
	if strings.Contains(description, shortTag) {
		description = strings.Split(description, shortTag)[0]
		description = strings.TrimSpace(description)
	}
	schema.Description = description
}

// extractMarker removes the lines that are exactly marker (after trimming) and reports
// whether there was one (pkg/schema extractMarkerFromDescription).
func extractMarker(description, marker string) (string, bool) {
	found := false
	var lines []string
	for _, line := range strings.Split(description, "\n") {
		if strings.TrimSpace(line) == marker {
			found = true
		} else {
			lines = append(lines, line)
		}
	}
	if !found {
		return description, false
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), true
}

// RunSchemas writes <out>/<kind>/<name>.json for every definition: the schema JSON indented
// with two spaces (key order as kin-openapi marshals it), or {"error": "..."} when KubeVela
// would fail to generate one (and store no ConfigMap).
func RunSchemas(defsDir, providersDir, out string) error {
	defs, keys, err := LoadDefs(defsDir)
	if err != nil {
		return err
	}
	imports, err := loadProviderImports(providersDir)
	if err != nil {
		return err
	}
	for _, key := range keys {
		d := defs[key]
		raw, err := ParameterSchema(d.Template, imports)
		if err != nil {
			raw, _ = json.Marshal(map[string]string{"error": err.Error()})
		}
		var b bytes.Buffer
		if err := json.Indent(&b, raw, "", "  "); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		b.WriteString("\n")
		// key = <kind directory>/<name>
		file := filepath.Join(out, filepath.FromSlash(key)+".json")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
