//! Conformance: the def-doc example Applications rendered with our native built-ins and with
//! KubeVela's own CUE definitions (evaluated by `vela-cue`) must produce the same objects.
//! When KubeVela's `vela dry-run --offline` goldens exist (`conformance/dry-run/`), both are
//! also compared with them. Pass rates are printed (`cargo test -- --nocapture`).

use crate::conformance_dir;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vela_render::ops::output::{parse_dry_run, sorted};
use vela_render::testing::{Harness, yaml_block};
use vela_render::{Kind, Registry};

fn examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kind in ["component", "trait"] {
        let dir = conformance_dir().join("examples/def-doc").join(kind);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".eg.md"))
            .collect();
        files.sort();
        for f in files {
            let md = std::fs::read_to_string(&f).unwrap();
            if let Some(y) = yaml_block(&md) {
                let name = f.file_name().unwrap().to_string_lossy().replace(".eg.md", "");
                out.push((format!("{kind}/{name}"), y));
            }
        }
    }
    out
}

/// Documents per section, keys sorted; trait object names (hash suffixes) blanked.
fn normalise(text: &str) -> Vec<(String, Vec<Value>)> {
    parse_dry_run(text)
        .into_iter()
        .map(|(t, docs)| {
            let docs = docs
                .into_iter()
                .map(|mut d| {
                    let is_trait = d.pointer("/metadata/labels/app.oam.dev~1resourceType")
                        == Some(&Value::from("TRAIT"));
                    if is_trait
                        && let Some(n) = d.pointer_mut("/metadata/name")
                        && let Some((prefix, _)) = n.as_str().and_then(|s| s.rsplit_once('-'))
                    {
                        *n = Value::from(format!("{prefix}-<hash>"));
                    }
                    sorted(&d)
                })
                .collect();
            (t, docs)
        })
        .collect()
}

fn cue_registry(defs: &Path) -> Registry {
    let mut reg = Registry::new();
    for k in ["component", "trait", "policy"] {
        reg.load_path(&defs.join(k))
            .unwrap_or_else(|e| panic!("load {k} definitions: {}", e.chain()));
    }
    reg
}

#[test]
fn native_builtins_match_kubevela_cue_definitions() {
    let native = Registry::builtin();
    let cue_reg = cue_registry(&conformance_dir().join("definitions"));
    let (hn, hc) = (Harness::builtin(), {
        let mut h = Harness::empty();
        for d in cue_reg.list() {
            h = h.with_definition(d.clone());
        }
        h
    });
    let mut total = 0;
    let mut pass = 0;
    let mut failures = Vec::new();
    for (name, yaml) in examples() {
        let Ok(app) = vela_render::app::parse(&yaml) else {
            continue;
        };
        let covered = app.spec.components.iter().all(|c| {
            native.get(Kind::Component, &c.type_).is_ok()
                && c.traits.iter().all(|t| native.get(Kind::Trait, &t.type_).is_ok())
        });
        if !covered {
            continue;
        }
        total += 1;
        let a = hn.dry_run_app(&app);
        let b = hc.dry_run_app(&app);
        if !a.starts_with("Error") && normalise(&a) == normalise(&b) {
            pass += 1;
        } else {
            let why = if b.starts_with("Error") {
                b.lines().take(3).collect::<Vec<_>>().join(" | ")
            } else if a.starts_with("Error") {
                format!("native: {}", a.lines().take(3).collect::<Vec<_>>().join(" | "))
            } else {
                "objects differ".to_string()
            };
            failures.push(format!("{name}: {why}"));
        }
    }
    println!("native vs KubeVela CUE definitions (vela-cue): {pass}/{total} def-doc examples agree");
    for f in &failures {
        println!("  DIFF {f}");
    }
    assert!(total >= 30, "only {total} examples covered");
    assert!(
        failures.is_empty(),
        "native built-ins differ from KubeVela's CUE definitions"
    );
}

