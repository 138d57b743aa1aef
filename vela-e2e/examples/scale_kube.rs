//! How fast the engine delivers many Applications to one real kube-apiserver, and how many
//! requests it costs (a benchmark, not a test).
//!
//! ```text
//! scripts/test-clusters.sh up 1
//! VELA_TEST_KUBECONFIGS=$(scripts/test-clusters.sh kubeconfigs) \
//!   cargo run --release -p vela-e2e --example scale_kube -- 500
//! ```
//!
//! Each application has 3 `webservice` components with `scaler` and `gateway` (a Deployment, a
//! Service and an Ingress each), as in `examples/scale_embedded.rs`. A readiness simulator makes
//! the Deployments ready (no kubelet runs). Printed: wall time until every workflow succeeded,
//! apps/s, reconcile p50/p99, and from the API server's own `apiserver_request_total`: requests
//! per application for the delivery and for one no-change reconcile of every application
//! (split into reads and writes).
//!
//! Each application takes 3 ClusterIPs of the test cluster's Service range (`10.0.0.0/16` in
//! `tools/testcluster`); start a fresh cluster for each run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vela_engine::Engine;
use vela_multicluster::Fleet;
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::manifests;
use vela_test_support::readiness::{Options, Simulator};
use vela_workflow::RunPhase;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const COMPONENTS: usize = 3;

fn application(index: usize, namespace: &str) -> vela_model::application::Application {
    let mut text = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\n\
         metadata: {{name: app-{index}, namespace: {namespace}}}\nspec:\n  components:\n"
    );
    for c in 0..COMPONENTS {
        text.push_str(&format!(
            "    - name: app-{index}-web-{c}\n      type: webservice\n      \
             properties: {{image: nginx:1.27, ports: [{{port: 80}}]}}\n      traits:\n        \
             - {{type: scaler, properties: {{replicas: 2}}}}\n        \
             - {{type: gateway, properties: {{domain: app-{index}-{c}.example.com, \
             http: {{\"/\": 80}}}}}}\n"
        ));
    }
    vela_render::app::parse(&text).expect("a valid application")
}

/// The API server's request counters by verb (`apiserver_request_total`, every resource).
async fn requests(cluster: &Cluster) -> Result<BTreeMap<String, f64>, Box<dyn std::error::Error>> {
    let req = http::Request::get("/metrics").body(Vec::new())?;
    let text = cluster.client().request_text(req).await?;
    let mut by_verb = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("apiserver_request_total{")) {
        let Some((labels, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let verb = labels
            .split(',')
            .find_map(|kv| kv.strip_prefix("verb=\""))
            .map(|v| v.trim_end_matches(['"', '}']).to_owned())
            .unwrap_or_default();
        *by_verb.entry(verb).or_insert(0.0) += value.parse::<f64>().unwrap_or(0.0);
    }
    Ok(by_verb)
}

/// Requests between two counter readings: (reads, writes), the scraping's own GET excluded.
fn delta(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> (f64, f64) {
    let mut reads = 0.0;
    let mut writes = 0.0;
    for (verb, n) in after {
        let d = n - before.get(verb).copied().unwrap_or(0.0);
        match verb.as_str() {
            "GET" | "LIST" | "WATCH" => reads += d,
            _ => writes += d,
        }
    }
    (reads - 1.0, writes)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100);
    let clusters = Clusters::at_least(1).await?;
    let hub = clusters.hub();
    let files = manifests::yaml_files(&vela_e2e::crds_dir())?;
    manifests::install_crds(
        &hub.client(),
        &manifests::read_crds(&files)?,
        Duration::from_secs(60),
    )
    .await?;
    let ns = hub.test_namespace("scale").await?;
    let _simulator = Simulator::all_namespaces(hub.client(), Options::default());
    let engine = Engine::new(
        Renderer::new(Registry::builtin()),
        Arc::new(Fleet::kube(hub.client())),
    )
    .with_render_cache(n * COMPONENTS);
    let apps: Vec<_> = (0..n).map(|i| application(i, ns.name())).collect();

    let counted = requests(hub).await?;
    let start = Instant::now();
    let mut times = Vec::new();
    let mut executing = Vec::new();
    for app in &apps {
        let t = Instant::now();
        let d = engine.up(app).await?;
        times.push(t.elapsed());
        if d.workflow == RunPhase::Executing {
            executing.push(app.metadata.name.clone().unwrap_or_default());
        } else if d.workflow != RunPhase::Succeeded {
            return Err(format!("{:?} after up", d.workflow).into());
        }
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while !executing.is_empty() {
        if Instant::now() > deadline {
            return Err(format!("{} apps still execute after 10 minutes", executing.len()).into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut still = Vec::new();
        for name in executing {
            let t = Instant::now();
            let d = engine
                .reconcile(ns.name(), &name)
                .await?
                .ok_or("an app disappeared")?;
            times.push(t.elapsed());
            match d.workflow {
                RunPhase::Succeeded => {}
                RunPhase::Executing => still.push(name),
                other => {
                    let steps: Vec<String> = d
                        .status
                        .workflow
                        .iter()
                        .flat_map(|w| &w.steps)
                        .map(|s| format!("{}: {}", s.name, s.message))
                        .collect();
                    return Err(format!("{name}: {other:?}: {}", steps.join("; ")).into());
                }
            }
        }
        executing = still;
    }
    let wall = start.elapsed();
    let delivered = requests(hub).await?;
    let (reads, writes) = delta(&counted, &delivered);

    let mut quiet = Vec::new();
    for app in &apps {
        let name = app.metadata.name.clone().unwrap_or_default();
        let t = Instant::now();
        let d = engine
            .reconcile(ns.name(), &name)
            .await?
            .ok_or("an app disappeared")?;
        quiet.push(t.elapsed());
        if d.workflow != RunPhase::Succeeded || !d.applied.is_empty() {
            return Err(format!("{name}: a no-change reconcile changed something").into());
        }
    }
    let (quiet_reads, quiet_writes) = delta(&delivered, &requests(hub).await?);

    times.sort();
    quiet.sort();
    println!("apps: {n} ({COMPONENTS} components each) on one kube-apiserver");
    println!(
        "wall until all succeeded: {:.2} s ({:.1} apps/s)",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "reconcile during delivery ({} passes): p50 {:.1} ms, p99 {:.1} ms",
        times.len(),
        percentile(&times, 50).as_secs_f64() * 1e3,
        percentile(&times, 99).as_secs_f64() * 1e3
    );
    println!(
        "delivery requests per app: {:.1} reads, {:.1} writes",
        reads / n as f64,
        writes / n as f64
    );
    println!(
        "no-change reconcile: p50 {:.1} ms, p99 {:.1} ms; requests per app {:.1} reads, {:.1} writes",
        percentile(&quiet, 50).as_secs_f64() * 1e3,
        percentile(&quiet, 99).as_secs_f64() * 1e3,
        quiet_reads / n as f64,
        quiet_writes / n as f64
    );
    ns.delete(None).await?;
    Ok(())
}
