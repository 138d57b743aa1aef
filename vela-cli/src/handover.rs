//! `vela up` on a hub where vela-controller runs: the Application is stored and the controller
//! delivers it (two actors running one workflow would race), and `-w` waits for its status.
//!
//! A controller is taken to run when the Lease it holds as leader (`vela-system/vela-controller`,
//! its `--leader-elect` defaults) has a holder and was renewed within its duration. `vela up
//! --local` runs the workflow in the CLI anyway.

use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::Value;
use vela_engine::Engine;
use vela_multicluster::{Key, Objects};

/// Where vela-controller's leader Lease is by default.
pub(crate) const LEASE_NAMESPACE: &str = "vela-system";
/// Its name.
pub(crate) const LEASE_NAME: &str = "vela-controller";

/// How often `-w` looks at the status.
const POLL: Duration = Duration::from_millis(500);

/// The vela-controller leading `hub`, if any: `None` on the embedded cluster, where no
/// controller runs, else the holder of a live controller Lease ([`controller`]).
pub(crate) fn leader(rt: &tokio::runtime::Runtime, hub: &crate::cluster::Hub) -> Result<Option<String>> {
    if hub.embedded.is_some() {
        return Ok(None);
    }
    rt.block_on(controller(hub.fleet.as_ref(), jiff::Timestamp::now()))
        .map_err(|e| anyhow::anyhow!("look for a running vela-controller: {e:#}"))
}

/// The holder of a live controller Lease in the hub, if any (a Lease whose last renewal plus
/// its duration is still ahead of `now`).
pub(crate) async fn controller(hub: &dyn Objects, now: jiff::Timestamp) -> Result<Option<String>> {
    let key = Key {
        cluster: String::new(),
        api_version: "coordination.k8s.io/v1".into(),
        kind: "Lease".into(),
        namespace: LEASE_NAMESPACE.into(),
        name: LEASE_NAME.into(),
    };
    let lease = match hub.get(&key).await {
        Ok(found) => found,
        // a hub that serves no Leases has no controller
        Err(vela_multicluster::Error::Invalid { field, .. }) if field == "kind" => None,
        Err(e) => return Err(e.into()),
    };
    Ok(lease.and_then(|l| live_holder(&l, now)))
}

/// The holder of `lease` when it is still held at `now`.
fn live_holder(lease: &Value, now: jiff::Timestamp) -> Option<String> {
    let spec = &lease["spec"];
    let holder = spec["holderIdentity"].as_str().filter(|h| !h.is_empty())?;
    let renewed: jiff::Timestamp = spec["renewTime"].as_str()?.parse().ok()?;
    let duration = spec["leaseDurationSeconds"].as_i64().unwrap_or(15);
    let until = renewed
        .checked_add(jiff::SignedDuration::from_secs(duration))
        .ok()?;
    (until > now).then(|| holder.to_owned())
}

/// The annotation `vela workflow` sets (to the time of the operation) so that the controller,
/// which watches Applications' metadata, reconciles at once after an operation changed the
/// run state.
pub(crate) const OPERATION_ANNOTATION: &str = "app.oam.dev/workflow-operation-time";

/// Wakes the controller for `namespace/name` (a merge patch of [`OPERATION_ANNOTATION`]).
pub(crate) async fn wake(hub: &dyn Objects, namespace: &str, name: &str) -> anyhow::Result<()> {
    wake_object(hub, "core.oam.dev/v1beta1", "Application", namespace, name).await
}

/// Wakes the controller for the object `namespace/name` of `kind` (a write of
/// [`OPERATION_ANNOTATION`]: the watch brings it to the controller).
pub(crate) async fn wake_object(
    hub: &dyn Objects,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> anyhow::Result<()> {
    let key = Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    };
    let Some(mut obj) = hub.get(&key).await? else {
        bail!("{kind} {namespace}/{name} disappeared");
    };
    if let Some(m) = obj.as_object_mut() {
        m.remove("status");
    }
    obj["metadata"]["annotations"][OPERATION_ANNOTATION] = Value::String(jiff::Timestamp::now().to_string());
    // no resourceVersion: the controller writes the status meanwhile, and the annotation is
    // the only change, so the apply must not fail on a stale version
    if let Some(meta) = obj["metadata"].as_object_mut() {
        meta.remove("managedFields");
        meta.remove("resourceVersion");
    }
    hub.apply("", obj).await?;
    Ok(())
}

