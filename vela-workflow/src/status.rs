//! What a workflow did: step phases and reasons, run phases, the run status (KubeVela's shape).

use serde::{Deserialize, Serialize};

use crate::spec::ExecuteMode;
use crate::time::Timestamp;

/// The phase of one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepPhase {
    /// No status yet (never serialized in a recorded step).
    #[default]
    #[serde(rename = "")]
    Unknown,
    /// Finished successfully.
    Succeeded,
    /// Failed; finished unless the reason is `Execute` (then it is retried).
    Failed,
    /// Not run because of `if` or the skip rules.
    Skipped,
    /// Started and not finished (waiting, or retried after an error).
    Running,
    /// Waiting for `dependsOn` or inputs.
    Pending,
    /// Suspended until resumed.
    Suspending,
}

impl StepPhase {
    /// The phase as KubeVela writes it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Running => "running",
            Self::Pending => "pending",
            Self::Suspending => "suspending",
        }
    }
}

/// Why a step is in its phase. KubeVela's reason strings.
pub mod reason {
    /// Waiting (`#ConditionalWait`).
    pub const WAIT: &str = "Wait";
    /// Skipped by `if` or the skip rules.
    pub const SKIP: &str = "Skip";
    /// The template could not be rendered.
    pub const RENDERING: &str = "Rendering";
    /// Execution error; retried with backoff.
    pub const EXECUTE: &str = "Execute";
    /// Suspended.
    pub const SUSPEND: &str = "Suspend";
    /// Terminated (`#Break`, or the terminate operation).
    pub const TERMINATE: &str = "Terminate";
    /// Parameter processing failed.
    pub const PARAMETER: &str = "ProcessParameter";
    /// An input could not be read.
    pub const INPUT: &str = "Input";
    /// An output could not be written.
    pub const OUTPUT: &str = "Output";
    /// Failed more than the retry limit.
    pub const FAILED_AFTER_RETRIES: &str = "FailedAfterRetries";
    /// Its timeout expired.
    pub const TIMEOUT: &str = "Timeout";
    /// Failed on purpose (`#Fail`).
    pub const ACTION: &str = "Action";
}

/// The message KubeVela puts on a run that suspends after a step failed too often.
pub const MESSAGE_SUSPEND_FAILED_AFTER_RETRIES: &str =
    "The workflow suspends automatically because the failed times of steps have reached the limit";

/// The status of one step or sub-step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepStatus {
    /// Stable ID (kept across passes); keys the counters of this step.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Step name.
    pub name: String,
    /// Step type.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Phase.
    #[serde(default)]
    pub phase: StepPhase,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Machine-readable reason (see [`reason`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// When the step first ran (timeouts are measured from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_execute_time: Option<Timestamp>,
    /// When the step last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execute_time: Option<Timestamp>,
}

impl StepStatus {
    /// Whether the step is finished: succeeded, skipped, or failed for a reason other than
    /// `Execute` (with `suspend_on_failure`, only succeeded counts).
    #[must_use]
    pub fn is_finished(&self, suspend_on_failure: bool) -> bool {
        is_finished(self.phase, &self.reason, suspend_on_failure)
    }
}

/// KubeVela's `IsStepFinish`.
#[must_use]
pub fn is_finished(phase: StepPhase, reason: &str, suspend_on_failure: bool) -> bool {
    if suspend_on_failure {
        return phase == StepPhase::Succeeded;
    }
    match phase {
        StepPhase::Failed => !reason.is_empty() && reason != reason::EXECUTE,
        StepPhase::Skipped | StepPhase::Succeeded => true,
        _ => false,
    }
}

/// A top-level step's status with its sub-steps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowStepStatus {
    /// The step's own status.
    #[serde(flatten)]
    pub status: StepStatus,
    /// Sub-step statuses (step groups).
    #[serde(default, rename = "subSteps", skip_serializing_if = "Vec::is_empty")]
    pub sub_steps: Vec<StepStatus>,
}

/// The phase of a whole run: vela-model's (`Initializing` by default).
pub use vela_model::workflow::RunPhase;

/// The status of a run (`status.workflow` of an App, `status` of a WorkflowRun).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStatus {
    /// The modes in effect.
    #[serde(default)]
    pub mode: ExecuteMode,
    /// The run phase.
    #[serde(default, rename = "status")]
    pub phase: RunPhase,
    /// Run message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Suspended (by a step or by the suspend operation).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspend: bool,
    /// Terminated (by a step, a failure or the terminate operation).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminated: bool,
    /// The run reached a terminal phase.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub finished: bool,
    /// Step statuses in the order they were first recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<WorkflowStepStatus>,
    /// When the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// When the run finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
}

impl RunStatus {
    /// The status of a step or sub-step by name.
    #[must_use]
    pub fn step(&self, name: &str) -> Option<&StepStatus> {
        self.steps.iter().find_map(|s| {
            if s.status.name == name {
                Some(&s.status)
            } else {
                s.sub_steps.iter().find(|x| x.name == name)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_follows_kubevela() {
        assert!(is_finished(StepPhase::Succeeded, "", false));
        assert!(is_finished(StepPhase::Skipped, reason::SKIP, false));
        assert!(!is_finished(StepPhase::Failed, "", false));
        assert!(!is_finished(StepPhase::Failed, reason::EXECUTE, false));
        assert!(is_finished(StepPhase::Failed, reason::TIMEOUT, false));
        assert!(!is_finished(StepPhase::Failed, reason::TIMEOUT, true));
        assert!(!is_finished(StepPhase::Running, "", false));
    }

    #[test]
    fn run_status_serializes_like_kubevela() {
        let st = RunStatus {
            steps: vec![WorkflowStepStatus {
                status: StepStatus {
                    name: "a".into(),
                    phase: StepPhase::Succeeded,
                    ..StepStatus::default()
                },
                sub_steps: vec![],
            }],
            ..RunStatus::default()
        };
        let v = serde_json::to_value(&st).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"mode": {"steps": "StepByStep", "subSteps": "DAG"},
                "status": "initializing", "steps": [{"name": "a", "phase": "succeeded"}]})
        );
    }
}
