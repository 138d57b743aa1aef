//! How `vela-controller` copes with many Applications on one real kube-apiserver (a benchmark,
//! not a test): cold start until every Application runs, CPU and memory of the controller
//! process, reconcile latency, and a full resync of an unchanged fleet.
//!
//! ```text
//! eval "$(scripts/test-clusters.sh up 1)"          # a fresh cluster for each run
//! cargo build --release -p vela-controller
//! cargo run --release -p vela-controller --example scale -- 2000 [CONCURRENCY]
//! ```
//!
//! Each Application has one `webservice` with `scaler` and `gateway` (a Deployment, a Service and
//! an Ingress). They are all created before the controller starts; a readiness simulator makes
//! the Deployments ready. The controller binary is `$VELA_CONTROLLER_BIN`, else
//! `$CARGO_TARGET_DIR/release/vela-controller` (`target/release/...` without the variable). The
//! Applications keep their finalizer when the run ends: start a fresh cluster for the next run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vela_engine::Engine;
use vela_engine::install::Options;
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::readiness::Simulator;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn application(index: usize) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": format!("app-{index}")},
        "spec": {"components": [{
            "name": format!("app-{index}"), "type": "webservice",
            "properties": {"image": "nginx:1.27", "ports": [{"port": 80}]},
            "traits": [
                {"type": "scaler", "properties": {"replicas": 2}},
                {"type": "gateway", "properties": {"domain": format!("app-{index}.example.com"), "http": {"/": 80}}},
            ],
        }]},
    }))
    .expect("an Application")
}

/// The API server's request counters: (reads, writes).
async fn requests(cluster: &Cluster) -> Res<(f64, f64)> {
    let req = http::Request::get("/metrics").body(Vec::new())?;
    let text = cluster.client().request_text(req).await?;
    let (mut reads, mut writes) = (0.0, 0.0);
    for line in text.lines().filter(|l| l.starts_with("apiserver_request_total{")) {
        let Some((labels, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let n: f64 = value.parse().unwrap_or(0.0);
        if ["verb=\"GET\"", "verb=\"LIST\"", "verb=\"WATCH\""]
            .iter()
            .any(|v| labels.contains(v))
        {
            reads += n;
        } else {
            writes += n;
        }
    }
    Ok((reads, writes))
}

/// `GET /metrics` of the controller.
async fn metrics(port: u16) -> Option<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").await.ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out.split_once("\r\n\r\n")?.1.to_owned())
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// The histogram's quantile `q`, as the upper bound of the bucket it falls in.
fn quantile(text: &str, q: f64) -> String {
    let name = "vela_controller_reconcile_duration_seconds_bucket{le=\"";
    let buckets: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            let (le, n) = rest.split_once("\"} ")?;
            Some((le.to_owned(), n.parse().ok()?))
        })
        .collect();
    let total = buckets.last().map_or(0.0, |b| b.1);
    buckets
        .iter()
        .find(|(_, n)| *n >= q * total)
        .map_or_else(|| "-".into(), |(le, _)| format!("<= {le} s"))
}

/// Resident memory now and at its peak (KiB), and CPU seconds used, of process `pid`.
fn process(pid: u32) -> (u64, u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key)?.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map_or(vec![], |(_, r)| r.split(' ').collect());
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (11 and 12 after the command name); 100 ticks a second
    (kib("VmRSS:"), kib("VmHWM:"), (ticks(11) + ticks(12)) / 100.0)
}

