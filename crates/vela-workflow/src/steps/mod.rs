//! Built-in step types, implemented in Rust.
//!
//! | type | what it does |
//! |---|---|
//! | `suspend` | [`Suspend`]: suspends until resumed, or for `duration` |
//! | `step-group` | runs `subSteps` (built into the engine) |
//! | `print-message-in-status` | [`PrintMessage`]: sets the step message |

mod control;

pub use control::{PrintMessage, Suspend};

/// The `step-group` type name.
pub const STEP_GROUP: &str = "step-group";
/// Mutable key where a suspend with `duration` keeps its resume time.
pub const RESUME_TIMESTAMP: &str = "resumeTimeStamp";
/// Mutable key where a suspend keeps the time it first suspended.
pub const SUSPEND_TIMESTAMP: &str = "suspend.suspendTimeStamp";
