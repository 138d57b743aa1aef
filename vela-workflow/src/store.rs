//! Where run state is kept between passes: a [`Store`] trait, in memory, in files, or in
//! ConfigMaps of a cluster ([`ConfigMaps`], over any [`Objects`](crate::cluster::Objects)
//! backend).
//!
//! # Concurrent writers
//!
//! A reconcile pass loads a run's state, runs, and saves it; an operation (`vela workflow
//! suspend`, ...) loads, changes and saves it too. When one saves between the other's load and
//! save, a plain [`Store::save`] overwrites what the first wrote. Writers that must not lose
//! the other side use optimistic concurrency: [`Store::load_versioned`] gives the state with
//! the [`Version`] it was stored as, and [`Store::save_if`] writes only if the stored version
//! is still that one, and otherwise fails with [`Error::Conflict`] (load again and redo).
//!
//! ```
//! use vela_workflow::{RunState, store::{Memory, Store}};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let store = Memory::new();
//! store.save("shop", &RunState::default()).await.unwrap();
//! let loaded = store.load_versioned("shop").await.unwrap();
//! // another writer saves meanwhile
//! store.save("shop", &RunState::default()).await.unwrap();
//! let err = store
//!     .save_if("shop", &RunState::default(), loaded.version.as_ref())
//!     .await
//!     .unwrap_err();
//! assert!(err.is_conflict());
//! # });
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
    /// A conditional save ([`Store::save_if`]) found another version than the one it expected:
    /// someone saved the run since it was loaded. Nothing was written; load it again and redo.
    #[error(
        "the state of run {key:?} changed since it was loaded (expected {expected}); \
         it was not saved: load it again"
    )]
    Conflict {
        /// Run key.
        key: String,
        /// The version the save expected (`nothing stored` when it expected none).
        expected: String,
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

impl Error {
    /// Whether this is an [`Error::Conflict`]: the save lost a race and may be redone.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    fn conflict(key: &str, expected: Option<&Version>) -> Self {
        Self::Conflict {
            key: key.to_owned(),
            expected: expected.map_or_else(|| "nothing stored".to_owned(), |v| format!("version {v}")),
        }
    }
}

/// Result of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The version a run state was stored as: opaque, only compared. Every save that changes the
/// stored state gives a new version (a ConfigMap's `metadata.resourceVersion`, a counter of
/// [`Memory`], a digest of the file of [`File`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    /// A version from its text (for stores outside this crate).
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The version as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`Store::load_versioned`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The stored state (`None`: none).
    pub state: Option<RunState>,
    /// The version to hand to [`Store::save_if`] (`None`: nothing is stored).
    pub version: Option<Version>,
}

/// Durable storage of [`RunState`] by run key.
///
/// [`Store::load`] and [`Store::save`] are for callers that are the only writer of a run;
/// [`Store::load_versioned`] and [`Store::save_if`] for those that may race another writer
/// (see the [module docs](self)).
#[async_trait]
pub trait Store: Send + Sync {
    /// The saved state of `key`, if any, with its version.
    async fn load_versioned(&self, key: &str) -> Result<Loaded>;
    /// The saved state of `key`, if any.
    async fn load(&self, key: &str) -> Result<Option<RunState>> {
        Ok(self.load_versioned(key).await?.state)
    }
    /// Saves the state of `key`, replacing what was there.
    async fn save(&self, key: &str, state: &RunState) -> Result<()>;
    /// Saves the state of `key` only if what is stored is still `expected` (`None`: only if
    /// nothing is stored); returns the new version.
    ///
    /// # Errors
    /// [`Error::Conflict`] when another version is stored (nothing is written), and the errors
    /// of [`Store::save`].
    async fn save_if(&self, key: &str, state: &RunState, expected: Option<&Version>) -> Result<Version>;
    /// Forgets `key`.
    async fn delete(&self, key: &str) -> Result<()>;
}

fn encode(key: &str, state: &RunState) -> Result<Vec<u8>> {
    state.to_bytes().map_err(|source| Error::Encode {
        key: key.to_owned(),
        source,
    })
}

fn decode(key: &str, bytes: &[u8]) -> Result<RunState> {
    RunState::from_bytes(bytes).map_err(|source| Error::Decode {
        key: key.to_owned(),
        source,
    })
}

/// A store in process memory. It keeps the serialized bytes, so what is loaded is exactly what
/// a durable store would give back. Versions count the saves of the store (never reused, also
/// not after a delete).
#[derive(Debug, Default)]
pub struct Memory {
    inner: Mutex<MemoryRuns>,
}

