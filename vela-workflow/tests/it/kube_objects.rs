//! The kube-rs backend of `cluster::Objects` against a real API server (feature `kube`).
//! Run with the test clusters up: `eval "$(scripts/test-clusters.sh up 1)"` then
//! `cargo test -p vela-workflow --features kube --test kube_objects -- --include-ignored`.
//! Also: the `vela/config` provider storing configs as Secrets, and the `vela/http` provider
//! reading header and TLS Secrets, on the real API server.
#![cfg(feature = "kube")]

use std::sync::Arc;

use serde_json::json;
use vela_workflow::cluster::{Key, Kube, Objects};
use vela_workflow::status::RunPhase;
use vela_workflow::{Engine, RunState, Step, Workflow, http, steps};

async fn client() -> kube::Client {
    let paths = std::env::var("VELA_TEST_KUBECONFIGS")
        .expect("VELA_TEST_KUBECONFIGS names the test clusters' kubeconfigs");
    let first = std::env::split_paths(&paths)
        .next()
        .expect("at least one kubeconfig");
    let kubeconfig = kube::config::Kubeconfig::read_from(&first).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    kube::Client::try_from(config).expect("client")
}

#[tokio::test]
#[ignore = "needs a Kubernetes API server (VELA_TEST_KUBECONFIGS)"]
async fn steps_apply_and_read_real_objects() {
    let objects = Arc::new(Kube::local(client().await));
    let ns = format!("wf-{}", std::process::id());
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        )
        .await
        .unwrap();
    let engine = Engine::new(steps::builtins(
        objects.clone(),
        http::Client::new(http::Config::default()).unwrap(),
    ));
    let wf = Workflow::new(vec![
        Step::new("apply", "apply-object")
            .with_properties(json!({"value": {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg"}, "data": {"color": "blue"}}})),
        Step::new("read", "read-object")
            .with_properties(json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "namespace": ns}))
            .output("color", "output.value.data.color"),
        Step::new("export", "export2config")
            .input("color", "data.favourite")
            .with_properties(json!({"configName": "out", "data": {}})),
    ]);
    let mut state = RunState::default();
    let out = engine
        .reconcile(&wf, &json!({"name": "app", "namespace": ns}), &mut state)
        .await
        .unwrap();
    assert_eq!(out.phase, RunPhase::Succeeded, "{:#?}", state.status);
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: ns.clone(),
        name: "out".into(),
    };
    let cm = objects.get(&key).await.unwrap().expect("exported ConfigMap");
    assert_eq!(cm["data"]["favourite"], "blue");
    assert_eq!(cm["metadata"]["managedFields"][0]["manager"], "vela");
    assert!(objects.delete(&key).await.unwrap());
    assert!(objects.get(&key).await.unwrap().is_none());
    let ns_key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        name: ns,
    };
    objects.delete(&ns_key).await.unwrap();
}

#[tokio::test]
#[ignore = "needs a Kubernetes API server (VELA_TEST_KUBECONFIGS)"]
async fn run_state_survives_in_a_configmap() {
    use vela_workflow::store::{ConfigMaps, Store};
    let c = client().await;
    let ns = format!("wf-store-{}", std::process::id());
    let objects = std::sync::Arc::new(Kube::local(c.clone()));
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        )
        .await
        .unwrap();
    let store = ConfigMaps::new(objects.clone(), "", &ns, "workflow-");
    assert!(store.load("app/Main").await.unwrap().is_none());
    let mut state = RunState::default();
    state.set_var("out", json!({"a": 1}));
    store.save("app/Main", &state).await.unwrap();
    store.save("app/Main", &state).await.unwrap();
    assert_eq!(store.load("app/Main").await.unwrap(), Some(state));
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: ns.clone(),
        name: "workflow-app-main".into(),
    };
    assert!(objects.get(&key).await.unwrap().is_some());
    store.delete("app/Main").await.unwrap();
    assert!(store.load("app/Main").await.unwrap().is_none());
    let ns_key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        name: ns,
    };
    objects.delete(&ns_key).await.unwrap();
}

#[cfg(all(feature = "cue", feature = "tls"))]
use crate::{config_round_trip, loopback};

#[cfg(all(feature = "cue", feature = "tls"))]
async fn namespace(objects: &Kube, name: &str) -> Key {
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        )
        .await
        .unwrap();
    Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        name: name.into(),
    }
}

#[cfg(all(feature = "cue", feature = "tls"))]
#[tokio::test]
#[ignore = "needs a Kubernetes API server (VELA_TEST_KUBECONFIGS)"]
async fn config_provider_stores_configs_as_real_secrets() {
    let objects = Arc::new(Kube::local(client().await));
    let ns = format!("wf-config-{}", std::process::id());
    let templates = format!("wf-config-templates-{}", std::process::id());
    let ns_key = namespace(&objects, &ns).await;
    let templates_key = namespace(&objects, &templates).await;
    config_round_trip::run(objects.clone(), &ns, &templates).await;
    objects.delete(&ns_key).await.unwrap();
    objects.delete(&templates_key).await.unwrap();
}

#[cfg(all(feature = "cue", feature = "tls"))]
#[tokio::test]
#[ignore = "needs a Kubernetes API server (VELA_TEST_KUBECONFIGS)"]
async fn http_provider_reads_header_and_tls_secrets_from_the_cluster() {
    use vela_workflow::cue_step::{CueStep, Packages, Providers};
    use vela_workflow::status::StepPhase;
    use vela_workflow::step::Registry;

    let objects = Arc::new(Kube::local(client().await));
    let ns = format!("wf-http-{}", std::process::id());
    let ns_key = namespace(&objects, &ns).await;
    let pki = loopback::pki();
    let (base, log) = loopback::mtls_server(&pki).await;
    let b64 = loopback::b64;
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mtls", "namespace": ns},
                   "data": {"ca.crt": b64(&b64(&pki.ca)), "client.crt": b64(&b64(&pki.client_cert)),
                            "client.key": b64(&b64(&pki.client_key)), "token": b64("Bearer t0k3n")}}),
        )
        .await
        .unwrap();
    let dir = crate::corpus();
    let packages = Packages::from_workflow_providers(&dir.join("providers/workflow/pkg/providers")).unwrap();
    let http = http::Client::new(http::Config::default().allowing(["127.0.0.1"])).unwrap();
    let providers = Arc::new(Providers::standard(objects.clone(), http));
    let template = "import \"vela/http\"\ndo: http.#HTTPDo & {$params: parameter}\nparameter: {...}\n";
    let mut r = Registry::new();
    r.register(
        "http-do",
        CueStep::from_template("http-do", template, &packages, providers).unwrap(),
    );
    let wf = Workflow::new(vec![
        Step::new("call", "http-do")
            .with_properties(json!({"url": format!("{base}/secure"), "tls_config": {"secret": "mtls"},
                "request": {"headersFromSecret": [{"header": "Authorization", "secret": "mtls", "key": "token"}]}}))
            .output("body", "do.$returns.body"),
    ]);
    let mut state = RunState::default();
    Engine::new(r)
        .reconcile(&wf, &json!({"name": "app", "namespace": ns}), &mut state)
        .await
        .unwrap();
    assert_eq!(
        state.status.step("call").unwrap().phase,
        Some(StepPhase::Succeeded),
        "{:#?}",
        state.status
    );
    assert_eq!(state.var("body"), Some(&json!("{\"mutual\":true}")));
    assert_eq!(
        log.lock().unwrap()[0].header("authorization"),
        Some("Bearer t0k3n")
    );
    objects.delete(&ns_key).await.unwrap();
}
