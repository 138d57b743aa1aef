//! Warm render of the benchmark Application (webservice + scaler + sidecar + expose,
//! worker + env, task) with the native built-ins and with KubeVela's CUE definitions.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use vela_render::{Application, Registry, Renderer};

fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kubevela")
        })
}

fn bench(c: &mut Criterion) {
    let text = include_str!("../tests/data/bench-app.yaml");
    let app = Application::from_yaml(text).expect("bench app");

    let native = Renderer::new(Registry::builtin());
    native.render(&app).expect("native render");
    c.bench_function("render/native", |b| {
        b.iter(|| native.render(black_box(&app)).unwrap())
    });

    let defs = conformance_dir().join("definitions");
    let mut reg = Registry::new();
    let loaded = ["component", "trait"]
        .iter()
        .map(|k| reg.load_path(&defs.join(k)))
        .collect::<Result<Vec<_>, _>>();
    match loaded {
        Ok(_) => {
            let cue = Renderer::new(reg);
            match cue.render(&app) {
                Ok(_) => {
                    c.bench_function("render/cue", |b| b.iter(|| cue.render(black_box(&app)).unwrap()));
                }
                Err(e) => eprintln!("render/cue skipped: the CUE render fails: {}", e.chain()),
            }
        }
        Err(e) => eprintln!("render/cue skipped: {}", e.chain()),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
