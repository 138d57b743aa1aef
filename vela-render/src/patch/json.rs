//! RFC 7396 (JSON merge patch) and RFC 6902 (JSON patch) on `serde_json` values, applied by
//! the `json-patch` crate; this module keeps our error shape (the index, op and path of the
//! failing operation).
//!
//! Objects are `serde_json`'s insertion-ordered maps here, and the crate removes keys with
//! `swap_remove`, so a removed key's place may be taken by the last key: key order after a
//! patch is not part of the contract (every printer sorts keys, as Go's `yaml.Marshal` does).

use serde_json::Value;

use super::{Error, Result};

/// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes,
/// everything else replaces.
pub fn json_merge_patch(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

/// Applies RFC 6902 operations in order. The first failing operation stops the patch (the
/// operations before it stay applied); the error names its index, op and path.
///
/// # Errors
/// [`Error::JsonPatch`] for an operation that is malformed (unknown `op`, missing `path`,
/// `value` or `from`) or cannot apply (a missing location, a failed `test`).
pub fn json_patch(target: &mut Value, ops: &[Value]) -> Result<()> {
    for (index, op) in ops.iter().enumerate() {
        let failed = |reason: String| Error::JsonPatch {
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
        };
        let operation: json_patch::PatchOperation =
            serde_json::from_value(op.clone()).map_err(|e| failed(e.to_string()))?;
        json_patch::patch_unsafe(target, std::slice::from_ref(&operation))
            .map_err(|e| failed(e.kind.to_string()))?;
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
        let ops = [
            json!({"op": "add", "path": "/a", "value": 1}),
            json!({"op": "frobnicate", "path": "/a"}),
        ];
        let err = json_patch(&mut t, &ops).unwrap_err();
        assert!(err.to_string().contains("operation 1 (frobnicate /a)"), "{err}");
        assert_eq!(
            t,
            json!({"a": 1}),
            "operations before the failing one stay applied"
        );
        let err = json_patch(&mut t, &[json!({"op": "test", "path": "/a", "value": 2})]).unwrap_err();
        assert!(err.to_string().contains("operation 0 (test /a)"), "{err}");
    }
}
