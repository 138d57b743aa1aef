//! Standalone WorkflowRuns on the embedded cluster.

use std::sync::Arc;

use serde_json::{Value, json};
use vela_engine::{Engine, Error};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

fn key(api_version: &str, kind: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: "default".into(),
        name: name.into(),
    }
}

fn run(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
        "metadata": {"name": name, "namespace": "default"}, "spec": spec})
}

#[tokio::test]
async fn a_run_applies_objects_records_its_status_and_does_not_run_again() {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    let steps = json!([
        {"name": "config", "type": "apply-object", "properties": {"value":
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "made-by-run"}, "data": {"k": "v"}}}},
        {"name": "say", "type": "print-message-in-status", "properties": {"message": "done"}},
    ]);
    cluster
        .apply(
            "",
            run(
                "inline",
                json!({"workflowSpec": {"steps": steps}, "context": {"env": "test"}}),
            ),
        )
        .await
        .unwrap();
    let pass = engine.reconcile_run("default", "inline").await.unwrap().unwrap();
    assert_eq!(pass.phase, RunPhase::Succeeded);
    let cm = cluster
        .get(&key("v1", "ConfigMap", "made-by-run"))
        .await
        .unwrap()
        .expect("applied");
    assert_eq!(cm["data"]["k"], "v");
    let stored = cluster
        .get(&key("core.oam.dev/v1alpha1", "WorkflowRun", "inline"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["status"]["status"], "succeeded");
    assert_eq!(stored["status"]["finished"], true);
    let names: Vec<&str> = stored["status"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["config", "say"]);
    assert!(
        cluster
            .get(&key("v1", "ConfigMap", "workflowrun-inline-context"))
            .await
            .unwrap()
            .is_some()
    );
    // a finished run is not run again: deleting its object and reconciling brings nothing back
    cluster
        .delete(&key("v1", "ConfigMap", "made-by-run"))
        .await
        .unwrap();
    let again = engine.reconcile_run("default", "inline").await.unwrap().unwrap();
    assert_eq!((again.phase, again.requeue_after), (RunPhase::Succeeded, None));
    assert!(
        cluster
            .get(&key("v1", "ConfigMap", "made-by-run"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(engine.reconcile_run("default", "nothing").await.unwrap(), None);
}

#[tokio::test]
async fn a_run_of_a_workflow_object_and_bad_specs_fail_clearly() {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    cluster
        .apply(
            "",
            json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "Workflow",
                "metadata": {"name": "greet", "namespace": "default"},
                "steps": [{"name": "say", "type": "print-message-in-status", "properties": {"message": "hi"}}]}),
        )
        .await
        .unwrap();
    cluster
        .apply("", run("by-ref", json!({"workflowRef": "greet"})))
        .await
        .unwrap();
    let pass = engine.reconcile_run("default", "by-ref").await.unwrap().unwrap();
    assert_eq!(pass.phase, RunPhase::Succeeded);

    cluster
        .apply("", run("missing", json!({"workflowRef": "nope"})))
        .await
        .unwrap();
    let err = engine.reconcile_run("default", "missing").await.unwrap_err();
    assert!(matches!(err, Error::Placement { .. }), "{err}");
    assert!(err.to_string().contains("no Workflow \"nope\""), "{err}");

    cluster
        .apply(
            "",
            run(
                "both",
                json!({"workflowRef": "greet", "workflowSpec": {"steps": []}}),
            ),
        )
        .await
        .unwrap();
    let err = engine.reconcile_run("default", "both").await.unwrap_err();
    let text = format!(
        "{err}: {}",
        std::error::Error::source(&err)
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(
        text.contains("exactly one of workflowSpec and workflowRef"),
        "{text}"
    );

    let unknown = json!({"workflowSpec": {"steps": [{"name": "x", "type": "deploy"}]}});
    cluster.apply("", run("unknown", unknown)).await.unwrap();
    let err = engine.reconcile_run("default", "unknown").await.unwrap_err();
    assert!(matches!(err, Error::Workflow(_)), "{err}");
}
