//! The SQL of the embedded cluster: one [`Tx`] is one operation on one cluster of the store,
//! inside a write transaction (`BEGIN IMMEDIATE`, see `Embedded::write`) or, for a read, as
//! single statements (each one atomic). Objects, kinds and clusters are looked up in the
//! in-memory [`Cache`] first; what a write changes goes to [`Pending`] and reaches the cache
//! only after the commit.

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use super::cache::{Cache, Entry, Pending};
use super::{INITIAL_NAMESPACES, apply, defaults, index, scope, store_error};
use crate::{Error, Key, Propagation, Result};

/// One operation on one cluster of the store (see the module docs).
pub(super) struct Tx<'c> {
    pub(super) conn: &'c Connection,
    pub(super) cluster: String,
    pub(super) cache: &'c mut Cache,
    /// `Some` inside a write transaction: what it changed, published after the commit.
    pub(super) pending: Option<Pending>,
    /// Whether a workload created or changed here gets the status of a finished rollout in the
    /// same write (see `Embedded::ready_on_write`).
    pub(super) ready_on_write: bool,
}

impl Tx<'_> {
    /// Creates the cluster with its initial namespaces the first time it is written.
    pub(super) fn ensure_cluster(&mut self) -> Result<()> {
        if self.cache.knows_cluster(&self.cluster) {
            return Ok(());
        }
        let created = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO clusters (name) VALUES (?1)")
            .map_err(store_error)?
            .execute(params![self.cluster])
            .map_err(store_error)?;
        if created == 1 {
            for ns in INITIAL_NAMESPACES {
                let key = Key {
                    cluster: self.cluster.clone(),
                    api_version: "v1".into(),
                    kind: "Namespace".into(),
                    namespace: String::new(),
                    name: (*ns).to_owned(),
                };
                let body = serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns}, "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"}});
                self.create(&key, body, &Map::new())?;
            }
        }
        match &mut self.pending {
            Some(pending) => pending.clusters.push(self.cluster.clone()),
            None => self.cache.add_cluster(&self.cluster),
        }
        Ok(())
    }

    /// Whether the store holds this cluster (a read of a cluster never written creates it
    /// through a write instead).
    pub(super) fn cluster_known(&mut self) -> Result<bool> {
        if self.cache.knows_cluster(&self.cluster) {
            return Ok(true);
        }
        let known = self
            .conn
            .prepare_cached("SELECT 1 FROM clusters WHERE name = ?1")
            .map_err(store_error)?
            .query_row(params![self.cluster], |_| Ok(()))
            .optional()
            .map_err(store_error)?
            .is_some();
        if known {
            self.cache.add_cluster(&self.cluster);
        }
        Ok(known)
    }

    /// The next `resourceVersion` of this cluster. The counter is kept in memory and written
    /// to SQLite once before the transaction commits ([`write_versions`]); it is read from
    /// SQLite when not known (first use, or another process committed since).
    fn next_version(&mut self) -> Result<u64> {
        let last = match self.cache.version(&self.cluster) {
            Some(last) => last,
            None => {
                let name = format!("resourceVersion/{}", self.cluster);
                let stored: Option<i64> = self
                    .conn
                    .prepare_cached("SELECT value FROM counters WHERE name = ?1")
                    .map_err(store_error)?
                    .query_row(params![name], |r| r.get(0))
                    .optional()
                    .map_err(store_error)?;
                u64::try_from(stored.unwrap_or(0)).unwrap_or(0)
            }
        };
        let next = last + 1;
        self.cache.hand_out(&self.cluster, next);
        Ok(next)
    }

    /// A new object uid, a version-4 UUID: a keyed hash of a counter of the process (SipHash
    /// with the random keys of the standard library's `RandomState`), so that two objects of
    /// one process never share one and two processes pick theirs independently, without
    /// asking SQLite for random bytes in every create.
    fn new_uid() -> String {
        use std::hash::{BuildHasher as _, Hasher as _};
        static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
            std::sync::OnceLock::new();
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let keys = KEYS.get_or_init(std::collections::hash_map::RandomState::new);
        let lane = |lane: u64| {
            let mut h = keys.build_hasher();
            h.write_u64(n);
            h.write_u64(lane);
            h.finish()
        };
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&lane(0).to_be_bytes());
        bytes[8..].copy_from_slice(&lane(1).to_be_bytes());
        let hex: String = bytes
            .iter()
            .flat_map(|b| {
                [
                    DIGITS[usize::from(b >> 4)] as char,
                    DIGITS[usize::from(b & 15)] as char,
                ]
            })
            .collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    /// What this cluster knows of a kind (built-in, or what its CRD says).
    pub(super) fn kind_info(&mut self, api_version: &str, kind: &str) -> Result<scope::KindInfo> {
        if let Some(info) = self.cache.kind_known(&self.cluster, api_version, kind) {
            return Ok(info);
        }
        let group = scope::group_of(api_version);
        // SQLite's JSON functions pick the CRD of the kind: only that one is parsed here (CRDs
        // carry large schemas, and a hub with KubeVela installed has a dozen of them)
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM objects WHERE cluster = ?1 AND kind = 'CustomResourceDefinition'
                 AND api_version IN ('apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1')
                 AND json_extract(body, '$.spec.group') = ?2
                 AND json_extract(body, '$.spec.names.kind') = ?3
                 LIMIT 1",
            )
            .map_err(store_error)?
            .query_row(params![self.cluster, group, kind], |r| r.get(0))
            .optional()
            .map_err(store_error)?;
        let info = match body {
            Some(body) => {
                let crd: Value = serde_json::from_str(&body).map_err(store_error)?;
                scope::kind_info(api_version, kind, Some(&crd))
            }
            None => scope::kind_info(api_version, kind, None),
        };
        // what a CRD written by this very transaction says is not kept: it may roll back
        if !self.pending.as_ref().is_some_and(|p| p.kinds_changed) {
            self.cache.set_kind(&self.cluster, api_version, kind, info);
        }
        Ok(info)
    }

    /// Whether objects of this kind are cluster-scoped here (built-in, or a CRD says so).
    pub(super) fn cluster_scoped(&mut self, api_version: &str, kind: &str) -> Result<bool> {
        Ok(self.kind_info(api_version, kind)?.cluster_scoped)
    }

    /// The key as stored: cluster-scoped kinds have no namespace.
    pub(super) fn normalise(&mut self, key: &Key) -> Key {
        let mut key = key.clone();
        key.cluster.clone_from(&self.cluster);
        if self.cluster_scoped(&key.api_version, &key.kind).unwrap_or(false) {
            key.namespace.clear();
        }
        key
    }

    /// The object under `key` as this operation sees it: what it wrote itself, else the kept
    /// copy, else nothing known (`None`: ask SQLite).
    fn known(&self, key: &Key) -> Option<Option<Entry>> {
        if let Some(written) = self.pending.as_ref().and_then(|p| p.objects.get(key)) {
            return Some(written.clone());
        }
        self.cache.lookup(key)
    }

    /// Notes that SQLite holds nothing under `key` (unless this transaction wrote it: what it
    /// wrote is in [`Pending`]).
    fn keep_absent(&mut self, key: &Key) {
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.overflowed || p.objects.contains_key(key))
        {
            return;
        }
        self.cache.set_absent(key);
    }

    /// Keeps what was read from SQLite (committed, or written by this transaction and then in
    /// [`Pending`] already, which takes precedence).
    fn keep(&mut self, key: &Key, entry: &Entry) {
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.overflowed || p.objects.contains_key(key))
        {
            return;
        }
        self.cache.set_object(key.clone(), Some(Arc::clone(entry)));
    }

    /// The object under `key` (shared with the kept copy) and its field managers (these always
    /// from SQLite).
    pub(super) fn load(&mut self, key: &Key) -> Result<Option<(Entry, Map<String, Value>)>> {
        let kept = match self.known(key) {
            Some(None) => return Ok(None),
            Some(Some(entry)) => Some(entry),
            None => None,
        };
        let row: Option<(Option<String>, String)> = self
            .conn
            .prepare_cached(
                "SELECT CASE WHEN ?6 THEN NULL ELSE body END, managers FROM objects
                 WHERE cluster = ?1 AND api_version = ?2 AND kind = ?3 AND namespace = ?4
                 AND name = ?5",
            )
            .map_err(store_error)?
            .query_row(
                params![
                    key.cluster,
                    key.api_version,
                    key.kind,
                    key.namespace,
                    key.name,
                    kept.is_some()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(store_error)?;
        let Some((body, managers)) = row else {
            self.keep_absent(key);
            return Ok(None);
        };
        let managers: Map<String, Value> = serde_json::from_str(&managers).map_err(store_error)?;
        let body = match (body, kept) {
            (_, Some(entry)) => entry,
            (Some(text), None) => {
                let body: Entry = Arc::new(serde_json::from_str(&text).map_err(store_error)?);
                self.keep(key, &body);
                body
            }
            (None, None) => return Err(store_error(rusqlite::Error::InvalidQuery)),
        };
        Ok(Some((body, managers)))
    }

    /// The object stored under `key` (its field managers are not read).
    pub(super) fn load_body(&mut self, key: &Key) -> Result<Option<Value>> {
        Ok(self.load_shared(key)?.map(Arc::unwrap_or_clone))
    }

    /// The object stored under `key`, shared with the kept copy (no clone when it is kept).
    pub(super) fn load_shared(&mut self, key: &Key) -> Result<Option<Entry>> {
        if let Some(found) = self.known(key) {
            return Ok(found);
        }
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM objects WHERE cluster = ?1 AND api_version = ?2
                 AND kind = ?3 AND namespace = ?4 AND name = ?5",
            )
            .map_err(store_error)?
            .query_row(
                params![key.cluster, key.api_version, key.kind, key.namespace, key.name],
                |r| r.get(0),
            )
            .optional()
            .map_err(store_error)?;
        let Some(body) = body else {
            self.keep_absent(key);
            return Ok(None);
        };
        let body: Entry = Arc::new(serde_json::from_str(&body).map_err(store_error)?);
        self.keep(key, &body);
        Ok(Some(body))
    }

    /// Notes what this transaction did to the object under `key` (`None`: removed).
    fn wrote(&mut self, key: &Key, entry: Option<Entry>) {
        if key.kind == "CustomResourceDefinition" {
            self.cache.clear_kinds();
        }
        match &mut self.pending {
            Some(pending) => {
                if key.kind == "CustomResourceDefinition" {
                    pending.kinds_changed = true;
                }
                if pending.overflowed {
                    return;
                }
                pending.objects.insert(key.clone(), entry);
                if pending.objects.len() > self.cache.capacity() {
                    pending.overflowed = true;
                    pending.objects = std::collections::HashMap::new();
                    self.cache.clear_objects();
                }
            }
            // a write outside a transaction cannot happen; forget the copy to be safe
            None => self.cache.set_object(key.clone(), None),
        }
    }

    /// Writes `obj` with a new resourceVersion, over `prior` (what was stored, for the indexes);
    /// returns it as stored (shared with the kept copy).
    pub(super) fn store(
        &mut self,
        key: &Key,
        mut obj: Value,
        managers: &Map<String, Value>,
        prior: index::Prior<'_>,
    ) -> Result<Entry> {
        self.stamp(&mut obj)?;
        let uid = obj["metadata"]["uid"].as_str().unwrap_or_default().to_owned();
        self.conn
            .prepare_cached(
                "INSERT INTO objects (cluster, api_version, kind, namespace, name, uid, body, managers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (cluster, api_version, kind, namespace, name)
                 DO UPDATE SET uid = ?6, body = ?7, managers = ?8",
            )
            .map_err(store_error)?
            .execute(params![
                key.cluster,
                key.api_version,
                key.kind,
                key.namespace,
                key.name,
                uid,
                // written straight into a buffer: `Display` goes through the formatter, and the
                // managers are not copied into a `Value` first
                serde_json::to_string(&obj).map_err(store_error)?,
                serde_json::to_string(managers).map_err(store_error)?
            ])
            .map_err(store_error)?;
        index::write(self.conn, key, prior, &obj)?;
        let entry = Arc::new(obj);
        self.wrote(key, Some(Arc::clone(&entry)));
        Ok(entry)
    }

    /// Gives `obj` the next `resourceVersion` of this cluster.
    fn stamp(&mut self, obj: &mut Value) -> Result<()> {
        let version = self.next_version()?;
        obj["metadata"]["resourceVersion"] = Value::String(version.to_string());
        Ok(())
    }

    /// Writes a new body for the object under `key`, which exists, leaving its field managers
    /// as they are (a status or annotation write by the server side: the managers are neither
    /// read nor written again); returns it as stored. Labels and ownerReferences must be those
    /// already stored (the indexes are not touched).
    pub(super) fn store_body(&mut self, key: &Key, mut obj: Value) -> Result<Entry> {
        self.stamp(&mut obj)?;
        let updated = self
            .conn
            .prepare_cached(
                "UPDATE objects SET body = ?6 WHERE cluster = ?1 AND api_version = ?2
                 AND kind = ?3 AND namespace = ?4 AND name = ?5",
            )
            .map_err(store_error)?
            .execute(params![
                key.cluster,
                key.api_version,
                key.kind,
                key.namespace,
                key.name,
                serde_json::to_string(&obj).map_err(store_error)?,
            ])
            .map_err(store_error)?;
        if updated != 1 {
            // the caller loaded it in this transaction: a missing row is a broken store
            return Err(store_error(rusqlite::Error::QueryReturnedNoRows));
        }
        let entry = Arc::new(obj);
        self.wrote(key, Some(Arc::clone(&entry)));
        Ok(entry)
    }

    fn create(&mut self, key: &Key, mut obj: Value, managers: &Map<String, Value>) -> Result<Entry> {
        let info = self.kind_info(&key.api_version, &key.kind)?;
        if info.status_subresource
            && let Some(map) = obj.as_object_mut()
        {
            map.remove("status"); // written through the status subresource only
        }
        let uid = Self::new_uid();
        let meta = obj["metadata"].as_object_mut().ok_or_else(|| Error::Invalid {
            field: "metadata".into(),
            message: "expected an object".into(),
        })?;
        meta.insert("uid".into(), Value::String(uid));
        meta.insert("creationTimestamp".into(), Value::String(now()));
        if info.generation {
            meta.insert("generation".into(), Value::from(1));
        } else {
            meta.remove("generation");
        }
        if key.namespace.is_empty() {
            meta.remove("namespace");
        }
        if self.ready_on_write {
            super::simulate::on_write(&key.api_version, &key.kind, &mut obj);
        }
        self.store(key, obj, managers, index::Prior::Absent)
    }

    pub(super) fn apply(&mut self, key: &Key, manager: &str, config: Value) -> Result<Entry> {
        let key = self.normalise(key);
        if !key.namespace.is_empty() {
            self.require_namespace(&key)?;
        } else if !self.cluster_scoped(&key.api_version, &key.kind)? {
            return Err(Error::Invalid {
                field: "metadata.namespace".into(),
                message: format!("{} is namespaced: expected a namespace", key.kind),
            });
        }
        let existing = self.load(&key)?;
        crate::check_uid(&key, &config, existing.as_ref().map(|(c, _)| &**c))?;
        if let (Some(wanted), Some((current, _))) = (
            config
                .get("metadata")
                .and_then(|m| m.get("resourceVersion"))
                .and_then(Value::as_str),
            &existing,
        ) && current["metadata"]["resourceVersion"].as_str() != Some(wanted)
        {
            return Err(conflict(
                &key,
                "the object has been modified; apply the latest version (stale metadata.resourceVersion)",
            ));
        }
        let Some((current, mut managers)) = existing else {
            let mut managers = Map::new();
            let (mut obj, _) = apply::apply(None, &mut managers, manager, config);
            defaults::fill(&key.api_version, &key.kind, &mut obj);
            return self.create(&key, obj, &managers);
        };
        let (mut obj, managers_changed) = apply::apply(Some(&current), &mut managers, manager, config);
        defaults::fill(&key.api_version, &key.kind, &mut obj);
        let info = self.kind_info(&key.api_version, &key.kind)?;
        if info.status_subresource {
            // apply leaves the status alone: it is written through the status subresource
            match current.get("status") {
                Some(status) => obj["status"] = status.clone(),
                None => {
                    if let Some(map) = obj.as_object_mut() {
                        map.remove("status");
                    }
                }
            }
        }
        // what the server owns cannot be changed by a client
        for field in ["uid", "creationTimestamp", "generation", "deletionTimestamp"] {
            match current["metadata"].get(field) {
                Some(v) => obj["metadata"][field] = v.clone(),
                None => {
                    if let Some(meta) = obj["metadata"].as_object_mut() {
                        meta.remove(field);
                    }
                }
            }
        }
        if key.namespace.is_empty()
            && let Some(meta) = obj["metadata"].as_object_mut()
        {
            meta.remove("namespace");
        }
        if info.generation && apply::spec_changed(&current, &obj, !info.status_subresource) {
            let generation = current["metadata"]["generation"].as_u64().unwrap_or(0);
            obj["metadata"]["generation"] = Value::from(generation + 1);
        }
        if self.ready_on_write {
            super::simulate::on_write(&key.api_version, &key.kind, &mut obj);
        }
        if !managers_changed && obj == *current {
            return Ok(current); // no change: no new resourceVersion, as the API server does
        }
        if current["metadata"].get("deletionTimestamp").is_some() && finalizers(&obj).is_empty() {
            self.remove(&key, &obj)?;
            return Ok(Arc::new(obj));
        }
        self.store(&key, obj, &managers, index::Prior::Was(&current))
    }

    fn require_namespace(&mut self, key: &Key) -> Result<()> {
        let ns = Key {
            cluster: key.cluster.clone(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: key.namespace.clone(),
        };
        match self.load(&ns)? {
            Some((obj, _)) if obj["metadata"].get("deletionTimestamp").is_some() => Err(Error::Conflict {
                cluster: key.cluster.clone(),
                kind: key.kind.clone(),
                namespace: key.namespace.clone(),
                name: key.name.clone(),
                message: format!("namespace {} is being terminated", key.namespace),
            }),
            Some(_) => Ok(()),
            None => Err(Error::NotFound {
                cluster: key.cluster.clone(),
                kind: "Namespace".into(),
                namespace: String::new(),
                name: key.namespace.clone(),
            }),
        }
    }

    /// Deletes an object: marks it when finalizers remain, else removes it and its dependents
    /// (`propagation` says what happens to them).
    pub(super) fn delete(&mut self, key: &Key, propagation: Propagation) -> Result<bool> {
        let key = self.normalise(key);
        let Some((obj, managers)) = self.load(&key)? else {
            return Ok(false);
        };
        let mut obj = Arc::unwrap_or_clone(obj);
        let uid = obj["metadata"]["uid"].as_str().unwrap_or_default().to_owned();
        match propagation {
            Propagation::Orphan => self.orphan_dependents(&uid)?,
            Propagation::Foreground => {
                for dependent in self.dependents(&uid)? {
                    self.delete(&dependent, Propagation::Foreground)?;
                }
            }
            Propagation::Background => {}
        }
        if !finalizers(&obj).is_empty() {
            if obj["metadata"].get("deletionTimestamp").is_none() {
                obj["metadata"]["deletionTimestamp"] = Value::String(now());
                self.store(&key, obj, &managers, index::Prior::Unchanged)?;
            }
            return Ok(true);
        }
        self.remove(&key, &obj)?;
        Ok(true)
    }

    /// Removes an object for good, then what it owns (background propagation) and, for a
    /// Namespace, what is in it.
    fn remove(&mut self, key: &Key, obj: &Value) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM objects WHERE cluster = ?1 AND api_version = ?2 AND kind = ?3
                 AND namespace = ?4 AND name = ?5",
            )
            .map_err(store_error)?
            .execute(params![
                key.cluster,
                key.api_version,
                key.kind,
                key.namespace,
                key.name
            ])
            .map_err(store_error)?;
        index::update(self.conn, key, Some(Some(obj)), None)?;
        self.wrote(key, None);
        let mut dependents = self.dependents(obj["metadata"]["uid"].as_str().unwrap_or_default())?;
        if key.kind == "Namespace" && key.api_version == "v1" {
            dependents.extend(self.keys_in(&key.name)?);
        }
        for dependent in dependents {
            self.delete(&dependent, Propagation::Background)?;
        }
        Ok(())
    }

    /// The objects whose ownerReferences name `uid`.
    fn dependents(&mut self, uid: &str) -> Result<Vec<Key>> {
        if uid.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT api_version, kind, namespace, name FROM owners
                 WHERE cluster = ?1 AND owner_uid = ?2",
            )
            .map_err(store_error)?;
        let rows = stmt
            .query_map(params![self.cluster, uid], |row| {
                Ok(Key {
                    cluster: self.cluster.clone(),
                    api_version: row.get(0)?,
                    kind: row.get(1)?,
                    namespace: row.get(2)?,
                    name: row.get(3)?,
                })
            })
            .map_err(store_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_error)
    }

    /// Removes the ownerReferences naming `uid` from the objects that have one (what the
    /// garbage collector does for orphan propagation).
    fn orphan_dependents(&mut self, uid: &str) -> Result<()> {
        for key in self.dependents(uid)? {
            let Some((obj, managers)) = self.load(&key)? else {
                continue;
            };
            let mut obj = Arc::unwrap_or_clone(obj);
            let kept: Vec<Value> = obj["metadata"]["ownerReferences"]
                .as_array()
                .map(|refs| refs.iter().filter(|r| r["uid"] != uid).cloned().collect())
                .unwrap_or_default();
            if let Some(meta) = obj["metadata"].as_object_mut() {
                if kept.is_empty() {
                    meta.remove("ownerReferences");
                } else {
                    meta.insert("ownerReferences".into(), Value::Array(kept));
                }
            }
            self.store(&key, obj, &managers, index::Prior::Unknown)?;
        }
        Ok(())
    }

    /// Every object of one kind in this cluster (in one namespace when given); the kind is
    /// selected by SQLite, so objects of other kinds are not parsed.
    pub(super) fn scan_kind(
        &self,
        namespace: Option<&str>,
        api_version: &str,
        kind: &str,
    ) -> Result<Vec<Value>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT body FROM objects WHERE cluster = ?1 AND kind = ?3 AND api_version = ?2
                 AND (?4 IS NULL OR namespace = ?4)",
            )
            .map_err(store_error)?;
        let rows = stmt
            .query_map(params![self.cluster, api_version, kind, namespace], |r| {
                r.get::<_, String>(0)
            })
            .map_err(store_error)?;
        rows.map(|row| serde_json::from_str(&row.map_err(store_error)?).map_err(store_error))
            .collect()
    }

    /// Visits every object of one kind in this cluster (in every namespace), one at a time: only
    /// the object being visited is held in memory, whatever the size of the cluster.
    pub(super) fn visit_kind(
        &self,
        api_version: &str,
        kind: &str,
        mut visit: impl FnMut(Key, Value),
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT namespace, name, body FROM objects WHERE cluster = ?1 AND kind = ?3
                 AND api_version = ?2",
            )
            .map_err(store_error)?;
        let mut rows = stmt
            .query(params![self.cluster, api_version, kind])
            .map_err(store_error)?;
        while let Some(row) = rows.next().map_err(store_error)? {
            let key = Key {
                cluster: self.cluster.clone(),
                api_version: api_version.to_owned(),
                kind: kind.to_owned(),
                namespace: row.get(0).map_err(store_error)?,
                name: row.get(1).map_err(store_error)?,
            };
            let body: String = row.get(2).map_err(store_error)?;
            visit(key, serde_json::from_str(&body).map_err(store_error)?);
        }
        Ok(())
    }

    /// The keys of every object in `namespace` of this cluster (no body is read).
    fn keys_in(&self, namespace: &str) -> Result<Vec<Key>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT api_version, kind, name FROM objects WHERE cluster = ?1 AND namespace = ?2",
            )
            .map_err(store_error)?;
        let rows = stmt
            .query_map(params![self.cluster, namespace], |r| {
                Ok(Key {
                    cluster: self.cluster.clone(),
                    api_version: r.get(0)?,
                    kind: r.get(1)?,
                    namespace: namespace.to_owned(),
                    name: r.get(2)?,
                })
            })
            .map_err(store_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_error)
    }
}

/// Writes the `resourceVersion` counters handed out since the last commit (inside the
/// transaction about to commit: a commit that fails takes them back with everything else).
pub(super) fn write_versions(conn: &Connection, cache: &mut Cache) -> Result<()> {
    for (cluster, version) in cache.unwritten_versions() {
        conn.prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = max(value, ?2)",
        )
        .map_err(store_error)?
        .execute(params![
            format!("resourceVersion/{cluster}"),
            i64::try_from(version).unwrap_or(i64::MAX)
        ])
        .map_err(store_error)?;
    }
    Ok(())
}

pub(super) fn finalizers(obj: &Value) -> Vec<Value> {
    obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub(super) fn conflict(key: &Key, message: &str) -> Error {
    Error::Conflict {
        cluster: key.cluster.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        message: message.to_owned(),
    }
}

pub(super) fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::Tx;

    #[test]
    fn uids_are_version_4_uuids_and_never_repeat() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let uid = Tx::new_uid();
            let groups: Vec<usize> = uid.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{uid}");
            assert_eq!(&uid[14..15], "4", "{uid}");
            assert!(uid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{uid}");
            assert!(seen.insert(uid), "a uid repeated");
        }
    }
}
