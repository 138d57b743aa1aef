//! `Engine::drive` never overwrites an operation another writer saved during one of its passes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use serde_json::{Value, json};
use vela_workflow::step::{self, Context, Registry, StepType};
use vela_workflow::store::{self, Store as _};
use vela_workflow::time::TokioClock;
use vela_workflow::{Engine, RunPhase, Step, Workflow, operation, steps};

/// The first time it runs, suspends its run in the store (as `vela workflow suspend` from
/// another process would), while the pass that runs it is under way.
struct Meddle {
    store: Arc<store::Memory>,
    runs: Arc<AtomicUsize>,
}

#[async_trait]
impl StepType for Meddle {
    async fn run(&self, _ctx: &mut Context<'_>) -> step::Result<Value> {
        if self.runs.fetch_add(1, Ordering::SeqCst) == 0 {
            let mut state = self.store.load("run").await.unwrap().unwrap_or_default();
            operation::suspend(&mut state, None).unwrap();
            self.store.save("run", &state).await.unwrap();
        }
        Ok(json!({}))
    }
}

#[tokio::test(start_paused = true)]
async fn a_suspend_saved_during_a_pass_survives_the_driver() {
    let store = Arc::new(store::Memory::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    registry.register(
        "meddle",
        Meddle {
            store: store.clone(),
            runs: runs.clone(),
        },
    );
    registry.register("print-message-in-status", steps::PrintMessage);
    let engine = Engine::new(registry).with_clock(TokioClock::default());
    let workflow = Workflow::new(vec![
        Step::new("meddle", "meddle"),
        Step::new("say", "print-message-in-status").with_properties(json!({"message": "hi"})),
    ]);
    let outcome = engine
        .drive(store.as_ref(), "run", &workflow, &json!({"name": "run"}))
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(outcome.phase, RunPhase::Suspending);
    let state = store.load("run").await.unwrap().unwrap();
    assert!(state.status.suspend, "the suspend saved during the pass was kept");
}
