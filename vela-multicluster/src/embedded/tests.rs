//! The embedded cluster's API-server behaviour, one rule per test.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use std::time::Duration;

use super::*;

fn cm(name: &str, ns: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data})
}

fn key(api_version: &str, kind: &str, ns: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

fn rv(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn widget(spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"}, "spec": spec})
}

#[tokio::test]
async fn server_sets_identity_and_versions() {
    let c = Embedded::in_memory().unwrap();
    let a = c.apply("", cm("a", "default", json!({"k": "1"}))).await.unwrap();
    assert!(
        a["metadata"].get("generation").is_none(),
        "a ConfigMap has no generation on a real API server"
    );
    assert_eq!(a["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert!(
        a["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let same = c.apply("", cm("a", "default", json!({"k": "1"}))).await.unwrap();
    assert_eq!(rv(&same), rv(&a), "a no-op apply writes nothing");
    let b = c.apply("", cm("a", "default", json!({"k": "2"}))).await.unwrap();
    assert!(rv(&b) > rv(&a));
    assert_eq!(b["metadata"]["uid"], a["metadata"]["uid"]);
    let w = c.apply("", widget(json!({"size": 1}))).await.unwrap();
    assert_eq!(w["metadata"]["generation"], 1);
    let mut labelled = widget(json!({"size": 1}));
    labelled["metadata"]["labels"] = json!({"x": "y"});
    let labelled = c.apply("", labelled).await.unwrap();
    assert_eq!(
        labelled["metadata"]["generation"], 1,
        "metadata changes keep the generation"
    );
    let resized = c.apply("", widget(json!({"size": 2}))).await.unwrap();
    assert_eq!(resized["metadata"]["generation"], 2);
}

#[tokio::test]
async fn a_second_manager_taking_co_ownership_is_a_write() {
    let c = Embedded::in_memory().unwrap();
    let a = c.apply("", cm("a", "default", json!({"k": "1"}))).await.unwrap();
    let shared = c
        .apply_as("", "kubectl", cm("a", "default", json!({"k": "1"})))
        .unwrap();
    assert!(rv(&shared) > rv(&a), "the new owner is recorded");
    let dropped = c.apply("", cm("a", "default", json!({}))).await.unwrap();
    assert_eq!(dropped["data"], json!({"k": "1"}), "kubectl still owns k");
}

#[tokio::test]
async fn propagation_policies() {
    let c = Embedded::in_memory().unwrap();
    let owner = c.apply("", cm("owner", "default", json!({}))).await.unwrap();
    let mut child = cm("child", "default", json!({}));
    child["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": owner["metadata"]["uid"]},
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": "0000"}]);
    c.apply("", child).await.unwrap();
    assert!(
        c.delete_with(&key("v1", "ConfigMap", "default", "owner"), Propagation::Orphan)
            .await
            .unwrap()
    );
    let orphan = c
        .get(&key("v1", "ConfigMap", "default", "child"))
        .await
        .unwrap()
        .expect("the dependent stays");
    assert_eq!(
        orphan["metadata"]["ownerReferences"],
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": "0000"}]),
        "only the deleted owner's reference goes"
    );
}

#[tokio::test]
async fn status_is_written_through_the_subresource_only() {
    let c = Embedded::in_memory().unwrap();
    let mut w = widget(json!({"size": 1}));
    w["status"] = json!({"phase": "Forged"});
    let created = c.apply("", w).await.unwrap();
    assert!(created.get("status").is_none(), "{created}");
    let k = key("example.com/v1", "Widget", "default", "w");
    let ready = c
        .set_status(&k, json!({"phase": "Ready"}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready["metadata"]["generation"], 1);
    let again = c
        .set_status(&k, json!({"phase": "Ready"}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rv(&again), rv(&ready), "the same status writes nothing");
}

#[tokio::test]
async fn stale_resource_version_conflicts() {
    let c = Embedded::in_memory().unwrap();
    let a = c.apply("", cm("a", "default", json!({"k": "1"}))).await.unwrap();
    c.apply("", cm("a", "default", json!({"k": "2"}))).await.unwrap();
    let mut stale = cm("a", "default", json!({"k": "3"}));
    stale["metadata"]["resourceVersion"] = a["metadata"]["resourceVersion"].clone();
    let err = c.apply("", stale).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(
        err.to_string().contains("stale metadata.resourceVersion"),
        "{err}"
    );
}

#[tokio::test]
async fn a_manager_owns_its_fields() {
    let c = Embedded::in_memory().unwrap();
    c.apply("", cm("a", "default", json!({"a": "1", "b": "2"})))
        .await
        .unwrap();
    c.apply_as("", "kubectl", cm("a", "default", json!({"edited": "by hand"})))
        .unwrap();
    let after = c.apply("", cm("a", "default", json!({"a": "1"}))).await.unwrap();
    assert_eq!(after["data"], json!({"a": "1", "edited": "by hand"}));
}

#[tokio::test]
async fn namespaces_must_exist_and_take_their_objects_along() {
    let c = Embedded::in_memory().unwrap();
    let err = c.apply("", cm("a", "nowhere", json!({}))).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { kind, name, .. } if kind == "Namespace" && name == "nowhere"),
        "{err}"
    );
    let err = c
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expected a namespace"), "{err}");
    c.apply(
        "",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
    )
    .await
    .unwrap();
    c.apply("", cm("a", "team", json!({}))).await.unwrap();
    assert!(c.delete(&key("v1", "Namespace", "", "team")).await.unwrap());
    assert!(
        c.get(&key("v1", "ConfigMap", "team", "a"))
            .await
            .unwrap()
            .is_none()
    );
    let initial = c.list("", "v1", "Namespace", "", &BTreeMap::new()).await.unwrap();
    assert_eq!(initial.len(), INITIAL_NAMESPACES.len());
}

#[tokio::test]
async fn cluster_scoped_kinds_drop_the_namespace() {
    let c = Embedded::in_memory().unwrap();
    let role = c
        .apply(
            "",
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "r", "namespace": "default"}, "rules": []}),
        )
        .await
        .unwrap();
    assert!(role["metadata"].get("namespace").is_none());
    // a CRD makes its kind known with its scope
    c.apply("", json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget", "plural": "widgets"}}}))
        .await
        .unwrap();
    let w = c
        .apply(
            "",
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
        )
        .await
        .unwrap();
    assert_eq!(w["metadata"]["name"], "w");
    assert!(
        c.get(&key("example.com/v1", "Widget", "any", "w"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn finalizers_hold_deletion() {
    let c = Embedded::in_memory().unwrap();
    let mut obj = cm("a", "default", json!({}));
    obj["metadata"]["finalizers"] = json!(["example.com/cleanup"]);
    c.apply("", obj.clone()).await.unwrap();
    let k = key("v1", "ConfigMap", "default", "a");
    assert!(c.delete(&k).await.unwrap());
    let marked = c.get(&k).await.unwrap().expect("still there");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    obj["metadata"]["finalizers"] = json!([]);
    c.apply("", obj).await.unwrap();
    assert!(
        c.get(&k).await.unwrap().is_none(),
        "gone once the last finalizer is removed"
    );
}

#[tokio::test]
async fn dependents_go_with_their_owner() {
    let c = Embedded::in_memory().unwrap();
    let owner = c.apply("", cm("owner", "default", json!({}))).await.unwrap();
    let mut child = cm("child", "default", json!({}));
    child["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": owner["metadata"]["uid"]}]);
    c.apply("", child).await.unwrap();
    let mut grandchild = cm("grandchild", "default", json!({}));
    let child_uid = c
        .get(&key("v1", "ConfigMap", "default", "child"))
        .await
        .unwrap()
        .unwrap()["metadata"]["uid"]
        .clone();
    grandchild["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "child", "uid": child_uid}]);
    c.apply("", grandchild).await.unwrap();
    c.apply("", cm("stranger", "default", json!({}))).await.unwrap();
    c.delete(&key("v1", "ConfigMap", "default", "owner"))
        .await
        .unwrap();
    let left: Vec<String> = c
        .list("", "v1", "ConfigMap", "default", &BTreeMap::new())
        .await
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["stranger"]);
}

#[tokio::test]
async fn clusters_are_separate_and_lists_filter_by_labels() {
    let c = Embedded::in_memory().unwrap();
    let mut labelled = cm("a", "default", json!({}));
    labelled["metadata"]["labels"] = json!({"app": "x"});
    c.apply("", labelled.clone()).await.unwrap();
    c.apply("", cm("b", "default", json!({}))).await.unwrap();
    c.apply("member-1", labelled).await.unwrap();
    let sel = BTreeMap::from([("app".to_owned(), "x".to_owned())]);
    assert_eq!(
        c.list("", "v1", "ConfigMap", "default", &sel)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        c.list("", "v1", "ConfigMap", "", &BTreeMap::new())
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        c.list("member-1", "v1", "ConfigMap", "", &BTreeMap::new())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(c.clusters().unwrap(), ["", "member-1"]);
}

#[tokio::test]
async fn status_is_written_apart_from_apply() {
    let c = Embedded::in_memory().unwrap();
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 2}});
    c.apply("", d.clone()).await.unwrap();
    let k = Key::of("", &d).unwrap();
    let with_status = c
        .set_status(&k, json!({"readyReplicas": 2}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(with_status["metadata"]["generation"], 1);
    // applying the same spec again keeps the status (apply never sets it)
    let again = c.apply("", d).await.unwrap();
    assert_eq!(again["status"]["readyReplicas"], 2);
    assert!(
        c.set_status(&key("apps/v1", "Deployment", "default", "none"), json!({}))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn two_handles_on_one_file_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = std::sync::Arc::new(Embedded::open(&path).unwrap());
    let second = std::sync::Arc::new(Embedded::open(&path).unwrap());
    let writers: Vec<_> = [first.clone(), second.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, c)| {
            std::thread::spawn(move || {
                for i in 0..50 {
                    c.apply_as(
                        "",
                        "vela",
                        cm(&format!("w{w}-{i}"), "default", json!({"i": i.to_string()})),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let all = first
        .list("", "v1", "ConfigMap", "default", &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 100);
    let mut versions: Vec<u64> = all.iter().map(rv).collect();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions.len(), 100, "every write got its own resourceVersion");
}

#[tokio::test]
async fn a_second_handle_sees_what_the_first_wrote_after_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = Embedded::open(&path).unwrap();
    let second = Embedded::open(&path).unwrap();
    let a = key("v1", "ConfigMap", "default", "a");
    second
        .apply_as("", "x", cm("a", "default", json!({"k1": "1"})))
        .unwrap();
    assert_eq!(second.get(&a).await.unwrap().unwrap()["data"]["k1"], "1");
    first
        .apply_as("", "y", cm("a", "default", json!({"k2": "2"})))
        .unwrap();
    // the read after the other handle's write is not served from the copy in memory
    let seen = second.get(&a).await.unwrap().unwrap();
    assert_eq!(seen["data"], json!({"k1": "1", "k2": "2"}));
    // nor is the merge of a write: manager y's field survives x's next apply
    let merged = second
        .apply_as("", "x", cm("a", "default", json!({"k1": "new"})))
        .unwrap();
    assert_eq!(merged["data"], json!({"k1": "new", "k2": "2"}));
    assert_eq!(
        first.get(&a).await.unwrap().unwrap()["data"],
        json!({"k1": "new", "k2": "2"})
    );
    // a delete through one handle is seen by the other
    assert!(first.delete(&a).await.unwrap());
    assert!(second.get(&a).await.unwrap().is_none());
}

#[tokio::test]
async fn a_failed_write_leaves_nothing_behind_in_memory() {
    let c = Embedded::in_memory().unwrap();
    // the first write to cluster m9 creates it with its namespaces, then fails: no namespace
    // `nope`; the whole transaction rolls back, and what it wrote must not be remembered
    let err = c.apply("m9", cm("a", "nope", json!({}))).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(c.clusters().unwrap().iter().all(|n| n != "m9"));
    let namespaces = c
        .list("m9", "v1", "Namespace", "", &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(namespaces.len(), INITIAL_NAMESPACES.len());
    // a conflicting write changes nothing either
    let stored = c.apply("", cm("b", "default", json!({"k": "1"}))).await.unwrap();
    let mut stale = cm("b", "default", json!({"k": "2"}));
    stale["metadata"]["resourceVersion"] = json!("1");
    assert!(c.apply("", stale).await.is_err());
    let b = key("v1", "ConfigMap", "default", "b");
    assert_eq!(c.get(&b).await.unwrap().unwrap(), stored);
}

#[tokio::test]
async fn a_crd_written_later_changes_the_scope_of_its_kind() {
    let c = Embedded::in_memory().unwrap();
    let thing = json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}});
    // without a CRD the kind is namespaced: no namespace is an error
    assert!(c.apply("", thing.clone()).await.is_err());
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster",
            "names": {"kind": "Thing", "plural": "things"},
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
    c.apply("", crd).await.unwrap();
    let stored = c.apply("", thing).await.unwrap();
    assert!(stored["metadata"].get("namespace").is_none());
}

#[tokio::test]
async fn a_file_of_the_first_layout_gets_its_owner_index_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let c = Embedded::open(&path).unwrap();
        let owner = c.apply("", cm("owner", "default", json!({}))).await.unwrap();
        let mut child = cm("child", "default", json!({}));
        child["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
            "name": "owner", "uid": owner["metadata"]["uid"]}]);
        c.apply("", child).await.unwrap();
    }
    // make it a file as the first layout wrote it: no owner index, user_version 0
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE owners; PRAGMA user_version = 0;")
            .unwrap();
    }
    let c = Embedded::open(&path).unwrap();
    c.delete(&key("v1", "ConfigMap", "default", "owner"))
        .await
        .unwrap();
    assert!(
        c.get(&key("v1", "ConfigMap", "default", "child"))
            .await
            .unwrap()
            .is_none(),
        "the child went with its owner"
    );
}

#[tokio::test]
async fn an_edit_that_drops_an_owner_reference_keeps_the_object_when_the_owner_goes() {
    let c = Embedded::in_memory().unwrap();
    let owner = c.apply("", cm("owner", "default", json!({}))).await.unwrap();
    let mut child = cm("child", "default", json!({}));
    child["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": owner["metadata"]["uid"]}]);
    c.apply("", child).await.unwrap();
    // the same manager applies the child without the reference: it is no longer a dependent
    c.apply("", cm("child", "default", json!({"k": "v"})))
        .await
        .unwrap();
    c.delete(&key("v1", "ConfigMap", "default", "owner"))
        .await
        .unwrap();
    let child = c
        .get(&key("v1", "ConfigMap", "default", "child"))
        .await
        .unwrap()
        .expect("the child stays");
    assert!(child["metadata"].get("ownerReferences").is_none());
}

