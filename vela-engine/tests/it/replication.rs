//! The `replication` policy on the embedded cluster: the components a `deploy` step's
//! replication policy selects are rendered once per key, with `context.replicaKey` and the label
//! `app.oam.dev/replicaKey`; tracking, collection, status and errors per replica.

use vela_multicluster::Objects;
use vela_workflow::RunPhase;

use crate::support::{app, cm, config_maps, engine, join, settle, step_message};

/// `web` is replicated per region (with a trait), `db` is not.
const REGIONS: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: regions, namespace: default}
spec:
  components:
    - name: web
      type: per-replica
      traits: [{type: note}]
    - name: db
      type: plain-config
  policies:
    - {name: per-region, type: replication, properties: {keys: [beijing, hangzhou], selector: [web]}}
  workflow:
    steps:
      - {name: deploy, type: deploy, properties: {policies: [per-region]}}
";

fn label<'a>(obj: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    obj["metadata"]["labels"][key].as_str()
}

#[tokio::test]
async fn selected_components_are_delivered_once_per_key_with_the_replica_label() {
    let (engine, cluster) = engine();
    let done = settle(&engine, &cluster, REGIONS).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    assert_eq!(done.status.phase.map(|p| p.as_str()), Some("running"));
    assert_eq!(
        config_maps(cluster.as_ref(), "", "default").await,
        [
            "db",
            "web-beijing",
            "web-beijing-note",
            "web-hangzhou",
            "web-hangzhou-note"
        ]
    );
    assert_eq!(done.status.applied_resources.len(), 5);
    for key in ["beijing", "hangzhou"] {
        for name in [format!("web-{key}"), format!("web-{key}-note")] {
            let obj = cluster.get(&cm("", "default", &name)).await.unwrap().unwrap();
            assert_eq!(label(&obj, "app.oam.dev/replicaKey"), Some(key), "{name}");
            assert_eq!(label(&obj, "app.oam.dev/component"), Some("web"), "{name}");
        }
        let workload = cluster
            .get(&cm("", "default", &format!("web-{key}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(workload["data"]["key"], key, "context.replicaKey");
    }
    let db = cluster.get(&cm("", "default", "db")).await.unwrap().unwrap();
    assert_eq!(label(&db, "app.oam.dev/replicaKey"), None, "db is not replicated");
    // one status entry per replica
    let services: Vec<(String, String, bool)> = done
        .status
        .services
        .iter()
        .map(|s| (s.name.clone(), s.replica_key.clone(), s.healthy))
        .collect();
    let entry = |n: &str, k: &str| (n.to_owned(), k.to_owned(), true);
    assert_eq!(
        services,
        [entry("db", ""), entry("web", "beijing"), entry("web", "hangzhou")]
    );

    // a key replaced: its replica is collected, the new one delivered
    let next = REGIONS.replace("keys: [beijing, hangzhou]", "keys: [beijing, shanghai]");
    let second = settle(&engine, &cluster, &next).await;
    let mut collected: Vec<&str> = second.collected.iter().map(|k| k.name.as_str()).collect();
    collected.sort_unstable();
    assert_eq!(collected, ["web-hangzhou", "web-hangzhou-note"]);
    assert_eq!(
        config_maps(cluster.as_ref(), "", "default").await,
        [
            "db",
            "web-beijing",
            "web-beijing-note",
            "web-shanghai",
            "web-shanghai-note"
        ]
    );
    let keys: Vec<&str> = second
        .status
        .services
        .iter()
        .map(|s| s.replica_key.as_str())
        .collect();
    assert_eq!(keys, ["", "beijing", "shanghai"]);

    // deleting the application removes every replica
    let removed = engine.delete("default", "regions", false).await.unwrap().unwrap();
    assert_eq!(removed.objects.len(), 5);
    assert!(config_maps(cluster.as_ref(), "", "default").await.is_empty());
}

#[tokio::test]
async fn replicas_are_rendered_in_every_placement() {
    let (engine, cluster) = engine();
    join(&cluster, &["eu-1", "eu-2"]).await;
    let text = REGIONS
        .replace(
            "  policies:\n",
            "  policies:\n    - {name: europe, type: topology, properties: {clusters: [eu-1, eu-2], namespace: prod}}\n",
        )
        .replace("policies: [per-region]", "policies: [europe, per-region]");
    let done = settle(&engine, &cluster, &text).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    for member in ["eu-1", "eu-2"] {
        assert_eq!(
            config_maps(cluster.as_ref(), member, "prod").await,
            [
                "db",
                "web-beijing",
                "web-beijing-note",
                "web-hangzhou",
                "web-hangzhou-note"
            ],
            "{member}"
        );
        let obj = cluster
            .get(&cm(member, "prod", "web-hangzhou"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(obj["data"]["cluster"], member, "context.cluster");
    }
    assert!(config_maps(cluster.as_ref(), "", "default").await.is_empty());
    assert_eq!(done.status.services.len(), 6, "3 instances in each of 2 clusters");
    assert_eq!(done.status.applied_resources.len(), 10);
}

#[tokio::test]
async fn a_replication_policy_without_keys_or_with_an_unknown_component_fails_the_step() {
    let (engine, cluster) = engine();
    let no_keys = REGIONS.replace("keys: [beijing, hangzhou]", "keys: []");
    let delivered = engine.up(&app(&no_keys)).await.unwrap();
    let message = step_message(&delivered);
    assert!(
        message.contains("spec.policies[0].properties.keys: a replication policy needs at least one key"),
        "{message}"
    );
    let unknown = REGIONS
        .replace("name: regions", "name: unknown")
        .replace("selector: [web]", "selector: [web, mars]");
    let delivered = engine.up(&app(&unknown)).await.unwrap();
    let message = step_message(&delivered);
    assert!(
        message.contains(
            "spec.policies[0].properties.selector[1]: no component \"mars\" in the application (components: web, db)"
        ),
        "{message}"
    );
    assert!(
        config_maps(cluster.as_ref(), "", "default").await.is_empty(),
        "nothing is delivered"
    );
}

/// KubeVela's generated workflow names only topology and override policies: a replication
/// policy that no `deploy` step names renders nothing twice.
#[tokio::test]
async fn a_replication_policy_no_deploy_step_names_replicates_nothing() {
    let (engine, cluster) = engine();
    let text = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: unnamed, namespace: default}
spec:
  components:
    - {name: db, type: plain-config}
  policies:
    - {name: twice, type: replication, properties: {keys: [a, b], selector: [db]}}
";
    let done = settle(&engine, &cluster, text).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["db"]);
    assert_eq!(done.status.services.len(), 1);
}
