//! Applying and releasing one object on behalf of an application, with the ownership rules and
//! the resource policies:
//! - an object another application owns, or that nobody owns, is never overwritten, adopted or
//!   deleted, unless a policy allows it (`take-over` adopts an unowned one, `shared-resource`
//!   joins one whose owner shares it), and the error names the owner;
//! - `read-only` objects are never written and must exist;
//! - `apply-once` paths keep their live values, `resource-update` recreate fields delete and
//!   re-create the object, `replace` writes conditionally on the version read;
//! - releasing a shared object hands it to the next sharer instead of deleting it, and nothing
//!   is deleted because a read failed.
//!
//! Ownership is what delivery stamps on every object: the labels `app.oam.dev/name` and
//! `app.oam.dev/namespace`, as KubeVela does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use vela_model::labels::{annotation, label};
use vela_model::policy::GcPropagation;
use vela_multicluster::{Key, Objects, Propagation};

use crate::admission::Admission;
use crate::fieldpath::FieldPath;
use crate::policy::{ObjectRules, Origin, Rules, Stage};
use crate::{Error, Result};

/// The application an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Owner {
    pub(crate) name: String,
    pub(crate) namespace: String,
}

impl Owner {
    pub(crate) fn new(name: &str, namespace: &str) -> Self {
        Self {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
        }
    }

    /// `namespace/name`, as errors, [`owner_of`] and the `app.oam.dev/shared-by` annotation
    /// spell it.
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The labels delivery stamps on every object it applies.
    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (label::APP_NAME.to_owned(), self.name.clone()),
            (label::APP_NAMESPACE.to_owned(), self.namespace.clone()),
        ])
    }
}

/// Who owns a live object, by the labels delivery stamps: `Some("ns/name")`, or `None`.
pub(crate) fn owner_of(live: &Value) -> Option<String> {
    let labels = &live["metadata"]["labels"];
    let name = labels.get(label::APP_NAME)?.as_str()?;
    let namespace = labels
        .get(label::APP_NAMESPACE)
        .and_then(Value::as_str)
        .unwrap_or("default");
    Some(format!("{namespace}/{name}"))
}

/// The applications listed in an object's `app.oam.dev/shared-by` annotation, in order
/// (empty entries skipped).
pub(crate) fn sharers_of(live: &Value) -> Vec<String> {
    live["metadata"]["annotations"][annotation::SHARED_BY]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What applying an object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// It did not exist and was created.
    Created,
    /// The application's object was updated.
    Updated,
    /// An object no application owned was adopted (`take-over`).
    Adopted,
    /// A recreate field changed: it was deleted and created again (`resource-update`).
    Recreated,
    /// Another application owns and shares it: this one only joined the
    /// `app.oam.dev/shared-by` annotation (`shared-resource`).
    JoinedShare,
    /// Read-only: it exists and was not written (`read-only`).
    ReadOnly,
}

/// The result of applying one object.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The object.
    pub(crate) key: Key,
    /// The live object after the apply.
    pub(crate) live: Arc<Value>,
    /// What was applied (for [`Action::ReadOnly`] and [`Action::JoinedShare`], the live object,
    /// which is not the application's to restore).
    pub(crate) raw: Value,
    /// What happened.
    pub(crate) action: Action,
    /// What the policies say about the object.
    pub(crate) rules: ObjectRules,
    /// Whether a write was sent (an object this generation already applied with the same
    /// content, and whose live state still holds it, is not written again).
    pub(crate) written: bool,
}

impl Applied {
    /// Whether the application owns the object's content (and state-keep may restore it).
    pub(crate) fn owns_content(&self) -> bool {
        !matches!(self.action, Action::JoinedShare | Action::ReadOnly)
    }
}

fn not_owned(key: &Key) -> Error {
    Error::NotOwned {
        cluster: key.cluster.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    }
}

fn owned_by_another(key: &Key, owner: String) -> Error {
    Error::OwnedByAnother {
        cluster: key.cluster.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        owner,
    }
}

