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

pub use json::{json_merge_patch, json_patch};

/// Errors of the patch engine.
#[derive(Debug, thiserror::Error, PartialEq)]
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

/// The `+patchStrategy` values understood on fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `retainKeys`: replace instead of merge.
    RetainKeys,
    /// `replace`: replace the whole list.
    Replace,
    /// `open`: the patch list accepts a longer base list.
    Open,
}

impl Strategy {
    /// Parses a `+patchStrategy` value (`retainKeys`, `replace`, `open`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "retainKeys" => Some(Self::RetainKeys),
            "replace" => Some(Self::Replace),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

/// The comment tags of one field (`// +patchKey=name`, `// +patchStrategy=retainKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// `+patchKey`: key(s) of list elements, comma separated, each possibly dotted.
    pub patch_key: Option<String>,
    /// `+patchStrategy` of this field.
    pub strategy: Option<Strategy>,
}

impl Tags {
    /// Tags with only a patch key.
    pub fn key(key: &str) -> Self {
        Self {
            patch_key: Some(key.to_string()),
            strategy: None,
        }
    }

    /// Tags with only a strategy.
    pub fn strategy(strategy: Strategy) -> Self {
        Self {
            patch_key: None,
            strategy: Some(strategy),
        }
    }

    /// Reads tags from comment lines (`// +patchKey=name`), as KubeVela's `findCommentTag`:
    /// a `+k=v` line whose value is one word.
    pub fn from_comments<'a>(lines: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tags = Tags::default();
        for line in lines {
            let line = line.trim().trim_start_matches("//").trim();
            let Some(rest) = line.strip_prefix('+') else {
                continue;
            };
            let Some((k, v)) = rest.split_once('=') else {
                continue;
            };
            let v = v.trim();
            if v.split_whitespace().count() > 1 {
                continue;
            }
            match k.trim() {
                "patchKey" => tags.patch_key = Some(v.to_string()),
                "patchStrategy" => tags.strategy = Strategy::parse(v),
                _ => {}
            }
        }
        tags
    }

    fn is_empty(&self) -> bool {
        self.patch_key.is_none() && self.strategy.is_none()
    }
}

/// One field of a patch struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field name.
    pub name: String,
    /// The field value.
    pub value: Node,
    /// The field's comment tags.
    pub tags: Tags,
}

/// A patch value: JSON with tags on fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar (string, number, bool, null).
    Scalar(Value),
    /// A struct with ordered fields.
    Struct(Vec<Field>),
    /// A list; `open` lists accept longer base lists.
    List {
        /// The elements.
        items: Vec<Node>,
        /// Whether the list ends in `...`.
        open: bool,
        /// The element type of `...T`: base elements beyond `items` are unified with it
        /// (`containers: [...{lifecycle: ...}]` patches every container).
        tail: Option<Box<Node>>,
    },
}

impl Node {
    /// Converts plain JSON into an untagged patch node (lists closed).
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Node::Struct(
                map.into_iter()
                    .map(|(name, v)| Field {
                        name,
                        value: Node::from_json(v),
                        tags: Tags::default(),
                    })
                    .collect(),
            ),
            Value::Array(items) => Node::List {
                items: items.into_iter().map(Node::from_json).collect(),
                open: false,
                tail: None,
            },
            v => Node::Scalar(v),
        }
    }

    /// Converts back to plain JSON (tags dropped).
    pub fn to_json(&self) -> Value {
        match self {
            Node::Scalar(v) => v.clone(),
            Node::Struct(fields) => Value::Object(
                fields
                    .iter()
                    .map(|f| (f.name.clone(), f.value.to_json()))
                    .collect(),
            ),
            Node::List { items, .. } => Value::Array(items.iter().map(Node::to_json).collect()),
        }
    }

    /// Adds tags on the field(s) at a dotted path; the segment `*` selects every list
    /// element. Paths that do not exist are ignored. Tags merge with existing ones.
    pub fn tag(mut self, path: &str, tags: Tags) -> Self {
        let segs: Vec<&str> = path.split('.').collect();
        self.tag_at(&segs, &tags);
        self
    }

    fn tag_at(&mut self, segs: &[&str], tags: &Tags) {
        let Some((first, rest)) = segs.split_first() else {
            return;
        };
        match self {
            Node::Struct(fields) => {
                for f in fields.iter_mut().filter(|f| f.name == *first) {
                    if rest.is_empty() {
                        if tags.patch_key.is_some() {
                            f.tags.patch_key.clone_from(&tags.patch_key);
                        }
                        if tags.strategy.is_some() {
                            f.tags.strategy = tags.strategy;
                        }
                    } else {
                        f.value.tag_at(rest, tags);
                    }
                }
            }
            Node::List { items, .. } => {
                for (i, item) in items.iter_mut().enumerate() {
                    if *first == "*" || first.parse::<usize>() == Ok(i) {
                        item.tag_at(rest, tags);
                    }
                }
            }
            Node::Scalar(_) => {}
        }
    }

    fn lookup(&self, key: &[&str]) -> Option<&Node> {
        let Some((first, rest)) = key.split_first() else {
            return Some(self);
        };
        match self {
            Node::Struct(fields) => fields
                .iter()
                .find(|f| f.name == *first)
                .and_then(|f| f.value.lookup(rest)),
            Node::List { items, .. } => first
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .and_then(|n| n.lookup(rest)),
            Node::Scalar(_) => None,
        }
    }

    /// Whether any field in the tree carries tags.
    pub fn has_tags(&self) -> bool {
        match self {
            Node::Scalar(_) => false,
            Node::Struct(fields) => fields.iter().any(|f| !f.tags.is_empty() || f.value.has_tags()),
            Node::List { items, .. } => items.iter().any(Node::has_tags),
        }
    }
}

impl Node {
    /// Marks every list in the tree open (`+patchStrategy=open`).
    pub fn open_lists(self) -> Node {
        match self {
            Node::List { items, tail, .. } => Node::List {
                items: items.into_iter().map(Node::open_lists).collect(),
                open: true,
                tail,
            },
            Node::Struct(fields) => Node::Struct(
                fields
                    .into_iter()
                    .map(|mut f| {
                        f.value = f.value.open_lists();
                        f
                    })
                    .collect(),
            ),
            n => n,
        }
    }
}

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
/// On error `base` is left as `null`; use [`Patch::apply`] to keep it.
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
    fn comment_tags_are_parsed() {
        let t = Tags::from_comments([
            "// +patchKey=name",
            "// +patchStrategy=retainKeys",
            "// +usage=two words",
        ]);
        assert_eq!(t.patch_key.as_deref(), Some("name"));
        assert_eq!(t.strategy, Some(Strategy::RetainKeys));
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
