#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `embedded` | yes | [`Embedded`]: an in-process cluster persisted in SQLite (the local default of `vela up`) |
//! | `readiness` | yes (through `embedded`) | [`readiness`]: the status workload controllers report once pods run |
//! | `kube` | no | `Kube`: the kube-rs backend (server-side apply, any kind through discovery) |
//! | `testing` | no | `testing`: the backend suite, the scenarios every backend must pass |

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Map, Value};

#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "embedded")]
#[cfg_attr(docsrs, doc(cfg(feature = "embedded")))]
pub use self::embedded::Embedded;
pub use self::fleet::Fleet;
pub mod fleet;
#[cfg(feature = "kube")]
#[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
pub mod kube;
#[cfg(feature = "readiness")]
#[cfg_attr(docsrs, doc(cfg(feature = "readiness")))]
pub mod readiness;
pub mod registry;
#[cfg(feature = "kube")]
#[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
pub use self::kube::Kube;
#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

/// An object operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object is not a Kubernetes object.
    #[error("{field}: {message}")]
    Invalid {
        /// Field path in the object.
        field: String,
        /// What was expected.
        message: String,
    },
    /// No such object.
    #[error("{kind} {namespace}/{name} not found in cluster {cluster:?}")]
    NotFound {
        /// Cluster name (`""` is the local cluster).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// The object changed since it was read (a stale `metadata.resourceVersion`), or a write
    /// conflicts with the object's state.
    #[error("{kind} {namespace}/{name} in cluster {cluster:?}: {message}")]
    Conflict {
        /// Cluster name.
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// What conflicts.
        message: String,
    },
    /// The backend failed.
    #[error("cluster {cluster:?} failed")]
    Backend {
        /// Cluster name.
        cluster: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Result of object operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Identifies an object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Cluster (`""` = local).
    pub cluster: String,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Namespace (`""` for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl Key {
    /// The key of `obj` in `cluster`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `obj` is not an object (field `value`), or `apiVersion`, `kind`
    /// or `metadata.name` is missing.
    pub fn of(cluster: &str, obj: &Value) -> Result<Self> {
        if !obj.is_object() {
            return Err(Error::Invalid {
                field: "value".to_owned(),
                message: "expected an object".to_owned(),
            });
        }
        let s = |v: Option<&Value>, field: &str| -> Result<String> {
            v.and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Error::Invalid {
                    field: field.to_owned(),
                    message: "expected a non-empty string".to_owned(),
                })
        };
        // `get` rather than `pointer`, which copies each token of its path
        let meta = obj.get("metadata");
        Ok(Self {
            cluster: cluster.to_owned(),
            api_version: s(obj.get("apiVersion"), "apiVersion")?,
            kind: s(obj.get("kind"), "kind")?,
            namespace: meta
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            name: s(meta.and_then(|m| m.get("name")), "metadata.name")?,
        })
    }
}

/// Object access in named clusters (what KubeVela's `vela/kube` provider and its dispatcher do).
#[async_trait]
pub trait Objects: Send + Sync + 'static {
    /// Creates or updates `obj` (server-side apply semantics); returns the stored object.
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value>;
    /// Creates or updates `obj` as [`Objects::apply`] does, and returns the stored object
    /// shared: a backend (or wrapper) that keeps the object in memory hands out its copy without
    /// cloning it. The provided method wraps [`Objects::apply`].
    async fn apply_shared(&self, cluster: &str, obj: Value) -> Result<std::sync::Arc<Value>> {
        Ok(std::sync::Arc::new(self.apply(cluster, obj).await?))
    }
    /// Reads an object; `None` when it does not exist.
    async fn get(&self, key: &Key) -> Result<Option<Value>>;
    /// Reads an object to look at it, not to change it: a backend (or wrapper) that keeps the
    /// object in memory hands out its copy without cloning it. The provided method wraps
    /// [`Objects::get`].
    async fn get_shared(&self, key: &Key) -> Result<Option<std::sync::Arc<Value>>> {
        Ok(self.get(key).await?.map(std::sync::Arc::new))
    }
    /// Lists objects of a kind in a namespace (`""` = all) matching all `labels`.
    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>>;
    /// Deletes an object; `false` when it did not exist. Its dependents (objects whose
    /// `ownerReferences` name it) go too, as with [`Propagation::Background`].
    async fn delete(&self, key: &Key) -> Result<bool>;
    /// Deletes an object with a propagation policy for its dependents (the API server's
    /// `propagationPolicy`); `false` when it did not exist.
    ///
    /// The provided method is for backends without dependents: it ignores the policy and calls
    /// [`Objects::delete`]. `Embedded` and `Kube` honour every policy.
    async fn delete_with(&self, key: &Key, propagation: Propagation) -> Result<bool> {
        let _ = propagation;
        self.delete(key).await
    }
    /// Replaces the `status` of an object (the status subresource); `None` when it does not
    /// exist.
    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>>;
    /// Replaces the status as [`Objects::set_status`] does, and returns the stored object
    /// shared (see [`Objects::apply_shared`]). The provided method wraps
    /// [`Objects::set_status`].
    async fn set_status_shared(&self, key: &Key, status: Value) -> Result<Option<std::sync::Arc<Value>>> {
        Ok(self.set_status(key, status).await?.map(std::sync::Arc::new))
    }
    /// The version of a cluster as templates read it (`context.clusterVersion`:
    /// `{major, minor, gitVersion, platform}`, `minor` an integer), or `None` when the backend
    /// does not know it (the provided method knows nothing).
    async fn server_version(&self, cluster: &str) -> Result<Option<Value>> {
        let _ = cluster;
        Ok(None)
    }
    /// Whether objects of a kind live in a namespace (`Some(true)`), are cluster-scoped
    /// (`Some(false)`), or the backend cannot say (`None`: the provided method, a kind the
    /// cluster does not serve). The kube backend answers from discovery, the embedded cluster
    /// from the built-in kinds and the CRDs applied to it.
    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Option<bool>> {
        let _ = (cluster, api_version, kind);
        Ok(None)
    }
    /// Makes every write that returned durable and visible to other clients. Backends that
    /// commit each write as it happens (the provided method, `Kube`) have nothing to do; the
    /// embedded cluster with grouped commits commits its open group. Callers flush at the end
    /// of a unit of work (the engine: every reconcile); wrappers pass it on.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// A version as `context.clusterVersion` spells it: `minor` is the integer its text starts with
/// (`"31+"` is 31).
///
/// ```
/// let v = vela_multicluster::cluster_version("1", "31+", "v1.31.2", "linux/amd64");
/// assert_eq!(v["minor"], 31);
/// ```
#[must_use]
pub fn cluster_version(major: &str, minor: &str, git_version: &str, platform: &str) -> Value {
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    serde_json::json!({
        "major": major,
        "minor": digits.parse::<i64>().unwrap_or(0),
        "gitVersion": git_version,
        "platform": platform,
    })
}

/// What happens to the dependents of a deleted object (those whose `metadata.ownerReferences`
/// name it), as the Kubernetes garbage collector does it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Propagation {
    /// The object goes at once; its dependents are deleted afterwards.
    #[default]
    Background,
    /// The dependents are deleted first; the object stays (with a `deletionTimestamp` and the
    /// `foregroundDeletion` finalizer) until they are gone.
    Foreground,
    /// The object goes; its dependents stay, without their ownerReference to it.
    Orphan,
}

/// An in-memory object store: a fake for unit tests with weaker semantics than a cluster. It
/// keeps no uid, creationTimestamp or field managers, bumps `resourceVersion` and `generation`
/// on every apply (and refuses one carrying a stale `resourceVersion` with
/// [`Error::Conflict`]), never removes a field, knows no namespaces, finalizers or owners. The backend
/// suite (feature `testing`) records exactly which of its scenarios it passes; use
/// `Embedded::in_memory` where a test needs the API server's behaviour.
///
/// Apply merges the new object into the stored one (objects are
/// merged, lists and scalars replaced) and bumps `metadata.resourceVersion` and `generation`.
#[derive(Debug, Default)]
pub struct Memory {
    objects: Mutex<BTreeMap<Key, Value>>,
}

impl Memory {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored object, in key order.
    #[must_use]
    pub fn all(&self) -> Vec<(Key, Value)> {
        self.objects
            .lock()
            .expect("poisoned")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The API server's `metadata.uid` rule for a write that names a uid: over a missing object it
/// is a [`Error::Conflict`] (it never creates one); over an object with another uid it is
/// [`Error::Invalid`] (`metadata.uid` is immutable). `Ok` when `config` names no uid or the
/// stored object (`None`: there is none) has it.
pub(crate) fn check_uid(key: &Key, config: &Value, stored: Option<&Value>) -> Result<()> {
    let Some(wanted) = config
        .get("metadata")
        .and_then(|m| m.get("uid"))
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    else {
        return Ok(());
    };
    match stored.map(|s| {
        s.pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }) {
        None => Err(Error::Conflict {
            cluster: key.cluster.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            message: format!("uid mismatch: the write names uid {wanted}, and no such object exists"),
        }),
        Some(found) if found != wanted => Err(Error::Invalid {
            field: "metadata.uid".into(),
            message: format!(
                "{} {:?}: the write names uid {wanted}, the object has uid {found:?} (field is immutable)",
                key.kind, key.name
            ),
        }),
        Some(_) => Ok(()),
    }
}

#[async_trait]
impl Objects for Memory {
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        if !obj.is_object() {
            return Err(Error::Invalid {
                field: "value".into(),
                message: "expected an object".into(),
            });
        }
        let key = Key::of(cluster, &obj)?;
        tracing::debug!(cluster = %cluster, kind = %key.kind, namespace = %key.namespace,
            name = %key.name, "cluster.apply (in memory)");
        let mut map = self.objects.lock().expect("poisoned");
        check_uid(&key, &obj, map.get(&key))?;
        // a write carrying a resourceVersion is refused unless it is the stored one, as the
        // API server does (optimistic concurrency)
        if let (Some(wanted), Some(current)) = (
            obj.pointer("/metadata/resourceVersion").and_then(Value::as_str),
            map.get(&key),
        ) && current
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            != Some(wanted)
        {
            return Err(Error::Conflict {
                cluster: key.cluster,
                kind: key.kind,
                namespace: key.namespace,
                name: key.name,
                message:
                    "the object has been modified; apply the latest version (stale metadata.resourceVersion)"
                        .into(),
            });
        }
        let stored = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
        let version = stored
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let generation = stored
            .pointer("/metadata/generation")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        merge(stored, obj);
        if let Some(Value::Object(meta)) = stored.get_mut("metadata") {
            meta.insert("resourceVersion".into(), Value::String((version + 1).to_string()));
            meta.insert("generation".into(), Value::from(generation + 1));
        }
        Ok(stored.clone())
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        Ok(self.objects.lock().expect("poisoned").get(key).cloned())
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        let map = self.objects.lock().expect("poisoned");
        Ok(map
            .iter()
            .filter(|(k, _)| {
                k.cluster == cluster
                    && k.api_version == api_version
                    && k.kind == kind
                    && (namespace.is_empty() || k.namespace == namespace)
            })
            .filter(|(_, v)| {
                labels.iter().all(|(lk, lv)| {
                    v.pointer("/metadata/labels")
                        .and_then(|l| l.get(lk))
                        .and_then(Value::as_str)
                        == Some(lv)
                })
            })
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        Ok(self.objects.lock().expect("poisoned").remove(key).is_some())
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        let mut map = self.objects.lock().expect("poisoned");
        Ok(map.get_mut(key).map(|obj| {
            obj["status"] = status;
            // a status write is a write: the API server hands out a new resourceVersion
            let version = obj
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
                meta.insert("resourceVersion".into(), Value::String((version + 1).to_string()));
            }
            obj.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn memory_applies_reads_lists_and_deletes() {
        let m = Memory::new();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns", "labels": {"app": "x"}}, "data": {"k": "1"}});
        m.apply("", cm.clone()).await.unwrap();
        let second = m
            .apply(
                "",
                json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns"}, "data": {"j": "2"}}),
            )
            .await
            .unwrap();
        assert_eq!(second["data"], json!({"k": "1", "j": "2"}));
        assert_eq!(second["metadata"]["resourceVersion"], "2");
        let key = Key::of("", &cm).unwrap();
        assert!(m.get(&key).await.unwrap().is_some());
        let labels = BTreeMap::from([("app".to_owned(), "x".to_owned())]);
        assert_eq!(
            m.list("", "v1", "ConfigMap", "ns", &labels).await.unwrap().len(),
            1
        );
        assert!(m.delete(&key).await.unwrap());
        assert!(m.get(&key).await.unwrap().is_none());
        let err = m.apply("", json!({"kind": "X"})).await.unwrap_err();
        assert_eq!(err.to_string(), "apiVersion: expected a non-empty string");
    }

    #[tokio::test]
    async fn memory_refuses_a_stale_resource_version() {
        let m = Memory::new();
        let cm = |v: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "namespace": "ns"}, "data": {"k": v}})
        };
        let first = m.apply("", cm("1")).await.unwrap();
        m.apply("", cm("2")).await.unwrap();
        let mut stale = cm("3");
        stale["metadata"]["resourceVersion"] = first["metadata"]["resourceVersion"].clone();
        let err = m.apply("", stale).await.unwrap_err();
        assert!(
            matches!(err, Error::Conflict { ref name, .. } if name == "a"),
            "{err}"
        );
        let key = Key::of("", &cm("")).unwrap();
        assert_eq!(m.get(&key).await.unwrap().unwrap()["data"]["k"], "2");
        let mut current = cm("4");
        current["metadata"]["resourceVersion"] = json!("2");
        assert_eq!(
            m.apply("", current).await.unwrap()["metadata"]["resourceVersion"],
            "3"
        );
    }
}
