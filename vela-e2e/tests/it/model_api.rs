//! vela-model against a real API server with the project's CRDs: every KubeVela definition CR
//! and every corpus Application, built from vela-model types, is created with strict
//! server-side field validation (`POST ...?fieldValidation=Strict`), read back and deserialized
//! into vela-model types equal to what was sent. The corpus Applications are also created
//! exactly as written, where the API server must reject exactly the documents vela-model's
//! strict mode rejects.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use vela_e2e::corpus;
use vela_model::application::Application;
use vela_model::common::ObjectMeta;
use vela_model::definition::{
    ComponentDefinition, PolicyDefinition, TraitDefinition, WorkflowStepDefinition, WorkloadDefinition,
};
use vela_model::parse::{self, Document, Mode};
use vela_test_support::cluster::Cluster;
use vela_test_support::cluster::Clusters;
use vela_test_support::manifests;
use vela_test_support::namespace::TestNamespace;

const TIMEOUT: Duration = Duration::from_secs(60);
const MANAGER: &str = "vela-e2e-model";

/// Corpus Applications the API server rejects when created as written, with the server's
/// reason: their `outputs: [{fromKey: .., name: ..}]` uses `fromKey`, which is no output field
/// (and the required `valueFrom` is missing). vela-model ignores `fromKey` in lenient mode, so
/// the typed form of these documents is accepted.
const REJECTED_AS_WRITTEN: &[(&str, &str)] = &[
    (
        "def-doc/workflowstep/create-config.eg.md#block1@doc1",
        r#"unknown field "spec.workflow.steps[1].outputs[0].fromKey""#,
    ),
    (
        "def-doc/workflowstep/read-config.eg.md#block1@doc1",
        r#"unknown field "spec.workflow.steps[0].outputs[0].fromKey""#,
    ),
];

async fn install_crds(cluster: &Cluster) {
    let dir = vela_e2e::crds_dir();
    let files = manifests::yaml_files(&dir).unwrap_or_else(|e| panic!("CRDs in {}: {e:?}", dir.display()));
    let crds = manifests::read_crds(&files).expect("reading the project's CRDs");
    manifests::install_crds(&cluster.client(), &crds, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("installing CRDs into {}: {e:?}", cluster.name()));
}

/// Creates `body` (any serializable form of a `K`) in namespace `ns` with strict field
/// validation: the server rejects unknown and duplicate fields instead of dropping them.
async fn create_strict<K>(
    client: &Client,
    dt: &K::DynamicType,
    ns: &str,
    body: &impl Serialize,
) -> Result<K, kube::Error>
where
    K: Resource + DeserializeOwned,
{
    let body = serde_json::to_vec(body).map_err(kube::Error::SerdeError)?;
    let mut req = kube::core::Request::new(K::url_path(dt, Some(ns)))
        .create(
            &PostParams {
                field_manager: Some(MANAGER.into()),
                ..PostParams::default()
            },
            body,
        )
        .map_err(kube::Error::BuildRequest)?;
    let uri = format!("{}&fieldValidation=Strict", req.uri());
    *req.uri_mut() = uri.parse().expect("a valid URI");
    client.request::<K>(req).await
}

/// The parts of an object's metadata that are ours, not the server's.
#[derive(Debug, PartialEq)]
struct OwnMetadata {
    name: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
}

fn own_metadata(m: &ObjectMeta) -> OwnMetadata {
    OwnMetadata {
        name: m.name.clone(),
        labels: m.labels.clone(),
        annotations: m.annotations.clone(),
    }
}

/// Places an object in namespace `ns`, renamed to `name` when given.
fn place(meta: &mut ObjectMeta, ns: &str, name: Option<String>) {
    meta.namespace = Some(ns.to_string());
    if let Some(name) = name {
        meta.name = Some(name);
    }
}

