//! The test-support helpers themselves, against the real clusters: the namespace drop guard
//! and the wait helpers' failure messages.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use vela_test_support::cluster::Clusters;
use vela_test_support::namespace::TEST_LABEL;
use vela_test_support::{Error, wait};

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn a_dropped_test_namespace_is_deleted() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("drop-guard").await.unwrap();
    let name = ns.name().to_string();
    let namespaces: Api<Namespace> = hub.namespaces();
    let created = namespaces.get(&name).await.unwrap();
    assert_eq!(created.metadata.labels.unwrap()[TEST_LABEL], "true");

    drop(ns);
    // The guard has asked for deletion; the namespace controller finishes it.
    wait::for_deletion(&namespaces, &name, Duration::from_secs(60))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn waiting_for_readiness_that_never_comes_times_out_with_the_last_status() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    // member1 runs no readiness simulator.
    let ns = clusters.members()[0].test_namespace("timeout").await.unwrap();
    let deployments: Api<Deployment> = ns.api();
    let body = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "stuck"},
        "spec": {"selector": {"matchLabels": {"app": "stuck"}},
                 "template": {"metadata": {"labels": {"app": "stuck"}},
                              "spec": {"containers": [{"name": "c", "image": "stuck"}]}}}
    });
    deployments
        .patch("stuck", &PatchParams::apply("vela-e2e"), &Patch::Apply(body))
        .await
        .unwrap();
    let err = wait::for_condition(&deployments, "stuck", Duration::from_secs(2), "readiness", |d| {
        d.and_then(|d| d.status.as_ref()).and_then(|s| s.ready_replicas) == Some(1)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("readiness (stuck)"), "{text}");
    assert!(text.contains("last seen"), "{text}");
}
