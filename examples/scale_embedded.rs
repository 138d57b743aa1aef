//! How fast one process delivers many Applications to the embedded cluster (a benchmark).
//!
//! ```text
//! cargo run --release -p vela-examples --example scale_embedded -- 1000
//! ```
//!
//! Optional further arguments: the number of no-change reconciles timed (200 by default; a
//! profile of the delivery alone passes 1), and how many applications are reconciled at once
//! ([`CONCURRENCY`] by default; 1 delivers one after another), on a multi-threaded runtime with
//! a worker per core, as the controller runs. Flags after these: `gc` then deletes every
//! application and times the collection of what they delivered (and checks nothing is left);
//! `passes` makes workloads ready only in passes of the readiness simulator between reconciles
//! (as a real cluster would need a second reconcile) instead of in the write that makes them;
//! `flush-each` commits at the end of every reconcile (`Flush::EveryReconcile`) instead of
//! letting the reconciles share the embedded cluster's group commits (`Flush::Grouped`; the
//! delivery's time includes the last commit).
//!
//! Each application has 3 `webservice` components, each with a `scaler` and a `gateway` trait
//! (a Deployment, a Service and an Ingress per component). They are delivered to an on-disk
//! embedded state file in a temporary directory until every workflow succeeds, workloads ready
//! in the write that makes them, as `vela up` opens the state. Printed: wall time of the delivery, apps/s, peak RSS
//! (`VmHWM`), and the median (and p99) time of a no-change reconcile of one delivered app.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator a long-running Vela-rs process should use: JSON objects are many small
/// allocations, which glibc's malloc serves slowly (about 45% of the instructions of a no-change
/// reconcile under glibc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use vela_engine::{Delivered, Engine, Flush};
use vela_model::application::Application;
use vela_multicluster::Embedded;
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

/// How many applications the benchmark reconciles at once by default.
pub const CONCURRENCY: usize = 4;

/// Components per application.
pub const COMPONENTS: usize = 3;

/// The Application `app-<index>`: [`COMPONENTS`] webservices, each with scaler and gateway.
///
/// # Panics
/// Never: the text is a valid Application.
pub fn application(index: usize) -> Application {
    let mut text = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\n\
         metadata: {{name: app-{index}}}\nspec:\n  components:\n"
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

/// What [`deliver_all`] measured.
#[derive(Debug)]
pub struct Delivery {
    /// Applications delivered (every workflow succeeded).
    pub apps: usize,
    /// Wall time from the first `up` to the last succeeded workflow.
    pub wall: Duration,
    /// Reconcile passes over the still-executing applications after the first `up`.
    pub passes: usize,
}

/// Delivers `apps` to `cluster`: one `up` each, then rounds of "workloads become ready, reconcile
/// every application still executing" until every workflow succeeded. At most `concurrency`
/// applications are reconciled at once, each in its own task (as the controller does with
/// `--concurrency`; on a multi-threaded runtime they run in parallel, and the embedded cluster
/// takes their writes one at a time).
///
/// # Errors
/// The engine's errors, or a message naming an application whose workflow did not succeed.
pub async fn deliver_all(
    engine: &Engine,
    cluster: &Embedded,
    apps: &[Application],
    concurrency: usize,
) -> Result<Delivery, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let ups = apps.iter().map(|app| {
        let engine = engine.clone();
        let app = app.clone();
        async move {
            let name = app.metadata.name.clone().unwrap_or_default();
            (engine.up(&app).await.map(Some), name)
        }
    });
    let mut executing = still_executing(ups, concurrency, "after up").await?;
    let mut passes = 0;
    while !executing.is_empty() {
        passes += 1;
        if passes > 10 {
            return Err(format!("{} apps still execute after 10 passes", executing.len()).into());
        }
        cluster.simulate_readiness("")?; // no pod runs in the embedded cluster
        let reconciles = executing.into_iter().map(|name| {
            let engine = engine.clone();
            async move { (engine.reconcile("default", &name).await, name) }
        });
        executing = still_executing(reconciles, concurrency, "").await?;
    }
    // everything delivered is durable before the clock stops (with `Flush::Grouped` the
    // reconciles share commits)
    engine.flush().await?;
    Ok(Delivery {
        apps: apps.len(),
        wall: start.elapsed(),
        passes,
    })
}

