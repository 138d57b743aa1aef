//! What the embedded cluster keeps in memory next to its SQLite file, so that a read does not
//! parse JSON again and a write does not ask SQLite what it already knows.
//!
//! Three things are kept: the clusters the store is known to hold, what each kind is (scope,
//! generation, status subresource; for custom kinds that comes from a CRD), and the newest
//! objects read or written (a bounded map, oldest entry out first; only their bodies).
//!
//! Everything here is only a copy of what is committed. Another process writing the same file
//! is noticed through SQLite's `PRAGMA data_version` (it changes when another connection
//! commits), checked at the start of every operation: then every copy is dropped. A write
//! transaction keeps what it changes aside ([`Pending`]) and publishes it only once SQLite has
//! committed, so a failed or rolled-back write leaves the copies as they were.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use super::scope::KindInfo;
use crate::Key;

/// How many objects an embedded cluster keeps parsed in memory by default: those of the
/// application being reconciled and of the one before (its objects, revision, tracker and run
/// state). A parsed object takes about ten times its text; a delivery of many applications
/// reads each again only after the others, when no bounded cache still holds it, and keeping
/// 1,024 made a delivery of 2,000 applications slower than keeping 64 (the delivery chapter
/// of the book has the numbers).
pub const DEFAULT_OBJECTS: usize = 64;

/// A kept object (shared: a read clones the value out of it). Its field managers are not kept:
/// only a write reads them, and they are as large as the object.
pub(crate) type Entry = Arc<Value>;

/// What each kind is, by cluster, then apiVersion, then kind (nested so that a lookup by
/// borrowed names allocates nothing).
type Kinds = HashMap<String, HashMap<String, HashMap<String, KindInfo>>>;

/// The copies an embedded cluster keeps (see the module docs).
#[derive(Debug)]
pub(crate) struct Cache {
    /// The `PRAGMA data_version` the copies belong to (`None`: not read yet).
    data_version: Option<i64>,
    /// Clusters the store holds (clusters are never removed from a store).
    clusters: HashSet<String>,
    kinds: Kinds,
    objects: HashMap<Key, Entry>,
    order: VecDeque<Key>,
    capacity: usize,
    /// Keys known to hold no object (a read found nothing): an apply that creates the object
    /// after the engine looked for it asks SQLite once, not twice. At most `capacity` of them;
    /// a write of the key forgets it.
    absent: HashSet<Key>,
    /// The last `resourceVersion` handed out in each cluster, and whether the counter in
    /// SQLite still has to be brought up to it (it is written once per commit, not once per
    /// write).
    versions: HashMap<String, (u64, bool)>,
}

