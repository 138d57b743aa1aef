//! Resource policies: the rules an Application's policies set for each object it delivers
//! (which objects are read-only, may be taken over, are shared, kept when drifted, updated
//! how, or collected when), decided per object from the rule selectors, as KubeVela's resource
//! keeper does.
//!
//! The policies are read from `spec.policies` with vela-model's typed specs. Rules of several
//! policies of one type are tried in the order they are written; within them, the first rule
//! whose selector matches decides (a selector matches when every condition it sets holds, and it
//! must set at least one). Settings that are not rules (`garbage-collect`'s
//! `keepLegacyResource`, `order`, ...; `apply-once`'s `enable`) come from the first policy of the
//! type. Applications of an addon (label `addons.oam.dev/name`) are `apply-once` without rules
//! unless they say otherwise, as in KubeVela.

use vela_model::application::Application;
use vela_model::policy::{
    ApplyOnceAffect, GarbageCollectOrder, GcPropagation, GcStrategy, OamType, ResourceUpdateOp, Selector,
    SelectorTarget, Typed,
};
use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::{Key, Objects};

use crate::apply::Owner;
use crate::fieldpath::FieldPath;
use crate::{Error, Result};

/// The label that marks the Application of an addon.
const ADDON_LABEL: &str = "addons.oam.dev/name";

/// Where an object comes from: the component (and trait) that rendered it. Rule selectors
/// match on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    /// The component's name.
    pub(crate) component: &'a str,
    /// The component's type.
    pub(crate) component_type: &'a str,
    /// The trait type, or `None` for the workload.
    pub(crate) trait_type: Option<&'a str>,
}

/// What `apply-once` does to one object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum ApplyOnceMode {
    /// Nothing: the object is applied and kept as rendered.
    #[default]
    Off,
    /// `enable` without rules: applied as rendered, but drift is allowed (no state-keep) and
    /// the tracker keeps its metadata only.
    MetaOnly,
    /// The listed paths keep their live values at the chosen stages.
    Paths {
        /// `*` was listed: the whole live object wins.
        whole: bool,
        /// The paths whose live values win.
        paths: Vec<FieldPath>,
        /// When they win.
        affect: ApplyOnceAffect,
    },
}

/// The stage at which apply-once paths are consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Applying a new rendering of the application.
    Update,
    /// Restoring drifted objects (state-keep).
    StateKeep,
}

impl ApplyOnceMode {
    /// The paths whose live values win at `stage`: `None` when none do, `Some(None)` for the
    /// whole object, `Some(Some(paths))` for those paths.
    pub(crate) fn kept_at(&self, stage: Stage) -> Option<Option<&[FieldPath]>> {
        let Self::Paths { whole, paths, affect } = self else {
            return None;
        };
        let applies = match affect {
            ApplyOnceAffect::Always => true,
            ApplyOnceAffect::OnUpdate => stage == Stage::Update,
            ApplyOnceAffect::OnStateKeep => stage == Stage::StateKeep,
        };
        applies.then_some(if *whole { None } else { Some(paths.as_slice()) })
    }
}

/// What the policies say about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectRules {
    /// `take-over`: an existing object no application owns may be adopted.
    pub(crate) take_over: bool,
    /// `read-only`: never created, updated or deleted; it must exist.
    pub(crate) read_only: bool,
    /// `shared-resource`: several applications may hold it.
    pub(crate) shared: bool,
    /// `garbage-collect`: when it is collected.
    pub(crate) gc: GcStrategy,
    /// `garbage-collect`: what happens to its dependents when it is deleted (`None`: the
    /// cluster's default, background cascading).
    pub(crate) propagation: Option<GcPropagation>,
    /// `apply-once`.
    pub(crate) apply_once: ApplyOnceMode,
    /// `resource-update`: written with a full replace instead of a patch.
    pub(crate) replace: bool,
    /// `resource-update`: fields whose change deletes and re-creates the object.
    pub(crate) recreate_fields: Vec<FieldPath>,
}

