//! The trait patch engine: how a trait's `patch` changes the workload.
//!
//! This mirrors KubeVela's `StrategyUnify` (kubevela/workflow `pkg/cue/model/sets`) on JSON
//! values instead of CUE syntax trees:
//!
//! * **Unification** (default): structs merge field by field, lists of the base are open so
//!   same-index elements unify and extra patch elements append, equal scalars are kept and
//!   different scalars are a conflict.
//! * `+patchKey=<k>` on a list field (inherited by every list below it; dotted keys such as
//!   `metadata.name`, several keys separated by commas): patch elements are matched to base
//!   elements by key; matched elements unify, unmatched patch elements are appended.
//! * `+patchStrategy=retainKeys`: on a keyed list the matched base element is replaced by the
//!   patch element; on any other field the base value is replaced.
//! * `+patchStrategy=replace` on a list: the whole base list is replaced.
//! * `+patchStrategy=open` on a list: the patch list is open (a shorter patch list is allowed).
//! * [`Patch::JsonMerge`] applies RFC 7396 and [`Patch::Json`] applies RFC 6902.
//!
//! A patch is a [`Node`]: a JSON value whose fields may carry [`Tags`] (the `// +patchKey`
//! and `// +patchStrategy` comments of a CUE template).
//!
//! ```
//! use serde_json::json;
//! use vela_render::patch::{Node, Patch, Tags};
//!
//! let mut workload = json!({"spec": {"containers": [{"name": "app", "image": "nginx"}]}});
//! let patch = Node::from_json(json!({"spec": {"containers": [{"name": "log", "image": "busybox"}]}}))
//!     .tag("spec.containers", Tags::key("name"));
//! Patch::Strategic(patch).apply(&mut workload).unwrap();
//! assert_eq!(workload["spec"]["containers"][1]["name"], "log");
//! ```

use serde_json::{Map, Value};

mod json;
mod node;
mod strategy;

pub use json::{json_merge_patch, json_patch};
pub use node::{Field, Node, Strategy, Tags};
pub use strategy::strategy_unify;

/// Errors of the patch engine.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two different scalar (or differently typed) values met at the same path.
    #[error("conflicting values at {path}: {base} != {patch}")]
    Conflict {
        /// Dotted path of the conflict.
        path: String,
        /// The base value (JSON).
        base: String,
        /// The patch value (JSON).
        patch: String,
    },
    /// A closed patch list is shorter than the base list.
    #[error("incompatible list lengths at {path}: base has {base}, patch has {patch} (closed)")]
    ListLength {
        /// Dotted path of the list.
        path: String,
        /// Length of the base list.
        base: usize,
        /// Length of the patch list.
        patch: usize,
    },
    /// A JSON patch operation could not be applied.
    #[error("json patch operation {index} ({op} {path}) failed: {reason}")]
    JsonPatch {
        /// Index of the operation.
        index: usize,
        /// The `op` of the operation.
        op: String,
        /// The `path` of the operation.
        path: String,
        /// Why it failed.
        reason: String,
    },
}

/// Result of the patch engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A trait's patch for a workload or an auxiliary object.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    /// Strategic unification with `+patchKey` / `+patchStrategy` tags.
    Strategic(Node),
    /// RFC 7396 JSON merge patch (`// +patchStrategy=jsonMergePatch` on `patch`).
    JsonMerge(Value),
    /// RFC 6902 JSON patch operations (`// +patchStrategy=jsonPatch` on `patch`).
    Json(Vec<Value>),
}

impl Patch {
    /// Applies the patch without keeping a copy of `base`: on error `base` is left in an
    /// unspecified state (the renderer discards it anyway).
    pub(crate) fn apply_unguarded(&self, base: &mut Value) -> Result<()> {
        match self {
            Patch::Strategic(node) => strategy_unify(base, node),
            Patch::JsonMerge(p) => {
                json_merge_patch(base, p);
                Ok(())
            }
            Patch::Json(ops) => json_patch(base, ops),
        }
    }

    /// Applies the patch to `base` in place. On error `base` is left unchanged.
    pub fn apply(&self, base: &mut Value) -> Result<()> {
        match self {
            Patch::Strategic(node) => {
                let mut work = base.clone();
                strategy_unify(&mut work, node)?;
                *base = work;
                Ok(())
            }
            Patch::JsonMerge(p) => {
                json_merge_patch(base, p);
                Ok(())
            }
            Patch::Json(ops) => {
                let mut work = base.clone();
                json_patch(&mut work, ops)?;
                *base = work;
                Ok(())
            }
        }
    }
}

/// Merges JSON objects: `patch` fields override `base` fields recursively (used for
/// defaults and labels). Non-object values are replaced.
pub fn deep_merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// An empty JSON object.
pub fn empty_object() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_patch_leaves_base_unchanged() {
        let mut base = json!({"a": 1});
        let p = Patch::Strategic(Node::from_json(json!({"a": 2})));
        assert!(p.apply(&mut base).is_err());
        assert_eq!(base, json!({"a": 1}));
    }

    mod laws {
        use super::super::{Node, json_merge_patch, strategy_unify};
        use proptest::prelude::*;
        use serde_json::{Value, json};

        fn arb_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                any::<bool>().prop_map(Value::Bool),
                (0i64..5).prop_map(|n| json!(n)),
                "[a-c]{1,2}".prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                    prop::collection::btree_map("[a-d]", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn unify_with_self_is_identity(v in arb_json()) {
                let mut b = v.clone();
                strategy_unify(&mut b, &Node::from_json(v.clone())).unwrap();
                prop_assert_eq!(b, v);
            }

            #[test]
            fn unify_with_empty_struct_is_identity(v in prop::collection::btree_map("[a-d]", arb_json(), 0..4)) {
                let v = Value::Object(v.into_iter().collect());
                let mut b = v.clone();
                strategy_unify(&mut b, &Node::Struct(vec![])).unwrap();
                prop_assert_eq!(b, v);
            }

            #[test]
            fn merge_patch_result_contains_patch_scalars(base in arb_json(), patch in prop::collection::btree_map("[a-d]", (0i64..5).prop_map(|n| json!(n)), 0..4)) {
                let patch = Value::Object(patch.into_iter().collect());
                let mut b = base;
                json_merge_patch(&mut b, &patch);
                for (k, v) in patch.as_object().unwrap() {
                    prop_assert_eq!(&b[k], v);
                }
            }

            #[test]
            fn unify_of_disjoint_structs_keeps_both(a in prop::collection::btree_map("[a-c]", arb_json(), 0..3), b in prop::collection::btree_map("[x-z]", arb_json(), 0..3)) {
                let av = Value::Object(a.clone().into_iter().collect());
                let bv = Value::Object(b.clone().into_iter().collect());
                let mut out = av;
                strategy_unify(&mut out, &Node::from_json(bv)).unwrap();
                for (k, v) in a.iter().chain(b.iter()) {
                    prop_assert_eq!(&out[k], v);
                }
            }
        }
    }
}
