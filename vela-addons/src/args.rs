//! Enable arguments: `k=v` words (the subset of Helm's `--set` syntax KubeVela reads them with)
//! and the merge of new arguments over those of the previous enable.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Parses `k=v` words into arguments: dots nest (`a.b=1` is `{a: {b: 1}}`), `true`, `false`,
/// `null` and integers are typed, `{x,y}` is a list of strings, anything else a string.
///
/// ```
/// let args = vela_addons::parse_args(["replicas=2", "image.tag=v1", "clusters={c1,c2}", "debug=true"]).unwrap();
/// assert_eq!(serde_json::Value::Object(args).to_string(),
///     r#"{"replicas":2,"image":{"tag":"v1"},"clusters":["c1","c2"],"debug":true}"#);
/// assert!(vela_addons::parse_args(["novalue"]).is_err());
/// ```
///
/// # Errors
/// [`Error::Argument`] for a word without `=`, an empty key, or a key that is both a value and
/// a parent (`a=1 a.b=2`).
pub fn parse_args<I, S>(words: I) -> Result<Map<String, Value>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = Map::new();
    for word in words {
        let word = word.as_ref();
        let bad = |message: &str| Error::Argument {
            arg: word.to_string(),
            message: message.to_string(),
        };
        let (key, value) = word.split_once('=').ok_or_else(|| bad("expected key=value"))?;
        let path: Vec<&str> = key.split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(bad("empty key"));
        }
        let mut cur = &mut out;
        for p in &path[..path.len() - 1] {
            let next = cur
                .entry(p.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            cur = next
                .as_object_mut()
                .ok_or_else(|| bad(&format!("{p} already has a value")))?;
        }
        cur.insert(path[path.len() - 1].to_string(), typed(value));
    }
    Ok(out)
}

fn typed(v: &str) -> Value {
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if v.starts_with('{') && v.ends_with('}') && v.len() >= 2 => Value::Array(
            v[1..v.len() - 1]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        _ => match v.parse::<i64>() {
            // Helm keeps "007" a string
            Ok(n) if !(v.len() > 1 && v.starts_with('0')) => Value::from(n),
            _ => Value::String(v.to_string()),
        },
    }
}

/// Merges `new` over `old` (KubeVela merges the arguments of an upgrade over the stored ones):
/// objects merge key by key, any other value of `new` replaces the old one.
///
/// ```
/// let old = vela_addons::parse_args(["a.x=1", "a.y=2", "b=old"]).unwrap();
/// let new = vela_addons::parse_args(["a.y=3", "c=new"]).unwrap();
/// let merged = vela_addons::merge_args(old, new);
/// assert_eq!(serde_json::Value::Object(merged).to_string(), r#"{"a":{"x":1,"y":3},"b":"old","c":"new"}"#);
/// ```
pub fn merge_args(mut old: Map<String, Value>, new: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in new {
        match (old.get_mut(&k), v) {
            (Some(Value::Object(o)), Value::Object(n)) => {
                let merged = merge_args(std::mem::take(o), n);
                *o = merged;
            }
            (_, v) => {
                old.insert(k, v);
            }
        }
    }
    old
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_as_helm_types_them() {
        let a = parse_args(["n=-3", "z=007", "s=a=b", "e=", "l={}"]).unwrap();
        assert_eq!(a["n"], -3);
        assert_eq!(a["z"], "007");
        assert_eq!(a["s"], "a=b");
        assert_eq!(a["e"], "");
        assert_eq!(a["l"], Value::Array(vec![]));
        assert_eq!(
            parse_args(["a=1", "a.b=2"]).unwrap_err().to_string(),
            "argument \"a.b=2\": a already has a value"
        );
        assert!(parse_args(["a..b=1"]).is_err());
    }
}
