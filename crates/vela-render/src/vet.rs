//! `vela def vet`: load definition files and render each with default parameters,
//! reporting every problem.

use std::path::Path;

use serde_json::{Value, json};

use crate::context::Context;
use crate::definition::{Definition, Kind};
use crate::load;

/// A minimal parameter object: every required field of the schema filled with a
/// placeholder of its type (strings `"vet"`, numbers `1`, booleans `false`).
pub fn sample_parameters(schema: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = schema.get("properties").and_then(Value::as_object);
    for r in required {
        let s = props.and_then(|p| p.get(r)).cloned().unwrap_or(Value::Null);
        let v = match s.get("type").and_then(Value::as_str) {
            Some("integer" | "number") => json!(1),
            Some("boolean") => json!(false),
            Some("array") => json!([]),
            Some("object") => sample_parameters(&s),
            _ => json!("vet"),
        };
        out.insert(r.to_string(), v);
    }
    Value::Object(out)
}

/// Renders one definition with sample parameters; components against an empty context,
/// traits against a minimal Deployment.
pub fn vet_definition(def: &dyn Definition) -> Result<(), String> {
    let m = def.meta();
    if matches!(m.kind, Kind::WorkflowStep | Kind::Policy) {
        return Ok(());
    }
    let mut ctx = Context::new("vet-app", "default", "vet");
    if m.kind == Kind::Trait {
        ctx.output = Some(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"template": {"spec": {"containers": [{"name": "vet", "image": "vet"}]}}}}));
        ctx.component_type = "webservice".into();
    }
    let params = sample_parameters(def.schema());
    def.render(&ctx, &params).map(|_| ()).map_err(|e| {
        let chain = e.chain();
        let prefix = format!("{} {}", m.kind, m.name);
        if chain.starts_with(&prefix) {
            chain
        } else {
            format!("{prefix}: {chain}")
        }
    })
}

/// Loads and vets every definition under `path`; returns how many passed or every error.
pub fn vet_path(path: &Path) -> Result<usize, Vec<String>> {
    let defs = load::from_path(path).map_err(|e| vec![e.chain()])?;
    let errors: Vec<String> = defs
        .iter()
        .filter_map(|d| vet_definition(d.as_ref()).err())
        .collect();
    if errors.is_empty() {
        Ok(defs.len())
    } else {
        Err(errors)
    }
}
