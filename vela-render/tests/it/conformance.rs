//! Conformance: the def-doc example Applications rendered with our native built-ins and with
//! KubeVela's own CUE definitions (evaluated by `vela-cue`) must print the same text, byte for byte
//! (KubeVela's own dry-run output is compared in [`crate::dry_run_goldens`]). Pass rates are
//! printed (`cargo test -- --nocapture`).

use crate::{conformance_dir, def_doc_examples};
use std::path::Path;

use vela_render::testing::{Harness, yaml_block};
use vela_render::{Kind, Registry};

fn examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kind in ["component", "trait"] {
        for f in def_doc_examples(kind) {
            let md = std::fs::read_to_string(&f).unwrap();
            if let Some(y) = yaml_block(&md) {
                let name = f.file_name().unwrap().to_string_lossy().replace(".eg.md", "");
                out.push((format!("{kind}/{name}"), y));
            }
        }
    }
    out
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
    let mut unparsable = Vec::new();
    let examples = examples();
    for (name, yaml) in &examples {
        let app = match vela_render::app::parse(yaml) {
            Ok(app) => app,
            Err(e) => {
                unparsable.push(format!("{name}: {}", e.chain()));
                continue;
            }
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
        // the same text byte for byte: the same objects, or the same refusal (a `ref-objects`
        // example needs a cluster)
        if a == b {
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
    assert_eq!(examples.len(), EXAMPLES, "def-doc component and trait examples");
    assert_eq!(total, COVERED, "examples whose types all have native built-ins");
    let unparsable_names: Vec<&str> = unparsable
        .iter()
        .map(|u| u.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(
        unparsable_names, UNPARSABLE,
        "examples that are not valid Applications: {unparsable:#?}"
    );
    assert!(
        failures.is_empty(),
        "native built-ins differ from KubeVela's CUE definitions"
    );
}

/// Component and trait def-doc examples (`examples/def-doc/{component,trait}/*.eg.md` with a
/// YAML block).
const EXAMPLES: usize = 53;
/// Those whose component and trait types are all native built-ins.
const COVERED: usize = 33;
/// Those that are not one valid Application: a tab in the indentation, no `apiVersion`, two
/// Applications in one block (`conformance/dry-run` compares what KubeVela makes of them).
const UNPARSABLE: &[&str] = &[
    "component/task",
    "trait/ingress",
    "trait/k8s-update-strategy",
    "trait/service-binding",
];
