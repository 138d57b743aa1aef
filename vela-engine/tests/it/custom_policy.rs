//! Custom PolicyDefinitions on the embedded cluster: their `output` and `outputs` are applied to
//! the hub before the workflow, tracked (creator `policy`), collected when the policy leaves the
//! application and deleted with it; a policy that fails to render stops the delivery before
//! the workflow starts, naming `spec.policies[i]`.

use std::sync::Arc;

use vela_engine::Engine;
use vela_model::application::Phase;
use vela_model::common::ResourceCreator;
use vela_multicluster::{Embedded, Objects};
use vela_render::Renderer;
use vela_render::cue::CueDefinition;
use vela_workflow::RunPhase;

use crate::support::{app, cm, registry, settle};

/// A policy: a ConfigMap named after the policy (no name in the template) and a second one
/// `<policy>-note`, both reading the context and the parameter.
const AUDIT: &str = r#"
"audit": {type: "policy", description: "Audit records", attributes: {}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", data: {app: context.appName, namespace: context.namespace, level: parameter.level}}
  outputs: note: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-note", data: revision: context.appRevision}
  parameter: level: *"info" | string
}
"#;

/// A policy whose template cannot render without its required parameter.
const STRICT: &str = r#"
"strict": {type: "policy", description: "Needs a level", attributes: {}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", data: level: parameter.level}
  parameter: level: string
}
"#;

fn engine() -> (Engine, Arc<Embedded>) {
    let mut registry = registry();
    for (origin, src) in [("audit.cue", AUDIT), ("strict.cue", STRICT)] {
        let def = CueDefinition::from_cue(origin, src).unwrap_or_else(|e| panic!("{origin}: {e}"));
        registry.insert(Arc::new(def));
    }
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    (Engine::new(Renderer::new(registry), cluster.clone()), cluster)
}

fn with_policies(policies: &str) -> String {
    format!(
        "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: shop, namespace: default}}
spec:
  components:
    - {{name: cfg, type: plain-config}}
  policies: {policies}
"
    )
}

const WITH_AUDIT: &str =
    "[{name: audit-trail, type: audit, properties: {level: debug}}, {type: garbage-collect, properties: {}}]";

async fn exists(cluster: &Embedded, name: &str) -> bool {
    cluster.get(&cm("", "default", name)).await.unwrap().is_some()
}

#[tokio::test]
async fn custom_policy_outputs_are_applied_tracked_collected_and_deleted() {
    let (engine, cluster) = engine();
    let done = settle(&engine, &cluster, &with_policies(WITH_AUDIT)).await;
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:?}", done.status.workflow);
    let main = cluster
        .get(&cm("", "default", "audit-trail"))
        .await
        .unwrap()
        .expect("the policy's output, named after the policy");
    assert_eq!(main["data"]["app"], "shop");
    assert_eq!(main["data"]["namespace"], "default");
    assert_eq!(main["data"]["level"], "debug");
    assert_eq!(main["metadata"]["labels"]["app.oam.dev/name"], "shop");
    assert_eq!(main["metadata"]["labels"]["app.oam.dev/namespace"], "default");
    assert_eq!(main["metadata"]["labels"]["app.oam.dev/appRevision"], "shop-v1");
    let note = cluster
        .get(&cm("", "default", "audit-trail-note"))
        .await
        .unwrap()
        .expect("the policy's outputs.note");
    assert_eq!(note["data"]["revision"], "shop-v1");
    let mut by_policy: Vec<&str> = done
        .status
        .applied_resources
        .iter()
        .filter(|r| r.creator == Some(ResourceCreator::Policy))
        .map(|r| r.name.as_str())
        .collect();
    by_policy.sort_unstable();
    assert_eq!(by_policy, ["audit-trail", "audit-trail-note"]);
    assert_eq!(
        done.status.applied_resources.len(),
        3,
        "two policy objects and the component's"
    );

    // the policy leaves the application: its objects are collected, the component's stay
    let without = settle(&engine, &cluster, &with_policies("[]")).await;
    assert_eq!(without.workflow, RunPhase::Succeeded);
    assert!(!exists(&cluster, "audit-trail").await);
    assert!(!exists(&cluster, "audit-trail-note").await);
    assert!(exists(&cluster, "cfg").await);
    assert_eq!(without.collected.len(), 2, "{:?}", without.collected);

    // back again, then the application is deleted: everything goes
    settle(&engine, &cluster, &with_policies(WITH_AUDIT)).await;
    assert!(exists(&cluster, "audit-trail").await);
    assert!(exists(&cluster, "audit-trail-note").await);
    engine.delete("default", "shop", false).await.unwrap().unwrap();
    assert!(!exists(&cluster, "audit-trail").await);
    assert!(!exists(&cluster, "audit-trail-note").await);
    assert!(!exists(&cluster, "cfg").await);
}

#[tokio::test]
async fn a_custom_policy_that_fails_to_render_stops_before_the_workflow() {
    let (engine, cluster) = engine();
    let text = with_policies("[{type: topology, properties: {clusters: [local]}}, {type: strict}]");
    let err = engine
        .up(&app(&text))
        .await
        .expect_err("the policy cannot render");
    let message = err.to_string();
    assert!(
        message.starts_with("spec.policies[1]: custom policy \"strict-auto-gen-1\" of type \"strict\""),
        "{message}"
    );
    // the workflow did not start: the component was not applied
    assert!(!exists(&cluster, "cfg").await);
    let stored = engine.get("default", "shop").await.unwrap().expect("stored");
    let status = stored.status.expect("a status");
    assert_eq!(status.phase, Some(Phase::GeneratingPolicy));
    assert_eq!(status.conditions.len(), 1);
    assert!(
        status.conditions[0].message.contains("spec.policies[1]"),
        "{:?}",
        status.conditions
    );
    assert!(status.workflow.is_none(), "{:?}", status.workflow);
}
