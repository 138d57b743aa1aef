//! Smoke test of the end-to-end setup: three real API servers, the project's CRDs, an
//! Application round trip, server-side apply with the readiness simulator, the garbage
//! collector and the namespace controller.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde_json::json;
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::readiness::Simulator;
use vela_test_support::{manifests, wait};

const TIMEOUT: Duration = Duration::from_secs(60);
/// The garbage collector rediscovers resources (such as new CRDs) every 30 seconds.
const GC_TIMEOUT: Duration = Duration::from_secs(120);
const MANAGER: &str = "vela-e2e";

fn application_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("core.oam.dev", "v1beta1", "Application"),
        "applications",
    )
}

/// Installs the project's CRDs (`charts/vela-crds/`) into `cluster`.
async fn install_crds(cluster: &Cluster) -> Vec<String> {
    let dir = vela_e2e::crds_dir();
    let files = manifests::yaml_files(&dir)
        .unwrap_or_else(|e| panic!("listing the project's CRDs in {}: {e:?}", dir.display()));
    let crds = manifests::read_crds(&files).expect("reading the project's CRDs");
    assert!(
        !crds.is_empty(),
        "{} holds no CustomResourceDefinition",
        dir.display()
    );
    manifests::install_crds(&cluster.client(), &crds, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("installing CRDs into {}: {e:?}", cluster.name()))
}

fn first_app() -> serde_json::Value {
    json!({
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {"name": "first-vela-app"},
        "spec": {
            "components": [{
                "name": "express-server",
                "type": "webservice",
                "properties": {"image": "oamdev/hello-world", "ports": [{"port": 8000, "expose": true}]},
                "traits": [{"type": "scaler", "properties": {"replicas": 1}}]
            }]
        }
    })
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn three_independent_clusters_answer() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let mut names = Vec::new();
    for cluster in clusters.all() {
        let version = cluster.client().apiserver_version().await.expect("version");
        assert_eq!(version.major, "1", "{}", cluster.name());
        names.push(cluster.name().to_string());
    }
    // Independent: a namespace created in the hub does not exist in the members.
    let ns = clusters.hub().test_namespace("independent").await.unwrap();
    for member in clusters.members() {
        let found = member.namespaces().get_opt(ns.name()).await.unwrap();
        assert!(
            found.is_none(),
            "namespace {} leaked into {}",
            ns.name(),
            member.name()
        );
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), clusters.len(), "cluster names must differ");
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn project_crds_serve_an_application_on_every_cluster() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    for cluster in clusters.all() {
        let names = install_crds(cluster).await;
        for crd in [
            "applications.core.oam.dev",
            "resourcetrackers.core.oam.dev",
            "componentdefinitions.core.oam.dev",
        ] {
            assert!(names.iter().any(|n| n == crd), "{crd} missing from {names:?}");
        }
        let ns = cluster.test_namespace("app-roundtrip").await.unwrap();
        let apps: Api<DynamicObject> =
            Api::namespaced_with(cluster.client(), ns.name(), &application_resource());
        let applied = apps
            .patch(
                "first-vela-app",
                &PatchParams::apply(MANAGER),
                &Patch::Apply(first_app()),
            )
            .await
            .expect("server-side apply of an Application");
        assert!(applied.metadata.uid.is_some());
        let read = apps
            .get("first-vela-app")
            .await
            .expect("reading the Application back");
        assert_eq!(read.data["spec"], first_app()["spec"], "in {}", cluster.name());
        let listed = apps.list(&Default::default()).await.unwrap();
        assert_eq!(listed.items.len(), 1);
    }
}

fn deployment(name: &str, replicas: i32) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "oamdev/hello-world"}]}
            }
        }
    })
}

async fn apply<K>(api: &Api<K>, name: &str, body: serde_json::Value) -> K
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(name, &PatchParams::apply(MANAGER).force(), &Patch::Apply(body))
        .await
        .unwrap_or_else(|e| panic!("applying {name}: {e}"))
}