/// Applies `obj` (rendered by `origin`) to `cluster` for `owner` under the policies' `rules`:
/// stamps the owner labels, refuses an existing object another application or nobody owns
/// unless a policy allows it, honours read-only, shared-resource, apply-once (stage update) and
/// resource-update, and says what it did.
///
/// # Errors
/// [`Error::Forbidden`], [`Error::OwnedByAnother`], [`Error::NotOwned`], [`Error::NotShared`],
/// [`Error::ReadOnlyMissing`], [`Error::RecreatePending`], [`Error::Cluster`].
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_object(
    objects: &dyn Objects,
    cluster: &str,
    owner: &Owner,
    rules: &Rules,
    admission: &Admission,
    origin: &Origin<'_>,
    mut obj: Value,
    last: Option<&Value>,
) -> Result<Applied> {
    let key = Key::of(cluster, &obj)?;
    let namespaced = if admission.needs_scope() {
        objects.namespaced(cluster, &key.api_version, &key.kind).await?
    } else {
        None
    };
    if let Err(refusal) = admission.check(&owner.namespace, &key, namespaced) {
        return Err(Error::Forbidden {
            cluster: key.cluster,
            kind: key.kind,
            namespace: key.namespace,
            name: key.name,
            reason: refusal.to_string(),
        });
    }
    let decided = rules.for_object(origin, &key.kind, &key.name);
    let existing = objects.get_shared(&key).await?;
    if decided.read_only {
        let Some(live) = existing else {
            return Err(Error::ReadOnlyMissing {
                cluster: key.cluster,
                kind: key.kind,
                namespace: key.namespace,
                name: key.name,
            });
        };
        return Ok(Applied {
            key,
            raw: Value::clone(&live),
            live,
            action: Action::ReadOnly,
            rules: decided,
            written: false,
        });
    }
    let mut action = Action::Created;
    if let Some(live) = &existing {
        action = Action::Updated;
        match owner_of(live) {
            Some(found) if found == owner.id() => {}
            Some(found) if decided.shared => {
                if sharers_of(live).is_empty() {
                    return Err(Error::NotShared {
                        cluster: key.cluster,
                        kind: key.kind,
                        namespace: key.namespace,
                        name: key.name,
                        owner: found,
                    });
                }
                let live = join_share(objects, &key, live, owner).await?;
                return Ok(Applied {
                    key,
                    raw: Value::clone(&live),
                    live,
                    action: Action::JoinedShare,
                    rules: decided,
                    written: true,
                });
            }
            Some(found) => return Err(owned_by_another(&key, found)),
            None if decided.take_over => action = Action::Adopted,
            None => return Err(not_owned(&key)),
        }
    }
    if let (Some(live), Some(kept)) = (&existing, decided.apply_once.kept_at(Stage::Update)) {
        keep_live(&mut obj, live, kept);
    }
    for (k, v) in owner.labels() {
        obj["metadata"]["labels"][k] = Value::String(v);
    }
    if decided.shared {
        let mut sharers = existing.as_deref().map(sharers_of).unwrap_or_default();
        if !sharers.contains(&owner.id()) {
            sharers.push(owner.id());
        }
        obj["metadata"]["annotations"][annotation::SHARED_BY] = Value::String(sharers.join(","));
    }
    if let Some(live) = &existing {
        if let Some(field) = changed_field(&decided.recreate_fields, live, &obj) {
            tracing::info!(kind = %key.kind, name = %key.name, field, "recreating (resource-update)");
            objects.delete(&key).await?;
            if objects.get_shared(&key).await?.is_some() {
                return Err(Error::RecreatePending {
                    cluster: key.cluster,
                    kind: key.kind,
                    namespace: key.namespace,
                    name: key.name,
                    field: field.to_owned(),
                });
            }
            action = Action::Recreated;
        } else if decided.replace {
            // a replace is conditional on the version read, as a PUT is
            obj["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
        }
    }
    // applied in this generation with the same content and nothing of it drifted: a server-side
    // apply would change nothing, so it is not sent (a pass that waits for health writes nothing)
    if let (Some(live), Some(last), Action::Updated) = (&existing, last, action)
        && !decided.replace
        && crate::tracker::tracked_eq(&obj, last)
        && holds(live, &obj)
    {
        return Ok(Applied {
            key,
            live: live.clone(),
            raw: obj,
            action,
            rules: decided,
            written: false,
        });
    }
    let live = objects.apply_shared(cluster, obj.clone()).await?;
    if let Some(meta) = obj["metadata"].as_object_mut() {
        meta.remove("resourceVersion");
    }
    Ok(Applied {
        key,
        live,
        raw: obj,
        action,
        rules: decided,
        written: true,
    })
}

/// Whether `live` holds every field `desired` sets, with the same value (lists element by
/// element, with the same length).
pub(crate) fn holds(live: &Value, desired: &Value) -> bool {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => {
            d.iter().all(|(k, v)| l.get(k).is_some_and(|lv| holds(lv, v)))
        }
        (Value::Array(l), Value::Array(d)) => l.len() == d.len() && l.iter().zip(d).all(|(a, b)| holds(a, b)),
        (l, d) => l == d,
    }
}

