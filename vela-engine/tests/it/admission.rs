//! Admission: cross-namespace and cluster-scoped objects, and resource types, refused before
//! anything is written.

use std::sync::Arc;

use vela_engine::Engine;
use vela_engine::admission::Admission;
use vela_multicluster::{Embedded, Objects};
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

fn app(objects: &str) -> vela_model::application::Application {
    vela_render::app::parse(&format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: tenant, namespace: team}}\n\
         spec:\n  components:\n    - name: stuff\n      type: k8s-objects\n      properties:\n        objects: {objects}\n"
    ))
    .unwrap()
}

fn failure(d: &vela_engine::Delivered) -> String {
    d.status
        .workflow
        .as_ref()
        .unwrap()
        .steps
        .iter()
        .map(|s| s.message.clone())
        .find(|m| !m.is_empty())
        .unwrap_or_default()
}

/// An embedded cluster with the namespace `team`.
async fn team_cluster() -> Arc<Embedded> {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    cluster
        .apply(
            "",
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
        )
        .await
        .unwrap();
    cluster
}

async fn count(cluster: &Embedded, api_version: &str, kind: &str, namespace: &str) -> usize {
    cluster
        .list("", api_version, kind, namespace, &Default::default())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_strict_engine_refuses_other_namespaces_cluster_scoped_kinds_and_unlisted_types() {
    let cluster = team_cluster().await;
    let strict = Admission::new()
        .with_cross_namespace(false)
        .with_resource_types("whitelist:ConfigMap.v1,ClusterRole.v1.rbac.authorization.k8s.io")
        .unwrap();
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone()).with_admission(strict);

    let cases = [
        (
            "[{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: kube-system}}]",
            "forbidden resource: ConfigMap kube-system/c in cluster \"\": it is outside the application's \
             namespace and cross-namespace resources are not allowed",
        ),
        (
            "[{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: admin-ish}}]",
            "forbidden resource: ClusterRole team/admin-ish in cluster \"\": it is cluster-scoped and \
             resources outside the application's namespace are not allowed",
        ),
        (
            "[{apiVersion: v1, kind: Secret, metadata: {name: s}}]",
            "forbidden resource: Secret team/s in cluster \"\": its type Secret.v1 is not allowed",
        ),
    ];
    for (objects, want) in cases {
        let d = engine.up(&app(objects)).await.unwrap();
        assert_ne!(d.workflow, RunPhase::Succeeded);
        assert!(failure(&d).contains(want), "{}\nwant: {want}", failure(&d));
        assert!(d.applied.is_empty(), "{:?}", d.applied);
    }
    assert_eq!(count(&cluster, "v1", "ConfigMap", "kube-system").await, 0);
    assert_eq!(
        count(&cluster, "rbac.authorization.k8s.io/v1", "ClusterRole", "").await,
        0
    );
    assert_eq!(count(&cluster, "v1", "Secret", "team").await, 0);

    // in its own namespace, of an allowed type: delivered
    let d = engine
        .up(&app("[{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]"))
        .await
        .unwrap();
    assert_eq!(d.workflow, RunPhase::Succeeded, "{}", failure(&d));
    let names: Vec<String> = cluster
        .list("", "v1", "ConfigMap", "team", &Default::default())
        .await
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(names.contains(&"c".to_owned()), "{names:?}");
}

#[tokio::test]
async fn the_default_engine_admits_what_kubevela_admits() {
    let cluster = team_cluster().await;
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    let d = engine
        .up(&app(
            "[{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: kube-system}}, \
             {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: reader}}]",
        ))
        .await
        .unwrap();
    assert_eq!(d.workflow, RunPhase::Succeeded, "{}", failure(&d));
    assert_eq!(count(&cluster, "v1", "ConfigMap", "kube-system").await, 1);
    assert_eq!(
        count(&cluster, "rbac.authorization.k8s.io/v1", "ClusterRole", "").await,
        1
    );
}
