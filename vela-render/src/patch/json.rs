//! RFC 7396 (JSON merge patch) and RFC 6902 (JSON patch) on `serde_json` values.

use serde_json::Value;

use super::{Error, Result};

/// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes,
/// everything else replaces.
pub fn json_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(t) = target else {
        return;
    };
    for (k, v) in p {
        if v.is_null() {
            t.shift_remove(k);
        } else {
            json_merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> std::result::Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("path {path:?} must start with '/'"));
    };
    Ok(rest.split('/').map(unescape).collect())
}

fn parent_mut<'a>(root: &'a mut Value, tokens: &[String]) -> std::result::Result<&'a mut Value, String> {
    let mut cur = root;
    for t in tokens {
        cur = match cur {
            Value::Object(m) => m.get_mut(t).ok_or_else(|| format!("missing key {t:?}"))?,
            Value::Array(a) => {
                let i: usize = t.parse().map_err(|_| format!("bad index {t:?}"))?;
                a.get_mut(i).ok_or_else(|| format!("index {i} out of range"))?
            }
            _ => return Err(format!("cannot descend into a scalar at {t:?}")),
        };
    }
    Ok(cur)
}

fn get(root: &Value, path: &str) -> std::result::Result<Value, String> {
    root.pointer(path)
        .cloned()
        .ok_or_else(|| format!("no value at {path:?}"))
}

fn add(root: &mut Value, path: &str, value: Value) -> std::result::Result<(), String> {
    let tokens = split_pointer(path)?;
    let Some((last, parents)) = tokens.split_last() else {
        *root = value;
        return Ok(());
    };
    match parent_mut(root, parents)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last.parse().map_err(|_| format!("bad index {last:?}"))?;
            if i > a.len() {
                return Err(format!("index {i} out of range"));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err("parent is not a container".to_string()),
    }
}

fn remove(root: &mut Value, path: &str) -> std::result::Result<Value, String> {
    let tokens = split_pointer(path)?;
    let Some((last, parents)) = tokens.split_last() else {
        return Err("cannot remove the root".to_string());
    };
    match parent_mut(root, parents)? {
        Value::Object(m) => m
            .shift_remove(last)
            .ok_or_else(|| format!("missing key {last:?}")),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| format!("bad index {last:?}"))?;
            if i >= a.len() {
                return Err(format!("index {i} out of range"));
            }
            Ok(a.remove(i))
        }
        _ => Err("parent is not a container".to_string()),
    }
}

fn apply_op(root: &mut Value, op: &Value) -> std::result::Result<(), String> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
    let path = op.get("path").and_then(Value::as_str).ok_or("missing \"path\"")?;
    let value = || op.get("value").cloned().ok_or("missing \"value\"");
    let from = || op.get("from").and_then(Value::as_str).ok_or("missing \"from\"");
    match kind {
        "add" => add(root, path, value()?),
        "remove" => remove(root, path).map(|_| ()),
        "replace" => {
            remove(root, path)?;
            add(root, path, value()?)
        }
        "move" => {
            let v = remove(root, from()?)?;
            add(root, path, v)
        }
        "copy" => {
            let v = get(root, from()?)?;
            add(root, path, v)
        }
        "test" => {
            if get(root, path)? == value()? {
                Ok(())
            } else {
                Err("test failed".to_string())
            }
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

/// Applies RFC 6902 operations in order. The first failing operation stops the patch.
pub fn json_patch(target: &mut Value, ops: &[Value]) -> Result<()> {
    for (index, op) in ops.iter().enumerate() {
        apply_op(target, op).map_err(|reason| Error::JsonPatch {
            index,
            op: op
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            path: op
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            reason,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7396_examples() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        json_merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"a": ["b"]});
        json_merge_patch(&mut t, &json!({"a": "c"}));
        assert_eq!(t, json!({"a": "c"}));
        let mut t = json!(["a"]);
        json_merge_patch(&mut t, &json!({"a": {"bb": {"ccc": null}}}));
        assert_eq!(t, json!({"a": {"bb": {}}}));
    }

    #[test]
    fn json_patch_operations() {
        let mut t = json!({"spec": {"l": [1, 2], "x": 1}});
        json_patch(
            &mut t,
            &[
                json!({"op": "add", "path": "/spec/l/-", "value": 3}),
                json!({"op": "add", "path": "/spec/l/0", "value": 0}),
                json!({"op": "replace", "path": "/spec/x", "value": 2}),
                json!({"op": "copy", "from": "/spec/x", "path": "/spec/y"}),
                json!({"op": "move", "from": "/spec/y", "path": "/z"}),
                json!({"op": "remove", "path": "/spec/l/1"}),
                json!({"op": "test", "path": "/z", "value": 2}),
            ],
        )
        .unwrap();
        assert_eq!(t, json!({"spec": {"l": [0, 2, 3], "x": 2}, "z": 2}));
    }

    #[test]
    fn json_patch_reports_the_failing_operation() {
        let mut t = json!({});
        let err = json_patch(&mut t, &[json!({"op": "remove", "path": "/a/b"})]).unwrap_err();
        assert!(err.to_string().contains("operation 0 (remove /a/b)"), "{err}");
    }
}
