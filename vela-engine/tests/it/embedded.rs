//! The engine on the embedded cluster (no API server needed).

use std::sync::Arc;

use vela_engine::{Delivered, Engine, Error};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

fn engine() -> (Engine, Arc<Embedded>) {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    (
        Engine::new(Renderer::new(Registry::builtin()), cluster.clone()),
        cluster,
    )
}

fn app(text: &str) -> vela_model::application::Application {
    vela_render::app::parse(text).expect("a valid application")
}

/// Delivers `text` and reconciles until the workflow stops executing, making workloads ready
/// between passes (no pod runs in the embedded cluster), as `vela up` does.
async fn settle(engine: &Engine, cluster: &Embedded, text: &str) -> Delivered {
    let a = app(text);
    let mut delivered = engine.up(&a).await.unwrap();
    for _ in 0..10 {
        if delivered.workflow != RunPhase::Executing {
            return delivered;
        }
        cluster.simulate_readiness("").unwrap();
        let name = a.metadata.name.as_deref().unwrap();
        delivered = engine.reconcile("default", name).await.unwrap().unwrap();
    }
    panic!(
        "the workflow still executes after 10 passes: {:?}",
        delivered.status.workflow
    );
}

/// The message of the first failed or waiting step.
fn step_message(d: &Delivered) -> String {
    let wf = d.status.workflow.as_ref().expect("a workflow status");
    wf.steps
        .iter()
        .map(|s| s.message.clone())
        .find(|m| !m.is_empty())
        .unwrap_or_default()
}

const SHOP: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx, ports: [{port: 80, expose: true}]}
      traits: [{type: scaler, properties: {replicas: 2}}]
    - name: worker
      type: worker
      properties: {image: busybox}
";

#[tokio::test]
async fn delivers_then_reports_health_once_ready() {
    let (engine, cluster) = engine();
    let first = engine.up(&app(SHOP)).await.unwrap();
    let kinds: Vec<String> = first
        .applied
        .iter()
        .map(|k| format!("{}/{}", k.kind, k.name))
        .collect();
    assert_eq!(kinds, ["Deployment/web", "Service/web", "Deployment/worker"]);
    // the apply-component steps wait for healthy workloads
    assert_eq!(first.workflow, RunPhase::Executing);
    assert_eq!(first.status.phase.map(|p| p.as_str()), Some("runningWorkflow"));
    assert!(
        step_message(&first).contains("waiting for healthy components"),
        "{first:?}"
    );
    assert_eq!(first.revision, "shop-v1");
    assert_eq!(cluster.simulate_readiness("").unwrap(), 2);
    let second = engine.reconcile("default", "shop").await.unwrap().unwrap();
    assert_eq!(second.workflow, RunPhase::Succeeded);
    let services: Vec<(String, bool, String)> = second
        .status
        .services
        .iter()
        .map(|s| (s.name.clone(), s.healthy, s.message.clone()))
        .collect();
    assert_eq!(
        second.status.phase.map(|p| p.as_str()),
        Some("running"),
        "{services:?}"
    );
    assert_eq!(second.generation, 1, "the same spec is the same generation");
    let stored = engine.get("default", "shop").await.unwrap().expect("stored");
    let status = stored.status.unwrap();
    assert_eq!(status.services.len(), 2);
    assert_eq!(status.services[0].cluster, "local");
    assert_eq!(status.latest_revision.unwrap().name, "shop-v1");
    // the same spec again: the same revision, nothing restarts, still running
    let third = engine.up(&app(SHOP)).await.unwrap();
    assert_eq!(
        (third.revision.as_str(), third.workflow),
        ("shop-v1", RunPhase::Succeeded)
    );
    assert_eq!(third.status.phase.map(|p| p.as_str()), Some("running"));
    assert!(
        third.applied.is_empty(),
        "a finished workflow does not apply again"
    );
}