#[derive(Debug, Default)]
struct MemoryRuns {
    /// The bytes and the version of each run.
    runs: HashMap<String, (Vec<u8>, u64)>,
    /// The saves so far: the last version given out.
    saves: u64,
}

impl MemoryRuns {
    fn put(&mut self, key: &str, bytes: Vec<u8>) -> Version {
        self.saves += 1;
        self.runs.insert(key.to_owned(), (bytes, self.saves));
        Version(self.saves.to_string())
    }
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
        self.runs().runs.get(key).map(|(b, _)| b.len())
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, MemoryRuns> {
        // the map is never left half-changed: a panic elsewhere does not make it unusable
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Store for Memory {
    async fn load_versioned(&self, key: &str) -> Result<Loaded> {
        let found = self.runs().runs.get(key).cloned();
        let Some((bytes, version)) = found else {
            return Ok(Loaded::default());
        };
        Ok(Loaded {
            state: Some(decode(key, &bytes)?),
            version: Some(Version(version.to_string())),
        })
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let bytes = encode(key, state)?;
        self.runs().put(key, bytes);
        Ok(())
    }

    async fn save_if(&self, key: &str, state: &RunState, expected: Option<&Version>) -> Result<Version> {
        let bytes = encode(key, state)?;
        let mut runs = self.runs();
        let stored = runs.runs.get(key).map(|(_, v)| Version(v.to_string()));
        if stored.as_ref() != expected {
            return Err(Error::conflict(key, expected));
        }
        Ok(runs.put(key, bytes))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.runs().runs.remove(key);
        Ok(())
    }
}

/// A store that keeps one JSON file per run in a directory. Writes go to a temporary file
/// that is renamed over the old one, so a crash never leaves a half-written state.
///
/// A run's version is a digest of its file: [`Store::save_if`] compares it with the file as it
/// is when it writes. The check and the write are one step for every store of the directory, in
/// this process or in another: each write holds the directory's lock file `.lock` (an advisory
/// file lock, `flock` on Unix, released by the system if the process dies) from its check to its
/// rename, and waits at most [`File::LOCK_WAIT`] for another process's write.
#[derive(Debug, Clone)]
pub struct File {
    dir: PathBuf,
    /// Held by a conditional save from its check to its rename.
    writing: Arc<tokio::sync::Mutex<()>>,
}

/// The [`Error::Io`] of `op` on `path`, for `map_err`.
fn io(op: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { op, path, source }
}

/// The version of a file's content: its length and FNV-1a digest.
fn digest(bytes: &[u8]) -> Version {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Version(format!("{}-{hash:016x}", bytes.len()))
}

impl File {
    /// How long a write waits for the directory's lock while another process holds it; then it
    /// fails with [`Error::Io`] (`TimedOut`).
    pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

    /// Takes the directory's lock file (see [`File`]); it is released when the returned file is
    /// dropped.
    async fn lock_dir(&self) -> Result<std::fs::File> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(io("creating", &self.dir))?;
        let path = self.dir.join(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("opening", &path))?;
        let deadline = std::time::Instant::now() + Self::LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Io {
                        op: "locking (another process held the lock too long)",
                        path,
                        source: std::io::ErrorKind::TimedOut.into(),
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(Error::Io {
                        op: "locking",
                        path,
                        source,
                    });
                }
            }
        }
    }

    /// A store in `dir` (created on first save).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            writing: Arc::default(),
        }
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

    /// The bytes stored for `key`; `None` when there is no file.
    async fn read(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io {
                op: "reading",
                path,
                source,
            }),
        }
    }

    /// Writes `bytes` as the state of `key` (temporary file, then rename), under the lock of
    /// [`File::lock_dir`], which created the directory.
    async fn write(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key);
        let tmp = path.with_extension("json.tmp");
        tokio::fs::write(&tmp, bytes).await.map_err(io("writing", &tmp))?;
        tokio::fs::rename(&tmp, &path).await.map_err(io("renaming", &tmp))
    }
}

#[async_trait]
impl Store for File {
    async fn load_versioned(&self, key: &str) -> Result<Loaded> {
        let Some(bytes) = self.read(key).await? else {
            return Ok(Loaded::default());
        };
        Ok(Loaded {
            state: Some(decode(key, &bytes)?),
            version: Some(digest(&bytes)),
        })
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let bytes = encode(key, state)?;
        let _writing = self.writing.lock().await;
        let _dir = self.lock_dir().await?;
        self.write(key, &bytes).await
    }

