//! The OpenAPI v3 parameter schema of every built-in KubeVela definition against the goldens of
//! `conformance/schema` (what KubeVela stores in the definition's schema ConfigMap, recorded by
//! `tools/cue-oracle schemas`). Schemas are compared as JSON values; a golden `{"error": ...}`
//! (KubeVela stores no schema) must be an error here too. Prints the pass rate per kind
//! (`-- --nocapture`); `conformance/schema/known-differences.json` lists the definitions that
//! may differ, with the reason: the list may only shrink.

use crate::conformance_dir;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vela_render::cue::CueDefinition;
use vela_render::{Definition, openapi};

fn goldens_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/schema")
}

/// First difference between two JSON values, as a JSON pointer and both sides.
fn first_diff(path: &str, want: &Value, got: &Value) -> Option<String> {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let p = format!("{path}/{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_diff(&p, x, y) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{p}: want {x:?}, got {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_diff(&format!("{path}/{i}"), x, y)),
        _ if want == got => None,
        _ => Some(format!("{path}: want {want}, got {got}")),
    }
}

/// Compares the schema of every definition under `defs` (`<kind>/*.cue`) with
/// `goldens/<kind>/<name>.json`; returns (kind, passed, total) and the differences of the
/// definitions not listed in `known` (the listed ones that pass go to `passed_known`).
fn run_dir(
    defs: &Path,
    goldens: &Path,
    prefix: &str,
    known: &BTreeMap<String, String>,
    failures: &mut Vec<String>,
    passed_known: &mut Vec<String>,
) -> BTreeMap<String, (usize, usize)> {
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for kind in ["component", "trait", "policy", "workflowstep"] {
        // the hand-written cases exist for some kinds only; the corpus has all four
        let dir = match std::fs::read_dir(defs.join(kind)) {
            Ok(dir) => dir,
            Err(_) if !prefix.is_empty() => continue,
            Err(e) => panic!(
                "read {}: {e} (set VELA_CONFORMANCE_DIR)",
                defs.join(kind).display()
            ),
        };
        let mut files: Vec<_> = dir
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "cue"))
            .collect();
        files.sort();
        for file in files {
            let src = std::fs::read_to_string(&file).unwrap();
            let def = CueDefinition::from_cue(&file.display().to_string(), &src).unwrap();
            let key = format!("{prefix}{kind}/{}", def.meta().name);
            let golden: Value = serde_json::from_str(
                &std::fs::read_to_string(goldens.join(format!("{kind}/{}.json", def.meta().name))).unwrap(),
            )
            .unwrap();
            let got = openapi::parameter_schema(def.template());
            let diff = match (golden.get("error"), &got) {
                (Some(_), Err(_)) => None,
                (Some(e), Ok(_)) => Some(format!("KubeVela fails ({e}), we produce a schema")),
                (None, Err(e)) => Some(format!("we fail: {e}")),
                (None, Ok(s)) => first_diff("", &golden, s),
            };
            // the definition's own schema is the generated one
            match &got {
                Ok(s) => assert_eq!(def.schema(), s, "{key}"),
                Err(e) => assert_eq!(def.schema_error(), Some(e), "{key}"),
            }
            let entry = per_kind.entry(kind.to_string()).or_default();
            entry.1 += 1;
            match diff {
                None => {
                    entry.0 += 1;
                    if known.contains_key(&key) {
                        passed_known.push(key);
                    }
                }
                Some(d) if !known.contains_key(&key) => failures.push(format!("{key}: {d}")),
                Some(_) => {}
            }
        }
    }
    per_kind
}

#[test]
fn parameter_schemas_equal_kubevela() {
    let known: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(goldens_dir().join("known-differences.json")).unwrap())
            .unwrap();
    let mut failures = Vec::new();
    let mut passed_known = Vec::new();
    let builtins = run_dir(
        &conformance_dir().join("definitions"),
        &goldens_dir(),
        "",
        &known,
        &mut failures,
        &mut passed_known,
    );
    let cases_dir = goldens_dir().join("cases");
    let cases = run_dir(
        &cases_dir,
        &cases_dir,
        "cases/",
        &known,
        &mut failures,
        &mut passed_known,
    );
    let (mut pass, mut total) = (0, 0);
    for (kind, (p, t)) in &builtins {
        println!("schema conformance {kind}: {p}/{t}");
        pass += p;
        total += t;
    }
    println!("schema conformance total: {pass}/{total}");
    assert_eq!(total, 78, "expected the 78 built-in definitions");
    let (cp, ct) = cases.values().fold((0, 0), |(a, b), (p, t)| (a + p, b + t));
    println!("schema conformance hand-written cases: {cp}/{ct}");
    assert_eq!(ct, 43, "hand-written cases of conformance/schema/cases");
    assert!(
        failures.is_empty(),
        "{} definitions differ from KubeVela's schema (not in known-differences.json):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        passed_known.is_empty(),
        "now equal to KubeVela, remove from known-differences.json: {passed_known:?}"
    );
    assert_eq!(
        pass + cp + known.len(),
        total + ct,
        "known-differences.json lists missing definitions"
    );
}
