//! Schema helpers for the parts of the model that are free-form JSON.

use schemars::{Schema, SchemaGenerator, json_schema};

/// Any JSON object; the API server keeps its fields as they are.
pub(crate) fn any_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}

/// A whole Kubernetes object embedded in another one.
pub(crate) fn embedded_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true,
    })
}

/// A map whose values are embedded Kubernetes objects.
pub(crate) fn embedded_object_map(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "x-kubernetes-embedded-resource": true,
            "x-kubernetes-preserve-unknown-fields": true,
        },
    })
}

/// A list of embedded Kubernetes objects.
pub(crate) fn embedded_object_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {
            "type": "object",
            "x-kubernetes-embedded-resource": true,
            "x-kubernetes-preserve-unknown-fields": true,
        },
    })
}

/// A Kubernetes timestamp (RFC 3339).
pub(crate) fn timestamp(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "format": "date-time",
    })
}

/// Marks fields as required and drops the empty default schemars adds for `#[serde(default)]`:
/// the API server requires them (as KubeVela's CRDs do), while the parser accepts their absence
/// so that validation can report every problem at once.
fn require(schema: &mut Schema, fields: &[&str]) {
    if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        for f in fields {
            if let Some(obj) = props.get_mut(*f).and_then(|p| p.as_object_mut()) {
                obj.remove("default");
            }
        }
    }
    let Some(obj) = schema.as_object_mut() else { return };
    let required = obj
        .entry("required")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let Some(list) = required.as_array_mut() {
        for f in fields {
            if !list.iter().any(|v| v == f) {
                list.push(serde_json::Value::String((*f).to_string()));
            }
        }
    }
}

/// `type` is required.
pub(crate) fn require_type(schema: &mut Schema) {
    require(schema, &["type"]);
}

/// `from` is required.
pub(crate) fn require_from(schema: &mut Schema) {
    require(schema, &["from"]);
}

/// `name` and `valueFrom` are required.
pub(crate) fn require_name_value_from(schema: &mut Schema) {
    require(schema, &["name", "valueFrom"]);
}
