//! CUE WorkflowStepDefinitions run by the engine, with Vela-rs's own provider packages: a
//! step in the `vela/kube` + `vela/builtin` style, one in the legacy `vela/op` style, one that
//! waits on a condition, one whose template does not compile, and a WorkflowRun's step.

use std::sync::Arc;

use serde_json::json;
use vela_engine::Engine;
use vela_model::application::Phase;
use vela_multicluster::{Embedded, Objects};
use vela_workflow::RunPhase;

use crate::support::{cm, deployment, engine_with, settle};

/// Writes a ConfigMap with the parameter's greeting, reads it back, and outputs what it read.
const GREET: &str = r#"
import (
	"vela/kube"
	"vela/builtin"
)

"greet": {type: "workflow-step", description: "Writes and reads back a greeting", attributes: {}}
template: {
	write: kube.#Apply & {
		$params: value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: context.name + "-greeting"
			data: greeting: parameter.greeting
		}
	}
	read: kube.#Read & {
		$params: value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: {name: write.$returns.value.metadata.name, namespace: context.namespace}
		}
	}
	note: builtin.#Message & {
		$params: message: "read back " + read.$returns.value.data.greeting
	}
	parameter: greeting: string
}
"#;

/// The same in KubeVela's legacy `vela/op` style, waiting until a second ConfigMap exists.
const LEGACY: &str = r#"
import "vela/op"

"legacy-greet": {type: "workflow-step", description: "vela/op style", attributes: {}}
template: {
	apply: op.#Apply & {
		value: {
			apiVersion: "v1"
			kind:       "ConfigMap"
			metadata: name: "legacy-" + parameter.who
			data: who: parameter.who
		}
	}
	gate: op.#List & {
		resource: {apiVersion: "v1", kind: "ConfigMap"}
		filter: {namespace: context.namespace, matchingLabels: {gate: "open"}}
	}
	wait: op.#ConditionalWait & {
		continue: len(gate.list.items) > 0
		message:  "waiting for a ConfigMap labelled gate=open"
	}
	parameter: who: string
}
"#;

/// A step whose template names what Vela-rs's packages do not have.
const BROKEN: &str = r#"
import "vela/op"

"deploy-everything": {type: "workflow-step", description: "uses op.#ApplyEnvBindApp", attributes: {}}
template: {
	deploy: op.#ApplyEnvBindApp & {}
	parameter: {}
}
"#;

/// KubeVela's application providers from a step: every component loaded and applied, the
/// clusters listed.
const APPLY_ALL: &str = r#"
import (
	"strings"
	"vela/op"
)

"apply-all": {type: "workflow-step", description: "op.#Load and op.#ApplyComponent", attributes: {}}
template: {
	load: op.#Load
	apply: op.#Steps & {
		for name, c in load.value {
			"\(name)": op.#ApplyComponent & {value: c}
		}
	}
	clusters: op.#ListClusters
	note: op.#Message & {message: "clusters: " + strings.Join(clusters.outputs.clusters, ",")}
	parameter: {}
}
"#;

/// `oam.#ApplyApplicationInParallel`, the `vela/oam` form of KubeVela's composite.
const APPLY_IN_PARALLEL: &str = r#"
import "vela/oam"

"apply-in-parallel": {type: "workflow-step", description: "oam.#ApplyApplicationInParallel", attributes: {}}
template: {
	app: oam.#ApplyApplicationInParallel
	parameter: {}
}
"#;

/// KubeVela's own WorkflowStepDefinition `name` (`definitions-cr/<name>.yaml` of the corpus,
/// generated from its CUE) in the CUE form `engine_with` reads: its template unchanged.
fn kubevela_step(name: &str) -> String {
    let dir = std::env::var_os("VELA_CONFORMANCE_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela"),
        std::path::PathBuf::from,
    );
    let path = dir.join("definitions-cr").join(format!("{name}.yaml"));
    let cr = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", path.display()));
    let template: Vec<&str> = cr
        .split_once("      template: |\n")
        .unwrap_or_else(|| panic!("{name}: no template"))
        .1
        .lines()
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .collect();
    let end = template.iter().position(|l| *l == ")").expect("an import block");
    format!(
        "{}\n\"{name}\": {{type: \"workflow-step\", description: \"KubeVela's\", attributes: {{}}}}\n\
         template: {{\n{}\n}}\n",
        template[..=end].join("\n"),
        template[end + 1..].join("\n")
    )
}

