//! The embedded cluster's readiness simulator: no pod ever runs here, so workloads get the
//! status their controllers would report once every pod ran ([`crate::readiness`]), marked as
//! made up by the annotation [`SIMULATED`].

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Value;

use super::Embedded;
use crate::{Result, readiness};

/// The annotation on every object whose status the embedded cluster made up.
pub const SIMULATED: &str = "vela.oam.dev/simulated-status";

/// The workload kinds the simulator knows (`apiVersion`, `kind`).
const WORKLOADS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
];

/// The status `obj` would report once ready, or `None` when it reports it already (or is not a
/// workload the simulator knows, or does not parse as its kind).
fn desired(kind: &str, obj: &Value, now: &Time) -> Option<Value> {
    fn typed<T: serde::de::DeserializeOwned>(obj: &Value) -> Option<T> {
        T::deserialize(obj).ok() // from the borrowed value: no copy of it first
    }
    match kind {
        "Deployment" => readiness::deployment(&typed(obj)?, now),
        "StatefulSet" => readiness::stateful_set(&typed(obj)?),
        "DaemonSet" => readiness::daemon_set(&typed(obj)?, 1),
        "Job" => readiness::job(&typed(obj)?, now),
        "CronJob" => readiness::cron_job(&typed(obj)?, now),
        _ => None,
    }
}

/// Merges the made-up `status` into `obj` and marks it with [`SIMULATED`].
fn mark(obj: &mut Value, status: &Value) {
    match obj.get_mut("status").filter(|s| s.is_object()) {
        Some(current) => super::apply::merge(current, status),
        None => obj["status"] = status.clone(),
    }
    if !obj["metadata"]["annotations"].is_object() {
        obj["metadata"]["annotations"] = Value::Object(serde_json::Map::new());
    }
    obj["metadata"]["annotations"][SIMULATED] = Value::String("true".into());
}

/// What the simulator does to a workload about to be written by a create or an apply when
/// the cluster makes workloads ready on write ([`Embedded::ready_on_write`]): `obj` (with its
/// final `metadata.generation`) gets the status its controller would report once every pod
/// ran. Other kinds, and workloads that report it already, are left as they are.
pub(super) fn on_write(api_version: &str, kind: &str, obj: &mut Value) {
    if !WORKLOADS.contains(&(api_version, kind)) {
        return;
    }
    if let Some(status) = desired(kind, obj, &Time(jiff::Timestamp::now())) {
        mark(obj, &status);
    }
}

