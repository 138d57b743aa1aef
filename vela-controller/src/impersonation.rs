//! Impersonation: the objects an Application delivers are written, read and deleted as another
//! identity, so they can do no more than that identity may, while the controller's own state
//! (the Application, its revisions, ResourceTrackers and workflow context, namespaces, the
//! cluster registry) stays with the controller's identity. In the hub the controller's client
//! impersonates; in a member cluster (with [`Impersonation::with_fleet`]) the member's registry
//! credentials impersonate the same identity there, so the member's RBAC decides.
//!
//! Which identity ([`Impersonation::identity`]):
//! - by default, an Application annotated [`SERVICE_ACCOUNT`] is delivered as
//!   `system:serviceaccount:<namespace>:<name>`, and any other as the controller; the
//!   annotations [`USERNAME`](crate::webhook::USERNAME) and [`GROUP`](crate::webhook::GROUP) are
//!   never read (a user could write anything there);
//! - with [`Impersonation::with_users`] (`--authentication-with-user`, to be set only where the
//!   admission webhook of [`crate::webhook`] is registered, since it is what overwrites those
//!   annotations with the requesting user), every Application is delivered as the user of
//!   [`USERNAME`](crate::webhook::USERNAME) with the groups of [`GROUP`](crate::webhook::GROUP)
//!   (`,`-separated); without a user, as its service account; without either, as
//!   `system:anonymous` (KubeVela's order: the user wins over the service account, and an
//!   Application nobody is recorded for gets no rights).

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

/// The user an Application is delivered as when nobody is recorded for it (with
/// [`Impersonation::with_users`]).
pub const ANONYMOUS: &str = "system:anonymous";

/// The most impersonating clients kept; past it the cache starts again empty.
const MAX_CLIENTS: usize = 1024;

/// An identity objects are delivered as: a user (or `system:serviceaccount:<ns>:<name>`) and
/// groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The user name.
    pub user: String,
    /// The groups (none: the API server adds `system:authenticated` for a named user).
    pub groups: Vec<String>,
}

impl Identity {
    /// The service account `account` of `namespace`.
    ///
    /// ```
    /// let id = vela_controller::impersonation::Identity::service_account("team", "deployer");
    /// assert_eq!(id.user, "system:serviceaccount:team:deployer");
    /// ```
    #[must_use]
    pub fn service_account(namespace: &str, account: &str) -> Self {
        Self {
            user: format!("system:serviceaccount:{namespace}:{account}"),
            groups: Vec::new(),
        }
    }
}

/// Builds, per [`Identity`], a client that impersonates it, and engines that deliver through
/// it.
pub struct Impersonation {
    base: kube::Config,
    limit: Option<RateLimitLayer>,
    users: bool,
    /// The controller's fleet, whose registry reaches the members (`None`: members are reached
    /// as the controller).
    fleet: Option<Arc<vela_multicluster::Fleet>>,
    clients: Mutex<HashMap<Identity, Managed>>,
}

