//! The embedded cluster: an in-process stand-in for a Kubernetes API server, kept in SQLite, so
//! that `vela up` delivers on a laptop with nothing installed.
//!
//! What it shares with a real API server (what a client can observe; the backend suite,
//! the module `testing` with feature `testing`, checks it against both):
//! - every object gets a `uid`, a `creationTimestamp` and a `resourceVersion` (one counter per
//!   store, bumped by every write; a write that changes nothing is no write);
//!   `metadata.generation` starts at 1 and grows when anything but `metadata` and `status`
//!   changes, for the kinds that have one (custom resources and most workloads; not
//!   ConfigMaps, Secrets, Services, Namespaces or RBAC objects);
//! - the status is written through the status subresource ([`Objects::set_status`]) and apply
//!   leaves it alone, except for custom resources whose CRD has no status subresource (their
//!   status is part of the desired state and a status write bumps the generation);
//! - apply merges by field manager ([`Objects::apply`] applies as `vela`, [`Embedded::apply_as`]
//!   or [`Embedded::as_manager`] as any manager): a manager's later apply removes the fields it
//!   set before and no longer sets, unless another manager sets them too;
//! - a write that carries a stale `metadata.resourceVersion` is a [`Error::Conflict`];
//! - namespaced objects need their Namespace (`default`, `kube-system`, `kube-public`,
//!   `kube-node-lease` and `vela-system` exist from the start); deleting a Namespace deletes what
//!   is in it; cluster-scoped kinds are Kubernetes' built-in ones and those of the
//!   CustomResourceDefinitions applied to the store (`spec.scope: Cluster`);
//! - delete honours finalizers (it sets `deletionTimestamp`; the object goes when the last
//!   finalizer is removed) and `ownerReferences` (dependents are deleted with their owner, as the
//!   garbage collector does for background propagation; [`Objects::delete_with`] takes
//!   foreground and orphan propagation too; where the garbage collector takes a moment, the
//!   embedded cluster is done when the call returns);
//! - label selectors on list.
//!
//! - the defaults health checks read are filled in on write (`spec.replicas: 1` for
//!   Deployments, StatefulSets and ReplicaSets, `spec.type: ClusterIP` for Services).
//!
//! Where it differs: lists are replaced whole by apply (a real API server merges associative
//! lists by key), there is no admission, no validation against OpenAPI schemas and no
//! controllers; workloads get a status only from the readiness simulator
//! ([`Embedded::simulate_readiness`], which marks what it makes up with the annotation
//! [`SIMULATED`]) or from [`Objects::set_status`].
//!
//! Every operation is one SQLite transaction (`BEGIN IMMEDIATE`) in WAL mode: a process killed
//! at any instant leaves the last committed state, and several processes on one state file take
//! turns (each waits up to [`Embedded::BUSY_TIMEOUT`] for the others).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), vela_multicluster::Error> {
//! use serde_json::json;
//! use vela_multicluster::{Embedded, Key, Objects};
//!
//! let dir = tempfile::tempdir().expect("a temporary directory");
//! let cluster = Embedded::open(dir.path().join("state.db"))?;
//! let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "settings", "namespace": "default"}, "data": {"mode": "fast"}});
//! let stored = cluster.apply("", cm.clone()).await?;
//! assert!(stored["metadata"]["uid"].is_string());
//! assert!(stored["metadata"]["resourceVersion"].is_string());
//!
//! // the state survives the process: open the same file again
//! let reopened = Embedded::open(dir.path().join("state.db"))?;
//! assert!(reopened.get(&Key::of("", &cm)?).await?.is_some());
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::{Map, Value};

use crate::{Error, Key, Objects, Propagation, Result};

mod apply;
mod defaults;
mod manager;
mod scope;
mod simulate;

pub use manager::AsManager;
pub use simulate::SIMULATED;

/// The namespaces a new embedded cluster has.
pub const INITIAL_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "vela-system",
];

/// The field manager of [`Objects::apply`].
pub const FIELD_MANAGER: &str = "vela";

/// An embedded cluster kept in one SQLite file (or in memory). It can hold several named
/// clusters (`""` is the local one); each starts with [`INITIAL_NAMESPACES`].
pub struct Embedded {
    db: Mutex<Connection>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded").finish_non_exhaustive()
    }
}