/// `op.#Deploy` with a policy written in the step.
const DEPLOY_INLINE: &str = r#"
import "vela/op"

"deploy-staging": {type: "workflow-step", description: "op.#Deploy with inlinePolicies", attributes: {}}
template: {
	deploy: op.#Deploy & {
		policies: []
		parallelism: 2
		inlinePolicies: [{type: "topology", name: "staging", properties: {clusters: ["local"], namespace: parameter.namespace}}]
	}
	parameter: namespace: string
}
"#;

fn engine() -> (Engine, Arc<Embedded>) {
    let apply_application = kubevela_step("apply-application");
    let apply_application_in_parallel = kubevela_step("apply-application-in-parallel");
    engine_with(&[
        ("apply-application.cue", &apply_application),
        (
            "apply-application-in-parallel.cue",
            &apply_application_in_parallel,
        ),
        ("greet.cue", GREET),
        ("legacy.cue", LEGACY),
        ("broken.cue", BROKEN),
        ("apply-all.cue", APPLY_ALL),
        ("apply-in-parallel.cue", APPLY_IN_PARALLEL),
        ("deploy-staging.cue", DEPLOY_INLINE),
    ])
}

fn with_steps(name: &str, steps: &str) -> String {
    crate::support::app_text(name, &["{name: cfg, type: plain-config}"], steps)
}

#[tokio::test]
async fn a_cue_step_applies_reads_and_reports_through_the_standard_providers() {
    let (engine, cluster) = engine();
    let text = with_steps(
        "hello",
        "[{name: greet, type: greet, properties: {greeting: hi}, outputs: [{name: said, valueFrom: note.$params.message}]},\
          {name: cfg, type: apply-component, properties: {component: cfg}}]",
    );
    let delivered = settle(&engine, &cluster, &text).await;
    assert_eq!(
        delivered.status.phase,
        Some(Phase::Running),
        "{:#?}",
        delivered.status
    );
    let greeting = cluster
        .get(&cm("", "default", "hello-greeting"))
        .await
        .unwrap()
        .expect("the step's ConfigMap");
    assert_eq!(greeting["data"], json!({"greeting": "hi"}));
    let steps = &delivered.status.workflow.as_ref().unwrap().steps;
    assert_eq!(steps[0].name, "greet");
    assert_eq!(steps[0].message, "read back hi");
    assert!(
        cluster.get(&cm("", "default", "cfg")).await.unwrap().is_some(),
        "the next step ran"
    );
}

#[tokio::test]
async fn a_legacy_op_step_waits_until_its_condition_holds() {
    let (engine, cluster) = engine();
    let text = with_steps(
        "gated",
        "[{name: greet, type: legacy-greet, properties: {who: ann}}]",
    );
    let waiting = engine.up(&crate::support::app(&text)).await.unwrap();
    assert_eq!(waiting.workflow, RunPhase::Executing, "{:#?}", waiting.status);
    let step = &waiting.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(step.message, "waiting for a ConfigMap labelled gate=open");
    assert_eq!(
        cluster
            .get(&cm("", "default", "legacy-ann"))
            .await
            .unwrap()
            .expect("applied")["data"],
        json!({"who": "ann"})
    );
    cluster
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "opener", "namespace": "default", "labels": {"gate": "open"}}}),
        )
        .await
        .unwrap();
    let open = engine.reconcile("default", "gated").await.unwrap().unwrap();
    assert_eq!(open.workflow, RunPhase::Succeeded, "{:#?}", open.status);
}

#[tokio::test]
async fn a_step_whose_template_does_not_compile_fails_with_the_reason() {
    let (engine, _cluster) = engine();
    let text = with_steps("broken", "[{name: all, type: deploy-everything}]");
    let mut delivered = engine.up(&crate::support::app(&text)).await.unwrap();
    // an evaluation error is retried (reason Execute), then fails the workflow
    for _ in 0..12 {
        if delivered.status.phase == Some(Phase::WorkflowFailed) {
            break;
        }
        delivered = engine.reconcile("default", "broken").await.unwrap().unwrap();
    }
    assert_eq!(
        delivered.status.phase,
        Some(Phase::WorkflowFailed),
        "{:#?}",
        delivered.status
    );
    let step = &delivered.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(
        (step.message.as_str(), step.reason.as_str()),
        (
            "evaluate deploy: deploy-everything.cue:3:12: deploy: undefined field: #ApplyEnvBindApp",
            "FailedAfterRetries"
        )
    );
}

