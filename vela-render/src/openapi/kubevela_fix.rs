//! KubeVela's post-processing of the encoder's output: kin-openapi's number round trip and
//! `FixOpenAPISchema`.

use serde_json::{Value as Json, json};

/// kin-openapi decodes numbers into `float64` (`default` and `enum` through `any`, the bounds
/// directly) and Go's `encoding/json` writes them back: integral values without a fraction
/// (as integers here), integers beyond 2^53 rounded to the nearest `float64`.
pub(super) fn normalize_numbers(v: &mut Json) {
    match v {
        Json::Number(n) => {
            let Some(f) = n.as_f64() else {
                return;
            };
            if f.fract() == 0.0 && f.abs() < 1e21 {
                let exact = n
                    .as_i64()
                    .is_some_and(|i| i as f64 == f && i.unsigned_abs() <= 1 << 53)
                    || n.as_u64().is_some_and(|u| u <= 1 << 53);
                if !exact {
                    *v = if f < 0.0 { json!(f as i64) } else { json!(f as u64) };
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(normalize_numbers),
        Json::Object(m) => m.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

/// KubeVela's `FixOpenAPISchema`.
pub(super) fn fix(name: Option<&str>, schema: &mut Json) {
    let Json::Object(m) = schema else {
        return;
    };
    match m.get("type").and_then(Json::as_str) {
        Some("object") => {
            if let Some(Json::Object(props)) = m.get_mut("properties") {
                for (k, p) in props.iter_mut() {
                    fix(Some(k), p);
                }
            }
        }
        Some("array") => {
            if let Some(items) = m.get_mut("items") {
                fix(None, items);
            }
        }
        _ => {}
    }
    if let Some(n) = name {
        m.insert("title".into(), json!(n));
    }
    let mut description = m
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let lines: Vec<&str> = description.split('\n').collect();
    if lines.iter().any(|l| l.trim() == "+immutable") {
        description = lines
            .iter()
            .filter(|l| l.trim() != "+immutable")
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string();
        m.insert("x-immutable".into(), json!(true));
    }
    if let Some((_, after)) = description.split_once("+usage=") {
        description = after.split("+usage=").next().unwrap_or_default().to_string();
    }
    if let Some((before, _)) = description.split_once("+short") {
        description = before.trim().to_string();
    }
    if description.is_empty() {
        m.remove("description");
    } else {
        m.insert("description".into(), json!(description));
    }
}
