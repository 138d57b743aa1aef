//! Small types shared by several kinds: conditions, object references, revisions.

use std::collections::BTreeMap;

pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use typed_builder::TypedBuilder;

/// Whether a [`Condition`] holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// The controller does not know yet.
    #[default]
    Unknown,
}

/// One observation of an object's state (the crossplane-runtime condition KubeVela uses).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Condition {
    /// The condition type, for an Application one of `Parsed`, `Revision`, `Policy`, `Render`,
    /// `Workflow`, `Ready`.
    #[serde(rename = "type")]
    #[builder(!default)]
    pub type_: String,
    /// Whether the condition holds.
    pub status: ConditionStatus,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// A machine-readable reason for the last change.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// A reference to a Kubernetes object (the fields of `corev1.ObjectReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct ObjectReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// UID of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Resource version of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// A field inside the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_path: String,
}

/// Who created a resource that an Application applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ResourceCreator {
    /// Applied by a workflow step (the usual case).
    #[default]
    Workflow,
    /// Dispatched by a custom policy before the workflow runs.
    Policy,
}

/// A reference to an object in one cluster of a multi-cluster setup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ClusterObjectReference {
    /// Cluster name; empty means the hub cluster (`local`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// Who created the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<ResourceCreator>,
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// UID of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Resource version of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// A field inside the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_path: String,
}

/// An API version and kind, e.g. `apps/v1` `Deployment`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(setter(into)))]
pub struct WorkloadGvk {
    /// API version, e.g. `apps/v1`.
    #[serde(default)]
    pub api_version: String,
    /// Kind, e.g. `Deployment`.
    #[serde(default)]
    pub kind: String,
}

impl WorkloadGvk {
    /// Whether both fields are empty (the Go zero value).
    pub fn is_empty(&self) -> bool {
        self.api_version.is_empty() && self.kind.is_empty()
    }
}

/// A numbered revision: the `latestRevision` of Applications and definitions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct Revision {
    /// Revision object name, e.g. `app-v3`.
    #[builder(!default)]
    pub name: String,
    /// Revision number.
    #[serde(default)]
    pub revision: i64,
    /// Hash of the revision content.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_hash: String,
}

/// Labels or annotations: an ordered map of strings.
pub type StringMap = BTreeMap<String, String>;
