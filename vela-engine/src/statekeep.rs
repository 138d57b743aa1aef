//! State-keep: restores the objects of an application that drifted from what it applied, from
//! the `raw` its ResourceTrackers keep, as KubeVela's resource keeper does after a successful
//! workflow and on every resync.
//!
//! - only the newest generation's tracker and the root tracker are read;
//! - objects recorded without `raw` (apply-once without rules, read-only objects, objects another
//!   application owns and shares) are not restored; with `apply-once` `enable` and no rules,
//!   state-keep does nothing at all;
//! - `apply-once` paths with `affect: onStateKeep` or `always` keep their live values, `*` the
//!   whole object;
//! - an object that was deleted is created again; one that another application or nobody owns
//!   now is not written (the error names the owner), unless `take-over` selects it.

use std::collections::BTreeSet;

use serde_json::Value;
use vela_multicluster::Key;

use crate::apply::{Owner, holds, keep_live, owner_of, sharers_of};
use crate::policy::{Stage, stored_rules};
use crate::{Engine, Error, Result, tracker};

impl Engine {
    /// Restores the objects of application `namespace/name` that drifted from what it applied
    /// (see the module docs for what is and is not restored). Returns the objects written,
    /// none when nothing drifted or there is no such application.
    ///
    /// # Errors
    /// [`Error::OwnedByAnother`] and [`Error::NotOwned`] for an object the application no
    /// longer owns, [`Error::Policy`] for malformed policies, [`Error::Stored`] for a tracker or
    /// application that does not decode, [`Error::Cluster`] when a cluster fails. Objects
    /// restored before the error stay restored.
    pub async fn state_keep(&self, namespace: &str, name: &str) -> Result<Vec<Key>> {
        let objects = self.clusters().as_ref();
        let owner = Owner::new(name, namespace);
        let (Some(app), rules) = stored_rules(objects, &owner).await? else {
            return Ok(Vec::new());
        };
        if !rules.state_keep() {
            return Ok(Vec::new());
        }
        // the current generation's tracker and the root tracker, read by name (a label list
        // would read every tracker of the hub)
        let generation = app.metadata.generation.unwrap_or(1);
        let newest = tracker::get(
            objects,
            &self.trackers,
            &tracker::versioned_name(name, namespace, generation),
        )
        .await?;
        let root = tracker::get(objects, &self.trackers, &tracker::root_name(name, namespace)).await?;
        let mut seen = BTreeSet::new();
        let mut restored = Vec::new();
        for r in newest.iter().chain(root.iter()).flat_map(|t| &t.resources) {
            if r.deleted || !seen.insert(r.key()) {
                continue;
            }
            let Some(raw) = &r.raw else {
                continue;
            };
            let decided = rules.for_tracked(Some(&app), r);
            if decided.read_only {
                continue;
            }
            let key = tracker::key_of(r);
            let desired_of = |raw: &Value| {
                let mut desired = tracker::tracked_raw(raw);
                for (k, v) in owner.labels() {
                    desired["metadata"]["labels"][k] = Value::String(v);
                }
                desired
            };
            let kept = decided.apply_once.kept_at(Stage::StateKeep);
            if let Some(live) = objects.get_shared(&key).await? {
                match owner_of(&live) {
                    Some(found) if found == owner.id() => {}
                    Some(_) if sharers_of(&live).contains(&owner.id()) => continue,
                    Some(found) => {
                        return Err(Error::OwnedByAnother {
                            cluster: key.cluster,
                            kind: key.kind,
                            namespace: key.namespace,
                            name: key.name,
                            owner: found,
                        });
                    }
                    None if decided.take_over => {}
                    None => {
                        return Err(Error::NotOwned {
                            cluster: key.cluster,
                            kind: key.kind,
                            namespace: key.namespace,
                            name: key.name,
                        });
                    }
                }
                // nothing kept live: whether it drifted is answered without copying `raw`
                if kept.is_none() && holds_tracked(&live, raw, &owner) == Some(true) {
                    continue;
                }
                let mut desired = desired_of(raw);
                if let Some(kept) = kept {
                    keep_live(&mut desired, &live, kept);
                }
                if holds(&live, &desired) {
                    continue;
                }
                tracing::info!(kind = %key.kind, namespace = %key.namespace, name = %key.name, "state-keep restores");
                objects.apply(&key.cluster, desired).await?;
                restored.push(key);
                continue;
            }
            tracing::info!(kind = %key.kind, namespace = %key.namespace, name = %key.name, "state-keep restores");
            objects.apply(&key.cluster, desired_of(raw)).await?;
            restored.push(key);
        }
        Ok(restored)
    }
}