/// Creates a typed object with strict field validation and reads it back typed.
async fn create_typed<K>(client: &Client, ns: &str, obj: &K) -> Result<K, String>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Serialize + DeserializeOwned + Clone + Debug,
    <K as Resource>::DynamicType: Default,
{
    let name = obj.meta().name.clone().unwrap_or_default();
    create_strict::<K>(client, &Default::default(), ns, obj)
        .await
        .map_err(|e| format!("create: {e}"))?;
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    api.get(&name).await.map_err(|e| format!("read back: {e}"))
}

/// Applies a definition and checks that it reads back with the same spec and metadata.
async fn roundtrip_definition<K, S>(
    client: &Client,
    ns: &TestNamespace,
    mut def: K,
    spec: fn(&K) -> &S,
) -> Result<(), String>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Serialize + DeserializeOwned + Clone + Debug,
    <K as Resource>::DynamicType: Default,
    S: PartialEq + Debug,
{
    place(def.meta_mut(), ns.name(), None);
    let back = create_typed(client, ns.name(), &def).await?;
    if spec(&back) != spec(&def) {
        return Err(format!(
            "spec differs:\n  sent: {:?}\n  read: {:?}",
            spec(&def),
            spec(&back)
        ));
    }
    if own_metadata(back.meta()) != own_metadata(def.meta()) {
        return Err(format!(
            "metadata differs:\n  sent: {:?}\n  read: {:?}",
            own_metadata(def.meta()),
            own_metadata(back.meta())
        ));
    }
    Ok(())
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn every_kubevela_definition_cr_is_accepted_strictly_and_reads_back_equal() {
    let clusters = Clusters::at_least(1).await.expect("test clusters");
    let hub = clusters.hub();
    install_crds(hub).await;
    let ns = hub.test_namespace("model-defs").await.unwrap();
    let client = hub.client();

    let files = corpus::definition_crs(&vela_e2e::conformance_dir()).expect("corpus");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in &files {
        let docs = parse::documents_with(&file.text, Mode::Strict)
            .unwrap_or_else(|e| panic!("{}: vela-model cannot parse it: {e}", file.source));
        for doc in docs {
            let kind = doc.kind().to_string();
            let result = match doc {
                Document::ComponentDefinition(d) => roundtrip_definition(&client, &ns, *d, |d| &d.spec).await,
                Document::TraitDefinition(d) => roundtrip_definition(&client, &ns, *d, |d| &d.spec).await,
                Document::PolicyDefinition(d) => roundtrip_definition(&client, &ns, *d, |d| &d.spec).await,
                Document::WorkflowStepDefinition(d) => {
                    roundtrip_definition(&client, &ns, *d, |d| &d.spec).await
                }
                Document::WorkloadDefinition(d) => roundtrip_definition(&client, &ns, *d, |d| &d.spec).await,
                other => Err(format!("unexpected kind {}", other.kind())),
            };
            *counts.entry(kind.clone()).or_default() += 1;
            if let Err(e) = result {
                failures.push(format!("{} ({kind}): {e}", file.source));
            }
        }
    }
    let total: usize = counts.values().sum();
    println!(
        "definition CRs sent: {total} from {} files {counts:?}",
        files.len()
    );
    assert_eq!(files.len(), 91, "KubeVela ships 91 built-in definition files");
    assert!(
        failures.is_empty(),
        "rejected or changed:\n{}",
        failures.join("\n")
    );
    // The server holds them all, and they list as vela-model types.
    let listed = ns
        .api::<ComponentDefinition>()
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), counts["ComponentDefinition"]);
    let traits = ns
        .api::<TraitDefinition>()
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(traits.items.len(), counts["TraitDefinition"]);
    let policies = ns
        .api::<PolicyDefinition>()
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(policies.items.len(), counts["PolicyDefinition"]);
    let steps = ns
        .api::<WorkflowStepDefinition>()
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(steps.items.len(), counts["WorkflowStepDefinition"]);
    let workloads = ns
        .api::<WorkloadDefinition>()
        .list(&Default::default())
        .await
        .unwrap();
    assert_eq!(
        workloads.items.len(),
        counts.get("WorkloadDefinition").copied().unwrap_or(0)
    );
}

