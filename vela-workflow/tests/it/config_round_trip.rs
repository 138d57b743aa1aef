//! KubeVela's config step definitions (`create-config`, `read-config`, `list-config`,
//! `delete-config`) run on an [`Objects`] store: shared by the in-memory test and the
//! real-cluster test.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};
use vela_workflow::cluster::{Key, Objects};
use vela_workflow::cue_step::{CueStep, Packages, Providers};
use vela_workflow::status::StepPhase;
use vela_workflow::step::Registry;
use vela_workflow::{Engine, RunState, Step, Workflow, http};

use crate::corpus;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn key(kind: &str, ns: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

const TEMPLATE: &str = r#"
import "encoding/base64"

template: {
	parameter: {url: string, insecure: *false | bool}
	output: {
		type: "Opaque"
		data: registry: base64.Encode(null, parameter.url)
	}
	outputs: info: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: {name: "\(context.name)-info", namespace: context.namespace}
		data: url: parameter.url
	}
}
"#;

/// Runs one step; returns its phase, message and the workflow's context variables.
async fn step(engine: &Engine, ns: &str, s: Step) -> (StepPhase, String, RunState) {
    let name = s.name.clone();
    let wf = Workflow::new(vec![s]);
    let mut state = RunState::default();
    engine
        .reconcile(&wf, &json!({"name": "app", "namespace": ns}), &mut state)
        .await
        .unwrap();
    let st = state.status.step(&name).unwrap().clone();
    (st.phase.expect("the step has a phase"), st.message, state)
}

/// Creates a plain config and one from a template in `ns` (the template in `template_ns`),
/// reads, lists and deletes them, checking the Secrets KubeVela would have written.
pub async fn run(objects: Arc<dyn Objects>, ns: &str, template_ns: &str) {
    let packages =
        Packages::from_workflow_providers(&corpus().join("providers/workflow/pkg/providers")).unwrap();
    let providers = Arc::new(Providers::standard(
        objects.clone(),
        http::Client::new(http::Config::default()).unwrap(),
    ));
    let mut r = Registry::new();
    for name in ["create-config", "read-config", "list-config", "delete-config"] {
        let src =
            std::fs::read_to_string(corpus().join(format!("definitions/workflowstep/{name}.cue"))).unwrap();
        r.register(
            name,
            CueStep::from_definition(name, &src, &packages, providers.clone()).unwrap(),
        );
    }
    let engine = Engine::new(r);
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "config-template-registry", "namespace": template_ns,
                                "labels": {"config.oam.dev/scope": "project"}},
                   "data": {"template": TEMPLATE}}),
        )
        .await
        .unwrap();

    // A plain config.
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("create", "create-config").with_properties(
            json!({"name": "db", "config": {"url": "postgres://db", "port": 5432, "auth": {"user": "u"}}}),
        ),
    )
    .await;
    assert_eq!(phase, StepPhase::Succeeded, "{message}");
    let secret = objects.get(&key("Secret", ns, "db")).await.unwrap().unwrap();
    let labels = &secret["metadata"]["labels"];
    assert_eq!(labels["config.oam.dev/catalog"], json!("velacore-config"));
    assert_eq!(labels["config.oam.dev/type"], json!(""));
    assert_eq!(
        secret["data"]["input-properties"],
        json!(b64(r#"{"auth":{"user":"u"},"port":5432,"url":"postgres://db"}"#)),
        "properties as Go's json.Marshal writes them (sorted keys)"
    );
    assert_eq!(
        secret["metadata"]["annotations"]["config.oam.dev/alias"],
        json!("")
    );

    // A config from the template (`<namespace>/<name>`): rendered Secret, labels, extra object.
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("create", "create-config").with_properties(json!({
            "name": "hub", "template": format!("{template_ns}/registry"),
            "config": {"url": "https://hub.example.com"}})),
    )
    .await;
    assert_eq!(phase, StepPhase::Succeeded, "{message}");
    let secret = objects.get(&key("Secret", ns, "hub")).await.unwrap().unwrap();
    let labels = &secret["metadata"]["labels"];
    assert_eq!(labels["config.oam.dev/type"], json!("registry"));
    assert_eq!(labels["config.oam.dev/scope"], json!("project"));
    let annotations = &secret["metadata"]["annotations"];
    assert_eq!(annotations["config.oam.dev/sensitive"], json!("false"));
    assert_eq!(
        annotations["config.oam.dev/template-namespace"],
        json!(template_ns)
    );
    assert_eq!(secret["type"], json!("Opaque"));
    assert_eq!(secret["data"]["registry"], json!(b64("https://hub.example.com")));
    let info = objects
        .get(&key("ConfigMap", ns, "hub-info"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info["data"]["url"], json!("https://hub.example.com"));

    // A template's parameter schema is enforced.
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("create", "create-config").with_properties(json!({
            "name": "bad", "template": format!("{template_ns}/registry"), "config": {"url": 1}})),
    )
    .await;
    assert_eq!(phase, StepPhase::Failed, "{message}");
    assert!(message.contains("config template"), "{message}");

    // Read, list (by template), delete.
    let (phase, message, state) = step(
        &engine,
        ns,
        Step::new("read", "read-config")
            .with_properties(json!({"name": "hub"}))
            .output("hub", "output.$returns.config"),
    )
    .await;
    assert_eq!(phase, StepPhase::Succeeded, "{message}");
    assert_eq!(state.var("hub"), Some(&json!({"url": "https://hub.example.com"})));
    let (phase, message, state) = step(
        &engine,
        ns,
        Step::new("list", "list-config")
            .with_properties(json!({"template": "registry"}))
            .output("configs", "output.$returns.configs"),
    )
    .await;
    assert_eq!(phase, StepPhase::Succeeded, "{message}");
    assert_eq!(
        state.var("configs"),
        Some(&json!([{"name": "hub", "alias": "", "description": "",
                      "config": {"url": "https://hub.example.com"}}]))
    );
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("list", "list-config").with_properties(json!({"template": ""})),
    )
    .await;
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("the request is invalid"), "{message}");
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("delete", "delete-config").with_properties(json!({"name": "hub"})),
    )
    .await;
    assert_eq!(phase, StepPhase::Succeeded, "{message}");
    assert_eq!(objects.get(&key("Secret", ns, "hub")).await.unwrap(), None);
    assert_eq!(
        objects.get(&key("ConfigMap", ns, "hub-info")).await.unwrap(),
        None,
        "outputs deleted too"
    );
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("delete", "delete-config").with_properties(json!({"name": "hub"})),
    )
    .await;
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("the config hub not found"), "{message}");
    // A Secret that is not a config is neither read as one nor deleted.
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain", "namespace": ns},
                   "data": {"k": b64("v")}}),
        )
        .await
        .unwrap();
    let (phase, message, _) = step(
        &engine,
        ns,
        Step::new("delete", "delete-config").with_properties(json!({"name": "plain"})),
    )
    .await;
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("is not a workflow config"), "{message}");
    let _: Option<Value> = None;
}
