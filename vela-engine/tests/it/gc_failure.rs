//! The garbage-collect policy's `continueOnFailure`: a failed deletion does not stop the
//! collection (the failure is reported and retried), and the collection also runs when the
//! workflow failed. Without it, the first failure stops the collection, as before.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use vela_engine::{Engine, GC_CONDITION};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::Renderer;
use vela_workflow::RunPhase;

use crate::support::{Watched, app, cm, config_maps, registry, settle};

fn failing_engine(fails: &str) -> (Engine, Arc<Embedded>, Arc<Watched>) {
    let inner = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    let objects = Arc::new(Watched::new(inner.clone(), fails));
    (
        Engine::new(Renderer::new(registry()), objects.clone()),
        inner,
        objects,
    )
}

/// Three components, each a ConfigMap of its name; `policy` is the garbage-collect policy's
/// properties.
fn three(policy: &str) -> String {
    format!(
        "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: gc, namespace: default}}
spec:
  components:
    - {{name: a, type: plain-config}}
    - {{name: b, type: plain-config}}
    - {{name: c, type: plain-config}}
  policies:
    - {{name: gc, type: garbage-collect, properties: {policy}}}
"
    )
}

fn only_a(text: &str) -> String {
    text.replace("    - {name: b, type: plain-config}\n", "")
        .replace("    - {name: c, type: plain-config}\n", "")
}

fn tracker(name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: "ResourceTracker".into(),
        namespace: String::new(),
        name: name.into(),
    }
}

#[tokio::test]
async fn with_continue_on_failure_a_failed_delete_is_reported_and_the_rest_collected() {
    let (engine, cluster, objects) = failing_engine("b");
    let first = three("{continueOnFailure: true}");
    settle(&engine, &cluster, &first).await;
    assert_eq!(
        config_maps(cluster.as_ref(), "", "default").await,
        ["a", "b", "c"]
    );

    let second = engine.up(&app(&only_a(&first))).await.unwrap();
    assert_eq!(second.workflow, RunPhase::Succeeded);
    assert_eq!(
        second.collected,
        [cm("", "default", "c")],
        "c goes although b failed"
    );
    assert_eq!(second.uncollected.len(), 1);
    assert_eq!(second.uncollected[0].0, cm("", "default", "b"));
    assert!(
        second.uncollected[0]
            .1
            .contains("admission webhook denied the request"),
        "{:?}",
        second.uncollected
    );
    assert!(second.requeue_after.is_some(), "the collection is tried again");
    let conditions = &second.status.conditions;
    assert_eq!(conditions.len(), 1);
    assert_eq!(conditions[0].type_, GC_CONDITION);
    assert_eq!(conditions[0].reason, "DeleteFailed");
    assert!(
        conditions[0]
            .message
            .starts_with("could not delete 1 outdated object(s): ConfigMap default/b in cluster local: "),
        "{}",
        conditions[0].message
    );
    let stored = engine.get("default", "gc").await.unwrap().unwrap();
    assert_eq!(
        stored.status.unwrap().conditions.len(),
        1,
        "the condition is stored"
    );
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["a", "b"]);
    assert!(
        cluster.get(&tracker("gc-v1-default")).await.unwrap().is_some(),
        "the old tracker stays while it holds an object not collected"
    );

    // still failing: the next reconcile tries again and reports it again
    let again = engine.reconcile("default", "gc").await.unwrap().unwrap();
    assert_eq!(again.uncollected.len(), 1);
    assert!(again.collected.is_empty());

    // once the delete works, the next reconcile collects it and clears the condition
    objects.failing.store(false, Ordering::SeqCst);
    let third = engine.reconcile("default", "gc").await.unwrap().unwrap();
    assert_eq!(third.collected, [cm("", "default", "b")]);
    assert!(third.uncollected.is_empty());
    assert!(third.status.conditions.is_empty());
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["a"]);
    assert!(cluster.get(&tracker("gc-v1-default")).await.unwrap().is_none());
    // and then there is nothing left to collect
    let quiet = engine.reconcile("default", "gc").await.unwrap().unwrap();
    assert!(quiet.collected.is_empty() && quiet.uncollected.is_empty());
    assert_eq!(quiet.requeue_after, None);
}

