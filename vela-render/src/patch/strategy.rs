//! KubeVela's `StrategyUnify` on JSON: the `strategyPatchHandle` pre-pass (keyed lists,
//! `replace`, `retainKeys`) followed by CUE-like unification with the opened base.

use serde_json::Value;

use super::{Error, Node, Result, Strategy};

/// Base lists as KubeVela sees them after `OpenListLit`: open, unless a `replace`
/// strategy swapped their elements for the patch's.
#[derive(Debug, Clone)]
enum Base {
    Scalar(Value),
    Struct(Vec<(String, Base)>),
    List { items: Vec<Base>, open: bool },
}

impl Base {
    fn from_json(v: Value) -> Self {
        match v {
            Value::Object(m) => Base::Struct(m.into_iter().map(|(k, v)| (k, Base::from_json(v))).collect()),
            Value::Array(a) => Base::List {
                items: a.into_iter().map(Base::from_json).collect(),
                open: true,
            },
            v => Base::Scalar(v),
        }
    }

    fn from_node(n: &Node) -> Self {
        match n {
            Node::Scalar(v) => Base::Scalar(v.clone()),
            Node::Struct(fields) => Base::Struct(
                fields
                    .iter()
                    .map(|f| (f.name.clone(), Base::from_node(&f.value)))
                    .collect(),
            ),
            Node::List { items, open, .. } => Base::List {
                items: items.iter().map(Base::from_node).collect(),
                open: *open,
            },
        }
    }

    fn into_json(self) -> Value {
        match self {
            Base::Scalar(v) => v,
            Base::Struct(f) => Value::Object(f.into_iter().map(|(k, v)| (k, v.into_json())).collect()),
            Base::List { items, .. } => Value::Array(items.into_iter().map(Base::into_json).collect()),
        }
    }

    fn lookup_mut(&mut self, path: &[String]) -> Option<&mut Base> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Base::Struct(fields) => fields
                .iter_mut()
                .find(|(k, _)| k == first)
                .and_then(|(_, v)| v.lookup_mut(rest)),
            Base::List { items, .. } => first
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .and_then(|v| v.lookup_mut(rest)),
            Base::Scalar(_) => None,
        }
    }

    fn lookup_key(&self, key: &[&str]) -> Option<&Base> {
        let Some((first, rest)) = key.split_first() else {
            return Some(self);
        };
        match self {
            Base::Struct(fields) => fields
                .iter()
                .find(|(k, _)| k == first)
                .and_then(|(_, v)| v.lookup_key(rest)),
            Base::List { items, .. } => first
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .and_then(|v| v.lookup_key(rest)),
            Base::Scalar(_) => None,
        }
    }
}

