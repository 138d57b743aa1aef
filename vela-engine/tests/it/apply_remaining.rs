//! The deprecated `apply-remaining` step and the deprecated `raw` component, on the embedded
//! cluster.

use std::sync::Arc;

use vela_engine::Engine;
use vela_multicluster::{Embedded, Objects};
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

const APP: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: rest}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx}
      dependsOn: [db]
    - name: db
      type: worker
      properties: {image: postgres}
    - name: settings
      type: raw
      properties: {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}, data: {mode: fast}}
  workflow:
    steps:
      - {name: all-but-web, type: apply-remaining, properties: {exceptions: [web]}}
      - {name: web, type: apply-component, properties: {component: web}}
";

fn applied(d: &vela_engine::Delivered) -> Vec<String> {
    let mut names: Vec<String> = d
        .applied
        .iter()
        .map(|k| format!("{}/{}", k.kind, k.name))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn apply_remaining_applies_every_component_but_the_exceptions() {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    let app = vela_render::app::parse(APP).unwrap();
    let first = engine.up(&app).await.unwrap();
    assert_eq!(first.workflow, RunPhase::Executing);
    assert_eq!(applied(&first), ["ConfigMap/settings", "Deployment/db"]);
    cluster.simulate_readiness("").unwrap();
    let second = engine.reconcile("default", "rest").await.unwrap().unwrap();
    assert_eq!(
        applied(&second),
        ["Deployment/web"],
        "{:?}",
        second.status.workflow
    );
    cluster.simulate_readiness("").unwrap();
    let third = engine.reconcile("default", "rest").await.unwrap().unwrap();
    assert_eq!(third.workflow, RunPhase::Succeeded, "{:?}", third.status.workflow);
    assert_eq!(third.status.phase.map(|p| p.as_str()), Some("running"));
    let steps: Vec<(String, String)> = third
        .status
        .workflow
        .as_ref()
        .unwrap()
        .steps
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.phase.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("all-but-web".to_owned(), "succeeded".to_owned()),
            ("web".to_owned(), "succeeded".to_owned())
        ]
    );
    let mut services: Vec<&str> = third.status.services.iter().map(|s| s.name.as_str()).collect();
    services.sort_unstable();
    assert_eq!(services, ["db", "settings", "web"]);
    let cm = cluster
        .get(&vela_multicluster::Key {
            cluster: String::new(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "default".into(),
            name: "settings".into(),
        })
        .await
        .unwrap()
        .expect("the raw component's object");
    assert_eq!(cm["data"]["mode"], "fast");
    // deleting collects what apply-remaining delivered too
    engine.delete("default", "rest", false).await.unwrap();
    let left = cluster
        .list("", "v1", "ConfigMap", "default", &Default::default())
        .await
        .unwrap();
    assert!(
        left.iter().all(|o| o["metadata"]["name"] != "settings"),
        "{left:?}"
    );
}

#[tokio::test]
async fn a_raw_component_without_kind_fails_naming_the_field() {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster);
    let app = vela_render::app::parse(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: bad}\nspec:\n  components:\n    \
         - {name: c, type: raw, properties: {apiVersion: v1, metadata: {name: c}}}\n",
    )
    .unwrap();
    let d = engine.up(&app).await.unwrap();
    let text = format!("{:?}", d.status);
    assert!(text.contains("properties.kind: expected a string"), "{text}");
}