/// Copies the live values of `kept` paths (`None`: the whole object) into `obj`; a path the
/// live object does not have is dropped from `obj`.
pub(crate) fn keep_live(obj: &mut Value, live: &Value, kept: Option<&[FieldPath]>) {
    let Some(paths) = kept else {
        *obj = rewritable(live);
        if let Some(meta) = obj["metadata"].as_object_mut() {
            meta.remove("resourceVersion");
        }
        return;
    };
    for path in paths {
        match path.get(live) {
            Some(value) => path.set(obj, value.clone()),
            None => path.remove(obj),
        }
    }
}

/// The first recreate field whose desired value differs from the live one (a field the desired
/// object does not set is not compared).
fn changed_field<'p>(fields: &'p [FieldPath], live: &Value, desired: &Value) -> Option<&'p str> {
    fields
        .iter()
        .find(|f| f.get(desired).is_some_and(|d| f.get(live) != Some(d)))
        .map(|f| f.text.as_str())
}

/// The metadata the server sets, which [`rewritable`] leaves out.
pub(crate) const SERVER_SET_METADATA: &[&str] = &[
    "uid",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// A live object as it can be written back: without status and server-set metadata, but with
/// its `resourceVersion`, so that the write fails if the object changed since it was read.
pub(crate) fn rewritable(live: &Value) -> Value {
    let mut obj = live.clone();
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = obj["metadata"].as_object_mut() {
        for server_side in SERVER_SET_METADATA {
            meta.remove(*server_side);
        }
    }
    obj
}

/// Adds `owner` to the `app.oam.dev/shared-by` annotation of an object another application
/// owns; nothing else is written (nothing at all when it is listed already).
async fn join_share(
    objects: &dyn Objects,
    key: &Key,
    live: &Arc<Value>,
    owner: &Owner,
) -> Result<Arc<Value>> {
    let mut sharers = sharers_of(live);
    if sharers.contains(&owner.id()) {
        return Ok(Arc::clone(live));
    }
    sharers.push(owner.id());
    let mut obj = rewritable(live);
    obj["metadata"]["annotations"][annotation::SHARED_BY] = Value::String(sharers.join(","));
    Ok(objects.apply_shared(&key.cluster, obj).await?)
}

/// Refuses an existing object that another application, or nobody, owns.
#[allow(dead_code)] // kept for callers that check before rendering
pub(crate) async fn check_owner(objects: &dyn Objects, key: &Key, owner: &Owner) -> Result<()> {
    let Some(live) = objects.get(key).await? else {
        return Ok(());
    };
    match owner_of(&live) {
        Some(found) if found == owner.id() => Ok(()),
        Some(found) => Err(owned_by_another(key, found)),
        None => Err(not_owned(key)),
    }
}

/// What releasing an object did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Released {
    /// It did not exist.
    Gone,
    /// It was deleted.
    Deleted,
    /// It was shared: the application left the `app.oam.dev/shared-by` annotation and handed
    /// ownership to the next sharer, `namespace/name`.
    HandedOver(String),
    /// It was shared and owned by another: the application left the annotation.
    Unshared,
    /// It belongs to another application or to nobody: left alone.
    NotOurs,
}

