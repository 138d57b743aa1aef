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
        serde_json::from_value(obj.clone()).ok()
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

impl Embedded {
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
                let merged = stored.get_mut("status").filter(|s| s.is_object());
                match merged {
                    Some(current) => super::apply::merge(current, &status),
                    None => stored["status"] = status,
                }
                if !stored["metadata"]["annotations"].is_object() {
                    stored["metadata"]["annotations"] = Value::Object(serde_json::Map::new());
                }
                stored["metadata"]["annotations"][SIMULATED] = Value::String("true".into());
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
}