/// Runs `reconciles` with at most `concurrency` at once, each in its own task; returns the
/// names of the applications whose workflow still executes.
async fn still_executing<F>(
    reconciles: impl Iterator<Item = F>,
    concurrency: usize,
    when: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error>>
where
    F: std::future::Future<Output = (vela_engine::Result<Option<Delivered>>, String)> + Send + 'static,
{
    let mut running = tokio::task::JoinSet::new();
    let mut still = Vec::new();
    let mut done = |(delivered, name): (vela_engine::Result<Option<Delivered>>, String)|
     -> Result<(), Box<dyn std::error::Error>> {
        let delivered = delivered?.ok_or_else(|| format!("{name} disappeared"))?;
        match delivered.workflow {
            RunPhase::Succeeded => Ok(()),
            RunPhase::Executing => {
                still.push(name);
                Ok(())
            }
            other => Err(format!("{name}: workflow {other:?} {when}").into()),
        }
    };
    for reconcile in reconciles {
        while running.len() >= concurrency.max(1) {
            if let Some(finished) = running.join_next().await {
                done(finished?)?;
            }
        }
        running.spawn(reconcile);
    }
    while let Some(finished) = running.join_next().await {
        done(finished?)?;
    }
    Ok(still)
}

/// Times `runs` reconciles of the already-succeeded application `name`; returns the sorted
/// durations.
///
/// # Errors
/// The engine's errors, or a message when a reconcile did not find the workflow succeeded.
pub async fn no_change_reconciles(
    engine: &Engine,
    name: &str,
    runs: usize,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let delivered = engine
            .reconcile("default", name)
            .await?
            .ok_or_else(|| format!("{name} disappeared"))?;
        times.push(start.elapsed());
        if delivered.workflow != RunPhase::Succeeded || !delivered.applied.is_empty() {
            return Err(format!("{name}: a no-change reconcile changed something").into());
        }
    }
    times.sort();
    Ok(times)
}

/// What deleting every application did: the wall time and the objects collected.
#[derive(Debug)]
pub struct Collection {
    /// Applications deleted.
    pub apps: usize,
    /// Objects the engine deleted with them (workloads, services, ingresses, trackers' records).
    pub objects: usize,
    /// Wall time.
    pub wall: Duration,
}

/// Deletes every application of `apps` through the engine, `concurrency` at once, and counts
/// what was collected; fails when one was already gone.
pub async fn delete_all(
    engine: &Engine,
    apps: &[Application],
    concurrency: usize,
) -> Result<Collection, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    let mut objects = 0;
    let mut done = |r: Result<
        (vela_engine::Result<Option<vela_engine::Removed>>, String),
        tokio::task::JoinError,
    >|
     -> Result<(), Box<dyn std::error::Error>> {
        let (removed, name) = r?;
        let removed = removed?.ok_or_else(|| format!("{name} was already gone"))?;
        objects += removed.objects.len();
        Ok(())
    };
    for app in apps {
        while running.len() >= concurrency.max(1) {
            if let Some(finished) = running.join_next().await {
                done(finished)?;
            }
        }
        let engine = engine.clone();
        let name = app.metadata.name.clone().unwrap_or_default();
        running.spawn(async move { (engine.delete("default", &name, false).await, name) });
    }
    while let Some(finished) = running.join_next().await {
        done(finished)?;
    }
    Ok(Collection {
        apps: apps.len(),
        objects,
        wall: start.elapsed(),
    })
}

