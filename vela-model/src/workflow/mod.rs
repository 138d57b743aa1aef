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

pub use run::{RunError, RunSpec, RunStatus, WorkflowRun, WorkflowSpec};
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
    /// A step with a name and a type; the other fields are set with the `with_*` methods.
    ///
    /// ```
    /// use serde_json::json;
    /// use vela_model::workflow::Step;
    ///
    /// let deploy = Step::new("deploy-prod", "deploy").with_properties(json!({"policies": ["prod"]}));
    /// assert!(!deploy.is_group());
    /// ```
    pub fn new(name: impl Into<String>, type_: impl Into<String>) -> Self {
        Step {
            name: name.into(),
            type_: type_.into(),
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

    /// Sets the sub-steps (for a `step-group`). A [`Step`] given here loses its `mode` and
    /// `subSteps`, which a sub-step does not have.
    #[must_use]
    pub fn with_sub_steps<I, S>(mut self, sub_steps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<SubStep>,
    {
        self.sub_steps = sub_steps.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the mode of this group's sub-steps.
    #[must_use]
    pub fn with_mode(mut self, mode: StepMode) -> Self {
        self.mode = Some(mode);
        self
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
    /// A sub-step with a name and a type; the other fields are set with the `with_*` methods.
    pub fn new(name: impl Into<String>, type_: impl Into<String>) -> Self {
        SubStep {
            name: name.into(),
            type_: type_.into(),
            ..SubStep::default()
        }
    }

    /// The sub-step as a [`Step`] (no `mode`, no `subSteps`), for code that runs steps and
    /// sub-steps alike.
    pub fn to_step(&self) -> Step {
        Step {
            name: self.name.clone(),
            type_: self.type_.clone(),
            meta: self.meta.clone(),
            if_: self.if_.clone(),
            timeout: self.timeout.clone(),
            depends_on: self.depends_on.clone(),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            properties: self.properties.clone(),
            mode: None,
            sub_steps: Vec::new(),
        }
    }
}

impl From<Step> for SubStep {
    /// The step's fields without `mode` and `subSteps` (see [`Step::to_sub_step`]).
    fn from(step: Step) -> Self {
        step.to_sub_step()
    }
}

impl From<&SubStep> for Step {
    fn from(sub: &SubStep) -> Self {
        sub.to_step()
    }
}

/// The `with_*` setters shared by [`Step`] and [`SubStep`].
macro_rules! step_setters {
    ($t:ty) => {
        impl $t {
            /// Sets the step definition's `parameter` (`properties`).
            #[must_use]
            pub fn with_properties(mut self, properties: Value) -> Self {
                self.properties = Some(properties);
                self
            }

            /// Sets the `if` condition (a CUE expression, or `always`).
            #[must_use]
            pub fn with_if(mut self, condition: impl Into<String>) -> Self {
                self.if_ = Some(condition.into());
                self
            }

            /// Sets the `timeout` (a Go duration such as `30s`).
            #[must_use]
            pub fn with_timeout(mut self, timeout: impl Into<String>) -> Self {
                self.timeout = Some(timeout.into());
                self
            }

            /// Sets the display metadata's alias.
            #[must_use]
            pub fn with_alias(mut self, alias: impl Into<String>) -> Self {
                self.meta = Some(StepMeta {
                    alias: alias.into(),
                });
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

            /// Adds an input: the context variable `from` put at `parameter_key` (empty: only
            /// awaited).
            #[must_use]
            pub fn input(mut self, from: impl Into<String>, parameter_key: impl Into<String>) -> Self {
                self.inputs.push(Input {
                    from: from.into(),
                    parameter_key: parameter_key.into(),
                });
                self
            }

            /// Adds an output: the context variable `name` set from the CUE path `value_from`.
            #[must_use]
            pub fn output(mut self, name: impl Into<String>, value_from: impl Into<String>) -> Self {
                self.outputs.push(Output {
                    name: name.into(),
                    value_from: value_from.into(),
                });
                self
            }

            /// The `if` condition, `None` when unset or empty (KubeVela treats both alike).
            pub fn condition(&self) -> Option<&str> {
                self.if_.as_deref().filter(|c| !c.is_empty())
            }

            /// The `timeout`, `None` when unset or empty.
            pub fn timeout(&self) -> Option<&str> {
                self.timeout.as_deref().filter(|t| !t.is_empty())
            }
        }
    };
}

step_setters!(Step);
step_setters!(SubStep);

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

impl Spec {
    /// A workflow of these steps (modes unset: `StepByStep` steps, `DAG` sub-steps).
    ///
    /// ```
    /// use vela_model::workflow::{Spec, Step, StepMode};
    ///
    /// let wf = Spec::new(vec![Step::new("a", "suspend")]).with_mode(StepMode::Dag);
    /// assert_eq!(wf.mode.unwrap().steps, Some(StepMode::Dag));
    /// ```
    pub fn new(steps: Vec<Step>) -> Self {
        Spec { mode: None, steps }
    }

    /// Sets the mode of the top-level steps.
    #[must_use]
    pub fn with_mode(mut self, steps: StepMode) -> Self {
        let mut mode = self.mode.unwrap_or_default();
        mode.steps = Some(steps);
        self.mode = Some(mode);
        self
    }
}
