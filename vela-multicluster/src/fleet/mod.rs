//! [`Fleet`]: one [`Objects`] over the hub and every registered cluster.
//!
//! Cluster `""` and `local` go to the hub's backend. Any other name is looked up in the
//! [cluster registry](crate::registry) (Secrets in the hub's `vela-system`) the first time it is used
//! and served from then on by a client built from the stored credentials (feature `kube`;
//! rustls, the Secret's CA, client certificate or token, and proxy), or, for a virtual member
//! (credential type `Embedded`), by the hub's own embedded state under the member's name.
//!
//! - an unknown cluster is [`Error::Invalid`] naming it; a malformed registry entry is
//!   [`Error::Invalid`] naming the Secret's field;
//! - an unreachable cluster is [`Error::Backend`] naming it, with the cause: calls for the other
//!   clusters are not affected.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use serde_json::json;
//! use vela_multicluster::{Embedded, Fleet, Objects, registry::{self, Cluster}};
//!
//! let state = Arc::new(Embedded::in_memory()?);
//! registry::join(&*state, &Cluster::embedded("edge")?).await?;
//! let fleet = Fleet::embedded(state);
//! let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "hello", "namespace": "default"}});
//! fleet.apply("edge", cm.clone()).await?;
//! assert!(fleet.list("edge", "v1", "ConfigMap", "default", &Default::default()).await?.len() == 1);
//! assert!(fleet.list("local", "v1", "ConfigMap", "default", &Default::default()).await?.is_empty());
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::registry::{self, CredentialType, LOCAL};
use crate::{Error, Key, Objects, Result};

#[cfg(feature = "kube")]
mod connect;
#[cfg(test)]
mod tests;

/// The objects of the hub and of every registered cluster, through one [`Objects`].
pub struct Fleet {
    hub: Arc<dyn Objects>,
    virtual_members: bool,
    #[cfg(feature = "kube")]
    hub_client: Option<kube::Client>,
    /// The user and groups the members' clients impersonate ([`Fleet::impersonating_members`]).
    #[cfg(feature = "kube")]
    impersonate: Option<(String, Vec<String>)>,
    members: Mutex<HashMap<String, Member>>,
}

/// How a member is served.
#[derive(Clone)]
enum Member {
    /// By the hub's backend, under the member's name (a virtual member of the embedded state).
    Virtual,
    /// By its own client.
    #[cfg(feature = "kube")]
    Kube(Arc<crate::Kube>),
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<String> = self.lock().keys().cloned().collect();
        let mut d = f.debug_struct("Fleet");
        d.field("virtual_members", &self.virtual_members);
        #[cfg(feature = "kube")]
        d.field("impersonate", &self.impersonate);
        d.field("connected", &members).finish_non_exhaustive()
    }
}

/// What [`Fleet::probe`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Probe {
    /// The cluster (`local` for the hub).
    pub cluster: String,
    /// The API server's version (`gitVersion` of `/version`), when it is a real cluster reached
    /// through its own client.
    pub server_version: Option<String>,
    /// What answered, in words (`Kubernetes v1.34.1 at https://...`, `virtual member of the
    /// embedded state`).
    pub description: String,
}

impl Fleet {
    /// A fleet over `hub` (a real cluster's backend): members are reached with their stored
    /// credentials; virtual members are refused.
    #[must_use]
    pub fn new(hub: Arc<dyn Objects>) -> Self {
        Self {
            hub,
            virtual_members: false,
            #[cfg(feature = "kube")]
            hub_client: None,
            #[cfg(feature = "kube")]
            impersonate: None,
            members: Mutex::new(HashMap::new()),
        }
    }

    /// The same fleet (the same hub backend, the same registry read with the hub's identity)
    /// whose member clusters are reached impersonating `user` with `groups`: every request to a
    /// member carries `Impersonate-User` and `Impersonate-Group`, so the member's RBAC decides
    /// what that identity may do there (the registry credentials must be allowed to
    /// impersonate). Virtual members of an embedded state have no identities and are served as
    /// before. Connections are made anew for this fleet.
    ///
    /// ```
    /// # #[cfg(feature = "kube")] {
    /// let hub = std::sync::Arc::new(vela_multicluster::Memory::new());
    /// let fleet = vela_multicluster::Fleet::new(hub);
    /// let as_alice = fleet.impersonating_members("alice", vec!["dev".into()]);
    /// assert!(format!("{as_alice:?}").contains("alice"));
    /// # }
    /// ```
    #[cfg(feature = "kube")]
    #[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
    #[must_use]
    pub fn impersonating_members(&self, user: impl Into<String>, groups: Vec<String>) -> Self {
        Self {
            hub: self.hub.clone(),
            virtual_members: self.virtual_members,
            hub_client: self.hub_client.clone(),
            impersonate: Some((user.into(), groups)),
            members: Mutex::new(HashMap::new()),
        }
    }