#[tokio::test]
async fn a_group_of_writes_is_seen_by_others_once_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let grouped = Embedded::open(&path)
        .unwrap()
        .group_commits(Duration::from_secs(3600));
    let other = Embedded::open(&path).unwrap();
    // the cluster exists before the group (reading a cluster nobody made yet is a write)
    other.apply("", cm("first", "default", json!({}))).await.unwrap();
    let a = key("v1", "ConfigMap", "default", "a");
    grouped
        .apply("", cm("a", "default", json!({"k": "1"})))
        .await
        .unwrap();
    // the group sees its own write; another process reads the state before the group
    assert_eq!(grouped.get(&a).await.unwrap().unwrap()["data"]["k"], "1");
    assert!(other.get(&a).await.unwrap().is_none());
    grouped.flush().await.unwrap();
    assert_eq!(other.get(&a).await.unwrap().unwrap()["data"]["k"], "1");
}

#[tokio::test]
async fn what_one_process_kept_or_found_missing_is_read_again_after_another_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let one = Embedded::open(&path).unwrap();
    let other = Embedded::open(&path).unwrap();
    one.apply("", cm("kept", "default", json!({"k": "1"})))
        .await
        .unwrap();
    let kept = key("v1", "ConfigMap", "default", "kept");
    let missing = key("v1", "ConfigMap", "default", "missing");
    // `one` keeps a copy of the first and knows the second is missing; both are served from
    // memory while nobody else commits
    assert_eq!(one.get(&kept).await.unwrap().unwrap()["data"]["k"], "1");
    assert!(one.get(&missing).await.unwrap().is_none());
    assert!(one.get(&missing).await.unwrap().is_none());
    // another process changes the one, creates the other: `one` sees both at once
    other
        .apply("", cm("kept", "default", json!({"k": "2"})))
        .await
        .unwrap();
    other
        .apply("", cm("missing", "default", json!({})))
        .await
        .unwrap();
    assert_eq!(one.get(&kept).await.unwrap().unwrap()["data"]["k"], "2");
    assert!(one.get(&missing).await.unwrap().is_some());
    // and a deletion by the other process too
    other.delete(&kept).await.unwrap();
    assert!(one.get(&kept).await.unwrap().is_none());
    // a cluster-scoped kind is found whatever namespace the key names
    one.apply(
        "",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
    )
    .await
    .unwrap();
    let ns = key("v1", "Namespace", "default", "team");
    assert_eq!(one.get(&ns).await.unwrap().unwrap()["metadata"]["name"], "team");
}