impl Cache {
    /// Empty copies; at most `capacity` objects are kept.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            data_version: None,
            clusters: HashSet::new(),
            kinds: HashMap::new(),
            objects: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            absent: HashSet::new(),
            versions: HashMap::new(),
        }
    }

    /// The last `resourceVersion` handed out in `cluster`, when known.
    pub(crate) fn version(&self, cluster: &str) -> Option<u64> {
        self.versions.get(cluster).map(|(v, _)| *v)
    }

    /// Notes that `version` was handed out in `cluster` (its counter is written at the commit).
    pub(crate) fn hand_out(&mut self, cluster: &str, version: u64) {
        match self.versions.get_mut(cluster) {
            Some(entry) => *entry = (version, true),
            None => {
                self.versions.insert(cluster.to_owned(), (version, true));
            }
        }
    }

    /// The counters to write before the commit (each reported once).
    pub(crate) fn unwritten_versions(&mut self) -> Vec<(String, u64)> {
        self.versions
            .iter_mut()
            .filter(|(_, (_, dirty))| *dirty)
            .map(|(cluster, (v, dirty))| {
                *dirty = false;
                (cluster.clone(), *v)
            })
            .collect()
    }

    /// Drops every copy when `data_version` says another connection has committed since the
    /// copies were made.
    pub(crate) fn validate(&mut self, data_version: i64) {
        if self.data_version != Some(data_version) {
            self.clear();
            self.data_version = Some(data_version);
        }
    }

    /// How many objects are kept at most.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops every kept object.
    pub(crate) fn clear_objects(&mut self) {
        self.objects.clear();
        self.order.clear();
        self.absent.clear();
    }

    /// Drops every copy.
    pub(crate) fn clear(&mut self) {
        self.versions.clear();
        self.clusters.clear();
        self.kinds.clear();
        self.objects.clear();
        self.order.clear();
        self.absent.clear();
    }

    /// Notes that `key` holds no object (committed); when `capacity` keys are noted already,
    /// they are forgotten first.
    pub(crate) fn set_absent(&mut self, key: &Key) {
        if self.capacity == 0 {
            return;
        }
        if self.absent.len() >= self.capacity {
            self.absent.clear();
        }
        self.absent.insert(key.clone());
    }

    /// Whether the store is known to hold `cluster`.
    pub(crate) fn knows_cluster(&self, cluster: &str) -> bool {
        self.clusters.contains(cluster)
    }

    /// Notes that the store holds `cluster` (committed).
    pub(crate) fn add_cluster(&mut self, cluster: &str) {
        if !self.clusters.contains(cluster) {
            self.clusters.insert(cluster.to_owned());
        }
    }

    /// What `kind` is in `cluster`, when known.
    pub(crate) fn kind(&self, cluster: &str, api_version: &str, kind: &str) -> Option<KindInfo> {
        self.kinds.get(cluster)?.get(api_version)?.get(kind).copied()
    }

    /// Keeps what `kind` is in `cluster`.
    pub(crate) fn set_kind(&mut self, cluster: &str, api_version: &str, kind: &str, info: KindInfo) {
        self.kinds
            .entry(cluster.to_owned())
            .or_default()
            .entry(api_version.to_owned())
            .or_default()
            .insert(kind.to_owned(), info);
    }

    /// Forgets every kind (a CRD changed).
    pub(crate) fn clear_kinds(&mut self) {
        self.kinds.clear();
    }

    /// The copy of the object under `key`, when kept.
    pub(crate) fn object(&self, key: &Key) -> Option<Entry> {
        self.objects.get(key).cloned()
    }

    /// What is known of the object under `key`: its copy (`Some(Some)`), that there is none
    /// (`Some(None)`), or nothing (`None`).
    pub(crate) fn lookup(&self, key: &Key) -> Option<Option<Entry>> {
        if self.absent.contains(key) {
            return Some(None);
        }
        self.object(key).map(Some)
    }

    /// What `kind` is in `cluster` without asking SQLite: built-in kinds, and the custom kinds
    /// whose CRD was read already.
    pub(crate) fn kind_known(&self, cluster: &str, api_version: &str, kind: &str) -> Option<KindInfo> {
        if super::scope::built_in_group(super::scope::group_of(api_version)) {
            return Some(super::scope::kind_info(api_version, kind, None));
        }
        self.kind(cluster, api_version, kind)
    }

    /// Keeps (`Some`) or forgets (`None`) the object under `key`.
    pub(crate) fn set_object(&mut self, key: Key, entry: Option<Entry>) {
        let mut released = Vec::new();
        self.put(key, entry, &mut released);
    }

    /// [`Cache::set_object`], adding the copies it lets go to `released` (a caller holding a
    /// lock drops them after releasing it: freeing a large parsed object takes a while).
    fn put(&mut self, key: Key, entry: Option<Entry>, released: &mut Vec<Entry>) {
        self.absent.remove(&key);
        let Some(entry) = entry else {
            released.extend(self.objects.remove(&key));
            return;
        };
        if self.capacity == 0 {
            released.push(entry);
            return;
        }
        match self.objects.insert(key.clone(), entry) {
            Some(replaced) => released.push(replaced),
            None => {
                self.order.push_back(key);
                while self.objects.len() > self.capacity {
                    match self.order.pop_front() {
                        Some(oldest) => released.extend(self.objects.remove(&oldest)),
                        None => break,
                    }
                }
            }
        }
        // `order` may hold keys already forgotten; it is trimmed when it grows past twice
        // the capacity so that it stays bounded too
        if self.order.len() > self.capacity.saturating_mul(2) {
            let objects = &self.objects;
            self.order.retain(|k| objects.contains_key(k));
        }
    }

    /// Publishes what a committed write transaction changed; returns the copies it let go
    /// (the caller drops them once it no longer holds the lock).
    #[must_use = "what is returned is dropped after the lock is released"]
    pub(crate) fn publish(&mut self, pending: Pending) -> Vec<Entry> {
        if pending.kinds_changed {
            self.clear_kinds();
        }
        for cluster in pending.clusters {
            self.add_cluster(&cluster);
        }
        let mut released = Vec::new();
        for (key, entry) in pending.objects {
            self.put(key, entry, &mut released);
        }
        released
    }
}

