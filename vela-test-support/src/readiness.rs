//! The readiness simulator: the test clusters run no kubelet, scheduler or workload controllers,
//! so nothing becomes ready by itself. A [`Simulator`] watches one namespace and fills the status
//! of Deployments, StatefulSets, DaemonSets, Jobs and CronJobs the way the real controllers would
//! once all pods ran and became ready. Tests that need something to stay unready simply do not
//! start one, or [`Simulator::disable`] it.
//!
//! The status it writes ([`desired`]) is what the upstream controllers report for a healthy
//! rollout: observed generation caught up, every replica updated, ready and available, and the
//! conditions (`Available`, `Progressing`, `Complete`, ...) with the upstream reasons.
//!
//! ```no_run
//! # async fn demo(client: kube::Client) {
//! use vela_test_support::readiness::Simulator;
//!
//! let simulator = Simulator::start(client, "my-test-namespace");
//! // ... apply a Deployment, wait for status.availableReplicas ...
//! simulator.disable(); // from now on, new rollouts stay unready
//! # }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How the simulator behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Pause between two passes over the namespace.
    pub interval: Duration,
    /// How many nodes a DaemonSet is scheduled on.
    pub nodes: i32,
    /// Whether it starts enabled.
    pub enabled: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(200),
            nodes: 1,
            enabled: true,
        }
    }
}

/// A running readiness simulator for one namespace. Dropping it stops it.
pub struct Simulator {
    enabled: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Starts an enabled simulator for `namespace` with the default [`Options`].
    /// Must be called within a tokio runtime.
    pub fn start(client: Client, namespace: &str) -> Self {
        Self::with_options(client, namespace, Options::default())
    }

    /// Starts a simulator for `namespace` with the given options.
    pub fn with_options(client: Client, namespace: &str, options: Options) -> Self {
        Self::spawn(client, Some(namespace.to_string()), options)
    }

    /// Starts a simulator for every namespace of the cluster, for code under test that creates
    /// its own namespaces (a controller dispatching to member clusters, say). It also makes the
    /// workloads of other tests on the same cluster ready, so use it on a cluster that no test
    /// expecting unready workloads shares at the same time.
    pub fn all_namespaces(client: Client, options: Options) -> Self {
        Self::spawn(client, None, options)
    }

    fn spawn(client: Client, namespace: Option<String>, options: Options) -> Self {
        let enabled = Arc::new(AtomicBool::new(options.enabled));
        let flag = enabled.clone();
        let task = tokio::spawn(async move {
            loop {
                if flag.load(Ordering::SeqCst) {
                    pass(&client, namespace.as_deref(), &options).await;
                }
                tokio::time::sleep(options.interval).await;
            }
        });
        Self { enabled, task }
    }

    /// Resumes filling status.
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }

    /// Stops filling status; what was filled stays.
    pub fn disable(&self) {
        self.enabled.store(false, Ordering::SeqCst);
    }

    /// Whether it currently fills status.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One pass over every supported kind in the namespace (`None`: in all namespaces).
async fn pass(client: &Client, namespace: Option<&str>, options: &Options) {
    let now = Time(Timestamp::now());
    sync_kind::<Deployment>(client, namespace, |d| desired::deployment(d, &now)).await;
    sync_kind::<StatefulSet>(client, namespace, desired::stateful_set).await;
    sync_kind::<DaemonSet>(client, namespace, |d| desired::daemon_set(d, options.nodes)).await;
    sync_kind::<Job>(client, namespace, |j| desired::job(j, &now)).await;
    sync_kind::<CronJob>(client, namespace, |c| desired::cron_job(c, &now)).await;
}

async fn sync_kind<K>(client: &Client, namespace: Option<&str>, desired: impl Fn(&K) -> Option<Value>)
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let list_api: Api<K> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let list = match list_api.list(&ListParams::default()).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(kind = %K::kind(&Default::default()), ?namespace, "readiness simulator: list failed: {e}");
            return;
        }
    };
    for obj in list {
        let Some(status) = desired(&obj) else { continue };
        let name = obj.name_any();
        let namespace = obj.namespace().unwrap_or_default();
        let api: Api<K> = Api::namespaced(client.clone(), &namespace);
        let patch = serde_json::json!({ "status": status });
        match api
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => {}
            // Deleted meanwhile, or changed meanwhile: the next pass sees the new state.
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => {}
            Err(e) => {
                eprintln!(
                    "readiness simulator: updating status of {} {namespace}/{name} failed: {e}",
                    K::kind(&Default::default())
                );
            }
        }
    }
}

/// The status the real controllers would report once every pod ran: vela-multicluster's
/// readiness rules, shared with the embedded cluster.
pub use vela_multicluster::readiness as desired;
