package main

import (
	"os"
	"path/filepath"
	"strings"
)

// Tiers of ../shared/reference/cue-subset.md §5. Everything not listed is tier D.
var tierTable = map[string][]string{
	"A": {"component/daemon", "component/k8s-objects", "component/ref-objects", "component/statefulset",
		"component/task", "component/webservice", "component/worker",
		"trait/cpuscaler", "trait/expose", "trait/hpa", "trait/pure-ingress",
		"policy/apply-once", "policy/garbage-collect", "policy/override", "policy/read-only",
		"policy/replication", "policy/resource-update", "policy/shared-resource", "policy/take-over",
		"policy/topology", "workflowstep/apply-component", "workflowstep/step-group"},
	"B": {"trait/affinity", "trait/annotations", "trait/hostalias", "trait/init-container",
		"trait/json-merge-patch", "trait/json-patch", "trait/k8s-update-strategy", "trait/labels",
		"trait/lifecycle", "trait/nocalhost", "trait/podsecuritycontext", "trait/resource",
		"trait/scaler", "trait/service-account", "trait/service-binding", "trait/sidecar",
		"trait/topologyspreadconstraints"},
	"C": {"component/cron-task", "trait/storage", "trait/command", "trait/container-image",
		"trait/container-ports", "trait/env", "trait/securitycontext", "trait/startup-probe",
		"trait/gateway"},
}

func tierOf(def string) string {
	for t, defs := range tierTable {
		for _, d := range defs {
			if d == def {
				return t
			}
		}
	}
	return "D"
}

func writeTiers(defs map[string]*Def, keys []string, rc *Recorder, out string) error {
	counts := map[string]int{}
	for _, c := range rc.cases {
		counts[c.Def]++
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range keys {
		d := defs[k]
		var progs []string
		if d.CustomStatus != "" {
			progs = append(progs, `"customStatus"`)
		}
		if d.HealthPolicy != "" {
			progs = append(progs, `"healthPolicy"`)
		}
		if d.Details != "" {
			progs = append(progs, `"details"`)
		}
		b.WriteString("  " + marshalGo(k) + `: {"tier": ` + marshalGo(tierOf(k)) +
			`, "source": ` + marshalGo(filepath.ToSlash(d.Source)) +
			`, "cases": ` + marshalGo(counts[k]) +
			`, "statusPrograms": [` + strings.Join(progs, ", ") + `]` +
			`, "statusCases": ` + marshalGo(rc.statusCount[k]) + "}")
		if i+1 < len(keys) {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return os.WriteFile(filepath.Join(out, "tiers.json"), []byte(b.String()), 0o644)
}
