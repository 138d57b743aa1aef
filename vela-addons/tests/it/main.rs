//! Integration tests of vela-addons: the kubevela/catalog corpus and the project's own addons.

use std::path::{Path, PathBuf};

mod catalog;
mod data;
mod git;
mod helm;
mod server;

/// The kubevela/catalog addons: `VELA_CATALOG_DIR`, or `shared/conformance/kubevela-catalog`
/// beside the repository. A missing corpus fails the tests that need it.
fn catalog_dir() -> PathBuf {
    std::env::var_os("VELA_CATALOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela-catalog")
        })
        .join("addons")
}
