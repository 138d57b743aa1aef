//! What a workflow says: steps, sub-steps, modes, inputs and outputs (KubeVela's wire format).
//!
//! The types are vela-model's ([`vela_model::workflow`]), re-exported here; this module adds
//! [`ExecuteMode`], the modes a run resolved.

use serde::{Deserialize, Serialize};
pub use vela_model::workflow::{Input, Mode, Output, RunError, RunSpec, Step, StepMeta, StepMode, SubStep};

/// A workflow: its steps and modes, the input of the engine. This is vela-model's
/// [`workflow::Spec`](vela_model::workflow::Spec), the fields of a `Workflow` template, which
/// an Application's `spec.workflow` and a WorkflowRun ([`RunSpec::workflow`]) also resolve to.
pub type Workflow = vela_model::workflow::Spec;

/// The modes in effect for a run, KubeVela's defaults filled in (what a run status records,
/// `mode.steps` and `mode.subSteps` always set); a workflow's [`Mode`] leaves them optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteMode {
    /// Mode of the top-level steps (default StepByStep).
    #[serde(default = "step_by_step")]
    pub steps: StepMode,
    /// Mode of sub-steps (default DAG).
    #[serde(default = "dag")]
    pub sub_steps: StepMode,
}

fn step_by_step() -> StepMode {
    StepMode::StepByStep
}

fn dag() -> StepMode {
    StepMode::Dag
}

impl ExecuteMode {
    /// The modes of a workflow with KubeVela's defaults (`StepByStep` steps, `DAG` sub-steps).
    #[must_use]
    pub fn resolve(mode: Option<&Mode>) -> Self {
        let (steps, sub_steps) = Mode::resolved(mode);
        Self { steps, sub_steps }
    }
}

impl Default for ExecuteMode {
    fn default() -> Self {
        Self::resolve(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_kubevela_yaml_shape() {
        let s: Step = serde_json::from_value(serde_json::json!({
            "name": "g", "type": "step-group", "if": "status.a.succeeded", "timeout": "1m",
            "dependsOn": ["a"], "mode": "StepByStep",
            "inputs": [{"from": "v", "parameterKey": "x.y"}],
            "outputs": [{"name": "o", "valueFrom": "output.value"}],
            "subSteps": [{"name": "g1", "type": "suspend", "properties": {"duration": "1s"}}]
        }))
        .unwrap();
        assert_eq!(s.condition(), Some("status.a.succeeded"));
        assert_eq!(s.mode, Some(StepMode::StepByStep));
        assert_eq!(s.sub_steps[0].properties.as_ref().unwrap()["duration"], "1s");
        let m: ExecuteMode = serde_json::from_str(r#"{"steps":"DAG"}"#).unwrap();
        assert_eq!(
            m,
            ExecuteMode {
                steps: StepMode::Dag,
                sub_steps: StepMode::Dag
            }
        );
    }

    #[test]
    fn workflows_keep_their_mode_as_written_and_runs_resolve_the_defaults() {
        let mode: Mode = serde_json::from_str(r#"{"steps":"DAG"}"#).unwrap();
        let w = Workflow {
            mode: Some(mode),
            steps: vec![Step::new("a", "suspend")],
        };
        assert_eq!(w.mode, Some(mode));
        assert_eq!(
            ExecuteMode::resolve(w.mode.as_ref()),
            ExecuteMode {
                steps: StepMode::Dag,
                sub_steps: StepMode::Dag
            }
        );
        assert_eq!(ExecuteMode::default().steps, StepMode::StepByStep);
    }
}
