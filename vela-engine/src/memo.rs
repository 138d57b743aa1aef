//! Reads remembered for the length of one reconcile.
//!
//! A reconcile reads some objects more than once (the application, its newest ResourceTracker,
//! the live objects that state-keep compares and that health is then evaluated on). [`Memo`]
//! wraps the clusters for one reconcile: the first read of an object goes to the cluster, later
//! ones are answered from memory; what the reconcile writes replaces what it remembered, and a
//! deletion (which may cascade to other objects) forgets everything. A read does not see
//! another writer's change made during the same reconcile, as with any snapshot: the next
//! reconcile does.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use serde_json::Value;
use vela_multicluster::{Key, Objects, Propagation, Result};

/// The clusters of one reconcile, with its reads remembered.
pub(crate) struct Memo {
    inner: Arc<dyn Objects>,
    seen: Mutex<HashMap<Key, Option<Arc<Value>>>>,
}

impl Memo {
    /// Remembers the reads made through it of `inner`.
    pub(crate) fn new(inner: Arc<dyn Objects>) -> Self {
        Self {
            inner,
            seen: Mutex::default(),
        }
    }

    fn seen(&self) -> MutexGuard<'_, HashMap<Key, Option<Arc<Value>>>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets `key` under any spelling of its cluster (a backend may take `""` and `local` for
    /// the same hub), then remembers `now` for it.
    fn replace(&self, key: &Key, now: Option<Arc<Value>>) {
        let mut seen = self.seen();
        seen.retain(|k, _| {
            !(k.name == key.name
                && k.namespace == key.namespace
                && k.kind == key.kind
                && k.api_version == key.api_version)
        });
        seen.insert(key.clone(), now);
    }
}

#[async_trait]
impl Objects for Memo {
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        Ok(Arc::unwrap_or_clone(self.apply_shared(cluster, obj).await?))
    }

    async fn apply_shared(&self, cluster: &str, obj: Value) -> Result<Arc<Value>> {
        let key = Key::of(cluster, &obj)?;
        match self.inner.apply_shared(cluster, obj).await {
            Ok(live) => {
                self.replace(&key, Some(live.clone()));
                Ok(live)
            }
            Err(e) => {
                self.seen().clear();
                Err(e)
            }
        }
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        Ok(self.get_shared(key).await?.map(Arc::unwrap_or_clone))
    }

    async fn get_shared(&self, key: &Key) -> Result<Option<Arc<Value>>> {
        if let Some(found) = self.seen().get(key) {
            return Ok(found.clone());
        }
        let found = self.inner.get_shared(key).await?;
        self.seen().insert(key.clone(), found.clone());
        Ok(found)
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        self.inner
            .list(cluster, api_version, kind, namespace, labels)
            .await
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        let result = self.inner.delete(key).await;
        self.seen().clear();
        result
    }

    async fn delete_with(&self, key: &Key, propagation: Propagation) -> Result<bool> {
        let result = self.inner.delete_with(key, propagation).await;
        self.seen().clear();
        result
    }

    async fn server_version(&self, cluster: &str) -> Result<Option<Value>> {
        self.inner.server_version(cluster).await
    }

    async fn flush(&self) -> Result<()> {
        self.inner.flush().await
    }

    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Option<bool>> {
        self.inner.namespaced(cluster, api_version, kind).await
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        Ok(self
            .set_status_shared(key, status)
            .await?
            .map(Arc::unwrap_or_clone))
    }

    async fn set_status_shared(&self, key: &Key, status: Value) -> Result<Option<Arc<Value>>> {
        match self.inner.set_status_shared(key, status).await {
            Ok(now) => {
                self.replace(key, now.clone());
                Ok(now)
            }
            Err(e) => {
                self.seen().clear();
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use vela_multicluster::Embedded;

    use super::*;

    fn cm(value: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default"}, "data": {"k": value}})
    }

    #[tokio::test]
    async fn reads_are_remembered_and_writes_replace_them() {
        let cluster: Arc<dyn Objects> = Arc::new(Embedded::in_memory().unwrap());
        let memo = Memo::new(cluster.clone());
        let key = Key::of("", &cm("a")).unwrap();
        assert!(memo.get(&key).await.unwrap().is_none());

        // a write by someone else during the reconcile is not seen (a snapshot) ...
        cluster.apply("", cm("a")).await.unwrap();
        assert!(memo.get(&key).await.unwrap().is_none());

        // ... the reconcile's own writes are
        memo.apply("", cm("b")).await.unwrap();
        assert_eq!(memo.get(&key).await.unwrap().unwrap()["data"]["k"], "b");
        let status = memo.set_status(&key, json!({"x": 1})).await.unwrap().unwrap();
        assert_eq!(memo.get(&key).await.unwrap(), Some(status));

        // a deletion forgets everything
        cluster.apply("", cm("c")).await.unwrap();
        let other = Key::of(
            "",
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "gone", "namespace": "default"}}),
        )
        .unwrap();
        assert!(!memo.delete(&other).await.unwrap());
        assert_eq!(memo.get(&key).await.unwrap().unwrap()["data"]["k"], "c");
    }
}
