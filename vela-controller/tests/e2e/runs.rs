//! Standalone WorkflowRuns under the controller.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::{Value, json};
use vela_test_support::cluster::Clusters;
use vela_test_support::wait;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn workflow_runs_run_to_the_end_and_a_missing_workflow_is_reported() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-runs").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("core.oam.dev", "v1alpha1", "WorkflowRun"));
    let runs: Api<DynamicObject> = Api::namespaced_with(hub.client(), &ns, &ar);
    let run = |name: &str, spec: Value| -> DynamicObject {
        serde_json::from_value(
            json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
            "metadata": {"name": name}, "spec": spec}),
        )
        .unwrap()
    };
    let steps = json!([
        {"name": "config", "type": "apply-object", "properties": {"value":
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-run"}, "data": {"k": "v"}}}},
        {"name": "pause", "type": "suspend", "properties": {"duration": "1s"}},
        {"name": "say", "type": "print-message-in-status", "properties": {"message": "done"}},
    ]);
    runs.create(
        &PostParams::default(),
        &run("deliver", json!({"workflowSpec": {"steps": steps}})),
    )
    .await
    .expect("create the run");
    runs.create(
        &PostParams::default(),
        &run("dangling", json!({"workflowRef": "no-such-workflow"})),
    )
    .await
    .expect("create the run");
    let status = wait::until(TIMEOUT, "the run succeeds", || async {
        let r = runs.get("deliver").await.map_err(|e| e.to_string())?;
        let status = r.data["status"].clone();
        if status["status"] == "succeeded" {
            Ok(Some(status))
        } else {
            Err(status.to_string())
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    let phases: Vec<(&str, &str)> = status["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["phase"].as_str().unwrap()))
        .collect();
    assert_eq!(
        phases,
        [
            ("config", "succeeded"),
            ("pause", "succeeded"),
            ("say", "succeeded")
        ]
    );
    let cms: Api<ConfigMap> = Api::namespaced(hub.client(), &ns);
    assert!(cms.get_opt("from-run").await.expect("read").is_some());
    let message = wait::until(TIMEOUT, "the dangling run's message", || async {
        let r = runs.get("dangling").await.map_err(|e| e.to_string())?;
        match r.data["status"]["message"].as_str() {
            Some(m) if !m.is_empty() => Ok(Some(m.to_owned())),
            _ => Err(r.data["status"].to_string()),
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    assert!(message.contains("no Workflow \"no-such-workflow\""), "{message}");
}
