//! `vela def vet`: load definition files and render each with default parameters,
//! reporting every problem.

use std::path::Path;

use serde_json::{Value, json};

use crate::context::Context;
use crate::definition::{Definition, Kind};
use crate::ops::load;

/// A minimal parameter object: every required field of the schema that has no default (no
/// `default`, not `nullable`) filled with its first `enum` value, else a placeholder of its
/// type (strings `"vet"`, numbers `1`, booleans `false`, objects filled the same way); the
/// fields of the first `oneOf` alternative too, with their defaults, to select it.
pub fn sample_parameters(schema: &Value) -> Value {
    let mut out = serde_json::Map::new();
    fn names(s: Option<&Value>) -> Vec<&str> {
        s.and_then(|r| r.get("required"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    let required = names(Some(schema));
    // the fields of the first alternative, with their defaults, select it
    let first = names(schema.get("oneOf").and_then(|o| o.get(0)));
    let props = schema.get("properties").and_then(Value::as_object);
    for r in required
        .iter()
        .chain(first.iter().filter(|r| !required.contains(r)))
    {
        let s = props.and_then(|p| p.get(*r)).cloned().unwrap_or(Value::Null);
        if let Some(d) = s.get("default").filter(|_| first.contains(r)) {
            out.insert(r.to_string(), d.clone());
            continue;
        }
        if s.get("default").is_some() || s.get("nullable") == Some(&Value::Bool(true)) {
            continue;
        }
        let v = if let Some(e) = s.get("enum").and_then(|e| e.get(0)) {
            e.clone()
        } else {
            match s.get("type").and_then(Value::as_str) {
                Some("integer" | "number") => json!(1),
                Some("boolean") => json!(false),
                Some("array") => json!([]),
                Some("object") => sample_parameters(&s),
                _ => json!("vet"),
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_fill_what_has_no_default() {
        let template = r#"
#P: {
	name: *"" | string
	mode: *"a" | "b"
}
parameter: *#P | close({items: [...#P]})
"#;
        let schema = crate::openapi::parameter_schema(template).unwrap();
        assert_eq!(sample_parameters(&schema), json!({"name": "", "mode": "a"}));
        let schema = crate::openapi::parameter_schema(
            "parameter: {image: string, policy: \"Always\" | \"Never\", n: *1 | int, args: *null | [...string], cfg: {port: int}}",
        )
        .unwrap();
        assert_eq!(
            sample_parameters(&schema),
            json!({"image": "vet", "policy": "Always", "cfg": {"port": 1}})
        );
    }
}
