//! The Application engine against real API servers: a hub and two members joined into its
//! registry. An application with a topology over all three clusters and an override for the
//! members is delivered (workloads made ready by the readiness simulator of each cluster), its
//! status lists every (component, cluster); dropping a component removes its objects from every
//! cluster; an object owned by another application is refused in the step's message; a member
//! that stops answering fails only its own placements; deleting the application removes
//! everything.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use vela_engine::{Delivered, Engine};
use vela_multicluster::registry;
use vela_multicluster::{Fleet, Key, Objects};
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::manifests;
use vela_test_support::namespace::namespace_name;
use vela_test_support::readiness::Simulator;
use vela_workflow::RunPhase;

const TIMEOUT: Duration = Duration::from_secs(60);

async fn install_crds(cluster: &Cluster) {
    let dir = vela_e2e::crds_dir();
    let files = manifests::yaml_files(&dir).unwrap_or_else(|e| panic!("CRDs in {}: {e:?}", dir.display()));
    let crds = manifests::read_crds(&files).expect("reading the project's CRDs");
    manifests::install_crds(&cluster.client(), &crds, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("installing CRDs into {}: {e:?}", cluster.name()));
}

fn application(
    name: &str,
    namespace: &str,
    target: &str,
    members: &str,
    with_jobs: bool,
) -> vela_model::application::Application {
    let jobs = if with_jobs {
        "\n    - {name: jobs, type: worker, properties: {image: busybox}}"
    } else {
        ""
    };
    let text = format!(
        "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  components:
    - {{name: web, type: webservice, properties: {{image: nginx, ports: [{{port: 80, expose: true}}]}}}}{jobs}
  policies:
    - {{name: hub, type: topology, properties: {{clusters: [local], namespace: {target}}}}}
    - {{name: members, type: topology, properties: {{clusterLabelSelector: {{e2e-group: {members}}}, namespace: {target}}}}}
    - name: bigger
      type: override
      properties: {{components: [{{name: web, traits: [{{type: scaler, properties: {{replicas: 3}}}}]}}]}}
  workflow:
    steps:
      - {{name: deploy-hub, type: deploy, properties: {{policies: [hub]}}}}
      - {{name: deploy-members, type: deploy, properties: {{policies: [members, bigger]}}}}
"
    );
    vela_render::app::parse(&text).expect("a valid application")
}

/// Reconciles until the workflow stops executing (the simulators make workloads ready).
async fn settle(engine: &Engine, namespace: &str, name: &str, first: Delivered) -> Delivered {
    let mut delivered = first;
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while delivered.workflow == RunPhase::Executing && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(300)).await;
        delivered = engine
            .reconcile(namespace, name)
            .await
            .expect("reconcile")
            .expect("the app");
    }
    delivered
}

