//! vela-cue's integration tests, one binary with a module per concern (as cargo does: one link
//! instead of one per file). Filter by module: `cargo test -p vela-cue --test it -- programs::`.
//!
//! The differential modules need the CUE v0.14.1 reference oracle and are `#[ignore]`d without
//! it: `VELA_CUE_ORACLE=$(tools/cue-oracle/build.sh) cargo test -p vela-cue --test it --
//! --include-ignored differential:: differential_semantics:: yaml_marshal::` (what
//! `.ci/suites/20-cue-differential.sh` runs).

mod conformance;
mod differential;
mod differential_semantics;
mod hostile;
mod oracle;
mod parse_corpus;
mod programs;
mod robustness;
mod stdlib;
mod time_layouts;
mod yaml_marshal;
