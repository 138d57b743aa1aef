//! vela-multicluster's backend suite on real API servers: the 19 scenarios the embedded
//! cluster passes in `cargo test -p vela-multicluster`, through the `Kube` backend, on the hub
//! (the local cluster `""`) and on a member (a named cluster) at once; then what only the Kube
//! backend has: apply without force, per-cluster discovery.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vela_multicluster::kube::Config;
use vela_multicluster::testing::{self, SCENARIOS, Target};
use vela_multicluster::{Error, Key, Kube, Objects};
use vela_test_support::cluster::Clusters;
use vela_test_support::namespace::namespace_name;

/// The garbage collector and the namespace controller act within seconds; a minute is ample.
const SETTLE: Duration = Duration::from_secs(90);

/// The suite's target through `kube`, in `cluster`, with a fresh prefix.
fn target(kube: &Kube, cluster: &str) -> Target {
    let other = kube
        .clone()
        .with_config(Config::default().with_field_manager("kubectl-e2e"));
    Target::new(Arc::new(kube.clone()), Arc::new(other))
        .in_cluster(cluster)
        .with_prefix(namespace_name("vs"))
        .with_settle(SETTLE)
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn the_kube_backend_passes_every_scenario() {
    let clusters = Clusters::at_least(2).await.expect("test clusters");
    let member = &clusters.members()[0];
    let kube = Kube::local(clusters.hub().client()).with_cluster(member.name(), member.client());
    let (on_hub, on_member) = (target(&kube, ""), target(&kube, member.name()));
    let (hub, named) = tokio::join!(testing::run(&on_hub), testing::run(&on_member));
    eprintln!("hub:\n{hub}{}:\n{named}", member.name());
    assert_eq!(SCENARIOS.len(), 19);
    assert_eq!(hub.passed().len(), 19, "on the hub:\n{hub}");
    assert_eq!(named.passed().len(), 19, "on {}:\n{named}", member.name());
}

fn config_map(ns: &str, value: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "shared", "namespace": ns}, "data": {"owner": value}})
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn apply_without_force_reports_the_conflicting_manager() {
    let clusters = Clusters::at_least(1).await.expect("test clusters");
    let ns = clusters.hub().test_namespace("no-force").await.unwrap();
    let vela = Kube::local(clusters.hub().client());
    let person = vela
        .clone()
        .with_config(Config::default().with_field_manager("a-person"));
    vela.apply("", config_map(ns.name(), "vela")).await.unwrap();
    // the person takes the field over (forced, as `kubectl apply --server-side --force-conflicts`)
    person.apply("", config_map(ns.name(), "person")).await.unwrap();
    let careful = vela.clone().with_config(Config::default().with_force(false));
    let err = careful
        .apply("", config_map(ns.name(), "vela"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(
        err.to_string().contains("a-person"),
        "names the other manager: {err}"
    );
    // forced (the default), vela takes it back
    let taken = vela.apply("", config_map(ns.name(), "vela")).await.unwrap();
    assert_eq!(taken["data"]["owner"], "vela");
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn discovery_is_per_cluster() {
    let clusters = Clusters::at_least(2).await.expect("test clusters");
    let member = &clusters.members()[0];
    let kube = Kube::local(clusters.hub().client()).with_cluster(member.name(), member.client());
    let group = format!("{}.discovery.vela.dev", namespace_name("only-member"));
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("gauges.{group}")},
        "spec": {"group": group, "scope": "Cluster",
            "names": {"kind": "Gauge", "plural": "gauges", "singular": "gauge", "listKind": "GaugeList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}}}]}});
    kube.apply(member.name(), crd.clone()).await.unwrap();
    let api_version = format!("{group}/v1");
    let none = BTreeMap::new();
    let mut served = false;
    for _ in 0..300 {
        if kube
            .list(member.name(), &api_version, "Gauge", "", &none)
            .await
            .is_ok()
        {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(served, "the member never served {api_version} Gauge");
    // cluster-scoped in the member: the namespace is dropped
    let gauge = kube
        .apply(
            member.name(),
            json!({"apiVersion": api_version, "kind": "Gauge",
            "metadata": {"name": "g", "namespace": "default"}, "spec": {"level": 3}}),
        )
        .await
        .unwrap();
    assert!(gauge["metadata"].get("namespace").is_none(), "{gauge}");
    // the hub does not serve the kind: a clear error, not a guess
    let err = kube.list("", &api_version, "Gauge", "", &none).await.unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, message } if field == "kind" && message.contains("does not serve")),
        "{err}"
    );
    let crd_key = Key::of(member.name(), &crd).unwrap();
    assert!(kube.delete(&crd_key).await.unwrap());
}