    /// A fleet over an embedded state: virtual members (credential type `Embedded`) live in the
    /// same state, beside the hub's objects.
    #[cfg(feature = "embedded")]
    #[cfg_attr(docsrs, doc(cfg(feature = "embedded")))]
    #[must_use]
    pub fn embedded(state: Arc<crate::Embedded>) -> Self {
        Self::new(state).with_virtual_members()
    }

    /// A fleet whose hub is the real cluster of `client` (its objects through [`crate::Kube`]).
    #[cfg(feature = "kube")]
    #[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
    #[must_use]
    pub fn kube(client: kube::Client) -> Self {
        let mut fleet = Self::new(Arc::new(crate::Kube::local(client.clone())));
        fleet.hub_client = Some(client);
        fleet
    }

    /// Serves virtual members (credential type `Embedded`) from the hub's backend under their
    /// own names (the hub backend must keep named clusters apart, as `Embedded` and
    /// [`crate::Memory`] do).
    #[must_use]
    pub fn with_virtual_members(mut self) -> Self {
        self.virtual_members = true;
        self
    }

    /// The hub's backend.
    #[must_use]
    pub fn hub(&self) -> &Arc<dyn Objects> {
        &self.hub
    }

    /// Forgets the connection to `cluster` (after its registration changed): the next call
    /// reads the registry again.
    pub fn forget(&self, cluster: &str) {
        self.lock().remove(cluster);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Member>> {
        self.members
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The registry entry of `name`, as an [`Error`] of [`Objects`] when it is missing or bad.
    async fn entry(&self, name: &str) -> Result<registry::Cluster> {
        match registry::get(&*self.hub, name).await {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err(Error::Invalid {
                field: "cluster".into(),
                message: format!(
                    "unknown cluster {name:?}: not in the registry (`vela cluster join` adds it)"
                ),
            }),
            Err(registry::Error::Objects { source, .. }) => Err(*source),
            Err(e) => Err(Error::Invalid {
                field: "cluster".into(),
                message: e.to_string(),
            }),
        }
    }

    /// The backend serving `cluster` and the name to give it.
    async fn route(&self, cluster: &str) -> Result<(Arc<dyn Objects>, String)> {
        let name = registry::canonical(cluster);
        if name == LOCAL {
            return Ok((self.hub.clone(), String::new()));
        }
        let cached = self.lock().get(name).cloned();
        let member = match cached {
            Some(m) => m,
            None => {
                let entry = self.entry(name).await?;
                let member = self.member(&entry)?;
                self.lock().insert(name.to_owned(), member.clone());
                member
            }
        };
        Ok(match member {
            Member::Virtual => (self.hub.clone(), name.to_owned()),
            #[cfg(feature = "kube")]
            Member::Kube(k) => (k, name.to_owned()),
        })
    }

    fn member(&self, entry: &registry::Cluster) -> Result<Member> {
        let name = &entry.name;
        match entry.credential_type {
            CredentialType::Embedded if self.virtual_members => Ok(Member::Virtual),
            CredentialType::Embedded => Err(Error::Invalid {
                field: "cluster".into(),
                message: format!(
                    "cluster {name:?} is a virtual member of an embedded state (credential type \
                     Embedded); this hub is a real cluster"
                ),
            }),
            #[cfg(feature = "kube")]
            CredentialType::X509Certificate | CredentialType::ServiceAccountToken => {
                let client = connect::client(entry, connect::Timeouts::default(), self.impersonate.as_ref())?;
                Ok(Member::Kube(Arc::new(
                    crate::Kube::local(client.clone()).with_cluster(name.clone(), client),
                )))
            }
            _ => Err(Error::Invalid {
                field: "cluster".into(),
                message: format!(
                    "cluster {name:?} ({}) is a real cluster: serving it needs vela-multicluster's \
                     feature `kube`",
                    entry.credential_type
                ),
            }),
        }
    }

    /// Checks that `cluster` answers: a real request (`/version` for a cluster with its own
    /// client, a read of the `default` Namespace otherwise) bounded by `timeout` where the
    /// network is involved.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown cluster; [`Error::Backend`] naming the cluster and the
    /// cause when it does not answer.
    pub async fn probe(&self, cluster: &str, timeout: Duration) -> Result<Probe> {
        #[cfg(not(feature = "kube"))]
        let _ = timeout; // nothing here goes over the network
        let name = registry::canonical(cluster).to_owned();
        let namespace_key = |c: &str| Key {
            cluster: c.to_owned(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: "default".into(),
        };
        if name == LOCAL {
            #[cfg(feature = "kube")]
            if let Some(client) = &self.hub_client {
                let version = connect::version(client, LOCAL, timeout).await?;
                return Ok(Probe {
                    cluster: name,
                    description: format!("Kubernetes {version} (the hub)"),
                    server_version: Some(version),
                });
            }
            self.hub.get(&namespace_key("")).await?;
            return Ok(Probe {
                cluster: name,
                server_version: None,
                description: "the hub answered".into(),
            });
        }
        let entry = self.entry(&name).await?;
        #[cfg(feature = "kube")]
        if matches!(
            entry.credential_type,
            CredentialType::X509Certificate | CredentialType::ServiceAccountToken
        ) {
            let timeouts = connect::Timeouts {
                connect: timeout,
                read: timeout,
            };
            let client = connect::client(&entry, timeouts, self.impersonate.as_ref())?;
            let version = connect::version(&client, &name, timeout).await?;
            return Ok(Probe {
                description: format!(
                    "Kubernetes {version} at {}",
                    entry.endpoint.as_deref().unwrap_or("?")
                ),
                cluster: name,
                server_version: Some(version),
            });
        }
        // a virtual member (or an error saying why it cannot be served)
        self.member(&entry)?;
        self.hub.get(&namespace_key(&name)).await?;
        Ok(Probe {
            cluster: name,
            server_version: None,
            description: "virtual member of the embedded state".into(),
        })
    }
}

fn with_cluster(key: &Key, cluster: String) -> Key {
    Key {
        cluster,
        ..key.clone()
    }
}

#[async_trait]
impl Objects for Fleet {
    async fn apply(&self, cluster: &str, obj: Value) -> Result<Value> {
        let (backend, name) = self.route(cluster).await?;
        backend.apply(&name, obj).await
    }

    async fn apply_shared(&self, cluster: &str, obj: Value) -> Result<std::sync::Arc<Value>> {
        let (backend, name) = self.route(cluster).await?;
        backend.apply_shared(&name, obj).await
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        let (backend, name) = self.route(&key.cluster).await?;
        backend.get(&with_cluster(key, name)).await
    }

    async fn get_shared(&self, key: &Key) -> Result<Option<std::sync::Arc<Value>>> {
        let (backend, name) = self.route(&key.cluster).await?;
        backend.get_shared(&with_cluster(key, name)).await
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        let (backend, name) = self.route(cluster).await?;
        backend.list(&name, api_version, kind, namespace, labels).await
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        let (backend, name) = self.route(&key.cluster).await?;
        backend.delete(&with_cluster(key, name)).await
    }

    async fn delete_with(&self, key: &Key, propagation: crate::Propagation) -> Result<bool> {
        let (backend, name) = self.route(&key.cluster).await?;
        backend.delete_with(&with_cluster(key, name), propagation).await
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        let (backend, name) = self.route(&key.cluster).await?;
        backend.set_status(&with_cluster(key, name), status).await
    }

    async fn server_version(&self, cluster: &str) -> Result<Option<Value>> {
        let (backend, name) = self.route(cluster).await?;
        backend.server_version(&name).await
    }

    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Option<bool>> {
        let (backend, name) = self.route(cluster).await?;
        backend.namespaced(&name, api_version, kind).await
    }

    /// Flushes the hub's backend, which also holds the virtual members (real members commit
    /// every write as it happens).
    async fn flush(&self) -> Result<()> {
        self.hub.flush().await
    }
}
