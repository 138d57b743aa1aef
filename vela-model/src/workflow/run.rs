//! `core.oam.dev/v1alpha1` `WorkflowRun`: a workflow run on its own, without an Application.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

use super::{Mode, Spec, Step};
use crate::common::{Condition, ObjectReference, Time};

use super::status::{RunPhase, StepStatus};

/// The steps of a WorkflowRun given inline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowSpec {
    /// The steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[builder(default)]
    pub steps: Vec<Step>,
}

/// The spec of a `WorkflowRun` (short name `wr`): either inline steps (`workflowSpec`) or the
/// name of a `Workflow` template (`workflowRef`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1alpha1",
    kind = "WorkflowRun",
    namespaced,
    status = "RunStatus",
    shortname = "wr",
    derive = "PartialEq",
    derive = "Default",
    doc = "A standalone workflow run (`core.oam.dev/v1alpha1` `WorkflowRun`).",
    printcolumn(name = "PHASE", type_ = "string", json_path = ".status.status"),
    printcolumn(name = "AGE", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct RunSpec {
    /// Execution modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Extra keys merged into every step's `context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub context: Option<Value>,
    /// Name of a `Workflow` template in the same namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_ref: Option<String>,
    /// Inline steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_spec: Option<WorkflowSpec>,
}

/// The status of a `WorkflowRun`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct RunStatus {
    /// Conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The modes used.
    #[serde(default)]
    pub mode: Mode,
    /// Run phase.
    #[serde(rename = "status", default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<RunPhase>,
    /// A message about the run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Whether the run is suspended.
    #[serde(default)]
    pub suspend: bool,
    /// Why it is suspended.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suspend_state: String,
    /// Whether the run was terminated.
    #[serde(default)]
    pub terminated: bool,
    /// Whether the run finished.
    #[serde(default)]
    pub finished: bool,
    /// The ConfigMap holding the workflow context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_backend: Option<ObjectReference>,
    /// Status of every step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepStatus>,
    /// When the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub start_time: Option<Time>,
    /// When the run ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub end_time: Option<Time>,
}

/// A `WorkflowRun` could not be resolved to the workflow it runs.
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

impl RunSpec {
    /// The workflow this run executes: its inline `workflowSpec`, or the template named by
    /// `workflowRef` looked up with `templates`, with the run's `mode` applied.
    ///
    /// ```
    /// use vela_model::workflow::{RunSpec, Spec, Step, StepMode};
    ///
    /// let run: RunSpec = serde_json::from_value(serde_json::json!({
    ///     "mode": {"steps": "DAG"}, "workflowRef": "deploy"
    /// })).unwrap();
    /// let template = Spec::new(vec![Step::new("a", "suspend")]);
    /// let wf = run.workflow(|name| (name == "deploy").then(|| template.clone())).unwrap();
    /// assert_eq!(wf.mode.unwrap().steps, Some(StepMode::Dag));
    /// ```
    ///
    /// # Errors
    /// [`RunError`] when there is no workflow or the reference is unknown.
    pub fn workflow(&self, templates: impl Fn(&str) -> Option<Spec>) -> Result<Spec, RunError> {
        let mut wf = match (&self.workflow_spec, &self.workflow_ref) {
            (Some(w), None) => Spec::new(w.steps.clone()),
            (None, Some(r)) => templates(r).ok_or_else(|| RunError::UnknownRef(r.clone()))?,
            _ => return Err(RunError::NoWorkflow),
        };
        if let Some(m) = self.mode {
            wf.mode = Some(m);
        }
        Ok(wf)
    }

    /// The run context: `spec.context` plus the `name` and `namespace` of the run.
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

impl WorkflowRun {
    /// Checks that exactly one of `workflowRef` and `workflowSpec` is set and that the steps are
    /// valid (see [`crate::validate::workflow_run`]), so that `run.validate()?` works.
    ///
    /// # Errors
    /// [`Problems`](crate::validate::Problems) holding every problem found.
    pub fn validate(&self) -> Result<(), crate::validate::Problems> {
        crate::validate::Problems::from(crate::validate::workflow_run(self)).into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_resolve_inline_or_referenced_workflows() {
        let run: RunSpec = serde_json::from_value(serde_json::json!({
            "context": {"env": "prod"}, "mode": {"steps": "DAG"},
            "workflowRef": "deploy"
        }))
        .unwrap();
        let template = Spec::new(vec![Step::new("a", "suspend")]);
        let wf = run
            .workflow(|n| (n == "deploy").then(|| template.clone()))
            .unwrap();
        assert_eq!(wf.mode.unwrap().steps, Some(super::super::StepMode::Dag));
        assert_eq!(run.workflow(|_| None), Err(RunError::UnknownRef("deploy".into())));
        assert_eq!(RunSpec::default().workflow(|_| None), Err(RunError::NoWorkflow));
        assert_eq!(
            run.context("r1", "ns"),
            serde_json::json!({"env": "prod", "name": "r1", "namespace": "ns"})
        );
    }
}