/// A collection left to retry does not run while a newer generation's workflow still runs:
/// a later step of it may render what the retry would delete.
#[tokio::test]
async fn a_pending_collection_waits_for_the_next_workflow_to_finish() {
    let (engine, cluster, objects) = failing_engine("b");
    let first = three("{continueOnFailure: true}");
    settle(&engine, &cluster, &first).await;
    let second = engine.up(&app(&only_a(&first))).await.unwrap();
    assert_eq!(second.uncollected.len(), 1, "b is left with the condition");
    objects.failing.store(false, Ordering::SeqCst);
    // generation 3 renders b again, after a workload that is not ready yet
    let third_text = only_a(&first).replace(
        "    - {name: a, type: plain-config}\n",
        "    - {name: a, type: plain-config}\n    - {name: w, type: webservice, properties: {image: nginx}}\n    - {name: b, type: plain-config, dependsOn: [w]}\n",
    );
    let third = engine.up(&app(&third_text)).await.unwrap();
    assert_eq!(third.workflow, RunPhase::Executing);
    assert!(third.collected.is_empty(), "{:?}", third.collected);
    assert_eq!(
        config_maps(cluster.as_ref(), "", "default").await,
        ["a", "b"],
        "b is not deleted while generation 3 is on its way to render it"
    );
    let done = settle(&engine, &cluster, &third_text).await;
    assert_eq!(done.workflow, RunPhase::Succeeded);
    assert!(done.status.conditions.is_empty(), "{:?}", done.status.conditions);
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["a", "b"]);
}

#[tokio::test]
async fn without_continue_on_failure_the_first_failed_delete_stops_the_collection() {
    let (engine, cluster, objects) = failing_engine("b");
    let first = three("{keepLegacyResource: false}");
    settle(&engine, &cluster, &first).await;

    let err = engine.up(&app(&only_a(&first))).await.unwrap_err();
    let text = vela_engine_chain(&err);
    assert!(text.contains("admission webhook denied the request"), "{text}");
    // b failed first (the tracker's order), so c was not deleted either
    assert_eq!(
        config_maps(cluster.as_ref(), "", "default").await,
        ["a", "b", "c"]
    );

    // the next reconcile runs the pass again and collects both
    objects.failing.store(false, Ordering::SeqCst);
    let retried = engine.reconcile("default", "gc").await.unwrap().unwrap();
    let mut collected: Vec<&str> = retried.collected.iter().map(|k| k.name.as_str()).collect();
    collected.sort_unstable();
    assert_eq!(collected, ["b", "c"]);
    assert!(retried.uncollected.is_empty());
    assert_eq!(config_maps(cluster.as_ref(), "", "default").await, ["a"]);
}

fn vela_engine_chain(e: &vela_engine::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Generation 2 drops `b` and runs a workflow whose second step can never succeed.
fn failing_generation(policy: &str) -> String {
    let text = only_a(&three(policy));
    format!(
        "{text}  workflow:
    steps:
      - {{name: a, type: apply-component, properties: {{component: a}}}}
      - {{name: mars, type: apply-component, properties: {{component: a, cluster: mars}}}}
"
    )
}

/// Runs generation 1 (three components), then [`failing_generation`] until its workflow
/// failed; returns the collected names of every pass of generation 2.
async fn until_failed(policy: &str) -> (Vec<String>, Vec<String>) {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    let engine = Engine::new(Renderer::new(registry()), cluster.clone())
        .with_workflow_config(vela_workflow::Config::default().with_max_step_error_retries(1));
    settle(&engine, &cluster, &three(policy)).await;
    let mut delivered = engine.up(&app(&failing_generation(policy))).await.unwrap();
    let mut collected: Vec<String> = Vec::new();
    for _ in 0..10 {
        collected.extend(delivered.collected.iter().map(|k| k.name.clone()));
        if delivered.workflow == RunPhase::Failed {
            break;
        }
        delivered = engine.reconcile("default", "gc").await.unwrap().unwrap();
    }
    assert_eq!(
        delivered.workflow,
        RunPhase::Failed,
        "{:?}",
        delivered.status.workflow
    );
    // a further reconcile of the failed workflow collects nothing more
    let after = engine.reconcile("default", "gc").await.unwrap().unwrap();
    collected.extend(after.collected.iter().map(|k| k.name.clone()));
    (collected, config_maps(cluster.as_ref(), "", "default").await)
}

#[tokio::test]
async fn with_continue_on_failure_a_failed_workflow_still_collects() {
    let (collected, left) = until_failed("{continueOnFailure: true}").await;
    let mut collected = collected;
    collected.sort();
    assert_eq!(collected, ["b", "c"]);
    assert_eq!(left, ["a"]);
}

#[tokio::test]
async fn without_continue_on_failure_a_failed_workflow_collects_nothing() {
    let (collected, left) = until_failed("{keepLegacyResource: false}").await;
    assert!(collected.is_empty(), "{collected:?}");
    assert_eq!(left, ["a", "b", "c"]);
}