fn application_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("core.oam.dev", "v1beta1", "Application"),
        "applications",
    )
}

#[tokio::test]
#[ignore = "needs test clusters: scripts/test-clusters.sh up 3"]
async fn every_corpus_application_is_accepted_strictly_and_reads_back_equal() {
    let clusters = Clusters::at_least(1).await.expect("test clusters");
    let hub = clusters.hub();
    install_crds(hub).await;
    let ns = hub.test_namespace("model-apps").await.unwrap();
    let client = hub.client();
    let typed_api = ns.api::<Application>();
    let app_resource = application_resource();

    let docs = corpus::applications(&vela_e2e::conformance_dir()).expect("corpus");
    let mut parsed = 0;
    let mut typed_failures = Vec::new();
    let mut rejected_as_written: BTreeMap<String, String> = BTreeMap::new();
    let mut strict_model_rejects = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        // Documents vela-model cannot parse are not YAML (listed by vela-model's corpus test).
        let Ok(mut app) = parse::application(&doc.text) else {
            continue;
        };
        parsed += 1;
        let name = format!("typed-{i}");
        place(&mut app.metadata, ns.name(), Some(name));
        app.status = None;
        match create_typed(&client, ns.name(), &app).await {
            Ok(back)
                if back.spec == app.spec && own_metadata(&back.metadata) == own_metadata(&app.metadata) => {}
            Ok(back) => typed_failures.push(format!(
                "{}: read back differently\n  sent: {:?}\n  read: {:?}",
                doc.source, app.spec, back.spec
            )),
            Err(e) => typed_failures.push(format!("{}: {e}", doc.source)),
        }

        // The same document as written, only renamed into the test namespace.
        let mut raw: Value =
            vela_model::yaml::from_str(&doc.text).expect("vela-model parsed it, so it is YAML");
        raw["metadata"]["name"] = Value::from(format!("raw-{i}"));
        raw["metadata"]["namespace"] = Value::from(ns.name());
        if let Some(m) = raw.as_object_mut() {
            m.remove("status");
        }
        if let Err(e) = create_strict::<DynamicObject>(&client, &app_resource, ns.name(), &raw).await {
            rejected_as_written.insert(doc.source.clone(), e.to_string());
        }
        if parse::application_with(&doc.text, Mode::Strict).is_err() {
            strict_model_rejects.push(doc.source.clone());
        }
    }
    println!(
        "corpus Applications: {} documents, {parsed} parsed by vela-model and sent typed; rejected as written: {}",
        docs.len(),
        rejected_as_written.len()
    );
    for (source, e) in &rejected_as_written {
        println!("  {source}: {e}");
    }
    assert!(parsed > 150, "too few corpus Applications: {parsed}");
    assert!(
        typed_failures.is_empty(),
        "typed Applications rejected or changed:\n{}",
        typed_failures.join("\n")
    );
    let want: Vec<&str> = REJECTED_AS_WRITTEN.iter().map(|(s, _)| *s).collect();
    let got: Vec<&str> = rejected_as_written.keys().map(String::as_str).collect();
    assert_eq!(
        got, want,
        "the API server rejected a different set of documents as written"
    );
    for (source, reason) in REJECTED_AS_WRITTEN {
        let e = &rejected_as_written[*source];
        assert!(e.contains(reason), "{source}: {e}");
    }
    // vela-model's strict mode and the API server's strict field validation agree.
    assert_eq!(
        strict_model_rejects, want,
        "vela-model's strict mode rejects a different set"
    );
    // Everything stored, typed or as written, lists as vela-model Applications.
    let listed = typed_api.list(&Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), parsed * 2 - want.len());
}