impl Default for ObjectRules {
    fn default() -> Self {
        Self {
            take_over: false,
            read_only: false,
            shared: false,
            gc: GcStrategy::OnAppUpdate,
            propagation: None,
            apply_once: ApplyOnceMode::Off,
            replace: false,
            recreate_fields: Vec::new(),
        }
    }
}

/// How garbage is collected, from the first `garbage-collect` policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GcSettings {
    /// Keep the objects of outdated generations (their trackers go once nothing they hold
    /// is still there and theirs).
    pub(crate) keep_legacy: bool,
    /// Collect even when the workflow failed.
    pub(crate) continue_on_failure: bool,
    /// Delete in reverse `dependsOn` order.
    pub(crate) dependency_order: bool,
    /// How many ApplicationRevisions to keep.
    pub(crate) revision_limit: Option<i64>,
}

#[derive(Debug, Clone)]
struct OnceRule {
    selector: Selector,
    mode: ApplyOnceMode,
}

#[derive(Debug, Clone)]
struct GcRule {
    selector: Selector,
    strategy: GcStrategy,
    propagation: Option<GcPropagation>,
}

#[derive(Debug, Clone)]
struct UpdateRule {
    selector: Selector,
    replace: bool,
    recreate_fields: Vec<FieldPath>,
}

/// The resource rules of an application's policies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    take_over: Vec<Selector>,
    read_only: Vec<Selector>,
    shared: Vec<Selector>,
    apply_once_seen: bool,
    apply_once_enabled: bool,
    apply_once: Vec<OnceRule>,
    gc_seen: bool,
    gc: Vec<GcRule>,
    update: Vec<UpdateRule>,
    /// The `garbage-collect` settings.
    pub(crate) gc_settings: GcSettings,
}

fn policy_error(path: String, message: impl Into<String>) -> Error {
    Error::Policy {
        path,
        message: message.into(),
    }
}

/// Refuses a selector that sets no condition (it would match nothing).
fn check_selector(selector: &Selector, path: &str) -> Result<()> {
    if *selector == Selector::default() {
        return Err(policy_error(
            format!("{path}.selector"),
            "sets no condition, so the rule matches no object; set componentNames, componentTypes, \
             oamTypes, traitTypes, resourceTypes or resourceNames",
        ));
    }
    Ok(())
}

fn parse_paths(paths: &[String], path: &str) -> Result<Vec<FieldPath>> {
    paths
        .iter()
        .enumerate()
        .map(|(k, p)| FieldPath::parse(p).map_err(|e| policy_error(format!("{path}[{k}]"), e.to_string())))
        .collect()
}

