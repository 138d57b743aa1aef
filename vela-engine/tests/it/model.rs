//! Model-based test on the embedded cluster: random sequences of deliveries (components added
//! and dropped, with or without a garbage-collect policy that keeps every component until the
//! application is deleted) and deletions across three applications. After every step, what
//! exists is exactly what the model says: each live application owns the objects of its current
//! components, and of the dropped ones the policy kept, and nothing else; a deleted application
//! leaves nothing behind; an object of one application is never touched by another; replaying a
//! delivery changes nothing.
//!
//! A second sequence also varies placement: two virtual members (`m1`, `m2`) are joined to the
//! embedded cluster and each delivery carries a topology policy over a random subset of
//! `{local, m1, m2}` (or none, which means `local`), so the subset changes between deliveries.
//! After every step each live application owns exactly the objects of its components in
//! exactly its current clusters (what it left behind on a dropped cluster is collected), a
//! deleted application leaves nothing in any cluster, no step rewrites an object of another
//! application, and replaying a delivery writes nothing anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::Value;
use vela_engine::Engine;
use vela_multicluster::{Embedded, Objects};
use vela_render::{Registry, Renderer};

const APPS: [&str; 3] = ["alpha", "beta", "gamma"];
const COMPONENTS: [&str; 4] = ["web", "api", "jobs", "cache"];

#[derive(Debug, Clone)]
enum Op {
    /// Deliver app `.0` with the components whose bits are set in `.1`; with `.2`, a
    /// garbage-collect policy makes every component `onAppDelete`.
    Up(usize, u8, bool),
    /// Delete app `.0`.
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..APPS.len(), 1u8..16, prop::bool::weighted(0.25)).prop_map(|(a, c, k)| Op::Up(a, c, k)),
        1 => (0..APPS.len()).prop_map(Op::Delete),
    ]
}

/// The application: component names are prefixed with the app so apps never collide; `web`
/// exposes a port (a Deployment and a Service), the others are workers (a Deployment).
fn application(app: &str, components: u8, keep: bool) -> vela_model::application::Application {
    vela_render::app::parse(&application_text(app, components, keep)).expect("a valid application")
}

/// The YAML text of [`application`].
fn application_text(app: &str, components: u8, keep: bool) -> String {
    let comps: Vec<String> = COMPONENTS
        .iter()
        .enumerate()
        .filter(|(i, _)| components & (1 << i) != 0)
        .map(|(_, c)| {
            if *c == "web" {
                format!("    - {{name: {app}-{c}, type: webservice, properties: {{image: nginx, ports: [{{port: 80, expose: true}}]}}}}")
            } else {
                format!("    - {{name: {app}-{c}, type: worker, properties: {{image: busybox}}}}")
            }
        })
        .collect();
    let mut text = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: {app}}}\nspec:\n  components:\n{}\n",
        comps.join("\n")
    );
    if keep {
        let names: Vec<String> = COMPONENTS.iter().map(|c| format!("{app}-{c}")).collect();
        text.push_str(&format!(
            "  policies:\n    - {{name: keep, type: garbage-collect, properties: {{rules: [{{selector: {{componentNames: [{}]}}, strategy: onAppDelete}}]}}}}\n",
            names.join(", ")
        ));
    }
    text
}

/// What the model expects to exist: `kind/name` by owning app.
fn expected(model: &BTreeMap<usize, u8>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (&a, &components) in model {
        for (i, c) in COMPONENTS.iter().enumerate() {
            if components & (1 << i) != 0 {
                out.insert((APPS[a].to_owned(), format!("Deployment/{}-{c}", APPS[a])));
                if *c == "web" {
                    out.insert((APPS[a].to_owned(), format!("Service/{}-{c}", APPS[a])));
                }
            }
        }
    }
    out
}

async fn live(cluster: &Embedded) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (v, kind) in [("apps/v1", "Deployment"), ("v1", "Service")] {
        for obj in cluster
            .list("", v, kind, "default", &Default::default())
            .await
            .unwrap()
        {
            let owner = obj["metadata"]["labels"]["app.oam.dev/name"]
                .as_str()
                .unwrap_or("<none>")
                .to_owned();
            out.insert((
                owner,
                format!("{kind}/{}", obj["metadata"]["name"].as_str().unwrap()),
            ));
        }
    }
    out
}