/// What a write transaction changed, kept aside until SQLite commits it.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The newest state of each object written (`None`: removed).
    pub(crate) objects: HashMap<Key, Option<Entry>>,
    /// Clusters created.
    pub(crate) clusters: Vec<String>,
    /// A CustomResourceDefinition was written or removed.
    pub(crate) kinds_changed: bool,
    /// The transaction wrote more objects than the cache keeps: they are not held here (a
    /// write of every object of a cluster would otherwise hold a copy of each), the kept
    /// objects were dropped, and nothing read is kept until the transaction ends.
    pub(crate) overflowed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(name: &str) -> Key {
        Key {
            cluster: String::new(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    fn entry(v: i64) -> Entry {
        Arc::new(json!({"v": v}))
    }

    #[test]
    fn keeps_at_most_capacity_objects_oldest_out_first() {
        let mut cache = Cache::new(2);
        cache.set_object(key("a"), Some(entry(1)));
        cache.set_object(key("b"), Some(entry(2)));
        cache.set_object(key("c"), Some(entry(3)));
        assert!(cache.object(&key("a")).is_none());
        assert_eq!(cache.object(&key("b")).unwrap()["v"], 2);
        assert_eq!(cache.object(&key("c")).unwrap()["v"], 3);
    }

    #[test]
    fn a_new_data_version_drops_every_copy() {
        let mut cache = Cache::new(8);
        cache.validate(1);
        cache.set_object(key("a"), Some(entry(1)));
        cache.add_cluster("m1");
        cache.validate(1);
        assert!(cache.object(&key("a")).is_some());
        cache.validate(2);
        assert!(cache.object(&key("a")).is_none());
        assert!(!cache.knows_cluster("m1"));
    }

    #[test]
    fn publish_applies_writes_and_removals_and_forgets_kinds_after_a_crd_change() {
        let mut cache = Cache::new(8);
        cache.set_object(key("gone"), Some(entry(1)));
        let info = KindInfo {
            cluster_scoped: false,
            generation: true,
            status_subresource: true,
        };
        cache.set_kind("", "x.io/v1", "Thing", info);
        let mut pending = Pending::default();
        pending.objects.insert(key("gone"), None);
        pending.objects.insert(key("new"), Some(entry(7)));
        pending.clusters.push("m2".into());
        pending.kinds_changed = true;
        let released = cache.publish(pending);
        assert_eq!(released.len(), 1, "the removed copy is handed back");
        assert_eq!(released[0]["v"], 1);
        assert!(cache.object(&key("gone")).is_none());
        assert_eq!(cache.object(&key("new")).unwrap()["v"], 7);
        assert!(cache.knows_cluster("m2"));
        assert!(cache.kind("", "x.io/v1", "Thing").is_none());
    }

    #[test]
    fn an_absent_key_is_forgotten_when_written_and_the_absent_keys_stay_bounded() {
        let mut cache = Cache::new(2);
        cache.set_absent(&key("a"));
        assert!(matches!(cache.lookup(&key("a")), Some(None)));
        cache.set_object(key("a"), Some(entry(1)));
        assert!(
            matches!(cache.lookup(&key("a")), Some(Some(_))),
            "a write forgets it"
        );
        for name in ["b", "c", "d"] {
            cache.set_absent(&key(name));
        }
        assert!(cache.absent.len() <= 2, "{} absent keys", cache.absent.len());
        assert!(matches!(cache.lookup(&key("d")), Some(None)));
        cache.validate(9);
        assert!(
            cache.lookup(&key("d")).is_none(),
            "another process may have written it"
        );
    }

    #[test]
    fn a_zero_capacity_keeps_no_object_and_order_stays_bounded() {
        let mut cache = Cache::new(0);
        cache.set_object(key("a"), Some(entry(1)));
        assert!(cache.object(&key("a")).is_none());
        let mut cache = Cache::new(3);
        for i in 0..100 {
            cache.set_object(key(&format!("k{i}")), Some(entry(i)));
            cache.set_object(key(&format!("k{i}")), None);
        }
        assert!(cache.order.len() <= 6, "order holds {}", cache.order.len());
    }
}