// ANCHOR: readiness
#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn readiness_simulator_fills_workload_status_after_server_side_apply() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("readiness").await.unwrap();
    let simulator = Simulator::start(hub.client(), ns.name());

    let deployments: Api<Deployment> = ns.api();
    let applied = apply(&deployments, "web", deployment("web", 2)).await;
    let generation = applied.metadata.generation;
    wait::for_condition(&deployments, "web", TIMEOUT, "2 available replicas", |d| {
        d.and_then(|d| d.status.as_ref()).is_some_and(|s| {
            s.available_replicas == Some(2)
                && s.observed_generation == generation
                && s.conditions
                    .iter()
                    .flatten()
                    .any(|c| c.type_.as_deref() == Some("Available") && c.status.as_deref() == Some("True"))
        })
    })
    .await
    .unwrap();
    // ANCHOR_END: readiness

    // A new spec is a new generation: the simulator follows it like the controller would.
    let scaled = apply(&deployments, "web", deployment("web", 3)).await;
    wait::for_condition(&deployments, "web", TIMEOUT, "3 ready replicas", |d| {
        d.and_then(|d| d.status.as_ref()).is_some_and(|s| {
            s.ready_replicas == Some(3) && s.observed_generation == scaled.metadata.generation
        })
    })
    .await
    .unwrap();

    let stateful: Api<StatefulSet> = ns.api();
    apply(
        &stateful,
        "db",
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
            "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                     "template": {"metadata": {"labels": {"app": "db"}},
                                  "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}
        }),
    )
    .await;
    wait::for_condition(&stateful, "db", TIMEOUT, "2 ready replicas", |s| {
        s.and_then(|s| s.status.as_ref()).is_some_and(|st| {
            st.ready_replicas == Some(2)
                && st.current_revision.is_some()
                && st.current_revision == st.update_revision
        })
    })
    .await
    .unwrap();

    let daemons: Api<DaemonSet> = ns.api();
    apply(
        &daemons,
        "agent",
        json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"containers": [{"name": "agent", "image": "agent"}]}}}
        }),
    )
    .await;
    wait::for_condition(&daemons, "agent", TIMEOUT, "ready on every node", |d| {
        d.and_then(|d| d.status.as_ref())
            .is_some_and(|s| s.desired_number_scheduled == 1 && s.number_ready == 1)
    })
    .await
    .unwrap();

    let jobs: Api<Job> = ns.api();
    apply(
        &jobs,
        "migrate",
        json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
            "spec": {"completions": 2,
                     "template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "m", "image": "migrate"}]}}}
        }),
    )
    .await;
    wait::for_condition(&jobs, "migrate", TIMEOUT, "the Job to complete", |j| {
        j.and_then(|j| j.status.as_ref()).is_some_and(|s| {
            s.succeeded == Some(2)
                && s.completion_time.is_some()
                && s.conditions
                    .iter()
                    .flatten()
                    .any(|c| c.type_ == "Complete" && c.status == "True")
        })
    })
    .await
    .unwrap();

    let cron_jobs: Api<CronJob> = ns.api();
    apply(
        &cron_jobs,
        "nightly",
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 3 * * *",
                     "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                         "containers": [{"name": "n", "image": "nightly"}]}}}}}
        }),
    )
    .await;
    wait::for_condition(&cron_jobs, "nightly", TIMEOUT, "a successful run", |c| {
        c.and_then(|c| c.status.as_ref())
            .is_some_and(|s| s.last_successful_time.is_some())
    })
    .await
    .unwrap();

    // Switched off, a new rollout stays unready.
    simulator.disable();
    tokio::time::sleep(Duration::from_millis(500)).await;
    apply(&deployments, "web", deployment("web", 4)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let web = deployments.get("web").await.unwrap();
    let status = web.status.unwrap();
    assert_eq!(
        status.ready_replicas,
        Some(3),
        "nothing may become ready while disabled"
    );
    assert_ne!(status.observed_generation, web.metadata.generation);
    simulator.enable();
    wait::for_condition(&deployments, "web", TIMEOUT, "4 ready replicas", |d| {
        d.and_then(|d| d.status.as_ref())
            .is_some_and(|s| s.ready_replicas == Some(4))
    })
    .await
    .unwrap();
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn without_the_simulator_nothing_becomes_ready() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let member = &clusters.members()[0];
    let ns = member.test_namespace("unready").await.unwrap();
    let deployments: Api<Deployment> = ns.api();
    apply(&deployments, "web", deployment("web", 1)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let web = deployments.get("web").await.unwrap();
    let ready = web.status.and_then(|s| s.ready_replicas).unwrap_or(0);
    assert_eq!(
        ready, 0,
        "no kubelet runs: a Deployment must stay unready by itself"
    );
}

fn config_map(name: &str, owner: Option<(&str, &str, &str, &str)>) -> ConfigMap {
    let mut value = json!({"metadata": {"name": name}, "data": {"k": "v"}});
    if let Some((api_version, kind, owner_name, uid)) = owner {
        value["metadata"]["ownerReferences"] = json!([{
            "apiVersion": api_version, "kind": kind, "name": owner_name, "uid": uid
        }]);
    }
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn garbage_collector_removes_dependents_of_a_deleted_owner() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let cluster = &clusters.members()[1];
    install_crds(cluster).await;
    let ns = cluster.test_namespace("gc").await.unwrap();
    let config_maps: Api<ConfigMap> = ns.api();
    let pp = PostParams::default();

    // A built-in owner.
    let owner = config_maps.create(&pp, &config_map("owner", None)).await.unwrap();
    let uid = owner.uid().unwrap();
    config_maps
        .create(
            &pp,
            &config_map("dependent", Some(("v1", "ConfigMap", "owner", &uid))),
        )
        .await
        .unwrap();

    // A custom-resource owner, as an Application owns what it renders.
    let apps: Api<DynamicObject> = Api::namespaced_with(cluster.client(), ns.name(), &application_resource());
    let app = apps
        .patch(
            "first-vela-app",
            &PatchParams::apply(MANAGER),
            &Patch::Apply(first_app()),
        )
        .await
        .unwrap();
    let app_uid = app.uid().unwrap();
    config_maps
        .create(
            &pp,
            &config_map(
                "rendered",
                Some(("core.oam.dev/v1beta1", "Application", "first-vela-app", &app_uid)),
            ),
        )
        .await
        .unwrap();
    let bystander = config_maps
        .create(&pp, &config_map("bystander", None))
        .await
        .unwrap();

    config_maps
        .delete("owner", &DeleteParams::background())
        .await
        .unwrap();
    apps.delete("first-vela-app", &DeleteParams::background())
        .await
        .unwrap();
    wait::for_deletion(&config_maps, "dependent", GC_TIMEOUT)
        .await
        .unwrap();
    wait::for_deletion(&config_maps, "rendered", GC_TIMEOUT)
        .await
        .unwrap();
    let still = config_maps.get("bystander").await.unwrap();
    assert_eq!(still.uid(), bystander.uid(), "an object without owner must stay");
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn deleting_a_namespace_removes_its_content() {
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ns-delete").await.unwrap();
    let name = ns.name().to_string();
    let config_maps: Api<ConfigMap> = ns.api();
    config_maps
        .create(&PostParams::default(), &config_map("content", None))
        .await
        .unwrap();
    let deployments: Api<Deployment> = ns.api();
    apply(&deployments, "web", deployment("web", 1)).await;

    ns.delete(Some(TIMEOUT))
        .await
        .expect("the namespace controller empties and removes it");
    let namespaces: Api<Namespace> = Api::all(hub.client());
    assert!(namespaces.get_opt(&name).await.unwrap().is_none());
    let all_config_maps: Api<ConfigMap> = Api::namespaced(hub.client(), &name);
    assert!(all_config_maps.get_opt("content").await.unwrap().is_none());
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn cluster_wide_simulator_covers_every_namespace() {
    // member2 runs no test that expects workloads to stay unready.
    let clusters = Clusters::at_least(3).await.expect("test clusters");
    let member = &clusters.members()[1];
    let first = member.test_namespace("wide-a").await.unwrap();
    let second = member.test_namespace("wide-b").await.unwrap();
    let _simulator = Simulator::all_namespaces(member.client(), Default::default());
    for ns in [&first, &second] {
        let deployments: Api<Deployment> = ns.api();
        apply(&deployments, "web", deployment("web", 1)).await;
        wait::for_condition(&deployments, "web", TIMEOUT, "1 ready replica", |d| {
            d.and_then(|d| d.status.as_ref())
                .is_some_and(|s| s.ready_replicas == Some(1))
        })
        .await
        .unwrap();
    }
}
