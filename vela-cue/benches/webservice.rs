//! KubeVela's `webservice` with its def-doc example parameters: compiled once, evaluated warm.

#[path = "common/webservice.rs"]
mod fixture;

use fixture::{corpus, inputs};

use criterion::{Criterion, criterion_group, criterion_main};

/// Median of `n` timed renders, in microseconds (the statistic the Go oracle prints).
fn median_us(n: usize, mut render: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            render();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[n / 2]
}

/// With `VELA_CUE_ORACLE` set (the binary of `tools/cue-oracle/build.sh`), time the same render
/// with CUE v0.14.1 in this run and print both medians and the ratio.
fn compare_with_cue(ours_us: f64) {
    let Some(oracle) = std::env::var_os("VELA_CUE_ORACLE") else {
        println!(
            "CUE comparison skipped: set VELA_CUE_ORACLE=$(bash tools/cue-oracle/build.sh | tail -1) \
             to time CUE v0.14.1 on the same render in this run"
        );
        return;
    };
    let out = std::process::Command::new(oracle)
        .arg("bench")
        .args(["--def", "component/webservice", "--n", "2000"])
        .arg("--defs")
        .arg(corpus().join("definitions"))
        .arg("--examples")
        .arg(corpus().join("examples/def-doc"))
        .output()
        .expect("run the CUE oracle");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oracle JSON");
    let cue_us = report["warm_median_us"].as_f64().expect("warm_median_us");
    println!(
        "webservice warm render, median of 2000: vela-cue {ours_us:.1} us, CUE {} {cue_us:.1} us \
         (KubeVela's compile-per-render path {} us): vela-cue is {:.1}x faster",
        report["cue"].as_str().unwrap_or("?"),
        report["kubevela_median_us"],
        cue_us / ours_us
    );
}

fn bench(c: &mut Criterion) {
    let template = fixture::template();
    let program = vela_cue::Program::compile("webservice.cue", &template).expect("compile");
    let (parameter, context) = inputs();
    c.bench_function("webservice_render_warm", |b| {
        b.iter(|| {
            let inst = program
                .eval_with(&[("parameter", &parameter), ("context", &context)])
                .unwrap();
            let out = inst.lookup("output").unwrap().to_json_string().unwrap();
            let outputs = inst.lookup("outputs").unwrap().to_json_string().unwrap();
            std::hint::black_box((out, outputs));
        })
    });
    let render = || {
        let inst = program
            .eval_with(&[("parameter", &parameter), ("context", &context)])
            .unwrap();
        let out = inst.lookup("output").unwrap().to_json_string().unwrap();
        let outputs = inst.lookup("outputs").unwrap().to_json_string().unwrap();
        std::hint::black_box((out, outputs));
    };
    // same statistic as the oracle's (median of 2000 timed renders), in the same run
    let ours_us = median_us(2000, render);
    compare_with_cue(ours_us);
    c.bench_function("webservice_compile", |b| {
        b.iter(|| std::hint::black_box(vela_cue::Program::compile("webservice.cue", &template).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
