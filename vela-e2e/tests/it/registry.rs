//! The cluster registry and the `Fleet` against real API servers: a member's kubeconfig is
//! joined into the hub's registry, listed and probed; an object applied through the Fleet to the
//! member is there (read with the member's own client); a member that does not answer fails
//! only its own calls, with an error naming it.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::json;
use vela_multicluster::registry::{self, CredentialType};
use vela_multicluster::{Error, Fleet, Objects};
use vela_test_support::cluster::Clusters;
use vela_test_support::namespace::namespace_name;

#[tokio::test]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 2)"]
async fn a_joined_member_is_served_through_the_fleet() {
    let clusters = Clusters::at_least(2).await.expect("the test clusters");
    let hub = clusters.hub();
    let member = &clusters.members()[0];
    let fleet = Fleet::kube(hub.client());
    // (join creates the registry's namespace, vela-system, on a hub that has none)

    let name = namespace_name("member");
    let joined = registry::cluster_from_kubeconfig(Some(member.kubeconfig()), None, Some(&name))
        .expect("the member's kubeconfig");
    assert!(matches!(
        joined.credential_type,
        CredentialType::X509Certificate | CredentialType::ServiceAccountToken
    ));
    let joined = joined.with_labels(BTreeMap::from([("e2e".to_owned(), "yes".to_owned())]));
    registry::join(&**fleet.hub(), &joined).await.expect("join");

    let listing = registry::list(&**fleet.hub()).await.expect("list");
    assert_eq!(listing.clusters[0].name, "local");
    assert!(listing.invalid.is_empty(), "{:?}", listing.invalid);
    let listed = listing
        .clusters
        .iter()
        .find(|c| c.name == name)
        .expect("the joined member is listed");
    assert_eq!(listed, &joined);

    let probe = fleet.probe(&name, Duration::from_secs(10)).await.expect("probe");
    let version = probe.server_version.expect("a server version");
    assert!(version.starts_with("v1."), "{version}");

    // an object applied through the Fleet lands in the member, not in the hub
    let ns = member
        .test_namespace("fleet")
        .await
        .expect("a namespace in the member");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "through-the-fleet", "namespace": ns.name()}, "data": {"k": "v"}});
    fleet.apply(&name, cm).await.expect("apply through the fleet");
    let direct = ns
        .api::<ConfigMap>()
        .get("through-the-fleet")
        .await
        .expect("the member has the ConfigMap");
    assert_eq!(direct.data.unwrap()["k"], "v");
    let on_hub = fleet
        .list("local", "v1", "ConfigMap", ns.name(), &BTreeMap::new())
        .await
        .expect("list on the hub");
    assert!(on_hub.is_empty(), "nothing went to the hub");

    // the same credentials at an address where nothing answers: a Backend error naming it,
    // and the other clusters keep working
    let dead_name = format!("{name}-down");
    let mut dead = joined.clone();
    dead.name.clone_from(&dead_name);
    dead.endpoint = Some("https://127.0.0.1:9".into());
    registry::join(&**fleet.hub(), &dead)
        .await
        .expect("join the unreachable member");
    let cm2 = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "default"}});
    match fleet.apply(&dead_name, cm2).await {
        Err(Error::Backend { cluster, .. }) => assert_eq!(cluster, dead_name),
        other => panic!("expected a Backend error naming {dead_name}, got {other:?}"),
    }
    assert!(matches!(
        fleet.probe(&dead_name, Duration::from_secs(5)).await,
        Err(Error::Backend { cluster, .. }) if cluster == dead_name
    ));
    let again = fleet
        .list(&name, "v1", "ConfigMap", ns.name(), &BTreeMap::new())
        .await
        .expect("the reachable member still answers");
    assert_eq!(again.len(), 1);

    for n in [&name, &dead_name] {
        registry::detach(&**fleet.hub(), n).await.expect("detach");
    }
    ns.delete(None).await.expect("delete the test namespace");
}
