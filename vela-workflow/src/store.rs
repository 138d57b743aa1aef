//! Where run state is kept between passes: a [`Store`] trait, in memory, in files, or in
//! ConfigMaps of a cluster ([`ConfigMaps`], over any [`Objects`](crate::cluster::Objects)
//! backend).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::state::RunState;

/// A store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stored state could not be decoded.
    #[error("stored state of run {key:?} is corrupt")]
    Decode {
        /// Run key.
        key: String,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// The state could not be encoded.
    #[error("state of run {key:?} could not be encoded")]
    Encode {
        /// Run key.
        key: String,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
    /// Reading or writing a file failed.
    #[error("{op} {path} failed")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A backend-specific failure (for stores outside this crate, such as Kubernetes).
    #[error("store backend failed for run {key:?}")]
    Backend {
        /// Run key.
        key: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Result of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Durable storage of [`RunState`] by run key.
#[async_trait]
pub trait Store: Send + Sync {
    /// The saved state of `key`, if any.
    async fn load(&self, key: &str) -> Result<Option<RunState>>;
    /// Saves the state of `key`, replacing what was there.
    async fn save(&self, key: &str, state: &RunState) -> Result<()>;
    /// Forgets `key`.
    async fn delete(&self, key: &str) -> Result<()>;
}

/// A store in process memory. It keeps the serialized bytes, so what is loaded is exactly what
/// a durable store would give back.
#[derive(Debug, Default)]
pub struct Memory {
    runs: Mutex<HashMap<String, Vec<u8>>>,
}

impl Memory {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The serialized size of a stored run, in bytes.
    #[must_use]
    pub fn stored_len(&self, key: &str) -> Option<usize> {
        self.runs.lock().expect("poisoned").get(key).map(Vec::len)
    }
}

#[async_trait]
impl Store for Memory {
    async fn load(&self, key: &str) -> Result<Option<RunState>> {
        let bytes = self.runs.lock().expect("poisoned").get(key).cloned();
        bytes
            .map(|b| {
                RunState::from_bytes(&b).map_err(|source| Error::Decode {
                    key: key.to_owned(),
                    source,
                })
            })
            .transpose()
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let bytes = state.to_bytes().map_err(|source| Error::Encode {
            key: key.to_owned(),
            source,
        })?;
        self.runs.lock().expect("poisoned").insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.runs.lock().expect("poisoned").remove(key);
        Ok(())
    }
}

/// A store that keeps one JSON file per run in a directory. Writes go to a temporary file
/// that is renamed over the old one, so a crash never leaves a half-written state.
#[derive(Debug, Clone)]
pub struct File {
    dir: PathBuf,
}

impl File {
    /// A store in `dir` (created on first save).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are run names like `namespace/name`; keep file names safe and unique.
        let safe: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '~'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.json"))
    }
}

#[async_trait]
impl Store for File {
    async fn load(&self, key: &str) -> Result<Option<RunState>> {
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(b) => RunState::from_bytes(&b)
                .map(Some)
                .map_err(|source| Error::Decode {
                    key: key.to_owned(),
                    source,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io {
                op: "reading",
                path,
                source,
            }),
        }
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let io = |op, path: &PathBuf| {
            let path = path.clone();
            move |source| Error::Io { op, path, source }
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(io("creating", &self.dir))?;
        let path = self.path(key);
        let tmp = path.with_extension("json.tmp");
        let bytes = state.to_bytes().map_err(|source| Error::Encode {
            key: key.to_owned(),
            source,
        })?;
        tokio::fs::write(&tmp, bytes).await.map_err(io("writing", &tmp))?;
        tokio::fs::rename(&tmp, &path).await.map_err(io("renaming", &tmp))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Io {
                op: "deleting",
                path,
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

/// A store that keeps each run's state in a ConfigMap of a cluster, like KubeVela's
/// `workflow-<name>-context` ConfigMap: `<prefix><key>` (key characters other than
/// `[a-z0-9-.]` become `-`) in one namespace, the state as JSON under `data.state`. It works
/// over any [`Objects`](crate::cluster::Objects) backend: the embedded cluster, or a real one
/// through kube-rs.
///
/// ```
/// use std::sync::Arc;
/// use vela_workflow::{RunState, cluster, store::{ConfigMaps, Store}};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = ConfigMaps::new(Arc::new(cluster::Memory::new()), "", "default", "workflow-");
/// store.save("shop", &RunState::default()).await.unwrap();
/// assert!(store.load("shop").await.unwrap().is_some());
/// # });
/// ```
#[derive(Clone)]
pub struct ConfigMaps {
    objects: std::sync::Arc<dyn crate::cluster::Objects>,
    cluster: String,
    namespace: String,
    prefix: String,
}

impl std::fmt::Debug for ConfigMaps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigMaps")
            .field("cluster", &self.cluster)
            .field("namespace", &self.namespace)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl ConfigMaps {
    /// A store in `namespace` of `cluster` (`""`: the hub), naming ConfigMaps `<prefix><key>`.
    #[must_use]
    pub fn new(
        objects: std::sync::Arc<dyn crate::cluster::Objects>,
        cluster: &str,
        namespace: &str,
        prefix: impl Into<String>,
    ) -> Self {
        Self {
            objects,
            cluster: cluster.to_owned(),
            namespace: namespace.to_owned(),
            prefix: prefix.into(),
        }
    }

    /// The ConfigMap name of a run key.
    #[must_use]
    pub fn name(&self, key: &str) -> String {
        let k: String = key
            .to_ascii_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{}{k}", self.prefix)
    }

    fn key(&self, key: &str) -> crate::cluster::Key {
        crate::cluster::Key {
            cluster: self.cluster.clone(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: self.namespace.clone(),
            name: self.name(key),
        }
    }

    fn backend(key: &str, e: crate::cluster::Error) -> Error {
        Error::Backend {
            key: key.to_owned(),
            source: Box::new(e),
        }
    }
}

#[async_trait]
impl Store for ConfigMaps {
    async fn load(&self, key: &str) -> Result<Option<RunState>> {
        let cm = self
            .objects
            .get_shared(&self.key(key))
            .await
            .map_err(|e| Self::backend(key, e))?;
        let Some(cm) = cm else { return Ok(None) };
        let Some(state) = cm.pointer("/data/state").and_then(serde_json::Value::as_str) else {
            return Ok(None);
        };
        RunState::from_bytes(state.as_bytes())
            .map(Some)
            .map_err(|source| Error::Decode {
                key: key.to_owned(),
                source,
            })
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let bytes = state.to_bytes().map_err(|source| Error::Encode {
            key: key.to_owned(),
            source,
        })?;
        let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": self.name(key), "namespace": self.namespace},
            "data": {"state": String::from_utf8_lossy(&bytes)}});
        self.objects
            .apply_shared(&self.cluster, cm)
            .await
            .map_err(|e| Self::backend(key, e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.objects
            .delete(&self.key(key))
            .await
            .map_err(|e| Self::backend(key, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(store: &dyn Store) {
        assert!(store.load("ns/run").await.unwrap().is_none());
        let mut s = RunState::default();
        s.set_var("out", serde_json::json!({"a": [1, 2]}));
        s.generation = 3;
        store.save("ns/run", &s).await.unwrap();
        assert_eq!(store.load("ns/run").await.unwrap(), Some(s));
        store.delete("ns/run").await.unwrap();
        assert!(store.load("ns/run").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn memory_store_round_trips() {
        round_trip(&Memory::new()).await;
    }

    #[tokio::test]
    async fn file_store_round_trips_and_reports_corruption() {
        let dir = std::env::temp_dir().join(format!("vela-wf-store-{}", std::process::id()));
        let store = File::new(&dir);
        round_trip(&store).await;
        tokio::fs::write(store.path("bad"), b"{not json").await.unwrap();
        let err = store.load("bad").await.unwrap_err();
        assert!(err.to_string().contains("\"bad\" is corrupt"), "{err}");
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
}
