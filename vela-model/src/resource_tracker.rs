//! The cluster-scoped `ResourceTracker`: which objects an Application owns, in which clusters.
//!
//! Three kinds exist per Application ([`TrackerType`]): a `root` tracker (`<app>-<ns>`) for
//! resources kept until the Application is deleted, one `versioned` tracker per generation
//! (`<app>-v<generation>-<ns>`), and a `component-revision` tracker (`<app>-comp-rev-<ns>`).

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

use crate::common::ResourceCreator;

/// The kind of ResourceTracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TrackerType {
    /// Resources deleted only with the Application.
    Root,
    /// Resources of one Application generation.
    Versioned,
    /// ControllerRevisions of components.
    ComponentRevision,
}

/// The spec of a `ResourceTracker` (short name `rt`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1beta1",
    kind = "ResourceTracker",
    shortname = "rt",
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "The objects an Application owns (`core.oam.dev/v1beta1` `ResourceTracker`, cluster-scoped).",
    printcolumn(name = "TYPE", type_ = "string", json_path = ".spec.type"),
    printcolumn(name = "AGE", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Spec {
    /// The tracker kind.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<TrackerType>,
    /// The Application generation this tracker belongs to.
    #[serde(default)]
    pub application_generation: i64,
    /// The tracked objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_resources: Vec<ManagedResource>,
}

/// One tracked object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ManagedResource {
    /// Cluster name; empty means the hub (`local`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// Who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<ResourceCreator>,
    /// API version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Kind.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// UID.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Resource version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// Field path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_path: String,
    /// The component the object was rendered for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub component: String,
    /// The trait the object was rendered for.
    #[serde(rename = "trait", default, skip_serializing_if = "String::is_empty")]
    pub trait_: String,
    /// Legacy env-binding environment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub env: String,
    /// The full applied object (omitted for apply-once metadata-only tracking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::embedded_object")]
    pub raw: Option<Value>,
    /// Deleted already; kept until garbage collection finishes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Never garbage-collected.
    #[serde(rename = "skipGC", default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_gc: bool,
}

impl ManagedResource {
    /// The key that identifies the object across trackers: cluster, API group, kind, namespace,
    /// name.
    pub fn key(&self) -> String {
        let group = self.api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        let cluster = if self.cluster.is_empty() {
            "local"
        } else {
            &self.cluster
        };
        format!("{cluster}/{group}/{}/{}/{}", self.kind, self.namespace, self.name)
    }
}