    async fn save_if(&self, key: &str, state: &RunState, expected: Option<&Version>) -> Result<Version> {
        let bytes = encode(key, state)?;
        let _writing = self.writing.lock().await;
        let _dir = self.lock_dir().await?;
        let stored = self.read(key).await?.map(|b| digest(&b));
        if stored.as_ref() != expected {
            return Err(Error::conflict(key, expected));
        }
        self.write(key, &bytes).await?;
        Ok(digest(&bytes))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key);
        let _writing = self.writing.lock().await;
        if !tokio::fs::try_exists(&self.dir).await.unwrap_or(false) {
            return Ok(());
        }
        let _dir = self.lock_dir().await?;
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

impl ConfigMaps {
    /// The ConfigMap that keeps `state`, with `metadata.resourceVersion` when the write is
    /// conditional.
    fn config_map(
        &self,
        key: &str,
        state: &RunState,
        version: Option<&Version>,
    ) -> Result<serde_json::Value> {
        let bytes = encode(key, state)?;
        let mut cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": self.name(key), "namespace": self.namespace},
            "data": {"state": String::from_utf8_lossy(&bytes)}});
        if let Some(v) = version {
            // `<resourceVersion>/<uid>` (see `version_of`): the uid keeps a deleted run from
            // being created again by a save over its last version
            let (resource_version, uid) = v.0.split_once('/').unwrap_or((v.0.as_str(), ""));
            cm["metadata"]["resourceVersion"] = serde_json::Value::String(resource_version.to_owned());
            if !uid.is_empty() {
                cm["metadata"]["uid"] = serde_json::Value::String(uid.to_owned());
            }
        }
        Ok(cm)
    }
}

/// The version of a stored run: its ConfigMap's resourceVersion, followed by `/<uid>` when the
/// backend gives uids. A save over it carries both: the API server (and the embedded cluster)
/// refuse a stale resourceVersion, and a uid that no object has, so a ConfigMap deleted since
/// is not created again (an apply with only a resourceVersion would create it).
fn version_of(cm: &serde_json::Value) -> Version {
    let text = |pointer: &str| {
        cm.pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
    };
    let (resource_version, uid) = (text("/metadata/resourceVersion"), text("/metadata/uid"));
    Version(if uid.is_empty() {
        resource_version.to_owned()
    } else {
        format!("{resource_version}/{uid}")
    })
}

#[async_trait]
impl Store for ConfigMaps {
    async fn load_versioned(&self, key: &str) -> Result<Loaded> {
        let cm = self
            .objects
            .get_shared(&self.key(key))
            .await
            .map_err(|e| Self::backend(key, e))?;
        let Some(cm) = cm else {
            return Ok(Loaded::default());
        };
        let version = Some(version_of(&cm));
        let Some(state) = cm.pointer("/data/state").and_then(serde_json::Value::as_str) else {
            return Ok(Loaded { state: None, version });
        };
        Ok(Loaded {
            state: Some(decode(key, state.as_bytes())?),
            version,
        })
    }

    async fn save(&self, key: &str, state: &RunState) -> Result<()> {
        let cm = self.config_map(key, state, None)?;
        self.objects
            .apply_shared(&self.cluster, cm)
            .await
            .map_err(|e| Self::backend(key, e))?;
        Ok(())
    }

