//! ResourceTrackers: which objects an Application owns, kept in the hub as KubeVela keeps them
//! (cluster-scoped `core.oam.dev/v1beta1` `ResourceTracker`): one `versioned` tracker per
//! application generation, named `<app>-v<generation>-<namespace>`, and the `root` tracker
//! `<app>-<namespace>` for objects collected only when the application is deleted (garbage-collect
//! strategy `onAppDelete`) or never (`never`, recorded with `skipGC`).
//!
//! What is recorded follows the resource policies: the tracked `raw` (what state-keep restores)
//! is the applied object without status and server-set metadata, and is left out for
//! `apply-once` without rules (metadata only), `read-only` objects (also `skipGC`) and objects
//! another application owns and shares.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use vela_model::policy::GcStrategy;
use vela_model::resource_tracker::{ManagedResource, Spec, TrackerType};
use vela_multicluster::{Key, Objects};

use crate::apply::{Applied, Owner, owner_of};
use crate::policy::{self, ApplyOnceMode};
use crate::{Error, Result};

/// The API version of ResourceTrackers.
pub(crate) const API_VERSION: &str = "core.oam.dev/v1beta1";

/// The name of the versioned tracker of an application generation.
pub(crate) fn versioned_name(app: &str, namespace: &str, generation: i64) -> String {
    format!("{app}-v{generation}-{namespace}")
}

/// The name of an application's root tracker.
pub(crate) fn root_name(app: &str, namespace: &str) -> String {
    format!("{app}-{namespace}")
}

/// The labels that tie a tracker (and every delivered object) to its application.
pub(crate) fn owner_labels(app: &str, namespace: &str) -> BTreeMap<String, String> {
    crate::apply::Owner::new(app, namespace).labels()
}

/// A tracker as stored: its name and spec, whose entries are in `resources` (shared, so that a
/// reconcile takes them from a tracker kept decoded without copying them).
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    pub(crate) name: String,
    /// The spec without its `managedResources` (they are in `resources`).
    pub(crate) spec: Spec,
    pub(crate) resources: Vec<Arc<ManagedResource>>,
}

impl Tracker {
    /// Whether this is the application's root tracker.
    pub(crate) fn is_root(&self) -> bool {
        self.spec.type_ == Some(TrackerType::Root)
    }

    /// The tracker's key in the hub.
    pub(crate) fn key(&self) -> Key {
        Key {
            cluster: String::new(),
            api_version: API_VERSION.into(),
            kind: "ResourceTracker".into(),
            namespace: String::new(),
            name: self.name.clone(),
        }
    }
}

/// Every tracker of an application in the hub.
pub(crate) async fn list(clusters: &dyn Objects, app: &str, namespace: &str) -> Result<Vec<Tracker>> {
    let items = clusters
        .list(
            "",
            API_VERSION,
            "ResourceTracker",
            "",
            &owner_labels(app, namespace),
        )
        .await?;
    items.iter().map(decode).collect()
}