fn deployment(cluster: &str, namespace: &str, name: &str) -> Key {
    Key {
        cluster: cluster.into(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn step_messages(d: &Delivered) -> String {
    d.status
        .workflow
        .iter()
        .flat_map(|w| &w.steps)
        .map(|s| format!("{}: {}", s.name, s.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 3)"]
async fn an_application_is_delivered_to_three_clusters_and_collected_from_them() {
    let clusters = Clusters::at_least(3).await.expect("the test clusters");
    let hub = clusters.hub();
    install_crds(hub).await;
    let fleet = Arc::new(Fleet::kube(hub.client()));
    let group = namespace_name("grp");
    let mut members = Vec::new();
    for member in &clusters.members()[..2] {
        let name = namespace_name("member");
        let joined = registry::cluster_from_kubeconfig(Some(member.kubeconfig()), None, Some(&name))
            .expect("the member's kubeconfig")
            .with_labels(BTreeMap::from([("e2e-group".to_owned(), group.clone())]));
        registry::join(&**fleet.hub(), &joined).await.expect("join");
        members.push(name);
    }
    let app_ns = hub
        .test_namespace("deliver")
        .await
        .expect("the application's namespace");
    let target = namespace_name("target");
    // no kubelet runs: each cluster's simulator makes workloads ready in the target namespace
    let _simulators: Vec<Simulator> = clusters.all()[..3]
        .iter()
        .map(|c| Simulator::start(c.client(), &target))
        .collect();
    let engine = Engine::new(Renderer::new(Registry::builtin()), fleet.clone());
    let ns = app_ns.name();

    let first = engine
        .up(&application("shop", ns, &target, &group, true))
        .await
        .expect("up");
    let done = settle(&engine, ns, "shop", first).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{}", step_messages(&done));
    assert_eq!(done.status.phase.map(|p| p.as_str()), Some("running"));
    let mut services: Vec<(String, String, bool)> = done
        .status
        .services
        .iter()
        .map(|s| (s.name.clone(), s.cluster.clone(), s.healthy))
        .collect();
    services.sort();
    let mut expected: Vec<(String, String, bool)> = Vec::new();
    for comp in ["jobs", "web"] {
        for cluster in std::iter::once("local").chain(members.iter().map(String::as_str)) {
            expected.push((comp.to_owned(), cluster.to_owned(), true));
        }
    }
    expected.sort();
    assert_eq!(services, expected);
    // the override went to the members only
    let replicas = |d: Option<serde_json::Value>| d.map(|d| d["spec"]["replicas"].as_i64().unwrap_or(1));
    assert_eq!(
        replicas(fleet.get(&deployment("", &target, "web")).await.unwrap()),
        Some(1)
    );
    for m in &members {
        assert_eq!(
            replicas(fleet.get(&deployment(m, &target, "web")).await.unwrap()),
            Some(3)
        );
    }

    // an object owned by another application is refused, by name, in the step's message
    let thief = engine
        .up(&application("thief", ns, &target, &group, true))
        .await
        .expect("up");
    let messages = step_messages(&thief);
    assert!(
        messages.contains(&format!("belongs to application {ns}/shop")),
        "{messages}"
    );

    // dropping a component removes it from every cluster
    let first = engine
        .up(&application("shop", ns, &target, &group, false))
        .await
        .expect("up");
    let second = settle(&engine, ns, "shop", first).await;
    assert_eq!(second.workflow, RunPhase::Succeeded, "{}", step_messages(&second));
    let mut collected: Vec<String> = second
        .collected
        .iter()
        .map(|k| format!("{}:{}", k.cluster, k.name))
        .collect();
    collected.sort();
    let mut want: Vec<String> = std::iter::once(":jobs".to_owned())
        .chain(members.iter().map(|m| format!("{m}:jobs")))
        .collect();
    want.sort();
    assert_eq!(collected, want);
    assert!(
        fleet
            .get(&deployment(&members[0], &target, "jobs"))
            .await
            .unwrap()
            .is_none()
    );

    // deleting the application removes everything everywhere
    engine.delete(ns, "thief", false).await.expect("delete thief");
    let removed = engine
        .delete(ns, "shop", false)
        .await
        .expect("delete")
        .expect("it existed");
    assert_eq!(removed.objects.len(), 6, "{:?}", removed.objects);
    for m in &members {
        assert!(fleet.get(&deployment(m, &target, "web")).await.unwrap().is_none());
    }

    // clean up: the target namespaces, the registrations
    for (cluster, name) in std::iter::once(("", &target)).chain(members.iter().map(|m| (m.as_str(), &target)))
    {
        let key = Key {
            cluster: cluster.into(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: name.clone(),
        };
        let _ = fleet.delete(&key).await;
    }
    for m in &members {
        registry::detach(&**fleet.hub(), m).await.expect("detach");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 2)"]
async fn an_unreachable_member_fails_only_its_own_placements() {
    let clusters = Clusters::at_least(2).await.expect("the test clusters");
    let hub = clusters.hub();
    install_crds(hub).await;
    let fleet = Arc::new(Fleet::kube(hub.client()));
    let group = namespace_name("grp");
    let alive = namespace_name("alive");
    let joined =
        registry::cluster_from_kubeconfig(Some(clusters.members()[0].kubeconfig()), None, Some(&alive))
            .expect("the member's kubeconfig")
            .with_labels(BTreeMap::from([("e2e-group".to_owned(), group.clone())]));
    registry::join(&**fleet.hub(), &joined).await.expect("join");
    // the same credentials where nothing answers
    let down = namespace_name("down");
    let mut dead = joined.clone();
    dead.name.clone_from(&down);
    dead.endpoint = Some("https://127.0.0.1:9".into());
    registry::join(&**fleet.hub(), &dead)
        .await
        .expect("join the unreachable member");

    let app_ns = hub
        .test_namespace("unreachable")
        .await
        .expect("the application's namespace");
    let target = namespace_name("target");
    let _simulators: Vec<Simulator> = clusters.all()[..2]
        .iter()
        .map(|c| Simulator::start(c.client(), &target))
        .collect();
    let engine = Engine::new(Renderer::new(Registry::builtin()), fleet.clone());
    let ns = app_ns.name();
    let first = engine
        .up(&application("shop", ns, &target, &group, false))
        .await
        .expect("up");
    let d = settle(&engine, ns, "shop", first).await;
    let messages = step_messages(&d);
    // the hub and the live member got their objects; the step names the dead member
    assert!(
        fleet
            .get(&deployment("", &target, "web"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        fleet
            .get(&deployment(&alive, &target, "web"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        messages.contains(&format!("component web in cluster {down}:")),
        "{messages}"
    );
    assert!(!messages.contains(&format!("cluster {alive}:")), "{messages}");
    // the step is retried with backoff, and fails the workflow after the retry limit
    let phase = d.status.phase.map(|p| p.as_str());
    assert!(
        matches!(phase, Some("runningWorkflow" | "workflowFailed")),
        "{phase:?}"
    );

    engine.delete(ns, "shop", false).await.expect("delete");
    for (cluster, name) in [("", &target), (alive.as_str(), &target)] {
        let key = Key {
            cluster: cluster.into(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: name.clone(),
        };
        let _ = fleet.delete(&key).await;
    }
    registry::detach(&**fleet.hub(), &alive).await.expect("detach");
    registry::detach(&**fleet.hub(), &down).await.expect("detach");
}
