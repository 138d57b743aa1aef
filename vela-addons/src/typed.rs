//! The Application as KubeVela's typed `v1beta1.Application` keeps it.
//!
//! KubeVela decodes an addon's Application (from `template.cue`, `template.yaml` and the
//! `resources/` components) into its Go type and writes it back from there, so a field the
//! type does not know is gone (a trait's `enabled: true`, say), empty lists and maps with
//! `omitempty` are gone, and `name`/`type` are always written. [`application`] does the same
//! to a JSON Application; [`go_typed_print`] adds what the Go type writes on top when it is
//! printed (`metadata.creationTimestamp: null` and, for an Application, `status: {}`).

use serde_json::{Map, Value, json};

/// How a field of a Go struct is written back.
#[derive(Clone, Copy)]
enum Field {
    /// A `string` without `omitempty`: always written, `""` when absent.
    Str,
    /// A `string` with `omitempty`.
    OptStr,
    /// A `*runtime.RawExtension` or `map[string]string`/`[]string` with `omitempty`: kept as
    /// it is unless null or empty.
    Raw,
    /// A pointer to a struct or a slice of structs, written by the function.
    Nested(fn(&Value) -> Option<Value>),
}

use Field::{Nested, OptStr, Raw, Str};

/// Keeps the fields of `v` (an object) that a Go struct with `fields` keeps.
fn keep(v: &Value, fields: &[(&str, Field)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, field) in fields {
        let got = v.get(*name).filter(|x| !x.is_null());
        let kept = match field {
            Str => Some(
                got.filter(|x| x.is_string())
                    .cloned()
                    .unwrap_or_else(|| json!("")),
            ),
            OptStr => got.filter(|x| x.as_str().is_some_and(|s| !s.is_empty())).cloned(),
            Raw => got.filter(|x| !is_empty(x)).cloned(),
            Nested(f) => got.and_then(f),
        };
        if let Some(k) = kept {
            out.insert((*name).to_string(), k);
        }
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// A slice of structs with `omitempty`: each element through `f`.
fn list(v: &Value, f: fn(&Value) -> Value) -> Option<Value> {
    let items = v.as_array()?;
    (!items.is_empty()).then(|| Value::Array(items.iter().map(f).collect()))
}

/// The Application `app` as KubeVela's `v1beta1.Application` type keeps it (see the module
/// docs): unknown fields and empty optional ones dropped, `spec.components` always present
/// (`null` when there are none at all, as Go writes a nil slice).
///
/// ```
/// use serde_json::json;
/// let app = json!({"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
///     "metadata": {"name": "a", "labels": {}},
///     "spec": {"components": [{"name": "c", "type": "t",
///         "traits": [{"type": "scaler", "enabled": true, "properties": {"replicas": 1}}]}],
///         "policies": []}});
/// let typed = vela_addons::typed::application(&app);
/// assert_eq!(typed["spec"]["components"][0]["traits"][0], json!({"type": "scaler", "properties": {"replicas": 1}}));
/// assert!(typed["metadata"].get("labels").is_none());
/// assert!(typed["spec"].get("policies").is_none());
/// ```
pub fn application(app: &Value) -> Value {
    let mut out = keep(
        app,
        &[
            ("apiVersion", OptStr),
            ("kind", OptStr),
            ("metadata", Nested(|m| Some(Value::Object(object_meta(m))))),
        ],
    );
    let spec = app.get("spec").cloned().unwrap_or_else(|| json!({}));
    let mut s = keep(
        &spec,
        &[
            ("policies", Nested(|v| list(v, policy))),
            ("workflow", Nested(workflow)),
        ],
    );
    let components = match spec.get("components") {
        Some(Value::Array(cs)) => Value::Array(cs.iter().map(component).collect()),
        _ => Value::Null,
    };
    s.insert("components".into(), components);
    out.insert("spec".into(), Value::Object(s));
    Value::Object(out)
}

fn object_meta(m: &Value) -> Map<String, Value> {
    keep(
        m,
        &[
            ("name", OptStr),
            ("generateName", OptStr),
            ("namespace", OptStr),
            ("uid", OptStr),
            ("resourceVersion", OptStr),
            ("generation", Raw),
            ("labels", Raw),
            ("annotations", Raw),
            ("ownerReferences", Raw),
            ("finalizers", Raw),
        ],
    )
}

fn component(c: &Value) -> Value {
    Value::Object(keep(
        c,
        &[
            ("name", Str),
            ("type", Str),
            ("externalRevision", OptStr),
            ("properties", Raw),
            ("dependsOn", Raw),
            ("inputs", Nested(|v| list(v, input))),
            ("outputs", Nested(|v| list(v, output))),
            ("traits", Nested(|v| list(v, trait_))),
            ("scopes", Raw),
        ],
    ))
}

fn trait_(t: &Value) -> Value {
    Value::Object(keep(t, &[("type", Str), ("properties", Raw)]))
}

fn policy(p: &Value) -> Value {
    Value::Object(keep(p, &[("name", OptStr), ("type", Str), ("properties", Raw)]))
}

fn input(i: &Value) -> Value {
    Value::Object(keep(i, &[("parameterKey", OptStr), ("from", Str)]))
}

fn output(o: &Value) -> Value {
    Value::Object(keep(o, &[("valueFrom", Str), ("name", Str)]))
}

fn workflow(w: &Value) -> Option<Value> {
    Some(Value::Object(keep(
        w,
        &[
            ("ref", OptStr),
            (
                "mode",
                Nested(|m| Some(Value::Object(keep(m, &[("steps", OptStr), ("subSteps", OptStr)])))),
            ),
            ("steps", Nested(|v| list(v, step))),
        ],
    )))
}

const STEP_BASE: [(&str, Field); 9] = [
    ("name", OptStr),
    ("type", Str),
    (
        "meta",
        Nested(|m| Some(Value::Object(keep(m, &[("alias", OptStr)])))),
    ),
    ("if", OptStr),
    ("timeout", OptStr),
    ("dependsOn", Raw),
    ("inputs", Nested(|v| list(v, input))),
    ("outputs", Nested(|v| list(v, output))),
    ("properties", Raw),
];

fn step(s: &Value) -> Value {
    let mut out = keep(s, &STEP_BASE);
    out.extend(keep(
        s,
        &[
            ("mode", OptStr),
            (
                "subSteps",
                Nested(|v| list(v, |b| Value::Object(keep(b, &STEP_BASE)))),
            ),
        ],
    ));
    Value::Object(out)
}

/// `obj` as KubeVela prints an object it built from a Go type: `metadata.creationTimestamp:
/// null`, and `status: {}` when `with_status` (an Application's empty status).
///
/// ```
/// use serde_json::json;
/// let cm = vela_addons::typed::go_typed_print(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}}), false);
/// assert_eq!(cm["metadata"], json!({"name": "x", "creationTimestamp": null}));
/// ```
pub fn go_typed_print(obj: &Value, with_status: bool) -> Value {
    let mut out = obj.clone();
    if let Some(m) = out.as_object_mut() {
        let meta = crate::render::ensure_object_in(m, "metadata");
        meta.insert("creationTimestamp".into(), Value::Null);
        if with_status && !m.contains_key("status") {
            m.insert("status".into(), json!({}));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_null_when_absent_and_names_always_written() {
        let typed = application(&json!({"spec": {}}));
        assert_eq!(typed["spec"]["components"], Value::Null);
        let typed = application(&json!({"spec": {"components": [{"properties": {"a": null}}]}}));
        assert_eq!(
            typed["spec"]["components"][0],
            json!({"name": "", "type": "", "properties": {"a": null}})
        );
    }

    #[test]
    fn workflow_steps_keep_their_sub_steps() {
        let app = json!({"spec": {"components": [], "workflow": {"steps": [
            {"name": "g", "type": "step-group", "extra": 1, "subSteps": [{"name": "s", "type": "deploy", "x": 2}]}
        ]}}});
        let typed = application(&app);
        assert_eq!(
            typed["spec"]["workflow"],
            json!({"steps": [{"name": "g", "type": "step-group", "subSteps": [{"name": "s", "type": "deploy"}]}]})
        );
    }

    #[test]
    fn status_only_for_applications() {
        let app = go_typed_print(&json!({"kind": "Application"}), true);
        assert_eq!(app["status"], json!({}));
        assert_eq!(app["metadata"]["creationTimestamp"], Value::Null);
    }
}
