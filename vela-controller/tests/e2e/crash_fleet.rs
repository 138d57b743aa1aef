//! Crash safety across clusters: Applications placed by a topology on the hub and two member
//! clusters (joined through the cluster registry), the controller killed with SIGKILL at random
//! points during the deploys to several clusters and during the garbage collection in every
//! cluster after an update, and started again at once. The same laws as the single-cluster
//! trials: every workflow finishes, no succeeded step runs again, every Deployment in every
//! cluster is written once (generation 1), nothing is orphaned in any cluster.
//!
//! `VELA_CRASH_FLEET_TRIALS` sets the number of kills (default 24), `VELA_CRASH_SEED` the seed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use vela_multicluster::registry;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::crash::{Rng, Steps, delete_all, deployments, observe, phases, trackers_of, trials_and_seed};
use crate::support::*;

const APPS_PER_ROUND: usize = 4;
const KILLS_DELIVERING: usize = 5;
const KILLS_UPDATING: usize = 3;

/// Components `a`, `b` (and, before the update, `c`) placed on the hub and both members by a
/// `deploy` step, after a short suspend.
fn spec(name: &str, members: &[String], with_c: bool) -> Value {
    let parts: &[&str] = if with_c { &["a", "b", "c"] } else { &["a", "b"] };
    let comps: Vec<Value> = parts
        .iter()
        .map(|p| json!({"name": format!("{name}-{p}"), "type": "worker", "properties": {"image": "busybox"}}))
        .collect();
    let mut clusters = vec!["local".to_owned()];
    clusters.extend(members.iter().cloned());
    json!({
        "components": comps,
        "policies": [{"name": "everywhere", "type": "topology", "properties": {"clusters": clusters}}],
        "workflow": {"steps": [
            {"name": "pause", "type": "suspend", "properties": {"duration": "1s"}},
            {"name": "deploy", "type": "deploy", "properties": {"policies": ["everywhere"]}},
        ]},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 3)"]
async fn a_controller_killed_during_multicluster_deploys_and_collections_loses_nothing() {
    let (trials, seed) = trials_and_seed("VELA_CRASH_FLEET_TRIALS", 24);
    eprintln!("fleet crash trials: {trials} kills, VELA_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let clusters = Clusters::at_least(3).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-fleet").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let fleet = vela_multicluster::Fleet::kube(hub.client());
    let mut members = Vec::new();
    for (i, member) in clusters.members()[..2].iter().enumerate() {
        let name = format!("{ns}-m{i}");
        let joined = registry::cluster_from_kubeconfig(Some(member.kubeconfig()), None, Some(&name))
            .expect("the member's kubeconfig");
        registry::join(&**fleet.hub(), &joined).await.expect("join");
        members.push(name);
    }
    let _simulators: Vec<Simulator> = clusters.all()[..3]
        .iter()
        .map(|c| Simulator::start(c.client(), &ns))
        .collect();
    let api = apps(hub, &ns);
    let deploys: Vec<Api<Deployment>> = clusters.all()[..3]
        .iter()
        .map(|c| Api::namespaced(c.client(), &ns))
        .collect();
    let steps = Arc::new(Mutex::new(Steps::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let observer = tokio::spawn(observe(api.clone(), steps.clone(), stop.clone()));
    let started = Instant::now();

    let mut controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    let mut kills = 0;
    let mut names: Vec<String> = Vec::new();
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
        let batch: Vec<String> = (0..APPS_PER_ROUND).map(|i| format!("f{round}-{i}")).collect();
        for name in &batch {
            let app: DynamicObject = serde_json::from_value(json!({
                "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
                "metadata": {"name": name}, "spec": spec(name, &members, true),
            }))
            .unwrap();
            api.create(&PostParams::default(), &app).await.expect("create");
        }
        for _ in 0..KILLS_DELIVERING {
            tokio::time::sleep(rng.millis(50, 1500)).await;
            phases(&api, &batch, &mut at_kill).await;
            kill(&mut controller, &mut kills);
        }
        for name in &batch {
            let status = status_until(&api, name, &format!("{name} running"), running_at(1)).await;
            let placed: BTreeSet<String> = status["services"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    format!(
                        "{}@{}",
                        s["name"].as_str().unwrap_or_default(),
                        s["cluster"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            assert_eq!(placed.len(), 9, "{name}: 3 components x 3 clusters: {placed:?}");
        }
        for (i, d) in deploys.iter().enumerate() {
            let live = deployments(d).await;
            for name in &batch {
                for p in ["a", "b", "c"] {
                    let key = format!("{name}-{p}");
                    assert_eq!(
                        live.get(&key),
                        Some(&1),
                        "cluster {i}: {key} written more than once (seed {seed})"
                    );
                }
            }
        }
        // the update drops c: collected from all three clusters once the workflow succeeds
        for name in &batch {
            let patch = json!({"spec": spec(name, &members, false)});
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .expect("update");
        }
        for _ in 0..KILLS_UPDATING {
            tokio::time::sleep(rng.millis(20, 1500)).await;
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
            for d in &deploys {
                wait::for_deletion(d, &format!("{name}-c"), TIMEOUT)
                    .await
                    .unwrap_or_else(|e| panic!("{e} (seed {seed})"));
            }
        }
        names.extend(batch);
        round += 1;
    }

    let expected: BTreeSet<String> = names
        .iter()
        .flat_map(|n| [format!("{n}-a"), format!("{n}-b")])
        .collect();
    for (i, d) in deploys.iter().enumerate() {
        let live = deployments(d).await;
        assert_eq!(
            live.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "cluster {i} (seed {seed})"
        );
        let rewritten: Vec<_> = live.iter().filter(|(_, g)| **g != 1).collect();
        assert!(
            rewritten.is_empty(),
            "cluster {i}: written with different content: {rewritten:?} (seed {seed})"
        );
    }
    stop.store(true, Ordering::Relaxed);
    observer.await.expect("the observer");
    {
        let observed = steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        assert!(
            observed.reruns.is_empty(),
            "succeeded steps ran again: {:#?} (seed {seed})",
            observed.reruns
        );
    }
    delete_all(&api, &names, &controller).await;
    for (i, d) in deploys.iter().enumerate() {
        assert!(
            deployments(d).await.is_empty(),
            "cluster {i}: orphans after deletion"
        );
    }
    let left = trackers_of(hub, &ns).await;
    assert!(left.is_empty(), "ResourceTrackers left: {left:?}");
    for m in &members {
        registry::detach(&**fleet.hub(), m).await.expect("detach");
    }
    eprintln!("what the applications were doing at the kills: {at_kill:#?}");
    eprintln!(
        "fleet crash trials: {kills} kills over {} applications on 3 clusters in {:.1}s, 0 reruns, 0 rewrites, 0 orphans",
        names.len(),
        started.elapsed().as_secs_f64()
    );
}
