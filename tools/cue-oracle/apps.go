package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// App is the part of an Application the oracle needs. Properties are kept as Go
// values decoded from JSON (float64 numbers), exactly like KubeVela's RawExtension
// round-trip through encoding/json.
type App struct {
	Name        string            `json:"-"`
	Namespace   string            `json:"-"`
	Labels      map[string]string `json:"-"`
	Annotations map[string]string `json:"-"`
	Components  []AppComponent
	Policies    []AppPolicy
	Steps       []AppStep
	// CtxOverride replaces top-level context keys (hand-written cases only).
	CtxOverride map[string]any `json:"-"`
}

// AppComponent mirrors common.ApplicationComponent's JSON shape and field order.
type AppComponent struct {
	Name             string            `json:"name"`
	Type             string            `json:"type"`
	ExternalRevision string            `json:"externalRevision,omitempty"`
	Properties       json.RawMessage   `json:"properties,omitempty"`
	DependsOn        []string          `json:"dependsOn,omitempty"`
	Inputs           json.RawMessage   `json:"inputs,omitempty"`
	Outputs          json.RawMessage   `json:"outputs,omitempty"`
	Traits           []AppTrait        `json:"traits,omitempty"`
	Scopes           map[string]string `json:"scopes,omitempty"`
}

// AppTrait mirrors common.ApplicationTrait.
type AppTrait struct {
	Type       string          `json:"type"`
	Properties json.RawMessage `json:"properties,omitempty"`
}

// AppPolicy is a policy of the application.
type AppPolicy struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties json.RawMessage `json:"properties,omitempty"`
}

// AppStep is a workflow step (sub-steps flattened after their group).
type AppStep struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties json.RawMessage `json:"properties,omitempty"`
	SubSteps   []AppStep       `json:"subSteps,omitempty"`
}

// props decodes raw properties into the map KubeVela passes to the template (nil if absent).
func props(raw json.RawMessage) map[string]any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\\s*\n(.*?)```")

// ParseExampleFile returns the Applications in the ```yaml blocks of a def-doc .eg.md file.
func ParseExampleFile(path string) ([]*App, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var apps []*App
	for _, m := range yamlBlock.FindAllSubmatch(src, -1) {
		for _, doc := range bytes.Split(m[1], []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			app, err := parseApp(doc)
			if err != nil {
				// KubeVela could not read it either; report and go on.
				fmt.Fprintf(os.Stderr, "warning: %s: skipping an unreadable YAML document: %v\n", path, err)
				continue
			}
			if app != nil {
				apps = append(apps, app)
			}
		}
	}
	return apps, nil
}

func parseApp(doc []byte) (*App, error) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name        string            `json:"name"`
			Namespace   string            `json:"namespace"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Components []AppComponent `json:"components"`
			Policies   []AppPolicy    `json:"policies"`
			Workflow   struct {
				Steps []AppStep `json:"steps"`
			} `json:"workflow"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, err
	}
	if raw.Kind != "Application" {
		return nil, nil
	}
	app := &App{
		Name: raw.Metadata.Name, Namespace: raw.Metadata.Namespace,
		Labels: raw.Metadata.Labels, Annotations: raw.Metadata.Annotations,
		Components: raw.Spec.Components, Policies: raw.Spec.Policies,
	}
	if app.Namespace == "" {
		app.Namespace = "default"
	}
	var flat func([]AppStep)
	flat = func(steps []AppStep) {
		for _, s := range steps {
			app.Steps = append(app.Steps, s)
			flat(s.SubSteps)
		}
	}
	flat(raw.Spec.Workflow.Steps)
	return app, nil
}

// BaseContext is the component context of workflow process.NewContext + kubevela
// pkg/cue/process.NewContext, with the fixed values documented in conformance/cue/README.md.
func BaseContext(app *App, compName string, params map[string]any) map[string]any {
	labels := map[string]any{}
	for k, v := range app.Labels {
		labels[k] = v
	}
	annotations := map[string]any{}
	for k, v := range app.Annotations {
		annotations[k] = v
	}
	ctx := map[string]any{
		"name":           compName,
		"namespace":      app.Namespace,
		"workflowName":   app.Annotations["app.oam.dev/workflowName"],
		"publishVersion": app.Annotations["app.oam.dev/publishVersion"],
		"appName":        app.Name,
		"appRevision":    app.Name + "-v1",
		"revision":       "",
		"components":     json.RawMessage(marshalGo(app.Components)),
		"appLabels":      labels,
		"appAnnotations": annotations,
		"replicaKey":     "",
		"appRevisionNum": 1,
		"cluster":        "",
		"clusterVersion": map[string]any{"major": "1", "minor": 29, "gitVersion": "v1.29.0", "platform": ""},
	}
	if params != nil {
		ctx["parameter"] = params
	}
	for k, v := range app.CtxOverride {
		ctx[k] = v
	}
	return ctx
}

func plainJSON(v any) any {
	var x any
	if err := json.Unmarshal([]byte(marshalGo(v)), &x); err != nil {
		panic(err)
	}
	return x
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return '-'
	}, s)
}