impl Embedded {
    /// Makes workloads ready in the write that creates or changes them: a Deployment,
    /// StatefulSet, DaemonSet, Job or CronJob is stored with the status a finished rollout
    /// reports (and the annotation [`SIMULATED`]), as if its pods had started at once. Off by
    /// default: then workloads become ready only in a pass of
    /// [`Embedded::simulate_readiness`], so that a workflow is seen waiting for them, as on a
    /// real cluster.
    ///
    /// No pod runs in the embedded cluster, so there is nothing to wait for: `vela up` turns
    /// this on, and a workflow that deploys and checks health finishes in one reconcile instead
    /// of one pass that finds its workloads unready, a simulator pass, and a second reconcile
    /// that applies everything again. A Job's completion still takes a pass of
    /// [`Embedded::simulate_readiness`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), vela_multicluster::Error> {
    /// use serde_json::json;
    /// use vela_multicluster::{Embedded, Objects};
    ///
    /// let cluster = Embedded::in_memory()?.ready_on_write(true);
    /// let stored = cluster.apply("", json!({"apiVersion": "apps/v1", "kind": "Deployment",
    ///     "metadata": {"name": "web", "namespace": "default"},
    ///     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
    ///         "template": {"metadata": {"labels": {"app": "web"}},
    ///             "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})).await?;
    /// assert_eq!(stored["status"]["readyReplicas"], 2);
    /// assert_eq!(stored["metadata"]["annotations"]["vela.oam.dev/simulated-status"], "true");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn ready_on_write(self, on: bool) -> Self {
        self.lock().ready_on_write = on;
        self
    }

    /// One pass of the readiness simulator over a cluster: every workload that does not yet
    /// report the status of a finished rollout gets it (merged into its status) and the
    /// annotation [`SIMULATED`]. Returns how many objects changed. Jobs complete in two passes,
    /// as with the real controller.
    ///
    /// # Errors
    /// [`crate::Error::Backend`] when the store fails.
    pub fn simulate_readiness(&self, cluster: &str) -> Result<usize> {
        let now = Time(jiff::Timestamp::now());
        self.write(cluster, |tx| {
            // first the workloads that need a status (one object in memory at a time), then
            // each of them loaded again and stored: a pass over a large cluster holds only the
            // keys and statuses of what changes
            let mut pending = Vec::new();
            for (api_version, kind) in WORKLOADS {
                tx.visit_kind(api_version, kind, |key, obj| {
                    if let Some(status) = desired(kind, &obj, &now) {
                        pending.push((key, status));
                    }
                })?;
            }
            let mut changed = 0;
            for (key, status) in pending {
                let Some(stored) = tx.load_shared(&key)? else {
                    continue;
                };
                let mut stored = std::sync::Arc::unwrap_or_clone(stored);
                mark(&mut stored, &status);
                // the simulator writes the status and an annotation: no label, owner or field
                // manager
                tx.store_body(&key, stored)?;
                changed += 1;
            }
            Ok(changed)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Key, Objects};

    #[tokio::test]
    async fn workloads_become_ready_and_say_it_was_simulated() {
        let c = Embedded::in_memory().unwrap();
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        c.apply("", d.clone()).await.unwrap();
        c.apply("", json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}}))
            .await
            .unwrap();
        assert_eq!(c.simulate_readiness("").unwrap(), 1);
        let live = c.get(&Key::of("", &d).unwrap()).await.unwrap().unwrap();
        assert_eq!(live["status"]["readyReplicas"], 3);
        assert_eq!(live["status"]["observedGeneration"], 1);
        assert_eq!(live["metadata"]["annotations"][SIMULATED], "true");
        assert_eq!(
            c.simulate_readiness("").unwrap(),
            0,
            "a ready workload is left alone"
        );
    }

    #[tokio::test]
    async fn ready_on_write_stores_workloads_ready_and_writes_nothing_more_when_unchanged() {
        let c = Embedded::in_memory().unwrap().ready_on_write(true);
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let created = c.apply("", d.clone()).await.unwrap();
        assert_eq!(created["status"]["readyReplicas"], 3);
        assert_eq!(created["status"]["observedGeneration"], 1);
        assert_eq!(created["metadata"]["annotations"][SIMULATED], "true");
        // the same apply again: no write (the same resourceVersion)
        let again = c.apply("", d.clone()).await.unwrap();
        assert_eq!(
            again["metadata"]["resourceVersion"],
            created["metadata"]["resourceVersion"]
        );
        assert_eq!(c.simulate_readiness("").unwrap(), 0, "nothing left to simulate");
        // a new generation is ready in the write that makes it
        let mut scaled = d.clone();
        scaled["spec"]["replicas"] = json!(5);
        let rolled = c.apply("", scaled).await.unwrap();
        assert_eq!(rolled["metadata"]["generation"], 2);
        assert_eq!(rolled["status"]["observedGeneration"], 2);
        assert_eq!(rolled["status"]["readyReplicas"], 5);
        // other kinds are left as they are
        let cm = c
            .apply("", json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}}))
            .await
            .unwrap();
        assert!(cm.get("status").is_none() && cm["metadata"].get("annotations").is_none());
        // off by default
        let plain = Embedded::in_memory().unwrap();
        let stored = plain.apply("", d).await.unwrap();
        assert!(stored.get("status").is_none(), "{stored}");
    }
}
