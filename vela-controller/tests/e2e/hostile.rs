//! Hostile input: Applications built to hurt the controller each end as a clear status on
//! that Application, while the controller keeps delivering the others.

use std::time::Instant;

use kube::Api;
use kube::api::{DynamicObject, PostParams};
use serde_json::{Value, json};
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;

use crate::support::*;

/// Definitions stored for the test: a comprehension bomb (10^8 iterations), a structural
/// cycle, an object rendered into another namespace, and a tiny ConfigMap.
const DEFINITIONS: &[(&str, &str)] = &[
    (
        "bomb",
        "import \"list\"\n\nr: list.Range(0, 10000, 1)\nx: [for a in r for b in r {}]\n\
         output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: n: \"\\(len(x))\"}\nparameter: {}\n",
    ),
    (
        "cycle",
        "#L: {next: #L}\nx: #L\noutput: {apiVersion: \"v1\", kind: \"ConfigMap\", data: x}\nparameter: {}\n",
    ),
    (
        "spill",
        "output: {apiVersion: \"v1\", kind: \"ConfigMap\", metadata: namespace: \"kube-system\", data: k: \"v\"}\nparameter: {}\n",
    ),
];

async fn store_definitions(api: &Api<DynamicObject>) {
    for (name, template) in DEFINITIONS {
        let def: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "ComponentDefinition",
            "metadata": {"name": name},
            "spec": {"status": {"healthPolicy": "isHealth: true"}, "schematic": {"cue": {"template": template}}},
        }))
        .unwrap();
        api.create(&PostParams::default(), &def)
            .await
            .expect("store a definition");
    }
}

/// The first condition's type and message, or the first failed step's message.
fn failure(status: &Value) -> Option<(String, String)> {
    if let Some(c) = status["conditions"].as_array().and_then(|c| c.first()) {
        return Some((c["type"].as_str()?.to_owned(), c["message"].as_str()?.to_owned()));
    }
    let steps = status["workflow"]["steps"].as_array()?;
    steps.iter().find_map(|s| {
        let message = s["message"].as_str().filter(|m| !m.is_empty())?;
        (s["phase"] == "failed" || message.contains("forbidden"))
            .then(|| ("Workflow".to_owned(), message.to_owned()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn hostile_applications_end_as_conditions_while_the_others_are_delivered() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-hostile").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    store_definitions(&component_definitions(hub, &ns)).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &["--system-definition-namespace", &ns]);
    controller.ready().await;
    let api = apps(hub, &ns);

    // before the attack: how long a good application takes to run
    let started = Instant::now();
    api.create(
        &PostParams::default(),
        &application("before", &[worker("before-jobs")], json!({})),
    )
    .await
    .expect("create");
    status_until(&api, "before", "before running", running_at(1)).await;
    let calm = started.elapsed();

    let hostile: Vec<(&str, Value, &str, &str)> = vec![
        (
            "bad-props",
            json!({"name": "c", "type": "webservice", "properties": {"image": 42}}),
            "Workflow",
            "properties.image: expected string, got integer",
        ),
        (
            "unknown-type",
            json!({"name": "c", "type": "no-such-type"}),
            "Render",
            "no-such-type",
        ),
        ("bomb", json!({"name": "c", "type": "bomb"}), "Workflow", "limit"),
        (
            "cycle",
            json!({"name": "c", "type": "cycle"}),
            "Workflow",
            "structural cycle",
        ),
        (
            "spill",
            json!({"name": "c", "type": "spill"}),
            "Workflow",
            "forbidden resource: ConfigMap kube-system/c",
        ),
    ];
    for (name, component, _, _) in &hostile {
        api.create(
            &PostParams::default(),
            &application(name, std::slice::from_ref(component), json!({})),
        )
        .await
        .expect("create a hostile application");
    }
    // 5,000 components (about 400 KB of Application): over the controller's default limit
    let many: Vec<Value> = (0..5_000)
        .map(|i| json!({"name": format!("c{i}"), "type": "worker", "properties": {"image": "busybox"}}))
        .collect();
    api.create(&PostParams::default(), &application("huge", &many, json!({})))
        .await
        .expect("create the 5,000-component application");
    // during the attack: a good application still runs
    let started = Instant::now();
    api.create(
        &PostParams::default(),
        &application("during", &[worker("during-jobs")], json!({})),
    )
    .await
    .expect("create");
    status_until(&api, "during", "during running", running_at(1)).await;
    let attacked = started.elapsed();

    for (name, _, kind, text) in &hostile {
        let status = status_until(&api, name, &format!("{name} reports its failure"), |s| {
            failure(s).is_some()
        })
        .await;
        let (got_kind, message) = failure(&status).unwrap();
        assert_eq!(&got_kind, kind, "{name}: {message}");
        assert!(message.contains(text), "{name}: {message}");
        assert_ne!(status["status"], "running", "{name}");
    }
    let status = status_until(&api, "huge", "huge reports its size", |s| failure(s).is_some()).await;
    let (kind, message) = failure(&status).unwrap();
    assert_eq!(kind, "Parsed", "{message}");
    assert!(
        message.contains("spec.components: 5000 components, more than the 1000 this controller accepts"),
        "{message}"
    );
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(
        deployments.get_opt("c0").await.expect("read").is_none(),
        "huge was delivered"
    );
    let kube_system: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(hub.client(), "kube-system");
    assert!(
        kube_system.get_opt("c").await.expect("read").is_none(),
        "spill wrote into kube-system"
    );
    assert_eq!(controller.get("/healthz").await.map(|(c, _)| c), Some(200));
    eprintln!("a good application reached running in {calm:?} before the attack, {attacked:?} during it");
}
