//! Server-side apply as the embedded cluster does it: each field manager owns the fields of the
//! configuration it applied last; applying again merges the new configuration and removes the
//! fields the manager applied before and no longer sets (unless another manager also sets them).
//!
//! Objects merge key by key; lists and scalars are replaced whole (the API server merges
//! associative lists by key: the embedded cluster treats every list as atomic, and says so in its
//! documentation).

use serde_json::{Map, Value};

/// The object after `manager` applies `config` to `current`, given what every manager applied
/// before (`managers`, which is updated), and whether what `manager` owns changed (a new
/// manager, or other fields than it applied last: the caller need not copy every manager's
/// fields to find out). `config` is taken: its values move into the
/// result instead of being copied.
pub(crate) fn apply(
    current: Option<&Value>,
    managers: &mut Map<String, Value>,
    manager: &str,
    config: Value,
) -> (Value, bool) {
    let owned = owned_config(&config);
    let merged = match current {
        None => config, // merged into nothing: the configuration itself
        Some(current) => {
            let mut merged = current.clone();
            if let Some(previous) = managers.get(manager) {
                let others: Vec<&Value> = managers
                    .iter()
                    .filter(|(name, _)| name.as_str() != manager)
                    .map(|(_, v)| v)
                    .collect();
                remove_dropped(&mut merged, previous, &config, &others);
            }
            merge_owned(&mut merged, config);
            merged
        }
    };
    let changed = match managers.get_mut(manager) {
        Some(previous) if *previous == owned => false,
        Some(previous) => {
            *previous = owned;
            true
        }
        None => {
            managers.insert(manager.to_owned(), owned);
            true
        }
    };
    (merged, changed)
}

/// What a manager owns of its configuration, as a field set: its fields without their values
/// (as the API server's `managedFields` keep them). Objects keep their keys; every other value
/// (scalars and lists, which are replaced whole) becomes `true`. The identifying and
/// server-set metadata are left out (never removed by a later apply). Applying again only needs
/// which fields a manager set, and a field set is a fraction of the object's size.
///
/// A state file written before field sets holds whole configurations: they serve the same
/// purpose, since only their shape is read.
fn owned_config(config: &Value) -> Value {
    let Value::Object(map) = config else {
        return Value::Bool(true);
    };
    let mut owned = Map::new();
    for (key, value) in map {
        if key == "apiVersion" || key == "kind" {
            continue;
        }
        let fields = match (key.as_str(), value) {
            ("metadata", Value::Object(meta)) => Value::Object(
                meta.iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "name"
                                | "namespace"
                                | "resourceVersion"
                                | "uid"
                                | "generation"
                                | "creationTimestamp"
                        )
                    })
                    .map(|(k, v)| (k.clone(), field_set(v)))
                    .collect(),
            ),
            _ => field_set(value),
        };
        owned.insert(key.clone(), fields);
    }
    Value::Object(owned)
}

/// The fields of `value` (see [`owned_config`]).
fn field_set(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), field_set(v))).collect()),
        _ => Value::Bool(true),
    }
}

/// Removes from `target` what `previous` set and `config` no longer sets, unless one of
/// `others` still sets it.
fn remove_dropped(target: &mut Value, previous: &Value, config: &Value, others: &[&Value]) {
    let (Value::Object(target), Value::Object(previous)) = (target, previous) else {
        return;
    };
    for (key, before) in previous {
        let now = config.get(key);
        let still_owned: Vec<&Value> = others.iter().filter_map(|o| o.get(key)).collect();
        match now {
            None if still_owned.is_empty() => {
                target.remove(key);
            }
            Some(now) if before.is_object() && now.is_object() => {
                if let Some(child) = target.get_mut(key) {
                    remove_dropped(child, before, now, &still_owned);
                }
            }
            None if before.is_object() => {
                // another manager still sets part of it: drop only what nobody sets
                if let Some(child) = target.get_mut(key) {
                    remove_dropped(child, before, &Value::Object(Map::new()), &still_owned);
                }
            }
            _ => {}
        }
    }
}

