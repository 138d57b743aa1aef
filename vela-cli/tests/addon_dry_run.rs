//! `vela addon enable <addon> --dry-run` against KubeVela v1.11.0's, for every addon of
//! kubevela/catalog (`shared/conformance/kubevela-catalog/addons`, or `VELA_CATALOG_DIR`), with
//! the default arguments, byte for byte.
//!
//! The goldens are `conformance/addon-dry-run`: `<addon>.yaml` is what KubeVela's CLI prints,
//! `<addon>.error` what it fails with (recorded by `tools/kubevela-oracle/addon-goldens.sh`
//! against a test cluster; `.ci/suites/25-kubevela-dry-run.sh` re-records them and fails on a
//! difference). Every addon must have exactly one golden; the addons whose output differs and
//! those KubeVela fails on are listed below with the reason, and the lists must be exact: an
//! addon that starts or stops matching fails the test until the list says so.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Addons whose output differs from KubeVela's, and why.
const DIFFERENT: &[(&str, &str)] = &[];

/// Addons KubeVela v1.11.0 itself fails on (against the test cluster), and a part of its error.
/// Vela-rs renders them; there is nothing to compare.
const KUBEVELA_FAILS: &[(&str, &str)] = &[
    // CUE v0.11+ rejects `list + list`; Vela-rs evaluates addon programs with the old meaning
    ("grafana", "Addition of lists is superseded by list.Concat"),
    ("loki", "Addition of lists is superseded by list.Concat"),
    (
        "prometheus-server",
        "Addition of lists is superseded by list.Concat",
    ),
    // `system.kubernetes: <1.22`, the test cluster runs v1.37
    ("model-serving", "the kubernetes version v1.37.2 require: <1.22"),
    // a YAML definition of core.oam.dev/v1alpha2, a version v1.11's CRDs no longer serve
    (
        "terraform-azure",
        "no matches for kind \"ComponentDefinition\" in version \"core.oam.dev/v1alpha2\"",
    ),
];

fn catalog_dir() -> PathBuf {
    std::env::var_os("VELA_CATALOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela-catalog")
        })
        .join("addons")
}

fn goldens_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/addon-dry-run")
}

/// The addon directories of the catalog (those with a metadata.yaml), sorted.
fn addons(catalog: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(catalog).unwrap_or_else(|e| {
        panic!(
            "the kubevela/catalog corpus is missing ({}: {e}); set VELA_CATALOG_DIR",
            catalog.display()
        )
    });
    let mut out: Vec<String> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("metadata.yaml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Our `vela addon enable <addon> --dry-run`, run from the catalog directory as the goldens
/// were.
fn ours(catalog: &Path, addon: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vela"))
        .args(["addon", "enable", addon, "--dry-run"])
        .current_dir(catalog)
        .env_remove("RUST_LOG")
        .env_remove("KUBECONFIG")
        .env_remove("VELA_STATE")
        .env_remove("VELA_ADDON_REGISTRY")
        .output()
        .expect("run vela");
    assert!(
        out.status.success(),
        "{addon}: vela addon enable --dry-run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The first line where `a` and `b` differ, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    let (mut la, mut lb) = (a.lines(), b.lines());
    for n in 1.. {
        match (la.next(), lb.next()) {
            (None, None) => return "only in line endings".into(),
            (x, y) if x != y => return format!("line {n}: KubeVela {x:?}, ours {y:?}"),
            _ => {}
        }
    }
    unreachable!()
}

#[test]
fn every_catalog_addon_dry_runs_as_kubevela_does() {
    let catalog = catalog_dir();
    let goldens = goldens_dir();
    let addons = addons(&catalog);
    assert!(
        addons.len() >= 40,
        "{}: only {} addons",
        catalog.display(),
        addons.len()
    );
    let mut equal = 0;
    let mut different = Vec::new();
    let mut failing = Vec::new();
    let mut problems = Vec::new();
    for addon in &addons {
        let yaml = goldens.join(format!("{addon}.yaml"));
        let error = goldens.join(format!("{addon}.error"));
        match (yaml.is_file(), error.is_file()) {
            (true, false) => {
                let want = std::fs::read_to_string(&yaml).unwrap();
                let got = ours(&catalog, addon);
                if got == want {
                    equal += 1;
                } else {
                    different.push(addon.as_str());
                    if !DIFFERENT.iter().any(|(a, _)| a == addon) {
                        problems.push(format!("{addon}: differs, {}", first_difference(&want, &got)));
                    }
                }
            }
            (false, true) => {
                let text = std::fs::read_to_string(&error).unwrap();
                failing.push(addon.as_str());
                match KUBEVELA_FAILS.iter().find(|(a, _)| a == addon) {
                    Some((_, part)) if text.contains(part) => {}
                    Some((_, part)) => {
                        problems.push(format!("{addon}: KubeVela's error {text:?} lacks {part:?}"))
                    }
                    None => problems.push(format!("{addon}: KubeVela fails ({}), not listed", text.trim())),
                }
            }
            _ => problems.push(format!(
                "{addon}: expected exactly one of {addon}.yaml, {addon}.error"
            )),
        }
    }
    for (addon, why) in DIFFERENT {
        if !different.contains(addon) {
            problems.push(format!(
                "{addon}: listed as different ({why}) but equal or absent"
            ));
        }
    }
    for (addon, _) in KUBEVELA_FAILS {
        if !failing.contains(addon) {
            problems.push(format!("{addon}: listed as failing in KubeVela but is not"));
        }
    }
    let compared = addons.len() - failing.len();
    let named = |list: &[&str]| {
        if list.is_empty() {
            String::new()
        } else {
            format!(": {}", list.join(", "))
        }
    };
    eprintln!(
        "{equal}/{} addons equal KubeVela v1.11.0's dry-run ({compared} compared, {} differ{}; KubeVela fails on {}{})",
        addons.len(),
        different.len(),
        named(&different),
        failing.len(),
        named(&failing)
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