#[tokio::test]
async fn a_workflow_run_runs_a_cue_step() {
    let (engine, cluster) = engine();
    cluster
        .apply(
            "",
            json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                "metadata": {"name": "run", "namespace": "default"},
                "spec": {"workflowSpec": {"steps": [
                    {"name": "greet", "type": "greet", "properties": {"greeting": "yo"}}]}}}),
        )
        .await
        .unwrap();
    let pass = engine.reconcile_run("default", "run").await.unwrap().unwrap();
    assert_eq!(pass.phase, RunPhase::Succeeded);
    let greeting = cluster
        .get(&cm("", "default", "run-greeting"))
        .await
        .unwrap()
        .expect("applied");
    assert_eq!(greeting["data"]["greeting"], "yo");
}

#[tokio::test]
async fn a_step_loads_and_applies_every_component_and_lists_the_clusters() {
    let (engine, cluster) = engine();
    let text = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: both, namespace: default}
spec:
  components:
    - {name: first, type: plain-config}
    - {name: second, type: plain-config}
  workflow:
    steps: [{name: all, type: apply-all}]
";
    let delivered = settle(&engine, &cluster, text).await;
    assert_eq!(
        delivered.status.phase,
        Some(Phase::Running),
        "{:#?}",
        delivered.status
    );
    for name in ["first", "second"] {
        let cm = cluster.get(&cm("", "default", name)).await.unwrap();
        assert_eq!(cm.expect(name)["data"], json!({"cluster": "local"}));
    }
    let step = &delivered.status.workflow.as_ref().unwrap().steps[0];
    assert_eq!(step.message, "clusters: local");
    // what the step applied is the application's: tracked, and collected with it
    engine.delete("default", "both", false).await.unwrap();
    assert!(cluster.get(&cm("", "default", "first")).await.unwrap().is_none());
    assert!(cluster.get(&cm("", "default", "second")).await.unwrap().is_none());
}

#[tokio::test]
async fn op_deploy_places_the_components_by_an_inline_policy() {
    let (engine, cluster) = engine();
    let text = with_steps(
        "staged",
        "[{name: stage, type: deploy-staging, properties: {namespace: staging}}]",
    );
    let delivered = settle(&engine, &cluster, &text).await;
    assert_eq!(
        delivered.status.phase,
        Some(Phase::Running),
        "{:#?}",
        delivered.status
    );
    assert!(
        cluster.get(&cm("", "staging", "cfg")).await.unwrap().is_some(),
        "delivered to staging"
    );
    assert!(cluster.get(&cm("", "default", "cfg")).await.unwrap().is_none());
}

#[tokio::test]
async fn a_workflow_run_has_no_application_providers() {
    let (engine, cluster) = engine();
    cluster
        .apply(
            "",
            json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                "metadata": {"name": "lonely", "namespace": "default"},
                "spec": {"workflowSpec": {"steps": [{"name": "all", "type": "apply-all"}]}}}),
        )
        .await
        .unwrap();
    let key = vela_multicluster::Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1alpha1".into(),
        kind: "WorkflowRun".into(),
        namespace: "default".into(),
        name: "lonely".into(),
    };
    let mut phase = RunPhase::Executing;
    for _ in 0..12 {
        phase = engine
            .reconcile_run("default", "lonely")
            .await
            .unwrap()
            .unwrap()
            .phase;
        if phase.is_terminal() {
            break;
        }
    }
    assert_eq!(phase, RunPhase::Failed);
    let run = cluster.get(&key).await.unwrap().unwrap();
    assert_eq!(
        run["status"]["steps"][0]["message"],
        "load: no provider \"op\" for action \"load\""
    );
}

#[tokio::test]
async fn the_health_of_what_a_cue_step_applied_is_evaluated_again_after_success() {
    let (engine, cluster) = engine();
    let text = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: watched, namespace: default}
