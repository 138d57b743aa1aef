//! `DefinitionRevision`: an immutable snapshot of one version of a definition.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use typed_builder::TypedBuilder;

use super::{ComponentDefinition, PolicyDefinition, TraitDefinition, WorkflowStepDefinition};

/// Which kind of definition a revision holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum DefinitionType {
    /// A ComponentDefinition.
    Component,
    /// A TraitDefinition.
    Trait,
    /// A PolicyDefinition.
    Policy,
    /// A WorkflowStepDefinition.
    WorkflowStep,
}

/// The spec of a `DefinitionRevision` (short name `defrev`), named `<definition>-v<N>` or
/// `<definition>-v<version>`.
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "DefinitionRevision",
    namespaced,
    shortname = "defrev",
    category = "oam",
    derive = "PartialEq",
    doc = "A snapshot of one version of a definition (`core.oam.dev/v1beta1` `DefinitionRevision`).",
    printcolumn(name = "REVISION", type_ = "integer", json_path = ".spec.revision"),
    printcolumn(name = "HASH", type_ = "string", json_path = ".spec.revisionHash"),
    printcolumn(name = "TYPE", type_ = "string", json_path = ".spec.definitionType")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct RevisionSpec {
    /// Revision number.
    #[builder(!default)]
    pub revision: i64,
    /// Hash of the definition spec.
    #[serde(default)]
    pub revision_hash: String,
    /// Which definition field is set.
    #[builder(!default)]
    pub definition_type: DefinitionType,
    /// The ComponentDefinition, for `Component` revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub component_definition: Option<Box<ComponentDefinition>>,
    /// The TraitDefinition, for `Trait` revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub trait_definition: Option<Box<TraitDefinition>>,
    /// The PolicyDefinition, for `Policy` revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub policy_definition: Option<Box<PolicyDefinition>>,
    /// The WorkflowStepDefinition, for `WorkflowStep` revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub workflow_step_definition: Option<Box<WorkflowStepDefinition>>,
}
