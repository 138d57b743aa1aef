//! Workflow and step status: phases, reasons, per-step records.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use typed_builder::TypedBuilder;

use crate::common::Time;

/// The phase of a whole workflow run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum RunPhase {
    /// Not started yet.
    #[default]
    Initializing,
    /// Steps are running.
    Executing,
    /// Suspended, waiting for a resume.
    Suspending,
    /// Stopped by a terminate (or a failed step).
    Terminated,
    /// Failed.
    Failed,
    /// Every step finished successfully.
    Succeeded,
    /// Skipped.
    Skipped,
}

impl RunPhase {
    /// Whether the run is over (terminated, failed, succeeded or skipped).
    ///
    /// ```
    /// use vela_model::workflow::RunPhase;
    /// assert!(RunPhase::Succeeded.is_terminal());
    /// assert!(!RunPhase::Suspending.is_terminal());
    /// ```
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Terminated | Self::Failed | Self::Succeeded | Self::Skipped
        )
    }
}

/// The phase of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StepPhase {
    /// Finished successfully.
    Succeeded,
    /// Failed.
    Failed,
    /// Not run because its condition was false.
    Skipped,
    /// Running (or waiting to be retried).
    Running,
    /// Waiting for dependencies or inputs.
    Pending,
    /// Suspended.
    Suspending,
}

impl StepPhase {
    /// The wire name, e.g. `succeeded`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepPhase::Succeeded => "succeeded",
            StepPhase::Failed => "failed",
            StepPhase::Skipped => "skipped",
            StepPhase::Running => "running",
            StepPhase::Pending => "pending",
            StepPhase::Suspending => "suspending",
        }
    }
}

/// The `reason` values a step status may carry.
pub mod reason {
    /// Waiting for a condition (`#ConditionalWait`).
    pub const WAIT: &str = "Wait";
    /// Skipped by its `if`.
    pub const SKIP: &str = "Skip";
    /// Failed while rendering the step.
    pub const RENDERING: &str = "Rendering";
    /// Failed while executing (retried).
    pub const EXECUTE: &str = "Execute";
    /// Suspended.
    pub const SUSPEND: &str = "Suspend";
    /// Terminated the workflow.
    pub const TERMINATE: &str = "Terminate";
    /// Failed while processing the parameter.
    pub const PROCESS_PARAMETER: &str = "ProcessParameter";
    /// Failed while reading an input.
    pub const INPUT: &str = "Input";
    /// Failed while writing an output.
    pub const OUTPUT: &str = "Output";
    /// Failed too often (10 times).
    pub const FAILED_AFTER_RETRIES: &str = "FailedAfterRetries";
    /// Ran past its timeout.
    pub const TIMEOUT: &str = "Timeout";
    /// Failed by an explicit `#Fail` action.
    pub const ACTION: &str = "Action";
}

/// The record of one sub-step (KubeVela's `StepStatus`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct SubStepStatus {
    /// A random id, stable across reconciles.
    #[serde(default)]
    pub id: String,
    /// Step name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Step type.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<StepPhase>,
    /// Message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Reason, one of [`reason`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// When the step first ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub first_execute_time: Option<Time>,
    /// When the step last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub last_execute_time: Option<Time>,
}

/// The record of one top-level step, with its sub-steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct StepStatus {
    /// A random id, stable across reconciles.
    #[serde(default)]
    pub id: String,
    /// Step name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Step type.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<StepPhase>,
    /// Message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Reason, one of [`reason`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// When the step first ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub first_execute_time: Option<Time>,
    /// When the step last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub last_execute_time: Option<Time>,
    /// Records of the sub-steps of a step group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_steps: Vec<SubStepStatus>,
}