    /// The API server (and the embedded cluster) refuse an apply whose
    /// `metadata.resourceVersion` is not the stored one, or whose `metadata.uid` no stored
    /// object has: that is the check (a run deleted since its version was read is not created
    /// again; a backend without uids, as `Memory`, checks the resourceVersion only). Expecting
    /// nothing stored reads first (a ConfigMap created between the read and the apply is
    /// overwritten).
    async fn save_if(&self, key: &str, state: &RunState, expected: Option<&Version>) -> Result<Version> {
        if expected.is_none()
            && self
                .objects
                .get_shared(&self.key(key))
                .await
                .map_err(|e| Self::backend(key, e))?
                .is_some()
        {
            return Err(Error::conflict(key, None));
        }
        let cm = self.config_map(key, state, expected)?;
        match self.objects.apply_shared(&self.cluster, cm).await {
            Ok(stored) => Ok(version_of(&stored)),
            Err(crate::cluster::Error::Conflict { .. }) => Err(Error::conflict(key, expected)),
            // a ConfigMap created again since (another uid): the API server calls it invalid
            Err(crate::cluster::Error::Invalid { field, .. }) if field == "metadata.uid" => {
                Err(Error::conflict(key, expected))
            }
            Err(e) => Err(Self::backend(key, e)),
        }
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
    use crate::cluster::Objects as _;

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

    /// The optimistic-concurrency contract every backend keeps; `after_delete`: also that a
    /// save expecting a version of a deleted run is refused (ConfigMaps need uids for that,
    /// which `Memory` does not give: vela-engine's `run_state_race` tests it on the embedded
    /// cluster).
    async fn conditional_saves(store: &dyn Store, after_delete: bool) {
        let first = RunState::default();
        let other = RunState {
            generation: 7,
            ..RunState::default()
        };
        assert_eq!(store.load_versioned("ns/run").await.unwrap(), Loaded::default());
        // expecting nothing stored: creates, then refuses
        let v1 = store.save_if("ns/run", &first, None).await.unwrap();
        let err = store.save_if("ns/run", &other, None).await.unwrap_err();
        assert!(err.is_conflict(), "{err}");
        let loaded = store.load_versioned("ns/run").await.unwrap();
        assert_eq!(loaded.state.as_ref(), Some(&first));
        assert_eq!(loaded.version.as_ref(), Some(&v1));
        // another writer saves between the load and the conditional save: the save is refused
        store.save("ns/run", &other).await.unwrap();
        let err = store.save_if("ns/run", &first, Some(&v1)).await.unwrap_err();
        assert!(err.is_conflict(), "{err}");
        assert!(err.to_string().contains("changed since it was loaded"), "{err}");
        assert_eq!(store.load("ns/run").await.unwrap(), Some(other.clone()));
        // with the current version it is written, and the version moves
        let current = store.load_versioned("ns/run").await.unwrap().version.unwrap();
        assert_ne!(current, v1);
        let mut third = other.clone();
        third.generation = 8;
        let v3 = store.save_if("ns/run", &third, Some(&current)).await.unwrap();
        assert_ne!(v3, current);
        assert_eq!(store.load_versioned("ns/run").await.unwrap().version, Some(v3));
        store.delete("ns/run").await.unwrap();
        if after_delete {
            let err = store.save_if("ns/run", &first, Some(&current)).await.unwrap_err();
            assert!(err.is_conflict(), "a deleted run has no version: {err}");
        }
    }

    #[tokio::test]
    async fn memory_store_round_trips() {
        round_trip(&Memory::new()).await;
    }

    #[tokio::test]
    async fn memory_store_refuses_a_stale_conditional_save() {
        conditional_saves(&Memory::new(), true).await;
    }

    #[tokio::test]
    async fn file_store_refuses_a_stale_conditional_save() {
        let dir = std::env::temp_dir().join(format!("vela-wf-store-cas-{}", std::process::id()));
        conditional_saves(&File::new(&dir), true).await;
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }

    #[tokio::test]
    async fn config_map_store_refuses_a_stale_conditional_save() {
        let objects = Arc::new(crate::cluster::Memory::new());
        conditional_saves(&ConfigMaps::new(objects, "", "default", "workflow-"), false).await;
    }

    #[tokio::test]
    async fn config_map_store_versions_are_resource_versions() {
        let objects = Arc::new(crate::cluster::Memory::new());
        let store = ConfigMaps::new(objects.clone(), "", "default", "workflow-");
        let v = store.save_if("shop", &RunState::default(), None).await.unwrap();
        let cm = objects
            .get(&store.key("shop"))
            .await
            .unwrap()
            .expect("the ConfigMap");
        assert_eq!(cm["metadata"]["resourceVersion"].as_str(), Some(v.as_str()));
    }

    /// A conditional save waits while another process holds the directory's lock, and then
    /// sees what that process wrote.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn file_store_saves_wait_for_another_process_s_lock() {
        let dir = std::env::temp_dir().join(format!("vela-wf-lock-{}", std::process::id()));
        let store = File::new(&dir);
        let first = store.save_if("ns/run", &RunState::default(), None).await.unwrap();
        // another process: holds the lock, and writes the run meanwhile
        let other = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.join(".lock"))
            .unwrap();
        other.lock().unwrap();
        let saving = tokio::spawn({
            // a store of its own (its own in-process mutex), as another process has
            let store = File::new(&dir);
            async move {
                let ours = RunState {
                    generation: 1,
                    ..RunState::default()
                };
                store.save_if("ns/run", &ours, Some(&first)).await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let theirs = RunState {
            generation: 7,
            ..RunState::default()
        };
        std::fs::write(store.path("ns/run"), encode("ns/run", &theirs).unwrap()).unwrap();
        other.unlock().unwrap();
        let refused = saving.await.unwrap().unwrap_err();
        assert!(refused.is_conflict(), "{refused}");
        assert_eq!(store.load("ns/run").await.unwrap().unwrap().generation, 7);
        let _ = std::fs::remove_dir_all(&dir);
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
