//! Garbage collection, as the `garbage-collect` policy says: after a successful delivery, what
//! earlier generations applied and the current one does not is released (deleted while the
//! application still owns it, handed to the next sharer when shared), then the old generations'
//! trackers go; deleting the application releases everything it tracks.
//!
//! - strategy `onAppUpdate` (the default): collected when a new generation no longer renders it;
//!   `onAppDelete`: kept (in the root tracker) until the application is deleted; `never`: never
//!   deleted, not even with the application;
//! - `propagation`: what happens to the dependents of a deleted object;
//! - `keepLegacyResource`: objects of outdated generations stay; a generation's tracker goes
//!   once nothing it holds is still there and the application's;
//! - `order: dependency`: components are deleted in reverse `dependsOn` order (dependents first);
//! - `read-only` objects are never deleted;
//! - `continueOnFailure`: an object whose deletion fails does not stop the collection: the
//!   others are still released, and the failures are reported (the old trackers stay, so the
//!   next collection tries again). Without it, the first failure stops the collection.
//!
//! Nothing is deleted because a read failed, and an old tracker is removed only after every
//! object it held was released.

use std::collections::{BTreeMap, BTreeSet};

use vela_model::application::Application;
use vela_model::policy::GcStrategy;
use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::{Key, Objects};

use crate::Result;
use crate::apply::{Owner, Released, owner_of, release};
use crate::policy::{ObjectRules, stored_rules};
use crate::tracker;

/// What a collection did.
#[derive(Debug, Default)]
pub(crate) struct Collection {
    /// The objects deleted.
    pub(crate) deleted: Vec<Key>,
    /// The objects whose release failed, with the cause (only with `continueOnFailure`).
    pub(crate) failed: Vec<(Key, String)>,
}

/// Releases what earlier generations track and `current` (nor the root tracker) does not, then
/// their trackers.
pub(crate) async fn collect(
    objects: &dyn Objects,
    owner: &Owner,
    generation: i64,
    current: &[std::sync::Arc<ManagedResource>],
) -> Result<Collection> {
    let current_name = tracker::versioned_name(&owner.name, &owner.namespace, generation);
    let trackers = tracker::list(objects, &owner.name, &owner.namespace).await?;
    let mut keep: BTreeSet<String> = current.iter().map(|r| r.key()).collect();
    keep.extend(
        trackers
            .iter()
            .filter(|t| t.is_root())
            .flat_map(|t| t.resources.iter().map(|r| r.key())),
    );
    let old: Vec<&tracker::Tracker> = trackers
        .iter()
        .filter(|t| !t.is_root() && t.name != current_name)
        .collect();
    if old.is_empty() {
        return Ok(Collection::default());
    }
    let (app, rules) = stored_rules(objects, owner).await?;

    let mut to_root = Vec::new();
    let mut plan: Vec<(ManagedResource, ObjectRules)> = Vec::new();
    let mut planned = BTreeSet::new();
    for r in old.iter().flat_map(|t| &t.resources) {
        if keep.contains(&r.key()) || r.skip_gc || r.deleted || !planned.insert(r.key()) {
            continue;
        }
        let decided = rules.for_tracked(app.as_ref(), r);
        match decided.gc {
            _ if decided.read_only => {}
            GcStrategy::Never => to_root.push(ManagedResource {
                skip_gc: true,
                ..ManagedResource::clone(r)
            }),
            GcStrategy::OnAppDelete => to_root.push(ManagedResource::clone(r)),
            GcStrategy::OnAppUpdate => plan.push((ManagedResource::clone(r), decided)),
        }
    }
    if !to_root.is_empty() {
        tracker::add_to_root(objects, owner, generation, to_root).await?;
    }

    if rules.gc_settings.keep_legacy {
        // outdated objects stay; a tracker goes once it holds nothing that is still there
        // and the application's
        for t in old {
            let mut holds = false;
            for r in &t.resources {
                if keep.contains(&r.key()) || r.skip_gc {
                    continue;
                }
                let live = objects.get(&tracker::key_of(r)).await?;
                if live.is_some_and(|l| owner_of(&l).as_deref() == Some(owner.id().as_str())) {
                    holds = true;
                    break;
                }
            }
            if !holds {
                objects.delete(&t.key()).await?;
            }
        }
        return Ok(Collection::default());
    }

    if rules.gc_settings.dependency_order {
        sort_for_deletion(app.as_ref(), &mut plan);
    }
    let mut out = Collection::default();
    for (r, decided) in &plan {
        let key = tracker::key_of(r);
        match release(objects, &key, owner, decided.propagation).await {
            Ok(Released::Deleted) => out.deleted.push(key),
            Ok(_) => {}
            Err(e) if rules.gc_settings.continue_on_failure => {
                tracing::warn!(object = ?key, error = %crate::error::chain(&e), "collection goes on");
                out.failed.push((key, crate::error::chain(&e)));
            }
            Err(e) => return Err(e),
        }
    }
    if out.failed.is_empty() {
        for t in old {
            objects.delete(&t.key()).await?;
        }
    }
    Ok(out)
}