fn store_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Backend {
        cluster: String::new(),
        source: Box::new(e),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    cluster TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL,
    body TEXT NOT NULL,
    managers TEXT NOT NULL,
    PRIMARY KEY (cluster, api_version, kind, namespace, name)
);
CREATE INDEX IF NOT EXISTS objects_by_uid ON objects (cluster, uid);
CREATE INDEX IF NOT EXISTS objects_by_kind ON objects (cluster, kind);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clusters (name TEXT PRIMARY KEY);
";

impl Embedded {
    /// How long an operation waits for another process holding the state file.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

    /// Opens (or creates) the state file at `path`, in WAL mode.
    ///
    /// # Errors
    /// [`Error::Backend`] when the file cannot be opened or is not a state file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let conn = Connection::open(path).map_err(store_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(store_error)?;
        Self::init(conn)
    }

    /// A cluster that lives only as long as the value (tests, dry runs).
    ///
    /// # Errors
    /// [`Error::Backend`] when SQLite cannot start.
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory().map_err(store_error)?)
    }

    fn init(conn: Connection) -> Result<Self> {
        conn.busy_timeout(Self::BUSY_TIMEOUT).map_err(store_error)?;
        // WAL with synchronous=NORMAL: a killed process loses nothing committed; a power cut
        // may lose the last transactions but never corrupts the file.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(store_error)?;
        conn.execute_batch(SCHEMA).map_err(store_error)?;
        Ok(Self { db: Mutex::new(conn) })
    }

    /// Runs the read-only `f` in one deferred transaction (a snapshot; other processes may go on
    /// writing), or, for a cluster the state does not know yet, as [`Embedded::write`] does (which
    /// creates it with its initial namespaces first).
    fn read<T>(&self, cluster: &str, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        {
            let mut conn = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let txn = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(store_error)?;
            let known = txn
                .query_row("SELECT 1 FROM clusters WHERE name = ?1", params![cluster], |_| {
                    Ok(())
                })
                .optional()
                .map_err(store_error)?
                .is_some();
            if known {
                let mut tx = Tx {
                    txn,
                    cluster: cluster.to_owned(),
                };
                let out = f(&mut tx)?;
                tx.txn.commit().map_err(store_error)?;
                return Ok(out);
            }
        }
        self.write(cluster, f)
    }

    /// Runs `f` in one immediate transaction (other processes wait), committed when `f` succeeds.
    fn write<T>(&self, cluster: &str, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let txn = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_error)?;
        let mut tx = Tx {
            txn,
            cluster: cluster.to_owned(),
        };
        tx.ensure_cluster()?;
        let out = f(&mut tx)?;
        tx.txn.commit().map_err(store_error)?;
        Ok(out)
    }

    /// Applies `obj` as field manager `manager` (see the module docs for the merge rules).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an object without `apiVersion`, `kind` or `metadata.name`;
    /// [`Error::NotFound`] when its namespace does not exist; [`Error::Conflict`] for a stale
    /// `metadata.resourceVersion`; [`Error::Backend`] when the store fails.
    pub fn apply_as(&self, cluster: &str, manager: &str, obj: Value) -> Result<Value> {
        if !obj.is_object() {
            return Err(Error::Invalid {
                field: "value".into(),
                message: "expected an object".into(),
            });
        }
        let key = Key::of(cluster, &obj)?;
        tracing::debug!(cluster = %cluster, kind = %key.kind, namespace = %key.namespace,
            name = %key.name, manager, "cluster.apply (embedded)");
        self.write(cluster, |tx| tx.apply(&key, manager, &obj))
    }

    /// Replaces the status of an object (what a controller or the readiness simulator writes);
    /// returns the stored object, or `None` when it does not exist. [`Objects::set_status`]
    /// without the `async`.
    ///
    /// # Errors
    /// [`Error::Backend`] when the store fails.
    pub fn replace_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        self.write(&key.cluster, |tx| {
            let key = tx.normalise(key);
            let Some((current, managers)) = tx.load(&key)? else {
                return Ok(None);
            };
            let mut obj = current.clone();
            obj["status"] = status;
            if obj == current {
                return Ok(Some(current)); // no change: no write, as the API server does
            }
            let info = tx.kind_info(&key.api_version, &key.kind)?;
            if info.generation && !info.status_subresource {
                // without a status subresource the status is part of the desired state
                let generation = current["metadata"]["generation"].as_u64().unwrap_or(0);
                obj["metadata"]["generation"] = Value::from(generation + 1);
            }
            tx.store(&key, &mut obj, &managers)?;
            Ok(Some(obj))
        })
    }

    /// The names of the clusters this store holds.
    ///
    /// # Errors
    /// [`Error::Backend`] when the store fails.
    pub fn clusters(&self) -> Result<Vec<String>> {
        let conn = self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stmt = conn
            .prepare("SELECT name FROM clusters ORDER BY name")
            .map_err(store_error)?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(store_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(store_error)?;
        Ok(rows)
    }
}

