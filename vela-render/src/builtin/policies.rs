//! The nine built-in policies as typed parameter schemas (they render no objects; the
//! workflow and resource keeper interpret them).

// The fields exist for the parameter schema and its validation; nothing here reads them.
#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::Result;
use crate::native::{Def, Native};
use crate::registry::Registry;

/// Resource selector of policy rules (all conditions ANDed).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// Component names.
    #[serde(default)]
    pub component_names: Option<Vec<String>>,
    /// Component types.
    #[serde(default)]
    pub component_types: Option<Vec<String>>,
    /// OAM types (COMPONENT / TRAIT).
    #[serde(default)]
    pub oam_types: Option<Vec<String>>,
    /// Trait types.
    #[serde(default)]
    pub trait_types: Option<Vec<String>>,
    /// Resource kinds.
    #[serde(default)]
    pub resource_types: Option<Vec<String>>,
    /// Resource names.
    #[serde(default)]
    pub resource_names: Option<Vec<String>>,
}

/// `apply-once` strategy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOnceStrategy {
    /// onUpdate, onStateKeep or always.
    #[serde(default)]
    pub affect: Option<String>,
    /// Paths kept (`*` = whole object).
    pub path: Vec<String>,
}

/// `apply-once` rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOnceRule {
    /// Selector.
    #[serde(default)]
    pub selector: Option<Selector>,
    /// Strategy.
    pub strategy: ApplyOnceStrategy,
}

/// Parameters of apply-once.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyOnce {
    /// Whether to enable apply-once for the whole application.
    #[serde(default)]
    pub enable: bool,
    /// Rules for partial apply-once.
    #[serde(default)]
    pub rules: Option<Vec<ApplyOnceRule>>,
}

/// GC strategy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum GcStrategy {
    /// Recycle on app update (default).
    OnAppUpdate,
    /// Recycle on app delete.
    OnAppDelete,
    /// Never recycle.
    Never,
}

fn on_app_update() -> GcStrategy {
    GcStrategy::OnAppUpdate
}

/// Deletion propagation.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Propagation {
    /// Orphan dependents.
    Orphan,
    /// Cascading deletion.
    Cascading,
}

/// `garbage-collect` rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcRule {
    /// Selector.
    pub selector: Selector,
    /// Strategy.
    #[serde(default = "on_app_update")]
    pub strategy: GcStrategy,
    /// Propagation.
    #[serde(default)]
    pub propagation: Option<Propagation>,
}

/// Parameters of garbage-collect.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GarbageCollect {
    /// Revision limit.
    #[serde(default)]
    pub application_revision_limit: Option<i64>,
    /// Keep legacy resources.
    #[serde(default)]
    pub keep_legacy_resource: bool,
    /// Continue on failure.
    #[serde(default)]
    pub continue_on_failure: bool,
    /// Rules.
    #[serde(default)]
    pub rules: Option<Vec<GcRule>>,
}

/// A trait override.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideTrait {
    /// Trait type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Properties to merge.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
    /// Remove the trait.
    #[serde(default)]
    pub disable: bool,
}

/// A component override.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideComponent {
    /// Component name (glob).
    #[serde(default)]
    pub name: Option<String>,
    /// Component type.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// Properties to merge.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
    /// Trait overrides.
    #[serde(default)]
    pub traits: Option<Vec<OverrideTrait>>,
}

/// Parameters of override.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Component overrides.
    pub components: Vec<OverrideComponent>,
    /// Component selector.
    #[serde(default)]
    pub selector: Option<Vec<String>>,
}

/// A rule with only a selector.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorRule {
    /// Selector.
    pub selector: Selector,
}

/// Parameters of read-only, shared-resource and take-over.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Rules.
    #[serde(default)]
    pub rules: Option<Vec<SelectorRule>>,
}

/// Parameters of replication.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replication {
    /// Replica keys.
    pub keys: Vec<String>,
    /// Component selector.
    #[serde(default)]
    pub selector: Option<Vec<String>>,
}

fn patch_op() -> String {
    "patch".into()
}

/// `resource-update` strategy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// patch (default) or replace.
    #[serde(default = "patch_op")]
    pub op: String,
    /// Fields whose change recreates the object.
    #[serde(default)]
    pub recreate_fields: Option<Vec<String>>,
}

/// `resource-update` rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRule {
    /// Selector.
    pub selector: Selector,
    /// Strategy.
    pub strategy: UpdateStrategy,
}

/// Parameters of resource-update.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceUpdate {
    /// Rules.
    #[serde(default)]
    pub rules: Option<Vec<UpdateRule>>,
}

/// Parameters of topology.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Topology {
    /// Cluster names.
    #[serde(default)]
    pub clusters: Option<Vec<String>>,
    /// Cluster label selector.
    #[serde(default)]
    pub cluster_label_selector: Option<BTreeMap<String, String>>,
    /// Allow an empty selection.
    #[serde(default)]
    pub allow_empty: Option<bool>,
    /// Deprecated alias of clusterLabelSelector.
    #[serde(default)]
    pub cluster_selector: Option<BTreeMap<String, String>>,
    /// Target namespace.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// A schema-only policy definition.
pub struct SchemaPolicy<P> {
    name: &'static str,
    description: &'static str,
    _p: std::marker::PhantomData<fn() -> P>,
}

impl<P: serde::de::DeserializeOwned + JsonSchema + 'static> Native for SchemaPolicy<P> {
    type Params = P;
    fn meta(&self) -> Meta {
        Meta::new(self.name, Kind::Policy, self.description)
    }
    fn render(&self, _: &Context, _: P) -> Result<Rendered> {
        Ok(Rendered::default())
    }
}

fn add<P: serde::de::DeserializeOwned + JsonSchema + 'static>(
    r: &mut Registry,
    name: &'static str,
    description: &'static str,
) {
    r.insert(std::sync::Arc::new(Def::new(SchemaPolicy::<P> {
        name,
        description,
        _p: std::marker::PhantomData,
    })));
}

/// Registers the nine built-in policies.
pub fn register(r: &mut Registry) {
    add::<ApplyOnce>(
        r,
        "apply-once",
        "Allow configuration drift for applied resources, delivery the resource without continuously reconciliation.",
    );
    add::<GarbageCollect>(
        r,
        "garbage-collect",
        "Configure the garbage collect behaviour for the application.",
    );
    add::<Override>(
        r,
        "override",
        "Describe the configuration to override when deploying resources, it only works with specified `deploy` step in workflow.",
    );
    add::<Rules>(
        r,
        "read-only",
        "Configure the resources to be read-only in the application (no update / state-keep).",
    );
    add::<Replication>(
        r,
        "replication",
        "Describe the configuration to replicate components when deploying resources, it only works with specified `deploy` step in workflow.",
    );
    add::<ResourceUpdate>(
        r,
        "resource-update",
        "Configure the update strategy for selected resources.",
    );
    add::<Rules>(
        r,
        "shared-resource",
        "Configure the resources to be sharable across applications.",
    );
    add::<Rules>(
        r,
        "take-over",
        "Configure the resources to be able to take over when it belongs to no application.",
    );
    add::<Topology>(
        r,
        "topology",
        "Describe the destination where components should be deployed to.",
    );
}
