//! Parameter schemas: OpenAPI v3 JSON Schema generation and validation with field paths.
//!
//! Every definition exposes its parameters as an OpenAPI v3 schema (the format of KubeVela's
//! `<type>-schema-<name>` ConfigMaps, key `openapi-v3-json-schema`). [`validate`] checks user
//! properties against such a schema before any evaluation and reports every problem with
//! its path, e.g. `components[0].traits[1].properties.replicas`.

use std::fmt;

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Path of the offending value, e.g. `components[0].properties.image`.
    pub path: String,
    /// What was expected.
    pub message: String,
}

impl Issue {
    /// Formats a list of issues, one per line.
    pub fn list(issues: &[Issue]) -> String {
        issues.iter().map(|i| format!("\n  {i}")).collect()
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The OpenAPI v3 schema of a Rust parameter type (subschemas inlined, no `$schema`).
///
/// ```
/// #[derive(schemars::JsonSchema, serde::Deserialize)]
/// struct P { replicas: i32 }
/// let s = vela_render::schema::openapi_for::<P>();
/// assert_eq!(s["properties"]["replicas"]["type"], "integer");
/// ```
pub fn openapi_for<T: JsonSchema>() -> Value {
    let settings = schemars::generate::SchemaSettings::openapi3().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut v = schema.to_value();
    if let Value::Object(m) = &mut v {
        m.remove("$schema");
        m.remove("title");
        m.remove("definitions");
        m.remove("$defs");
        m.remove("components");
    }
    v
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(ty: &str, v: &Value, nullable: bool) -> bool {
    let actual = type_name(v);
    actual == ty
        || (ty == "number" && actual == "integer")
        || (ty == "integer" && v.as_f64().is_some_and(|f| f.fract() == 0.0))
        || (nullable && v.is_null())
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The values `schema` allows when it is only a set of values: an `enum`, a `const`, or
/// `anyOf` / `oneOf` alternatives that all are (in their order, without repeats).
fn enumeration(schema: &Value) -> Option<Vec<Value>> {
    let s = schema.as_object()?;
    if let Some(Value::Array(values)) = s.get("enum") {
        return Some(values.clone());
    }
    if let Some(value) = s.get("const") {
        return Some(vec![value.clone()]);
    }
    let alts = ["anyOf", "oneOf"]
        .iter()
        .find_map(|k| s.get(*k).and_then(Value::as_array))?;
    let mut out: Vec<Value> = Vec::new();
    for a in alts {
        for v in enumeration(a)? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    Some(out)
}

fn list_values(values: &[Value]) -> String {
    values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}

/// Validates `value` against `schema`, collecting every issue under `path`.
pub fn validate(schema: &Value, value: &Value, path: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    check(schema, value, path, &mut issues);
    issues
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<Issue>) {
    let Value::Object(s) = schema else {
        if schema == &Value::Bool(false) {
            out.push(Issue {
                path: path.to_string(),
                message: "field not allowed".into(),
            });
        }
        return;
    };
    let nullable = s.get("nullable") == Some(&Value::Bool(true));
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = s.get(key) {
            if nullable && value.is_null() {
                return;
            }
            let results: Vec<Vec<Issue>> = alts.iter().map(|a| validate(a, value, path)).collect();
            if !results.iter().any(Vec::is_empty) {
                // alternatives that are each a set of values (schemars' unit-variant enums):
                // name every allowed value, not the first alternative's
                if let Some(allowed) = enumeration(schema) {
                    out.push(Issue {
                        path: path.to_string(),
                        message: format!("must be one of {}, got {value}", list_values(&allowed)),
                    });
                    return;
                }
                // report the closest alternative
                if let Some(best) = results.into_iter().min_by_key(Vec::len) {
                    out.extend(best);
                }
                return;
            }
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        for a in all {
            check(a, value, path, out);
        }
    }
    if let Some(ty) = s.get("type") {
        let ok = match ty {
            Value::String(t) => type_matches(t, value, nullable),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, value, nullable)),
            _ => true,
        };
        if !ok {
            let expected = match ty {
                Value::Array(ts) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" or "),
                t => t.as_str().unwrap_or_default().to_string(),
            };
            out.push(Issue {
                path: path.to_string(),
                message: format!("expected {expected}, got {}", type_name(value)),
            });
            return;
        }
    }
    if let Some(Value::Array(allowed)) = s.get("enum")
        && !allowed.contains(value)
    {
        out.push(Issue {
            path: path.to_string(),
            message: format!("must be one of {}, got {value}", list_values(allowed)),
        });
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        out.push(Issue {
            path: path.to_string(),
            message: format!("must be {c}, got {value}"),
        });
    }
    if let (Some(pattern), Value::String(text)) = (s.get("pattern").and_then(Value::as_str), value)
        && regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text))
    {
        out.push(Issue {
            path: path.to_string(),
            message: format!("must match {pattern:?}, got {value}"),
        });
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            out.push(Issue {
                path: path.to_string(),
                message: format!("must be >= {min}, got {value}"),
            });
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            out.push(Issue {
                path: path.to_string(),
                message: format!("must be <= {max}, got {value}"),
            });
        }
    }
    match value {
        Value::Object(m) => check_object(s, m, path, out),
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item_schema, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn check_object(s: &Map<String, Value>, m: &Map<String, Value>, path: &str, out: &mut Vec<Issue>) {
    let props = s.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(req)) = s.get("required") {
        for r in req.iter().filter_map(Value::as_str) {
            if !m.contains_key(r) {
                out.push(Issue {
                    path: child(path, r),
                    message: "required field is missing".into(),
                });
            }
        }
    }
    for (k, v) in m {
        match props.and_then(|p| p.get(k)) {
            Some(ps) => check(ps, v, &child(path, k), out),
            None => match s.get("additionalProperties") {
                Some(Value::Bool(false)) => out.push(Issue {
                    path: child(path, k),
                    message: "unknown field".into(),
                }),
                Some(ap @ Value::Object(_)) => check(ap, v, &child(path, k), out),
                _ => {}
            },
        }
    }
}