/// One write transaction on one cluster of the store.
struct Tx<'c> {
    txn: rusqlite::Transaction<'c>,
    cluster: String,
}

impl Tx<'_> {
    /// Creates the cluster with its initial namespaces the first time it is written.
    fn ensure_cluster(&mut self) -> Result<()> {
        let created = self
            .txn
            .execute(
                "INSERT OR IGNORE INTO clusters (name) VALUES (?1)",
                params![self.cluster],
            )
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
        Ok(())
    }

    fn next_version(&mut self) -> Result<u64> {
        let name = format!("resourceVersion/{}", self.cluster);
        self.txn
            .execute(
                "INSERT INTO counters (name, value) VALUES (?1, 1)
                 ON CONFLICT (name) DO UPDATE SET value = value + 1",
                params![name],
            )
            .map_err(store_error)?;
        let v: i64 = self
            .txn
            .query_row("SELECT value FROM counters WHERE name = ?1", params![name], |r| {
                r.get(0)
            })
            .map_err(store_error)?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    fn new_uid(&self) -> Result<String> {
        let bytes: Vec<u8> = self
            .txn
            .query_row("SELECT randomblob(16)", [], |r| r.get(0))
            .map_err(store_error)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        ))
    }

    /// What this cluster knows of a kind (built-in, or what its CRD says).
    fn kind_info(&self, api_version: &str, kind: &str) -> Result<scope::KindInfo> {
        let group = scope::group_of(api_version);
        if scope::built_in_group(group) {
            return Ok(scope::kind_info(api_version, kind, None));
        }
        // SQLite's JSON functions pick the CRD of the kind: only that one is parsed here (CRDs
        // carry large schemas, and a hub with KubeVela installed has a dozen of them)
        let body: Option<String> = self
            .txn
            .prepare_cached(
                "SELECT body FROM objects WHERE cluster = ?1 AND kind = 'CustomResourceDefinition'
                 AND api_version LIKE 'apiextensions.k8s.io/%'
                 AND json_extract(body, '$.spec.group') = ?2
                 AND json_extract(body, '$.spec.names.kind') = ?3
                 LIMIT 1",
            )
            .map_err(store_error)?
            .query_row(params![self.cluster, group, kind], |r| r.get(0))
            .optional()
            .map_err(store_error)?;
        if let Some(body) = body {
            let crd: Value = serde_json::from_str(&body).map_err(store_error)?;
            return Ok(scope::kind_info(api_version, kind, Some(&crd)));
        }
        Ok(scope::kind_info(api_version, kind, None))
    }

    /// Whether objects of this kind are cluster-scoped here (built-in, or a CRD says so).
    fn cluster_scoped(&self, api_version: &str, kind: &str) -> Result<bool> {
        Ok(self.kind_info(api_version, kind)?.cluster_scoped)
    }

    /// The key as stored: cluster-scoped kinds have no namespace.
    fn normalise(&self, key: &Key) -> Key {
        let mut key = key.clone();
        key.cluster.clone_from(&self.cluster);
        if self.cluster_scoped(&key.api_version, &key.kind).unwrap_or(false) {
            key.namespace.clear();
        }
        key
    }

    fn load(&self, key: &Key) -> Result<Option<(Value, Map<String, Value>)>> {
        let row: Option<(String, String)> = self
            .txn
            .query_row(
                "SELECT body, managers FROM objects WHERE cluster = ?1 AND api_version = ?2
                 AND kind = ?3 AND namespace = ?4 AND name = ?5",
                params![key.cluster, key.api_version, key.kind, key.namespace, key.name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(store_error)?;
        row.map(|(body, managers)| {
            let body = serde_json::from_str(&body).map_err(store_error)?;
            let managers = serde_json::from_str(&managers).map_err(store_error)?;
            Ok((body, managers))
        })
        .transpose()
    }

    /// The object stored under `key` (its field managers are not read).
    fn load_body(&self, key: &Key) -> Result<Option<Value>> {
        let body: Option<String> = self
            .txn
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
        body.map(|b| serde_json::from_str(&b).map_err(store_error))
            .transpose()
    }

    /// Writes `obj` with a new resourceVersion.
    fn store(&mut self, key: &Key, obj: &mut Value, managers: &Map<String, Value>) -> Result<()> {
        let version = self.next_version()?;
        obj["metadata"]["resourceVersion"] = Value::String(version.to_string());
        let uid = obj["metadata"]["uid"].as_str().unwrap_or_default().to_owned();
        self.txn
            .execute(
                "INSERT INTO objects (cluster, api_version, kind, namespace, name, uid, body, managers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (cluster, api_version, kind, namespace, name)
                 DO UPDATE SET uid = ?6, body = ?7, managers = ?8",
                params![
                    key.cluster,
                    key.api_version,
                    key.kind,
                    key.namespace,
                    key.name,
                    uid,
                    obj.to_string(),
                    Value::Object(managers.clone()).to_string()
                ],
            )
            .map_err(store_error)?;
        Ok(())
    }

    fn create(&mut self, key: &Key, mut obj: Value, managers: &Map<String, Value>) -> Result<Value> {
        let info = self.kind_info(&key.api_version, &key.kind)?;
        if info.status_subresource
            && let Some(map) = obj.as_object_mut()
        {
            map.remove("status"); // written through the status subresource only
        }
        let uid = self.new_uid()?;
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
        self.store(key, &mut obj, managers)?;
        Ok(obj)
    }

    fn apply(&mut self, key: &Key, manager: &str, config: &Value) -> Result<Value> {
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
        if let (Some(wanted), Some((current, _))) = (
            config
                .pointer("/metadata/resourceVersion")
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
            let mut obj = apply::apply(None, &mut managers, manager, config);
            defaults::fill(&key.api_version, &key.kind, &mut obj);
            return self.create(&key, obj, &managers);
        };
        let managers_before = managers.clone();
        let mut obj = apply::apply(Some(&current), &mut managers, manager, config);
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
        if obj == current && managers == managers_before {
            return Ok(current); // no change: no new resourceVersion, as the API server does
        }
        if current["metadata"].get("deletionTimestamp").is_some() && finalizers(&obj).is_empty() {
            self.remove(&key, &obj)?;
            return Ok(obj);
        }
        self.store(&key, &mut obj, &managers)?;
        Ok(obj)
    }

    fn require_namespace(&self, key: &Key) -> Result<()> {
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
    fn delete(&mut self, key: &Key, propagation: Propagation) -> Result<bool> {
        let key = self.normalise(key);
        let Some((mut obj, managers)) = self.load(&key)? else {
            return Ok(false);
        };
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
                self.store(&key, &mut obj, &managers)?;
            }
            return Ok(true);
        }
        self.remove(&key, &obj)?;
        Ok(true)
    }

    /// Removes an object for good, then what it owns (background propagation) and, for a
    /// Namespace, what is in it.
    fn remove(&mut self, key: &Key, obj: &Value) -> Result<()> {
        self.txn
            .execute(
                "DELETE FROM objects WHERE cluster = ?1 AND api_version = ?2 AND kind = ?3
                 AND namespace = ?4 AND name = ?5",
                params![key.cluster, key.api_version, key.kind, key.namespace, key.name],
            )
            .map_err(store_error)?;
        let mut dependents = self.dependents(obj["metadata"]["uid"].as_str().unwrap_or_default())?;
        if key.kind == "Namespace" && key.api_version == "v1" {
            dependents.extend(self.scan(Some(&key.name))?.into_iter().map(|(k, _)| k));
        }
        for dependent in dependents {
            self.delete(&dependent, Propagation::Background)?;
        }
        Ok(())
    }

    /// The objects whose ownerReferences name `uid`.
    fn dependents(&self, uid: &str) -> Result<Vec<Key>> {
        if uid.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite picks the objects whose text names the uid (uids are unique, so these are few);
        // only those are parsed, and kept when an ownerReference really names it
        let mut stmt = self
            .txn
            .prepare_cached(
                "SELECT api_version, kind, namespace, name, body FROM objects
                 WHERE cluster = ?1 AND instr(body, ?2) > 0",
            )
            .map_err(store_error)?;
        let mut rows = stmt.query(params![self.cluster, uid]).map_err(store_error)?;
        let mut keys = Vec::new();
        while let Some(row) = rows.next().map_err(store_error)? {
            let body: String = row.get(4).map_err(store_error)?;
            let obj: Value = serde_json::from_str(&body).map_err(store_error)?;
            if owned_by(&obj, uid) {
                keys.push(Key {
                    cluster: self.cluster.clone(),
                    api_version: row.get(0).map_err(store_error)?,
                    kind: row.get(1).map_err(store_error)?,
                    namespace: row.get(2).map_err(store_error)?,
                    name: row.get(3).map_err(store_error)?,
                });
            }
        }
        Ok(keys)
    }

    /// Removes the ownerReferences naming `uid` from the objects that have one (what the
    /// garbage collector does for orphan propagation).
    fn orphan_dependents(&mut self, uid: &str) -> Result<()> {
        for key in self.dependents(uid)? {
            let Some((mut obj, managers)) = self.load(&key)? else {
                continue;
            };
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
            self.store(&key, &mut obj, &managers)?;
        }
        Ok(())
    }

    /// Every object of one kind in this cluster (in one namespace when given); the kind is
    /// selected by SQLite, so objects of other kinds are not parsed.
    fn scan_kind(&self, namespace: Option<&str>, api_version: &str, kind: &str) -> Result<Vec<Value>> {
        let mut stmt = self
            .txn
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
    fn visit_kind(&self, api_version: &str, kind: &str, mut visit: impl FnMut(Key, Value)) -> Result<()> {
        let mut stmt = self
            .txn
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

    /// Every object of this cluster (in one namespace when given).
    fn scan(&self, namespace: Option<&str>) -> Result<Vec<(Key, Value)>> {
        let mut stmt = self
            .txn
            .prepare_cached(
                "SELECT api_version, kind, namespace, name, body FROM objects
                 WHERE cluster = ?1 AND (?2 IS NULL OR namespace = ?2)",
            )
            .map_err(store_error)?;
        let rows = stmt
            .query_map(params![self.cluster, namespace], |r| {
                Ok((
                    Key {
                        cluster: self.cluster.clone(),
                        api_version: r.get(0)?,
                        kind: r.get(1)?,
                        namespace: r.get(2)?,
                        name: r.get(3)?,
                    },
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(store_error)?;
        rows.map(|row| {
            let (key, body) = row.map_err(store_error)?;
            Ok((key, serde_json::from_str(&body).map_err(store_error)?))
        })
        .collect()
    }
}

fn owned_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid))
}

fn finalizers(obj: &Value) -> Vec<Value> {
    obj["metadata"]["finalizers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn conflict(key: &Key, message: &str) -> Error {
    Error::Conflict {
        cluster: key.cluster.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        message: message.to_owned(),
    }
}

fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn labels_match(obj: &Value, labels: &BTreeMap<String, String>) -> bool {
    labels
        .iter()
        .all(|(k, v)| obj["metadata"]["labels"].get(k).and_then(Value::as_str) == Some(v.as_str()))
}

#[async_trait]
impl Objects for Embedded {
    /// The version the embedded cluster answers as: it serves the current APIs (Ingress
    /// `networking.k8s.io/v1`, ...), like a recent Kubernetes.
    async fn server_version(&self, _cluster: &str) -> Result<Option<Value>> {
        Ok(Some(crate::cluster_version(
            "1",
            "33",
            "v1.33.0+vela-embedded",
            &format!(
                "{}/{}",
                std::env::consts::OS,
                std::env::consts::ARCH.replace("x86_64", "amd64")
            ),
        )))
    }

    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        self.apply_as(cluster, FIELD_MANAGER, obj)
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        self.read(&key.cluster, |tx| {
            let key = tx.normalise(key);
            tx.load_body(&key)
        })
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        self.read(cluster, |tx| {
            // cluster-scoped kinds are listed whatever the namespace
            let scoped = !namespace.is_empty() && !tx.cluster_scoped(api_version, kind)?;
            let ns = scoped.then_some(namespace);
            Ok(tx
                .scan_kind(ns, api_version, kind)?
                .into_iter()
                .filter(|v| labels_match(v, labels))
                .collect())
        })
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        tracing::debug!(cluster = %key.cluster, kind = %key.kind, namespace = %key.namespace,
            name = %key.name, "cluster.delete (embedded)");
        self.write(&key.cluster, |tx| tx.delete(key, Propagation::Background))
    }

    async fn delete_with(&self, key: &Key, propagation: Propagation) -> Result<bool> {
        tracing::debug!(cluster = %key.cluster, kind = %key.kind, namespace = %key.namespace,
            name = %key.name, ?propagation, "cluster.delete (embedded)");
        self.write(&key.cluster, |tx| tx.delete(key, propagation))
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        self.replace_status(key, status)
    }
}

#[cfg(test)]
mod tests;
