//! Patch values: JSON trees whose fields carry the `+patchKey` / `+patchStrategy` tags of
//! a CUE template, and lists that remember their open tail (`...` or `...T`).

use serde_json::Value;

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

    pub(super) fn is_empty(&self) -> bool {
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

    pub(super) fn lookup(&self, key: &[&str]) -> Option<&Node> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