/// The impersonating backends of one identity.
#[derive(Clone)]
struct Managed {
    /// The hub, through an impersonating client.
    hub: Arc<dyn Objects>,
    /// The members, through impersonating clients (`None`: as the controller).
    members: Option<Arc<dyn Objects>>,
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
            users: false,
            fleet: None,
            clients: Mutex::default(),
        }
    }

    /// Impersonates in the member clusters of `fleet` too (the controller's fleet: its
    /// registry, read as the controller, gives each member's credentials, which impersonate the
    /// identity there; see `vela_multicluster::Fleet::impersonating_members`).
    #[must_use]
    pub fn with_fleet(mut self, fleet: Arc<vela_multicluster::Fleet>) -> Self {
        self.fleet = Some(fleet);
        self
    }

    /// Delivers every Application as the user the admission webhook recorded in its
    /// annotations (see the [module docs](self)); `false` (the default): only service accounts.
    #[must_use]
    pub fn with_users(mut self, users: bool) -> Self {
        self.users = users;
        self
    }

    /// The identity the objects of an Application of `namespace` with `annotations` are
    /// delivered as (`None`: the controller's own).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use vela_controller::impersonation::Impersonation;
    ///
    /// let config = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
    /// let by_account = Impersonation::new(config.clone(), None);
    /// let annotations: BTreeMap<String, String> = [
    ///     ("app.oam.dev/username".to_owned(), "alice".to_owned()),
    ///     ("app.oam.dev/group".to_owned(), "dev,ops".to_owned()),
    /// ].into();
    /// // the user annotations are ignored unless users are authenticated
    /// assert_eq!(by_account.identity("team", Some(&annotations)), None);
    /// let by_user = Impersonation::new(config, None).with_users(true);
    /// let id = by_user.identity("team", Some(&annotations)).unwrap();
    /// assert_eq!((id.user.as_str(), id.groups.len()), ("alice", 2));
    /// assert_eq!(by_user.identity("team", None).unwrap().user, "system:anonymous");
    /// ```
    #[must_use]
    pub fn identity(
        &self,
        namespace: &str,
        annotations: Option<&BTreeMap<String, String>>,
    ) -> Option<Identity> {
        let get = |key: &str| {
            annotations
                .and_then(|a| a.get(key))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let account = get(SERVICE_ACCOUNT).map(|a| Identity::service_account(namespace, a));
        if !self.users {
            return account;
        }
        let groups = get(crate::webhook::GROUP)
            .into_iter()
            .flat_map(|g| g.split(','))
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        let user = get(crate::webhook::USERNAME)
            .map(str::to_owned)
            .or_else(|| account.map(|a| a.user))
            .unwrap_or_else(|| ANONYMOUS.to_owned());
        Some(Identity { user, groups })
    }

    fn managed(&self, identity: &Identity) -> Result<Managed> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = clients.get(identity) {
            return Ok(found.clone());
        }
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        let mut config = self.base.clone();
        config.auth_info.impersonate = Some(identity.user.clone());
        config.auth_info.impersonate_groups = (!identity.groups.is_empty()).then(|| identity.groups.clone());
        let builder = kube::client::ClientBuilder::try_from(config).map_err(|source| Error::Kube {
            what: format!("build a client impersonating {}", identity.user),
            source,
        })?;
        let client = match &self.limit {
            Some(limit) => builder.with_layer(limit).build(),
            None => builder.build(),
        };
        let hub: Arc<dyn Objects> = Arc::new(vela_multicluster::Fleet::kube(client));
        let members = self.fleet.as_ref().map(|f| {
            Arc::new(f.impersonating_members(identity.user.clone(), identity.groups.clone()))
                as Arc<dyn Objects>
        });
        let managed = Managed { hub, members };
        clients.insert(identity.clone(), managed.clone());
        Ok(managed)
    }

    /// `engine` delivering the objects of Application `name` as `identity`.
    ///
    /// # Errors
    /// [`Error::Kube`] when the impersonating client cannot be built.
    pub fn engine_for(&self, engine: &Engine, name: &str, identity: &Identity) -> Result<Engine> {
        let managed = self.managed(identity)?;
        let split = Split {
            state: engine.clusters().clone(),
            managed: managed.hub,
            members: managed.members,
            context: format!("workflow-{name}-context"),
        };
        Ok(engine.with_clusters(Arc::new(split)))
    }
}

/// The controller's state through its own identity, the Application's objects through the
/// impersonating client.
struct Split {
    state: Arc<dyn Objects>,
    /// The hub's objects as the identity.
    managed: Arc<dyn Objects>,
    /// The members' objects as the identity (`None`: as the controller).
    members: Option<Arc<dyn Objects>>,
    /// The Application's workflow context ConfigMap.
    context: String,
}

