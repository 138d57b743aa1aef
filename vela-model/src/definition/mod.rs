//! The X-Definitions: `ComponentDefinition`, `TraitDefinition`, `PolicyDefinition`,
//! `WorkflowStepDefinition`, `WorkloadDefinition` (all `core.oam.dev/v1beta1`, namespaced) and
//! `DefinitionRevision`.
//!
//! A definition's behaviour lives in its [`Schematic`], normally a CUE template
//! (`schematic.cue.template`); its health rules live in [`Status`].
//!
//! ```
//! use vela_model::definition::{ComponentDefinition, ComponentSpec, Schematic, WorkloadType};
//!
//! let def = ComponentDefinition::new(
//!     "worker",
//!     ComponentSpec::builder()
//!         .workload(WorkloadType::definition("apps/v1", "Deployment"))
//!         .schematic(Schematic::cue("output: {apiVersion: \"apps/v1\", kind: \"Deployment\"}\nparameter: {image: string}"))
//!         .build(),
//! );
//! assert!(def.spec.schematic.as_ref().unwrap().cue_template().unwrap().contains("parameter"));
//! ```

mod revision;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

pub use revision::{DefinitionRevision, DefinitionType, RevisionSpec};

use crate::common::{Condition, Revision, StringMap, WorkloadGvk};

/// The workload type name meaning "detect the kind from the rendered output".
pub const AUTODETECT_WORKLOAD: &str = "autodetects.core.oam.dev";

/// How a definition is implemented.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Schematic {
    /// A CUE template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<Cue>,
    /// A Terraform module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<Terraform>,
    /// Legacy `kube` schematic (a raw template plus parameters), kept free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub kube: Option<Value>,
    /// Legacy `helm` schematic, kept free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub helm: Option<Value>,
}

impl Schematic {
    /// A schematic made of a CUE template.
    pub fn cue(template: impl Into<String>) -> Self {
        Schematic {
            cue: Some(Cue {
                template: template.into(),
            }),
            ..Schematic::default()
        }
    }

    /// The CUE template, when the schematic is CUE.
    pub fn cue_template(&self) -> Option<&str> {
        self.cue.as_ref().map(|c| c.template.as_str())
    }
}

/// A CUE schematic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
pub struct Cue {
    /// The CUE source (`parameter`, `output`, `outputs`, `patch`, ...).
    #[builder(setter(into))]
    pub template: String,
}

/// A reference to a Secret or provider object, by name and namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct NamespacedName {
    /// Name.
    #[builder(!default)]
    pub name: String,
    /// Namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// A Terraform schematic (rendered into a terraform-controller `Configuration`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Terraform {
    /// HCL or JSON source, or a remote module URL.
    #[builder(!default)]
    pub configuration: String,
    /// `hcl`, `json` or `remote`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Path of the module inside a remote repository.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// Where the connection Secret is written.
    #[serde(
        rename = "writeConnectionSecretToRef",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub write_connection_secret_to_ref: Option<NamespacedName>,
    /// The terraform Provider object.
    #[serde(rename = "providerRef", default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<NamespacedName>,
    /// Whether cloud resources are deleted with the Configuration (KubeVela's default: true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_resource: Option<bool>,
    /// A region overriding the provider's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub custom_region: String,
    /// A Secret with git credentials for a remote module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_credentials_secret_reference: Option<NamespacedName>,
}

/// How the health and the status message of rendered objects are computed (`spec.status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option)))]
pub struct Status {
    /// CUE yielding `message: string`, shown as the service message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_status: Option<String>,
    /// CUE yielding `isHealth: bool`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_policy: Option<String>,
    /// CUE whose concrete fields become `services[].details`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// The workload a ComponentDefinition produces: a kind, or a WorkloadDefinition name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct WorkloadType {
    /// A WorkloadDefinition name, or [`AUTODETECT_WORKLOAD`].
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// The workload's API version and kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<WorkloadGvk>,
}

impl WorkloadType {
    /// A workload given by API version and kind.
    pub fn definition(api_version: impl Into<String>, kind: impl Into<String>) -> Self {
        WorkloadType {
            type_: None,
            definition: Some(WorkloadGvk {
                api_version: api_version.into(),
                kind: kind.into(),
            }),
        }
    }

    /// A workload given by WorkloadDefinition name (or [`AUTODETECT_WORKLOAD`]).
    pub fn named(type_: impl Into<String>) -> Self {
        WorkloadType {
            type_: Some(type_.into()),
            definition: None,
        }
    }
}

/// A kind of child resource a workload creates (for health and garbage collection).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct ChildResourceKind {
    /// API version.
    #[builder(!default)]
    pub api_version: String,
    /// Kind.
    #[builder(!default)]
    pub kind: String,
    /// Labels selecting the children.
    #[serde(default, skip_serializing_if = "StringMap::is_empty")]
    pub selector: StringMap,
}

/// A reference to the CRD a definition stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct DefinitionReference {
    /// CRD name, e.g. `deployments.apps`.
    #[serde(default)]
    pub name: String,
    /// CRD version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

impl DefinitionReference {
    fn is_empty(&self) -> bool {
        self.name.is_empty() && self.version.is_empty()
    }
}

/// When a trait's objects are applied relative to the workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Stage {
    /// Before the workload.
    PreDispatch,
    /// With the workload (the default).
    DefaultDispatch,
    /// After the workload is healthy; may read `context.output.status`.
    PostDispatch,
}

/// The scope of a PolicyDefinition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PolicyScope {
    /// Transforms the Application before it is parsed.
    Application,
}

