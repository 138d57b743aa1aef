//! The Kubernetes backend of [`Objects`] (feature `kube`), through kube-rs:
//! - server-side apply as field manager `vela` (or [`Config::field_manager`]), forcing
//!   conflicts with other managers unless [`Config::force`] is off;
//! - any kind, mapped to its resource through API discovery, cached per cluster
//!   (cluster-scoped kinds drop the namespace; a namespaced kind without one is
//!   [`Error::Invalid`]);
//! - delete with a [`Propagation`] policy;
//! - status written through the status subresource when the kind has one (else through the
//!   object), replacing the whole status;
//! - requests that fail for a passing reason (429, 5xx, timeouts, dropped connections) retried
//!   with exponential backoff and jitter, honouring `Retry-After` ([`RetryPolicy`]);
//! - the API server's answers as this crate's errors: 409 is [`Error::Conflict`], 404 on a
//!   write [`Error::NotFound`], 400/422 [`Error::Invalid`] naming the field.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{self, Scope};
use serde_json::{Value, json};
use tracing::Instrument as _;

use super::{Error, Key, Objects, Propagation, Result};

mod retry;

use retry::Verdict;
pub use retry::{RetryPolicy, Timer, TokioTimer};

/// How the backend writes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The field manager of server-side apply and of status writes (`vela`).
    pub field_manager: String,
    /// Whether apply takes over fields another manager owns (`true`); when `false`, such an
    /// apply is an [`Error::Conflict`] naming the fields and their managers.
    pub force: bool,
    /// Retries of requests that failed for a passing reason.
    pub retry: RetryPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            field_manager: "vela".to_owned(),
            force: true,
            retry: RetryPolicy::default(),
        }
    }
}

impl Config {
    /// Applying as field manager `manager`.
    #[must_use]
    pub fn with_field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = manager.into();
        self
    }

    /// Forcing conflicts (`true`) or failing on them (`false`).
    #[must_use]
    pub fn with_force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// With the retry policy `retry`.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// What discovery says of a kind in one cluster.
#[derive(Clone, Debug)]
struct Resource {
    api: ApiResource,
    namespaced: bool,
    status_subresource: bool,
}

/// Discovered kinds by (cluster, apiVersion, kind).
type ResourceCache = HashMap<(String, String, String), Resource>;

