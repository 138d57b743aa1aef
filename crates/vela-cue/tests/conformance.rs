//! Conformance against goldens produced by CUE v0.14.1 (`conformance/cue`, written by
//! `tools/cue-oracle`): every case of every definition is rendered the way KubeVela renders it and
//! compared byte for byte. Prints the pass rate per tier (A/B/C/D of `cue-subset.md` §5).
//!
//! `patchedOutput` (KubeVela's patch engine, which lives in `vela-render`) is not compared here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use vela_cue::Program;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/conformance/kubevela"))
}

/// Go `json.Marshal` of an input value (keys are already sorted in the input files).
fn go_json(v: &Json) -> String {
    vela_cue::export::write_json(v, true, "")
}

/// CUE `MarshalJSON` text of a golden value (no HTML escaping).
fn cue_json(v: &Json) -> String {
    vela_cue::export::write_json(v, false, "")
}

/// Our result for one case, in the golden's shape (raw values as text).
fn render(kind: &str, template: &str, input: &Json) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // the text KubeVela compiles (tools/cue-oracle render.go ComponentText / TraitText)
    let param = match input.get("parameter") {
        None | Some(Json::Null) => None,
        Some(v) => Some(go_json(v)),
    };
    let ctx = go_json(input.get("context").unwrap_or(&Json::Null));
    let src = if kind == "component" {
        let pf = format!("parameter: {}", param.unwrap_or_else(|| "{}".into()));
        format!("{template}\ncontext: _\nparameter: _\n\n{pf}\ncontext: {ctx}")
    } else {
        let mut b = format!("{template}\n");
        if let Some(p) = param {
            b.push_str(&format!("parameter: {p}\n"));
        }
        format!("{b}context: {ctx}")
    };
    let mut errors: Vec<String> = Vec::new();
    let inst = match Program::compile("template.cue", &src).and_then(|p| p.eval()) {
        Ok(i) => i,
        Err(_) => {
            out.insert("errors".into(), "compile".into());
            return out;
        }
    };
    if inst.validate().is_err() {
        out.insert("errors".into(), "compile".into());
        return out;
    }
    if let Ok(errs) = inst.lookup("errs")
        && let Ok(Json::Array(a)) = errs.to_json()
        && !a.is_empty()
        && a.iter().all(|e| e.is_string())
    {
        out.insert("errs".into(), go_json(&Json::Array(a)));
    }
    let defined: Vec<String> = inst.root().all_fields().into_iter().map(|(n, _)| n).collect();
    for key in ["parameter", "output", "patch", "patchOutputs"] {
        if !defined.iter().any(|d| d == key) {
            continue;
        }
        let v = inst.lookup(key).unwrap();
        match v.to_json_string() {
            Ok(s) => {
                out.insert(key.into(), s);
            }
            Err(_) => errors.push(key.to_string()),
        }
    }
    if defined.iter().any(|d| d == "outputs")
        && let Ok(outputs) = inst.lookup("outputs")
    {
        let mut items = Vec::new();
        for (name, v) in outputs.fields() {
            match v.to_json_string() {
                Ok(s) => items.push(format!("[{},{s}]", go_json(&Json::String(name)))),
                Err(_) => errors.push(format!("outputs.{name}")),
            }
        }
        out.insert("outputs".into(), format!("[{}]", items.join(",")));
    }
    if !errors.is_empty() {
        out.insert("errors".into(), errors.join(","));
    }
    out
}

/// The golden in the same shape.
fn golden_shape(g: &Json) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Json::Object(m) = g else { return out };
    for (k, v) in m {
        match k.as_str() {
            "patchedOutput" => {}
            "errors" => {
                let phases: Vec<String> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|e| e.get("phase").and_then(|p| p.as_str()).map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let phases: Vec<String> = phases.into_iter().filter(|p| p != "patchedOutput").collect();
                if !phases.is_empty() {
                    out.insert(k.clone(), phases.join(","));
                }
            }
            "outputs" => {
                let items: Vec<String> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|pair| {
                                let name = pair.get(0).cloned().unwrap_or(Json::Null);
                                let val = pair.get(1).cloned().unwrap_or(Json::Null);
                                format!("[{},{}]", go_json(&name), cue_json(&val))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(k.clone(), format!("[{}]", items.join(",")));
            }
            "errs" => {
                out.insert(k.clone(), go_json(v));
            }
            _ => {
                out.insert(k.clone(), cue_json(v));
            }
        }
    }
    out
}

#[test]
fn definitions_match_cue_goldens() {
    let dir = repo().join("conformance/cue");
    let tiers_path = dir.join("tiers.json");
    let Ok(tiers_text) = std::fs::read_to_string(&tiers_path) else {
        println!(
            "no goldens yet at {} (the oracle writes them); nothing compared",
            tiers_path.display()
        );
        return;
    };
    let tiers: BTreeMap<String, Json> = serde_json::from_str(&tiers_text).expect("tiers.json is valid JSON");
    let mut per_tier: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (def, info) in &tiers {
        let tier = info
            .get("tier")
            .and_then(|t| t.as_str())
            .unwrap_or("?")
            .to_string();
        let source = info.get("source").and_then(|s| s.as_str()).unwrap_or_default();
        let kind = def.split('/').next().unwrap_or_default();
        let Ok(src) = std::fs::read_to_string(corpus().join("definitions").join(source)) else {
            continue;
        };
        let Ok(split) = vela_cue::definition::split(&src) else {
            continue;
        };
        let template = split.template();
        let Ok(rd) = std::fs::read_dir(dir.join(def)) else {
            continue;
        };
        let mut cases: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        cases.sort();
        for case in cases {
            let name = case
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let Some(stem) = name.strip_suffix(".input.json") else {
                continue;
            };
            let golden_path = case.with_file_name(format!("{stem}.golden.json"));
            let (Ok(input), Ok(golden)) = (
                std::fs::read_to_string(&case),
                std::fs::read_to_string(&golden_path),
            ) else {
                continue;
            };
            let input: Json = serde_json::from_str(&input).expect("input is JSON");
            let golden: Json = serde_json::from_str(&golden).expect("golden is JSON");
            let ours = std::panic::catch_unwind(|| render(kind, &template, &input));
            let entry = per_tier.entry(tier.clone()).or_default();
            entry.1 += 1;
            let want = golden_shape(&golden);
            match ours {
                Ok(got) if got == want => entry.0 += 1,
                Ok(got) => failures.push(format!("[{tier}] {def}/{stem}:\n  want {want:?}\n  got  {got:?}")),
                Err(_) => failures.push(format!("[{tier}] {def}/{stem}: PANIC")),
            }
        }
    }
    for f in &failures {
        println!("{}", f.chars().take(1500).collect::<String>());
    }
    for (tier, (pass, total)) in &per_tier {
        println!(
            "tier {tier}: {pass}/{total} cases pass ({:.0}%)",
            100.0 * *pass as f64 / (*total).max(1) as f64
        );
    }
    assert!(
        !failures.iter().any(|f| f.ends_with("PANIC")),
        "the evaluator panicked"
    );
    // Tier A is the core subset: it must stay at 100%.
    let (a_pass, a_total) = per_tier.get("A").copied().unwrap_or((0, 0));
    let allowed: usize = std::env::var("VELA_CUE_TIER_A_ALLOWED_FAILURES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(a_total - a_pass <= allowed, "tier A: {a_pass}/{a_total} pass");
}
