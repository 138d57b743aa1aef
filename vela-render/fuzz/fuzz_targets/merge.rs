#![no_main]
//! Override policies and trait patches on any input must return a result or an error, never
//! panic, and keep the laws below.
//!
//! The input is a stream of JSON values (`serde_json`'s stream reader, whitespace between
//! values): (1) the components, a list of `{name, type, properties, traits}`-like objects read
//! loosely (a missing name or type gets a default), (2) the override policy's properties, (3) a
//! patch's target object, (4) the patch, (5) tags for the patch: an object from dotted paths to
//! `// +patchKey=...` / `// +patchStrategy=...` comment lines, `"$open": true` for open lists.
//! Missing values are `null`.
//!
//! Laws of `apply_override`: the result is valid JSON that reads back to the same components;
//! without `components` and `selector` nothing changes; patches without a name whose type no
//! component has change nothing; without a selector no component is lost and each named patch
//! adds at most one; with a selector only selected names remain; one name-less patch leaves its
//! properties in every component's properties.
//!
//! Laws of the patch engine: a failed strategic or JSON patch leaves the target unchanged; an
//! untagged patch unified with an equal target changes nothing; a JSON merge patch applied twice
//! gives what it gave once.

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use vela_render::app::{Component, Trait};
use vela_render::ops::dryrun::apply_override;
use vela_render::patch::{Node, Patch, Tags, json_merge_patch};

/// At most this many RFC 6902 operations are applied: each `copy` of the root may double the
/// document, so a few dozen of them run out of memory by design, not by a bug.
const MAX_JSON_PATCH_OPS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let mut values = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    let mut next = || values.next().and_then(Result::ok).unwrap_or(Value::Null);
    let (components, policy, target, patch, tags) = (next(), next(), next(), next(), next());
    check_override(&components_of(&components), &policy);
    check_patch(&target, &patch, &tags);
});

/// Reads components loosely so that most inputs reach the merge.
fn components_of(value: &Value) -> Vec<Component> {
    let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_owned();
    value
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| Component {
            name: text(&c["name"], &format!("c{i}")),
            type_: text(&c["type"], "worker"),
            properties: c.get("properties").cloned(),
            traits: c["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| Trait {
                    type_: text(&t["type"], "scaler"),
                    properties: t.get("properties").cloned(),
                })
                .collect(),
            ..Component::default()
        })
        .collect()
}

fn check_override(comps: &[Component], policy: &Value) {
    let out = apply_override(comps, policy).expect("apply_override fails only on a bad built-in regex");
    let written = serde_json::to_string(&out).expect("components write as JSON");
    let back: Vec<Component> = serde_json::from_str(&written).expect("written components read back");
    assert_eq!(back, out, "JSON round trip changed the components");

    let patches = policy.get("components").and_then(Value::as_array);
    let selector = policy.get("selector").and_then(Value::as_array);
    if patches.is_none() && selector.is_none() {
        assert_eq!(
            out, comps,
            "a policy without components or selector changed the components"
        );
    }
    if selector.is_none() {
        let named = patches
            .into_iter()
            .flatten()
            .filter(|p| {
                p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty())
            })
            .count();
        assert!(
            out.len() >= comps.len(),
            "a component was lost without a selector"
        );
        assert!(
            out.len() <= comps.len() + named,
            "more components added than named patches"
        );
    } else {
        let names: Vec<&str> = selector.into_iter().flatten().filter_map(Value::as_str).collect();
        assert!(
            out.iter().all(|c| names.contains(&c.name.as_str())),
            "a component outside the selector remains"
        );
    }

    // The same patches, aimed by type at no component: nothing changes.
    let unused = "\u{0}no-such-type";
    if !comps.iter().any(|c| c.type_ == unused) {
        let aimed: Vec<Value> = patches
            .into_iter()
            .flatten()
            .map(|p| {
                let mut p = p.clone();
                if let Some(o) = p.as_object_mut() {
                    o.insert("name".into(), json!(""));
                    o.insert("type".into(), json!(unused));
                }
                p
            })
            .filter(Value::is_object)
            .collect();
        let out = apply_override(comps, &json!({"components": aimed})).unwrap();
        assert_eq!(out, comps, "patches matching no component changed the components");
    }

    // The first patch's properties alone, for every component: each one then holds them.
    if let Some(props) = patches
        .and_then(|p| p.first())
        .and_then(|p| p.get("properties"))
        .filter(|p| !p.is_null())
    {
        let out = apply_override(comps, &json!({"components": [{"properties": props}]})).unwrap();
        assert_eq!(out.len(), comps.len());
        for c in &out {
            let have = c.properties.as_ref().expect("merged properties");
            assert!(contains(have, props), "{have} lacks the merged {props}");
        }
    }
}

/// Whether `have` holds every field of `want` (objects recursively, anything else equal).
fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => {
            w.iter().all(|(k, v)| h.get(k).is_some_and(|hv| contains(hv, v)))
        }
        (h, w) => h == w,
    }
}

fn check_patch(target: &Value, patch: &Value, tags: &Value) {
    let mut node = Node::from_json(patch.clone());
    for (path, comment) in tags.as_object().into_iter().flatten() {
        if let Some(lines) = comment.as_str() {
            node = node.tag(path, Tags::from_comments(lines.lines()));
        }
    }
    if tags["$open"] == json!(true) {
        node = node.open_lists();
    }
    let strategic = Patch::Strategic(node);
    let mut work = target.clone();
    if strategic.apply(&mut work).is_err() {
        assert_eq!(&work, target, "a failed strategic patch changed the target");
    }

    // An untagged patch equal to the target changes nothing.
    let mut same = target.clone();
    Patch::Strategic(Node::from_json(target.clone()))
        .apply(&mut same)
        .expect("a value unifies with itself");
    assert_eq!(&same, target, "unifying a value with itself changed it");

    let mut once = target.clone();
    json_merge_patch(&mut once, patch);
    let mut twice = once.clone();
    json_merge_patch(&mut twice, patch);
    assert_eq!(once, twice, "a JSON merge patch is not idempotent");

    if let Some(ops) = patch.as_array() {
        let ops = ops.iter().take(MAX_JSON_PATCH_OPS).cloned().collect();
        let mut work = target.clone();
        if Patch::Json(ops).apply(&mut work).is_err() {
            assert_eq!(&work, target, "a failed JSON patch changed the target");
        }
    }
}
