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

/// A definition that failed to render with sample parameters. Its message is the definition
/// and the whole chain of `error` (so `error` is not also reported as its source).
#[derive(Debug, thiserror::Error)]
#[error("{}", failure_text(.kind, .name, .error))]
pub struct Failure {
    /// The definition kind.
    pub kind: Kind,
    /// The definition name.
    pub name: String,
    /// The render error.
    pub error: crate::Error,
}

/// The definition's name, then the render error's chain (`component web: ...`).
fn failure_text(kind: &Kind, name: &str, source: &crate::Error) -> String {
    let chain = source.chain();
    let prefix = format!("{kind} {name}");
    if chain.starts_with(&prefix) {
        chain
    } else {
        format!("{prefix}: {chain}")
    }
}

/// Why vetting a path failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The definitions could not be loaded.
    #[error(transparent)]
    Load(#[from] crate::Error),
    /// Definitions loaded but some failed to render.
    #[error("{} definition(s) failed to render with sample parameters", .0.len())]
    Failed(Vec<Failure>),
}

/// Compiles one definition ([`Definition::compile`]) and renders it with sample parameters;
/// components against an empty context, traits against a minimal Deployment.
///
/// # Errors
/// The [`Failure`] naming the definition and keeping the render error.
pub fn vet_definition(def: &dyn Definition) -> Result<(), Failure> {
    let m = def.meta();
    def.compile().map_err(|error| Failure {
        kind: m.kind,
        name: m.name.clone(),
        error,
    })?;
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
    def.render(&ctx, &params).map(|_| ()).map_err(|error| Failure {
        kind: m.kind,
        name: m.name.clone(),
        error,
    })
}

/// Loads and vets every definition under `path`; returns how many passed.
///
/// # Errors
/// [`Error::Load`] when the definitions do not load or there is none, [`Error::Failed`] with every definition
/// that does not render.
pub fn vet_path(path: &Path) -> Result<usize, Error> {
    let defs = load::definitions(path)?;
    let failures: Vec<Failure> = defs
        .iter()
        .filter_map(|d| vet_definition(d.as_ref()).err())
        .collect();
    if failures.is_empty() {
        Ok(defs.len())
    } else {
        Err(Error::Failed(failures))
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
