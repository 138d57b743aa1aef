//! vela-workflow's integration tests, one binary with a module per concern (as cargo does: one
//! link instead of one per file). Filter by module: `cargo test -p vela-workflow --test it --
//! scenarios::`. The Kubernetes tests need `--features kube` and a cluster:
//! `cargo test -p vela-workflow --features kube --test it -- --include-ignored kube_objects::`
//! (what `.ci/suites/30-e2e.sh` runs).

mod book;
mod builtin_steps;
mod common;
#[cfg(all(feature = "cue", feature = "tls"))]
mod config_round_trip;
mod cue_steps;
mod drive_race;
mod kube_objects;
#[cfg(all(feature = "cue", feature = "tls"))]
mod loopback;
mod model;
mod providers;
mod scenarios;

/// KubeVela's data corpus: `$VELA_CONFORMANCE_DIR`, or `shared/conformance/kubevela` beside the
/// checkout. A missing corpus makes the tests that read it fail, never skip.
#[cfg(any(feature = "cue", feature = "kube"))]
fn corpus() -> std::path::PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
        })
}
