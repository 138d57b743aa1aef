//! `Engine::install` and `Engine::tracked` on the embedded cluster.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vela_engine::install::{Change, Options};
use vela_engine::{Engine, Error};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::{Registry, Renderer};

fn engine() -> (Engine, Arc<Embedded>) {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    (
        Engine::new(Renderer::new(Registry::builtin()), cluster.clone()),
        cluster,
    )
}

fn key(api_version: &str, kind: &str, namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn changes(done: &[vela_engine::install::Installed], change: Change) -> usize {
    done.iter().filter(|i| i.change == change).count()
}

#[tokio::test]
async fn install_is_idempotent_repairs_drift_and_a_dry_run_writes_nothing() {
    let (engine, cluster) = engine();
    let options = Options::default();
    let total = 12 + engine.definition_objects("vela-system").unwrap().len();
    let webservice = key(
        "core.oam.dev/v1beta1",
        "ComponentDefinition",
        "vela-system",
        "webservice",
    );

    let plan = engine
        .install(&Options {
            dry_run: true,
            ..options.clone()
        })
        .await
        .unwrap();
    assert_eq!(plan.len(), total);
    // the embedded hub starts with the vela-system namespace
    assert_eq!(changes(&plan, Change::Unchanged), 1);
    assert_eq!(changes(&plan, Change::Created), total - 1);
    let crd = key(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "",
        "applications.core.oam.dev",
    );
    assert!(
        cluster.get(&crd).await.unwrap().is_none(),
        "a dry run wrote a CRD"
    );

    let first = engine.install(&options).await.unwrap();
    assert_eq!(first, plan, "the dry run foretold the install");
    assert!(cluster.get(&crd).await.unwrap().is_some());
    let stored = cluster.get(&webservice).await.unwrap().expect("webservice");
    assert_eq!(stored["spec"]["workload"]["definition"]["kind"], "Deployment");
    assert_eq!(
        stored["metadata"]["annotations"]["vela.oam.dev/native-definition"],
        "true"
    );
    let schema = cluster
        .get(&key("v1", "ConfigMap", "vela-system", "trait-schema-scaler"))
        .await
        .unwrap()
        .expect("the scaler's schema");
    let schema: serde_json::Value =
        serde_json::from_str(schema["data"]["openapi-v3-json-schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema["properties"]["replicas"]["default"], 1);

    let second = engine.install(&options).await.unwrap();
    assert_eq!(changes(&second, Change::Unchanged), total);

    // someone edits a definition: the next install puts it back, and only it
    let mut edited = stored.clone();
    edited["metadata"]["annotations"]["definition.oam.dev/description"] = json!("edited");
    cluster.apply("", edited).await.unwrap();
    let third = engine.install(&options).await.unwrap();
    let changed: Vec<_> = third.iter().filter(|i| i.change != Change::Unchanged).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        (&changed[0].key, changed[0].change),
        (&webservice, Change::Configured)
    );
    let restored = cluster.get(&webservice).await.unwrap().unwrap();
    assert!(
        restored["metadata"]["annotations"]["definition.oam.dev/description"]
            .as_str()
            .unwrap()
            .starts_with("Describes long-running")
    );
}

#[tokio::test]
async fn crds_never_established_fail_after_the_timeout_before_any_definition() {
    // the embedded hub never writes CRD conditions: waiting for them must end with an error
    let (engine, cluster) = engine();
    let options = Options {
        establish_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    };
    let started = std::time::Instant::now();
    let err = engine.install(&options).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    let Error::NotEstablished { names, waited } = &err else {
        panic!("{err}");
    };
    assert_eq!(names.len(), 12);
    assert_eq!(*waited, Duration::from_millis(300));
    assert!(
        err.to_string().starts_with(
            "CustomResourceDefinitions not established after 300ms: applications.core.oam.dev, "
        ),
        "{err}"
    );
    let webservice = key(
        "core.oam.dev/v1beta1",
        "ComponentDefinition",
        "vela-system",
        "webservice",
    );
    assert!(cluster.get(&webservice).await.unwrap().is_none());
}

#[tokio::test]
async fn tracked_lists_the_current_generation_then_older_ones() {
    let (engine, cluster) = engine();
    let v1 = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - {name: api, type: webservice, properties: {image: nginx, ports: [{port: 80, expose: true}]}}
    - {name: jobs, type: worker, properties: {image: busybox}}
  policies:
    - {name: keep, type: garbage-collect, properties: {keepLegacyResource: true}}
";
    let v2 = v1.replace(
        "    - {name: jobs, type: worker, properties: {image: busybox}}\n",
        "",
    );
    for text in [v1, v2.as_str()] {
        let app = vela_render::app::parse(text).unwrap();
        let mut delivered = engine.up(&app).await.unwrap();
        for _ in 0..10 {
            if delivered.workflow != vela_workflow::RunPhase::Executing {
                break;
            }
            cluster.simulate_readiness("").unwrap();
            delivered = engine.reconcile("default", "shop").await.unwrap().unwrap();
        }
    }
    let tracked = engine.tracked("default", "shop").await.unwrap();
    let rows: Vec<(String, String, &str, bool)> = tracked
        .iter()
        .map(|t| {
            (
                format!("{}/{}", t.resource.kind, t.resource.name),
                t.resource.component.clone(),
                t.tracker.as_str(),
                t.current,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Service/api".into(), "api".into(), "shop-v2-default", true),
            ("Deployment/api".into(), "api".into(), "shop-v2-default", true),
            ("Deployment/jobs".into(), "jobs".into(), "shop-v1-default", false),
        ]
    );
    assert!(tracked.iter().all(|t| t.resource.raw.is_none()));
    assert!(engine.tracked("default", "nobody").await.unwrap().is_empty());
}
