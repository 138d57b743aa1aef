//! Engine speed and state size.
//!
//! - `10k_concurrent_5_step_runs`: 10,000 runs of 5 no-op steps, all in flight at once on a
//!   single-threaded runtime (one core), each reconciled to completion and saved to a store.
//! - `per_step/N`: one run of N no-op steps reconciled to completion; divide by N for the
//!   engine overhead per step.
//!
//! The stored size of a finished 5-step run is printed (and asserted <= 2 KiB in the tests).

use std::sync::Arc;

use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use vela_workflow::step::{self, Context, Registry, StepType};
use vela_workflow::store;
use vela_workflow::{Engine, RunState, Step, Workflow};

struct Noop;

#[async_trait]
impl StepType for Noop {
    async fn run(&self, _ctx: &mut Context<'_>) -> step::Result<Value> {
        Ok(Value::Null)
    }
}

fn engine() -> Engine {
    let mut r = Registry::new();
    r.register("noop", Noop);
    Engine::new(r)
}

fn workflow(n: usize) -> Workflow {
    Workflow::new((0..n).map(|i| Step::new(format!("step-{i}"), "noop")).collect())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let engine = Arc::new(engine());
    let wf = Arc::new(workflow(5));
    let ctx = Arc::new(json!({"name": "app", "namespace": "default"}));
    let rt = rt();

    let mut state = RunState::default();
    rt.block_on(engine.reconcile(&wf, &ctx, &mut state)).unwrap();
    println!(
        "stored state of a finished 5-step run: {} bytes",
        state.to_bytes().unwrap().len()
    );

    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("10k_concurrent_5_step_runs", |b| {
        b.iter(|| {
            rt.block_on(async {
                let store = Arc::new(store::Memory::new());
                let mut tasks = Vec::with_capacity(10_000);
                for i in 0..10_000 {
                    let (engine, wf, ctx, store) = (engine.clone(), wf.clone(), ctx.clone(), store.clone());
                    tasks.push(tokio::spawn(async move {
                        let out = engine
                            .drive(store.as_ref(), &format!("run-{i}"), &wf, &ctx)
                            .await
                            .unwrap();
                        assert!(out.phase.is_terminal());
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
            });
        });
    });
    g.finish();

    let mut g = c.benchmark_group("per_step");
    for n in [5usize, 100] {
        let wf = workflow(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                rt.block_on(async {
                    let mut state = RunState::default();
                    engine.reconcile(&wf, &ctx, &mut state).await.unwrap()
                })
            });
        });
    }
    g.finish();
}

criterion_group!(engine_benches, benches);
criterion_main!(engine_benches);
