//! The resource policies on the embedded cluster: take-over, read-only, shared-resource,
//! garbage-collect, apply-once, resource-update and state-keep, and the errors each gives.

use std::sync::Arc;

use serde_json::{Value, json};
use vela_engine::{Engine, Error};
use vela_model::application::Application;
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::{Registry, Renderer};

fn engine() -> (Engine, Arc<Embedded>) {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    (
        Engine::new(Renderer::new(Registry::builtin()), cluster.clone()),
        cluster,
    )
}

fn application(name: &str, components: Value, policies: Value) -> Application {
    serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"components": components, "policies": policies}
    }))
    .expect("an application")
}

/// A `k8s-objects` component holding one ConfigMap.
fn config(component: &str, name: &str, data: Value) -> Value {
    json!({"name": component, "type": "k8s-objects", "properties": {"objects": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}]}})
}

fn cm_key(name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "default".into(),
        name: name.into(),
    }
}

fn tracker_key(name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: "ResourceTracker".into(),
        namespace: String::new(),
        name: name.into(),
    }
}

/// What a person with kubectl does: applies as another field manager.
fn kubectl(cluster: &Embedded, name: &str, data: Value) -> Value {
    cluster
        .apply_as(
            "",
            "kubectl",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": data}),
        )
        .expect("kubectl apply")
}

async fn live(cluster: &Embedded, name: &str) -> Option<Value> {
    cluster.get(&cm_key(name)).await.expect("a read")
}

fn owner(obj: &Value) -> &str {
    obj["metadata"]["labels"]["app.oam.dev/name"]
        .as_str()
        .unwrap_or("<none>")
}

fn shared_by(obj: &Value) -> &str {
    obj["metadata"]["annotations"]["app.oam.dev/shared-by"]
        .as_str()
        .unwrap_or("<none>")
}

#[tokio::test]
async fn take_over_adopts_only_objects_nobody_owns() {
    let (engine, cluster) = engine();
    kubectl(&cluster, "settings", json!({"mode": "slow"}));
    let components = json!([config("conf", "settings", json!({"mode": "fast"}))]);

    let err = engine
        .up(&application("shop", components.clone(), json!([])))
        .await;
    let err = refused(err);
    assert!(
        err.contains("ConfigMap default/settings in cluster \"\" exists and no application owns it"),
        "{err}"
    );
    assert!(err.contains("take-over"), "{err}");
    assert_eq!(live(&cluster, "settings").await.unwrap()["data"]["mode"], "slow");

    let take_over =
        json!([{"type": "take-over", "properties": {"rules": [{"selector": {"componentNames": ["conf"]}}]}}]);
    engine
        .up(&application("shop", components.clone(), take_over.clone()))
        .await
        .unwrap();
    let adopted = live(&cluster, "settings").await.unwrap();
    assert_eq!(owner(&adopted), "shop");
    assert_eq!(adopted["data"]["mode"], "fast");

    // take-over never adopts what another application owns
    let err = engine.up(&application("other", components, take_over)).await;
    let err = refused(err);
    assert!(err.contains("belongs to application default/shop"), "{err}");

    // adopted objects are the application's: deleting it deletes them
    let removed = engine.delete("default", "shop", false).await.unwrap().unwrap();
    assert_eq!(removed.objects, [cm_key("settings")]);
    assert!(live(&cluster, "settings").await.is_none());
}