async fn versions(cluster: &Embedded) -> Vec<Value> {
    let mut all = Vec::new();
    for (v, kind) in [("apps/v1", "Deployment"), ("v1", "Service")] {
        for obj in cluster.list("", v, kind, "", &Default::default()).await.unwrap() {
            all.push(obj["metadata"]["resourceVersion"].clone());
        }
    }
    all
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let cluster = Arc::new(Embedded::in_memory().unwrap());
        let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
        // per live app: the components whose objects exist, those the root tracker holds,
        // and whether it has a root tracker
        let mut model: BTreeMap<usize, (u8, u8, bool)> = BTreeMap::new();
        for op in ops {
            match *op {
                Op::Up(a, components, keep) => {
                    let app = application(APPS[a], components, keep);
                    let mut delivered = engine.up(&app).await.unwrap();
                    // workloads become ready between passes, as `vela up` makes them
                    for _ in 0..5 {
                        if delivered.workflow != vela_workflow::RunPhase::Executing {
                            break;
                        }
                        cluster.simulate_readiness("").unwrap();
                        delivered = engine.reconcile("default", APPS[a]).await.unwrap().unwrap();
                    }
                    prop_assert_eq!(delivered.workflow, vela_workflow::RunPhase::Succeeded);
                    let (live, root, has_root) = model.get(&a).copied().unwrap_or_default();
                    let next = if keep {
                        // every component is onAppDelete: nothing that existed goes
                        (live | components, root | components | live, true)
                    } else {
                        // what the root tracker holds stays; the rest follows the components
                        let root = root & !components;
                        (components | root, root, has_root)
                    };
                    model.insert(a, next);
                    // replaying the same delivery writes nothing
                    let before = versions(&cluster).await;
                    engine.up(&app).await.unwrap();
                    prop_assert_eq!(versions(&cluster).await, before, "a replay changed objects");
                }
                Op::Delete(a) => {
                    let removed = engine.delete("default", APPS[a], false).await.unwrap();
                    prop_assert_eq!(removed.is_some(), model.remove(&a).is_some());
                }
            }
            let objects: BTreeMap<usize, u8> = model.iter().map(|(a, m)| (*a, m.0)).collect();
            prop_assert_eq!(live(&cluster).await, expected(&objects), "after {:?}", op);
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
            let expected_trackers = model.values().map(|m| 1 + usize::from(m.2)).sum::<usize>();
            prop_assert_eq!(
                trackers.len(),
                expected_trackers,
                "one versioned tracker per live application, and its root tracker"
            );
        }
        Ok(())
    })
}

proptest! {
    // 200 sequences in `cargo test`; CI runs 1,000 (.ci/suites/40-engine-model.sh) through
    // PROPTEST_CASES.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn deliveries_and_deletions_keep_the_cluster_equal_to_the_model(ops in prop::collection::vec(op(), 1..8)) {
        run(&ops)?;
    }
}

/// The clusters of the placement sequences: the name a topology policy uses and the name the
/// embedded store keeps its objects under (`local` is the hub itself, `""`).
const CLUSTERS: [(&str, &str); 3] = [("local", ""), ("m1", "m1"), ("m2", "m2")];

#[derive(Debug, Clone)]
enum Placed {
    /// Deliver app `.0` with the components whose bits are set in `.1` to the clusters whose
    /// bits are set in `.2` (a topology policy); `0` means no topology policy (`local`).
    Up(usize, u8, u8),
    /// Delete app `.0`.
    Delete(usize),
}

fn placed() -> impl Strategy<Value = Placed> {
    prop_oneof![
        4 => (0..APPS.len(), 1u8..16, 0u8..8).prop_map(|(a, c, p)| Placed::Up(a, c, p)),
        1 => (0..APPS.len()).prop_map(Placed::Delete),
    ]
}

/// The application of [`application`] (without a garbage-collect policy) placed by a topology
/// policy over the clusters whose bits are set in `clusters`.
fn placed_application(app: &str, components: u8, clusters: u8) -> vela_model::application::Application {
    let mut text = application_text(app, components, false);
    if clusters != 0 {
        let names: Vec<&str> = CLUSTERS
            .iter()
            .enumerate()
            .filter(|(i, _)| clusters & (1 << i) != 0)
            .map(|(_, (name, _))| *name)
            .collect();
        text.push_str(&format!(
            "  policies:\n    - {{name: where, type: topology, properties: {{clusters: [{}]}}}}\n",
            names.join(", ")
        ));
    }
    vela_render::app::parse(&text).expect("a valid application")
}

