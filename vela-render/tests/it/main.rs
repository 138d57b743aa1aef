//! vela-render's integration tests, in one binary (one link instead of one per file).
//!
//! - [`builtins`]: snapshots of the native built-ins (def-doc examples, error cases);
//! - [`conformance`]: native built-ins against KubeVela's CUE definitions;
//! - [`dry_run_goldens`]: `vela dry-run` against KubeVela v1.11.0's, byte for byte;
//! - [`cue_goldens`]: per-definition goldens of `conformance/cue`;
//! - [`schema_conformance`]: parameter schemas against `conformance/schema`;
//! - [`vet_corpus`]: `vela def vet` over every KubeVela built-in definition;
//! - [`yaml11`]: `vela dry-run`'s YAML reads back the same in YAML 1.1 (kubectl) and 1.2.

use std::path::PathBuf;

mod builtins;
mod conformance;
mod cue_goldens;
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
