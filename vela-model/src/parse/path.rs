//! Field paths: building them from serde's path trackers and following them in a document.

use serde_json::Value;

/// One step of a path: a map key or a list index.
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

pub(super) fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut v = segments(parent);
            v.push(Segment::Index(*index));
            v
        }
        Path::Map { parent, key } => {
            let mut v = segments(parent);
            v.push(Segment::Key(key.clone()));
            v
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            segments(parent)
        }
    }
}

pub(super) fn path_segments(path: &serde_path_to_error::Path) -> Vec<Segment> {
    use serde_path_to_error::Segment as S;
    path.iter()
        .filter_map(|s| match s {
            S::Seq { index } => Some(Segment::Index(*index)),
            S::Map { key } => Some(Segment::Key(key.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn value_at<'v>(document: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    path.iter().try_fold(document, |node, seg| match seg {
        Segment::Key(k) => node.get(k.as_str()),
        Segment::Index(i) => node.get(*i),
    })
}

/// The kind of a value, in serde's words.
pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "sequence",
        Value::Object(_) => "map",
    }
}

/// Whether the path is the `apiVersion` or `kind` of a whole Kubernetes object (one that has
/// `apiVersion`, `kind` and `metadata`).
pub(super) fn is_object_header(document: &Value, path: &[Segment]) -> bool {
    let Some((Segment::Key(last), parent)) = path.split_last() else {
        return false;
    };
    if last != "apiVersion" && last != "kind" {
        return false;
    }
    let Some(node) = value_at(document, parent) else {
        return false;
    };
    ["apiVersion", "kind", "metadata"]
        .iter()
        .all(|k| node.get(*k).is_some())
}

pub(super) fn path_string(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path_string(parent)),
        Path::Map { parent, key } => {
            let p = path_string(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            path_string(parent)
        }
    }
}