/// Waits until the controller has reconciled `generation` of `namespace/name` and its phase
/// settled (`running`, suspended, or failed), or `timeout`; returns the last status seen.
pub(crate) async fn wait(
    engine: &Engine,
    namespace: &str,
    name: &str,
    generation: i64,
    timeout: Duration,
) -> Result<Option<vela_render::vela_model::application::Status>> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let Some(app) = engine.get(namespace, name).await? else {
            bail!("application {namespace}/{name} disappeared");
        };
        let status = app.status;
        let observed = status.as_ref().map_or(0, |s| s.observed_generation);
        let phase = status.as_ref().and_then(|s| s.phase).map(|p| p.as_str());
        let settled = matches!(
            phase,
            Some("running" | "workflowSuspending" | "workflowFailed" | "workflowTerminated")
        );
        if (observed >= generation && settled) || tokio::time::Instant::now() >= deadline {
            return Ok(status);
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lease(holder: &str, renewed: &str) -> Value {
        json!({"spec": {"holderIdentity": holder, "renewTime": renewed, "leaseDurationSeconds": 15}})
    }

    #[test]
    fn a_lease_is_live_until_its_renewal_plus_duration() {
        let now: jiff::Timestamp = "2026-12-05T10:00:10Z".parse().unwrap();
        assert_eq!(
            live_holder(&lease("ctl-1", "2026-12-05T10:00:00.000000Z"), now).as_deref(),
            Some("ctl-1")
        );
        assert_eq!(live_holder(&lease("ctl-1", "2026-12-05T09:59:54Z"), now), None);
        assert_eq!(live_holder(&lease("", "2026-12-05T10:00:00Z"), now), None);
        assert_eq!(live_holder(&json!({"spec": {"holderIdentity": "x"}}), now), None);
    }

    /// A hub whose controller writes the object's status between the CLI's read and its write.
    struct StatusRace(vela_multicluster::Memory);

    #[async_trait::async_trait]
    impl Objects for StatusRace {
        async fn apply(&self, cluster: &str, obj: Value) -> vela_multicluster::Result<Value> {
            self.0.apply(cluster, obj).await
        }
        async fn get(&self, key: &Key) -> vela_multicluster::Result<Option<Value>> {
            let read = self.0.get(key).await?;
            self.0.set_status(key, json!({"phase": "racing"})).await?;
            Ok(read)
        }
        async fn list(
            &self,
            cluster: &str,
            api_version: &str,
            kind: &str,
            namespace: &str,
            labels: &std::collections::BTreeMap<String, String>,
        ) -> vela_multicluster::Result<Vec<Value>> {
            self.0.list(cluster, api_version, kind, namespace, labels).await
        }
        async fn delete(&self, key: &Key) -> vela_multicluster::Result<bool> {
            self.0.delete(key).await
        }
        async fn set_status(&self, key: &Key, status: Value) -> vela_multicluster::Result<Option<Value>> {
            self.0.set_status(key, status).await
        }
    }

    #[tokio::test]
    async fn a_wake_survives_a_status_written_meanwhile() {
        let hub = StatusRace(vela_multicluster::Memory::new());
        let run = json!({
            "apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
            "metadata": {"name": "r", "namespace": "ns"},
            "spec": {"workflowRef": "w"},
        });
        hub.0.apply("", run).await.unwrap();
        wake_object(&hub, "core.oam.dev/v1alpha1", "WorkflowRun", "ns", "r")
            .await
            .unwrap();
        let key = Key {
            cluster: String::new(),
            api_version: "core.oam.dev/v1alpha1".into(),
            kind: "WorkflowRun".into(),
            namespace: "ns".into(),
            name: "r".into(),
        };
        let woken = hub.0.get(&key).await.unwrap().unwrap();
        assert!(
            woken["metadata"]["annotations"][OPERATION_ANNOTATION].is_string(),
            "{woken}"
        );
        assert_eq!(woken["spec"]["workflowRef"], "w");
        assert_eq!(
            woken["status"]["phase"], "racing",
            "the controller's status stays"
        );
    }

    #[tokio::test]
    async fn no_lease_no_controller() {
        let hub = vela_multicluster::Memory::new();
        assert_eq!(controller(&hub, jiff::Timestamp::now()).await.unwrap(), None);
    }
}
