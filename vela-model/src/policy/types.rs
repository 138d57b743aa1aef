//! Typed specs of the built-in policies and the resource-rule selector they share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

/// Whether a rendered object is a workload or a trait object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OamType {
    /// The component's workload.
    #[serde(rename = "COMPONENT")]
    Component,
    /// An object rendered by a trait.
    #[serde(rename = "TRAIT")]
    Trait,
}

/// Selects rendered objects for a policy rule. Every non-empty condition must match, and at
/// least one condition must be set; the first matching rule wins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default))]
pub struct Selector {
    /// Component names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component_names: Vec<String>,
    /// Component types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component_types: Vec<String>,
    /// `COMPONENT` or `TRAIT`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oam_types: Vec<OamType>,
    /// Trait types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trait_types: Vec<String>,
    /// Object kinds, e.g. `Deployment`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<String>,
    /// Object names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
}

/// What a [`Selector`] is matched against: facts about one rendered object.
#[derive(Clone, Debug, Default, PartialEq, Eq, TypedBuilder)]
#[builder(field_defaults(default, setter(into)))]
pub struct SelectorTarget {
    /// The component the object belongs to.
    pub component_name: String,
    /// That component's type.
    pub component_type: String,
    /// Workload or trait object.
    #[builder(setter(strip_option))]
    pub oam_type: Option<OamType>,
    /// The trait type, for trait objects.
    pub trait_type: String,
    /// The object's kind.
    pub kind: String,
    /// The object's name.
    pub name: String,
}

impl Selector {
    /// Whether the selector matches the object: every set condition holds and at least one is set.
    pub fn matches(&self, target: &SelectorTarget) -> bool {
        fn check(list: &[String], value: &str) -> Option<bool> {
            (!list.is_empty()).then(|| !value.is_empty() && list.iter().any(|v| v == value))
        }
        let oam = (!self.oam_types.is_empty())
            .then(|| target.oam_type.is_some_and(|t| self.oam_types.contains(&t)));
        let conditions = [
            check(&self.component_names, &target.component_name),
            check(&self.component_types, &target.component_type),
            oam,
            check(&self.trait_types, &target.trait_type),
            check(&self.resource_types, &target.kind),
            check(&self.resource_names, &target.name),
        ];
        let mut matched = false;
        for c in conditions.into_iter().flatten() {
            if !c {
                return false;
            }
            matched = true;
        }
        matched
    }
}

/// A rule that only has a selector (`shared-resource`, `read-only`, `take-over`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectorRule {
    /// Which objects the rule covers.
    #[serde(default)]
    pub selector: Selector,
}

/// `topology`: where components are delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct Topology {
    /// Named clusters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    /// Clusters selected by label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cluster_label_selector: BTreeMap<String, String>,
    /// Deprecated alias of `clusterLabelSelector`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cluster_selector: BTreeMap<String, String>,
    /// Do not fail when the selector matches no cluster.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
    /// Target namespace (default: the Application's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// `override`: patches components inside `deploy` steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default))]
pub struct Override {
    /// Component patches, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentPatch>,
    /// Keep only these components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selector: Vec<String>,
}

/// One component patch of an `override` policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ComponentPatch {
    /// Component name or glob (`*`); empty matches every component.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// A type that replaces the component's (or filters by type when the name is empty).
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Properties deep-merged into the component's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    /// Trait patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<TraitPatch>,
}

/// One trait patch of an `override` policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct TraitPatch {
    /// Trait type.
    #[serde(rename = "type")]
    #[builder(!default)]
    pub type_: String,
    /// Properties deep-merged into the trait's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    /// Remove the trait.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}

/// `replication`: clones components once per key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default))]
pub struct Replication {
    /// One clone per key (`context.replicaKey`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// The components to clone, by name (required: none selected is an error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selector: Vec<String>,
}

/// The order in which garbage is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GarbageCollectOrder {
    /// Reverse `dependsOn` order.
    Dependency,
}

