//! Policies: the `core.oam.dev/v1alpha1` `Policy` object and typed specs of KubeVela's
//! built-in policy types, converted from the generic `properties`.
//!
//! ```
//! use serde_json::json;
//! use vela_model::application;
//! use vela_model::policy::{self, Typed};
//!
//! let p = application::Policy::builder()
//!     .name("eu")
//!     .type_("topology")
//!     .properties(json!({"clusters": ["eu-1", "eu-2"], "namespace": "prod"}))
//!     .build();
//! match Typed::from_policy(&p).unwrap() {
//!     Typed::Topology(t) => assert_eq!(t.clusters, ["eu-1", "eu-2"]),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

mod types;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

pub use types::{
    ApplyOnce, ApplyOnceAffect, ApplyOnceRule, ApplyOnceStrategy, ComponentPatch, GarbageCollect,
    GarbageCollectOrder, GarbageCollectRule, GcPropagation, GcStrategy, OamType, Override, ReadOnly,
    Replication, ResourceUpdate, ResourceUpdateOp, ResourceUpdateRule, ResourceUpdateStrategy, Selector,
    SelectorRule, SelectorTarget, SharedResource, TakeOver, Topology, TraitPatch,
};

/// The built-in policy type names.
pub mod names {
    /// `topology`
    pub const TOPOLOGY: &str = "topology";
    /// `override`
    pub const OVERRIDE: &str = "override";
    /// `garbage-collect`
    pub const GARBAGE_COLLECT: &str = "garbage-collect";
    /// `apply-once`
    pub const APPLY_ONCE: &str = "apply-once";
    /// `shared-resource`
    pub const SHARED_RESOURCE: &str = "shared-resource";
    /// `read-only`
    pub const READ_ONLY: &str = "read-only";
    /// `take-over`
    pub const TAKE_OVER: &str = "take-over";
    /// `resource-update`
    pub const RESOURCE_UPDATE: &str = "resource-update";
    /// `replication`
    pub const REPLICATION: &str = "replication";
}

/// Why a policy's properties do not fit its type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The properties do not match the typed spec.
    #[error("invalid properties for policy type {policy_type:?} at `{path}`")]
    InvalidProperties {
        /// The policy type.
        policy_type: String,
        /// Path inside `properties` where the mismatch is.
        path: String,
        /// What serde found.
        #[source]
        source: serde_json::Error,
    },
}

/// Result of the policy conversions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The fields of a `core.oam.dev/v1alpha1` `Policy`: a policy kept outside any Application and
/// referenced by name from `deploy` steps. KubeVela puts them at the top level (no `spec`).
#[derive(
    CustomResource, Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder,
)]
#[kube(
    group = "core.oam.dev",
    version = "v1alpha1",
    kind = "Policy",
    namespaced,
    no_spec,
    category = "oam",
    derive = "PartialEq",
    derive = "Default",
    doc = "A policy outside any Application (`core.oam.dev/v1alpha1` `Policy`).",
    printcolumn(name = "TYPE", type_ = "string", json_path = ".type")
)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Spec {
    /// The PolicyDefinition name.
    #[serde(rename = "type")]
    #[builder(!default)]
    pub type_: String,
    /// The definition's `parameter`, free-form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub properties: Option<Value>,
}

/// A policy with its properties converted to the typed spec of its built-in type.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    /// `topology`
    Topology(Topology),
    /// `override`
    Override(Override),
    /// `garbage-collect`
    GarbageCollect(GarbageCollect),
    /// `apply-once`
    ApplyOnce(ApplyOnce),
    /// `shared-resource`
    SharedResource(SharedResource),
    /// `read-only`
    ReadOnly(ReadOnly),
    /// `take-over`
    TakeOver(TakeOver),
    /// `resource-update`
    ResourceUpdate(ResourceUpdate),
    /// `replication`
    Replication(Replication),
    /// Any other type (a custom PolicyDefinition): properties stay free-form.
    Custom {
        /// The policy type.
        type_: String,
        /// The properties.
        properties: Option<Value>,
    },
}

impl Typed {
    /// Converts generic `type` + `properties` to the typed spec of a built-in type; other types
    /// become [`Typed::Custom`].
    ///
    /// # Errors
    /// [`Error::InvalidProperties`] naming the path when the properties do not fit the type.
    pub fn from_parts(type_: &str, properties: Option<&Value>) -> Result<Typed> {
        use names as n;
        Ok(match type_ {
            n::TOPOLOGY => Typed::Topology(convert(type_, properties)?),
            n::OVERRIDE => Typed::Override(convert(type_, properties)?),
            n::GARBAGE_COLLECT => Typed::GarbageCollect(convert(type_, properties)?),
            n::APPLY_ONCE => Typed::ApplyOnce(convert(type_, properties)?),
            n::SHARED_RESOURCE => Typed::SharedResource(convert(type_, properties)?),
            n::READ_ONLY => Typed::ReadOnly(convert(type_, properties)?),
            n::TAKE_OVER => Typed::TakeOver(convert(type_, properties)?),
            n::RESOURCE_UPDATE => Typed::ResourceUpdate(convert(type_, properties)?),
            n::REPLICATION => Typed::Replication(convert(type_, properties)?),
            _ => Typed::Custom {
                type_: type_.to_string(),
                properties: properties.cloned(),
            },
        })
    }

