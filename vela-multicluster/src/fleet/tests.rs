use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::Memory;
use crate::registry::Cluster;

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"}, "data": {"k": "v"}})
}

fn names(objs: &[Value]) -> Vec<&str> {
    objs.iter()
        .filter_map(|o| o["metadata"]["name"].as_str())
        .collect()
}

async fn configmaps(fleet: &Fleet, cluster: &str) -> Vec<String> {
    let objs = fleet
        .list(cluster, "v1", "ConfigMap", "default", &BTreeMap::new())
        .await
        .unwrap();
    let mut names: Vec<String> = names(&objs).into_iter().map(str::to_owned).collect();
    names.sort();
    names
}

#[cfg(feature = "embedded")]
#[tokio::test]
async fn routes_virtual_members_inside_the_embedded_state() {
    let state = Arc::new(crate::Embedded::in_memory().unwrap());
    registry::join(&*state, &Cluster::embedded("edge-1").unwrap())
        .await
        .unwrap();
    registry::join(&*state, &Cluster::embedded("edge-2").unwrap())
        .await
        .unwrap();
    let fleet = Fleet::embedded(state.clone());

    fleet.apply("", cm("on-hub")).await.unwrap();
    fleet.apply("local", cm("also-on-hub")).await.unwrap();
    fleet.apply("edge-1", cm("on-edge-1")).await.unwrap();
    fleet.apply("edge-2", cm("on-edge-2")).await.unwrap();
    assert_eq!(configmaps(&fleet, "local").await, ["also-on-hub", "on-hub"]);
    assert_eq!(configmaps(&fleet, "").await, ["also-on-hub", "on-hub"]);
    assert_eq!(configmaps(&fleet, "edge-1").await, ["on-edge-1"]);
    assert_eq!(configmaps(&fleet, "edge-2").await, ["on-edge-2"]);
    // the state keeps the members under their own names
    assert_eq!(state.clusters().unwrap(), ["", "edge-1", "edge-2"]);

    let key = Key::of("edge-1", &cm("on-edge-1")).unwrap();
    assert!(fleet.get(&key).await.unwrap().is_some());
    assert!(
        fleet
            .get(&Key::of("edge-2", &cm("on-edge-1")).unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let with_status = fleet
        .set_status(&key, json!({"ok": true}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(with_status["status"]["ok"], true);
    assert!(fleet.delete(&key).await.unwrap());
    assert!(configmaps(&fleet, "edge-1").await.is_empty());

    let probe = fleet.probe("edge-2", Duration::from_secs(1)).await.unwrap();
    assert_eq!(probe.description, "virtual member of the embedded state");
    assert_eq!(
        fleet.probe("", Duration::from_secs(1)).await.unwrap().cluster,
        "local"
    );
}

#[tokio::test]
async fn unknown_and_refused_clusters_are_errors_naming_them() {
    let hub = Arc::new(Memory::new());
    registry::join(&*hub, &Cluster::embedded("lab").unwrap())
        .await
        .unwrap();
    // a real hub does not serve virtual members
    let fleet = Fleet::new(hub.clone());
    let e = fleet.apply("lab", cm("x")).await.unwrap_err().to_string();
    assert!(e.contains("cluster \"lab\" is a virtual member"), "{e}");
    let e = fleet.apply("ghost", cm("x")).await.unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }));
    assert_eq!(
        e.to_string(),
        "cluster: unknown cluster \"ghost\": not in the registry (`vela cluster join` adds it)"
    );
    let e = fleet.probe("ghost", Duration::from_secs(1)).await.unwrap_err();
    assert!(e.to_string().contains("\"ghost\""), "{e}");
    // the hub still works
    fleet.apply("local", cm("fine")).await.unwrap();
    assert_eq!(configmaps(&fleet, "").await, ["fine"]);

    // a broken registration names the field
    let mut broken = Cluster::embedded("bad").unwrap().to_secret();
    broken["metadata"]["labels"][registry::CREDENTIAL_TYPE_LABEL] = json!("Nope");
    hub.apply("", broken).await.unwrap();
    let e = Fleet::new(hub.clone())
        .with_virtual_members()
        .get(&Key::of("bad", &cm("x")).unwrap())
        .await;
    let e = e.unwrap_err().to_string();
    assert!(
        e.contains("cluster-credential-type\"]: \"Nope\" is not supported"),
        "{e}"
    );
}

#[tokio::test]
async fn a_detached_member_is_forgotten_on_request() {
    let hub = Arc::new(Memory::new());
    registry::join(&*hub, &Cluster::embedded("lab").unwrap())
        .await
        .unwrap();
    let fleet = Fleet::new(hub.clone()).with_virtual_members();
    fleet.apply("lab", cm("x")).await.unwrap();
    registry::detach(&*hub, "lab").await.unwrap();
    // still connected until forgotten
    assert_eq!(configmaps(&fleet, "lab").await, ["x"]);
    fleet.forget("lab");
    assert!(fleet.apply("lab", cm("y")).await.is_err());
}

#[cfg(feature = "kube")]
#[tokio::test]
async fn an_unreachable_member_fails_only_its_own_calls() {
    let hub = Arc::new(Memory::new());
    // nothing listens on port 9 of loopback (discard); the connection is refused at once
    let down = Cluster::with_token("down", "https://127.0.0.1:9", None, "t0ken").unwrap();
    registry::join(&*hub, &down).await.unwrap();
    let fleet = Fleet::new(hub);
    let e = fleet.apply("down", cm("x")).await.unwrap_err();
    let Error::Backend { cluster, source } = &e else {
        panic!("expected a backend error, got {e}");
    };
    assert_eq!(cluster, "down");
    assert!(!source.to_string().is_empty());
    let e = fleet.probe("down", Duration::from_secs(5)).await.unwrap_err();
    assert!(
        matches!(&e, Error::Backend { cluster, .. } if cluster == "down"),
        "{e}"
    );
    // the hub is unaffected
    fleet.apply("", cm("fine")).await.unwrap();
    assert_eq!(configmaps(&fleet, "local").await, ["fine"]);
}

#[cfg(feature = "kube")]
#[tokio::test]
async fn member_configuration_uses_only_the_stored_credentials() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n";
    let c = Cluster::with_token("m", "https://10.1.2.3:6443", Some(pem.into()), "abc")
        .unwrap()
        .with_proxy_url("http://proxy.internal:3128");
    let config = connect::config(&c, connect::Timeouts::default()).unwrap();
    assert_eq!(config.cluster_url.to_string(), "https://10.1.2.3:6443/");
    assert_eq!(config.root_cert.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        config.proxy_url.as_ref().map(ToString::to_string).as_deref(),
        Some("http://proxy.internal:3128/")
    );
    assert!(config.auth_info.exec.is_none() && config.auth_info.token_file.is_none());
    assert!(config.auth_info.client_certificate.is_none() && config.auth_info.client_key.is_none());
    assert!(config.auth_info.token.is_some());
    assert!(!config.accept_invalid_certs);
}