/// Merges `from` into `into`: objects key by key, anything else replaced.
pub(crate) fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// [`merge`], moving the values of `from` instead of copying them.
fn merge_owned(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge_owned(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Whether the object's desired state changed (what bumps `metadata.generation`): anything but
/// `metadata` and (unless `status_is_spec`: a custom resource without a status subresource)
/// `status`.
pub(crate) fn spec_changed(before: &Value, after: &Value, status_is_spec: bool) -> bool {
    let empty = Map::new();
    let counted = |k: &str| k != "metadata" && (status_is_spec || k != "status");
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    // compared in place: the same keys (in any order) with equal values
    let len = |m: &Map<String, Value>| m.keys().filter(|k| counted(k)).count();
    len(before) != len(after)
        || before
            .iter()
            .filter(|(k, _)| counted(k))
            .any(|(k, v)| after.get(k) != Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// [`apply`]'s object alone.
    fn applied(
        current: Option<&Value>,
        managers: &mut Map<String, Value>,
        manager: &str,
        config: Value,
    ) -> Value {
        apply(current, managers, manager, config).0
    }

    #[test]
    fn whether_the_manager_changed_is_reported() {
        let mut managers = Map::new();
        let (first, new) = apply(None, &mut managers, "vela", json!({"data": {"a": "1"}}));
        assert!(new);
        let (_, same) = apply(Some(&first), &mut managers, "vela", json!({"data": {"a": "1"}}));
        assert!(!same);
        // a new value of the same field changes the object, not what the manager owns
        let (second, value) = apply(Some(&first), &mut managers, "vela", json!({"data": {"a": "2"}}));
        assert!(!value);
        assert_eq!(second["data"]["a"], "2");
        let (_, field) = apply(Some(&second), &mut managers, "vela", json!({"data": {"b": "2"}}));
        assert!(field);
        // what is kept is the fields, not their values
        assert_eq!(managers["vela"], json!({"data": {"b": true}}));
    }

    #[test]
    fn a_manager_removes_what_it_no_longer_applies() {
        let mut managers = Map::new();
        let first = applied(None, &mut managers, "vela", json!({"data": {"a": "1", "b": "2"}}));
        let second = applied(Some(&first), &mut managers, "vela", json!({"data": {"a": "1"}}));
        assert_eq!(second, json!({"data": {"a": "1"}}));
    }

    #[test]
    fn fields_of_other_managers_stay() {
        let mut managers = Map::new();
        let first = applied(None, &mut managers, "vela", json!({"data": {"a": "1"}}));
        let edited = applied(
            Some(&first),
            &mut managers,
            "kubectl",
            json!({"data": {"b": "2", "a": "1"}}),
        );
        let again = applied(Some(&edited), &mut managers, "vela", json!({"data": {}}));
        // `a` is still set by kubectl, `b` was never vela's
        assert_eq!(again, json!({"data": {"a": "1", "b": "2"}}));
    }

    #[test]
    fn lists_are_replaced_whole() {
        let mut managers = Map::new();
        let first = applied(None, &mut managers, "vela", json!({"spec": {"ports": [1, 2]}}));
        let second = applied(
            Some(&first),
            &mut managers,
            "vela",
            json!({"spec": {"ports": [3]}}),
        );
        assert_eq!(second, json!({"spec": {"ports": [3]}}));
    }

    #[test]
    fn generation_follows_the_desired_state_only() {
        let a = json!({"metadata": {"labels": {"x": "1"}}, "spec": {"r": 1}, "status": {"ok": true}});
        let b = json!({"metadata": {"labels": {"x": "2"}}, "spec": {"r": 1}, "status": {"ok": false}});
        assert!(!spec_changed(&a, &b, false));
        assert!(spec_changed(&a, &b, true));
        assert!(spec_changed(&a, &json!({"spec": {"r": 2}}), false));
    }
}
