//! The committed CRDs in `charts/vela-crds/crds/` match the types, and the generated schemas are
//! snapshot-tested.
//!
//! After changing a type: `VELA_UPDATE_CRDS=1 cargo test -p vela-model --test it -- crds::` rewrites the
//! chart, then `cargo insta review` (or `INSTA_UPDATE=always`) accepts the new snapshots.

use std::path::{Path, PathBuf};

use vela_model::crd;

fn chart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/vela-crds/crds")
}

#[test]
fn committed_crds_are_up_to_date() {
    let dir = chart_dir();
    let update = std::env::var_os("VELA_UPDATE_CRDS").is_some();
    let mut stale = Vec::new();
    let mut expected_files: Vec<String> = Vec::new();
    for c in crd::all() {
        let file = crd::file_name(&c);
        let path = dir.join(&file);
        let want = crd::to_yaml(&c);
        expected_files.push(file.clone());
        if update {
            std::fs::create_dir_all(&dir).expect("create chart dir");
            std::fs::write(&path, &want).expect("write CRD");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(have) if have == want => {}
            _ => stale.push(file),
        }
    }
    // No leftover CRD of a kind that no longer exists.
    let mut leftovers = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("chart dir exists").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") && !expected_files.contains(&name) {
            leftovers.push(name);
        }
    }
    assert!(
        stale.is_empty() && leftovers.is_empty(),
        "charts/vela-crds/crds is out of date with the types (stale: {stale:?}, leftover: {leftovers:?}); \
         run `VELA_UPDATE_CRDS=1 cargo test -p vela-model --test it -- crds::`"
    );
}

#[test]
fn crds_have_names_scopes_and_subresources() {
    let all = crd::all();
    assert_eq!(all.len(), 12);
    let find = |kind: &str| {
        all.iter()
            .find(|c| c.spec.names.kind == kind)
            .unwrap_or_else(|| panic!("{kind}"))
    };
    let app = find("Application");
    assert_eq!(
        app.spec.names.short_names.as_deref(),
        Some(&["app".to_string(), "velaapp".to_string()][..])
    );
    assert_eq!(app.spec.scope, "Namespaced");
    let v = &app.spec.versions[0];
    assert_eq!(v.name, "v1beta1");
    assert!(v.subresources.as_ref().and_then(|s| s.status.as_ref()).is_some());
    let columns: Vec<&str> = v
        .additional_printer_columns
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        columns,
        ["COMPONENT", "TYPE", "PHASE", "HEALTHY", "STATUS", "AGE"]
    );
    assert_eq!(find("ResourceTracker").spec.scope, "Cluster");
    assert_eq!(find("WorkflowRun").spec.versions[0].name, "v1alpha1");
    for (kind, short) in [
        ("ApplicationRevision", "apprev"),
        ("ComponentDefinition", "comp"),
        ("TraitDefinition", "trait"),
        ("DefinitionRevision", "defrev"),
        ("ResourceTracker", "rt"),
        ("WorkflowRun", "wr"),
    ] {
        let names = find(kind).spec.names.short_names.clone().unwrap_or_default();
        assert!(
            names.contains(&short.to_string()),
            "{kind} lacks short name {short}"
        );
    }
}

#[test]
fn crd_schemas_match_snapshots() {
    for c in crd::all() {
        let schema = c.spec.versions[0]
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .expect("schema");
        insta::assert_yaml_snapshot!(c.spec.names.kind.clone(), schema);
    }
}
