//! The defaults the API server fills in on write that clients read back: the embedded cluster
//! fills the ones health checks and the readiness rules depend on.

use serde_json::Value;

/// Fills in what Kubernetes defaults for the kinds the embedded cluster knows:
/// `spec.replicas: 1` for Deployments, StatefulSets and ReplicaSets, `spec.type: ClusterIP`
/// for Services.
pub(crate) fn fill(api_version: &str, kind: &str, obj: &mut Value) {
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match (api_version, kind) {
        ("apps/v1", "Deployment" | "StatefulSet" | "ReplicaSet") => {
            spec.entry("replicas").or_insert(Value::from(1));
        }
        ("v1", "Service") => {
            spec.entry("type").or_insert(Value::from("ClusterIP"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replicas_and_service_type() {
        let mut d = json!({"spec": {"template": {}}});
        fill("apps/v1", "Deployment", &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        let mut kept = json!({"spec": {"replicas": 0}});
        fill("apps/v1", "Deployment", &mut kept);
        assert_eq!(kept["spec"]["replicas"], 0);
        let mut s = json!({"spec": {}});
        fill("v1", "Service", &mut s);
        assert_eq!(s["spec"]["type"], "ClusterIP");
        let mut other = json!({"spec": {}});
        fill("v1", "ConfigMap", &mut other);
        assert_eq!(other, json!({"spec": {}}));
    }
}
