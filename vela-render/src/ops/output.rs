//! Printing rendered objects: KubeVela's dry-run layout, sorted-key YAML and JSON.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::render::{AUXILIARY_WORKLOAD, ComponentManifest};

/// Returns `v` with every object's keys sorted (Go's `yaml.Marshal` of unstructured objects).
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        v => v.clone(),
    }
}

/// Compact JSON with sorted keys (stable across field orders).
pub fn canonical_json(v: &Value) -> String {
    sorted(v).to_string()
}

/// YAML as KubeVela prints it (`sigs.k8s.io/yaml`, go-yaml v2: keys sorted its way, every
/// string a YAML 1.1 reader would misread quoted); see [`super::goyaml`].
pub fn to_yaml(v: &Value) -> String {
    super::goyaml::marshal(v)
}

/// KubeVela's `vela dry-run` text for one application render:
///
/// ```text
/// ---
/// # Application(<app>) -- Component(<comp>)
/// ---
///
/// <workload yaml>
/// ---
/// ## From the trait <type>
/// <object yaml>
/// ---
/// ```
pub fn dry_run_text(app_title: &str, comps: &[ComponentManifest]) -> String {
    let mut out = String::new();
    for c in comps {
        let _ = write!(
            out,
            "---\n# Application({app_title}) -- Component({})\n---\n\n",
            c.name
        );
        out.push_str(&to_yaml(&c.workload));
        out.push_str("\n---\n");
        for o in &c.objects {
            if o.trait_type == AUXILIARY_WORKLOAD {
                out.push_str("## From the auxiliary workload\n");
            } else if !o.trait_type.is_empty() {
                let _ = writeln!(out, "## From the trait {}", o.trait_type);
            }
            out.push_str(&to_yaml(&o.value));
            out.push_str("\n---\n");
        }
        out.push('\n');
    }
    out
}

/// The same objects as a JSON array of `{component, objects: [...]}` entries.
pub fn dry_run_json(comps: &[ComponentManifest]) -> Value {
    Value::Array(
        comps
            .iter()
            .map(|c| {
                serde_json::json!({
                    "component": c.name,
                    "objects": c.all().map(sorted).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Splits dry-run text (ours or KubeVela's) into `(title, documents)` sections: one entry per
/// `# Application(..) -- Component(..)` header, with its YAML documents parsed.
pub fn parse_dry_run(text: &str) -> Vec<(String, Vec<Value>)> {
    let mut sections: Vec<(String, Vec<Value>)> = Vec::new();
    for doc in text.split("\n---") {
        let doc = doc.trim_start_matches("---");
        let trimmed = doc.trim();
        if let Some(h) = trimmed.lines().find(|l| l.starts_with("# Application(")) {
            sections.push((h.trim_start_matches("# ").trim().to_string(), Vec::new()));
            continue;
        }
        let body: String = doc
            .lines()
            .filter(|l| !l.starts_with("## From") && !l.starts_with("WARNING"))
            .collect::<Vec<_>>()
            .join("\n");
        if body.trim().is_empty() {
            continue;
        }
        if let Ok(v) = vela_model::yaml::from_str::<Value>(&body)
            && !v.is_null()
            && let Some(last) = sections.last_mut()
        {
            last.1.push(v);
        }
    }
    sections
}