/// Records what generation `generation` of the application applied: the objects whose
/// garbage-collect strategy is `onAppDelete` or `never` in the root tracker (the latter with
/// `skipGC`), the others in the generation's versioned tracker, with `raw` and `skipGC` as the
/// resource policies of the stored Application say (see the module docs).
pub(crate) async fn store(
    clusters: &dyn Objects,
    app: &str,
    namespace: &str,
    generation: i64,
    resources: &[Arc<ManagedResource>],
) -> Result<()> {
    let owner = Owner::new(app, namespace);
    let (stored, rules) = policy::stored_rules(clusters, &owner).await?;
    let mut versioned = Vec::with_capacity(resources.len());
    let mut root = Vec::new();
    for r in resources {
        let mut r = ManagedResource::clone(r);
        let decided = rules.for_tracked(stored.as_ref(), &r);
        let ours = r
            .raw
            .as_ref()
            .is_none_or(|raw| owner_of(raw).as_deref() == Some(owner.id().as_str()));
        r.raw = r.raw.take().map(into_tracked);
        if decided.read_only {
            r.skip_gc = true;
        }
        if decided.read_only || !ours || decided.apply_once == ApplyOnceMode::MetaOnly {
            r.raw = None;
        }
        match decided.gc {
            GcStrategy::Never => {
                r.skip_gc = true;
                root.push(r);
            }
            GcStrategy::OnAppDelete if !decided.read_only => root.push(r),
            _ => versioned.push(r),
        }
    }
    let moved: std::collections::BTreeSet<String> =
        versioned.iter().chain(&root).map(ManagedResource::key).collect();
    write(
        clusters,
        &owner,
        &versioned_name(app, namespace, generation),
        TrackerType::Versioned,
        generation,
        versioned,
    )
    .await?;
    let existing = get_once(clusters, &root_name(app, namespace)).await?;
    if root.is_empty() && existing.is_none() {
        return Ok(());
    }
    let mut entries: Vec<ManagedResource> = existing
        .map(|t| t.resources)
        .unwrap_or_default()
        .into_iter()
        .map(Arc::unwrap_or_clone)
        .filter(|r| !moved.contains(&r.key()))
        .collect();
    entries.extend(root);
    write(
        clusters,
        &owner,
        &root_name(app, namespace),
        TrackerType::Root,
        generation,
        entries,
    )
    .await
}

/// Adds `resources` to the root tracker (objects an older generation applied that the current
/// garbage-collect rules keep until the application is deleted, or forever).
pub(crate) async fn add_to_root(
    clusters: &dyn Objects,
    owner: &Owner,
    generation: i64,
    resources: Vec<ManagedResource>,
) -> Result<()> {
    let name = root_name(&owner.name, &owner.namespace);
    let mut entries: Vec<ManagedResource> = get_once(clusters, &name)
        .await?
        .map(|t| t.resources.into_iter().map(Arc::unwrap_or_clone).collect())
        .unwrap_or_default();
    for r in resources {
        entries.retain(|e| e.key() != r.key());
        entries.push(r);
    }
    write(clusters, owner, &name, TrackerType::Root, generation, entries).await
}

/// The key a tracker entry of the object `key` has ([`ManagedResource::key`]).
pub(crate) fn resource_key(key: &Key) -> String {
    ManagedResource {
        cluster: key.cluster.clone(),
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        ..ManagedResource::default()
    }
    .key()
}