/// When selected objects are garbage-collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GcStrategy {
    /// When a new version no longer uses them (the default).
    OnAppUpdate,
    /// Only when the Application is deleted.
    OnAppDelete,
    /// Never.
    Never,
}

/// How dependents of a deleted object are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GcPropagation {
    /// Keep dependents.
    Orphan,
    /// Delete dependents.
    Cascading,
}

/// `garbage-collect`: how outdated resources and revisions are recycled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct GarbageCollect {
    /// How many ApplicationRevisions to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_revision_limit: Option<i64>,
    /// Keep resources of outdated versions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_legacy_resource: bool,
    /// Go on when deleting one object fails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continue_on_failure: bool,
    /// Deletion order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<GarbageCollectOrder>,
    /// Per-object rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<GarbageCollectRule>,
}

/// A `garbage-collect` rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GarbageCollectRule {
    /// Which objects the rule covers.
    #[serde(default)]
    pub selector: Selector,
    /// When they are collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<GcStrategy>,
    /// How their dependents are treated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation: Option<GcPropagation>,
}

/// When `apply-once` keeps live values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ApplyOnceAffect {
    /// When the Application is updated.
    OnUpdate,
    /// During drift correction.
    OnStateKeep,
    /// Both.
    Always,
}

/// Which paths `apply-once` leaves alone, and when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyOnceStrategy {
    /// Field paths; `*` is the whole object.
    #[serde(default)]
    pub path: Vec<String>,
    /// When the live values win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affect: Option<ApplyOnceAffect>,
}

/// An `apply-once` rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyOnceRule {
    /// Which objects the rule covers.
    #[serde(default)]
    pub selector: Selector,
    /// What is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ApplyOnceStrategy>,
}

/// `apply-once`: allow drift on selected objects or paths.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default))]
pub struct ApplyOnce {
    /// Turn the policy on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable: bool,
    /// Rules; with none, every object is applied once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ApplyOnceRule>,
}

/// `shared-resource`: objects several Applications may hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedResource {
    /// Rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<SelectorRule>,
}

/// `read-only`: objects that must exist and are never written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadOnly {
    /// Rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<SelectorRule>,
}

/// `take-over`: adopt existing objects no Application owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TakeOver {
    /// Rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<SelectorRule>,
}

/// How `resource-update` writes an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceUpdateOp {
    /// Three-way merge patch (the default).
    Patch,
    /// Full replace.
    Replace,
}

/// A `resource-update` strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUpdateStrategy {
    /// Patch or replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<ResourceUpdateOp>,
    /// Fields whose change deletes and re-creates the object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recreate_fields: Vec<String>,
}

/// A `resource-update` rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUpdateRule {
    /// Which objects the rule covers.
    #[serde(default)]
    pub selector: Selector,
    /// How they are written.
    #[serde(default)]
    pub strategy: ResourceUpdateStrategy,
}

/// `resource-update`: how selected objects are updated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUpdate {
    /// Rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ResourceUpdateRule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> SelectorTarget {
        SelectorTarget::builder()
            .component_name("web")
            .component_type("webservice")
            .oam_type(OamType::Trait)
            .trait_type("expose")
            .kind("Service")
            .name("web")
            .build()
    }

    #[test]
    fn empty_selector_matches_nothing() {
        assert!(!Selector::default().matches(&target()));
    }

    #[test]
    fn all_set_conditions_must_hold() {
        let s = Selector::builder()
            .component_names(vec!["web".into()])
            .trait_types(vec!["expose".into()])
            .build();
        assert!(s.matches(&target()));
        let s = Selector::builder()
            .component_names(vec!["web".into()])
            .resource_types(vec!["Deployment".into()])
            .build();
        assert!(!s.matches(&target()));
        let s = Selector::builder().oam_types(vec![OamType::Component]).build();
        assert!(!s.matches(&target()));
    }
}
