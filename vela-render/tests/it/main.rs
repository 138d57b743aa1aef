//! vela-render's integration tests, in one binary (one link instead of one per file).
//!
//! - [`builtins`]: snapshots of the native built-ins (def-doc examples, error cases);
//! - [`conformance`]: native built-ins against KubeVela's CUE definitions;
//! - [`dry_run_goldens`]: `vela dry-run` against KubeVela v1.11.0's, byte for byte;
//! - [`cue_goldens`]: per-definition goldens of `conformance/cue`;
//! - [`definition_crs`]: `vela def render`'s CR of every built-in definition against KubeVela's;
//! - [`schema_conformance`]: parameter schemas against `conformance/schema`;
//! - [`vet_corpus`]: `vela def vet` over every KubeVela built-in definition;
//! - [`yaml11`]: `vela dry-run`'s YAML reads back the same in YAML 1.1 (kubectl) and 1.2.

use std::path::PathBuf;

mod builtins;
mod conformance;
mod cue_goldens;
mod definition_crs;
mod dry_run_goldens;
mod schema_conformance;
mod vet_corpus;
mod yaml11;

/// KubeVela's data corpus: `VELA_CONFORMANCE_DIR`, or `shared/conformance/kubevela` beside the
/// repository.
fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
        })
}

/// The def-doc example files of one definition kind (`component`, `trait`):
/// `examples/def-doc/<kind>/*.eg.md` of the corpus, sorted; an unreadable folder fails the test.
fn def_doc_examples(kind: &str) -> Vec<PathBuf> {
    let dir = conformance_dir().join("examples/def-doc").join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".eg.md"))
        .collect();
    files.sort();
    files
}
