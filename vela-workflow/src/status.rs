//! What a workflow did: step phases and reasons, run phases, the run status (KubeVela's shape).
//!
//! Phases and reasons are vela-model's ([`vela_model::workflow`]). The records here
//! ([`StepStatus`], [`RunStatus`]) are the engine's working state: they keep timestamps in
//! milliseconds (timeouts and backoff are measured from them, where the CRD's `metav1.Time` has
//! whole seconds) and the modes already resolved; they serialise to the same JSON keys as an
//! Application's `status.workflow`.

use serde::{Deserialize, Serialize};

use crate::spec::ExecuteMode;
use crate::time::Timestamp;

/// The phase of one step and the reason strings a step status carries: vela-model's, the same
/// values an Application's `status.workflow` holds. A step with no phase yet has `None`.
pub use vela_model::workflow::{StepPhase, reason};

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
    /// Phase (`None` before the step first ran; an empty string in a stored state reads as
    /// `None`).
    #[serde(
        default,
        deserialize_with = "phase_or_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub phase: Option<StepPhase>,
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
pub fn is_finished(phase: Option<StepPhase>, reason: &str, suspend_on_failure: bool) -> bool {
    if suspend_on_failure {
        return phase == Some(StepPhase::Succeeded);
    }
    match phase {
        Some(StepPhase::Failed) => !reason.is_empty() && reason != reason::EXECUTE,
        Some(StepPhase::Skipped | StepPhase::Succeeded) => true,
        _ => false,
    }
}

/// Reads a step phase, where an empty string (what earlier versions stored for a step with no
/// phase yet) means no phase.
fn phase_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<StepPhase>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(other) => StepPhase::deserialize(serde::de::value::StrDeserializer::new(other)).map(Some),
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
        assert!(is_finished(Some(StepPhase::Succeeded), "", false));
        assert!(is_finished(Some(StepPhase::Skipped), reason::SKIP, false));
        assert!(!is_finished(Some(StepPhase::Failed), "", false));
        assert!(!is_finished(Some(StepPhase::Failed), reason::EXECUTE, false));
        assert!(is_finished(Some(StepPhase::Failed), reason::TIMEOUT, false));
        assert!(!is_finished(Some(StepPhase::Failed), reason::TIMEOUT, true));
        assert!(!is_finished(Some(StepPhase::Running), "", false));
        assert!(!is_finished(None, "", false));
    }

    #[test]
    fn run_status_serializes_like_kubevela() {
        let st = RunStatus {
            steps: vec![WorkflowStepStatus {
                status: StepStatus {
                    name: "a".into(),
                    phase: Some(StepPhase::Succeeded),
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

    #[test]
    fn a_step_without_phase_reads_and_writes_as_none() {
        // Earlier versions stored `"phase": ""` for a step that had not run yet.
        let old: StepStatus = serde_json::from_str(r#"{"name": "a", "phase": ""}"#).unwrap();
        assert_eq!(old.phase, None);
        assert_eq!(
            serde_json::to_value(&old).unwrap(),
            serde_json::json!({"name": "a"})
        );
        let missing: StepStatus = serde_json::from_str(r#"{"name": "a"}"#).unwrap();
        assert_eq!(missing.phase, None);
        let bad = serde_json::from_str::<StepStatus>(r#"{"name": "a", "phase": "done"}"#);
        assert!(bad.unwrap_err().to_string().contains("unknown variant `done`"));
    }
}
