//! The embedded cluster seen through another field manager (what a person with `kubectl apply
//! --server-side` or another controller does to the same objects).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::Embedded;
use crate::{Key, Objects, Propagation, Result};

/// An [`Embedded`] cluster whose [`Objects::apply`] applies as another field manager; every
/// other operation is the cluster's own. Made by [`Embedded::as_manager`].
#[derive(Debug, Clone)]
pub struct AsManager {
    cluster: Arc<Embedded>,
    manager: String,
}

impl Embedded {
    /// This cluster, applying as field manager `manager`.
    #[must_use]
    pub fn as_manager(self: Arc<Self>, manager: impl Into<String>) -> AsManager {
        AsManager {
            cluster: self,
            manager: manager.into(),
        }
    }
}

#[async_trait]
impl Objects for AsManager {
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        self.cluster.apply_as(cluster, &self.manager, obj)
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        self.cluster.get(key).await
    }

    async fn get_shared(&self, key: &Key) -> Result<Option<Arc<Value>>> {
        self.cluster.get_shared(key).await
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        self.cluster
            .list(cluster, api_version, kind, namespace, labels)
            .await
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        self.cluster.delete(key).await
    }

    async fn flush(&self) -> Result<()> {
        self.cluster.commit()
    }

    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Option<bool>> {
        self.cluster.namespaced(cluster, api_version, kind).await
    }

    async fn delete_with(&self, key: &Key, propagation: Propagation) -> Result<bool> {
        self.cluster.delete_with(key, propagation).await
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        self.cluster.set_status(key, status).await
    }
}
