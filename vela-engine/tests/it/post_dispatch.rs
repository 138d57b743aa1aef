//! `PostDispatch` traits on the embedded cluster: applied only once the component's workload is
//! healthy, rendered with its live status; pending in the status until then.

use vela_multicluster::{Key, Objects};
use vela_workflow::RunPhase;

use crate::support::{app, cm, config_maps, engine};

const WEB: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: web, namespace: default}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx}
      traits: [{type: ready-note}, {type: expose, properties: {port: [80]}}]
";

fn names(keys: &[Key]) -> Vec<String> {
    keys.iter().map(|k| format!("{}/{}", k.kind, k.name)).collect()
}

#[tokio::test]
async fn post_dispatch_traits_wait_for_a_healthy_workload_and_read_its_status() {
    let (engine, cluster) = engine();
    let first = engine.up(&app(WEB)).await.unwrap();
    // the workload alone: the ready-note and the built-in expose (PostDispatch) wait
    assert_eq!(names(&first.applied), ["Deployment/web"]);
    assert_eq!(first.workflow, RunPhase::Executing);
    assert!(config_maps(cluster.as_ref(), "", "default").await.is_empty());
    let service = &first.status.services[0];
    assert!(!service.healthy);
    let pending: Vec<(&str, bool)> = service
        .traits
        .iter()
        .map(|t| (t.type_.as_str(), t.pending))
        .collect();
    assert_eq!(pending, [("ready-note", true), ("expose", true)]);

    // the workload becomes healthy: the PostDispatch traits render with its live status
    assert_eq!(cluster.simulate_readiness("").unwrap(), 1);
    let second = engine.reconcile("default", "web").await.unwrap().unwrap();
    // the Deployment, applied in the first pass with the same content, is not written again
    assert_eq!(names(&second.applied), ["ConfigMap/web-ready", "Service/web"]);
    let note = cluster
        .get(&cm("", "default", "web-ready"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(note["data"]["ready"], "1", "context.output.status.readyReplicas");
    assert_eq!(
        second.workflow,
        RunPhase::Succeeded,
        "{:?}",
        second.status.workflow
    );
    let service = &second.status.services[0];
    assert!(service.healthy, "{service:?}");
    assert!(service.traits.iter().all(|t| !t.pending), "{service:?}");
    assert_eq!(second.status.applied_resources.len(), 3);
}
