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

/// The status the real controllers would report once every pod ran: each function returns the
/// status to merge into the object, or `None` when the object already reports it.
pub mod desired {
    use super::*;

    fn template_hash(template: &impl Serialize) -> String {
        // FNV-1a over the template, printed like the pod-template-hash label.
        let bytes = serde_json::to_vec(template).unwrap_or_default();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..10)
            .map(|i| ALPHABET[((hash >> (i * 6)) % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    fn condition_true(conditions: Option<&Value>, kind: &str) -> bool {
        conditions
            .and_then(Value::as_array)
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == kind && c["status"] == "True"))
    }

    /// A Deployment whose every replica is updated, ready and available.
    pub fn deployment(d: &Deployment, now: &Time) -> Option<Value> {
        let replicas = d.spec.replicas.unwrap_or(1);
        let generation = d.metadata.generation;
        let current = serde_json::to_value(&d.status).unwrap_or_default();
        let up_to_date = d.status.as_ref().is_some_and(|s| {
            s.observed_generation == generation
                && s.replicas.unwrap_or(0) == replicas
                && s.updated_replicas.unwrap_or(0) == replicas
                && s.ready_replicas.unwrap_or(0) == replicas
                && s.available_replicas.unwrap_or(0) == replicas
                && s.unavailable_replicas.unwrap_or(0) == 0
        }) && condition_true(current.get("conditions"), "Available")
            && condition_true(current.get("conditions"), "Progressing");
        if up_to_date {
            return None;
        }
        let hash = template_hash(&d.spec.template);
        let rs = format!("{}-{hash}", d.name_any());
        Some(serde_json::json!({
            "observedGeneration": generation,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "unavailableReplicas": null,
            "conditions": [
                {
                    "type": "Available", "status": "True",
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": now, "lastTransitionTime": now,
                },
                {
                    "type": "Progressing", "status": "True",
                    "reason": "NewReplicaSetAvailable",
                    "message": format!("ReplicaSet \"{rs}\" has successfully progressed."),
                    "lastUpdateTime": now, "lastTransitionTime": now,
                },
            ],
        }))
    }

    /// A StatefulSet whose every replica runs the update revision and is ready.
    pub fn stateful_set(s: &StatefulSet) -> Option<Value> {
        let replicas = s.spec.replicas.unwrap_or(1);
        let generation = s.metadata.generation;
        let revision = format!("{}-{}", s.name_any(), template_hash(&s.spec.template));
        let up_to_date = s.status.as_ref().is_some_and(|st| {
            st.observed_generation == generation
                && st.replicas == replicas
                && st.ready_replicas.unwrap_or(0) == replicas
                && st.current_replicas.unwrap_or(0) == replicas
                && st.updated_replicas.unwrap_or(0) == replicas
                && st.available_replicas.unwrap_or(0) == replicas
                && st.update_revision.as_deref() == Some(revision.as_str())
                && st.current_revision.as_deref() == Some(revision.as_str())
        });
        if up_to_date {
            return None;
        }
        Some(serde_json::json!({
            "observedGeneration": generation,
            "replicas": replicas,
            "readyReplicas": replicas,
            "currentReplicas": replicas,
            "updatedReplicas": replicas,
            "availableReplicas": replicas,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }))
    }

    /// A DaemonSet scheduled, updated and ready on `nodes` nodes.
    pub fn daemon_set(d: &DaemonSet, nodes: i32) -> Option<Value> {
        let generation = d.metadata.generation;
        let up_to_date = d.status.as_ref().is_some_and(|s| {
            s.observed_generation == generation
                && s.desired_number_scheduled == nodes
                && s.current_number_scheduled == nodes
                && s.number_ready == nodes
                && s.number_available.unwrap_or(0) == nodes
                && s.updated_number_scheduled.unwrap_or(0) == nodes
                && s.number_misscheduled == 0
                && s.number_unavailable.unwrap_or(0) == 0
        });
        if up_to_date {
            return None;
        }
        Some(serde_json::json!({
            "observedGeneration": generation,
            "desiredNumberScheduled": nodes,
            "currentNumberScheduled": nodes,
            "numberReady": nodes,
            "numberAvailable": nodes,
            "updatedNumberScheduled": nodes,
            "numberMisscheduled": 0,
            "numberUnavailable": null,
        }))
    }

    /// A Job whose pods all succeeded. Like the real Job controller it first reports
    /// `SuccessCriteriaMet`, then (next pass) `Complete` with the completion time. A suspended
    /// Job is left alone.
    pub fn job(j: &Job, now: &Time) -> Option<Value> {
        let spec = j.spec.as_ref();
        if spec.and_then(|s| s.suspend) == Some(true) {
            return None;
        }
        let completions = spec.and_then(|s| s.completions).unwrap_or(1);
        let current = serde_json::to_value(&j.status).unwrap_or_default();
        let conditions = current.get("conditions");
        if condition_true(conditions, "Complete") || condition_true(conditions, "Failed") {
            return None;
        }
        let start = j
            .status
            .as_ref()
            .and_then(|s| s.start_time.clone())
            .unwrap_or_else(|| now.clone());
        let success = serde_json::json!({
            "type": "SuccessCriteriaMet", "status": "True",
            "reason": "CompletionsReached",
            "message": "Reached expected number of succeeded pods",
            "lastProbeTime": now, "lastTransitionTime": now,
        });
        if !condition_true(conditions, "SuccessCriteriaMet") {
            return Some(serde_json::json!({
                "startTime": start,
                "active": 0,
                "ready": 0,
                "terminating": 0,
                "succeeded": completions,
                "uncountedTerminatedPods": {},
                "conditions": [success],
            }));
        }
        let mut kept: Vec<Value> = conditions.and_then(Value::as_array).cloned().unwrap_or_default();
        kept.push(serde_json::json!({
            "type": "Complete", "status": "True",
            "reason": "CompletionsReached",
            "message": "Reached expected number of succeeded pods",
            "lastProbeTime": now, "lastTransitionTime": now,
        }));
        Some(serde_json::json!({
            "completionTime": now,
            "conditions": kept,
        }))
    }

    /// A CronJob that has been scheduled and whose last run succeeded. A suspended CronJob is
    /// left alone.
    pub fn cron_job(c: &CronJob, now: &Time) -> Option<Value> {
        if c.spec.suspend == Some(true) {
            return None;
        }
        let status = c.status.as_ref();
        if status.is_some_and(|s| s.last_schedule_time.is_some() && s.last_successful_time.is_some()) {
            return None;
        }
        Some(serde_json::json!({
            "lastScheduleTime": now,
            "lastSuccessfulTime": now,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Time {
        Time(Timestamp::now())
    }

    fn with_status<K: DeserializeOwned + Serialize>(obj: &K, status: Value) -> K {
        let mut value = serde_json::to_value(obj).unwrap();
        value["status"] = status;
        serde_json::from_value(value).unwrap()
    }

    fn deployment(replicas: i32) -> Deployment {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "generation": 3},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn deployment_gets_ready_then_stays_untouched() {
        let d = deployment(2);
        let status = desired::deployment(&d, &now()).expect("a fresh deployment needs status");
        assert_eq!(status["observedGeneration"], 3);
        assert_eq!(status["availableReplicas"], 2);
        assert_eq!(status["conditions"][0]["type"], "Available");
        let filled = with_status(&d, status);
        assert!(
            desired::deployment(&filled, &now()).is_none(),
            "second pass must be a no-op"
        );

        // A new generation (spec change) needs a new rollout.
        let mut changed = filled.clone();
        changed.metadata.generation = Some(4);
        assert_eq!(
            desired::deployment(&changed, &now()).unwrap()["observedGeneration"],
            4
        );
    }

    #[test]
    fn deployment_defaults_to_one_replica_and_supports_zero() {
        let mut d = deployment(1);
        d.spec.replicas = None;
        assert_eq!(desired::deployment(&d, &now()).unwrap()["readyReplicas"], 1);
        let zero = deployment(0);
        let status = desired::deployment(&zero, &now()).unwrap();
        // The API server omits zero counts: the no-op check must accept that.
        let mut omitted = status.clone();
        for field in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            omitted.as_object_mut().unwrap().remove(field);
        }
        assert!(desired::deployment(&with_status(&zero, omitted), &now()).is_none());
    }

    #[test]
    fn stateful_set_revision_follows_the_template() {
        let s: StatefulSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "db", "generation": 1},
            "spec": {"replicas": 3, "serviceName": "db",
                     "selector": {"matchLabels": {"app": "db"}},
                     "template": {"metadata": {"labels": {"app": "db"}},
                                  "spec": {"containers": [{"name": "c", "image": "pg"}]}}}
        }))
        .unwrap();
        let status = desired::stateful_set(&s).unwrap();
        assert_eq!(status["readyReplicas"], 3);
        let revision = status["updateRevision"].as_str().unwrap().to_string();
        assert!(revision.starts_with("db-") && revision.len() == 13, "{revision}");
        let filled = with_status(&s, status);
        assert!(desired::stateful_set(&filled).is_none());
        let mut changed = filled.clone();
        changed.spec.template.spec.as_mut().unwrap().containers[0].image = Some("pg:17".into());
        assert!(
            desired::stateful_set(&changed).is_some(),
            "a new template is a new revision"
        );
    }

