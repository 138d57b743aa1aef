//! The Kubernetes backend of [`Objects`] (feature `kube`): server-side apply with field manager
//! `vela`, through kube-rs, with API discovery for any kind.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{self, Scope};
use serde_json::Value;
use tracing::Instrument as _;

use super::{Error, Key, Objects, Result};

/// Clusters by name (`""` = the local cluster), each a kube-rs client.
#[derive(Clone)]
pub struct Kube {
    clients: HashMap<String, kube::Client>,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("clusters", &self.clients.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn backend(cluster: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Backend {
        cluster: cluster.to_owned(),
        source: Box::new(e),
    }
}

impl Kube {
    /// The local cluster only.
    #[must_use]
    pub fn local(client: kube::Client) -> Self {
        Self {
            clients: HashMap::from([(String::new(), client)]),
        }
    }

    /// Adds a named cluster.
    #[must_use]
    pub fn with_cluster(mut self, name: impl Into<String>, client: kube::Client) -> Self {
        self.clients.insert(name.into(), client);
        self
    }

    async fn api(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
    ) -> Result<Api<DynamicObject>> {
        let client = self.clients.get(cluster).ok_or_else(|| Error::Invalid {
            field: "cluster".into(),
            message: format!("unknown cluster {cluster:?}"),
        })?;
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let (ar, caps) = discovery::pinned_kind(client, &gvk)
            .await
            .map_err(|e| backend(cluster, e))?;
        Ok(match caps.scope {
            Scope::Namespaced if !namespace.is_empty() => {
                Api::namespaced_with(client.clone(), namespace, &ar)
            }
            _ => Api::all_with(client.clone(), &ar),
        })
    }
}

#[async_trait]
impl Objects for Kube {
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        let key = Key::of(cluster, &obj)?;
        // one span per server-side apply, named like the object it writes
        let span = tracing::debug_span!("cluster.apply", cluster = %cluster, kind = %key.kind,
            namespace = %key.namespace, name = %key.name);
        async {
            let api = self
                .api(cluster, &key.api_version, &key.kind, &key.namespace)
                .await?;
            let pp = PatchParams::apply("vela").force();
            let applied = api
                .patch(&key.name, &pp, &Patch::Apply(&obj))
                .await
                .map_err(|e| backend(cluster, e))?;
            serde_json::to_value(applied).map_err(|e| backend(cluster, e))
        }
        .instrument(span)
        .await
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        let api = self
            .api(&key.cluster, &key.api_version, &key.kind, &key.namespace)
            .await?;
        let obj = api
            .get_opt(&key.name)
            .await
            .map_err(|e| backend(&key.cluster, e))?;
        obj.map(|o| serde_json::to_value(o).map_err(|e| backend(&key.cluster, e)))
            .transpose()
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        let api = self.api(cluster, api_version, kind, namespace).await?;
        let selector = labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let lp = if selector.is_empty() {
            ListParams::default()
        } else {
            ListParams::default().labels(&selector)
        };
        let list = api.list(&lp).await.map_err(|e| backend(cluster, e))?;
        list.items
            .into_iter()
            .map(|o| serde_json::to_value(o).map_err(|e| backend(cluster, e)))
            .collect()
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        let api = self
            .api(&key.cluster, &key.api_version, &key.kind, &key.namespace)
            .await?;
        match api.delete(&key.name, &DeleteParams::default()).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(backend(&key.cluster, e)),
        }
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        let api = self
            .api(&key.cluster, &key.api_version, &key.kind, &key.namespace)
            .await?;
        let patch = serde_json::json!({ "status": status });
        match api
            .patch_status(&key.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(obj) => serde_json::to_value(obj)
                .map(Some)
                .map_err(|e| backend(&key.cluster, e)),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(e) => Err(backend(&key.cluster, e)),
        }
    }
}
