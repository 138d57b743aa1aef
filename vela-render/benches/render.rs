//! Warm render of the benchmark Application (webservice + scaler + sidecar + expose,
//! worker + env, task) with the native built-ins and with KubeVela's CUE definitions.
//!
//! Two groups: `render` measures wall-clock time (criterion's default), `render-cpu`
//! measures the benchmark thread's CPU time (from `/proc/thread-self/schedstat`), which stays
//! meaningful on a loaded machine where wall-clock time includes waiting for a core.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use vela_render::{Application, Registry, Renderer};

fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
        })
}

/// CPU time of the current thread in nanoseconds (Linux).
struct CpuTime;

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs (cpu)")
        } else {
            (1e-6, "ms (cpu)")
        };
        for v in values.iter_mut() {
            *v *= factor;
        }
        unit
    }
    fn scale_throughputs(&self, _: f64, _: &Throughput, values: &mut [f64]) -> &'static str {
        for v in values.iter_mut() {
            *v *= 1.0;
        }
        "ns"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, i: u64) -> u64 {
        thread_cpu_ns().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

fn renderers() -> (Application, Renderer, Option<Renderer>) {
    let text = include_str!("../tests/data/bench-app.yaml");
    let app = vela_render::app::parse(text).expect("bench app");
    let native = Renderer::new(Registry::builtin());
    native.render(&app).expect("native render");
    let defs = conformance_dir().join("definitions");
    let mut reg = Registry::new();
    let loaded = ["component", "trait"]
        .iter()
        .map(|k| reg.load_path(&defs.join(k)))
        .collect::<Result<Vec<_>, _>>();
    let cue = match loaded {
        Ok(_) => {
            let cue = Renderer::new(reg);
            match cue.render(&app) {
                Ok(_) => Some(cue),
                Err(e) => {
                    eprintln!("CUE benchmark skipped: the CUE render fails: {}", e.chain());
                    None
                }
            }
        }
        Err(e) => {
            eprintln!("CUE benchmark skipped: {}", e.chain());
            None
        }
    };
    (app, native, cue)
}

fn bench_group<M: Measurement>(c: &mut Criterion<M>, group: &str) {
    let (app, native, cue) = renderers();
    let mut g = c.benchmark_group(group);
    // Thread CPU time advances in scheduler ticks: use few, long, equal samples.
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("native", |b| b.iter(|| native.render(black_box(&app)).unwrap()));
    if let Some(cue) = cue {
        g.bench_function("cue", |b| b.iter(|| cue.render(black_box(&app)).unwrap()));
    }
    g.finish();
}

fn wall(c: &mut Criterion<WallTime>) {
    bench_group(c, "render");
}

fn cpu(c: &mut Criterion<CpuTime>) {
    bench_group(c, "render-cpu");
}

/// KubeVela's Go render of the same Application, timed by `tools/kubevela-oracle bench` in this
/// run when `VELA_KUBEVELA_ORACLE` names the binary (`bash tools/kubevela-oracle/build.sh`),
/// beside a median of our CUE render taken the same way (warm, one render at a time).
fn versus_kubevela(_: &mut Criterion<WallTime>) {
    let Some(oracle) = std::env::var_os("VELA_KUBEVELA_ORACLE") else {
        eprintln!(
            "KubeVela comparison skipped: set VELA_KUBEVELA_ORACLE=$(bash tools/kubevela-oracle/build.sh)"
        );
        return;
    };
    let (app, _, Some(cue)) = renderers() else {
        return;
    };
    let mut ours: Vec<f64> = (0..200)
        .map(|_| {
            let t = std::time::Instant::now();
            black_box(cue.render(black_box(&app)).unwrap());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    ours.sort_by(f64::total_cmp);
    let ours = ours[ours.len() / 2];
    let app_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bench-app.yaml");
    let defs = conformance_dir().join("definitions");
    let out = std::process::Command::new(&oracle)
        .args(["bench", "-lenient", "-d"])
        .arg(&defs)
        .arg("-f")
        .arg(&app_file)
        .args(["-n", "100"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            println!("kubevela-oracle: {}", text.trim());
            let go = serde_json::from_str::<serde_json::Value>(text.trim())
                .ok()
                .and_then(|v| v.get("median_us").and_then(serde_json::Value::as_f64));
            match go {
                Some(go) => println!(
                    "KubeVela (Go) median {go:.0} µs, vela-render with KubeVela's CUE definitions {ours:.0} µs: {:.1}x",
                    go / ours
                ),
                None => println!("vela-render with KubeVela's CUE definitions: median {ours:.0} µs"),
            }
        }
        Ok(o) => eprintln!(
            "kubevela-oracle bench failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("kubevela-oracle bench could not start: {e}"),
    }
}

criterion_group!(wall_benches, wall, versus_kubevela);
criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(CpuTime).sample_size(10).measurement_time(Duration::from_secs(10));
    targets = cpu
}
criterion_main!(wall_benches, cpu_benches);