/// Unifies `patch` into `base` with KubeVela's strategies (see the module docs).
/// On error `base` is left as `null`; use [`Patch::apply`](super::Patch::apply) to keep it.
pub fn strategy_unify(base: &mut Value, patch: &Node) -> Result<()> {
    let mut b = Base::from_json(std::mem::take(base));
    let mut path = Vec::new();
    let result = if patch.has_tags() {
        let mut p = patch.clone();
        let mut pos = Vec::new();
        preprocess(&mut b, &mut p, &mut pos, None);
        unify(b, &p, &mut path)
    } else {
        unify(b, patch, &mut path)
    };
    match result {
        Ok(v) => {
            *base = v.into_json();
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The walk of KubeVela's `strategyPatchHandle`: pre-order over the patch, with the
/// inherited `patchKey`, rewriting keyed lists and applying `replace` / `retainKeys`.
fn preprocess(base: &mut Base, node: &mut Node, pos: &mut Vec<String>, inherited: Option<&str>) {
    match node {
        Node::Struct(fields) => {
            for f in fields.iter_mut() {
                // process(field) with the parent's tags
                if let Node::List { .. } = f.value {
                    let mut key = inherited.map(str::to_string);
                    if f.tags.patch_key.is_some() {
                        key.clone_from(&f.tags.patch_key);
                    }
                    pos.push(f.name.clone());
                    if let Some(Base::List { items, open }) = base.lookup_mut(pos) {
                        if f.tags.strategy == Some(Strategy::Replace) {
                            if let Node::List { items: pi, .. } = &f.value {
                                *items = pi.iter().map(Base::from_node).collect();
                                *open = false;
                            }
                        } else if let Some(key) = key.as_deref().filter(|k| !k.is_empty()) {
                            let retain = f.tags.strategy == Some(Strategy::RetainKeys);
                            list_merge(key, retain, items, &mut f.value);
                        }
                    }
                    pos.pop();
                } else if f.tags.strategy == Some(Strategy::RetainKeys)
                    && let Some(Base::Struct(bf)) = base.lookup_mut(pos)
                {
                    for (k, v) in bf.iter_mut() {
                        if *k == f.name {
                            *v = Base::from_node(&f.value);
                        }
                    }
                }
                // walk into the value with the field's tags added
                let child_key: Option<String> =
                    f.tags.patch_key.clone().or_else(|| inherited.map(str::to_string));
                pos.push(f.name.clone());
                preprocess(base, &mut f.value, pos, child_key.as_deref());
                pos.pop();
            }
        }
        Node::List { items, .. } => {
            for (i, item) in items.iter_mut().enumerate() {
                pos.push(i.to_string());
                preprocess(base, item, pos, inherited);
                pos.pop();
            }
        }
        Node::Scalar(_) => {}
    }
}

/// KubeVela's `listMergeProcess`: re-orders the patch list so element `i` faces the base
/// element with the same key (or `{}`), then appends unmatched patch elements and opens it.
fn list_merge(key: &str, retain: bool, base: &mut [Base], patch: &mut Node) {
    let Node::List {
        items: patch_items,
        open,
        tail,
    } = patch
    else {
        return;
    };
    let mut new_items: Vec<Node> = Vec::new();
    let mut matched = vec![false; patch_items.len()];
    let mut kmap: Vec<(String, usize)> = Vec::new();
    for key in key.split(',') {
        let segs: Vec<&str> = key.split('.').collect();
        let mut found_patch = false;
        for (i, elt) in patch_items.iter().enumerate() {
            let Some(v) = elt.lookup(&segs) else {
                continue;
            };
            found_patch = true;
            let Node::Scalar(s) = v else {
                return;
            };
            kmap.push((format!("{key}={s}"), i));
        }
        if !found_patch {
            // KubeVela counts the `...T` element: a list holding only it is left alone
            if patch_items.is_empty() && tail.is_none() {
                continue;
            }
            return;
        }
        for b in base.iter_mut() {
            let Some(v) = b.lookup_key(&segs) else {
                continue;
            };
            let Base::Scalar(s) = v else {
                return;
            };
            let k = format!("{key}={s}");
            if let Some(pos) = kmap.iter().position(|(kk, _)| *kk == k) {
                let (_, idx) = kmap.remove(pos);
                if retain {
                    *b = Base::Struct(Vec::new());
                }
                new_items.push(patch_items[idx].clone());
                matched[idx] = true;
            } else {
                new_items.push(Node::Struct(Vec::new()));
            }
        }
    }
    for (i, elt) in patch_items.iter().enumerate() {
        if !matched[i] && kmap.iter().any(|(_, idx)| *idx == i) {
            new_items.push(elt.clone());
        }
    }
    *patch_items = new_items;
    // the rewritten list ends in a bare `...` (KubeVela drops the ellipsis' type)
    *open = true;
    *tail = None;
}

fn path_str(path: &[String]) -> String {
    if path.is_empty() {
        "<root>".to_string()
    } else {
        path.join(".")
    }
}

fn unify(base: Base, patch: &Node, path: &mut Vec<String>) -> Result<Base> {
    match (base, patch) {
        (Base::Struct(mut bf), Node::Struct(pf)) => {
            for f in pf {
                path.push(f.name.clone());
                if let Some(slot) = bf.iter_mut().find(|(k, _)| *k == f.name) {
                    let old = std::mem::replace(&mut slot.1, Base::Scalar(Value::Null));
                    slot.1 = unify(old, &f.value, path)?;
                } else {
                    bf.push((f.name.clone(), Base::from_node(&f.value)));
                }
                path.pop();
            }
            Ok(Base::Struct(bf))
        }
        (
            Base::List {
                items: bi,
                open: bopen,
            },
            Node::List {
                items: pi,
                open: popen,
                tail,
            },
        ) => {
            if (!popen && pi.len() < bi.len()) || (!bopen && bi.len() < pi.len()) {
                return Err(Error::ListLength {
                    path: path_str(path),
                    base: bi.len(),
                    patch: pi.len(),
                });
            }
            let mut out = Vec::with_capacity(bi.len().max(pi.len()));
            let mut bit = bi.into_iter();
            for (i, p) in pi.iter().enumerate() {
                path.push(i.to_string());
                match bit.next() {
                    Some(b) => out.push(unify(b, p, path)?),
                    None => out.push(Base::from_node(p)),
                }
                path.pop();
            }
            for (i, b) in bit.enumerate() {
                match tail {
                    Some(t) => {
                        path.push((pi.len() + i).to_string());
                        out.push(unify(b, t, path)?);
                        path.pop();
                    }
                    None => out.push(b),
                }
            }
            Ok(Base::List {
                items: out,
                open: bopen && *popen,
            })
        }
        (Base::Scalar(b), Node::Scalar(p)) => {
            if scalar_eq(&b, p) {
                Ok(Base::Scalar(b))
            } else {
                Err(conflict(path, &b, p))
            }
        }
        (b, p) => Err(conflict(path, &b.into_json(), &p.to_json())),
    }
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn conflict(path: &[String], base: &Value, patch: &Value) -> Error {
    Error::Conflict {
        path: path_str(path),
        base: base.to_string(),
        patch: patch.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::{Field, Tags};
    use serde_json::json;

    fn strat(base: Value, patch: Node) -> Result<Value> {
        let mut b = base;
        strategy_unify(&mut b, &patch)?;
        Ok(b)
    }

    #[test]
    fn plain_unification_merges_and_appends() {
        let out = strat(
            json!({"a": 1, "l": [{"x": 1}]}),
            Node::from_json(json!({"b": 2, "l": [{"y": 2}, {"z": 3}]})),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 1, "l": [{"x": 1, "y": 2}, {"z": 3}], "b": 2}));
    }

    #[test]
    fn conflicting_scalars_are_errors() {
        let err = strat(json!({"a": {"b": 1}}), Node::from_json(json!({"a": {"b": 2}}))).unwrap_err();
        assert_eq!(
            err,
            Error::Conflict {
                path: "a.b".into(),
                base: "1".into(),
                patch: "2".into()
            }
        );
    }

    #[test]
    fn closed_short_patch_list_is_an_error() {
        let err = strat(json!({"l": [1, 2]}), Node::from_json(json!({"l": [1]}))).unwrap_err();
        assert!(matches!(err, Error::ListLength { .. }));
    }

    #[test]
    fn patch_key_matches_elements() {
        let base = json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]});
        let patch = Node::from_json(
            json!({"containers": [{"name": "b", "env": [{"name": "E", "value": "1"}]}, {"name": "c"}]}),
        )
        .tag("containers", Tags::key("name"));
        let out = strat(base, patch).unwrap();
        assert_eq!(
            out,
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y", "env": [{"name": "E", "value": "1"}]}, {"name": "c"}]})
        );
    }

    #[test]
    fn patch_key_is_inherited_by_nested_lists() {
        let base = json!({"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}]}]}});
        let patch = Node::from_json(
            json!({"spec": {"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}]}]}}),
        )
        .tag("spec", Tags::key("name"));
        let out = strat(base, patch).unwrap();
        assert_eq!(
            out["spec"]["containers"][0]["env"],
            json!([{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}])
        );
    }

    #[test]
    fn dotted_patch_key() {
        let base = json!({"l": [{"m": {"n": "a"}, "v": 1}, {"m": {"n": "b"}, "v": 2}]});
        let patch = Node::from_json(json!({"l": [{"m": {"n": "b"}, "w": 3}]})).tag("l", Tags::key("m.n"));
        let out = strat(base, patch).unwrap();
        assert_eq!(out["l"][1], json!({"m": {"n": "b"}, "v": 2, "w": 3}));
    }

    #[test]
    fn retain_keys_on_keyed_list_replaces_the_element() {
        let base = json!({"l": [{"name": "a", "old": 1}]});
        let patch = Node::from_json(json!({"l": [{"name": "a", "new": 2}]})).tag(
            "l",
            Tags {
                patch_key: Some("name".into()),
                strategy: Some(Strategy::RetainKeys),
            },
        );
        assert_eq!(
            strat(base, patch).unwrap(),
            json!({"l": [{"name": "a", "new": 2}]})
        );
    }

    #[test]
    fn retain_keys_on_a_field_replaces_the_value() {
        let base = json!({"spec": {"replicas": 1, "strategy": {"type": "Recreate", "x": 1}}});
        let patch = Node::from_json(json!({"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate"}}}))
            .tag("spec.replicas", Tags::strategy(Strategy::RetainKeys))
            .tag("spec.strategy", Tags::strategy(Strategy::RetainKeys));
        assert_eq!(
            strat(base, patch).unwrap(),
            json!({"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate"}}})
        );
    }

    #[test]
    fn replace_strategy_replaces_lists() {
        let base = json!({"args": ["a", "b", "c"]});
        let patch = Node::from_json(json!({"args": ["z"]})).tag("args", Tags::strategy(Strategy::Replace));
        assert_eq!(strat(base, patch).unwrap(), json!({"args": ["z"]}));
    }

    #[test]
    fn several_keys_are_tried_in_order() {
        let base = json!({"ports": [{"containerPort": 80}, {"containerPort": 90}]});
        let patch = Node::from_json(json!({"ports": [{"containerPort": 90, "name": "p"}]}))
            .tag("ports", Tags::key("containerPort"));
        let out = strat(base, patch).unwrap();
        assert_eq!(out["ports"][1], json!({"containerPort": 90, "name": "p"}));
    }

    #[test]
    fn open_list_type_patches_every_base_element() {
        // `containers: [...{lifecycle: {...}}]` (KubeVela's lifecycle trait)
        let mut base = json!({"containers": [{"name": "a"}, {"name": "b"}]});
        let tail = Node::from_json(json!({"lifecycle": {"preStop": {"exec": {"command": ["x"]}}}}));
        let patch = Node::Struct(vec![Field {
            name: "containers".into(),
            value: Node::List {
                items: Vec::new(),
                open: true,
                tail: Some(Box::new(tail)),
            },
            tags: Tags::default(),
        }]);
        strategy_unify(&mut base, &patch).unwrap();
        let want = json!({"lifecycle": {"preStop": {"exec": {"command": ["x"]}}}});
        assert_eq!(base["containers"][0]["lifecycle"], want["lifecycle"]);
        assert_eq!(base["containers"][1]["lifecycle"], want["lifecycle"]);
        assert_eq!(base["containers"][1]["name"], "b");
        // a conflicting element type is an error at the element's path
        let mut base = json!({"containers": [{"name": "a"}]});
        let patch = Node::Struct(vec![Field {
            name: "containers".into(),
            value: Node::List {
                items: Vec::new(),
                open: true,
                tail: Some(Box::new(Node::from_json(json!({"name": "z"})))),
            },
            tags: Tags::default(),
        }]);
        let err = strategy_unify(&mut base, &patch).unwrap_err().to_string();
        assert!(err.contains("containers.0.name"), "{err}");
    }
}