/// The Application `#n` of an example file (`.eg.md` YAML blocks or multi-document YAML).
fn example_app(source: &str) -> Option<String> {
    let (path, nth) = match source.split_once('#') {
        Some((p, n)) => (p, n.parse::<usize>().ok()?),
        None => (source, 1),
    };
    let text = std::fs::read_to_string(conformance_dir().join("examples").join(path)).ok()?;
    let docs: Vec<String> = if path.ends_with(".md") {
        // a YAML block may hold several documents
        text.split("```yaml")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .flat_map(|b| b.split("\n---"))
            .map(str::to_string)
            .collect()
    } else {
        text.split("\n---").map(str::to_string).collect()
    };
    docs.into_iter()
        .filter(|d| {
            vela_model::yaml::from_str::<Value>(d)
                .ok()
                .and_then(|v| v.get("kind").and_then(Value::as_str).map(|k| k == "Application"))
                .unwrap_or(false)
        })
        .nth(nth - 1)
}

#[test]
fn dry_run_goldens() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/dry-run");
    let index = std::fs::read_to_string(dir.join("index.tsv"))
        .unwrap_or_else(|e| panic!("read {}/index.tsv: {e}", dir.display()));
    let native = Harness::builtin();
    let cue = {
        let mut h = Harness::empty();
        for d in cue_registry(&conformance_dir().join("definitions")).list() {
            h = h.with_definition(d.clone());
        }
        h
    };
    let native_reg = Registry::builtin();
    let (mut n, mut pc, mut nn, mut pn) = (0, 0, 0, 0);
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, source, result, defs] = cols[..] else {
            continue;
        };
        if result != "ok" {
            continue;
        }
        let Ok(want) = std::fs::read_to_string(dir.join(format!("{name}.yaml"))) else {
            continue;
        };
        let Some(app) = example_app(source) else {
            unexpected.push(format!("{name}: example {source} not found"));
            continue;
        };
        let want = normalise(&want);
        n += 1;
        let got_cue = cue.dry_run_yaml(&app);
        if normalise(&got_cue) == want {
            pc += 1;
        } else {
            unexpected.push(format!("{name} (KubeVela's CUE definitions)"));
            report.push(format!(
                "  CUE DIFF {name}: {}",
                got_cue
                    .lines()
                    .find(|l| l.starts_with("Error"))
                    .unwrap_or("objects differ")
            ));
        }
        let covered = defs.split(',').all(|d| match d.split_once('/') {
            Some(("component", t)) => native_reg.get(Kind::Component, t).is_ok(),
            Some(("trait", t)) => native_reg.get(Kind::Trait, t).is_ok(),
            Some(("policy", t)) => native_reg.get(Kind::Policy, t).is_ok(),
            Some(("workflowstep", "deploy")) => true,
            _ => false,
        });
        if covered {
            nn += 1;
            let got = native.dry_run_yaml(&app);
            if normalise(&got) == want {
                pn += 1;
                if KNOWN_NATIVE_DIFFERENCES.contains(&name) {
                    report.push(format!(
                        "  {name} now passes natively: remove it from KNOWN_NATIVE_DIFFERENCES"
                    ));
                }
            } else {
                if !KNOWN_NATIVE_DIFFERENCES.contains(&name) {
                    unexpected.push(format!("{name} (native built-ins)"));
                }
                report.push(format!(
                    "  NATIVE DIFF {name}: {}",
                    got.lines()
                        .find(|l| l.starts_with("Error"))
                        .unwrap_or("objects differ")
                ));
            }
        }
    }
    println!(
        "KubeVela dry-run goldens: with KubeVela's CUE definitions {pc}/{n}, with native built-ins {pn}/{nn} (apps whose definitions are all built in)"
    );
    for r in &report {
        println!("{r}");
    }
    assert!(n >= 115, "only {n} goldens compared");
    assert!(unexpected.is_empty(), "unexpected differences: {unexpected:#?}");
}

/// Goldens the native built-ins do not reproduce yet, with the reason; any other difference
/// fails the test (KubeVela's own CUE definitions must reproduce every golden).
const KNOWN_NATIVE_DIFFERENCES: &[&str] = &[];