#[tokio::test]
async fn a_failed_write_in_a_group_leaves_the_group_s_other_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let grouped = Embedded::open(&path)
        .unwrap()
        .group_commits(Duration::from_secs(3600));
    grouped
        .apply("", cm("a", "default", json!({"k": "1"})))
        .await
        .unwrap();
    let err = grouped.apply("", cm("b", "nope", json!({}))).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    grouped.apply("", cm("c", "default", json!({}))).await.unwrap();
    drop(grouped); // dropping commits the open group
    let other = Embedded::open(&path).unwrap();
    let names: Vec<String> = other
        .list("", "v1", "ConfigMap", "default", &BTreeMap::new())
        .await
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a", "c"]);
}

#[tokio::test]
async fn a_group_older_than_its_window_is_committed_by_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let window = Duration::from_millis(20);
    let grouped = Embedded::open(&path).unwrap().group_commits(window);
    let other = Embedded::open(&path).unwrap();
    grouped.apply("", cm("a", "default", json!({}))).await.unwrap();
    std::thread::sleep(window * 2);
    grouped.apply("", cm("b", "default", json!({}))).await.unwrap();
    // the first write's group was committed by the second write (or by the background thread
    // before it): another process sees it
    assert!(
        other
            .get(&key("v1", "ConfigMap", "default", "a"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_write_of_more_objects_than_are_kept_stays_correct() {
    let c = Embedded::in_memory().unwrap().keep_objects(4);
    for i in 0..10 {
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("d{i}"), "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}},
                "template": {"metadata": {"labels": {"app": "x"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        c.apply("", deploy).await.unwrap();
    }
    // read them all once, so that the kept copies are the ones before the simulator's write
    for i in 0..10 {
        let d = c
            .get(&key("apps/v1", "Deployment", "default", &format!("d{i}")))
            .await
            .unwrap()
            .unwrap();
        assert!(d.get("status").is_none());
    }
    // one transaction writes all ten: more than the four kept
    assert_eq!(c.simulate_readiness("").unwrap(), 10);
    // the simulator loaded them in name order and overflowed at the fifth: the ones it loaded
    // until then are read first, before a read of another object could push a stale copy out
    for i in (0..5).rev().chain(5..10) {
        let d = c
            .get(&key("apps/v1", "Deployment", "default", &format!("d{i}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d["status"]["readyReplicas"], 1, "d{i}: {d}");
    }
}

#[tokio::test]
async fn names_the_api_server_refuses_are_refused() {
    let c = Embedded::in_memory().unwrap();
    let err = c
        .apply("", cm("Frontend", "default", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref field, .. } if field == "metadata.name"),
        "{err}"
    );
    assert!(err.to_string().contains("\"Frontend\""), "{err}");
    assert!(c.apply("", cm("a_b", "default", json!({}))).await.is_err());
    c.apply("", cm("web-1.v2", "default", json!({}))).await.unwrap();
    // RBAC objects are named by path segment rules
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "system:aggregate-to-vela"}, "rules": []});
    c.apply("", role).await.unwrap();
}

/// The kinds the label tests run with: a ConfigMap (a selector scans the kind) and a KubeVela
/// kind (a selector reads the label index).
const LABELLED_KINDS: [(&str, &str); 2] = [
    ("v1", "ConfigMap"),
    ("core.oam.dev/v1beta1", "ApplicationRevision"),
];

/// The names of the objects of `kind` in `default` a selector finds, sorted.
async fn selected(c: &Embedded, (api, kind): (&str, &str), pairs: &[(&str, &str)]) -> Vec<String> {
    let sel: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut names: Vec<String> = c
        .list("", api, kind, "default", &sel)
        .await
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn labelled((api, kind): (&str, &str), name: &str, labels: Value) -> Value {
    json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "default", "labels": labels}})
}

#[tokio::test]
async fn label_selectors_follow_relabels_deletions_and_groups() {
    // with few objects kept, most writes do not know the previous state and rewrite the index;
    // in a group of writes, the group's own writes are selected before its commit
    let cases = [(0, false), (1, false), (1024, false), (1, true), (1024, true)];
    for ((kept, grouped), k) in cases.into_iter().flat_map(|c| LABELLED_KINDS.map(|k| (c, k))) {
        let mut c = Embedded::in_memory().unwrap().keep_objects(kept);
        if grouped {
            c = c.group_commits(Duration::from_secs(3600));
        }
        c.apply("", labelled(k, "a", json!({"app": "x", "tier": "web"})))
            .await
            .unwrap();
        c.apply("", labelled(k, "b", json!({"app": "x", "tier": "db"})))
            .await
            .unwrap();
        c.apply("", labelled(k, "c", json!({"app": "y", "tier": "web"})))
            .await
            .unwrap();
        assert_eq!(
            selected(&c, k, &[("app", "x")]).await,
            ["a", "b"],
            "{k:?} kept {kept}, grouped {grouped}"
        );
        assert_eq!(selected(&c, k, &[("app", "x"), ("tier", "web")]).await, ["a"]);
        assert_eq!(
            selected(&c, k, &[("app", "z"), ("tier", "web")]).await,
            Vec::<String>::new()
        );
        // a relabel moves the object between selections
        c.apply("", labelled(k, "a", json!({"app": "y", "tier": "web"})))
            .await
            .unwrap();
        assert_eq!(selected(&c, k, &[("app", "x")]).await, ["b"]);
        assert_eq!(
            selected(&c, k, &[("app", "y"), ("tier", "web")]).await,
            ["a", "c"]
        );
        // a label dropped by its manager is no longer selected
        c.apply("", labelled(k, "c", json!({"tier": "web"})))
            .await
            .unwrap();
        assert_eq!(selected(&c, k, &[("app", "y")]).await, ["a"]);
        c.delete(&key(k.0, k.1, "default", "a")).await.unwrap();
        assert_eq!(selected(&c, k, &[("tier", "web")]).await, ["c"]);
        c.apply("", labelled(k, "d", json!({"app": "x"}))).await.unwrap();
        assert_eq!(selected(&c, k, &[("app", "x")]).await, ["b", "d"]);
        // a status write and a deletion held by a finalizer keep the labels selected
        c.set_status(&key(k.0, k.1, "default", "b"), json!({"ok": true}))
            .await
            .unwrap();
        let mut held = labelled(k, "e", json!({"app": "x"}));
        held["metadata"]["finalizers"] = json!(["example.com/hold"]);
        c.apply("", held).await.unwrap();
        c.delete(&key(k.0, k.1, "default", "e")).await.unwrap();
        assert_eq!(selected(&c, k, &[("app", "x")]).await, ["b", "d", "e"]);
        let mut released = labelled(k, "e", json!({"app": "x"}));
        released["metadata"]["finalizers"] = json!([]);
        c.apply("", released).await.unwrap();
        assert_eq!(selected(&c, k, &[("app", "x")]).await, ["b", "d"]);
        c.flush().await.unwrap();
        assert_eq!(selected(&c, k, &[("app", "x")]).await, ["b", "d"]);
        // a namespace's objects go with it, and so do their labels
        c.delete(&key("v1", "Namespace", "", "default")).await.unwrap();
        let rows: i64 = c
            .lock()
            .conn
            .query_row(
                "SELECT count(*) FROM labels WHERE namespace = 'default'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0, "{k:?} kept {kept}, grouped {grouped}");
    }
}

#[tokio::test]
async fn a_file_of_the_second_layout_gets_its_label_index_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let c = Embedded::open(&path).unwrap();
        c.apply("", labelled(LABELLED_KINDS[1], "a", json!({"app": "x"})))
            .await
            .unwrap();
        c.apply("", labelled(LABELLED_KINDS[1], "b", json!({"app": "y"})))
            .await
            .unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE labels; PRAGMA user_version = 1;")
            .unwrap();
    }
    let c = Embedded::open(&path).unwrap();
    assert_eq!(selected(&c, LABELLED_KINDS[1], &[("app", "x")]).await, ["a"]);
    assert_eq!(selected(&c, LABELLED_KINDS[1], &[("app", "y")]).await, ["b"]);
}

#[tokio::test]
async fn resource_versions_keep_increasing_across_processes_groups_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let grouped = Embedded::open(&path)
        .unwrap()
        .group_commits(Duration::from_secs(3600));
    let other = Embedded::open(&path).unwrap();
    let mut seen = Vec::new();
    for round in 0..3 {
        for i in 0..3 {
            let name = format!("g{round}-{i}");
            seen.push(rv(&grouped
                .apply("", cm(&name, "default", json!({})))
                .await
                .unwrap()));
        }
        grouped.flush().await.unwrap();
        // the other process continues after the group's versions, and the group after its
        let name = format!("o{round}");
        seen.push(rv(&other
            .apply("", cm(&name, "default", json!({})))
            .await
            .unwrap()));
    }
    // a failed write in a group hands out no version that a later one repeats
    let err = grouped.apply("", cm("x", "nope", json!({}))).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    seen.push(rv(&grouped
        .apply("", cm("after", "default", json!({})))
        .await
        .unwrap()));
    drop(grouped);
    drop(other);
    let reopened = Embedded::open(&path).unwrap();
    seen.push(rv(&reopened
        .apply("", cm("reopened", "default", json!({})))
        .await
        .unwrap()));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.len(), 14);
}