impl Split {
    fn route(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> &dyn Objects {
        // the cluster registry (its Secrets in the hub's vela-system) is read as the controller
        let registry =
            cluster.is_empty() && kind == "Secret" && namespace == vela_multicluster::registry::NAMESPACE;
        if api_version.starts_with("core.oam.dev/") || kind == "Namespace" || registry {
            return self.state.as_ref();
        }
        if !cluster.is_empty() {
            return self.members.as_deref().unwrap_or(self.state.as_ref());
        }
        if kind == "ConfigMap" && name == self.context {
            self.state.as_ref()
        } else {
            self.managed.as_ref()
        }
    }

    fn by_key(&self, key: &Key) -> &dyn Objects {
        self.route(
            &key.cluster,
            &key.api_version,
            &key.kind,
            &key.namespace,
            &key.name,
        )
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
        self.route(cluster, api_version, kind, namespace, "")
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
        if let Some(members) = &self.members {
            members.flush().await?;
        }
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
        let members = Arc::new(Memory::new());
        let split = Split {
            state: state.clone(),
            managed: managed.clone(),
            members: Some(members.clone()),
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
        // the cluster registry is the controller's
        let registration = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "edge", "namespace": "vela-system"}});
        split.apply("", registration).await.unwrap();
        assert_eq!(names(&state, "v1", "Secret", "vela-system").await, ["edge"]);
        assert!(names(&managed, "v1", "Secret", "vela-system").await.is_empty());
        // in a member: the objects as the identity there, its Namespaces as the controller
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"}});
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}});
        split.apply("edge", deploy).await.unwrap();
        split.apply("edge", ns).await.unwrap();
        let listed = |m: Arc<Memory>, kind: &'static str, api: &'static str| async move {
            m.list("edge", api, kind, "", &BTreeMap::new())
                .await
                .unwrap()
                .len()
        };
        assert_eq!(listed(members.clone(), "Deployment", "apps/v1").await, 1);
        assert_eq!(listed(state.clone(), "Deployment", "apps/v1").await, 0);
        assert_eq!(listed(state.clone(), "Namespace", "v1").await, 1);
        assert_eq!(listed(members.clone(), "Namespace", "v1").await, 0);
    }

    #[tokio::test]
    async fn an_identity_that_is_no_header_value_is_an_error_and_clients_are_cached_per_identity() {
        let config = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
        let imp = Impersonation::new(config, None).with_users(true);
        let bad = Identity {
            user: "alice\nImpersonate-Group: system:masters".into(),
            groups: Vec::new(),
        };
        let err = imp.managed(&bad).err().expect("refused");
        assert!(
            err.to_string().starts_with("build a client impersonating alice"),
            "{err}"
        );
        let alice = Identity {
            user: "alice".into(),
            groups: vec!["dev".into()],
        };
        let first = imp.managed(&alice).unwrap().hub;
        assert!(Arc::ptr_eq(&first, &imp.managed(&alice).unwrap().hub));
        // without the controller's fleet, members are reached as the controller
        assert!(imp.managed(&alice).unwrap().members.is_none());
        let other = Identity {
            groups: Vec::new(),
            ..alice
        };
        assert!(!Arc::ptr_eq(&first, &imp.managed(&other).unwrap().hub));
    }

    #[test]
    fn the_user_wins_over_the_service_account_and_groups_are_split_and_trimmed() {
        let config = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
        let users = Impersonation::new(config.clone(), None).with_users(true);
        let annotations = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let both = annotations(&[
            (SERVICE_ACCOUNT, "deployer"),
            (crate::webhook::USERNAME, "alice"),
            (crate::webhook::GROUP, " dev, ,ops ,"),
        ]);
        let id = users.identity("team", Some(&both)).unwrap();
        assert_eq!(id.user, "alice");
        assert_eq!(id.groups, ["dev", "ops"]);
        let account = annotations(&[(SERVICE_ACCOUNT, "deployer"), (crate::webhook::USERNAME, " ")]);
        let id = users.identity("team", Some(&account)).unwrap();
        assert_eq!(id.user, "system:serviceaccount:team:deployer");
        assert!(id.groups.is_empty());
        // without users authenticated: the service account only, the user annotations unread
        let accounts = Impersonation::new(config, None);
        assert_eq!(
            accounts.identity("team", Some(&both)).unwrap(),
            Identity::service_account("team", "deployer")
        );
        let only_user = annotations(&[(crate::webhook::USERNAME, "alice")]);
        assert_eq!(accounts.identity("team", Some(&only_user)), None);
    }
}