fn start(
    bin: &PathBuf,
    kubeconfig: &std::path::Path,
    ns: &str,
    port: u16,
    workers: &str,
) -> Res<std::process::Child> {
    Ok(Command::new(bin)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--namespace", ns, "--concurrency", workers, "--kube-api-qps", "0"])
        .args([
            "--metrics-addr",
            &format!("127.0.0.1:{port}"),
            "--resync-period",
            "1h",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?)
}

#[tokio::main]
async fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let workers = std::env::args().nth(2).unwrap_or_else(|| "8".into());
    let bin = std::env::var_os("VELA_CONTROLLER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target =
                std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
            target.join("release/vela-controller")
        });
    let clusters = Clusters::at_least(1).await?;
    let hub = clusters.hub();
    let ns = hub.test_namespace("scale").await?;
    let ns = ns.name().to_owned();
    let engine = Engine::new(
        Renderer::new(Registry::builtin()),
        Arc::new(vela_multicluster::Fleet::kube(hub.client())),
    );
    engine
        .install(&Options {
            namespace: ns.clone(),
            dry_run: false,
            establish_timeout: Some(Duration::from_secs(60)),
        })
        .await?;
    let _simulator = Simulator::start(hub.client(), &ns);
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("core.oam.dev", "v1beta1", "Application"));
    let apps: Api<DynamicObject> = Api::namespaced_with(hub.client(), &ns, &ar);
    let created = Instant::now();
    let mut pending = futures_util::stream::iter((0..n).map(|i| {
        let apps = apps.clone();
        async move {
            apps.create(&PostParams::default(), &application(i))
                .await
                .map(|_| ())
        }
    }));
    {
        use futures_util::StreamExt as _;
        let results: Vec<_> = (&mut pending).buffer_unordered(16).collect().await;
        if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
            return Err(e.into());
        }
    }
    eprintln!(
        "{n} Applications created in {:.1}s",
        created.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let before = requests(hub).await?;
    let started = Instant::now();
    let mut child = start(&bin, hub.kubeconfig(), &ns, port, &workers)?;
    let pid = child.id();
    let mut peak_rss = 0;
    let running = loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (rss, hwm, _) = process(pid);
        peak_rss = peak_rss.max(hwm).max(rss);
        let list = apps.list(&ListParams::default()).await?;
        let running = list
            .items
            .iter()
            .filter(|a| a.data["status"]["status"] == "running")
            .count();
        if running == n {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(3600) {
            return Err(format!("only {running}/{n} running after an hour").into());
        }
    };
    let after = requests(hub).await?;
    let text = metrics(port).await.unwrap_or_default();
    let (_, _, cpu_start) = process(pid);
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (rss, hwm, cpu_after) = process(pid);
    println!(
        "cold start: {n} Applications running after {:.1}s ({:.1} apps/s), concurrency {workers}",
        running.as_secs_f64(),
        n as f64 / running.as_secs_f64()
    );
    println!(
        "  reconciles {} (p50 {}, p99 {}), {} applies; API requests per application: {:.1} reads, {:.1} writes",
        metric(&text, "vela_controller_reconcile_duration_seconds_count"),
        quantile(&text, 0.5),
        quantile(&text, 0.99),
        metric(&text, "vela_controller_applies_total"),
        (after.0 - before.0) / n as f64,
        (after.1 - before.1) / n as f64,
    );
    println!(
        "  controller: peak RSS {:.1} MiB, RSS {:.1} MiB after 20 s idle, CPU {:.2} s over the 20 s idle ({:.1} KiB RSS per application)",
        peak_rss.max(hwm) as f64 / 1024.0,
        rss as f64 / 1024.0,
        cpu_after - cpu_start,
        rss as f64 / n as f64
    );

    // a full resync: a new controller reconciles every unchanged Application once
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    let before = requests(hub).await?;
    let started = Instant::now();
    let mut child = start(&bin, hub.kubeconfig(), &ns, port, &workers)?;
    let resync = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let Some(text) = metrics(port).await else { continue };
        if metric(&text, "vela_controller_reconciles_total{result=\"success\"}") >= n as f64 {
            break (started.elapsed(), text);
        }
        if started.elapsed() > Duration::from_secs(3600) {
            return Err("the resync did not finish in an hour".into());
        }
    };
    let after = requests(hub).await?;
    let (_, hwm, cpu) = process(child.id());
    println!(
        "full resync of {n} unchanged Applications: {:.1}s (p50 {}, p99 {}), {} applies; API requests per application: {:.1} reads, {:.1} writes; CPU {:.1} s, peak RSS {:.1} MiB",
        resync.0.as_secs_f64(),
        quantile(&resync.1, 0.5),
        quantile(&resync.1, 0.99),
        metric(&resync.1, "vela_controller_applies_total"),
        (after.0 - before.0) / n as f64,
        (after.1 - before.1) / n as f64,
        cpu,
        hwm as f64 / 1024.0
    );
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}