/// The observed state of a definition: conditions, schema ConfigMap, latest revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ObservedStatus {
    /// Conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The ConfigMap holding the parameter's OpenAPI schema.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub config_map_ref: String,
    /// The latest DefinitionRevision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_revision: Option<Revision>,
}

/// The spec of a `ComponentDefinition` (short name `comp`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "ComponentDefinition",
    namespaced,
    status = "ObservedStatus",
    shortname = "comp",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A component type (`core.oam.dev/v1beta1` `ComponentDefinition`).",
    printcolumn(
        name = "WORKLOAD-KIND",
        type_ = "string",
        json_path = ".spec.workload.definition.kind"
    ),
    printcolumn(
        name = "DESCRIPTION",
        type_ = "string",
        json_path = ".metadata.annotations.definition\\.oam\\.dev/description"
    )
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ComponentSpec {
    /// The workload produced.
    #[serde(default)]
    pub workload: WorkloadType,
    /// Kinds of child resources the workload creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_resource_kinds: Vec<ChildResourceKind>,
    /// The label carrying the workload revision.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_label: String,
    /// Path of the pod spec inside the workload.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pod_spec_path: String,
    /// Health and status rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schematic: Option<Schematic>,
    /// Free-form extension data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub extension: Option<Value>,
    /// Explicit version; revisions are then named `<name>-v<version>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// The spec of a `TraitDefinition` (short name `trait`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "TraitDefinition",
    namespaced,
    status = "ObservedStatus",
    shortname = "trait",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A trait type (`core.oam.dev/v1beta1` `TraitDefinition`).",
    printcolumn(name = "APPLIES-TO", type_ = "string", json_path = ".spec.appliesToWorkloads"),
    printcolumn(
        name = "DESCRIPTION",
        type_ = "string",
        json_path = ".metadata.annotations.definition\\.oam\\.dev/description"
    )
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct TraitSpec {
    /// The CRD the trait stands for.
    #[serde(
        rename = "definitionRef",
        default,
        skip_serializing_if = "DefinitionReference::is_empty"
    )]
    pub definition_ref: DefinitionReference,
    /// Whether the trait gets component revisions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revision_enabled: bool,
    /// Path in the trait object where `workloadRef{apiVersion,kind,name}` is set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workload_ref_path: String,
    /// Whether changing the trait restarts pods (metadata only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pod_disruptive: bool,
    /// Workload kinds or component types the trait applies to (metadata only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to_workloads: Vec<String>,
    /// Traits it conflicts with (metadata only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts_with: Vec<String>,
    /// The implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schematic: Option<Schematic>,
    /// Health and status rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Free-form extension data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub extension: Option<Value>,
    /// The trait manages the workload: the component's workload is not applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manage_workload: bool,
    /// Trait objects go to the hub cluster, in the Application's namespace.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub control_plane_only: bool,
    /// When the trait's objects are applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// Explicit version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// The spec of a `PolicyDefinition` (short name `def-policy`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "PolicyDefinition",
    namespaced,
    status = "ObservedStatus",
    shortname = "def-policy",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A policy type (`core.oam.dev/v1beta1` `PolicyDefinition`).",
    printcolumn(
        name = "DESCRIPTION",
        type_ = "string",
        json_path = ".metadata.annotations.definition\\.oam\\.dev/description"
    )
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct PolicySpec {
    /// The CRD the policy stands for.
    #[serde(
        rename = "definitionRef",
        default,
        skip_serializing_if = "DefinitionReference::is_empty"
    )]
    pub definition_ref: DefinitionReference,
    /// The implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schematic: Option<Schematic>,
    /// The policy evaluates health itself; built-in health checks are skipped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub manage_health_check: bool,
    /// Explicit version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// `Application` for policies that transform the Application itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<PolicyScope>,
    /// Applied to every Application (Application-scoped policies only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub global: bool,
    /// Order of global policies (higher first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

/// The spec of a `WorkflowStepDefinition` (short name `workflowstep`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "WorkflowStepDefinition",
    namespaced,
    status = "ObservedStatus",
    shortname = "workflowstep",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A workflow step type (`core.oam.dev/v1beta1` `WorkflowStepDefinition`).",
    printcolumn(
        name = "DESCRIPTION",
        type_ = "string",
        json_path = ".metadata.annotations.definition\\.oam\\.dev/description"
    )
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct WorkflowStepSpec {
    /// The CRD the step stands for.
    #[serde(
        rename = "definitionRef",
        default,
        skip_serializing_if = "DefinitionReference::is_empty"
    )]
    pub definition_ref: DefinitionReference,
    /// The implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schematic: Option<Schematic>,
    /// Explicit version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// The spec of a `WorkloadDefinition` (short name `workload`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "WorkloadDefinition",
    namespaced,
    status = "ObservedStatus",
    shortname = "workload",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A workload kind (`core.oam.dev/v1beta1` `WorkloadDefinition`).",
    printcolumn(
        name = "DEFINITION-NAME",
        type_ = "string",
        json_path = ".spec.definitionRef.name"
    )
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct WorkloadSpec {
    /// The workload's CRD.
    #[serde(rename = "definitionRef", default)]
    pub definition_ref: DefinitionReference,
    /// Kinds of child resources the workload creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_resource_kinds: Vec<ChildResourceKind>,
    /// The label carrying the workload revision.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_label: String,
    /// Path of the pod spec inside the workload.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pod_spec_path: String,
    /// Health and status rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schematic: Option<Schematic>,
    /// Free-form extension data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub extension: Option<Value>,
}