spec:
  components:
    - {name: web, type: webservice, properties: {image: nginx:1.27}}
  workflow:
    steps: [{name: all, type: apply-all}]
";
    let delivered = settle(&engine, &cluster, text).await;
    assert_eq!(
        delivered.status.phase,
        Some(Phase::Running),
        "{:#?}",
        delivered.status
    );
    let web = |d: &vela_engine::Delivered| {
        d.status
            .services
            .iter()
            .find(|s| s.name == "web")
            .map(|s| (s.healthy, s.cluster.clone(), s.namespace.clone()))
    };
    assert_eq!(web(&delivered), Some((true, "local".into(), "default".into())));
    // the Deployment loses its ready replicas: the next pass reports it, although no step runs
    let deployment = vela_multicluster::Key {
        cluster: String::new(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "default".into(),
        name: "web".into(),
    };
    cluster
        .set_status(
            &deployment,
            json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 0}),
        )
        .await
        .unwrap()
        .expect("the Deployment");
    let after = engine.reconcile("default", "watched").await.unwrap().unwrap();
    assert_eq!(after.workflow, RunPhase::Succeeded);
    assert_eq!(web(&after), Some((false, "local".into(), "default".into())));
    assert_ne!(after.status.phase, Some(Phase::Running), "{:#?}", after.status);
    // ready again: healthy again
    cluster.simulate_readiness("").unwrap();
    let healed = engine.reconcile("default", "watched").await.unwrap().unwrap();
    assert_eq!(web(&healed), Some((true, "local".into(), "default".into())));
    assert_eq!(healed.status.phase, Some(Phase::Running));
}

fn two_workers(name: &str, step: &str) -> String {
    crate::support::app_text(
        name,
        &[
            &format!("{{name: {name}-a, type: worker, properties: {{image: busybox}}}}"),
            &format!("{{name: {name}-b, type: worker, properties: {{image: busybox}}}}"),
        ],
        &format!("[{{name: all, type: {step}}}]"),
    )
}

/// KubeVela's own `apply-application` step (`op.#ApplyApplication`), unchanged.
#[tokio::test]
async fn kubevela_s_apply_application_applies_every_component_in_order_each_once_healthy() {
    let (engine, cluster) = engine();
    let text = two_workers("ordered", "apply-application");
    let first = engine.up(&crate::support::app(&text)).await.unwrap();
    assert_eq!(first.workflow, RunPhase::Executing, "{:#?}", first.status);
    // the first component waits for its health: the second is not applied yet
    assert!(cluster.get(&deployment("ordered-a")).await.unwrap().is_some());
    assert!(cluster.get(&deployment("ordered-b")).await.unwrap().is_none());
    cluster.simulate_readiness("").unwrap();
    engine.reconcile("default", "ordered").await.unwrap().unwrap();
    assert!(cluster.get(&deployment("ordered-b")).await.unwrap().is_some());
    cluster.simulate_readiness("").unwrap();
    let done = engine.reconcile("default", "ordered").await.unwrap().unwrap();
    assert_eq!(done.workflow, RunPhase::Succeeded, "{:#?}", done.status);
    // tracked as the application's: collected with it
    engine.delete("default", "ordered", false).await.unwrap();
    assert!(cluster.get(&deployment("ordered-a")).await.unwrap().is_none());
    assert!(cluster.get(&deployment("ordered-b")).await.unwrap().is_none());
}

/// KubeVela's own `apply-application-in-parallel` step (the legacy `op` form), and the
/// `vela/oam` form: every component at once, without waiting for health.
#[tokio::test]
async fn apply_application_in_parallel_applies_every_component_at_once_without_waiting() {
    let (engine, cluster) = engine();
    for (app, step) in [
        ("parallel", "apply-application-in-parallel"),
        ("oam", "apply-in-parallel"),
    ] {
        let done = engine
            .up(&crate::support::app(&two_workers(app, step)))
            .await
            .unwrap();
        assert_eq!(done.workflow, RunPhase::Succeeded, "{step}: {:#?}", done.status);
        for name in [format!("{app}-a"), format!("{app}-b")] {
            assert!(cluster.get(&deployment(&name)).await.unwrap().is_some(), "{name}");
        }
    }
}