/// The objects of the kinds the benchmark's applications deliver (and the applications
/// themselves) left in the namespace `default`.
pub async fn left_behind(cluster: &Embedded) -> Result<usize, Box<dyn std::error::Error>> {
    use vela_multicluster::Objects as _;
    let none = std::collections::BTreeMap::new();
    let mut n = 0;
    for (api_version, kind) in [
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
        ("networking.k8s.io/v1", "Ingress"),
        ("core.oam.dev/v1beta1", "Application"),
    ] {
        n += cluster.list("", api_version, kind, "default", &none).await?.len();
    }
    Ok(n)
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), in KiB, where known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100);
    // how many no-change reconciles to time (a profile of the delivery alone passes 1)
    let runs: usize = std::env::args()
        .nth(2)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200)
        .max(1);
    // how many applications are reconciled at once (a controller's `--concurrency`)
    let concurrency: usize = std::env::args()
        .nth(3)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(CONCURRENCY)
        .max(1);
    let dir = std::env::temp_dir().join(format!("vela-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // further arguments are flags: `gc` (below) and `passes` (workloads become ready only in
    // passes of the readiness simulator between reconciles, as on a real cluster, instead of
    // in the write that makes them)
    let flags: Vec<String> = std::env::args().skip(4).collect();
    let passes = flags.iter().any(|f| f == "passes");
    // as `vela` opens it: writes committed in groups, one per reconcile
    let cluster = Arc::new(
        Embedded::open(dir.join("state.db"))?
            .group_commits(Duration::from_millis(100))
            .ready_on_write(!passes),
    );
    // the reconciles share commits (the embedded cluster's group of writes) unless
    // `flush-each` asks for a commit at the end of every reconcile
    let flush = if flags.iter().any(|f| f == "flush-each") {
        Flush::EveryReconcile
    } else {
        Flush::Grouped
    };
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone()).with_flush(flush);
    let apps: Vec<Application> = (0..n).map(application).collect();

    let delivery = deliver_all(&engine, &cluster, &apps, concurrency).await?;
    let rss_after_delivery = peak_rss_kib();
    let times = no_change_reconciles(&engine, "app-0", runs).await?;
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    let db_bytes = std::fs::metadata(dir.join("state.db"))?.len()
        + std::fs::metadata(dir.join("state.db-wal")).map_or(0, |m| m.len());
    // garbage collection at scale: every application deleted, everything it delivered with it
    let gc = flags.iter().any(|f| f == "gc");
    let collection = if gc {
        let c = delete_all(&engine, &apps, concurrency).await?;
        let left = left_behind(&cluster).await?;
        if left != 0 {
            return Err(format!("{left} objects left behind after deleting every application").into());
        }
        Some(c)
    } else {
        None
    };

    println!(
        "apps: {} ({COMPONENTS} components each), passes after up: {}, {concurrency} at once, \
         workloads ready {}, {flush:?}",
        delivery.apps,
        delivery.passes,
        if passes { "in simulator passes" } else { "on write" }
    );
    println!("wall: {:.3} s", delivery.wall.as_secs_f64());
    println!(
        "apps/s: {:.1}",
        delivery.apps as f64 / delivery.wall.as_secs_f64()
    );
    if let Some(kib) = rss_after_delivery {
        println!("peak RSS after delivery: {:.1} MiB", kib as f64 / 1024.0);
    }
    println!(
        "no-change reconcile of app-0 ({} runs): median {} µs, p99 {} µs",
        times.len(),
        median.as_micros(),
        p99.as_micros()
    );
    println!("state file: {:.1} MiB", db_bytes as f64 / 1_048_576.0);
    if let Some(collection) = collection {
        println!(
            "delete all: {} apps, {} objects collected in {:.3} s ({:.1} apps/s), nothing left",
            collection.apps,
            collection.objects,
            collection.wall.as_secs_f64(),
            collection.apps as f64 / collection.wall.as_secs_f64()
        );
    }
    // `VELA_SCALE_KEEP=1` keeps the state file for a look inside (`sqlite3 <dir>/state.db`)
    if std::env::var_os("VELA_SCALE_KEEP").is_some() {
        println!("state kept in {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
