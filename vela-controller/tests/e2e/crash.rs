//! Crash safety: the controller is killed with SIGKILL at random points while workflows run
//! (before a step, inside a timed suspend, between applies, during garbage collection after an
//! update) and started again at once. Every workflow must finish; a step the status once showed
//! as succeeded never runs again (its `lastExecuteTime` never moves); no object is written with
//! different content within one generation (each Deployment's `metadata.generation` stays 1);
//! nothing is orphaned (the namespace holds exactly what the applications own, and nothing once
//! they are deleted).
//!
//! `VELA_CRASH_TRIALS` sets the number of kills (default 50), `VELA_CRASH_SEED` the random seed
//! (printed, so that a failure can be replayed).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

/// Applications started together in one round.
const APPS_PER_ROUND: usize = 8;
/// Kills while a round's workflows run, and while their updates run.
const KILLS_DELIVERING: usize = 7;
const KILLS_UPDATING: usize = 3;

/// The number of kills (`trials_var`, else `default`) and the random seed (`VELA_CRASH_SEED`,
/// else the clock's nanoseconds, odd).
pub(crate) fn trials_and_seed(trials_var: &str, default: usize) -> (usize, u64) {
    let trials = std::env::var(trials_var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    let seed = std::env::var("VELA_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    (trials, seed)
}

/// Deletes the applications `names` and waits until each is gone (the controller's finalizer
/// has collected what it owned).
pub(crate) async fn delete_all(api: &Api<DynamicObject>, names: &[String], controller: &Controller) {
    for name in names {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    for name in names {
        wait::for_deletion(api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
}

/// The ResourceTrackers of the applications of namespace `ns` still in the hub.
pub(crate) async fn trackers_of(hub: &vela_test_support::cluster::Cluster, ns: &str) -> Vec<String> {
    trackers(hub)
        .list(&ListParams::default())
        .await
        .expect("trackers")
        .items
        .into_iter()
        .filter_map(|t| t.metadata.name)
        .filter(|n| n.ends_with(ns))
        .collect()
}

/// xorshift64*: enough randomness for kill times, and replayable from its seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

fn components(name: &str, with_c: bool) -> (Vec<Value>, Vec<Value>) {
    let parts: &[&str] = if with_c { &["a", "b", "c"] } else { &["a", "b"] };
    let comps = parts
        .iter()
        .map(|p| json!({"name": format!("{name}-{p}"), "type": "worker", "properties": {"image": "busybox"}}))
        .collect();
    let mut steps = vec![
        json!({"name": "first", "type": "apply-component", "properties": {"component": format!("{name}-a")}}),
    ];
    steps.push(json!({"name": "pause", "type": "suspend", "properties": {"duration": "1s"}}));
    for p in &parts[1..] {
        steps.push(json!({"name": format!("apply-{p}"), "type": "apply-component", "properties": {"component": format!("{name}-{p}")}}));
    }
    (comps, steps)
}

fn app(name: &str) -> DynamicObject {
    let (comps, steps) = components(name, true);
    serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name},
        "spec": {"components": comps, "workflow": {"steps": steps}},
    }))
    .expect("an Application")
}

/// Records the `lastExecuteTime` of every step the status shows as succeeded, per application
/// revision, and every time one moves afterwards.
#[derive(Default)]
pub(crate) struct Steps {
    pub(crate) seen: BTreeMap<(String, String, String), String>,
    pub(crate) reruns: Vec<String>,
}

pub(crate) async fn observe(apps: Api<DynamicObject>, steps: Arc<Mutex<Steps>>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        if let Ok(list) = apps.list(&ListParams::default()).await {
            let mut s = steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for a in list.items {
                let name = a.metadata.name.clone().unwrap_or_default();
                let wf = &a.data["status"]["workflow"];
                let rev = wf["appRevision"].as_str().unwrap_or_default().to_owned();
                for step in wf["steps"].as_array().into_iter().flatten() {
                    if step["phase"] != "succeeded" {
                        continue;
                    }
                    let key = (
                        name.clone(),
                        rev.clone(),
                        step["name"].as_str().unwrap_or_default().to_owned(),
                    );
                    let at = step["lastExecuteTime"].as_str().unwrap_or_default().to_owned();
                    match s.seen.get(&key) {
                        Some(first) if *first != at => {
                            let rerun = format!("{key:?} succeeded at {first}, ran again at {at}");
                            s.reruns.push(rerun);
                        }
                        Some(_) => {}
                        None => {
                            s.seen.insert(key, at);
                        }
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Counts what the applications of `batch` were doing (phase, and the step running) when a
/// kill came: the book reports it.
pub(crate) async fn phases(api: &Api<DynamicObject>, batch: &[String], into: &mut BTreeMap<String, usize>) {
    for name in batch {
        let Ok(a) = api.get(name).await else { continue };
        let status = &a.data["status"];
        let phase = status["status"].as_str().unwrap_or("new");
        let running = status["workflow"]["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["phase"] != "succeeded")
            .and_then(|s| s["name"].as_str())
            .unwrap_or("-");
        let generation = a.metadata.generation.unwrap_or_default();
        *into
            .entry(format!("gen {generation} {phase} ({running})"))
            .or_default() += 1;
    }
}

pub(crate) async fn deployments(api: &Api<Deployment>) -> BTreeMap<String, i64> {
    api.list(&ListParams::default())
        .await
        .expect("deployments")
        .items
        .into_iter()
        .map(|d| {
            (
                d.metadata.name.unwrap_or_default(),
                d.metadata.generation.unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn a_controller_killed_at_random_points_resumes_every_workflow_without_rerunning_or_orphaning() {
    let (trials, seed) = trials_and_seed("VELA_CRASH_TRIALS", 50);
    eprintln!("crash trials: {trials} kills, VELA_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-crash").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let api = apps(hub, &ns);
    let deploys: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    let steps = Arc::new(Mutex::new(Steps::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let observer = tokio::spawn(observe(api.clone(), steps.clone(), stop.clone()));
    let started = Instant::now();

    let mut controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    let mut kills = 0;
    let mut names = Vec::new();
    let mut at_kill: BTreeMap<String, usize> = BTreeMap::new();
    let kill = |controller: &mut Controller, kills: &mut usize| {
        controller.signal("KILL");
        assert!(
            controller.wait_exit(Duration::from_secs(10)).is_some(),
            "SIGKILL did not stop it"
        );
        *kills += 1;
        *controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    };
    let mut round = 0;
    while kills < trials {
        let batch: Vec<String> = (0..APPS_PER_ROUND).map(|i| format!("r{round}-{i}")).collect();
        for name in &batch {
            api.create(&PostParams::default(), &app(name))
                .await
                .expect("create");
        }
        for _ in 0..KILLS_DELIVERING {
            tokio::time::sleep(rng.millis(50, 1500)).await;
            phases(&api, &batch, &mut at_kill).await;
            kill(&mut controller, &mut kills);
        }
        for name in &batch {
            status_until(&api, name, &format!("{name} running"), running_at(1)).await;
        }
        let live = deployments(&deploys).await;
        for name in &batch {
            for p in ["a", "b", "c"] {
                let d = format!("{name}-{p}");
                assert_eq!(
                    live.get(&d),
                    Some(&1),
                    "Deployment {d} written more than once (seed {seed})"
                );
            }
        }
        // the update drops component c: garbage collection runs once the workflow succeeds
        for name in &batch {
            let (comps, steps) = components(name, false);
            let patch = json!({"spec": {"components": comps, "workflow": {"steps": steps}}});
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .expect("update");
        }
        for _ in 0..KILLS_UPDATING {
            tokio::time::sleep(rng.millis(20, 1200)).await;
            phases(&api, &batch, &mut at_kill).await;
            kill(&mut controller, &mut kills);
        }
        for name in &batch {
            status_until(
                &api,
                name,
                &format!("{name} running at generation 2"),
                running_at(2),
            )
            .await;
            wait::for_deletion(&deploys, &format!("{name}-c"), TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("{e} (seed {seed})"));
        }
        names.extend(batch);
        round += 1;
    }

    // nothing orphaned: exactly a and b of every application, each written once
    let live = deployments(&deploys).await;
    let expected: BTreeSet<String> = names
        .iter()
        .flat_map(|n| [format!("{n}-a"), format!("{n}-b")])
        .collect();
    assert_eq!(
        live.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "seed {seed}"
    );
    let rewritten: Vec<_> = live.iter().filter(|(_, g)| **g != 1).collect();
    assert!(
        rewritten.is_empty(),
        "written with different content: {rewritten:?} (seed {seed})"
    );

    stop.store(true, Ordering::Relaxed);
    observer.await.expect("the observer");
    let seen = {
        let observed = steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        assert!(
            observed.reruns.is_empty(),
            "succeeded steps ran again: {:#?} (seed {seed})",
            observed.reruns
        );
        observed.seen.clone()
    };
    // every application ends with its three steps of revision 2 succeeded, each at the time the
    // observer first saw it succeed (when it saw it)
    for name in &names {
        let a = api.get(name).await.expect("the application");
        let wf = &a.data["status"]["workflow"];
        let done: Vec<&str> = wf["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["phase"] == "succeeded")
            .filter_map(|s| s["name"].as_str())
            .collect();
        assert_eq!(done, ["first", "pause", "apply-b"], "{name} (seed {seed})");
        for step in wf["steps"].as_array().into_iter().flatten() {
            let key = (
                name.clone(),
                format!("{name}-v2"),
                step["name"].as_str().unwrap_or_default().to_owned(),
            );
            if let Some(first) = seen.get(&key) {
                assert_eq!(step["lastExecuteTime"].as_str(), Some(first.as_str()), "{key:?}");
            }
        }
        assert_eq!(wf["appRevision"], format!("{name}-v2"));
    }

    delete_all(&api, &names, &controller).await;
    assert!(deployments(&deploys).await.is_empty(), "orphans after deletion");
    let left = trackers_of(hub, &ns).await;
    assert!(left.is_empty(), "ResourceTrackers left: {left:?}");
    eprintln!("what the applications were doing at the kills: {at_kill:#?}");
    eprintln!(
        "crash trials: {kills} kills over {} applications in {:.1}s, 0 reruns, 0 rewrites, 0 orphans",
        names.len(),
        started.elapsed().as_secs_f64()
    );
}