/// What the model expects to exist: `(cluster, owner, kind/name)`.
fn expected_placed(model: &BTreeMap<usize, (u8, u8)>) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for (&a, &(components, clusters)) in model {
        let clusters = if clusters == 0 { 1 } else { clusters };
        for (ci, (_, at)) in CLUSTERS.iter().enumerate() {
            if clusters & (1 << ci) == 0 {
                continue;
            }
            for (owner, object) in expected(&BTreeMap::from([(a, components)])) {
                out.insert(((*at).to_owned(), owner, object));
            }
        }
    }
    out
}

/// Every Deployment and Service in every cluster: `(cluster, owner, kind/name)` and its
/// resource version.
async fn everywhere(cluster: &Embedded) -> BTreeMap<(String, String, String), Value> {
    let mut out = BTreeMap::new();
    for (_, at) in CLUSTERS {
        for (v, kind) in [("apps/v1", "Deployment"), ("v1", "Service")] {
            for obj in cluster.list(at, v, kind, "", &Default::default()).await.unwrap() {
                let owner = obj["metadata"]["labels"]["app.oam.dev/name"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned();
                let name = format!("{kind}/{}", obj["metadata"]["name"].as_str().unwrap());
                out.insert(
                    (at.to_owned(), owner, name),
                    obj["metadata"]["resourceVersion"].clone(),
                );
            }
        }
    }
    out
}

/// The objects of the other applications (owner not `app`) and their versions.
fn others(
    all: &BTreeMap<(String, String, String), Value>,
    app: &str,
) -> BTreeMap<(String, String, String), Value> {
    all.iter()
        .filter(|((_, owner, _), _)| owner != app)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn run_placed(ops: &[Placed]) -> Result<(), TestCaseError> {
    use vela_multicluster::registry::{self, Cluster};
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let cluster = Arc::new(Embedded::in_memory().unwrap());
        for (name, _) in &CLUSTERS[1..] {
            registry::join(cluster.as_ref(), &Cluster::embedded(name).unwrap())
                .await
                .unwrap();
        }
        let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
        // per live app: its components and its clusters (as delivered last)
        let mut model: BTreeMap<usize, (u8, u8)> = BTreeMap::new();
        for op in ops {
            let before = everywhere(&cluster).await;
            let app_name = match *op {
                Placed::Up(a, components, clusters) => {
                    let app = placed_application(APPS[a], components, clusters);
                    let mut delivered = engine.up(&app).await.unwrap();
                    for _ in 0..5 {
                        if delivered.workflow != vela_workflow::RunPhase::Executing {
                            break;
                        }
                        for (_, at) in CLUSTERS {
                            cluster.simulate_readiness(at).unwrap();
                        }
                        delivered = engine.reconcile("default", APPS[a]).await.unwrap().unwrap();
                    }
                    prop_assert_eq!(
                        delivered.workflow,
                        vela_workflow::RunPhase::Succeeded,
                        "{:?}",
                        delivered.status.workflow
                    );
                    model.insert(a, (components, clusters));
                    // replaying the same delivery writes nothing in any cluster
                    let settled = everywhere(&cluster).await;
                    engine.up(&app).await.unwrap();
                    prop_assert_eq!(everywhere(&cluster).await, settled, "a replay changed objects");
                    APPS[a]
                }
                Placed::Delete(a) => {
                    let removed = engine.delete("default", APPS[a], false).await.unwrap();
                    prop_assert_eq!(removed.is_some(), model.remove(&a).is_some());
                    APPS[a]
                }
            };
            let after = everywhere(&cluster).await;
            prop_assert_eq!(
                others(&after, app_name),
                others(&before, app_name),
                "{:?} touched another application's objects",
                op
            );
            let live: BTreeSet<_> = after.into_keys().collect();
            prop_assert_eq!(live, expected_placed(&model), "after {:?}", op);
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
            prop_assert_eq!(
                trackers.len(),
                model.len(),
                "one versioned tracker per live application"
            );
        }
        Ok(())
    })
}

proptest! {
    // 100 sequences in `cargo test` (each step settles up to three clusters); CI's
    // PROPTEST_PLACEMENT_CASES (.ci/suites/40-engine-model.sh sets 300: each case runs three
    // clusters, and the CI budget is shared), else PROPTEST_CASES, else 100.
    #![proptest_config(ProptestConfig {
        cases: ["PROPTEST_PLACEMENT_CASES", "PROPTEST_CASES"]
            .iter()
            .find_map(|v| std::env::var(v).ok().and_then(|v| v.parse().ok()))
            .unwrap_or(100),
        ..ProptestConfig::default()
    })]

    #[test]
    fn placement_across_member_clusters_keeps_every_cluster_equal_to_the_model(ops in prop::collection::vec(placed(), 1..8)) {
        run_placed(&ops)?;
    }
}
