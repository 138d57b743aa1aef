//! The declarative delivery workflow engine of Vela-rs, with KubeVela's semantics.
//!
//! - [`spec`]: what a workflow says (steps, sub-steps, modes, inputs, outputs).
//! - [`status`]: what it did (step phases and reasons, run phases).
//! - [`engine`]: one reconcile pass with KubeVela's exact rules, and a driver.
//! - [`state`] and [`store`]: the durable run state and where it is kept.
//! - [`step`]: the step type trait and registry; [`steps`]: the built-in step types.
//! - [`expr`]: `if` and `valueFrom` evaluation behind a trait.
//! - [`operation`]: suspend, resume, terminate, restart.
//! - [`cluster`]: Kubernetes objects for steps; [`http`]: the guarded HTTP client; [`smtp`]: email.
//! - [`time`]: timestamps, Go durations and the injectable clock.

pub mod cluster;
#[cfg(feature = "cue")]
pub mod cue_step;
pub mod engine;
pub mod expr;
pub mod http;
#[cfg(feature = "model")]
pub mod model;
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
pub use spec::{Mode, Step, Workflow};
pub use state::RunState;
pub use status::{RunPhase, StepPhase};