/// Removes the fields a closed schema does not declare (`additionalProperties: false`),
/// recursively; alternatives (`anyOf`/`oneOf`) are left untouched. KubeVela's CUE parameters
/// are open structs, so an undeclared field is ignored there rather than rejected.
pub fn prune_unknown(schema: &Value, value: &mut Value) {
    let Value::Object(s) = schema else {
        return;
    };
    match value {
        Value::Object(m) => {
            let props = s.get("properties").and_then(Value::as_object);
            if s.get("additionalProperties") == Some(&Value::Bool(false)) {
                m.retain(|k, _| props.is_some_and(|p| p.contains_key(k)));
            }
            for (k, v) in m.iter_mut() {
                if let Some(ps) = props.and_then(|p| p.get(k)) {
                    prune_unknown(ps, v);
                } else if let Some(ap @ Value::Object(_)) = s.get("additionalProperties") {
                    prune_unknown(ap, v);
                }
            }
        }
        Value::Array(items) => {
            if let Some(is) = s.get("items") {
                for i in items {
                    prune_unknown(is, i);
                }
            }
        }
        _ => {}
    }
}

/// `true` when the issue is about an undeclared field.
pub fn is_unknown_field(issue: &Issue) -> bool {
    issue.message == "unknown field"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct P {
        replicas: i32,
        #[serde(default)]
        name: Option<String>,
        #[schemars(range(min = 1, max = 10))]
        #[serde(default)]
        level: Option<i32>,
        mode: Option<Mode>,
    }

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Slow,
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let s = openapi_for::<P>();
        let issues = validate(
            &s,
            &json!({"nope": 1, "level": 11, "mode": "Medium"}),
            "components[0].properties",
        );
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert!(
            text.contains(&"components[0].properties.replicas: required field is missing".to_string()),
            "{text:?}"
        );
        assert!(
            text.contains(&"components[0].properties.nope: unknown field".to_string()),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("components[0].properties.level: must be <= 10")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("components[0].properties.mode: must be one of")),
            "{text:?}"
        );
    }

    /// Variants with doc comments: schemars writes one `enum` per variant under `oneOf`.
    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    enum Policy {
        /// Always.
        Always,
        /// Never.
        Never,
        /// If not present.
        IfNotPresent,
    }

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    struct Pull {
        policy: Option<Policy>,
    }

    #[test]
    fn enum_errors_name_every_allowed_value() {
        let s = openapi_for::<Pull>();
        let issues = validate(&s, &json!({"policy": "Sometimes"}), "p");
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [r#"p.policy: must be one of "Always", "Never", "IfNotPresent", null, got "Sometimes""#]
        );
        let issues = validate(
            &openapi_for::<P>(),
            &json!({"replicas": 1, "mode": "Medium"}),
            "p",
        );
        assert_eq!(
            issues[0].message,
            r#"must be one of "Fast", "Slow", null, got "Medium""#
        );
    }

    #[test]
    fn wrong_type_is_reported() {
        let s = openapi_for::<P>();
        let issues = validate(&s, &json!({"replicas": "three"}), "p");
        assert_eq!(issues[0].to_string(), "p.replicas: expected integer, got string");
    }

    #[test]
    fn pruning_removes_undeclared_fields() {
        let s = openapi_for::<P>();
        let mut v = json!({"replicas": 1, "nope": 2});
        prune_unknown(&s, &mut v);
        assert_eq!(v, json!({"replicas": 1}));
        assert!(validate(&s, &v, "p").is_empty());
    }

    #[test]
    fn valid_input_has_no_issues() {
        let s = openapi_for::<P>();
        assert!(validate(&s, &json!({"replicas": 3, "name": null, "mode": "Fast"}), "p").is_empty());
    }
}
