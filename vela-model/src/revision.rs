//! `ApplicationRevision`: an immutable snapshot of an Application with every definition it used.

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

use crate::application::{Application, WorkflowStatus};
use crate::definition::{
    ComponentDefinition, PolicyDefinition, TraitDefinition, WorkflowStepDefinition, WorkloadDefinition,
};
use crate::policy::Policy;
use crate::workflow::Workflow;

/// The spec of an `ApplicationRevision` (short name `apprev`), named `<app>-v<N>`.
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "ApplicationRevision",
    namespaced,
    status = "Status",
    shortname = "apprev",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A snapshot of an Application and its definitions (`core.oam.dev/v1beta1` `ApplicationRevision`).",
    printcolumn(name = "AGE", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Spec {
    /// The Application as it was.
    #[schemars(schema_with = "crate::schema::embedded_object")]
    #[builder(!default)]
    pub application: Box<Application>,
    /// ComponentDefinitions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub component_definitions: BTreeMap<String, ComponentDefinition>,
    /// WorkloadDefinitions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub workload_definitions: BTreeMap<String, WorkloadDefinition>,
    /// TraitDefinitions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub trait_definitions: BTreeMap<String, TraitDefinition>,
    /// PolicyDefinitions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub policy_definitions: BTreeMap<String, PolicyDefinition>,
    /// WorkflowStepDefinitions by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub workflow_step_definitions: BTreeMap<String, WorkflowStepDefinition>,
    /// External `Policy` objects referenced by the workflow, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_map")]
    pub policies: BTreeMap<String, Policy>,
    /// The external `Workflow` referenced by `spec.workflow.ref`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub workflow: Option<Box<Workflow>>,
    /// Objects referred to by `ref-objects` components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "crate::schema::embedded_object_list")]
    pub referred_objects: Vec<Value>,
}

/// The status of an `ApplicationRevision`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Status {
    /// Whether the workflow of this revision succeeded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub succeeded: bool,
    /// The final workflow status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowStatus>,
    /// The workflow context data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workflow_context: BTreeMap<String, String>,
}