#[tokio::test]
async fn a_panic_while_holding_the_lock_leaves_a_usable_store_and_threads_that_waited_get_it() {
    let cluster = Arc::new(Embedded::in_memory().expect("a store"));
    cluster
        .apply("", cm("before", "default", json!({"a": "1"})))
        .await
        .expect("apply");
    // a thread waits (spinning, then asleep) while another holds the lock and panics
    let holder = Arc::clone(&cluster);
    let (held, hold) = std::sync::mpsc::channel();
    let panicking = std::thread::spawn(move || {
        let _state = holder.lock();
        held.send(()).expect("tell");
        std::thread::sleep(Duration::from_millis(50));
        panic!("a panic while holding the lock");
    });
    hold.recv().expect("held");
    let waiter = Arc::clone(&cluster);
    let waited = std::thread::spawn(move || {
        let state = waiter.lock();
        state.group.is_none()
    });
    assert!(panicking.join().is_err());
    assert!(waited.join().expect("the waiting thread"));
    assert!(!cluster.db.is_poisoned());
    cluster
        .apply("", cm("after", "default", json!({"a": "2"})))
        .await
        .expect("apply after the panic");
    let before = cluster
        .get(&key("v1", "ConfigMap", "default", "before"))
        .await
        .expect("get");
    assert_eq!(before.expect("kept")["data"]["a"], "1");
}