#[tokio::test]
async fn a_cluster_that_makes_workloads_ready_on_write_delivers_in_one_pass() {
    let cluster = Arc::new(Embedded::in_memory().unwrap().ready_on_write(true));
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    let first = engine.up(&app(SHOP)).await.unwrap();
    assert_eq!(first.workflow, RunPhase::Succeeded, "{:?}", first.status.workflow);
    assert_eq!(first.status.phase.map(|p| p.as_str()), Some("running"));
    assert_eq!(first.applied.len(), 3);
    let healthy: Vec<(String, bool)> = first
        .status
        .services
        .iter()
        .map(|s| (s.name.clone(), s.healthy))
        .collect();
    assert_eq!(healthy, [("web".to_owned(), true), ("worker".to_owned(), true)]);
    // the simulator finds nothing left to do, and the next reconcile changes nothing
    assert_eq!(cluster.simulate_readiness("").unwrap(), 0);
    let again = engine.reconcile("default", "shop").await.unwrap().unwrap();
    assert_eq!(again.workflow, RunPhase::Succeeded);
    assert!(again.applied.is_empty(), "{:?}", again.applied);
    // a changed spec rolls out again in one pass: the new generation is ready when written
    let scaled = SHOP.replace("replicas: 2", "replicas: 5");
    let second = engine.up(&app(&scaled)).await.unwrap();
    assert_eq!(second.workflow, RunPhase::Succeeded);
    let web = cluster
        .get(&Key {
            cluster: String::new(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "default".into(),
            name: "web".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(web["status"]["readyReplicas"], 5);
    assert_eq!(web["status"]["observedGeneration"], web["metadata"]["generation"]);
}

/// The names of the objects of `kind` in namespace `default`.
async fn names(cluster: &Embedded, kind: &str) -> Vec<String> {
    let api_version = if kind == "Service" { "v1" } else { "apps/v1" };
    let list = cluster
        .list("", api_version, kind, "default", &Default::default())
        .await
        .unwrap();
    list.iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_dropped_component_is_collected_with_its_tracker() {
    let (engine, cluster) = engine();
    settle(&engine, &cluster, SHOP).await;
    let without_worker = SHOP.replace(
        "    - name: worker\n      type: worker\n      properties: {image: busybox}\n",
        "",
    );
    let second = settle(&engine, &cluster, &without_worker).await;
    assert_eq!(second.generation, 2);
    assert_eq!(second.revision, "shop-v2");
    let collected: Vec<String> = second
        .collected
        .iter()
        .map(|k| format!("{}/{}", k.kind, k.name))
        .collect();
    assert_eq!(collected, ["Deployment/worker"]);
    assert_eq!(names(&cluster, "Deployment").await, ["web"]);
    let trackers = cluster
        .list(
            "",
            "core.oam.dev/v1beta1",
            "ResourceTracker",
            "",
            &Default::default(),
        )
        .await
        .unwrap();
    let tracker_names: Vec<&str> = trackers
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tracker_names, ["shop-v2-default"]);
    assert_eq!(trackers[0]["spec"]["type"], "versioned");
    assert_eq!(
        trackers[0]["spec"]["managedResources"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn objects_of_another_application_or_of_nobody_are_refused() {
    let (engine, cluster) = engine();
    settle(&engine, &cluster, SHOP).await;
    let thief = SHOP.replace("metadata: {name: shop}", "metadata: {name: thief}");
    // the step fails (and is retried); the application says why
    let refused = engine.up(&app(&thief)).await.unwrap();
    let message = step_message(&refused);
    assert!(
        message.contains("Deployment default/web in cluster \"\" belongs to application default/shop"),
        "{message}"
    );
    assert_eq!(refused.status.phase.map(|p| p.as_str()), Some("runningWorkflow"));

    cluster
        .apply(
            "",
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "handmade", "namespace": "default"}, "spec": {}}),
        )
        .await
        .unwrap();
    let taker = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: taker}
spec:
  components: [{name: handmade, type: worker, properties: {image: busybox}}]
";
    let refused = engine.up(&app(taker)).await.unwrap();
    let message = step_message(&refused);
    assert!(
        message.contains("Deployment default/handmade in cluster \"\" exists and no application owns it"),
        "{message}"
    );
    // neither was changed
    let handmade = cluster
        .get(&Key {
            cluster: String::new(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "default".into(),
            name: "handmade".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(handmade["spec"], serde_json::json!({"replicas": 1}));
}

#[tokio::test]
async fn deleting_removes_everything_or_orphans_it() {
    let (engine, cluster) = engine();
    settle(&engine, &cluster, SHOP).await;
    let removed = engine
        .delete("default", "shop", false)
        .await
        .unwrap()
        .expect("it existed");
    assert_eq!(removed.objects.len(), 3);
    assert!(names(&cluster, "Deployment").await.is_empty());
    assert!(names(&cluster, "Service").await.is_empty());
    assert!(engine.get("default", "shop").await.unwrap().is_none());
    assert!(engine.delete("default", "shop", false).await.unwrap().is_none());

    engine.up(&app(SHOP)).await.unwrap();
    let orphaned = engine.delete("default", "shop", true).await.unwrap().unwrap();
    assert!(orphaned.orphaned);
    assert_eq!(names(&cluster, "Deployment").await, ["web", "worker"]);
    assert!(engine.list(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn invalid_applications_are_refused_with_every_problem() {
    let (engine, cluster) = engine();
    let bad = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - {name: Web, type: webservice, properties: {image: nginx}}
    - {name: Web, type: webservice, properties: {image: nginx}}
";
    let err = engine.up(&app(bad)).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Invalid(_)), "{text}");
    assert!(text.contains("spec.components[1].name"), "{text}");
    let apps = cluster
        .list("", "core.oam.dev/v1beta1", "Application", "", &Default::default())
        .await
        .unwrap();
    assert!(apps.is_empty(), "nothing is stored for an invalid application");
}

const FLEET: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: fleet}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx, ports: [{port: 80, expose: true}]}
    - name: jobs
      type: worker
      properties: {image: busybox}
  policies:
    - {name: here, type: topology, properties: {clusters: [local]}}
    - {name: europe, type: topology, properties: {clusterLabelSelector: {region: eu}, namespace: prod}}
    - name: bigger
      type: override
      properties: {components: [{name: web, traits: [{type: scaler, properties: {replicas: 3}}]}]}
  workflow:
    steps:
      - {name: deploy-here, type: deploy, properties: {policies: [here]}}
      - {name: deploy-europe, type: deploy, properties: {policies: [europe, bigger]}}
";

/// Reconciles until the workflow stops executing, making workloads ready in every cluster.
async fn settle_everywhere(engine: &Engine, cluster: &Embedded, text: &str) -> Delivered {
    let a = app(text);
    let mut delivered = engine.up(&a).await.unwrap();
    for _ in 0..10 {
        if delivered.workflow != RunPhase::Executing {
            return delivered;
        }
        for c in cluster.clusters().unwrap() {
            cluster.simulate_readiness(&c).unwrap();
        }
        delivered = engine.reconcile("default", "fleet").await.unwrap().unwrap();
    }
    panic!("the workflow still executes: {:?}", delivered.status.workflow);
}

async fn replicas(cluster: &Embedded, at: &str, namespace: &str, name: &str) -> Option<i64> {
    let key = Key {
        cluster: at.into(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: namespace.into(),
        name: name.into(),
    };
    cluster
        .get(&key)
        .await
        .unwrap()
        .map(|d| d["spec"]["replicas"].as_i64().unwrap_or(1))
}

#[tokio::test]
async fn topology_and_override_deliver_to_every_cluster_and_collect_everywhere() {
    use vela_multicluster::registry::{self, Cluster};
    let (engine, cluster) = engine();
    for (name, region) in [("eu-1", "eu"), ("eu-2", "eu"), ("us-1", "us")] {
        let member = Cluster::embedded(name)
            .unwrap()
            .with_labels([("region".to_owned(), region.to_owned())].into());
        registry::join(cluster.as_ref(), &member).await.unwrap();
    }
    let done = settle_everywhere(&engine, &cluster, FLEET).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    assert_eq!(done.status.phase.map(|p| p.as_str()), Some("running"));
    let services: Vec<(String, String, String, bool)> = done
        .status
        .services
        .iter()
        .map(|s| (s.name.clone(), s.cluster.clone(), s.namespace.clone(), s.healthy))
        .collect();
    let expected = |n: &str, c: &str, ns: &str| (n.to_owned(), c.to_owned(), ns.to_owned(), true);
    assert_eq!(
        services,
        [
            expected("jobs", "eu-1", "prod"),
            expected("jobs", "eu-2", "prod"),
            expected("jobs", "local", "default"),
            expected("web", "eu-1", "prod"),
            expected("web", "eu-2", "prod"),
            expected("web", "local", "default"),
        ]
    );
    // the override applies to the europe deployment only; us-1 gets nothing
    assert_eq!(replicas(&cluster, "", "default", "web").await, Some(1));
    assert_eq!(replicas(&cluster, "eu-1", "prod", "web").await, Some(3));
    assert_eq!(replicas(&cluster, "eu-2", "prod", "web").await, Some(3));
    assert_eq!(replicas(&cluster, "us-1", "prod", "web").await, None);
    assert_eq!(
        done.status.applied_resources.len(),
        9,
        "3 objects in each of 3 clusters"
    );

    // dropping a component removes its objects from every cluster
    let without_jobs = FLEET.replace(
        "    - name: jobs\n      type: worker\n      properties: {image: busybox}\n",
        "",
    );
    let second = settle_everywhere(&engine, &cluster, &without_jobs).await;
    let mut collected: Vec<String> = second
        .collected
        .iter()
        .map(|k| format!("{}:{}/{}", k.cluster, k.kind, k.name))
        .collect();
    collected.sort();
    assert_eq!(
        collected,
        [":Deployment/jobs", "eu-1:Deployment/jobs", "eu-2:Deployment/jobs"]
    );
    // deleting the application removes everything everywhere
    let removed = engine.delete("default", "fleet", false).await.unwrap().unwrap();
    assert_eq!(removed.objects.len(), 6);
    assert_eq!(replicas(&cluster, "eu-1", "prod", "web").await, None);
}

#[tokio::test]
async fn an_unknown_cluster_fails_the_deploy_step_naming_it() {
    let (engine, _cluster) = engine();
    let bad = FLEET.replace("clusters: [local]", "clusters: [local, mars]");
    let delivered = engine.up(&app(&bad)).await.unwrap();
    let message = step_message(&delivered);
    assert!(
        message.contains("spec.policies[0].properties.clusters[1]: cluster \"mars\" is not registered"),
        "{message}"
    );
}

#[tokio::test]
async fn a_reconcile_after_success_restores_a_field_edited_by_hand() {
    let (engine, cluster) = engine();
    settle(&engine, &cluster, SHOP).await;
    let key = Key {
        cluster: String::new(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "default".into(),
        name: "web".into(),
    };
    let mut edited = cluster.get(&key).await.unwrap().unwrap();
    edited["spec"]["replicas"] = serde_json::json!(7);
    cluster.apply_as("", "kubectl", edited).unwrap();
    let again = engine.reconcile("default", "shop").await.unwrap().unwrap();
    assert_eq!(again.restored, std::slice::from_ref(&key));
    let live = cluster.get(&key).await.unwrap().unwrap();
    assert_eq!(live["spec"]["replicas"], 2, "the scaler's replicas are back");
    let quiet = engine.reconcile("default", "shop").await.unwrap().unwrap();
    assert!(quiet.restored.is_empty(), "nothing drifted any more");
}

/// `(kind, name, resourceVersion)` of every object of the kinds a delivery touches.
async fn versions(cluster: &Embedded) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (api_version, kind) in [
        ("core.oam.dev/v1beta1", "Application"),
        ("core.oam.dev/v1beta1", "ApplicationRevision"),
        ("core.oam.dev/v1beta1", "ResourceTracker"),
        ("v1", "ConfigMap"),
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
    ] {
        for obj in cluster
            .list("", api_version, kind, "", &Default::default())
            .await
            .unwrap()
        {
            out.push((
                kind.to_owned(),
                obj["metadata"]["name"].as_str().unwrap().to_owned(),
                obj["metadata"]["resourceVersion"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn a_reconcile_that_changes_nothing_writes_nothing() {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    let counting = Arc::new(crate::support::Watched::new(cluster.clone(), ""));
    let engine = Engine::new(Renderer::new(Registry::builtin()), counting.clone());
    let done = settle(&engine, &cluster, SHOP).await;
    assert_eq!(done.workflow, RunPhase::Succeeded);
    let before = versions(&cluster).await;
    // the application, its revision, tracker and run state, the two Deployments and a Service
    assert_eq!(before.len(), 7, "{before:?}");
    let writes = counting.writes();
    assert!(writes > 0);
    for _ in 0..3 {
        let again = engine.reconcile("default", "shop").await.unwrap().unwrap();
        assert_eq!(again.workflow, RunPhase::Succeeded);
        assert!(again.applied.is_empty() && again.restored.is_empty());
    }
    assert_eq!(counting.writes(), writes);
    assert_eq!(versions(&cluster).await, before);
}

#[tokio::test]
async fn a_changed_property_renders_again() {
    let (engine, cluster) = engine();
    settle(&engine, &cluster, SHOP).await;
    // the same engine (and its rendered components) delivers the new image
    settle(
        &engine,
        &cluster,
        &SHOP.replace("image: nginx", "image: nginx:1.27"),
    )
    .await;
    let key = Key {
        cluster: String::new(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "default".into(),
        name: "web".into(),
    };
    let live = cluster.get(&key).await.unwrap().unwrap();
    assert_eq!(
        live["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
}

#[tokio::test]
async fn templates_see_the_version_of_the_cluster_they_render_for() {
    let (engine, cluster) = engine();
    // the built-in gateway renders an Ingress of networking.k8s.io/v1 from Kubernetes 1.19 on
    // (v1beta1 with the empty version of an offline dry-run)
    settle(
        &engine,
        &cluster,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: edge}\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties: {image: nginx, ports: [{port: 80}]}\n      traits: [{type: gateway, properties: {domain: web.example.com, http: {\"/\": 80}}}]\n",
    )
    .await;
    let ingress = |api_version: &str| Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: "Ingress".into(),
        namespace: "default".into(),
        name: "web".into(),
    };
    assert!(
        cluster
            .get(&ingress("networking.k8s.io/v1"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        cluster
            .get(&ingress("networking.k8s.io/v1beta1"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(cluster.server_version("").await.unwrap().unwrap()["minor"], 33);
}

#[tokio::test]
async fn renders_are_counted_and_later_passes_find_them_rendered() {
    let (engine, cluster) = engine();
    engine.up(&app(SHOP)).await.unwrap();
    let stats = engine.render_stats().clone();
    assert_eq!(
        (stats.renders(), stats.hits()),
        (2, 0),
        "web and worker rendered once each"
    );
    cluster.simulate_readiness("").unwrap();
    engine.reconcile("default", "shop").await.unwrap().unwrap();
    assert_eq!(stats.renders(), 2, "nothing they depend on changed");
    assert!(stats.hits() >= 2, "{}", stats.hits());
    assert!(stats.seconds() > 0.0);
}
