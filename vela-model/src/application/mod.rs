//! `core.oam.dev/v1beta1` `Application`: components with traits, policies and a delivery
//! workflow.
//!
//! ```
//! use serde_json::json;
//! use vela_model::application::{Application, Component, Spec, Trait};
//!
//! let app = Application::new(
//!     "hello",
//!     Spec::builder()
//!         .components(vec![
//!             Component::builder()
//!                 .name("web")
//!                 .type_("webservice")
//!                 .properties(json!({"image": "nginx:1.27", "ports": [{"port": 80, "expose": true}]}))
//!                 .traits(vec![Trait::builder().type_("scaler").properties(json!({"replicas": 2})).build()])
//!                 .build(),
//!         ])
//!         .build(),
//! );
//! assert!(app.validate().is_ok());
//! ```

mod status;

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

pub use status::{ComponentStatus, Phase, PolicyStatus, Status, TraitStatus, WorkflowStatus, condition};

use crate::workflow::{Input, Mode, Output, Step};

/// The spec of an `Application` (short names `app`, `velaapp`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "Application",
    namespaced,
    status = "Status",
    shortname = "app",
    shortname = "velaapp",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "An OAM Application (`core.oam.dev/v1beta1` `Application`).",
    printcolumn(name = "COMPONENT", type_ = "string", json_path = ".spec.components[*].name"),
    printcolumn(name = "TYPE", type_ = "string", json_path = ".spec.components[*].type"),
    printcolumn(name = "PHASE", type_ = "string", json_path = ".status.status"),
    printcolumn(
        name = "HEALTHY",
        type_ = "boolean",
        json_path = ".status.services[*].healthy"
    ),
    printcolumn(name = "STATUS", type_ = "string", json_path = ".status.services[*].message"),
    printcolumn(name = "AGE", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Spec {
    /// The components (required, may be empty only for apps that only run a workflow).
    #[serde(default)]
    pub components: Vec<Component>,
    /// Policies applied to the components (topology, override, garbage-collect, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// The delivery workflow; without it KubeVela generates one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
}

/// One component: an instance of a ComponentDefinition with its properties and traits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_type)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Component {
    /// Component name (an RFC 1123 DNS label), unique in the Application.
    #[builder(!default)]
    pub name: String,
    /// The ComponentDefinition name, optionally pinned to a revision as `type@v2`.
    #[serde(rename = "type", default)]
    #[builder(!default)]
    pub type_: String,
    /// The component revision to use instead of a generated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_revision: Option<String>,
    /// The definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
    /// Components that must be applied (and healthy) first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Workflow-context variables read into the properties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Workflow-context variables written from the rendered component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Output>,
    /// Traits, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<Trait>,
    /// Legacy scopes: scope type to scope name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scopes: BTreeMap<String, String>,
}

impl Component {
    /// A component with properties and no traits; add traits with [`Component::with_trait`].
    ///
    /// ```
    /// use serde_json::json;
    /// use vela_model::application::Component;
    ///
    /// let web = Component::new("web", "webservice", json!({"image": "nginx"}))
    ///     .with_trait("scaler", json!({"replicas": 3}));
    /// assert_eq!(web.traits[0].type_, "scaler");
    /// ```
    pub fn new(name: impl Into<String>, type_: impl Into<String>, properties: Value) -> Self {
        Component {
            name: name.into(),
            type_: type_.into(),
            properties: Some(properties),
            ..Component::default()
        }
    }

    /// Appends a trait.
    #[must_use]
    pub fn with_trait(mut self, type_: impl Into<String>, properties: Value) -> Self {
        self.traits.push(Trait::new(type_, properties));
        self
    }

    /// The definition name without a `@version` pin (`webservice@v1` -> `webservice`).
    pub fn definition_name(&self) -> &str {
        split_type(&self.type_).0
    }

    /// The pinned definition version, if any (`webservice@v1` -> `Some("v1")`).
    pub fn definition_version(&self) -> Option<&str> {
        split_type(&self.type_).1
    }

    /// The `DefinitionRevision` name a pinned type refers to (`webservice@v1` ->
    /// `webservice-v1`), or `None` when the type is not pinned.
    pub fn definition_revision_name(&self) -> Option<String> {
        let (name, version) = split_type(&self.type_);
        version.map(|v| format!("{name}-{v}"))
    }
}

/// Splits `name@version` into its parts.
pub fn split_type(type_: &str) -> (&str, Option<&str>) {
    match type_.split_once('@') {
        Some((name, version)) => (name, Some(version)),
        None => (type_, None),
    }
}

/// A trait attached to a component: an instance of a TraitDefinition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_type)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Trait {
    /// The TraitDefinition name (a trait type appears at most once per component).
    #[serde(rename = "type", default)]
    #[builder(!default)]
    pub type_: String,
    /// The definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
}

/// A policy declared in an Application. Typed views of the built-in policies are in
/// [`crate::policy`] (see [`crate::policy::Typed::from_policy`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[schemars(transform = crate::schema::require_type)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Policy {
    /// Policy name, referenced from `deploy` steps; KubeVela names an unnamed policy
    /// `<type>-auto-gen-<index>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The PolicyDefinition name, e.g. `topology`.
    #[serde(rename = "type", default)]
    #[builder(!default)]
    pub type_: String,
    /// The definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
}

impl Trait {
    /// A trait of the given type with properties.
    pub fn new(type_: impl Into<String>, properties: Value) -> Self {
        Trait {
            type_: type_.into(),
            properties: Some(properties),
        }
    }
}

impl Policy {
    /// A named policy of the given type with properties.
    pub fn new(name: impl Into<String>, type_: impl Into<String>, properties: Value) -> Self {
        Policy {
            name: name.into(),
            type_: type_.into(),
            properties: Some(properties),
        }
    }

    /// The name KubeVela uses: the given name, or `<type>-auto-gen-<index>` when empty.
    pub fn effective_name(&self, index: usize) -> String {
        if self.name.is_empty() {
            format!("{}-auto-gen-{index}", self.type_)
        } else {
            self.name.clone()
        }
    }
}

/// The delivery workflow of an Application: inline steps or a reference to a `Workflow`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Workflow {
    /// Name of a `core.oam.dev/v1alpha1` `Workflow` in the same namespace (not with `steps`).
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub ref_: Option<String>,
    /// Execution modes (default: steps `StepByStep`, sub-steps `DAG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

impl Spec {
    /// A spec with these components and nothing else.
    pub fn with_components(components: Vec<Component>) -> Self {
        Spec {
            components,
            ..Spec::default()
        }
    }
}

impl Application {
    /// Checks everything KubeVela would reject this Application for (see [`crate::validate`]
    /// for the rules), so that `app.validate()?` stops at an invalid Application.
    ///
    /// # Errors
    /// [`Problems`](crate::validate::Problems) holding every problem found, each with its field
    /// path; [`problems`](Self::problems) gives the same list without the `Result`.
    pub fn validate(&self) -> Result<(), crate::validate::Problems> {
        crate::validate::Problems::from(self.problems()).into_result()
    }

    /// Every problem KubeVela would reject this Application for; empty when it is valid.
    /// See [`crate::validate`] for the rules.
    pub fn problems(&self) -> Vec<crate::validate::Problem> {
        crate::validate::application(self)
    }

    /// The value of an annotation, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.as_ref()?.get(key).map(String::as_str)
    }
}