/// Clusters by name (`""` = the local cluster), each a kube-rs client.
#[derive(Clone)]
pub struct Kube {
    clients: HashMap<String, kube::Client>,
    config: Config,
    resources: Arc<Mutex<ResourceCache>>,
    timer: Arc<dyn Timer>,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("clusters", &self.clients.keys().collect::<Vec<_>>())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn backend(cluster: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Backend {
        cluster: cluster.to_owned(),
        source: Box::new(e),
    }
}

/// Whether a failed request may succeed when tried again.
fn verdict(e: &kube::Error) -> Verdict {
    match e {
        kube::Error::Api(status) if status.code == 429 || (500..600).contains(&status.code) => {
            let after = status
                .details
                .as_ref()
                .map(|d| d.retry_after_seconds)
                .filter(|s| *s > 0)
                .map(|s| std::time::Duration::from_secs(u64::from(s)));
            Verdict::Retry(after)
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => Verdict::Retry(None),
        _ => Verdict::Fail,
    }
}

/// The API server's answer about `key` as this crate's error.
fn api_error(key: &Key, e: kube::Error) -> Error {
    let kube::Error::Api(status) = &e else {
        return backend(&key.cluster, e);
    };
    match status.code {
        409 => Error::Conflict {
            cluster: key.cluster.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            message: status.message.clone(),
        },
        404 => {
            // what is missing: the object, or (for a write) its namespace
            let details = status.details.as_ref();
            let missing_kind = details.map(|d| d.kind.as_str()).unwrap_or_default();
            let missing_name = details.map(|d| d.name.as_str()).unwrap_or_default();
            if missing_kind == "namespaces" && !missing_name.is_empty() {
                Error::NotFound {
                    cluster: key.cluster.clone(),
                    kind: "Namespace".to_owned(),
                    namespace: String::new(),
                    name: missing_name.to_owned(),
                }
            } else {
                Error::NotFound {
                    cluster: key.cluster.clone(),
                    kind: key.kind.clone(),
                    namespace: key.namespace.clone(),
                    name: key.name.clone(),
                }
            }
        }
        400 | 422 => {
            let cause = status.details.as_ref().and_then(|d| d.causes.first());
            Error::Invalid {
                field: cause.map(|c| c.field.clone()).unwrap_or_default(),
                message: status.message.clone(),
            }
        }
        _ => backend(&key.cluster, e),
    }
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

impl Kube {
    /// The local cluster only, with the default [`Config`].
    #[must_use]
    pub fn local(client: kube::Client) -> Self {
        Self {
            clients: HashMap::from([(String::new(), client)]),
            config: Config::default(),
            resources: Arc::default(),
            timer: Arc::new(TokioTimer),
        }
    }

    /// Adds a named cluster.
    #[must_use]
    pub fn with_cluster(mut self, name: impl Into<String>, client: kube::Client) -> Self {
        self.clients.insert(name.into(), client);
        self
    }

    /// The same clusters (and discovery cache) writing with `config`.
    #[must_use]
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How this backend writes.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs a request with the retry policy.
    async fn retried<T, F, Fut>(&self, attempt: F) -> Result<T, kube::Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, kube::Error>>,
    {
        retry::run(&self.config.retry, self.timer.as_ref(), verdict, attempt)
            .await
            .0
    }

    fn client(&self, cluster: &str) -> Result<&kube::Client> {
        self.clients.get(cluster).ok_or_else(|| Error::Invalid {
            field: "cluster".into(),
            message: format!("unknown cluster {cluster:?}"),
        })
    }

    /// The resource of a kind in a cluster, from the cache or from discovery (kinds the
    /// cluster does not serve are not cached: a CRD applied later is found then).
    async fn resource(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Resource> {
        let cache_key = (cluster.to_owned(), api_version.to_owned(), kind.to_owned());
        if let Some(found) = self.lock_cache().get(&cache_key) {
            return Ok(found.clone());
        }
        let client = self.client(cluster)?;
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let discovered = self.retried(|| discovery::pinned_kind(client, &gvk)).await;
        let (api, caps) = match discovered {
            Ok(found) => found,
            Err(kube::Error::Discovery(_)) => return Err(unserved(cluster, api_version, kind)),
            Err(e) if is_not_found(&e) => return Err(unserved(cluster, api_version, kind)),
            Err(e) => return Err(backend(cluster, e)),
        };
        let resource = Resource {
            api,
            namespaced: caps.scope == Scope::Namespaced,
            status_subresource: caps.subresources.iter().any(|(sub, _)| sub.plural == "status"),
        };
        self.lock_cache().insert(cache_key, resource.clone());
        Ok(resource)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, ResourceCache> {
        self.resources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The API of a resource: in `namespace` when the kind is namespaced and one is given, else
    /// across the cluster.
    fn api(&self, cluster: &str, resource: &Resource, namespace: &str) -> Result<Api<DynamicObject>> {
        let client = self.client(cluster)?.clone();
        Ok(if resource.namespaced && !namespace.is_empty() {
            Api::namespaced_with(client, namespace, &resource.api)
        } else {
            Api::all_with(client, &resource.api)
        })
    }
}

fn unserved(cluster: &str, api_version: &str, kind: &str) -> Error {
    Error::Invalid {
        field: "kind".into(),
        message: format!("cluster {cluster:?} does not serve kind {kind} of apiVersion {api_version}"),
    }
}

fn to_value(cluster: &str, obj: DynamicObject) -> Result<Value> {
    serde_json::to_value(obj).map_err(|e| backend(cluster, e))
}

#[async_trait]
impl Objects for Kube {
    async fn namespaced(&self, cluster: &str, api_version: &str, kind: &str) -> Result<Option<bool>> {
        match self.resource(cluster, api_version, kind).await {
            Ok(r) => Ok(Some(r.namespaced)),
            Err(Error::Invalid { field, .. }) if field == "kind" => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn server_version(&self, cluster: &str) -> Result<Option<Value>> {
        let client = self.client(cluster)?;
        let info = self
            .retried(|| client.apiserver_version())
            .await
            .map_err(|e| backend(cluster, e))?;
        Ok(Some(crate::cluster_version(
            &info.major,
            &info.minor,
            &info.git_version,
            &info.platform,
        )))
    }

    async fn apply(&self, cluster: &str, mut obj: Value) -> Result<Value> {
        let key = Key::of(cluster, &obj)?;
        // one span per server-side apply, named like the object it writes
        let span = tracing::debug_span!("cluster.apply", cluster = %cluster, kind = %key.kind,
            namespace = %key.namespace, name = %key.name);
        async {
            let resource = self.resource(cluster, &key.api_version, &key.kind).await?;
            if resource.namespaced && key.namespace.is_empty() {
                return Err(Error::Invalid {
                    field: "metadata.namespace".into(),
                    message: format!("{} is namespaced: expected a namespace", key.kind),
                });
            }
            if !resource.namespaced
                && let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut)
            {
                meta.remove("namespace");
            }
            let api = self.api(cluster, &resource, &key.namespace)?;
            let mut params = PatchParams::apply(&self.config.field_manager);
            if self.config.force {
                params = params.force();
            }
            let patch = Patch::Apply(&obj);
            let applied = self
                .retried(|| api.patch(&key.name, &params, &patch))
                .await
                .map_err(|e| api_error(&key, e))?;
            to_value(cluster, applied)
        }
        .instrument(span)
        .await
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>> {
        let resource = self.resource(&key.cluster, &key.api_version, &key.kind).await?;
        let api = self.api(&key.cluster, &resource, &key.namespace)?;
        let found = self
            .retried(|| api.get_opt(&key.name))
            .await
            .map_err(|e| api_error(key, e))?;
        found.map(|o| to_value(&key.cluster, o)).transpose()
    }

    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Value>> {
        let resource = self.resource(cluster, api_version, kind).await?;
        let api = self.api(cluster, &resource, namespace)?;
        let selector = labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let params = if selector.is_empty() {
            ListParams::default()
        } else {
            ListParams::default().labels(&selector)
        };
        let list = self
            .retried(|| api.list(&params))
            .await
            .map_err(|e| backend(cluster, e))?;
        list.items.into_iter().map(|o| to_value(cluster, o)).collect()
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        self.delete_with(key, Propagation::Background).await
    }

    async fn delete_with(&self, key: &Key, propagation: Propagation) -> Result<bool> {
        let resource = self.resource(&key.cluster, &key.api_version, &key.kind).await?;
        let api = self.api(&key.cluster, &resource, &key.namespace)?;
        let params = match propagation {
            Propagation::Foreground => DeleteParams::foreground(),
            Propagation::Orphan => DeleteParams::orphan(),
            Propagation::Background => DeleteParams::background(),
        };
        match self.retried(|| api.delete(&key.name, &params)).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(api_error(key, e)),
        }
    }

    async fn set_status(&self, key: &Key, status: Value) -> Result<Option<Value>> {
        let resource = self.resource(&key.cluster, &key.api_version, &key.kind).await?;
        let api = self.api(&key.cluster, &resource, &key.namespace)?;
        // a JSON patch replaces the whole status (a merge patch would keep fields it omits)
        let replace: json_patch::Patch = serde_json::from_value(json!([
            {"op": "add", "path": "/status", "value": status}
        ]))
        .map_err(|e| backend(&key.cluster, e))?;
        let patch = Patch::<()>::Json(replace);
        let params = PatchParams {
            field_manager: Some(self.config.field_manager.clone()),
            ..PatchParams::default()
        };
        let written = if resource.status_subresource {
            self.retried(|| api.patch_status(&key.name, &params, &patch))
                .await
        } else {
            self.retried(|| api.patch(&key.name, &params, &patch)).await
        };
        match written {
            Ok(obj) => to_value(&key.cluster, obj).map(Some),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(api_error(key, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use kube::core::{Status, response::StatusDetails};

    use super::*;

    fn details(value: Value) -> StatusDetails {
        serde_json::from_value(value).expect("status details")
    }

    fn status(code: u16, retry_after: u32) -> kube::Error {
        let mut s = Status::failure("failed", "Reason");
        s.code = code;
        s.details = Some(details(json!({"retryAfterSeconds": retry_after})));
        kube::Error::Api(Box::new(s))
    }

    #[test]
    fn passing_failures_are_retried_and_final_ones_not() {
        assert_eq!(
            verdict(&status(429, 3)),
            Verdict::Retry(Some(std::time::Duration::from_secs(3)))
        );
        assert_eq!(verdict(&status(503, 0)), Verdict::Retry(None));
        assert_eq!(verdict(&status(500, 0)), Verdict::Retry(None));
        for final_code in [400, 403, 404, 409, 422] {
            assert_eq!(verdict(&status(final_code, 0)), Verdict::Fail, "{final_code}");
        }
    }

    #[test]
    fn api_answers_become_this_crates_errors() {
        let key = Key {
            cluster: "member".into(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "team".into(),
            name: "c".into(),
        };
        assert!(matches!(api_error(&key, status(409, 0)), Error::Conflict { .. }));
        let mut missing_namespace = Status::failure("namespaces \"team\" not found", "NotFound");
        missing_namespace.code = 404;
        missing_namespace.details = Some(details(json!({"name": "team", "kind": "namespaces"})));
        let err = api_error(&key, kube::Error::Api(Box::new(missing_namespace)));
        assert!(
            matches!(&err, Error::NotFound { kind, name, .. } if kind == "Namespace" && name == "team"),
            "{err}"
        );
        assert!(matches!(api_error(&key, status(422, 0)), Error::Invalid { .. }));
        assert!(matches!(api_error(&key, status(500, 0)), Error::Backend { .. }));
    }

    #[test]
    fn config_defaults_and_builders() {
        let config = Config::default();
        assert_eq!(config.field_manager, "vela");
        assert!(config.force);
        let changed = config
            .with_field_manager("ops")
            .with_force(false)
            .with_retry(RetryPolicy::never());
        assert_eq!(changed.field_manager, "ops");
        assert!(!changed.force);
        assert_eq!(changed.retry.max_attempts, 1);
    }
}
