//! End-to-end tests of Vela-rs against real Kubernetes API servers.
//!
//! The tests live in `tests/` and are `#[ignore]`d so that a plain `cargo test --workspace`
//! without clusters does not run them. `.ci/suites/30-e2e.sh` starts three clusters and runs
//! them with `--include-ignored`; locally:
//!
//! ```text
//! eval "$(scripts/test-clusters.sh up 3)"
//! cargo test -p vela-e2e -- --include-ignored
//! scripts/test-clusters.sh down
//! ```
//!
//! Once the environment names clusters, a test that cannot reach them fails.

use std::path::PathBuf;

pub mod corpus;

/// The reason every end-to-end test is ignored by default.
pub const NEEDS_CLUSTERS: &str = "needs test clusters: scripts/test-clusters.sh up 3";

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the project's CRDs are: `$VELA_CRDS_DIR`, or `charts/vela-crds` in the repository.
pub fn crds_dir() -> PathBuf {
    std::env::var_os("VELA_CRDS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("charts/vela-crds"))
}

/// Where KubeVela's conformance corpus is: `$VELA_CONFORMANCE_DIR`, or
/// `../shared/conformance/kubevela` beside the repository.
pub fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/conformance/kubevela"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_root_holds_the_workspace_manifest() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(repo_root().join("scripts/test-clusters.sh").is_file());
    }
}
