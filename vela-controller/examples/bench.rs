//! One controller, many Applications, one real kube-apiserver (a benchmark, not a test): the
//! time until every Application runs, CPU and peak memory of the controller process, reconcile
//! latency from the controller's own metrics, API requests per Application, CPU while nothing
//! changes, and a forced full resync. It measures Vela-rs's `vela-controller` or KubeVela's
//! `vela-core` the same way; `scripts/bench-vs-kubevela.sh` runs both and compares them.
//!
//! ```text
//! eval "$(scripts/test-clusters.sh up 1)"          # a fresh cluster for each run
//! cargo build --release -p vela-controller --examples
//! $CARGO_TARGET_DIR/release/examples/bench --apps 2000 --idle-secs 20
//! $CARGO_TARGET_DIR/release/examples/bench --controller kubevela \
//!     --kubevela-dir "$(tools/kubevela-core/build.sh)" --apps 2000
//! ```
//!
//! The Applications (`--variant webservice`: one `webservice` with `scaler` and `gateway`, a
//! Deployment, a Service and an Ingress; `--variant workflow`: the same component delivered by a
//! five-step workflow, `apply-component` and four `apply-object` steps that write ConfigMaps;
//! `--variant ten-steps`: those five and five `print-message-in-status`) are
//! all created before the controller starts, in one namespace; a readiness simulator makes the
//! Deployments ready. KubeVela runs with the arguments of its Helm chart's default values
//! (tools/kubevela-core/args: 4 workers, 400 requests per second with bursts of 600, a resync
//! every 5 minutes; no webhook, no leader election); Vela-rs with the same workers, client limits
//! and resync. The resync is a
//! restart: a new process reconciles the whole unchanged fleet once. The Applications keep their
//! finalizers when the run ends: start a fresh cluster for the next run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use futures_util::StreamExt as _;
use kube::Api;
use kube::api::{DynamicObject, GroupVersionKind, ListParams, PostParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vela_engine::Engine;
use vela_engine::install::Options;
use vela_multicluster::Objects;
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::readiness::Simulator;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Which controller runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Vela-rs's `vela-controller`.
    VelaRs,
    /// KubeVela's `vela-core` (tools/kubevela-core).
    Kubevela,
}

/// What every Application looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Variant {
    /// One webservice with scaler and gateway, KubeVela's default workflow.
    Webservice,
    /// The same component, then four ConfigMaps: a five-step workflow.
    Workflow,
    /// The five steps of `workflow`, then five `print-message-in-status`: ten steps, each a CUE
    /// template in KubeVela.
    TenSteps,
}

#[derive(Debug, Parser)]
#[command(about = "Measures one controller delivering many Applications on the test cluster")]
struct Args {
    /// The controller to measure.
    #[arg(long, value_enum, default_value = "vela-rs")]
    controller: Which,
    /// Its binary (default: $CARGO_TARGET_DIR/release/vela-controller for vela-rs,
    /// KUBEVELA_DIR/vela-core for kubevela).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// For kubevela: the directory tools/kubevela-core/build.sh prints (the binary, KubeVela's
    /// CRDs and built-in definitions, the arguments of its Helm chart).
    #[arg(long)]
    kubevela_dir: Option<PathBuf>,
    /// How many Applications.
    #[arg(long, default_value_t = 200)]
    apps: usize,
    /// What each Application looks like.
    #[arg(long, value_enum, default_value = "webservice")]
    variant: Variant,
    /// How long CPU is measured while nothing changes, after all Applications run.
    #[arg(long, default_value_t = 300)]
    idle_secs: u64,
    /// Give up after this many seconds in one phase.
    #[arg(long, default_value_t = 3600)]
    timeout_secs: u64,
    /// One more argument for the controller, after the bench's own (repeat for more; a later
    /// flag overrides an earlier one), e.g. `--controller-arg=--kube-api-qps=0`.
    #[arg(long = "controller-arg", allow_hyphen_values = true)]
    controller_args: Vec<String>,
    /// Write the measurements as a JSON object to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn application(index: usize, ns: &str, variant: Variant) -> Value {
    let name = format!("app-{index}");
    let mut app = json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"components": [{
            "name": name, "type": "webservice",
            "properties": {"image": "nginx:1.27", "ports": [{"port": 80, "expose": true}]},
            "traits": [
                {"type": "scaler", "properties": {"replicas": 2}},
                {"type": "gateway", "properties": {"domain": format!("{name}.example.com"), "http": {"/": 80}}},
            ],
        }]},
    });
    if variant != Variant::Webservice {
        let mut steps = vec![json!({
            "name": "deliver", "type": "apply-component", "properties": {"component": name},
        })];
        for k in 1..=4 {
            steps.push(json!({
                "name": format!("config-{k}"), "type": "apply-object",
                "properties": {"value": {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("{name}-step-{k}"), "namespace": ns},
                    "data": {"step": k.to_string()},
                }},
            }));
        }
        if variant == Variant::TenSteps {
            for k in 1..=5 {
                steps.push(json!({
                    "name": format!("message-{k}"), "type": "print-message-in-status",
                    "properties": {"message": format!("{name}: step {k} of 5")},
                }));
            }
        }
        app["spec"]["workflow"] = json!({ "steps": steps });
    }
    app
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

