//! Definitions stored in the hub: the controller renders with them.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::json;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

/// A CUE component: one ConfigMap holding `parameter.text`.
const NOTE: &str = "output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: {text: parameter.text, from: \"stored\"}}\nparameter: text: string\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn a_cue_definition_stored_in_the_hub_renders_applications() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-defs").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    // stored in the test's namespace, which this controller reads as its definitions namespace
    let defs = component_definitions(hub, &ns);
    let note: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "ComponentDefinition",
        "metadata": {"name": "note"},
        "spec": {"status": {"healthPolicy": "isHealth: true"}, "schematic": {"cue": {"template": NOTE}}},
    }))
    .unwrap();
    defs.create(&PostParams::default(), &note)
        .await
        .expect("store the definition");
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--system-definition-namespace",
            &ns,
            "--definitions-refresh-period",
            "1s",
        ],
    );
    controller.ready().await;
    let api = apps(hub, &ns);
    let hello = json!({"name": "hello", "type": "note", "properties": {"text": "hi"}});
    api.create(
        &PostParams::default(),
        &application("noted", &[hello, jobs()], json!({})),
    )
    .await
    .expect("create the application");
    let status = status_until(&api, "noted", "noted running", running_at(1)).await;
    assert_eq!(
        services(&status),
        [("hello".to_owned(), true), ("jobs".to_owned(), true)]
    );
    let cms: Api<ConfigMap> = Api::namespaced(hub.client(), &ns);
    let cm = cms.get("hello").await.expect("the stored definition's ConfigMap");
    let data = cm.data.unwrap_or_default();
    assert_eq!(
        (
            data.get("text").map(String::as_str),
            data.get("from").map(String::as_str)
        ),
        (Some("hi"), Some("stored")),
        "{}",
        controller.logs()
    );
    assert!(
        controller.logs().contains("loaded stored definitions"),
        "{}",
        controller.logs()
    );

    // a definition stored while the controller runs is used without a restart
    let mut later = note.clone();
    later.metadata.name = Some("later-note".into());
    later.metadata.resource_version = None;
    later.data["spec"]["schematic"]["cue"]["template"] = json!(NOTE.replace("stored", "later"));
    defs.create(&PostParams::default(), &later)
        .await
        .expect("store another definition");
    let late = json!({"name": "late", "type": "later-note", "properties": {"text": "yo"}});
    api.create(&PostParams::default(), &application("late", &[late], json!({})))
        .await
        .expect("create an application of the new type");
    status_until(&api, "late", "late running", running_at(1)).await;
    let cm = cms.get("late").await.expect("the new definition's ConfigMap");
    assert_eq!(
        cm.data.unwrap_or_default().get("from").map(String::as_str),
        Some("later"),
        "{}",
        controller.logs()
    );
    assert!(
        controller.logs().contains("stored definitions changed"),
        "{}",
        controller.logs()
    );

    // revisions and schemas, as KubeVela's definition controllers keep them
    let rar = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "DefinitionRevision",
    ));
    let revisions: Api<DynamicObject> = Api::namespaced_with(hub.client(), &ns, &rar);
    for (def, rev) in [("note", "note-v1"), ("later-note", "later-note-v1")] {
        wait::until(TIMEOUT, &format!("{rev} and {def}'s status"), || async {
            let r = revisions.get_opt(rev).await.map_err(|e| e.to_string())?;
            let d = defs.get(def).await.map_err(|e| e.to_string())?;
            let latest = &d.data["status"]["latestRevision"];
            match r {
                Some(r) if latest["name"] == rev && latest["revision"] == 1 => Ok(Some(r)),
                _ => Err(format!("{def} status: {}", d.data["status"])),
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    let rev = revisions.get("note-v1").await.expect("note-v1");
    assert_eq!(rev.data["spec"]["definitionType"], "Component");
    assert_eq!(
        rev.metadata.labels.unwrap_or_default()["componentdefinition.oam.dev/name"],
        "note"
    );
    let schema = cms
        .get("component-schema-note")
        .await
        .expect("the schema ConfigMap");
    let schema: serde_json::Value =
        serde_json::from_str(&schema.data.unwrap_or_default()["openapi-v3-json-schema"]).expect("JSON");
    assert_eq!(schema["required"], json!(["text"]));
    assert!(
        cms.get_opt("component-schema-note-v1")
            .await
            .expect("read")
            .is_some()
    );

    // a changed template: revision 2
    let mut changed = defs.get("note").await.expect("note");
    changed.data["spec"]["schematic"]["cue"]["template"] = json!(NOTE.replace("stored", "changed"));
    defs.replace("note", &PostParams::default(), &changed)
        .await
        .expect("change note");
    wait::until(TIMEOUT, "note-v2", || async {
        let d = defs.get("note").await.map_err(|e| e.to_string())?;
        if d.data["status"]["latestRevision"]["name"] == "note-v2" {
            Ok(Some(()))
        } else {
            Err(d.data["status"].to_string())
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    assert!(
        revisions.get_opt("note-v1").await.expect("read").is_some(),
        "v1 is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn a_definition_stored_in_the_application_s_namespace_comes_before_the_system_one() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let system = hub.test_namespace("ctl-nsdefs-sys").await.expect("a namespace");
    let system = system.name().to_owned();
    let ns = hub.test_namespace("ctl-nsdefs").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let note = |from: &str| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "ComponentDefinition",
            "metadata": {"name": "note"},
            "spec": {"status": {"healthPolicy": "isHealth: true"},
                "schematic": {"cue": {"template": NOTE.replace("stored", from)}}},
        }))
        .unwrap()
    };
    component_definitions(hub, &system)
        .create(&PostParams::default(), &note("system"))
        .await
        .expect("store the system definition");
    let own = component_definitions(hub, &ns);
    own.create(&PostParams::default(), &note("namespace"))
        .await
        .expect("store the namespace's definition");
    let controller = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--system-definition-namespace",
            &system,
            "--definitions-refresh-period",
            "1s",
        ],
    );
    controller.ready().await;
    let api = apps(hub, &ns);
    let cms: Api<ConfigMap> = Api::namespaced(hub.client(), &ns);
    let from = |name: &'static str| {
        let (api, cms) = (api.clone(), cms.clone());
        async move {
            let comp = json!({"name": name, "type": "note", "properties": {"text": "hi"}});
            api.create(&PostParams::default(), &application(name, &[comp], json!({})))
                .await
                .expect("create the application");
            status_until(&api, name, &format!("{name} running"), running_at(1)).await;
            let cm = cms.get(name).await.expect("the note's ConfigMap");
            cm.data.unwrap_or_default().get("from").cloned()
        }
    };
    assert_eq!(
        from("first").await.as_deref(),
        Some("namespace"),
        "{}",
        controller.logs()
    );
    assert!(
        controller
            .logs()
            .contains("loaded the definitions stored in an application namespace"),
        "{}",
        controller.logs()
    );
    // without the namespace's own, the system definition serves (after the next refresh)
    own.delete("note", &Default::default()).await.expect("delete");
    wait::until(TIMEOUT, "the controller notices the deletion", || async {
        Ok(controller
            .logs()
            .contains("stored definitions changed")
            .then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    assert_eq!(
        from("second").await.as_deref(),
        Some("system"),
        "{}",
        controller.logs()
    );
}
