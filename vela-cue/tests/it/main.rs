//! vela-cue's integration tests, one binary with a module per concern (as cargo does: one link
//! instead of one per file). Filter by module: `cargo test -p vela-cue --test it -- programs::`.
//!
//! The differential modules need the CUE v0.14.1 reference oracle and are `#[ignore]`d without
//! it: `VELA_CUE_ORACLE=$(tools/cue-oracle/build.sh) cargo test -p vela-cue --test it --
//! --include-ignored differential:: differential_semantics:: yaml_marshal::` (what
//! `.ci/suites/20-cue-differential.sh` runs).

use std::path::{Path, PathBuf};

mod conformance;
mod differential;
mod differential_semantics;
mod hostile;
mod oracle;
mod parse_corpus;
mod programs;
mod robustness;
mod shared_input;
mod stdlib;
mod time_layouts;
mod yaml_marshal;

/// KubeVela's data corpus: `VELA_CONFORMANCE_DIR`, or `shared/conformance/kubevela` beside the
/// repository.
fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela"))
}
