//! `#ApplyComponent` from CUE steps returns what KubeVela's does: the live workload as
//! `output`, the trait objects by output name as `outputs`; the step waits for the component's
//! health (`waitHealthy`), or reads it from `output.status` itself.

use std::sync::Arc;

use vela_engine::Engine;
use vela_multicluster::{Embedded, Key, Objects};
use vela_workflow::RunPhase;

use crate::support::{app, engine_with};

/// `vela/oam` style: loads a component, applies it (waiting for its health), and reports the
/// applied workload's name and ready replicas and the kind of its `service` output.
const REPORT: &str = r#"
import (
	"strconv"
	"vela/oam"
	"vela/builtin"
)

"apply-and-report": {type: "workflow-step", description: "oam.#ApplyComponent and its returns", attributes: {}}
template: {
	load: oam.#LoadComponets
	apply: oam.#ApplyComponent & {
		$params: value: load.$returns.value[parameter.component]
	}
	note: builtin.#Message & {
		$params: message: "applied " + apply.$returns.output.metadata.name +
			" (" + strconv.FormatInt(apply.$returns.output.status.readyReplicas, 10) + " ready)" +
			" and a " + apply.$returns.outputs.service.kind
	}
	parameter: component: string
}
"#;

/// Legacy `vela/op` style: applies without waiting, and waits itself on the workload's
/// status in `output`.
const SELF_WAIT: &str = r#"
import "vela/op"

"apply-then-wait": {type: "workflow-step", description: "op.#ApplyComponent without waitHealthy", attributes: {}}
template: {
	load: op.#Load
	apply: op.#ApplyComponent & {
		value:       load.value[parameter.component]
		waitHealthy: false
	}
	ready: *false | bool
	if apply.output.status.readyReplicas != _|_ {
		ready: apply.output.status.readyReplicas > 0
	}
	wait: op.#ConditionalWait & {
		continue: ready
		message:  "waiting for " + apply.output.metadata.name
	}
	parameter: component: string
}
"#;

fn engine() -> (Engine, Arc<Embedded>) {
    engine_with(&[("report.cue", REPORT), ("self-wait.cue", SELF_WAIT)])
}

fn web_app(name: &str, step: &str) -> String {
    format!(
        "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: {name}, namespace: default}}
spec:
  components:
    - name: web
      type: webservice
      properties: {{image: nginx}}
      traits: [{{type: expose, properties: {{port: [80]}}}}]
  workflow:
    steps: [{step}]
"
    )
}

/// The run state kept in the ConfigMap `name` of `default`.
async fn stored_state(cluster: &Embedded, name: &str) -> vela_workflow::RunState {
    let cm = cluster
        .get(&crate::support::cm("", "default", name))
        .await
        .unwrap()
        .expect("the run state");
    vela_workflow::RunState::from_bytes(cm["data"]["state"].as_str().unwrap().as_bytes()).unwrap()
}

fn deployment(name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "default".into(),
        name: name.into(),
    }
}

#[tokio::test]
async fn apply_component_returns_the_workload_and_trait_outputs_once_healthy() {
    let (engine, cluster) = engine();
    let text = web_app(
        "reported",
        "{name: web, type: apply-and-report, properties: {component: web}, \
          outputs: [{name: workload, valueFrom: apply.$returns.output.metadata.name}]}",
    );
    // the Deployment is applied but not ready: the step waits for its health
    let first = engine.up(&app(&text)).await.unwrap();
    assert_eq!(first.workflow, RunPhase::Executing, "{:#?}", first.status);
    assert!(
        cluster.get(&deployment("web")).await.unwrap().is_some(),
        "applied"
    );
    let step = &first.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(
        step.phase,
        Some(vela_model::workflow::StepPhase::Running),
        "{step:?}"
    );
    // once the workload is ready, the step reads the returns
    cluster.simulate_readiness("").unwrap();
    let done = engine.reconcile("default", "reported").await.unwrap().unwrap();
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:#?}", done.status);
    let step = &done.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(step.message, "applied web (1 ready) and a Service");
    let state = stored_state(&cluster, "workflow-reported-context").await;
    assert_eq!(state.var("workload"), Some(&serde_json::json!("web")));
}

#[tokio::test]
async fn a_step_that_does_not_wait_for_health_reads_it_from_the_output() {
    let (engine, cluster) = engine();
    let text = web_app(
        "self-waited",
        "{name: web, type: apply-then-wait, properties: {component: web}}",
    );
    let first = engine.up(&app(&text)).await.unwrap();
    assert_eq!(first.workflow, RunPhase::Executing, "{:#?}", first.status);
    let step = &first.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(step.message, "waiting for web");
    cluster.simulate_readiness("").unwrap();
    let done = engine.reconcile("default", "self-waited").await.unwrap().unwrap();
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:#?}", done.status);
}

#[tokio::test]
async fn the_built_in_apply_component_step_outputs_the_workload_too() {
    let (engine, cluster) = engine();
    let text = web_app(
        "built-in",
        "{name: web, type: apply-component, properties: {component: web}, \
          outputs: [{name: workload, valueFrom: output.metadata.name}, \
                    {name: service, valueFrom: outputs.service.kind}]}",
    );
    engine.up(&app(&text)).await.unwrap();
    cluster.simulate_readiness("").unwrap();
    let done = engine.reconcile("default", "built-in").await.unwrap().unwrap();
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:#?}", done.status);
    let state = stored_state(&cluster, "workflow-built-in-context").await;
    assert_eq!(state.var("workload"), Some(&serde_json::json!("web")));
    assert_eq!(state.var("service"), Some(&serde_json::json!("Service")));
}