/// Releases everything the application's trackers hold (except `never` and read-only objects)
/// and removes the trackers; with `orphan`, every object stays and only the tracking goes.
/// Returns the objects deleted (with `orphan`, every tracked object), sorted.
pub(crate) async fn remove_all(objects: &dyn Objects, owner: &Owner, orphan: bool) -> Result<Vec<Key>> {
    let (app, rules) = match stored_rules(objects, owner).await {
        // an application whose policies are malformed can still be deleted: what earlier
        // generations recorded as never collected (skipGC) stays
        Err(crate::Error::Policy { path, message }) => {
            tracing::warn!(%path, %message, "deleting with malformed resource policies");
            (None, crate::policy::Rules::default())
        }
        other => other?,
    };
    let trackers = tracker::list(objects, &owner.name, &owner.namespace).await?;
    let mut seen = BTreeSet::new();
    let mut plan: Vec<(ManagedResource, ObjectRules)> = Vec::new();
    for r in trackers.iter().flat_map(|t| &t.resources) {
        if seen.insert(r.key()) {
            plan.push((ManagedResource::clone(r), rules.for_tracked(app.as_ref(), r)));
        }
    }
    let mut removed = Vec::new();
    if orphan {
        removed.extend(plan.iter().map(|(r, _)| tracker::key_of(r)));
    } else {
        if rules.gc_settings.dependency_order {
            sort_for_deletion(app.as_ref(), &mut plan);
        }
        for (r, decided) in &plan {
            if r.skip_gc || decided.read_only || decided.gc == GcStrategy::Never {
                continue;
            }
            let key = tracker::key_of(r);
            if release(objects, &key, owner, decided.propagation).await? == Released::Deleted {
                removed.push(key);
            }
        }
    }
    for t in &trackers {
        objects.delete(&t.key()).await?;
    }
    removed.sort();
    removed.dedup();
    Ok(removed)
}

/// Sorts objects so that dependents go before what they depend on (reverse `dependsOn`
/// order); components the application no longer has go first. The sort is stable.
fn sort_for_deletion(app: Option<&Application>, plan: &mut [(ManagedResource, ObjectRules)]) {
    let rank: BTreeMap<&str, usize> = app
        .map(|a| {
            let order = dependency_order(a);
            let n = order.len();
            order
                .into_iter()
                .enumerate()
                .map(|(pos, i)| (a.spec.components[i].name.as_str(), n - pos))
                .collect()
        })
        .unwrap_or_default();
    plan.sort_by_key(|(r, _)| rank.get(r.component.as_str()).copied().unwrap_or(0));
}

/// Component indexes in an order where every component comes after its `dependsOn` (a cycle
/// leaves the rest in place).
fn dependency_order(app: &Application) -> Vec<usize> {
    let comps = &app.spec.components;
    let mut done = vec![false; comps.len()];
    let mut order = Vec::with_capacity(comps.len());
    while order.len() < comps.len() {
        let before = order.len();
        for (i, c) in comps.iter().enumerate() {
            let ready = c
                .depends_on
                .iter()
                .all(|d| comps.iter().position(|o| &o.name == d).is_none_or(|j| done[j]));
            if !done[i] && ready {
                done[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            order.extend((0..comps.len()).filter(|i| !done[*i]));
            break;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dependents_are_deleted_first() {
        let app: Application = serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
            "spec": {"components": [
                {"name": "web", "type": "webservice", "dependsOn": ["db"]},
                {"name": "db", "type": "webservice"}]}}))
        .unwrap();
        let entry = |component: &str| {
            (
                ManagedResource {
                    component: component.into(),
                    ..ManagedResource::default()
                },
                ObjectRules::default(),
            )
        };
        let mut plan = vec![entry("db"), entry("web"), entry("gone")];
        sort_for_deletion(Some(&app), &mut plan);
        let order: Vec<&str> = plan.iter().map(|(r, _)| r.component.as_str()).collect();
        assert_eq!(order, ["gone", "web", "db"]);
    }
}