/// Releases an object `owner` holds: deletes it (with `propagation` for its dependents) if the
/// application owns it and shares it with nobody; if others share it, leaves the
/// `app.oam.dev/shared-by` annotation and hands ownership to the next sharer; leaves anything
/// else alone. A failed read deletes nothing.
pub(crate) async fn release(
    objects: &dyn Objects,
    key: &Key,
    owner: &Owner,
    propagation: Option<GcPropagation>,
) -> Result<Released> {
    let Some(live) = objects.get(key).await? else {
        return Ok(Released::Gone);
    };
    let me = owner.id();
    let owned = owner_of(&live).as_deref() == Some(me.as_str());
    let sharers = sharers_of(&live);
    if sharers.contains(&me) {
        let rest: Vec<String> = sharers.into_iter().filter(|s| *s != me).collect();
        if let Some(next) = rest.first().cloned() {
            let mut obj = rewritable(&live);
            obj["metadata"]["annotations"][annotation::SHARED_BY] = Value::String(rest.join(","));
            let released = if owned {
                let (namespace, name) = next.split_once('/').unwrap_or(("default", next.as_str()));
                obj["metadata"]["labels"][label::APP_NAME] = Value::String(name.to_owned());
                obj["metadata"]["labels"][label::APP_NAMESPACE] = Value::String(namespace.to_owned());
                Released::HandedOver(next.clone())
            } else {
                Released::Unshared
            };
            objects.apply(&key.cluster, obj).await?;
            return Ok(released);
        }
    }
    if !owned {
        return Ok(Released::NotOurs);
    }
    let deleted = delete_with(objects, key, propagation).await?;
    Ok(if deleted {
        Released::Deleted
    } else {
        Released::Gone
    })
}

/// Deletes `key` with the garbage-collect policy's propagation for its dependents: `orphan`
/// keeps them (without their ownerReference to it), `cascading` and the default delete them in
/// the background.
async fn delete_with(objects: &dyn Objects, key: &Key, propagation: Option<GcPropagation>) -> Result<bool> {
    let propagation = match propagation {
        Some(GcPropagation::Orphan) => Propagation::Orphan,
        Some(GcPropagation::Cascading) | None => Propagation::Background,
    };
    Ok(objects.delete_with(key, propagation).await?)
}

/// Deletes an object if `owner` owns it and nobody shares it (a shared one is handed to the
/// next sharer); a failed read deletes nothing. Returns whether it deleted something.
#[allow(dead_code)] // kept for callers that delete one object; deletion uses collect::remove_all
pub(crate) async fn delete_owned(objects: &dyn Objects, key: &Key, owner: &Owner) -> Result<bool> {
    Ok(release(objects, key, owner, None).await? == Released::Deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owners_come_from_the_labels() {
        let live =
            json!({"metadata": {"labels": {"app.oam.dev/name": "shop", "app.oam.dev/namespace": "team"}}});
        assert_eq!(owner_of(&live).as_deref(), Some("team/shop"));
        assert_eq!(owner_of(&json!({"metadata": {}})), None);
        assert_eq!(Owner::new("shop", "team").id(), "team/shop");
    }

    #[test]
    fn sharers_skip_empty_entries() {
        let live = json!({"metadata": {"annotations": {"app.oam.dev/shared-by": "a/x,, b/y ,"}}});
        assert_eq!(sharers_of(&live), ["a/x", "b/y"]);
        assert!(sharers_of(&json!({})).is_empty());
    }

    #[test]
    fn apply_once_keeps_live_paths() {
        let live = json!({"metadata": {"name": "w", "uid": "u", "resourceVersion": "7"},
            "spec": {"replicas": 5, "image": "old"}, "status": {"ready": 1}});
        let mut obj =
            json!({"metadata": {"name": "w"}, "spec": {"replicas": 2, "image": "new", "paused": true}});
        let paths = [
            FieldPath::parse("spec.replicas").unwrap(),
            FieldPath::parse("spec.paused").unwrap(),
        ];
        keep_live(&mut obj, &live, Some(&paths));
        assert_eq!(
            obj,
            json!({"metadata": {"name": "w"}, "spec": {"replicas": 5, "image": "new"}})
        );
        keep_live(&mut obj, &live, None);
        assert_eq!(
            obj,
            json!({"metadata": {"name": "w"}, "spec": {"replicas": 5, "image": "old"}})
        );
    }

    #[test]
    fn recreate_fields_compare_what_the_desired_object_sets() {
        let fields = [FieldPath::parse("spec.selector").unwrap()];
        let live = json!({"spec": {"selector": {"app": "a"}, "clusterIP": "10.0.0.1"}});
        assert_eq!(changed_field(&fields, &live, &json!({"spec": {}})), None);
        assert_eq!(
            changed_field(&fields, &live, &json!({"spec": {"selector": {"app": "a"}}})),
            None
        );
        assert_eq!(
            changed_field(&fields, &live, &json!({"spec": {"selector": {"app": "b"}}})),
            Some("spec.selector")
        );
    }
}
