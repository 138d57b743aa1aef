//! An Application's life under the controller: delivered, updated, deleted through the
//! finalizer; paused; broken beside good ones; two replicas with leader election.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Service;
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn an_application_runs_an_update_collects_and_deletion_through_the_finalizer_removes_everything() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-life").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);

    api.create(
        &PostParams::default(),
        &application("shop", &[web(), jobs()], json!({})),
    )
    .await
    .expect("create the application");
    let status = status_until(&api, "shop", "shop running", running_at(1)).await;
    assert_eq!(
        services(&status),
        [("jobs".to_owned(), true), ("web".to_owned(), true)]
    );
    assert_eq!(status["latestRevision"]["name"], "shop-v1");
    assert_eq!(status["workflow"]["status"], "succeeded");
    // its two apply-component steps, as the gauge of step phases counts them
    wait::until(TIMEOUT, "2 succeeded steps in the gauge", || async {
        let n = controller
            .metric("vela_controller_workflow_steps{phase=\"succeeded\"}")
            .await;
        if n == Some(2.0) {
            Ok(Some(()))
        } else {
            Err(format!("{n:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let app = api.get("shop").await.expect("the application");
    assert_eq!(
        app.metadata.finalizers.as_deref(),
        Some(&[FINALIZER.to_owned()][..])
    );
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    let service_api: Api<Service> = Api::namespaced(hub.client(), &ns);
    let mut names: Vec<String> = deployments
        .list(&Default::default())
        .await
        .expect("deployments")
        .items
        .into_iter()
        .filter_map(|d| d.metadata.name)
        .collect();
    names.sort();
    assert_eq!(names, ["jobs", "web"]);
    assert!(service_api.get_opt("web").await.expect("services").is_some());

    // an update that drops a component: a new revision, and its objects are collected
    let patch = json!({"spec": {"components": [web()]}});
    api.patch("shop", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("update the application");
    let status = status_until(&api, "shop", "shop running at generation 2", running_at(2)).await;
    assert_eq!(services(&status), [("web".to_owned(), true)]);
    assert_eq!(status["latestRevision"]["name"], "shop-v2");
    wait::for_deletion(&deployments, "jobs", TIMEOUT)
        .await
        .expect("the dropped component's Deployment is collected");
    assert!(deployments.get_opt("web").await.expect("read").is_some());

    // the endpoint counts what happened
    assert_eq!(controller.get("/healthz").await.map(|(c, _)| c), Some(200));
    let success = controller
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await
        .expect("the success counter");
    assert!(success >= 2.0, "{success}");
    let applies = controller
        .metric("vela_controller_applies_total")
        .await
        .expect("applies");
    assert!(
        applies >= 3.0,
        "Deployments web and jobs and Service web were applied: {applies}"
    );
    let collected = controller
        .metric("vela_controller_collections_total")
        .await
        .expect("collections");
    assert!(collected >= 1.0, "{collected}");
    assert_eq!(controller.metric("vela_controller_leader").await, Some(1.0));
    // shop is running: its resync is scheduled, and nothing waits for a worker
    let scheduled = controller
        .metric("vela_controller_queue_scheduled")
        .await
        .expect("scheduled");
    assert!(scheduled >= 1.0, "shop's resync is scheduled: {scheduled}");
    let mut depth = None;
    for _ in 0..100 {
        depth = controller.metric("vela_controller_queue_depth").await;
        if depth == Some(0.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(depth, Some(0.0), "the queue drains");
    let renders = controller
        .metric("vela_controller_renders_total")
        .await
        .expect("renders");
    assert!(renders >= 2.0, "web and jobs were rendered: {renders}");
    let seconds = controller
        .metric("vela_controller_render_seconds_total")
        .await
        .expect("render time");
    assert!(seconds > 0.0, "{seconds}");

    // deleting through the finalizer removes everything it owned
    api.delete("shop", &DeleteParams::default())
        .await
        .expect("delete");
    wait::for_deletion(&api, "shop", TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    wait::for_deletion(&deployments, "web", TIMEOUT)
        .await
        .expect("web collected");
    wait::for_deletion(&service_api, "web", TIMEOUT)
        .await
        .expect("Service web collected");
    let left: Vec<String> = trackers(hub)
        .list(&Default::default())
        .await
        .expect("trackers")
        .items
        .into_iter()
        .filter_map(|t| t.metadata.name)
        .filter(|n| n.starts_with("shop-") && n.ends_with(&ns))
        .collect();
    assert!(left.is_empty(), "ResourceTrackers left: {left:?}");
    let deleted = controller
        .metric("vela_controller_reconciles_total{result=\"deleted\"}")
        .await;
    assert_eq!(deleted, Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn a_paused_application_is_not_touched_and_a_broken_one_does_not_stop_the_others() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-pause").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);

    let paused = json!({"controller.core.oam.dev/pause": "true"});
    api.create(&PostParams::default(), &application("held", &[web()], paused))
        .await
        .expect("create the paused application");
    let broken = json!({"name": "odd", "type": "no-such-type", "properties": {}});
    api.create(
        &PostParams::default(),
        &application("broken", &[broken], json!({})),
    )
    .await
    .expect("create the broken application");
    api.create(
        &PostParams::default(),
        &application("good", &[worker("fine")], json!({})),
    )
    .await
    .expect("create the good application");

    // the broken one gets a condition, the good one runs
    let status = status_until(&api, "broken", "a condition on broken", |s| {
        s["conditions"].as_array().is_some_and(|c| !c.is_empty())
    })
    .await;
    let conditions = status["conditions"].as_array().cloned().unwrap_or_default();
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    assert_eq!(conditions[0]["type"], "Render");
    assert_eq!(conditions[0]["status"], "False");
    assert_eq!(conditions[0]["reason"], "ReconcileError");
    let message = conditions[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no-such-type"), "{message}");
    let status = status_until(&api, "good", "good running", running_at(1)).await;
    assert_eq!(services(&status), [("fine".to_owned(), true)]);

    // the paused one: no finalizer, no status, nothing applied
    let paused_count = controller
        .metric("vela_controller_reconciles_total{result=\"paused\"}")
        .await;
    assert_eq!(paused_count, Some(1.0));
    let held = api.get("held").await.expect("the paused application");
    assert_eq!(held.metadata.finalizers, None);
    assert_eq!(held.data.get("status"), None);
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(deployments.get_opt("web").await.expect("read").is_none());

    // unpaused, it runs
    let patch = json!({"metadata": {"annotations": {"controller.core.oam.dev/pause": "false"}}});
    api.patch("held", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("unpause");
    status_until(&api, "held", "held running once unpaused", running_at(1)).await;

    for name in ["held", "broken", "good"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    for name in ["held", "broken", "good"] {
        wait::for_deletion(&api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    assert!(deployments.get_opt("web").await.expect("read").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn only_the_leader_reconciles_and_a_killed_leader_is_replaced_within_the_lease() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-lease").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let elect = |id: &'static str| {
        vec![
            "--leader-elect",
            "--leader-election-namespace",
            Box::leak(ns.clone().into_boxed_str()),
            "--leader-election-lease-duration",
            "3s",
            "--leader-election-identity",
            id,
        ]
    };
    let mut first = Controller::start(hub.kubeconfig(), &ns, &elect("first"));
    let leases: Api<Lease> = Api::namespaced(hub.client(), &ns);
    let holder = |leases: Api<Lease>| async move {
        leases
            .get_opt("vela-controller")
            .await
            .ok()
            .flatten()
            .and_then(|l| l.spec)
            .and_then(|s| s.holder_identity)
    };
    wait::until(TIMEOUT, "first holds the lease", || async {
        Ok((holder(leases.clone()).await.as_deref() == Some("first")).then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", first.logs()));
    let second = Controller::start(hub.kubeconfig(), &ns, &elect("second"));
    first.ready().await;
    // the follower serves its endpoint but does not reconcile
    wait::until(TIMEOUT, "second's endpoint", || async {
        Ok(second.get("/healthz").await.map(|_| ()))
    })
    .await
    .expect("second answers");
    assert_eq!(
        second.get("/readyz").await.map(|(c, _)| c),
        Some(200),
        "a follower is ready"
    );
    let api = apps(hub, &ns);
    api.create(&PostParams::default(), &application("one", &[jobs()], json!({})))
        .await
        .expect("create");
    status_until(&api, "one", "one running", running_at(1)).await;
    assert_eq!(second.metric("vela_controller_leader").await, Some(0.0));
    let by_second = second
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await;
    assert_eq!(by_second, Some(0.0), "the follower reconciled");

    // SIGKILL: the lease is not released; the follower takes over once it expires (3 s)
    let killed_at = std::time::Instant::now();
    first.signal("KILL");
    assert!(first.wait_exit(Duration::from_secs(10)).is_some());
    wait::until(TIMEOUT, "second holds the lease", || async {
        Ok((holder(leases.clone()).await.as_deref() == Some("second")).then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", second.logs()));
    let handover = killed_at.elapsed();
    // the lease lasts 3 s and the follower tries every 400 ms
    assert!(handover < Duration::from_secs(6), "handover took {handover:?}");
    let lease = leases.get("vela-controller").await.expect("the lease");
    assert_eq!(lease.spec.and_then(|s| s.lease_transitions), Some(1));
    api.create(
        &PostParams::default(),
        &application("two", &[worker("jobs-two")], json!({})),
    )
    .await
    .expect("create");
    status_until(&api, "two", "two running under the new leader", running_at(1)).await;

    // SIGTERM: a graceful stop that releases the lease
    let mut second = second;
    for name in ["one", "two"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
        wait::for_deletion(&api, name, TIMEOUT).await.expect("deleted");
    }
    second.signal("TERM");
    let status = second
        .wait_exit(Duration::from_secs(20))
        .expect("second stops on SIGTERM");
    assert!(status.success(), "{status:?}\n{}", second.logs());
    assert_eq!(holder(leases.clone()).await, None, "the lease is released");
    drop(first);
}
