//! Field paths into objects, as policies write them: `spec.replicas`,
//! `spec.template.spec.containers[0].image`, `metadata.annotations["example.com/team"]`
//! (the forms of crossplane's `fieldpath` that KubeVela's apply-once and resource-update
//! policies use). `*` (the whole object) is handled by the callers.

use serde_json::{Map, Value};

/// One step of a path: a field of an object or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A field of an object.
    Field(String),
    /// An index into a list.
    Index(usize),
}

/// A parsed field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPath {
    /// The path as written.
    pub(crate) text: String,
    segments: Vec<Segment>,
}

/// Why a field path does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ParseError(String);

impl FieldPath {
    /// Parses `text`.
    pub(crate) fn parse(text: &str) -> Result<Self, ParseError> {
        let bad = |why: &str| ParseError(format!("field path {text:?}: {why}"));
        if text.is_empty() {
            return Err(bad("is empty"));
        }
        let mut segments = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut expect_field = true;
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    if expect_field {
                        return Err(bad("has an empty field name"));
                    }
                    expect_field = true;
                    i += 1;
                }
                '[' => {
                    let end = chars[i..]
                        .iter()
                        .position(|c| *c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| bad("has an unclosed `[`"))?;
                    let inner: String = chars[i + 1..end].iter().collect();
                    let quoted = inner
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
                    match (quoted, inner.parse::<usize>()) {
                        (Some(key), _) if !key.is_empty() => segments.push(Segment::Field(key.to_owned())),
                        (None, Ok(index)) => segments.push(Segment::Index(index)),
                        _ => return Err(bad("expected a list index or a quoted key between `[` and `]`")),
                    }
                    expect_field = false;
                    i = end + 1;
                }
                ']' => return Err(bad("has a `]` without `[`")),
                _ => {
                    if !expect_field {
                        return Err(bad("expected `.` or `[` after a field"));
                    }
                    let start = i;
                    while i < chars.len() && !matches!(chars[i], '.' | '[' | ']') {
                        i += 1;
                    }
                    segments.push(Segment::Field(chars[start..i].iter().collect()));
                    expect_field = false;
                }
            }
        }
        if expect_field {
            return Err(bad("ends with `.`"));
        }
        Ok(Self {
            text: text.to_owned(),
            segments,
        })
    }

    /// The value at this path, if every step exists.
    pub(crate) fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.segments.iter().try_fold(value, |v, s| match s {
            Segment::Field(f) => v.get(f),
            Segment::Index(i) => v.get(*i),
        })
    }

    /// Sets the value at this path, creating missing objects (and extending lists with
    /// `null`) on the way.
    pub(crate) fn set(&self, value: &mut Value, new: Value) {
        let mut slot = value;
        for s in &self.segments {
            slot = match s {
                Segment::Field(f) => {
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    let Value::Object(map) = slot else {
                        return;
                    };
                    map.entry(f.clone()).or_insert(Value::Null)
                }
                Segment::Index(i) => {
                    if !slot.is_array() {
                        *slot = Value::Array(Vec::new());
                    }
                    let Value::Array(list) = slot else {
                        return;
                    };
                    if list.len() <= *i {
                        list.resize(*i + 1, Value::Null);
                    }
                    &mut list[*i]
                }
            };
        }
        *slot = new;
    }

    /// Removes the value at this path (a list element becomes `null`, so later indexes keep
    /// their meaning); nothing happens when it does not exist.
    pub(crate) fn remove(&self, value: &mut Value) {
        let Some((last, parents)) = self.segments.split_last() else {
            return;
        };
        let mut slot = value;
        for s in parents {
            let next = match s {
                Segment::Field(f) => slot.get_mut(f),
                Segment::Index(i) => slot.get_mut(*i),
            };
            let Some(next) = next else {
                return;
            };
            slot = next;
        }
        match (last, slot) {
            (Segment::Field(f), Value::Object(map)) => {
                map.remove(f);
            }
            (Segment::Index(i), Value::Array(list)) if *i < list.len() => list[*i] = Value::Null,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_fields_indexes_and_quoted_keys() {
        let p = FieldPath::parse("spec.template.spec.containers[0].image").unwrap();
        let obj = json!({"spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}});
        assert_eq!(p.get(&obj), Some(&json!("nginx")));
        let p = FieldPath::parse(r#"metadata.annotations["example.com/team"]"#).unwrap();
        let obj = json!({"metadata": {"annotations": {"example.com/team": "web"}}});
        assert_eq!(p.get(&obj), Some(&json!("web")));
    }

    #[test]
    fn refuses_malformed_paths() {
        for bad in [
            "",
            "spec.",
            ".spec",
            "spec..replicas",
            "spec[",
            "spec[x]",
            "spec]",
            "a[0]b",
        ] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn sets_and_removes() {
        let p = FieldPath::parse("spec.ports[1].port").unwrap();
        let mut obj = json!({});
        p.set(&mut obj, json!(80));
        assert_eq!(obj, json!({"spec": {"ports": [null, {"port": 80}]}}));
        p.remove(&mut obj);
        assert_eq!(obj, json!({"spec": {"ports": [null, {}]}}));
        FieldPath::parse("spec.ports").unwrap().remove(&mut obj);
        assert_eq!(obj, json!({"spec": {}}));
        FieldPath::parse("missing.path").unwrap().remove(&mut obj);
        assert_eq!(obj, json!({"spec": {}}));
    }
}
