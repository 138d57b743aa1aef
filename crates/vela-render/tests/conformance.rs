//! Conformance: the def-doc example Applications rendered with our native built-ins and with
//! KubeVela's own CUE definitions (evaluated by `vela-cue`) must produce the same objects.
//! When KubeVela's `vela dry-run --offline` goldens exist (`conformance/dry-run/`), both are
//! also compared with them. Pass rates are printed (`cargo test -- --nocapture`).

use std::path::{Path, PathBuf};

use serde_json::Value;
use vela_render::output::{parse_dry_run, sorted};
use vela_render::testing::{Harness, yaml_block};
use vela_render::{Application, Kind, Registry};

fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kubevela")
        })
}

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
        let Ok(app) = Application::from_yaml(&yaml) else {
            continue;
        };
        let covered = app.components.iter().all(|c| {
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
    // Regression floor: raise it as vela-cue and the built-ins converge.
    assert!(total >= 20, "only {total} examples covered");
    assert!(pass >= 20, "pass rate fell to {pass}/{total}");
}

#[test]
fn dry_run_goldens() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/dry-run");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("no dry-run goldens at {} yet: nothing compared", dir.display());
        return;
    };
    let native = Harness::builtin();
    let cue = {
        let mut h = Harness::empty();
        for d in cue_registry(&conformance_dir().join("definitions")).list() {
            h = h.with_definition(d.clone());
        }
        h
    };
    let mut goldens: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "golden"))
        .collect();
    goldens.sort();
    let (mut n, mut pn, mut pc) = (0, 0, 0);
    for g in goldens {
        let input = g.with_extension("yaml");
        let (Ok(want), Ok(app)) = (std::fs::read_to_string(&g), std::fs::read_to_string(&input)) else {
            continue;
        };
        n += 1;
        let want = normalise(&want);
        if normalise(&native.dry_run_yaml(&app)) == want {
            pn += 1;
        }
        if normalise(&cue.dry_run_yaml(&app)) == want {
            pc += 1;
        }
    }
    println!("dry-run goldens: native {pn}/{n}, KubeVela CUE definitions {pc}/{n}");
}
