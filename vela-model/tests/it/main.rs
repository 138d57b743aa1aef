//! vela-model's integration tests, one binary with a module per concern (as cargo does: one link
//! instead of one per file). Filter by module: `cargo test -p vela-model --test it -- crds::`.
//!
//! - [`book`]: the examples the book includes (`book/src/oam-model.md`);
//! - [`conformance`]: every Application and OAM document of KubeVela's corpus parses, round-trips
//!   and validates (`-- conformance:: --nocapture` prints the counts);
//! - [`crds`]: the committed CRDs match the types; schema snapshots;
//! - [`roundtrip`]: property tests (YAML and JSON round trips, hostile text never panics);
//! - [`validate`]: one case per validation rule, with exact field paths.

mod book;
mod conformance;
mod crds;
mod roundtrip;
mod validate;
