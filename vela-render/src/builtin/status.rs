//! Health policies and custom status of the built-in definitions, on live objects.

use serde_json::Value;
use vela_model::labels::annotation;

use crate::definition::{StatusRequest, StatusResult};

fn int(v: &Value, path: &[&str]) -> Option<i64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_i64()
}

fn status_int(v: &Value, key: &str) -> i64 {
    int(v, &["status", key]).unwrap_or(0)
}

/// Deployment/StatefulSet health: replicas, ready, updated and observed generation agree.
/// With `honour_disable`, `app.oam.dev/disable-health-check` makes it healthy.
pub fn replicas_ready(req: &StatusRequest, honour_disable: bool) -> StatusResult {
    let o = &req.output;
    let desired = int(o, &["spec", "replicas"]);
    let ready = status_int(o, "readyReplicas");
    let updated = status_int(o, "updatedReplicas");
    let replicas = status_int(o, "replicas");
    let observed = status_int(o, "observedGeneration");
    let generation = int(o, &["metadata", "generation"]).unwrap_or(0);
    let mut healthy =
        desired.is_some_and(|d| d == ready && d == updated && d == replicas) && observed >= generation;
    if honour_disable
        && o.get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(annotation::DISABLE_HEALTH_CHECK))
            .is_some()
    {
        healthy = true;
    }
    let message = match desired {
        Some(d) => format!("Ready:{ready}/{d}"),
        None => String::new(),
    };
    StatusResult {
        healthy,
        message,
        details: Default::default(),
    }
}

/// DaemonSet health: ready == desired == current scheduled, observed generation current.
pub fn daemon_ready(req: &StatusRequest<'_>) -> StatusResult {
    let o = &req.output;
    let ready = status_int(o, "numberReady");
    let desired = status_int(o, "desiredNumberScheduled");
    let current = status_int(o, "currentNumberScheduled");
    let updated = status_int(o, "updatedNumberScheduled");
    let observed = status_int(o, "observedGeneration");
    let generation = int(o, &["metadata", "generation"]).unwrap_or(0);
    StatusResult {
        healthy: desired == ready && desired == current && desired == updated && observed >= generation,
        message: format!("Ready:{ready}/{desired}"),
        details: Default::default(),
    }
}

/// Job health: succeeded pods equal `spec.parallelism`.
pub fn job_succeeded(req: &StatusRequest<'_>) -> StatusResult {
    let o = &req.output;
    let active = status_int(o, "active");
    let failed = status_int(o, "failed");
    let succeeded = status_int(o, "succeeded");
    StatusResult {
        healthy: int(o, &["spec", "parallelism"]) == Some(succeeded),
        message: format!("Active/Failed/Succeeded:{active}/{failed}/{succeeded}"),
        details: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(output: &Value) -> StatusRequest<'_> {
        StatusRequest {
            context: &Value::Null,
            output,
            outputs: serde_json::Map::new(),
            parameter: &Value::Null,
        }
    }

    #[test]
    fn deployment_health() {
        let ok = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"readyReplicas": 2, "updatedReplicas": 2, "replicas": 2, "observedGeneration": 2}});
        let r = replicas_ready(&req(&ok), true);
        assert!(r.healthy);
        assert_eq!(r.message, "Ready:2/2");
        let bad = json!({"metadata": {"generation": 3}, "spec": {"replicas": 2},
            "status": {"readyReplicas": 1, "updatedReplicas": 2, "replicas": 2, "observedGeneration": 2}});
        let r = replicas_ready(&req(&bad), true);
        assert!(!r.healthy);
        assert_eq!(r.message, "Ready:1/2");
        let mut disabled = bad;
        disabled["metadata"]["annotations"] = json!({"app.oam.dev/disable-health-check": "true"});
        assert!(replicas_ready(&req(&disabled), true).healthy);
        assert!(!replicas_ready(&req(&disabled), false).healthy);
    }

    #[test]
    fn job_health() {
        let job = json!({"spec": {"parallelism": 1}, "status": {"succeeded": 1}});
        let r = job_succeeded(&req(&job));
        assert!(r.healthy);
        assert_eq!(r.message, "Active/Failed/Succeeded:0/0/1");
    }
}
