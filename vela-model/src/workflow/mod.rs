//! Workflow steps, the `core.oam.dev/v1alpha1` `Workflow` template and `WorkflowRun`, and the
//! workflow status that Applications and WorkflowRuns report.
//!
//! The same [`Step`] type is used in `Application.spec.workflow.steps`, in a `Workflow` template
//! and in `WorkflowRun.spec.workflowSpec.steps`.
//!
//! ```
//! use vela_model::workflow::{Step, SubStep, StepMode};
//!
//! let group = Step::builder()
//!     .name("deploy-all")
//!     .type_("step-group")
//!     .mode(StepMode::StepByStep)
//!     .sub_steps(vec![
//!         SubStep::builder().name("a").type_("apply-component").build(),
//!         SubStep::builder().name("b").type_("apply-component").depends_on(vec!["a".into()]).build(),
//!     ])
//!     .build();
//! assert!(group.is_group());
//! ```

mod run;
mod status;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

pub use run::{RunSpec, RunStatus, WorkflowRun, WorkflowSpec};
pub use status::{RunPhase, StepPhase, StepStatus, SubStepStatus, reason};

/// The type of a step that only groups sub-steps.
pub const STEP_GROUP: &str = "step-group";

/// How a list of steps is executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum StepMode {
    /// One after another, in list order.
    StepByStep,
    /// All at once, ordered only by `dependsOn` and inputs.
    #[serde(rename = "DAG")]
    Dag,
}

impl StepMode {
    /// The wire name (`StepByStep` or `DAG`).
    pub fn as_str(self) -> &'static str {
        match self {
            StepMode::StepByStep => "StepByStep",
            StepMode::Dag => "DAG",
        }
    }
}

impl std::fmt::Display for StepMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The execution mode of a workflow: one mode for the steps, one for the sub-steps of groups.
///
/// When an Application has `spec.workflow`, an unset `steps` means `StepByStep` and an unset
/// `subSteps` means `DAG`; see [`Mode::resolved`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(strip_option)))]
pub struct Mode {
    /// Mode of the top-level steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<StepMode>,
    /// Mode of the sub-steps inside step groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_steps: Option<StepMode>,
}

impl Mode {
    /// The modes with KubeVela's defaults for explicit workflows filled in
    /// (`StepByStep` for steps, `DAG` for sub-steps).
    pub fn resolved(mode: Option<&Mode>) -> (StepMode, StepMode) {
        let steps = mode.and_then(|m| m.steps).unwrap_or(StepMode::StepByStep);
        let sub_steps = mode.and_then(|m| m.sub_steps).unwrap_or(StepMode::Dag);
        (steps, sub_steps)
    }
}

/// Display-only metadata of a step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct StepMeta {
    /// A friendlier name shown instead of the step name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// Reads a value from the workflow context before a step (or component) runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_from)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(setter(into)))]
pub struct Input {
    /// Name of the context variable (an earlier output) to read (required; validation reports
    /// it when empty).
    #[serde(default)]
    pub from: String,
    /// Where to put it: a path under `parameter` (for components: relative to `properties`
    /// unless it starts with `properties` or `traits[`). Empty means the value is only awaited.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[builder(default)]
    pub parameter_key: String,
}

/// Stores a value from the evaluated step (or component) in the workflow context.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_name_value_from)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(setter(into)))]
pub struct Output {
    /// Name of the context variable to write (required; validation reports it when empty).
    #[serde(default)]
    pub name: String,
    /// CUE expression over the step value, e.g. `output.status.podIP` (required; validation
    /// reports it when empty).
    #[serde(default)]
    pub value_from: String,
}

/// A top-level workflow step; a `step-group` step carries [`SubStep`]s.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_type)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Step {
    /// Step name, unique in the workflow (sub-steps included). KubeVela's webhook fills an empty
    /// name as `step-<i>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The WorkflowStepDefinition name, e.g. `deploy`, `suspend`, `step-group`.
    #[serde(rename = "type", default)]
    #[builder(!default)]
    pub type_: String,
    /// Display metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<StepMeta>,
    /// A CUE boolean expression deciding whether the step runs (`always` runs it even after
    /// failures).
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub if_: Option<String>,
    /// A Go duration (`30s`, `1m30s`) after which the running step fails with reason `Timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Names of steps that must finish first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Context variables read before the step runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Context variables written after the step ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Output>,
    /// The step definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
    /// For a step group: the mode of its sub-steps (overrides the workflow's `mode.subSteps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<StepMode>,
    /// For a step group: its sub-steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_steps: Vec<SubStep>,
}

impl Step {
    /// A step of the given type with properties.
    ///
    /// ```
    /// use serde_json::json;
    /// use vela_model::workflow::Step;
    ///
    /// let deploy = Step::new("deploy-prod", "deploy", json!({"policies": ["prod"]}));
    /// assert!(!deploy.is_group());
    /// ```
    pub fn new(name: impl Into<String>, type_: impl Into<String>, properties: Value) -> Self {
        Step {
            name: name.into(),
            type_: type_.into(),
            properties: Some(properties),
            ..Step::default()
        }
    }

    /// A `step-group` with its sub-steps.
    pub fn group(name: impl Into<String>, sub_steps: Vec<SubStep>) -> Self {
        Step {
            name: name.into(),
            type_: STEP_GROUP.to_string(),
            sub_steps,
            ..Step::default()
        }
    }

    /// Whether this step is a `step-group`.
    pub fn is_group(&self) -> bool {
        self.type_ == STEP_GROUP
    }

    /// The step's fields without `mode` and `subSteps`, as a [`SubStep`].
    pub fn to_sub_step(&self) -> SubStep {
        SubStep {
            name: self.name.clone(),
            type_: self.type_.clone(),
            meta: self.meta.clone(),
            if_: self.if_.clone(),
            timeout: self.timeout.clone(),
            depends_on: self.depends_on.clone(),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            properties: self.properties.clone(),
        }
    }
}

impl SubStep {
    /// A sub-step of the given type with properties.
    pub fn new(name: impl Into<String>, type_: impl Into<String>, properties: Value) -> Self {
        SubStep {
            name: name.into(),
            type_: type_.into(),
            properties: Some(properties),
            ..SubStep::default()
        }
    }
}

/// A step inside a `step-group` (KubeVela's `WorkflowStepBase`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_type)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct SubStep {
    /// Step name, unique in the workflow. KubeVela's webhook fills an empty name as
    /// `step-<i>-<j>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The WorkflowStepDefinition name.
    #[serde(rename = "type", default)]
    #[builder(!default)]
    pub type_: String,
    /// Display metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<StepMeta>,
    /// A CUE boolean expression deciding whether the step runs.
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub if_: Option<String>,
    /// A Go duration after which the running step fails with reason `Timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Names of steps that must finish first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Context variables read before the step runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Context variables written after the step ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Output>,
    /// The step definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
}

/// The fields of a `core.oam.dev/v1alpha1` `Workflow`: a reusable list of steps that
/// Applications name in `spec.workflow.ref`. KubeVela puts them at the top level of the object
/// (there is no `spec`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1alpha1",
    kind = "Workflow",
    namespaced,
    no_spec,
    derive = "PartialEq",
    derive = "Default",
    doc = "A reusable workflow template (`core.oam.dev/v1alpha1` `Workflow`)."
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(strip_option(ignore_invalid))))]
pub struct Spec {
    /// Execution modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}
