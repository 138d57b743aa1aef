//! Conversions from the typed OAM model (`vela-model`): an Application's
//! `spec.workflow`, a `Workflow` template or a `WorkflowRun` become the engine's [`spec`](crate::spec) types.

use vela_model::workflow as model;

use crate::spec::{Step, Workflow, WorkflowRunSpec};

impl From<&model::SubStep> for Step {
    fn from(s: &model::SubStep) -> Self {
        Step {
            name: s.name.clone(),
            type_: s.type_.clone(),
            meta: s.meta.clone(),
            if_: s.if_.clone().unwrap_or_default(),
            timeout: s.timeout.clone().unwrap_or_default(),
            depends_on: s.depends_on.clone(),
            inputs: s.inputs.clone(),
            outputs: s.outputs.clone(),
            properties: s.properties.clone(),
            sub_steps: Vec::new(),
            mode: None,
        }
    }
}

impl From<&model::Step> for Step {
    fn from(s: &model::Step) -> Self {
        let mut step = Step::from(&s.to_sub_step());
        step.sub_steps = s.sub_steps.iter().map(Step::from).collect();
        step.mode = s.mode;
        step
    }
}

/// The engine workflow of these steps and mode (an Application's `spec.workflow`, a
/// `Workflow` template's fields, or a WorkflowRun's `workflowSpec`).
#[must_use]
pub fn workflow(mode: Option<&model::Mode>, steps: &[model::Step]) -> Workflow {
    Workflow {
        mode: mode.copied(),
        steps: steps.iter().map(Step::from).collect(),
    }
}

impl From<&model::RunSpec> for WorkflowRunSpec {
    fn from(r: &model::RunSpec) -> Self {
        WorkflowRunSpec {
            context: r.context.clone(),
            mode: r.mode,
            workflow_spec: r.workflow_spec.as_ref().map(|w| workflow(None, &w.steps)),
            workflow_ref: r.workflow_ref.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_steps_convert_to_engine_steps() {
        let s: model::Step = serde_json::from_value(serde_json::json!({
            "name": "g", "type": "step-group", "if": "status.a.succeeded", "mode": "StepByStep",
            "dependsOn": ["a"], "subSteps": [{"name": "x", "type": "suspend", "timeout": "1m",
            "inputs": [{"from": "v", "parameterKey": "k"}], "outputs": [{"name": "o", "valueFrom": "output"}]}]
        }))
        .unwrap();
        let e = Step::from(&s);
        let wire: Step = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(e, wire);
        assert_eq!(e.sub_steps[0].timeout, "1m");
        let mode: model::Mode = serde_json::from_str(r#"{"steps":"DAG"}"#).unwrap();
        let w = workflow(Some(&mode), &[s]);
        // the workflow keeps the mode as written; the run resolves KubeVela's defaults
        assert_eq!(w.mode, Some(mode));
        assert_eq!(
            crate::spec::ExecuteMode::resolve(w.mode.as_ref()),
            crate::spec::ExecuteMode {
                steps: model::StepMode::Dag,
                sub_steps: model::StepMode::Dag
            }
        );
    }
}