/// The tracker entry of an object [`crate::apply::apply_object`] applied for `component` (and
/// `trait_type`, empty for the workload): `raw` is what was applied (not the live object, so
/// state-keep restores only what the application set), left out when the application does not
/// own the content (read-only, joined share) or `apply-once` keeps metadata only; read-only
/// objects are `skipGC`. [`store`] classifies into root and versioned trackers. The applied
/// `raw` moves into the entry (`applied.raw` is left `null`).
pub(crate) fn record(applied: &mut Applied, component: &str, trait_type: &str) -> ManagedResource {
    let key = &applied.key;
    let keep_raw = applied.owns_content() && applied.rules.apply_once != ApplyOnceMode::MetaOnly;
    ManagedResource {
        cluster: key.cluster.clone(),
        creator: Some(vela_model::common::ResourceCreator::Workflow),
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        uid: applied.live["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        component: component.to_owned(),
        trait_: trait_type.to_owned(),
        raw: keep_raw.then(|| into_tracked(std::mem::take(&mut applied.raw))),
        skip_gc: applied.rules.read_only,
        ..ManagedResource::default()
    }
}

/// The tracked form of an applied object: without status and server-set metadata.
pub(crate) fn tracked_raw(raw: &Value) -> Value {
    into_tracked(raw.clone())
}

/// [`tracked_raw`] in place (nothing copied).
fn into_tracked(mut raw: Value) -> Value {
    let Some(map) = raw.as_object_mut() else {
        return raw;
    };
    map.remove("status");
    match map.get_mut("metadata").and_then(Value::as_object_mut) {
        Some(meta) => {
            for server_side in crate::apply::SERVER_SET_METADATA {
                meta.remove(*server_side);
            }
            meta.remove("resourceVersion");
        }
        // an object without metadata keeps a `null` one, as `crate::apply::rewritable` spells it
        None => {
            map.entry("metadata").or_insert(Value::Null);
        }
    }
    raw
}

/// Whether [`tracked_raw`] of `obj` equals `tracked`, compared in place (nothing is copied: a
/// pass that waits for health compares every object it applied).
pub(crate) fn tracked_eq(obj: &Value, tracked: &Value) -> bool {
    let (Some(obj_map), Some(tracked_map)) = (obj.as_object(), tracked.as_object()) else {
        return false; // applied objects and their tracked forms are objects
    };
    let Some(meta) = obj.get("metadata").and_then(Value::as_object) else {
        return tracked_raw(obj) == *tracked;
    };
    let Some(tracked_meta) = tracked_map.get("metadata").and_then(Value::as_object) else {
        return false;
    };
    let kept_meta = |k: &str| k != "resourceVersion" && !crate::apply::SERVER_SET_METADATA.contains(&k);
    let same_meta = meta.keys().filter(|k| kept_meta(k)).count() == tracked_meta.len()
        && meta
            .iter()
            .filter(|(k, _)| kept_meta(k))
            .all(|(k, v)| tracked_meta.get(k) == Some(v));
    let kept = |k: &str| k != "status";
    same_meta
        && obj_map.keys().filter(|k| kept(k)).count() == tracked_map.len()
        && obj_map
            .iter()
            .filter(|(k, _)| kept(k) && k.as_str() != "metadata")
            .all(|(k, v)| tracked_map.get(k) == Some(v))
}

async fn write(
    clusters: &dyn Objects,
    owner: &Owner,
    name: &str,
    type_: TrackerType,
    generation: i64,
    resources: Vec<ManagedResource>,
) -> Result<()> {
    let mut spec = serde_json::to_value(Spec {
        type_: Some(type_),
        application_generation: generation,
        managed_resources: Vec::new(),
    })
    .unwrap_or(Value::Null);
    if !resources.is_empty()
        && let Some(map) = spec.as_object_mut()
    {
        // each entry serialised without its `raw`, which then moves in (serialising a `Value`
        // into a `Value` copies it)
        let entries = resources
            .into_iter()
            .map(|mut r| {
                let raw = r.raw.take();
                let mut entry = serde_json::to_value(&r).unwrap_or(Value::Null);
                if let (Some(raw), Some(fields)) = (raw, entry.as_object_mut()) {
                    fields.insert("raw".into(), raw);
                }
                entry
            })
            .collect();
        map.insert("managedResources".into(), Value::Array(entries));
    }
    let obj = json!({
        "apiVersion": API_VERSION,
        "kind": "ResourceTracker",
        "metadata": {"name": name, "labels": owner.labels()},
        "spec": spec,
    });
    clusters.apply_shared("", obj).await?;
    Ok(())
}

/// One tracker by name, or `None`; decoded once per stored version (see [`Decoded`]).
pub(crate) async fn get(
    clusters: &dyn Objects,
    decoded: &Decoded,
    name: &str,
) -> Result<Option<Arc<Tracker>>> {
    let key = Tracker {
        name: name.to_owned(),
        spec: Spec::default(),
        resources: Vec::new(),
    }
    .key();
    let Some(obj) = clusters.get_shared(&key).await? else {
        return Ok(None);
    };
    decoded.decode(&obj).map(Some)
}

/// One tracker by name, or `None`, decoded for this caller alone.
async fn get_once(clusters: &dyn Objects, name: &str) -> Result<Option<Tracker>> {
    Ok(get(clusters, &Decoded::new(0), name)
        .await?
        .map(Arc::unwrap_or_clone))
}

/// How many decoded trackers an engine keeps by default: the reconciles of one application
/// that follow each other find its tracker decoded. A tracker of 9 objects takes about 50 KB
/// decoded, and an engine that delivers many applications reconciles each again only after
/// the others, when no bounded cache still holds it: keeping 256 only held memory and made a
/// delivery of 2,000 applications slower (the delivery chapter of the book has the numbers).
pub(crate) const DECODED_CAPACITY: usize = 16;

/// Trackers decoded from the hub, kept across reconciles by name with the `uid` and
/// `resourceVersion` they were decoded from: a tracker whose stored version has not moved is
/// not decoded again (decoding a tracker of 9 objects was about a sixth of a no-change
/// reconcile). An object without a uid or resourceVersion (a backend that keeps neither) is
/// decoded every time. At most `capacity` trackers are kept; the oldest goes first.
#[derive(Debug)]
pub(crate) struct Decoded {
    capacity: usize,
    inner: Mutex<DecodedInner>,
}

#[derive(Debug, Default)]
struct DecodedInner {
    /// name -> (uid, resourceVersion, tracker)
    map: HashMap<String, (String, String, Arc<Tracker>)>,
    order: VecDeque<String>,
}

impl Decoded {
    /// An empty cache of `capacity` trackers (0 keeps nothing).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DecodedInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tracker `obj` holds, decoded now or when this version of it was last seen.
    pub(crate) fn decode(&self, obj: &Value) -> Result<Arc<Tracker>> {
        let meta = &obj["metadata"];
        let version = match (
            meta["name"].as_str(),
            meta["uid"].as_str(),
            meta["resourceVersion"].as_str(),
        ) {
            (Some(name), Some(uid), Some(rv)) if self.capacity > 0 && !uid.is_empty() && !rv.is_empty() => {
                Some((name, uid, rv))
            }
            _ => None,
        };
        if let Some((name, uid, rv)) = version
            && let Some((kept_uid, kept_rv, tracker)) = self.lock().map.get(name)
            && kept_uid == uid
            && kept_rv == rv
        {
            return Ok(tracker.clone());
        }
        let tracker = Arc::new(decode(obj)?);
        if let Some((name, uid, rv)) = version {
            let mut inner = self.lock();
            let entry = (uid.to_owned(), rv.to_owned(), tracker.clone());
            if inner.map.insert(name.to_owned(), entry).is_none() {
                inner.order.push_back(name.to_owned());
            }
            while inner.map.len() > self.capacity {
                let Some(oldest) = inner.order.pop_front() else {
                    break;
                };
                inner.map.remove(&oldest);
            }
        }
        Ok(tracker)
    }
}

fn decode(obj: &Value) -> Result<Tracker> {
    use serde::Deserialize as _;
    let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    let mut spec = Spec::deserialize(&obj["spec"]).map_err(|source| Error::Stored {
        what: format!("ResourceTracker {name}"),
        source,
    })?;
    let resources = std::mem::take(&mut spec.managed_resources)
        .into_iter()
        .map(Arc::new)
        .collect();
    Ok(Tracker {
        name,
        spec,
        resources,
    })
}

/// The key of a tracked object.
pub(crate) fn key_of(r: &ManagedResource) -> Key {
    Key {
        cluster: r.cluster.clone(),
        api_version: r.api_version.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_what_was_applied_when_it_is_the_applications() {
        use crate::apply::Action;
        use crate::policy::ObjectRules;
        let mut applied = Applied {
            key: Key {
                cluster: String::new(),
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: "default".into(),
                name: "c".into(),
            },
            live: json!({"metadata": {"uid": "u1", "resourceVersion": "4"}, "data": {"a": "1", "b": "2"}})
                .into(),
            raw: json!({"metadata": {"name": "c"}, "data": {"a": "1"}}),
            action: Action::Created,
            rules: ObjectRules::default(),
            written: true,
        };
        let r = record(&mut applied, "web", "");
        assert_eq!((r.uid.as_str(), r.skip_gc), ("u1", false));
        assert_eq!(
            r.raw,
            Some(json!({"metadata": {"name": "c"}, "data": {"a": "1"}}))
        );
        let mut read_only = Applied {
            action: Action::ReadOnly,
            rules: ObjectRules {
                read_only: true,
                ..ObjectRules::default()
            },
            ..applied.clone()
        };
        let r = record(&mut read_only, "web", "");
        assert_eq!((r.raw, r.skip_gc), (None, true));
        let mut meta_only = Applied {
            rules: ObjectRules {
                apply_once: ApplyOnceMode::MetaOnly,
                ..ObjectRules::default()
            },
            ..applied
        };
        assert_eq!(record(&mut meta_only, "web", "scaler").raw, None);
    }

    fn tracker_object(uid: &str, rv: &str, names: &[&str]) -> Value {
        let resources: Vec<Value> = names
            .iter()
            .map(|n| json!({"apiVersion": "v1", "kind": "ConfigMap", "namespace": "default", "name": n}))
            .collect();
        json!({"apiVersion": API_VERSION, "kind": "ResourceTracker",
            "metadata": {"name": "shop-v1-default", "uid": uid, "resourceVersion": rv},
            "spec": {"type": "versioned", "applicationGeneration": 1, "managedResources": resources}})
    }

    fn names(t: &Tracker) -> Vec<&str> {
        t.resources.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn a_decoded_tracker_is_kept_until_its_stored_version_moves() {
        let decoded = Decoded::new(8);
        let first = decoded.decode(&tracker_object("u1", "5", &["a"])).unwrap();
        let again = decoded.decode(&tracker_object("u1", "5", &["a"])).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same version is decoded once");
        // a write gives a new resourceVersion: decoded again, with what it holds now
        let moved = decoded.decode(&tracker_object("u1", "6", &["a", "b"])).unwrap();
        assert_eq!(names(&moved), ["a", "b"]);
        // deleted and created again: a new uid, even if the version counter matched
        let recreated = decoded.decode(&tracker_object("u2", "6", &["c"])).unwrap();
        assert_eq!(names(&recreated), ["c"]);
        // without a uid (a backend that keeps none) nothing is kept
        let bare = decoded.decode(&tracker_object("", "6", &["d"])).unwrap();
        let bare_again = decoded.decode(&tracker_object("", "6", &["d"])).unwrap();
        assert!(!Arc::ptr_eq(&bare, &bare_again));
        assert_eq!(
            names(&decoded.decode(&tracker_object("u2", "6", &["c"])).unwrap()),
            ["c"]
        );
    }

    #[test]
    fn decoded_trackers_are_bounded() {
        let decoded = Decoded::new(2);
        for i in 0..5 {
            let mut obj = tracker_object("u", "1", &["a"]);
            obj["metadata"]["name"] = json!(format!("t{i}"));
            decoded.decode(&obj).unwrap();
        }
        assert_eq!(decoded.lock().map.len(), 2);
        assert!(decoded.lock().map.contains_key("t4"));
        assert!(!decoded.lock().map.contains_key("t0"));
    }

    #[test]
    fn names_follow_kubevela() {
        assert_eq!(versioned_name("shop", "default", 3), "shop-v3-default");
        assert_eq!(root_name("shop", "default"), "shop-default");
        assert_eq!(owner_labels("shop", "team")["app.oam.dev/namespace"], "team");
    }

    #[test]
    fn tracked_eq_agrees_with_comparing_the_tracked_form() {
        let tracked = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"k": "v"}});
        let cases = [
            // server-set metadata, resourceVersion and status are not compared
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
                "labels": {"a": "1"}, "uid": "u", "resourceVersion": "3", "generation": 2},
                "data": {"k": "v"}, "status": {"x": 1}}),
                true,
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"a": "2"}}, "data": {"k": "v"}}),
                false,
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"a": "1"}}, "data": {"k": "w"}}),
                false,
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"a": "1"}}}),
                false,
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
                "labels": {"a": "1"}, "annotations": {}}, "data": {"k": "v"}}),
                false,
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}}),
                false,
            ),
        ];
        for (obj, equal) in cases {
            assert_eq!(tracked_eq(&obj, &tracked), equal, "{obj}");
            assert_eq!(tracked_raw(&obj) == tracked, equal, "{obj}");
        }
        assert!(!tracked_eq(&json!([1, 2]), &tracked));
    }
}
