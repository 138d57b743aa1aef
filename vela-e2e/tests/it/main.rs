//! vela-e2e's end-to-end tests, in one binary (as cargo does: one link instead of one per file).
//! Every test is `#[ignore]`d in a plain `cargo test`: they need the test clusters, which
//! `.ci/suites/30-e2e.sh` starts before running `cargo test -p vela-e2e -- --include-ignored`.
//!
//! - [`backend_suite`]: vela-multicluster's backend suite through the Kube backend;
//! - [`smoke`]: the setup itself (API servers, CRDs, apply with the readiness simulator, the
//!   garbage collector and namespace controller);
//! - [`model_api`]: vela-model's types and CRDs against a real API server;
//! - [`support`]: vela-test-support's helpers against the real clusters;
//! - [`delivery`]: the Application engine delivering to a hub and two members;
//! - [`registry`]: vela-multicluster's cluster registry and `Fleet` (a member joined into the hub);
//! - [`install`]: `vela install` (the engine's installer of CRDs and built-in definitions).

mod backend_suite;
mod delivery;
mod install;
mod model_api;
mod registry;
mod smoke;
mod support;