    #[test]
    fn daemon_set_runs_on_every_node() {
        let d: DaemonSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "agent", "generation": 2},
            "spec": {"selector": {"matchLabels": {"app": "a"}},
                     "template": {"metadata": {"labels": {"app": "a"}},
                                  "spec": {"containers": [{"name": "c", "image": "a"}]}}}
        }))
        .unwrap();
        let status = desired::daemon_set(&d, 3).unwrap();
        assert_eq!(status["numberReady"], 3);
        assert_eq!(status["desiredNumberScheduled"], 3);
        let mut filled = status.clone();
        filled.as_object_mut().unwrap().remove("numberUnavailable");
        assert!(desired::daemon_set(&with_status(&d, filled), 3).is_none());
    }

    #[test]
    fn job_completes_in_two_steps_like_the_controller() {
        let j: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "migrate", "generation": 1},
            "spec": {"completions": 2,
                     "template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "c", "image": "m"}]}}}
        }))
        .unwrap();
        let first = desired::job(&j, &now()).unwrap();
        assert_eq!(first["succeeded"], 2);
        assert_eq!(first["conditions"][0]["type"], "SuccessCriteriaMet");
        assert!(first.get("completionTime").is_none());
        let j = with_status(&j, first);
        let second = desired::job(&j, &now()).unwrap();
        let types: Vec<&str> = second["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
        assert!(second.get("completionTime").is_some());
        let mut merged = serde_json::to_value(&j.status).unwrap();
        merged["conditions"] = second["conditions"].clone();
        merged["completionTime"] = second["completionTime"].clone();
        assert!(desired::job(&with_status(&j, merged), &now()).is_none());
    }

    #[test]
    fn suspended_jobs_and_cron_jobs_stay_unready() {
        let j: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "j"},
            "spec": {"suspend": true, "template": {"spec": {"containers": []}}}
        }))
        .unwrap();
        assert!(desired::job(&j, &now()).is_none());
        let c: CronJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "suspend": true,
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}
        }))
        .unwrap();
        assert!(desired::cron_job(&c, &now()).is_none());
        let mut running = c.clone();
        running.spec.suspend = None;
        let status = desired::cron_job(&running, &now()).unwrap();
        assert!(status["lastSuccessfulTime"].is_string());
        assert!(desired::cron_job(&with_status(&running, status), &now()).is_none());
    }
}
