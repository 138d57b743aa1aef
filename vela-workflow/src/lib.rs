//! The declarative delivery workflow engine of Vela-rs, with KubeVela's semantics.
//!
//! - [`spec`]: what a workflow says (steps, sub-steps, modes, inputs, outputs): vela-model's types.
//! - [`status`]: what it did (step phases and reasons, run phases).
//! - [`engine`]: one reconcile pass with KubeVela's exact rules, and a driver.
//! - [`state`] and [`store`]: the durable run state and where it is kept.
//! - [`step`]: the step type trait and registry; [`steps`]: the built-in step types.
//! - [`expr`]: `if` and `valueFrom` evaluation behind a trait.
//! - [`operation`]: suspend, resume, terminate, restart.
//! - [`cluster`]: Kubernetes objects for steps; [`http`]: the guarded HTTP client; [`smtp`]: email.
//! - [`time`]: timestamps, Go durations and the injectable clock.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `cue` | yes | `if` conditions and `outputs[].valueFrom` evaluated as CUE (`expr::Cue`), and KubeVela's CUE step definitions (`cue_step`) |
//! | `tls` | yes | `https://` in the guarded HTTP client and STARTTLS for email (rustls with ring; the system's roots through the platform verifier, plus extra roots) |
//! | `kube` | no | the Kubernetes backend `cluster::Kube` (server-side apply, any kind through discovery) |
//!
//! Items that need a feature are marked with it on docs.rs.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The guarded HTTP client: [`vela_http`], the workspace's one implementation (SSRF guard,
/// size caps, redirect limits, timeouts), shared with vela-addons' registries.
///
/// ```
/// let client = vela_workflow::http::Client::new(vela_workflow::http::Config::default()).unwrap();
/// # drop(client);
/// ```
pub use vela_http as http;
/// Kubernetes objects for steps: [`vela_multicluster`], the workspace's one way to talk to
/// clusters ([`Objects`](vela_multicluster::Objects), [`Memory`](vela_multicluster::Memory) and,
/// with feature `kube`, `Kube`).
pub use vela_multicluster as cluster;
#[cfg(feature = "cue")]
pub mod cue_step;
pub mod engine;
pub mod expr;
pub mod operation;
pub mod smtp;
pub mod spec;
pub mod state;
pub mod status;
pub mod step;
pub mod steps;
pub mod store;
pub mod time;

pub use engine::{Config, Engine, Outcome};
pub use spec::{Step, StepMode, SubStep, Workflow};
pub use state::RunState;
pub use status::{RunPhase, StepPhase};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
