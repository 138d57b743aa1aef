//! Sharding: a master that schedules and two shards that reconcile only their own
//! Applications; a master that discovers the shards from their heartbeat Leases.

use std::collections::BTreeMap;

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube::api::{ListParams, PostParams};
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
        &[
            "--enable-sharding",
            "--schedulable-shards",
            "shard-a,shard-b",
            "--leader-election-namespace",
            &ns,
        ],
    );
    let shard_a = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--enable-sharding",
            "--shard-id",
            "shard-a",
            "--leader-election-namespace",
            &ns,
        ],
    );
    let shard_b = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--enable-sharding",
            "--shard-id",
            "shard-b",
            "--leader-election-namespace",
            &ns,
        ],
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

/// The shard label of each named Application once it runs, counted by shard.
async fn shards_of(api: &Api<kube::api::DynamicObject>, names: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for name in names {
        status_until(api, name, &format!("{name} running"), running_at(1)).await;
        let app = api.get(name).await.expect("the application");
        let shard = app
            .metadata
            .labels
            .unwrap_or_default()
            .remove(LABEL)
            .expect("a shard label");
        *counts.entry(shard).or_insert(0) += 1;
    }
    counts
}

/// Waits until the heartbeat Leases held in `ns` are exactly `want`.
async fn heartbeats(leases: &Api<Lease>, want: &[&str]) {
    wait::until(TIMEOUT, "the shards' heartbeat Leases", || async {
        let list = leases
            .list(&ListParams::default().labels("controller.core.oam.dev/shard-id"))
            .await
            .map_err(|e| e.to_string())?;
        let live = vela_controller::shard::live_shards(&list.items, jiff::Timestamp::now());
        if live == want {
            Ok(Some(()))
        } else {
            Err(format!("live: {live:?}, want {want:?}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn without_schedulable_shards_the_master_schedules_to_the_shards_that_beat() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-discover").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let sharded = |id: &'static str| {
        vec![
            "--enable-sharding",
            "--shard-id",
            id,
            "--leader-election-lease-duration",
            "3s",
            "--sharding-slave-discovery-resync-period",
            "500ms",
        ]
    };
    let args = |id| {
        let mut a = sharded(id);
        a.extend(["--leader-election-namespace", ns.as_str()]);
        a
    };
    let master = Controller::start(hub.kubeconfig(), &ns, &args("master"));
    let shard_a = Controller::start(hub.kubeconfig(), &ns, &args("shard-a"));
    let shard_b = Controller::start(hub.kubeconfig(), &ns, &args("shard-b"));
    for c in [&master, &shard_a, &shard_b] {
        c.ready().await;
    }
    let leases: Api<Lease> = Api::namespaced(hub.client(), &ns);
    heartbeats(&leases, &["master", "shard-a", "shard-b"]).await;
    // the master lists the Leases every 500 ms
    tokio::time::sleep(Duration::from_secs(2)).await;

    let api = apps(hub, &ns);
    let create = |names: Vec<String>| {
        let api = api.clone();
        async move {
            for name in &names {
                api.create(
                    &PostParams::default(),
                    &application(name, &[worker(&format!("{name}-jobs"))], json!({})),
                )
                .await
                .expect("create");
            }
            names
        }
    };
    let first = create((1..=6).map(|i| format!("first-{i}")).collect()).await;
    assert_eq!(
        shards_of(&api, &first).await,
        BTreeMap::from([("master".into(), 2), ("shard-a".into(), 2), ("shard-b".into(), 2)]),
        "{}",
        master.logs()
    );

    // shard-b dies without letting its Lease go: once the Lease expires (3 s) and the master
    // has listed again, it gets no new Applications
    drop(shard_b);
    heartbeats(&leases, &["master", "shard-a"]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let second = create((1..=4).map(|i| format!("second-{i}")).collect()).await;
    assert_eq!(
        shards_of(&api, &second).await,
        BTreeMap::from([("master".into(), 2), ("shard-a".into(), 2)]),
        "{}",
        master.logs()
    );
    // shard-a stops gracefully and lets its Lease go at once
    shard_a.signal("TERM");
    heartbeats(&leases, &["master"]).await;
}