    /// Converts an Application's policy entry.
    ///
    /// # Errors
    /// See [`Typed::from_parts`].
    pub fn from_policy(policy: &crate::application::Policy) -> Result<Typed> {
        Typed::from_parts(&policy.type_, policy.properties.as_ref())
    }

    /// The policy type name.
    pub fn type_name(&self) -> &str {
        use names as n;
        match self {
            Typed::Topology(_) => n::TOPOLOGY,
            Typed::Override(_) => n::OVERRIDE,
            Typed::GarbageCollect(_) => n::GARBAGE_COLLECT,
            Typed::ApplyOnce(_) => n::APPLY_ONCE,
            Typed::SharedResource(_) => n::SHARED_RESOURCE,
            Typed::ReadOnly(_) => n::READ_ONLY,
            Typed::TakeOver(_) => n::TAKE_OVER,
            Typed::ResourceUpdate(_) => n::RESOURCE_UPDATE,
            Typed::Replication(_) => n::REPLICATION,
            Typed::Custom { type_, .. } => type_,
        }
    }

    /// Back to generic properties (what the Application carries).
    pub fn to_properties(&self) -> Option<Value> {
        let v = match self {
            Typed::Topology(t) => serde_json::to_value(t),
            Typed::Override(t) => serde_json::to_value(t),
            Typed::GarbageCollect(t) => serde_json::to_value(t),
            Typed::ApplyOnce(t) => serde_json::to_value(t),
            Typed::SharedResource(t) => serde_json::to_value(t),
            Typed::ReadOnly(t) => serde_json::to_value(t),
            Typed::TakeOver(t) => serde_json::to_value(t),
            Typed::ResourceUpdate(t) => serde_json::to_value(t),
            Typed::Replication(t) => serde_json::to_value(t),
            Typed::Custom { properties, .. } => return properties.clone(),
        };
        // Serializing plain data structs to a Value cannot fail.
        v.ok()
    }
}

fn convert<T: serde::de::DeserializeOwned + Default>(type_: &str, properties: Option<&Value>) -> Result<T> {
    let Some(value) = properties else {
        return Ok(T::default());
    };
    if value.is_null() {
        return Ok(T::default());
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Error::InvalidProperties {
            policy_type: type_.to_string(),
            path,
            source: e.into_inner(),
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn converts_every_built_in_type_and_back() {
        let cases = [
            (
                "topology",
                json!({"clusters": ["a"], "clusterLabelSelector": {"region": "eu"}, "allowEmpty": true, "namespace": "x"}),
            ),
            (
                "override",
                json!({"components": [{"name": "web", "type": "worker", "properties": {"image": "x"}, "traits": [{"type": "scaler", "disable": true}]}], "selector": ["web"]}),
            ),
            (
                "garbage-collect",
                json!({"applicationRevisionLimit": 3, "keepLegacyResource": true, "order": "dependency", "rules": [{"selector": {"traitTypes": ["expose"]}, "strategy": "onAppDelete", "propagation": "orphan"}]}),
            ),
            (
                "apply-once",
                json!({"enable": true, "rules": [{"selector": {"componentNames": ["web"]}, "strategy": {"path": ["spec.replicas"], "affect": "onStateKeep"}}]}),
            ),
            (
                "shared-resource",
                json!({"rules": [{"selector": {"resourceTypes": ["Namespace"]}}]}),
            ),
            (
                "read-only",
                json!({"rules": [{"selector": {"resourceNames": ["cm"]}}]}),
            ),
            (
                "take-over",
                json!({"rules": [{"selector": {"oamTypes": ["TRAIT"]}}]}),
            ),
            (
                "resource-update",
                json!({"rules": [{"selector": {"componentTypes": ["webservice"]}, "strategy": {"op": "replace", "recreateFields": ["spec.selector"]}}]}),
            ),
            ("replication", json!({"keys": ["a", "b"], "selector": ["web"]})),
        ];
        for (type_, props) in cases {
            let typed = Typed::from_parts(type_, Some(&props)).unwrap();
            assert_eq!(typed.type_name(), type_);
            assert!(!matches!(typed, Typed::Custom { .. }), "{type_} stayed generic");
            assert_eq!(
                typed.to_properties().unwrap(),
                props,
                "{type_} did not round-trip"
            );
        }
    }

    #[test]
    fn unknown_types_stay_generic() {
        let props = json!({"anything": 1});
        let typed = Typed::from_parts("my-policy", Some(&props)).unwrap();
        assert_eq!(
            typed,
            Typed::Custom {
                type_: "my-policy".into(),
                properties: Some(props)
            }
        );
    }

    #[test]
    fn bad_properties_name_the_path() {
        let props = json!({"rules": [{"selector": {"componentNames": "web"}}]});
        let err = Typed::from_parts("read-only", Some(&props)).unwrap_err();
        let Error::InvalidProperties { path, .. } = err;
        assert_eq!(path, "rules[0].selector.componentNames");
    }
}