impl Rules {
    /// The rules `app`'s policies set.
    ///
    /// # Errors
    /// [`Error::Policy`] naming the field (`spec.policies[2].properties.rules[0].selector`) when
    /// a built-in resource policy's properties do not fit its type, a selector sets no
    /// condition, a rule has no strategy, or a field path does not parse.
    pub(crate) fn of(app: &Application) -> Result<Self> {
        let mut rules = Self::default();
        for (i, policy) in app.spec.policies.iter().enumerate() {
            let at = format!("spec.policies[{i}].properties");
            let typed = Typed::from_policy(policy).map_err(|e| {
                let vela_model::policy::Error::InvalidProperties { path, source, .. } = &e else {
                    return policy_error(at.clone(), e.to_string());
                };
                let field = if path.is_empty() || path == "." {
                    at.clone()
                } else {
                    format!("{at}.{path}")
                };
                policy_error(field, source.to_string())
            })?;
            rules.add(typed, &at)?;
        }
        let addon = app
            .metadata
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key(ADDON_LABEL));
        if addon && !rules.apply_once_seen {
            rules.apply_once_seen = true;
            rules.apply_once_enabled = true;
        }
        Ok(rules)
    }

    fn add(&mut self, typed: Typed, at: &str) -> Result<()> {
        match typed {
            Typed::TakeOver(p) => self.take_over.extend(selectors(p.rules, at)?),
            Typed::ReadOnly(p) => self.read_only.extend(selectors(p.rules, at)?),
            Typed::SharedResource(p) => self.shared.extend(selectors(p.rules, at)?),
            Typed::ApplyOnce(p) => {
                if !self.apply_once_seen {
                    self.apply_once_seen = true;
                    self.apply_once_enabled = p.enable;
                }
                for (j, rule) in p.rules.into_iter().enumerate() {
                    let rule_at = format!("{at}.rules[{j}]");
                    check_selector(&rule.selector, &rule_at)?;
                    let strategy = rule.strategy.ok_or_else(|| {
                        policy_error(
                            format!("{rule_at}.strategy"),
                            "is missing; set path (the fields whose live values are kept, `*` for \
                             the whole object) and affect",
                        )
                    })?;
                    let whole = strategy.path.iter().any(|p| p == "*");
                    let listed: Vec<String> = strategy.path.iter().filter(|p| *p != "*").cloned().collect();
                    let paths = parse_paths(&listed, &format!("{rule_at}.strategy.path"))?;
                    self.apply_once.push(OnceRule {
                        selector: rule.selector,
                        mode: ApplyOnceMode::Paths {
                            whole,
                            paths,
                            affect: strategy.affect.unwrap_or(ApplyOnceAffect::Always),
                        },
                    });
                }
            }
            Typed::GarbageCollect(p) => {
                if !self.gc_seen {
                    self.gc_seen = true;
                    self.gc_settings = GcSettings {
                        keep_legacy: p.keep_legacy_resource,
                        continue_on_failure: p.continue_on_failure,
                        dependency_order: p.order == Some(GarbageCollectOrder::Dependency),
                        revision_limit: p.application_revision_limit,
                    };
                    if let Some(limit) = p.application_revision_limit.filter(|l| *l < 0) {
                        return Err(policy_error(
                            format!("{at}.applicationRevisionLimit"),
                            format!("is {limit}; expected 0 or more"),
                        ));
                    }
                }
                for (j, rule) in p.rules.into_iter().enumerate() {
                    check_selector(&rule.selector, &format!("{at}.rules[{j}]"))?;
                    self.gc.push(GcRule {
                        selector: rule.selector,
                        strategy: rule.strategy.unwrap_or(GcStrategy::OnAppUpdate),
                        propagation: rule.propagation,
                    });
                }
            }
            Typed::ResourceUpdate(p) => {
                for (j, rule) in p.rules.into_iter().enumerate() {
                    let rule_at = format!("{at}.rules[{j}]");
                    check_selector(&rule.selector, &rule_at)?;
                    let recreate_fields = parse_paths(
                        &rule.strategy.recreate_fields,
                        &format!("{rule_at}.strategy.recreateFields"),
                    )?;
                    self.update.push(UpdateRule {
                        selector: rule.selector,
                        replace: rule.strategy.op == Some(ResourceUpdateOp::Replace),
                        recreate_fields,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// What the rules say about the object `kind`/`name` rendered by `origin`.
    pub(crate) fn for_object(&self, origin: &Origin<'_>, kind: &str, name: &str) -> ObjectRules {
        let target = SelectorTarget {
            component_name: origin.component.to_owned(),
            component_type: origin.component_type.to_owned(),
            oam_type: Some(if origin.trait_type.is_some() {
                OamType::Trait
            } else {
                OamType::Component
            }),
            trait_type: origin.trait_type.unwrap_or_default().to_owned(),
            kind: kind.to_owned(),
            name: name.to_owned(),
        };
        let any = |list: &[Selector]| list.iter().any(|s| s.matches(&target));
        let mut rules = ObjectRules {
            take_over: any(&self.take_over),
            read_only: any(&self.read_only),
            shared: any(&self.shared),
            ..ObjectRules::default()
        };
        if let Some(gc) = self.gc.iter().find(|r| r.selector.matches(&target)) {
            rules.gc = gc.strategy;
            rules.propagation = gc.propagation;
        }
        if self.apply_once_enabled {
            rules.apply_once = if self.apply_once.is_empty() {
                ApplyOnceMode::MetaOnly
            } else {
                self.apply_once
                    .iter()
                    .find(|r| r.selector.matches(&target))
                    .map(|r| r.mode.clone())
                    .unwrap_or_default()
            };
        }
        if let Some(update) = self.update.iter().find(|r| r.selector.matches(&target)) {
            rules.replace = update.replace;
            rules.recreate_fields.clone_from(&update.recreate_fields);
        }
        rules
    }

    /// What the rules say about a tracked object (the component's type is looked up in `app`,
    /// or read from the stored object's `workload.oam.dev/type` label).
    pub(crate) fn for_tracked(&self, app: Option<&Application>, r: &ManagedResource) -> ObjectRules {
        let from_app = app
            .and_then(|a| a.spec.components.iter().find(|c| c.name == r.component))
            .map(|c| c.type_.as_str());
        let from_label = r
            .raw
            .as_ref()
            .and_then(|raw| raw["metadata"]["labels"][vela_model::labels::label::WORKLOAD_TYPE].as_str());
        let origin = Origin {
            component: &r.component,
            component_type: from_app.or(from_label).unwrap_or_default(),
            trait_type: Some(r.trait_.as_str()).filter(|t| !t.is_empty()),
        };
        self.for_object(&origin, &r.kind, &r.name)
    }

    /// Whether state-keep runs at all (`apply-once` with `enable` and no rules turns it off).
    pub(crate) fn state_keep(&self) -> bool {
        !(self.apply_once_enabled && self.apply_once.is_empty())
    }

    /// `garbage-collect.applicationRevisionLimit`: how many ApplicationRevisions to keep, when
    /// the application says.
    #[allow(dead_code)] // read by revisions, which land separately
    pub(crate) fn revision_limit(&self) -> Option<i64> {
        self.gc_settings.revision_limit
    }
}

/// The Application `owner` stored in the hub (its metadata and spec, without the status) and the
/// rules of its policies (no application, no rules).
///
/// # Errors
/// [`Error::Cluster`] when the hub fails, [`Error::Stored`] when the stored object does not
/// decode, [`Error::Policy`] as [`Rules::of`].
pub(crate) async fn stored_rules(
    objects: &dyn Objects,
    owner: &Owner,
) -> Result<(Option<Application>, Rules)> {
    let key = Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: "Application".into(),
        namespace: owner.namespace.clone(),
        name: owner.name.clone(),
    };
    let Some(obj) = objects.get_shared(&key).await? else {
        return Ok((None, Rules::default()));
    };
    // its metadata and spec: the rules do not read the status, which is most of a stored
    // Application
    let stored = |source| Error::Stored {
        what: format!("Application {}", owner.id()),
        source,
    };
    let app = Application {
        metadata: serde::Deserialize::deserialize(&obj["metadata"]).map_err(stored)?,
        spec: serde::Deserialize::deserialize(&obj["spec"]).map_err(stored)?,
        status: None,
    };
    let rules = Rules::of(&app)?;
    Ok((Some(app), rules))
}

fn selectors(rules: Vec<vela_model::policy::SelectorRule>, at: &str) -> Result<Vec<Selector>> {
    rules
        .into_iter()
        .enumerate()
        .map(|(j, r)| {
            check_selector(&r.selector, &format!("{at}.rules[{j}]"))?;
            Ok(r.selector)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(policies: serde_json::Value) -> Application {
        serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
            "spec": {"components": [{"name": "web", "type": "webservice"}], "policies": policies}
        }))
        .unwrap()
    }

    fn rules(policies: serde_json::Value) -> Rules {
        Rules::of(&app(policies)).unwrap()
    }

    const WEB: Origin<'static> = Origin {
        component: "web",
        component_type: "webservice",
        trait_type: None,
    };
    const EXPOSE: Origin<'static> = Origin {
        component: "web",
        component_type: "webservice",
        trait_type: Some("expose"),
    };

    #[test]
    fn every_set_condition_must_hold() {
        let r = rules(json!([{"type": "take-over", "properties": {"rules": [
            {"selector": {"componentNames": ["web"], "resourceTypes": ["Deployment"]}}]}}]));
        assert!(r.for_object(&WEB, "Deployment", "web").take_over);
        assert!(!r.for_object(&EXPOSE, "Service", "web").take_over);
        // names are no condition of this selector
        assert!(r.for_object(&WEB, "Deployment", "other").take_over);
        let other = Origin {
            component: "db",
            ..WEB
        };
        assert!(!r.for_object(&other, "Deployment", "db").take_over);
    }

    #[test]
    fn each_condition_selects() {
        let cases = [
            (json!({"componentNames": ["web"]}), true, true),
            (json!({"componentTypes": ["webservice"]}), true, true),
            (json!({"componentTypes": ["worker"]}), false, false),
            (json!({"oamTypes": ["COMPONENT"]}), true, false),
            (json!({"oamTypes": ["TRAIT"]}), false, true),
            (json!({"traitTypes": ["expose"]}), false, true),
            (json!({"resourceTypes": ["Service"]}), false, true),
            (json!({"resourceNames": ["web-svc"]}), false, true),
            (json!({"resourceNames": ["web"]}), true, false),
        ];
        for (selector, workload, service) in cases {
            let r = rules(json!([{"type": "read-only", "properties": {"rules": [{"selector": selector}]}}]));
            assert_eq!(
                r.for_object(&WEB, "Deployment", "web").read_only,
                workload,
                "{selector}"
            );
            assert_eq!(
                r.for_object(&EXPOSE, "Service", "web-svc").read_only,
                service,
                "{selector}"
            );
        }
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let r = rules(json!([{"type": "garbage-collect", "properties": {"rules": [
            {"selector": {"traitTypes": ["expose"]}, "strategy": "never"},
            {"selector": {"componentNames": ["web"]}, "strategy": "onAppDelete", "propagation": "orphan"}]}}]));
        assert_eq!(r.for_object(&EXPOSE, "Service", "web").gc, GcStrategy::Never);
        let web = r.for_object(&WEB, "Deployment", "web");
        assert_eq!(web.gc, GcStrategy::OnAppDelete);
        assert_eq!(web.propagation, Some(GcPropagation::Orphan));
        let other = Origin {
            component: "db",
            ..WEB
        };
        assert_eq!(
            r.for_object(&other, "Deployment", "db").gc,
            GcStrategy::OnAppUpdate
        );
    }

    #[test]
    fn apply_once_modes() {
        let r = rules(json!([{"type": "apply-once", "properties": {"enable": true}}]));
        assert_eq!(
            r.for_object(&WEB, "Deployment", "web").apply_once,
            ApplyOnceMode::MetaOnly
        );
        assert!(!r.state_keep());
        let r = rules(
            json!([{"type": "apply-once", "properties": {"enable": false, "rules": [
            {"selector": {"componentNames": ["web"]}, "strategy": {"path": ["spec.replicas"]}}]}}]),
        );
        assert_eq!(
            r.for_object(&WEB, "Deployment", "web").apply_once,
            ApplyOnceMode::Off
        );
        let r = rules(
            json!([{"type": "apply-once", "properties": {"enable": true, "rules": [
            {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"path": ["spec.replicas"], "affect": "onStateKeep"}}]}}]),
        );
        assert!(r.state_keep());
        let mode = r.for_object(&WEB, "Deployment", "web").apply_once;
        assert_eq!(mode.kept_at(Stage::Update), None);
        let kept = mode.kept_at(Stage::StateKeep).unwrap().unwrap();
        assert_eq!(kept[0].text, "spec.replicas");
        assert_eq!(
            r.for_object(&EXPOSE, "Service", "web").apply_once,
            ApplyOnceMode::Off
        );
    }

    #[test]
    fn addons_are_applied_once() {
        let mut a = app(json!([]));
        a.metadata.labels = Some([(ADDON_LABEL.to_owned(), "fluxcd".to_owned())].into());
        let r = Rules::of(&a).unwrap();
        assert_eq!(
            r.for_object(&WEB, "Deployment", "web").apply_once,
            ApplyOnceMode::MetaOnly
        );
    }

    #[test]
    fn resource_update_and_gc_settings() {
        let r = rules(json!([
            {"type": "resource-update", "properties": {"rules": [{"selector": {"resourceTypes": ["Deployment"]},
                "strategy": {"op": "replace", "recreateFields": ["spec.selector"]}}]}},
            {"type": "garbage-collect", "properties": {"keepLegacyResource": true, "order": "dependency",
                "continueOnFailure": true, "applicationRevisionLimit": 3}}]));
        let web = r.for_object(&WEB, "Deployment", "web");
        assert!(web.replace);
        assert_eq!(web.recreate_fields[0].text, "spec.selector");
        assert!(!r.for_object(&EXPOSE, "Service", "web").replace);
        assert_eq!(
            r.gc_settings,
            GcSettings {
                keep_legacy: true,
                continue_on_failure: true,
                dependency_order: true,
                revision_limit: Some(3)
            }
        );
        assert_eq!(r.revision_limit(), Some(3));
    }

    fn error(policies: serde_json::Value) -> (String, String) {
        match Rules::of(&app(policies)).unwrap_err() {
            Error::Policy { path, message } => (path, message),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        let (path, message) = error(json!([
            {"type": "topology", "properties": {"clusters": ["local"]}},
            {"type": "take-over", "properties": {"rules": [{"selector": {"componentNames": ["web"]}}]}},
            {"type": "read-only", "properties": {"rules": [{"selector": {}}]}}]));
        assert_eq!(path, "spec.policies[2].properties.rules[0].selector");
        assert!(message.contains("no condition"), "{message}");
        let (path, _) = error(
            json!([{"type": "shared-resource", "properties": {"rules": [{"selector": {"componentNames": "web"}}]}}]),
        );
        assert_eq!(
            path,
            "spec.policies[0].properties.rules[0].selector.componentNames"
        );
        let (path, message) = error(
            json!([{"type": "apply-once", "properties": {"enable": true, "rules": [
            {"selector": {"componentNames": ["web"]}, "strategy": {"path": ["spec..replicas"]}}]}}]),
        );
        assert_eq!(path, "spec.policies[0].properties.rules[0].strategy.path[0]");
        assert!(message.contains("spec..replicas"), "{message}");
        let (path, _) = error(
            json!([{"type": "apply-once", "properties": {"enable": true, "rules": [
            {"selector": {"componentNames": ["web"]}}]}}]),
        );
        assert_eq!(path, "spec.policies[0].properties.rules[0].strategy");
        let (path, _) = error(json!([{"type": "resource-update", "properties": {"rules": [
            {"selector": {"componentNames": ["web"]}, "strategy": {"recreateFields": ["a", "b["]}}]}}]));
        assert_eq!(
            path,
            "spec.policies[0].properties.rules[0].strategy.recreateFields[1]"
        );
        let (path, _) = error(json!([{"type": "garbage-collect", "properties": {"rules": [
            {"selector": {"componentNames": ["web"]}, "strategy": "sometimes"}]}}]));
        assert_eq!(path, "spec.policies[0].properties.rules[0].strategy");
        let (path, _) =
            error(json!([{"type": "garbage-collect", "properties": {"applicationRevisionLimit": -1}}]));
        assert_eq!(path, "spec.policies[0].properties.applicationRevisionLimit");
    }

    #[test]
    fn custom_and_placement_policies_are_not_resource_rules() {
        let r = rules(
            json!([{"type": "topology", "properties": {"clusters": ["local"]}},
            {"type": "my-policy", "properties": {"anything": 1}}]),
        );
        assert_eq!(r.for_object(&WEB, "Deployment", "web"), ObjectRules::default());
        assert!(r.state_keep());
    }

    #[test]
    fn tracked_objects_find_their_component_type() {
        let r = rules(
            json!([{"type": "read-only", "properties": {"rules": [{"selector": {"componentTypes": ["webservice"]}}]}}]),
        );
        let tracked = ManagedResource {
            kind: "Deployment".into(),
            name: "web".into(),
            component: "web".into(),
            ..ManagedResource::default()
        };
        assert!(r.for_tracked(Some(&app(json!([]))), &tracked).read_only);
        assert!(!r.for_tracked(None, &tracked).read_only);
        let labelled = ManagedResource {
            raw: Some(json!({"metadata": {"labels": {"workload.oam.dev/type": "webservice"}}})),
            ..tracked
        };
        assert!(r.for_tracked(None, &labelled).read_only);
    }
}
