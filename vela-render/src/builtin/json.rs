//! Small helpers for building JSON objects from typed parameters.

use serde::Serialize;
use serde_json::{Map, Value};

/// `v` as JSON (`null` if it cannot be serialised, which the parameter types never do).
pub(crate) fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Inserts `key: value` when `value` is `Some`; an absent optional parameter leaves no key.
pub(crate) fn insert_some<T: Serialize>(m: &mut Map<String, Value>, key: &str, value: &Option<T>) {
    if let Some(v) = value {
        m.insert(key.to_string(), to_json(v));
    }
}
