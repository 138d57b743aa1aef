//! Impersonation of an Application's service account: with the annotation
//! [`SERVICE_ACCOUNT`] the objects the Application delivers to the hub are written, read and
//! deleted as `system:serviceaccount:<namespace>:<name>`, so they can do no more than that
//! service account may, while the controller's own state (the Application, its revisions,
//! ResourceTrackers and workflow context, namespaces, the cluster registry) stays with the
//! controller's identity. Member clusters are reached with their registry credentials, as
//! before.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use vela_engine::Engine;
use vela_multicluster::{Key, Objects, Propagation, Result as ObjectsResult};

use crate::ratelimit::RateLimitLayer;
use crate::{Error, Result};

/// The annotation naming the service account (of the Application's namespace) an Application's
/// objects are delivered as (KubeVela's).
pub const SERVICE_ACCOUNT: &str = "app.oam.dev/service-account-name";

/// Builds, per (namespace, service account), a client that impersonates it, and engines that
/// deliver through it.
pub struct Impersonation {
    base: kube::Config,
    limit: Option<RateLimitLayer>,
    clients: Mutex<HashMap<(String, String), Arc<dyn Objects>>>,
}

impl std::fmt::Debug for Impersonation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Impersonation").finish_non_exhaustive()
    }
}

impl Impersonation {
    /// Impersonation through clients made from `base` (the controller's own configuration),
    /// sharing `limit` (the controller's client rate limit) when given.
    #[must_use]
    pub fn new(base: kube::Config, limit: Option<RateLimitLayer>) -> Self {
        Self {
            base,
            limit,
            clients: Mutex::default(),
        }
    }

    fn managed(&self, namespace: &str, account: &str) -> Result<Arc<dyn Objects>> {
        let key = (namespace.to_owned(), account.to_owned());
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = clients.get(&key) {
            return Ok(found.clone());
        }
        let mut config = self.base.clone();
        config.auth_info.impersonate = Some(format!("system:serviceaccount:{namespace}:{account}"));
        config.auth_info.impersonate_groups = None;
        let builder = kube::client::ClientBuilder::try_from(config).map_err(|source| Error::Kube {
            what: format!("build a client impersonating {namespace}/{account}"),
            source,
        })?;
        let client = match &self.limit {
            Some(limit) => builder.with_layer(limit).build(),
            None => builder.build(),
        };
        let objects: Arc<dyn Objects> = Arc::new(vela_multicluster::Fleet::kube(client));
        clients.insert(key, objects.clone());
        Ok(objects)
    }

    /// `engine` delivering the objects of Application `namespace/name` as `account`.
    ///
    /// # Errors
    /// [`Error::Kube`] when the impersonating client cannot be built.
    pub fn engine_for(&self, engine: &Engine, namespace: &str, name: &str, account: &str) -> Result<Engine> {
        let split = Split {
            state: engine.clusters().clone(),
            managed: self.managed(namespace, account)?,
            context: format!("workflow-{name}-context"),
        };
        Ok(engine.with_clusters(Arc::new(split)))
    }
}

/// The controller's state through its own identity, the Application's objects through the
/// impersonating client.
struct Split {
    state: Arc<dyn Objects>,
    managed: Arc<dyn Objects>,
    /// The Application's workflow context ConfigMap.
    context: String,
}

impl Split {
    fn route(&self, cluster: &str, api_version: &str, kind: &str, name: &str) -> &dyn Objects {
        let state = !cluster.is_empty()
            || api_version.starts_with("core.oam.dev/")
            || kind == "Namespace"
            || (kind == "ConfigMap" && name == self.context);
        if state {
            self.state.as_ref()
        } else {
            self.managed.as_ref()
        }
    }

    fn by_key(&self, key: &Key) -> &dyn Objects {
        self.route(&key.cluster, &key.api_version, &key.kind, &key.name)
    }
}

#[async_trait]
impl Objects for Split {
    async fn apply(&self, cluster: &str, obj: Value) -> ObjectsResult<Value> {
        let key = Key::of(cluster, &obj)?;
        self.by_key(&key).apply(cluster, obj).await
    }

    async fn get(&self, key: &Key) -> ObjectsResult<Option<Value>> {
        self.by_key(key).get(key).await
    }

    async fn get_shared(&self, key: &Key) -> ObjectsResult<Option<Arc<Value>>> {
        self.by_key(key).get_shared(key).await
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> ObjectsResult<Vec<Value>> {
        self.route(cluster, api_version, kind, "")
            .list(cluster, api_version, kind, namespace, labels)
            .await
    }

    async fn delete(&self, key: &Key) -> ObjectsResult<bool> {
        self.by_key(key).delete(key).await
    }

    async fn delete_with(&self, key: &Key, propagation: Propagation) -> ObjectsResult<bool> {
        self.by_key(key).delete_with(key, propagation).await
    }

    async fn set_status(&self, key: &Key, status: Value) -> ObjectsResult<Option<Value>> {
        self.by_key(key).set_status(key, status).await
    }

    async fn server_version(&self, cluster: &str) -> ObjectsResult<Option<Value>> {
        self.state.server_version(cluster).await
    }

    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> ObjectsResult<Option<bool>> {
        self.state.namespaced(cluster, api_version, kind).await
    }

    async fn flush(&self) -> ObjectsResult<()> {
        self.state.flush().await?;
        self.managed.flush().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vela_multicluster::Memory;

    async fn names(m: &Memory, api_version: &str, kind: &str, ns: &str) -> Vec<String> {
        m.list("", api_version, kind, ns, &BTreeMap::new())
            .await
            .unwrap()
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn state_goes_to_the_controller_and_the_objects_to_the_service_account() {
        let (state, managed) = (Arc::new(Memory::new()), Arc::new(Memory::new()));
        let split = Split {
            state: state.clone(),
            managed: managed.clone(),
            context: "workflow-shop-context".into(),
        };
        let objects = [
            json!({"apiVersion": "core.oam.dev/v1beta1", "kind": "ResourceTracker", "metadata": {"name": "shop-v1-team"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "workflow-shop-context", "namespace": "team"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "team"}}),
        ];
        for o in objects {
            split.apply("", o).await.unwrap();
        }
        assert_eq!(
            names(&state, "v1", "ConfigMap", "team").await,
            ["workflow-shop-context"]
        );
        assert_eq!(names(&managed, "v1", "ConfigMap", "team").await, ["settings"]);
        assert_eq!(names(&managed, "apps/v1", "Deployment", "team").await, ["web"]);
        assert_eq!(names(&state, "v1", "Namespace", "").await, ["team"]);
        assert_eq!(
            names(&state, "core.oam.dev/v1beta1", "ResourceTracker", "").await,
            ["shop-v1-team"]
        );
        assert!(
            names(&managed, "core.oam.dev/v1beta1", "ResourceTracker", "")
                .await
                .is_empty()
        );
    }
}
