//! Sharding: a master that schedules and two shards that reconcile only their own
//! Applications.

use std::collections::BTreeMap;

use kube::api::PostParams;
use serde_json::json;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

const LABEL: &str = "controller.core.oam.dev/scheduled-shard-id";
const SUCCESS: &str = "vela_controller_reconciles_total{result=\"success\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn the_master_schedules_in_turn_and_each_shard_reconciles_only_its_applications() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-shard").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let master = Controller::start(
        hub.kubeconfig(),
        &ns,
        &["--enable-sharding", "--schedulable-shards", "shard-a,shard-b"],
    );
    let shard_a = Controller::start(
        hub.kubeconfig(),
        &ns,
        &["--enable-sharding", "--shard-id", "shard-a"],
    );
    let shard_b = Controller::start(
        hub.kubeconfig(),
        &ns,
        &["--enable-sharding", "--shard-id", "shard-b"],
    );
    for c in [&master, &shard_a, &shard_b] {
        c.ready().await;
    }
    let api = apps(hub, &ns);
    let names = ["one", "two", "three", "four"];
    for name in names {
        api.create(
            &PostParams::default(),
            &application(name, &[worker(&format!("{name}-jobs"))], json!({})),
        )
        .await
        .expect("create");
    }
    // one already labelled for the master: it reconciles that one itself
    let mut pinned = application("pinned", &[worker("pinned-jobs")], json!({}));
    pinned.metadata.labels = Some([(LABEL.to_owned(), "master".to_owned())].into());
    api.create(&PostParams::default(), &pinned).await.expect("create");

    let mut shards: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in names.iter().copied().chain(["pinned"]) {
        status_until(&api, name, &format!("{name} running"), running_at(1)).await;
        let app = api.get(name).await.expect("the application");
        let shard = app
            .metadata
            .labels
            .unwrap_or_default()
            .remove(LABEL)
            .expect("a shard label");
        shards.entry(shard).or_default().push(name);
    }
    let counts: BTreeMap<&str, usize> = shards.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
    assert_eq!(
        counts,
        BTreeMap::from([("master", 1), ("shard-a", 2), ("shard-b", 2)]),
        "{shards:?}\n{}",
        master.logs()
    );
    // each controller reconciled only its own applications (each at least twice: finalizer,
    // delivery)
    for (controller, shard) in [(&master, "master"), (&shard_a, "shard-a"), (&shard_b, "shard-b")] {
        let reconciled = controller.metric(SUCCESS).await.expect("the success counter");
        assert!(
            reconciled >= 2.0 * shards[shard].len() as f64,
            "{shard}: {reconciled}"
        );
        // the gauge is refreshed every 5 s
        let want = shards[shard].len() as f64;
        wait::until(
            TIMEOUT,
            "the cache holds only the shard's applications",
            || async {
                let cached = controller.metric("vela_controller_applications").await;
                if cached == Some(want) {
                    Ok(Some(()))
                } else {
                    Err(format!("{shard}: {cached:?}, want {want}"))
                }
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
}
