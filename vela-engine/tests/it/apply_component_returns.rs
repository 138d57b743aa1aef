//! `#ApplyComponent` from CUE steps returns what KubeVela's does: the live workload as
//! `output`, the trait objects by output name as `outputs`; the step waits for the component's
//! health (`waitHealthy`), or reads it from `output.status` itself.

use std::sync::Arc;

use vela_engine::Engine;
use vela_multicluster::{Embedded, Key, Objects};
use vela_workflow::RunPhase;

use crate::support::{app, deployment, engine_with};

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

/// Applies a component with a `patch` for its workload and for its `service` output.
const PATCHED: &str = r#"
import "vela/op"

"apply-patched": {type: "workflow-step", description: "op.#ApplyComponent with a patch", attributes: {}}
template: {
	load: op.#Load
	apply: op.#ApplyComponent & {
		value: load.value[parameter.component]
		patch: {
			workload: metadata: labels: team: parameter.team
			workload: spec: template: metadata: annotations: "patched-by": "step"
			traits: service: metadata: annotations: exposed: "yes"
			traits: "not-rendered": metadata: labels: x: "y"
		}
	}
	parameter: {component: string, team: string}
}
"#;

/// Patches the workload with a value the component renders differently.
const CONFLICTING: &str = r#"
import "vela/op"

"apply-conflicting": {type: "workflow-step", description: "op.#ApplyComponent with a conflicting patch", attributes: {}}
template: {
	load: op.#Load
	apply: op.#ApplyComponent & {
		value: load.value[parameter.component]
		patch: workload: kind: "StatefulSet"
	}
	parameter: component: string
}
"#;

fn engine() -> (Engine, Arc<Embedded>) {
    engine_with(&[
        ("report.cue", REPORT),
        ("self-wait.cue", SELF_WAIT),
        ("patched.cue", PATCHED),
        ("conflicting.cue", CONFLICTING),
    ])
}

fn web_app(name: &str, step: &str) -> String {
    crate::support::app_text(
        name,
        &["{name: web, type: webservice, properties: {image: nginx}, \
           traits: [{type: expose, properties: {port: [80]}}]}"],
        &format!("[{step}]"),
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

#[tokio::test]
async fn apply_component_unifies_its_patch_into_the_workload_and_the_named_outputs() {
    let (engine, cluster) = engine();
    let text = web_app(
        "patched",
        "{name: web, type: apply-patched, properties: {component: web, team: blue}}",
    );
    engine.up(&app(&text)).await.unwrap();
    // the expose trait is PostDispatch: its Service comes once the workload is healthy
    cluster.simulate_readiness("").unwrap();
    let done = engine.reconcile("default", "patched").await.unwrap().unwrap();
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:#?}", done.status);
    let workload = cluster.get(&deployment("web")).await.unwrap().expect("applied");
    assert_eq!(workload["metadata"]["labels"]["team"], "blue", "{workload}");
    assert_eq!(
        workload["spec"]["template"]["metadata"]["annotations"]["patched-by"],
        "step"
    );
    // what the component rendered is still there
    assert_eq!(
        workload["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx"
    );
    let service = cluster
        .get(&Key {
            api_version: "v1".into(),
            kind: "Service".into(),
            ..deployment("web")
        })
        .await
        .unwrap()
        .expect("the expose trait's service");
    assert_eq!(service["metadata"]["annotations"]["exposed"], "yes", "{service}");
    assert!(service["metadata"]["labels"].get("x").is_none(), "{service}");
}

#[tokio::test]
async fn a_patch_that_conflicts_with_the_render_fails_the_step_and_applies_nothing() {
    let (engine, cluster) = engine();
    let text = web_app(
        "conflicting",
        "{name: web, type: apply-conflicting, properties: {component: web}}",
    );
    let first = engine.up(&app(&text)).await.unwrap();
    assert_ne!(first.workflow, RunPhase::Succeeded, "{:#?}", first.status);
    let step = &first.status.workflow.as_ref().unwrap().steps[0];
    assert!(
        step.message.contains("$params.patch.workload") && step.message.contains("StatefulSet"),
        "{step:?}"
    );
    assert!(cluster.get(&deployment("web")).await.unwrap().is_none());
}
