//! What a workflow says: steps, sub-steps, modes, inputs and outputs (KubeVela's wire format).

use serde::{Deserialize, Serialize};
use serde_json::Value;
pub use vela_model::workflow::{Input, Mode, Output, StepMeta, StepMode};

// `Mode`, `StepMode`, `Input`, `Output` and `StepMeta` are vela-model's (one set of types for the wire
// format). `Step` and `Workflow` stay the engine's own for now: a group's sub-steps are `Step`s
// here (vela-model has a separate `SubStep`), and `if`/`timeout` are plain strings.

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

/// One workflow step, or a sub-step of a `step-group` (which has no `subSteps` of its own).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Unique name in the workflow (sub-steps included).
    pub name: String,
    /// The step type (a WorkflowStepDefinition or a built-in such as `suspend`, `step-group`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Display metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<StepMeta>,
    /// `always`, or a CUE boolean expression over `status`, `inputs`, `context`, `parameter`.
    #[serde(default, rename = "if", skip_serializing_if = "String::is_empty")]
    pub if_: String,
    /// Go duration measured from the step's first execution.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timeout: String,
    /// Steps that must be finished before this one runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Context variables read before running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Context variables written after running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Output>,
    /// The step type's `parameter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    /// Sub-steps of a `step-group`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_steps: Vec<Step>,
    /// Mode of this group's sub-steps, overriding the workflow's `mode.subSteps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<StepMode>,
}

impl Step {
    /// A step with a name and a type.
    #[must_use]
    pub fn new(name: impl Into<String>, type_: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            type_: type_.into(),
            ..Self::default()
        }
    }

    /// Sets `if`.
    #[must_use]
    pub fn with_if(mut self, expr: impl Into<String>) -> Self {
        self.if_ = expr.into();
        self
    }

    /// Sets `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: impl Into<String>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Sets `dependsOn`.
    #[must_use]
    pub fn depends_on<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.depends_on = names.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an input.
    #[must_use]
    pub fn input(mut self, from: impl Into<String>, parameter_key: impl Into<String>) -> Self {
        self.inputs.push(Input {
            from: from.into(),
            parameter_key: parameter_key.into(),
        });
        self
    }

    /// Adds an output.
    #[must_use]
    pub fn output(mut self, name: impl Into<String>, value_from: impl Into<String>) -> Self {
        self.outputs.push(Output {
            name: name.into(),
            value_from: value_from.into(),
        });
        self
    }

    /// Sets `properties`.
    #[must_use]
    pub fn with_properties(mut self, properties: Value) -> Self {
        self.properties = Some(properties);
        self
    }

    /// Sets the sub-steps (for `step-group`).
    #[must_use]
    pub fn with_sub_steps(mut self, sub_steps: Vec<Step>) -> Self {
        self.sub_steps = sub_steps;
        self
    }

    /// Sets the mode of this group's sub-steps.
    #[must_use]
    pub fn with_mode(mut self, mode: StepMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Whether this step is a `step-group`.
    #[must_use]
    pub fn is_group(&self) -> bool {
        self.type_ == crate::steps::STEP_GROUP
    }
}

/// A workflow: its steps and modes. The input of the engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// Execution modes (`mode.steps`, `mode.subSteps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The steps.
    #[serde(default)]
    pub steps: Vec<Step>,
}

impl Workflow {
    /// A StepByStep workflow of these steps.
    #[must_use]
    pub fn new(steps: Vec<Step>) -> Self {
        Self { mode: None, steps }
    }

    /// Sets the top-level mode.
    #[must_use]
    pub fn with_mode(mut self, steps: StepMode) -> Self {
        let mut m = self.mode.unwrap_or_default();
        m.steps = Some(steps);
        self.mode = Some(m);
        self
    }

    /// Every step and sub-step, in declaration order.
    pub fn all_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .flat_map(|s| std::iter::once(s).chain(s.sub_steps.iter()))
    }
}

/// A standalone `WorkflowRun` spec (`core.oam.dev/v1alpha1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRunSpec {
    /// Extra context variables visible as `context.<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Execution modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Inline steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_spec: Option<Workflow>,
    /// Name of a `Workflow` template in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_ref: Option<String>,
}

/// A `WorkflowRun` could not be resolved to a workflow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunError {
    /// Neither or both of `workflowSpec` and `workflowRef` are set.
    #[error("spec: expected exactly one of workflowSpec and workflowRef")]
    NoWorkflow,
    /// `workflowRef` names no known Workflow.
    #[error("spec.workflowRef: no Workflow named {0:?}")]
    UnknownRef(String),
}

impl WorkflowRunSpec {
    /// The workflow this run executes (its inline `workflowSpec`, or the template named by
    /// `workflowRef` looked up with `templates`), with the run's `mode` applied.
    ///
    /// # Errors
    /// [`RunError`] when there is no workflow or the reference is unknown.
    pub fn workflow(&self, templates: impl Fn(&str) -> Option<Workflow>) -> Result<Workflow, RunError> {
        let mut wf = match (&self.workflow_spec, &self.workflow_ref) {
            (Some(w), None) => w.clone(),
            (None, Some(r)) => templates(r).ok_or_else(|| RunError::UnknownRef(r.clone()))?,
            _ => return Err(RunError::NoWorkflow),
        };
        if let Some(m) = self.mode {
            wf.mode = Some(m);
        }
        Ok(wf)
    }

    /// The run context: `spec.context` plus `name` and `namespace` of the run.
    #[must_use]
    pub fn context(&self, name: &str, namespace: &str) -> Value {
        let mut m = match &self.context {
            Some(Value::Object(m)) => m.clone(),
            _ => serde_json::Map::new(),
        };
        m.insert("name".into(), Value::String(name.into()));
        m.insert("namespace".into(), Value::String(namespace.into()));
        Value::Object(m)
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
        assert_eq!(s.if_, "status.a.succeeded");
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
    fn workflow_runs_resolve_inline_or_referenced_workflows() {
        let run: WorkflowRunSpec = serde_json::from_value(serde_json::json!({
            "context": {"env": "prod"}, "mode": {"steps": "DAG"},
            "workflowRef": "deploy"
        }))
        .unwrap();
        let template = Workflow::new(vec![Step::new("a", "suspend")]);
        let wf = run
            .workflow(|n| (n == "deploy").then(|| template.clone()))
            .unwrap();
        assert_eq!(wf.mode.unwrap().steps, Some(StepMode::Dag));
        assert_eq!(run.workflow(|_| None), Err(RunError::UnknownRef("deploy".into())));
        assert_eq!(
            WorkflowRunSpec::default().workflow(|_| None),
            Err(RunError::NoWorkflow)
        );
        let ctx = run.context("r1", "ns");
        assert_eq!(
            ctx,
            serde_json::json!({"env": "prod", "name": "r1", "namespace": "ns"})
        );
    }
}