/// The metric names of one controller.
struct Series {
    /// Reconcile durations (a Prometheus histogram's base name).
    histogram: &'static str,
    /// Reconciles (a counter, summed over its results).
    reconciles: &'static str,
    /// A label every series above must carry (empty: any).
    filter: &'static str,
}

impl Which {
    fn series(self) -> Series {
        match self {
            Which::VelaRs => Series {
                histogram: "vela_controller_reconcile_duration_seconds",
                reconciles: "vela_controller_reconciles_total",
                filter: "",
            },
            // controller-runtime's own: the whole reconcile, as ours
            Which::Kubevela => Series {
                histogram: "controller_runtime_reconcile_time_seconds",
                reconciles: "controller_runtime_reconcile_total",
                filter: "controller=\"application\"",
            },
        }
    }
}

/// `GET /metrics` of the controller (HTTP/1.0: no chunking, the server closes).
async fn metrics(port: u16) -> Option<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .ok()?;
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .ok()?
        .ok()?;
    Some(out.split_once("\r\n\r\n")?.1.to_owned())
}

/// The samples of `name` (exactly: `name{...} v` or `name v`) whose labels contain `filter`.
fn samples<'a>(text: &'a str, name: &'a str, filter: &'a str) -> impl Iterator<Item = (&'a str, f64)> {
    text.lines().filter_map(move |l| {
        let rest = l.strip_prefix(name)?;
        let (labels, value) = match rest.strip_prefix('{') {
            Some(r) => r.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        labels.contains(filter).then_some(())?;
        Some((labels, value.trim().parse().ok()?))
    })
}

fn sum(text: &str, name: &str, filter: &str) -> f64 {
    samples(text, name, filter).map(|(_, v)| v).sum()
}

/// The `q` quantile of a histogram in seconds, interpolated linearly inside its bucket (as
/// Prometheus's `histogram_quantile`).
fn quantile(text: &str, series: &Series, q: f64) -> Option<f64> {
    let bucket = format!("{}_bucket", series.histogram);
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    for (labels, n) in samples(text, &bucket, series.filter) {
        let le = labels.split("le=\"").nth(1)?.split('"').next()?;
        let le = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse().ok()?
        };
        match buckets.iter_mut().find(|b| b.0 == le) {
            Some(b) => b.1 += n,
            None => buckets.push((le, n)),
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last()?.1;
    if total == 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (le, n) in buckets {
        if n >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let part = if n > below {
                (rank - below) / (n - below)
            } else {
                1.0
            };
            return Some(lower + (le - lower) * part);
        }
        (lower, below) = (le, n);
    }
    None
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

/// Applies (server-side, through vela-multicluster's kube backend) every object of the YAML documents in `dir` (sorted by file name),
/// after `edit`.
async fn apply_dir(hub: &dyn Objects, dir: &Path, edit: impl Fn(&str) -> String) -> Res<usize> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    files.sort();
    let mut applied = 0;
    for file in files {
        let text = edit(&std::fs::read_to_string(&file)?);
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text)?;
        for obj in docs {
            if obj.is_null() {
                continue;
            }
            hub.apply("", obj)
                .await
                .map_err(|e| format!("{}: {e}", file.display()))?;
            applied += 1;
        }
    }
    Ok(applied)
}

