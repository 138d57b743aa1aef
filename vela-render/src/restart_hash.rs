//! KubeVela's pod restart hash (v1.11): a trait whose definition says `podDisruptive: true`
//! and that renders objects of its own stamps a digest of each object onto the workload's pod
//! template, `spec.template.metadata.annotations["app.oam.dev/trait-restart-hash-<trait>"]`, so
//! that a change to the object rolls the pods.
//!
//! The digest is the first 16 hex digits of the SHA-256 of the object's JSON as Go's
//! `encoding/json` writes it (keys sorted, no spaces, `<`, `>`, `&` escaped), after removing
//! the metadata fields the control plane fills in (`resourceVersion`, `uid`,
//! `creationTimestamp`, `generation`, `managedFields`, `ownerReferences`, the revision labels)
//! and `status`.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The annotation key prefix; the trait type follows.
pub const ANNOTATION_PREFIX: &str = "app.oam.dev/trait-restart-hash-";

/// Longest annotation key KubeVela writes with the trait type in it; longer ones use a digest
/// of the type instead.
const MAX_KEY_LENGTH: usize = 63;

/// The annotation key for trait type `trait_type`.
///
/// ```
/// use vela_render::restart_hash::annotation_key;
/// assert_eq!(annotation_key("storage"), "app.oam.dev/trait-restart-hash-storage");
/// assert_eq!(annotation_key(&"x".repeat(40)).len(), 31 + 16);
/// ```
pub fn annotation_key(trait_type: &str) -> String {
    let key = format!("{ANNOTATION_PREFIX}{trait_type}");
    if key.len() <= MAX_KEY_LENGTH {
        return key;
    }
    format!(
        "{ANNOTATION_PREFIX}{}",
        &hex(&Sha256::digest(trait_type.as_bytes()))[..16]
    )
}

/// The digest of a trait object: 16 hex digits.
pub fn object_hash(object: &Value) -> String {
    let mut copy = object.clone();
    if let Some(o) = copy.as_object_mut() {
        o.shift_remove("status");
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "generation",
                "managedFields",
                "ownerReferences",
            ] {
                meta.shift_remove(field);
            }
            if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
                labels.shift_remove("app.oam.dev/appRevision");
                labels.shift_remove("app.oam.dev/app-revision-hash");
            }
        }
    }
    let mut json = String::new();
    go_json(&copy, &mut json);
    hex(&Sha256::digest(json.as_bytes()))[..16].to_string()
}

/// Stamps the hash of `object` under `trait_type` onto the workload's pod template; a workload
/// without a `spec.template` mapping is left alone, as are annotations that are not all strings
/// (KubeVela reports those as an error and skips them the same way).
pub fn stamp(workload: &mut Value, trait_type: &str, object: &Value) {
    let Some(template) = workload
        .pointer_mut("/spec/template")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let hash = object_hash(object);
    let meta = template
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if annotations.is_null() {
        *annotations = Value::Object(Map::new());
    }
    let Some(annotations) = annotations.as_object_mut() else {
        return;
    };
    if annotations.values().any(|v| !v.is_string()) {
        return;
    }
    annotations.insert(annotation_key(trait_type), Value::String(hash));
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Go's `json.Marshal` of a `map[string]interface{}`: keys in byte order, HTML characters and
/// U+2028/U+2029 escaped, floats in Go's shortest form.
fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                out.push_str(&n.to_string());
            } else {
                out.push_str(&go_float(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(&m[k], out);
            }
            out.push('}');
        }
    }
}

/// `encoding/json`'s float text: no exponent from 1e-6 up to 1e21, `1e+21` / `1e-7` beyond.
fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return format!("{f}");
    }
    let e = format!("{f:e}");
    match e.split_once('e') {
        Some((mant, exp)) if exp.starts_with('-') => format!("{mant}e{exp}"),
        Some((mant, exp)) => format!("{mant}e+{exp}"),
        None => e,
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_text(v: &Value) -> String {
        let mut s = String::new();
        go_json(v, &mut s);
        s
    }

    #[test]
    fn json_is_written_as_go_writes_it() {
        let v = json!({"b": [1, 2.5, 1e21, 1e-7, 3.0], "a": "<x & y>\u{2028}\t\u{1}", "c": null});
        assert_eq!(
            json_text(&v),
            r#"{"a":"\u003cx \u0026 y\u003e\u2028\t\u0001","b":[1,2.5,1e+21,1e-7,3],"c":null}"#
        );
    }

    #[test]
    fn the_hash_ignores_fields_the_control_plane_fills_in() {
        let a = json!({"kind": "ConfigMap", "metadata": {"name": "x", "labels": {"k": "v"}}});
        let b = json!({"kind": "ConfigMap", "status": {"x": 1}, "metadata": {"name": "x", "uid": "u",
            "labels": {"k": "v", "app.oam.dev/appRevision": ""}}});
        assert_eq!(object_hash(&a), object_hash(&b));
        assert_eq!(object_hash(&a).len(), 16);
        let c = json!({"kind": "ConfigMap", "metadata": {"name": "y"}});
        assert_ne!(object_hash(&a), object_hash(&c));
    }

    #[test]
    fn stamps_only_workloads_with_a_pod_template() {
        let obj = json!({"kind": "ConfigMap"});
        let mut deployment = json!({"spec": {"template": {"spec": {}}}});
        stamp(&mut deployment, "storage", &obj);
        assert_eq!(
            deployment["spec"]["template"]["metadata"]["annotations"]["app.oam.dev/trait-restart-hash-storage"],
            object_hash(&obj)
        );
        let mut service = json!({"spec": {"ports": []}});
        stamp(&mut service, "storage", &obj);
        assert_eq!(service, json!({"spec": {"ports": []}}));
    }
}
