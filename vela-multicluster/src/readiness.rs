//! Readiness rules: the status Kubernetes' workload controllers report once every pod ran and
//! became ready. Neither the embedded cluster nor the test API servers run kubelets or
//! controllers, so a simulator writes these statuses; both use the rules here.
//!
//! Each function returns the status to merge into the object, or `None` when the object
//! already reports it: observed generation caught up, every replica updated, ready and
//! available, and the conditions (`Available`, `Progressing`, `Complete`, ...) with the
//! upstream reasons.
//!
//! ```
//! use k8s_openapi::api::apps::v1::Deployment;
//! use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
//! use vela_multicluster::readiness;
//!
//! let d: Deployment = serde_json::from_value(serde_json::json!({
//!     "metadata": {"name": "web", "generation": 1}, "spec": {"replicas": 2,
//!     "selector": {}, "template": {}}})).unwrap();
//! let now = Time(k8s_openapi::jiff::Timestamp::now());
//! let status = readiness::deployment(&d, &now).expect("not ready yet");
//! assert_eq!(status["readyReplicas"], 2);
//! ```

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::Serialize;
use serde_json::Value;

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
    let rs = format!("{}-{hash}", d.metadata.name.as_deref().unwrap_or_default());
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
    let revision = format!(
        "{}-{}",
        s.metadata.name.as_deref().unwrap_or_default(),
        template_hash(&s.spec.template)
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::Timestamp;
    use serde::de::DeserializeOwned;

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
        let status = super::deployment(&d, &now()).expect("a fresh deployment needs status");
        assert_eq!(status["observedGeneration"], 3);
        assert_eq!(status["availableReplicas"], 2);
        assert_eq!(status["conditions"][0]["type"], "Available");
        let filled = with_status(&d, status);
        assert!(
            super::deployment(&filled, &now()).is_none(),
            "second pass must be a no-op"
        );

        // A new generation (spec change) needs a new rollout.
        let mut changed = filled.clone();
        changed.metadata.generation = Some(4);
        assert_eq!(
            super::deployment(&changed, &now()).unwrap()["observedGeneration"],
            4
        );
    }

    #[test]
    fn deployment_defaults_to_one_replica_and_supports_zero() {
        let mut d = deployment(1);
        d.spec.replicas = None;
        assert_eq!(super::deployment(&d, &now()).unwrap()["readyReplicas"], 1);
        let zero = deployment(0);
        let status = super::deployment(&zero, &now()).unwrap();
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
        assert!(super::deployment(&with_status(&zero, omitted), &now()).is_none());
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
        let status = super::stateful_set(&s).unwrap();
        assert_eq!(status["readyReplicas"], 3);
        let revision = status["updateRevision"].as_str().unwrap().to_string();
        assert!(revision.starts_with("db-") && revision.len() == 13, "{revision}");
        let filled = with_status(&s, status);
        assert!(super::stateful_set(&filled).is_none());
        let mut changed = filled.clone();
        changed.spec.template.spec.as_mut().unwrap().containers[0].image = Some("pg:17".into());
        assert!(
            super::stateful_set(&changed).is_some(),
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
        let status = super::daemon_set(&d, 3).unwrap();
        assert_eq!(status["numberReady"], 3);
        assert_eq!(status["desiredNumberScheduled"], 3);
        let mut filled = status.clone();
        filled.as_object_mut().unwrap().remove("numberUnavailable");
        assert!(super::daemon_set(&with_status(&d, filled), 3).is_none());
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
        let first = super::job(&j, &now()).unwrap();
        assert_eq!(first["succeeded"], 2);
        assert_eq!(first["conditions"][0]["type"], "SuccessCriteriaMet");
        assert!(first.get("completionTime").is_none());
        let j = with_status(&j, first);
        let second = super::job(&j, &now()).unwrap();
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
        assert!(super::job(&with_status(&j, merged), &now()).is_none());
    }

    #[test]
    fn suspended_jobs_and_cron_jobs_stay_unready() {
        let j: Job = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "j"},
            "spec": {"suspend": true, "template": {"spec": {"containers": []}}}
        }))
        .unwrap();
        assert!(super::job(&j, &now()).is_none());
        let c: CronJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "suspend": true,
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}
        }))
        .unwrap();
        assert!(super::cron_job(&c, &now()).is_none());
        let mut running = c.clone();
        running.spec.suspend = None;
        let status = super::cron_job(&running, &now()).unwrap();
        assert!(status["lastSuccessfulTime"].is_string());
        assert!(super::cron_job(&with_status(&running, status), &now()).is_none());
    }
}