/// `holds(live, desired)` for the `desired` state-keep writes from the tracked `raw` (its
/// [`tracker::tracked_raw`] with the owner's labels), without building it; `None` when `raw` is
/// not shaped as an object with an object `metadata` (then the caller builds it).
fn holds_tracked(live: &Value, raw: &Value, owner: &Owner) -> Option<bool> {
    let raw = raw.as_object()?;
    let meta = match raw.get("metadata") {
        None => None,
        Some(Value::Object(meta)) => Some(meta),
        Some(_) => return None,
    };
    let labels = match meta.and_then(|m| m.get("labels")) {
        None => None,
        Some(Value::Object(labels)) => Some(labels),
        Some(_) => return None,
    };
    let owner_labels = owner.labels();
    let live_meta = &live["metadata"];
    let live_labels = &live_meta["labels"];
    for (k, v) in &owner_labels {
        if live_labels.get(k).and_then(Value::as_str) != Some(v.as_str()) {
            return Some(false);
        }
    }
    let labels_hold = labels
        .into_iter()
        .flatten()
        .all(|(k, v)| owner_labels.contains_key(k) || live_labels.get(k).is_some_and(|l| holds(l, v)));
    if !labels_hold {
        return Some(false);
    }
    let meta_holds = meta.into_iter().flatten().all(|(k, v)| {
        k == "labels"
            || crate::apply::SERVER_SET_METADATA.contains(&k.as_str())
            || k == "resourceVersion"
            || live_meta.get(k).is_some_and(|l| holds(l, v))
    });
    if !meta_holds {
        return Some(false);
    }
    Some(
        raw.iter()
            .all(|(k, v)| k == "status" || k == "metadata" || live.get(k).is_some_and(|l| holds(l, v))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_drift_check_without_a_copy_agrees_with_the_desired_object() {
        let owner = Owner::new("shop", "default");
        let desired_of = |raw: &Value| {
            let mut desired = tracker::tracked_raw(raw);
            for (k, v) in owner.labels() {
                desired["metadata"]["labels"][k] = Value::String(v);
            }
            desired
        };
        let labels = json!({"app.oam.dev/name": "shop", "app.oam.dev/namespace": "default", "tier": "web"});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default", "uid": "u1", "resourceVersion": "7",
                "labels": labels, "annotations": {"a": "1"}},
            "data": {"k": "v", "extra": "x"}, "status": {"s": 1}});
        let raws = [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, "data": {"k": "v"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"tier": "web"}}, "data": {"k": "v"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"tier": "db"}}, "data": {"k": "v"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app.oam.dev/name": "other"}}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "uid": "other", "resourceVersion": "1", "generation": 3}, "status": {"s": 2}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "drifted"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"a": "2"}}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"missing": "v"}}),
        ];
        let unlabelled =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        for live in [&live, &unlabelled] {
            for raw in &raws {
                assert_eq!(
                    holds_tracked(live, raw, &owner),
                    Some(holds(live, &desired_of(raw))),
                    "{raw} on {live}"
                );
            }
        }
        // not shaped as an object with an object metadata: the caller builds the object
        assert_eq!(holds_tracked(&live, &json!({"metadata": null}), &owner), None);
        assert_eq!(
            holds_tracked(&live, &json!({"metadata": {"labels": null}}), &owner),
            None
        );
    }

    #[test]
    fn live_holds_what_was_applied() {
        let desired = json!({"spec": {"replicas": 2, "ports": [{"port": 80}]}});
        assert!(holds(
            &json!({"spec": {"replicas": 2, "ports": [{"port": 80, "protocol": "TCP"}], "extra": 1}}),
            &desired
        ));
        assert!(!holds(
            &json!({"spec": {"replicas": 3, "ports": [{"port": 80}]}}),
            &desired
        ));
        assert!(!holds(&json!({"spec": {"replicas": 2, "ports": []}}), &desired));
        assert!(!holds(&json!({"spec": {}}), &desired));
    }
}