#[tokio::test]
async fn read_only_objects_must_exist_and_are_never_written_or_deleted() {
    let (engine, cluster) = engine();
    let read_only = json!([{"type": "read-only", "properties": {"rules": [{"selector": {"resourceNames": ["settings"]}}]}}]);
    let both = json!([
        config("keep", "keep", json!({"a": "1"})),
        config("conf", "settings", json!({"mode": "fast"}))
    ]);

    let err = engine
        .up(&application("shop", both.clone(), read_only.clone()))
        .await;
    let err = refused(err);
    assert!(
        err.contains(
            "ConfigMap default/settings in cluster \"\" is read-only (read-only policy) but does not exist"
        ),
        "{err}"
    );
    assert!(
        live(&cluster, "settings").await.is_none(),
        "a read-only object was created"
    );

    let before = kubectl(&cluster, "settings", json!({"mode": "slow"}));
    engine
        .up(&application("shop", both, read_only.clone()))
        .await
        .unwrap();
    let after = live(&cluster, "settings").await.unwrap();
    assert_eq!(
        after["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(owner(&after), "<none>");

    // state-keep leaves it alone
    kubectl(&cluster, "settings", json!({"mode": "edited"}));
    assert_eq!(engine.state_keep("default", "shop").await.unwrap(), []);

    // dropping the component does not delete it, nor does deleting the application
    let delivered = engine
        .up(&application(
            "shop",
            json!([config("keep", "keep", json!({"a": "1"}))]),
            read_only,
        ))
        .await
        .unwrap();
    assert_eq!(delivered.collected, []);
    engine.delete("default", "shop", false).await.unwrap().unwrap();
    assert_eq!(
        live(&cluster, "settings").await.unwrap()["data"]["mode"],
        "edited"
    );
    assert!(live(&cluster, "keep").await.is_none());
}

#[tokio::test]
async fn policy_errors_name_the_field_and_apply_nothing() {
    let (engine, cluster) = engine();
    let policies = json!([
        {"type": "take-over", "properties": {"rules": [{"selector": {"componentNames": ["conf"]}}]}},
        {"type": "shared-resource", "properties": {"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}}]}},
        {"type": "read-only", "properties": {"rules": [{"selector": {}}]}}
    ]);
    let err = engine
        .up(&application(
            "shop",
            json!([config("conf", "settings", json!({}))]),
            policies,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Policy { path, .. } if path == "spec.policies[2].properties.rules[0].selector"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("spec.policies[2].properties.rules[0].selector: "),
        "{err}"
    );
    assert!(live(&cluster, "settings").await.is_none());
    // an application with malformed policies can still be deleted
    assert!(engine.delete("default", "shop", false).await.unwrap().is_some());

    // properties that do not fit the policy's type are refused by validation, by path
    let wrong_type = json!([{"type": "garbage-collect", "properties": {"rules": [
        {"selector": {"traitTypes": "expose"}}]}}]);
    let err = engine
        .up(&application(
            "shop",
            json!([config("conf", "settings", json!({}))]),
            wrong_type,
        ))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid(_)), "{err}");
    let problems = format!("{err:#}");
    assert!(
        problems.contains("spec.policies[0].properties.rules[0].selector.traitTypes"),
        "{problems}"
    );
}

#[tokio::test]
async fn shared_resources_are_written_by_the_first_and_handed_over() {
    let (engine, cluster) = engine();
    let shared = json!([{"type": "shared-resource", "properties": {"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}}]}}]);
    let app = |name: &str, policies: &Value| {
        application(
            name,
            json!([config("conf", "shared", json!({"from": name}))]),
            policies.clone(),
        )
    };

    engine.up(&app("a", &shared)).await.unwrap();
    let first = live(&cluster, "shared").await.unwrap();
    assert_eq!((owner(&first), shared_by(&first)), ("a", "default/a"));

    engine.up(&app("b", &shared)).await.unwrap();
    let joined = live(&cluster, "shared").await.unwrap();
    assert_eq!((owner(&joined), shared_by(&joined)), ("a", "default/a,default/b"));
    assert_eq!(joined["data"]["from"], "a", "a sharer wrote the content");
    engine.up(&app("b", &shared)).await.unwrap();
    assert_eq!(
        live(&cluster, "shared").await.unwrap()["metadata"]["resourceVersion"],
        joined["metadata"]["resourceVersion"],
        "joining twice wrote again"
    );
    assert_eq!(engine.state_keep("default", "b").await.unwrap(), []);

    // without the policy, a shared object is still another application's
    let err = refused(engine.up(&app("c", &json!([]))).await);
    assert!(err.contains("belongs to application default/a;"), "{err}");

    // deleting the owner hands the object to the next sharer
    let removed = engine.delete("default", "a", false).await.unwrap().unwrap();
    assert_eq!(removed.objects, []);
    let handed = live(&cluster, "shared").await.unwrap();
    assert_eq!((owner(&handed), shared_by(&handed)), ("b", "default/b"));
    // its next revision writes the content (a finished workflow does not run again)
    let next = application(
        "b",
        json!([config("conf", "shared", json!({"from": "b", "revision": "2"}))]),
        shared.clone(),
    );
    engine.up(&next).await.unwrap();
    assert_eq!(live(&cluster, "shared").await.unwrap()["data"]["from"], "b");

    // the last sharer deletes it
    let removed = engine.delete("default", "b", false).await.unwrap().unwrap();
    assert_eq!(removed.objects, [cm_key("shared")]);
    assert!(live(&cluster, "shared").await.is_none());
}

#[tokio::test]
async fn an_owner_that_does_not_share_is_refused_by_name() {
    let (engine, _cluster) = engine();
    let solo = json!([config("conf", "solo", json!({}))]);
    engine
        .up(&application("d", solo.clone(), json!([])))
        .await
        .unwrap();
    let shared = json!([{"type": "shared-resource", "properties": {"rules": [{"selector": {"componentNames": ["conf"]}}]}}]);
    let err = refused(engine.up(&application("e", solo, shared)).await);
    assert!(
        err.contains(
            "ConfigMap default/solo in cluster \"\" belongs to application default/d, which does not share it"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_sharer_that_leaves_only_leaves_the_annotation() {
    let (engine, cluster) = engine();
    let shared = json!([{"type": "shared-resource", "properties": {"rules": [{"selector": {"resourceNames": ["shared"]}}]}}]);
    for name in ["a", "b"] {
        engine
            .up(&application(
                name,
                json!([config("conf", "shared", json!({"from": name}))]),
                shared.clone(),
            ))
            .await
            .unwrap();
    }
    engine.delete("default", "b", false).await.unwrap().unwrap();
    let left = live(&cluster, "shared").await.unwrap();
    assert_eq!((owner(&left), shared_by(&left)), ("a", "default/a"));
    assert_eq!(left["data"]["from"], "a");
}

#[tokio::test]
async fn garbage_collect_strategies_decide_when_objects_go() {
    let (engine, cluster) = engine();
    let gc = json!([{"type": "garbage-collect", "properties": {"rules": [
        {"selector": {"componentNames": ["until-delete"]}, "strategy": "onAppDelete"},
        {"selector": {"componentNames": ["forever"]}, "strategy": "never"}]}}]);
    let all = json!([
        config("base", "base", json!({})),
        config("until-delete", "until-delete", json!({})),
        config("forever", "forever", json!({})),
        config("normal", "normal", json!({}))
    ]);
    engine.up(&application("shop", all, gc.clone())).await.unwrap();
    let root = cluster.get(&tracker_key("shop-default")).await.unwrap().unwrap();
    assert_eq!(root["spec"]["type"], "root");
    let mut entries: Vec<(String, bool)> = root["spec"]["managedResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_owned(), r["skipGC"] == true))
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [("forever".into(), true), ("until-delete".into(), false)]
    );

    let delivered = engine
        .up(&application(
            "shop",
            json!([config("base", "base", json!({}))]),
            gc,
        ))
        .await
        .unwrap();
    assert_eq!(delivered.collected, [cm_key("normal")]);
    assert!(live(&cluster, "until-delete").await.is_some());
    assert!(live(&cluster, "forever").await.is_some());

    let removed = engine.delete("default", "shop", false).await.unwrap().unwrap();
    assert_eq!(removed.objects, [cm_key("base"), cm_key("until-delete")]);
    assert!(live(&cluster, "until-delete").await.is_none());
    assert!(
        live(&cluster, "forever").await.is_some(),
        "a never-collected object went"
    );
    let trackers = cluster
        .list(
            "",
            "core.oam.dev/v1beta1",
            "ResourceTracker",
            "",
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(trackers, Vec::<Value>::new());
}

#[tokio::test]
async fn keep_legacy_resource_leaves_outdated_objects() {
    let (engine, cluster) = engine();
    let gc = json!([{"type": "garbage-collect", "properties": {"keepLegacyResource": true}}]);
    let v1 = json!([
        config("base", "base", json!({})),
        config("extra", "extra", json!({}))
    ]);
    engine.up(&application("shop", v1, gc.clone())).await.unwrap();
    let delivered = engine
        .up(&application(
            "shop",
            json!([config("base", "base", json!({}))]),
            gc.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(delivered.collected, []);
    assert!(live(&cluster, "extra").await.is_some());
    assert!(
        cluster
            .get(&tracker_key("shop-v1-default"))
            .await
            .unwrap()
            .is_some(),
        "the tracker of what is left went"
    );
    // once the outdated object is gone, its tracker goes with the next delivery
    cluster.delete(&cm_key("extra")).await.unwrap();
    engine
        .up(&application(
            "shop",
            json!([config("base", "base", json!({"b": "2"}))]),
            gc,
        ))
        .await
        .unwrap();
    assert!(
        cluster
            .get(&tracker_key("shop-v1-default"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn apply_once_without_rules_allows_drift() {
    let (engine, cluster) = engine();
    let once = json!([{"type": "apply-once", "properties": {"enable": true}}]);
    engine
        .up(&application(
            "shop",
            json!([config("conf", "settings", json!({"mode": "fast"}))]),
            once,
        ))
        .await
        .unwrap();
    let tracked = cluster
        .get(&tracker_key("shop-v1-default"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tracked["spec"]["managedResources"][0]["name"], "settings");
    assert!(
        tracked["spec"]["managedResources"][0].get("raw").is_none(),
        "{tracked}"
    );
    kubectl(&cluster, "settings", json!({"mode": "edited"}));
    assert_eq!(engine.state_keep("default", "shop").await.unwrap(), []);
    assert_eq!(
        live(&cluster, "settings").await.unwrap()["data"]["mode"],
        "edited"
    );
}

#[tokio::test]
async fn apply_once_paths_keep_live_values_at_their_stage() {
    let (engine, cluster) = engine();
    let once = |affect: &str| {
        json!([{"type": "apply-once", "properties": {"enable": true, "rules": [
            {"selector": {"resourceNames": ["settings"]}, "strategy": {"path": ["data.replicas"], "affect": affect}}]}}])
    };
    let app = |replicas: &str, image: &str, affect: &str| {
        application(
            "shop",
            json!([config(
                "conf",
                "settings",
                json!({"replicas": replicas, "image": image})
            )]),
            once(affect),
        )
    };

    // onStateKeep: state-keep restores everything but the kept path
    engine.up(&app("2", "a", "onStateKeep")).await.unwrap();
    kubectl(&cluster, "settings", json!({"replicas": "5", "image": "b"}));
    assert_eq!(
        engine.state_keep("default", "shop").await.unwrap(),
        [cm_key("settings")]
    );
    let data = live(&cluster, "settings").await.unwrap()["data"].clone();
    assert_eq!(data, json!({"replicas": "5", "image": "a"}));

    // onUpdate: a new delivery keeps the live value; state-keep restores it
    engine.up(&app("3", "c", "onUpdate")).await.unwrap();
    let data = live(&cluster, "settings").await.unwrap()["data"].clone();
    assert_eq!(data, json!({"replicas": "5", "image": "c"}));
    kubectl(&cluster, "settings", json!({"replicas": "7", "image": "c"}));
    assert_eq!(
        engine.state_keep("default", "shop").await.unwrap(),
        [cm_key("settings")]
    );
    assert_eq!(live(&cluster, "settings").await.unwrap()["data"]["replicas"], "5");

    // `*`: the whole live object wins at every stage
    let whole = json!([{"type": "apply-once", "properties": {"enable": true, "rules": [
        {"selector": {"resourceNames": ["settings"]}, "strategy": {"path": ["*"]}}]}}]);
    kubectl(&cluster, "settings", json!({"replicas": "8", "image": "z"}));
    engine
        .up(&application(
            "shop",
            json!([config("conf", "settings", json!({"replicas": "1", "image": "y"}))]),
            whole,
        ))
        .await
        .unwrap();
    assert_eq!(engine.state_keep("default", "shop").await.unwrap(), []);
    let data = live(&cluster, "settings").await.unwrap()["data"].clone();
    assert_eq!(data, json!({"replicas": "8", "image": "z"}));
}

#[tokio::test]
async fn state_keep_restores_drifted_and_deleted_objects() {
    let (engine, cluster) = engine();
    let app = application(
        "shop",
        json!([config("conf", "settings", json!({"mode": "fast"}))]),
        json!([]),
    );
    engine.up(&app).await.unwrap();
    assert_eq!(engine.state_keep("default", "shop").await.unwrap(), []);

    kubectl(&cluster, "settings", json!({"mode": "edited"}));
    assert_eq!(
        engine.state_keep("default", "shop").await.unwrap(),
        [cm_key("settings")]
    );
    assert_eq!(live(&cluster, "settings").await.unwrap()["data"]["mode"], "fast");
    assert_eq!(engine.state_keep("default", "shop").await.unwrap(), []);

    cluster.delete(&cm_key("settings")).await.unwrap();
    assert_eq!(
        engine.state_keep("default", "shop").await.unwrap(),
        [cm_key("settings")]
    );
    assert_eq!(live(&cluster, "settings").await.unwrap()["data"]["mode"], "fast");

    // an object that another application took is not overwritten
    cluster
        .apply_as(
            "",
            "kubectl",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "settings", "namespace": "default", "labels": {"app.oam.dev/name": "thief"}},
                "data": {"mode": "stolen"}}),
        )
        .unwrap();
    let err = engine.state_keep("default", "shop").await.unwrap_err();
    assert!(
        matches!(&err, Error::OwnedByAnother { owner, .. } if owner == "default/thief"),
        "{err}"
    );
    assert_eq!(
        live(&cluster, "settings").await.unwrap()["data"]["mode"],
        "stolen"
    );
    assert_eq!(engine.state_keep("default", "nobody").await.unwrap(), []);
}

#[tokio::test]
async fn resource_update_recreates_when_a_recreate_field_changes() {
    let (engine, cluster) = engine();
    let policy = json!([{"type": "resource-update", "properties": {"rules": [
        {"selector": {"resourceNames": ["settings"]}, "strategy": {"recreateFields": ["data.immutable"]}}]}}]);
    let app = |immutable: &str, mode: &str| {
        application(
            "shop",
            json!([config(
                "conf",
                "settings",
                json!({"immutable": immutable, "mode": mode})
            )]),
            policy.clone(),
        )
    };
    engine.up(&app("1", "a")).await.unwrap();
    let uid = live(&cluster, "settings").await.unwrap()["metadata"]["uid"].clone();
    engine.up(&app("1", "b")).await.unwrap();
    let patched = live(&cluster, "settings").await.unwrap();
    assert_eq!(patched["metadata"]["uid"], uid, "a patch re-created the object");
    assert_eq!(patched["data"]["mode"], "b");
    engine.up(&app("2", "b")).await.unwrap();
    let recreated = live(&cluster, "settings").await.unwrap();
    assert_ne!(recreated["metadata"]["uid"], uid, "the object was not re-created");
    assert_eq!(recreated["data"]["immutable"], "2");
}

#[tokio::test]
async fn resource_update_replace_writes_the_rendered_object() {
    let (engine, cluster) = engine();
    let policy = json!([{"type": "resource-update", "properties": {"rules": [
        {"selector": {"componentNames": ["conf"]}, "strategy": {"op": "replace"}}]}}]);
    let app = |mode: &str| {
        application(
            "shop",
            json!([config("conf", "settings", json!({"mode": mode}))]),
            policy.clone(),
        )
    };
    engine.up(&app("a")).await.unwrap();
    let uid = live(&cluster, "settings").await.unwrap()["metadata"]["uid"].clone();
    engine.up(&app("b")).await.unwrap();
    let replaced = live(&cluster, "settings").await.unwrap();
    assert_eq!(replaced["metadata"]["uid"], uid);
    assert_eq!(replaced["data"]["mode"], "b");
}

/// The example Applications of the book's policies chapter.
const EXAMPLES: [&str; 6] = [
    "apply-once.yaml",
    "garbage-collect.yaml",
    "read-only.yaml",
    "resource-update.yaml",
    "shared-resource.yaml",
    "take-over.yaml",
];

fn deployment_key(name: &str) -> Key {
    Key {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        ..cm_key(name)
    }
}

#[tokio::test]
async fn the_book_examples_deliver_and_behave() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/apps/policies");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples/apps/policies")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, EXAMPLES);
    for name in EXAMPLES {
        let (engine, cluster) = engine();
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let app = vela_render::app::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let app_name = app.metadata.name.clone().unwrap();
        match name {
            "take-over.yaml" => {
                cluster
                    .apply_as(
                        "",
                        "kubectl",
                        json!({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}}),
                    )
                    .unwrap();
            }
            "read-only.yaml" => {
                kubectl(&cluster, "platform-settings", json!({"tier": "gold"}));
            }
            _ => {}
        }
        engine.up(&app).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        match name {
            "take-over.yaml" => {
                let web = cluster.get(&deployment_key("web")).await.unwrap().unwrap();
                assert_eq!(owner(&web), "adopt");
            }
            "read-only.yaml" => {
                let settings = live(&cluster, "platform-settings").await.unwrap();
                assert_eq!(
                    (owner(&settings), &settings["data"]),
                    ("<none>", &json!({"tier": "gold"}))
                );
            }
            "shared-resource.yaml" => {
                assert_eq!(
                    shared_by(&live(&cluster, "team-config").await.unwrap()),
                    "default/billing"
                );
            }
            "apply-once.yaml" => {
                cluster
                    .apply_as(
                        "",
                        "hpa",
                        json!({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 5}}),
                    )
                    .unwrap();
                assert_eq!(engine.state_keep("default", &app_name).await.unwrap(), []);
                let web = cluster.get(&deployment_key("web")).await.unwrap().unwrap();
                assert_eq!(web["spec"]["replicas"], 5);
            }
            "garbage-collect.yaml" => {
                let removed = engine.delete("default", &app_name, false).await.unwrap().unwrap();
                let kinds: Vec<String> = removed
                    .objects
                    .iter()
                    .map(|k| format!("{}/{}", k.kind, k.name))
                    .collect();
                assert_eq!(kinds, ["Deployment/web", "Service/web"]);
                assert!(live(&cluster, "db-settings").await.is_some());
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn propagation_decides_whether_dependents_survive() {
    for (propagation, survives) in [("orphan", true), ("cascading", false)] {
        let (engine, cluster) = engine();
        let gc = json!([{"type": "garbage-collect", "properties": {"rules": [
            {"selector": {"componentNames": ["parent"]}, "propagation": propagation}]}}]);
        let base = config("base", "base", json!({}));
        engine
            .up(&application(
                "shop",
                json!([base.clone(), config("parent", "parent", json!({}))]),
                gc.clone(),
            ))
            .await
            .unwrap();
        let uid = live(&cluster, "parent").await.unwrap()["metadata"]["uid"].clone();
        cluster
            .apply_as(
                "",
                "controller",
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child", "namespace": "default",
                    "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": uid}]}}),
            )
            .unwrap();
        let delivered = engine.up(&application("shop", json!([base]), gc)).await.unwrap();
        assert_eq!(delivered.collected, [cm_key("parent")]);
        let child = live(&cluster, "child").await;
        assert_eq!(child.is_some(), survives, "{propagation}");
        if let Some(child) = child {
            assert!(child["metadata"].get("ownerReferences").is_none(), "{child}");
        }
    }
}

#[tokio::test]
async fn a_sharer_that_stops_rendering_the_object_leaves_it_to_the_others() {
    let (engine, cluster) = engine();
    let shared = json!([{"type": "shared-resource", "properties": {"rules": [{"selector": {"resourceNames": ["shared"]}}]}}]);
    for name in ["a", "b"] {
        engine
            .up(&application(
                name,
                json!([
                    config("conf", "shared", json!({"from": name})),
                    config("own", &format!("own-{name}"), json!({}))
                ]),
                shared.clone(),
            ))
            .await
            .unwrap();
    }
    // the owner drops it: the next sharer gets it, nothing is deleted
    let delivered = engine
        .up(&application(
            "a",
            json!([config("own", "own-a", json!({}))]),
            shared.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(delivered.collected, []);
    let handed = live(&cluster, "shared").await.unwrap();
    assert_eq!((owner(&handed), shared_by(&handed)), ("b", "default/b"));
    // the last sharer drops it: it goes
    let delivered = engine
        .up(&application(
            "b",
            json!([config("own", "own-b", json!({}))]),
            shared,
        ))
        .await
        .unwrap();
    assert_eq!(delivered.collected, [cm_key("shared")]);
    assert!(live(&cluster, "shared").await.is_none());
}

/// The message of the failed step of a delivery the ownership or policy rules refused (the
/// step fails and is retried; the application's status says why).
fn refused(d: Result<vela_engine::Delivered, Error>) -> String {
    let d = d.expect("the delivery runs; a step fails");
    let wf = d.status.workflow.expect("a workflow status");
    wf.steps
        .iter()
        .find(|s| s.phase == Some(vela_workflow::StepPhase::Failed))
        .map(|s| s.message.clone())
        .unwrap_or_else(|| panic!("no step failed: {:?}", wf.steps))
}
