//! Model-based test on the embedded cluster: random sequences of deliveries (components added
//! and dropped, with or without a garbage-collect policy that keeps every component until the
//! application is deleted) and deletions across three applications. After every step, what
//! exists is exactly what the model says: each live application owns the objects of its current
//! components, and of the dropped ones the policy kept, and nothing else; a deleted application
//! leaves nothing behind; an object of one application is never touched by another; replaying a
//! delivery changes nothing.

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
    vela_render::app::parse(&text).expect("a valid application")
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
