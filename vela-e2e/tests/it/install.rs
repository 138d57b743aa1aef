//! `vela install` against a real API server ([`vela_engine::Engine::install`], which the CLI
//! runs): the CRDs are applied and established before the definitions, every definition lands
//! in the definitions namespace and decodes as vela-model's type, and a second run changes
//! nothing (the API server's defaults do not count as differences).

use std::sync::Arc;
use std::time::Duration;

use kube::Api;
use kube::api::ApiResource;
use kube::api::DynamicObject;
use vela_engine::Engine;
use vela_engine::install::{Change, Options};
use vela_model::definition::{ComponentDefinition, TraitDefinition};
use vela_multicluster::Fleet;
use vela_render::{Kind, Registry, Renderer};
use vela_test_support::cluster::Clusters;

#[tokio::test]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn install_applies_crds_then_definitions_and_a_second_run_changes_nothing() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    // the definitions go to a namespace of this test (the CRDs are the cluster's, shared)
    let ns = hub.test_namespace("install").await.expect("a namespace");
    let engine = Engine::new(
        Renderer::new(Registry::builtin()),
        Arc::new(Fleet::kube(hub.client())),
    );
    let options = Options {
        namespace: ns.name().to_owned(),
        dry_run: false,
        establish_timeout: Some(Duration::from_secs(60)),
    };

    let plan = engine
        .install(&Options {
            dry_run: true,
            ..options.clone()
        })
        .await
        .expect("dry run");
    let first = engine.install(&options).await.expect("install");
    assert_eq!(plan, first, "the dry run foretells the install");
    let registry = Registry::builtin();
    let count = |kind: Kind| registry.list().filter(|d| d.meta().kind == kind).count();
    let definitions = count(Kind::Component) + count(Kind::Trait) + count(Kind::Policy);
    // 12 CRDs, the namespace, a definition and a schema ConfigMap per native definition, and
    // 13 workflow step types (apply-remaining among them)
    assert_eq!(first.len(), 12 + 1 + 2 * definitions + 13);
    let crds = first
        .iter()
        .filter(|i| i.key.kind == "CustomResourceDefinition")
        .count();
    assert_eq!(crds, 12);
    let created: Vec<_> = first
        .iter()
        .filter(|i| i.key.kind != "CustomResourceDefinition" && i.key.kind != "Namespace")
        .filter(|i| i.change != Change::Created)
        .collect();
    assert!(
        created.is_empty(),
        "objects of a new namespace not created: {created:?}"
    );

    // every CRD is established (install waited for it)
    let crd_api: Api<
        k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    > = Api::all(hub.client());
    for i in first.iter().filter(|i| i.key.kind == "CustomResourceDefinition") {
        let crd = crd_api.get(&i.key.name).await.expect("the CRD");
        let established = crd
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        assert!(established, "{} is not established", i.key.name);
    }

    // the definitions decode as vela-model's types
    let webservice: ComponentDefinition =
        get_typed(&hub.client(), ns.name(), "ComponentDefinition", "webservice").await;
    assert_eq!(
        webservice
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("vela.oam.dev/native-definition"))
            .map(String::as_str),
        Some("true")
    );
    let scaler: TraitDefinition = get_typed(&hub.client(), ns.name(), "TraitDefinition", "scaler").await;
    assert!(
        scaler
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("definition.oam.dev/description")),
        "{:?}",
        scaler.metadata
    );

    let second = engine.install(&options).await.expect("install again");
    let changed: Vec<_> = second.iter().filter(|i| i.change != Change::Unchanged).collect();
    assert!(changed.is_empty(), "a second install changed {changed:?}");
    assert_eq!(second.len(), first.len());

    ns.delete(Some(Duration::from_secs(60)))
        .await
        .expect("clean up the namespace");
}

/// A definition object read back and decoded as vela-model's type.
async fn get_typed<T: serde::de::DeserializeOwned>(
    client: &kube::Client,
    namespace: &str,
    kind: &str,
    name: &str,
) -> T {
    let resource = ApiResource {
        group: "core.oam.dev".into(),
        version: "v1beta1".into(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: kind.into(),
        plural: format!("{}s", kind.to_lowercase()),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let obj = api
        .get(name)
        .await
        .unwrap_or_else(|e| panic!("{kind} {name}: {e}"));
    let value = serde_json::to_value(obj).expect("an object");
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{kind} {name} does not decode: {e}"))
}