/// Installs what the controller needs into the hub: Vela-rs's CRDs and definitions through the
/// engine, or KubeVela's from the directory its build filled.
async fn install(args: &Args, hub: &Cluster) -> Res<()> {
    let fleet = Arc::new(vela_multicluster::Fleet::kube(hub.client()));
    match args.controller {
        Which::VelaRs => {
            let engine = Engine::new(Renderer::new(Registry::builtin()), fleet);
            engine
                .install(&Options {
                    namespace: "vela-system".into(),
                    dry_run: false,
                    establish_timeout: Some(Duration::from_secs(60)),
                })
                .await?;
        }
        Which::Kubevela => {
            let dir = kubevela_dir(args)?;
            let namespace =
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vela-system"}});
            fleet.apply("", namespace).await?;
            let crds = apply_dir(fleet.as_ref(), &dir.join("crds"), str::to_owned).await?;
            // the definitions' kinds are served a moment after their CRDs are established
            let deadline = Instant::now() + Duration::from_secs(60);
            let defs = loop {
                let namespace =
                    |t: &str| t.replace("{{ include \"systemDefinitionNamespace\" . }}", "vela-system");
                match apply_dir(fleet.as_ref(), &dir.join("definitions"), namespace).await {
                    Ok(n) => break n,
                    Err(e) if Instant::now() < deadline => {
                        eprintln!("definitions not applied yet ({e}); retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Err(e) => return Err(e),
                }
            };
            eprintln!("KubeVela: {crds} CRDs and {defs} definitions installed");
        }
    }
    Ok(())
}

fn start(args: &Args, bin: &Path, kubeconfig: &Path, port: u16) -> Res<std::process::Child> {
    let mut cmd = Command::new(bin);
    match args.controller {
        Which::VelaRs => {
            // KubeVela's chart gives its controller 4 workers, 400 requests per second with
            // bursts of 600 and a 5-minute resync: the same here
            cmd.arg("--kubeconfig")
                .arg(kubeconfig)
                .args([
                    "--concurrency",
                    "4",
                    "--kube-api-qps",
                    "400",
                    "--kube-api-burst",
                    "600",
                ])
                .args(["--resync-period", "5m"])
                .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
                .env("RUST_LOG", "warn");
        }
        Which::Kubevela => {
            let dir = kubevela_dir(args)?;
            let chart = std::fs::read_to_string(dir.join("args"))?;
            cmd.env("KUBECONFIG", kubeconfig)
                .env("CUE_EXPERIMENT", "evalv3=0,keepvalidators=0")
                .args(chart.lines().filter(|l| !l.trim().is_empty()))
                .arg(format!("--metrics-addr=127.0.0.1:{port}"))
                .arg("--health-addr=127.0.0.1:0");
        }
    }
    cmd.args(&args.controller_args);
    Ok(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?)
}

fn kubevela_dir(args: &Args) -> Res<&Path> {
    Ok(args.kubevela_dir.as_deref().ok_or(
        "--controller kubevela needs --kubevela-dir (the directory tools/kubevela-core/build.sh prints)",
    )?)
}

/// Measurements of one run, as `scripts/bench-vs-kubevela.sh` reads them.
#[derive(Debug, Default, serde::Serialize)]
struct Report {
    controller: String,
    variant: String,
    n: usize,
    all_running_s: f64,
    apps_per_s: f64,
    cpu_s: f64,
    peak_rss_mib: f64,
    reconciles: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    requests_per_app: f64,
    reads_per_app: f64,
    writes_per_app: f64,
    idle_s: u64,
    idle_cpu_s: f64,
    resync_s: f64,
    resync_cpu_s: f64,
    resync_p99_ms: Option<f64>,
}

#[tokio::main]
async fn main() -> Res<()> {
    let args = Args::parse();
    let n = args.apps;
    let bin = match (&args.bin, args.controller) {
        (Some(bin), _) => bin.clone(),
        (None, Which::VelaRs) => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("release/vela-controller"),
        (None, Which::Kubevela) => kubevela_dir(&args)?.join("vela-core"),
    };
    let series = args.controller.series();
    let timeout = Duration::from_secs(args.timeout_secs);
    let clusters = Clusters::at_least(1).await?;
    let hub = clusters.hub();
    install(&args, hub).await?;
    let ns = hub.test_namespace("bench").await?;
    let ns = ns.name().to_owned();
    let _simulator = Simulator::start(hub.client(), &ns);
    let gvk = GroupVersionKind::gvk("core.oam.dev", "v1beta1", "Application");
    let (ar, _) = kube::discovery::pinned_kind(&hub.client(), &gvk).await?;
    let apps: Api<DynamicObject> = Api::namespaced_with(hub.client(), &ns, &ar);
    let created = Instant::now();
    let results: Vec<_> = futures_util::stream::iter((0..n).map(|i| {
        let apps = apps.clone();
        let app: DynamicObject =
            serde_json::from_value(application(i, &ns, args.variant)).expect("an Application");
        async move { apps.create(&PostParams::default(), &app).await.map(|_| ()) }
    }))
    .buffer_unordered(16)
    .collect()
    .await;
    if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
        return Err(e.into());
    }
    eprintln!(
        "{n} Applications created in {:.1}s",
        created.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let before = requests(hub).await?;
    let started = Instant::now();
    let mut child = start(&args, &bin, hub.kubeconfig(), port)?;
    let pid = child.id();
    let mut peak = 0;
    let mut report = Report {
        controller: args
            .controller
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default(),
        variant: args
            .variant
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default(),
        n,
        idle_s: args.idle_secs,
        ..Report::default()
    };
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(status) = child.try_wait()? {
            return Err(format!("the controller exited ({status})").into());
        }
        let (rss, hwm, _) = process(pid);
        peak = peak.max(hwm).max(rss);
        let list = apps.list(&ListParams::default()).await?;
        let running = list
            .items
            .iter()
            .filter(|a| a.data["status"]["status"] == "running")
            .count();
        if running == n {
            report.all_running_s = started.elapsed().as_secs_f64();
            report.apps_per_s = n as f64 / report.all_running_s;
            break;
        }
        if started.elapsed() > timeout {
            return Err(format!("only {running}/{n} running after {}s", args.timeout_secs).into());
        }
    }
    let after = requests(hub).await?;
    let text = metrics(port).await.unwrap_or_default();
    let (_, hwm, cpu) = process(pid);
    report.cpu_s = cpu;
    report.reconciles = sum(&text, &format!("{}_count", series.histogram), series.filter);
    report.p50_ms = quantile(&text, &series, 0.5).map(|s| s * 1e3);
    report.p99_ms = quantile(&text, &series, 0.99).map(|s| s * 1e3);
    report.reads_per_app = (after.0 - before.0) / n as f64;
    report.writes_per_app = (after.1 - before.1) / n as f64;
    report.requests_per_app = report.reads_per_app + report.writes_per_app;
    eprintln!(
        "{n} Applications running after {:.1}s; CPU {cpu:.1}s; {} reconciles",
        report.all_running_s, report.reconciles
    );
    tokio::time::sleep(Duration::from_secs(args.idle_secs)).await;
    let (_, hwm_idle, cpu_idle) = process(pid);
    report.peak_rss_mib = peak.max(hwm).max(hwm_idle) as f64 / 1024.0;
    report.idle_cpu_s = cpu_idle - cpu;

    // a forced full resync: a new process reconciles every unchanged Application once
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
    let started = Instant::now();
    let mut child = start(&args, &bin, hub.kubeconfig(), port)?;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Some(status) = child.try_wait()? {
            return Err(format!("the controller exited ({status})").into());
        }
        let Some(text) = metrics(port).await else { continue };
        if sum(&text, series.reconciles, series.filter) >= n as f64 {
            report.resync_s = started.elapsed().as_secs_f64();
            report.resync_p99_ms = quantile(&text, &series, 0.99).map(|s| s * 1e3);
            break;
        }
        if started.elapsed() > timeout {
            return Err(format!("the resync did not finish in {}s", args.timeout_secs).into());
        }
    }
    report.resync_cpu_s = process(child.id()).2;
    let _ = child.kill();
    let _ = child.wait();
    let out = serde_json::to_string_pretty(&report)?;
    println!("{out}");
    if let Some(path) = &args.json {
        std::fs::write(path, out + "\n")?;
    }
    Ok(())
}
