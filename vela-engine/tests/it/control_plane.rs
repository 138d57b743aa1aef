//! `controlPlaneOnly` traits on the embedded cluster: their objects go to the hub, in the
//! application's namespace, once, whatever the placements.

use vela_multicluster::Objects;
use vela_workflow::RunPhase;

use crate::support::{cm, config_maps, engine, join, settle};

/// `web` goes to two member clusters (namespace `prod`) with a trait of each kind.
const FLEET: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: fleet, namespace: default}
spec:
  components:
    - name: web
      type: plain-config
      traits: [{type: hub-record}, {type: note}]
  policies:
    - {name: europe, type: topology, properties: {clusters: [eu-1, eu-2], namespace: prod}}
";

#[tokio::test]
async fn control_plane_only_trait_objects_go_to_the_hub_once() {
    let (engine, cluster) = engine();
    join(&cluster, &["eu-1", "eu-2"]).await;
    let done = settle(&engine, &cluster, FLEET).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    assert_eq!(done.status.phase.map(|p| p.as_str()), Some("running"));
    // the workload and the ordinary trait's object in each member cluster
    for member in ["eu-1", "eu-2"] {
        assert_eq!(
            config_maps(cluster.as_ref(), member, "prod").await,
            ["web", "web--note"],
            "{member}"
        );
        assert!(config_maps(cluster.as_ref(), member, "default").await.is_empty());
    }
    // the controlPlaneOnly trait's object on the hub only, in the application's namespace
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["web-record"]);
    assert!(config_maps(cluster.as_ref(), "", "prod").await.is_empty());
    let record = cluster
        .get(&cm("", "default", "web-record"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record["metadata"]["labels"]["trait.oam.dev/type"], "hub-record");
    assert_eq!(record["metadata"]["labels"]["app.oam.dev/name"], "fleet");
    let first = engine.get("default", "fleet").await.unwrap().unwrap();
    let tracked: Vec<String> = first
        .status
        .unwrap()
        .applied_resources
        .iter()
        .map(|r| format!("{}:{}/{}", r.cluster, r.namespace, r.name))
        .collect();
    assert_eq!(tracked.len(), 5, "{tracked:?}");
    assert_eq!(
        tracked.iter().filter(|t| t.ends_with("/web-record")).count(),
        1,
        "{tracked:?}"
    );

    // dropping the trait collects its hub object; deleting removes everything
    let without = FLEET.replace("{type: hub-record}, ", "");
    let second = settle(&engine, &cluster, &without).await;
    let collected: Vec<String> = second
        .collected
        .iter()
        .map(|k| format!("{}:{}/{}", k.cluster, k.namespace, k.name))
        .collect();
    assert_eq!(collected, [":default/web-record"]);
    let removed = engine.delete("default", "fleet", false).await.unwrap().unwrap();
    assert_eq!(removed.objects.len(), 4);
}

#[tokio::test]
async fn a_control_plane_only_trait_is_applied_once_in_the_first_pass() {
    let (engine, cluster) = engine();
    join(&cluster, &["eu-1", "eu-2"]).await;
    let first = engine.up(&crate::support::app(FLEET)).await.unwrap();
    let mut applied: Vec<String> = first
        .applied
        .iter()
        .map(|k| format!("{}:{}/{}", k.cluster, k.namespace, k.name))
        .collect();
    applied.sort();
    assert_eq!(
        applied,
        [
            ":default/web-record",
            "eu-1:prod/web",
            "eu-1:prod/web--note",
            "eu-2:prod/web",
            "eu-2:prod/web--note",
        ]
    );
}
