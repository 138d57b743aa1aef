//! The code of the book chapter "Delivery workflows" (`book/src/workflow.md`), compiled and run.

use std::sync::Arc;

use serde_json::{Value, json};
use vela_workflow::cluster::Objects as _;
use vela_workflow::status::RunPhase;
use vela_workflow::{cluster, http, operation, steps, store};

// ANCHOR: step_type
use async_trait::async_trait;
use vela_workflow::step::{self, Context, StepType};

/// `wait-for-approval`: waits until the context variable `approved.<parameter.change>` is true,
/// then outputs who approved it.
struct WaitForApproval;

#[async_trait]
impl StepType for WaitForApproval {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let change = ctx
            .parameter()
            .get("change")
            .and_then(Value::as_str)
            .ok_or_else(|| step::Error::msg("parameter.change: expected a string"))?
            .to_owned();
        match ctx.var(&format!("approved.{change}")).cloned() {
            Some(Value::String(by)) => {
                ctx.message(format!("approved by {by}"));
                // The step's value: `outputs[].valueFrom` reads from it.
                Ok(json!({"approval": {"by": by}}))
            }
            // Not yet: run again after the backoff (2^n x 50 ms, 1 s to 60 s).
            _ => {
                ctx.wait(format!("waiting for approval of {change}"));
                Ok(Value::Null)
            }
        }
    }
}
// ANCHOR_END: step_type

#[tokio::test(start_paused = true)]
async fn the_book_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: run
    use vela_workflow::time::TokioClock;
    use vela_workflow::{Engine, RunState, Step, Workflow};

    // The built-in step types, over an object store and the guarded HTTP client...
    let objects = Arc::new(cluster::Memory::new());
    let http = http::Client::new(http::Config::default()).unwrap();
    let mut registry = steps::builtins(objects.clone(), http);
    // ...plus our own.
    registry.register("wait-for-approval", WaitForApproval);
    // The engine reads time from a clock: `TokioClock` follows tokio's clock, so this test runs
    // the one-minute suspend under paused time in no time (the default is the system clock).
    let engine = Engine::new(registry).with_clock(TokioClock::default());

    let workflow: Workflow = workflow_from_json(json!({
        "steps": [
            {"name": "approve", "type": "wait-for-approval", "properties": {"change": "cr42"},
             "outputs": [{"name": "approver", "valueFrom": "approval.by"}]},
            {"name": "record", "type": "export2config",
             "inputs": [{"from": "approver", "parameterKey": "data.approver"}],
             "properties": {"configName": "last-release", "data": {}}},
            {"name": "hold", "type": "suspend", "properties": {"duration": "1m"}},
            {"name": "announce", "type": "print-message-in-status", "if": "status.record.succeeded",
             "properties": {"message": "released"}}
        ]
    }));
    let context = json!({"name": "shop", "namespace": "prod"});

    // One pass: the first step waits.
    let mut state = RunState::default();
    let outcome = engine.reconcile(&workflow, &context, &mut state).await?;
    assert_eq!(outcome.phase, RunPhase::Executing);
    assert_eq!(
        state.status.step("approve").unwrap().message,
        "waiting for approval of cr42"
    );

    // Someone approves; the driver runs passes (sleeping between them) until the run ends,
    // saving the state after every pass. Restarted after a crash, it continues from the store.
    state.set_var("approved.cr42", json!("ana"));
    let store = store::Memory::new();
    store::Store::save(&store, "prod/shop", &state).await?;
    let outcome = engine.drive(&store, "prod/shop", &workflow, &context).await?;
    assert_eq!(outcome.phase, RunPhase::Succeeded);
    // ANCHOR_END: run

    let state = store::Store::load(&store, "prod/shop").await?.unwrap();
    assert_eq!(state.status.step("announce").unwrap().message, "released");
    let cm = objects
        .get(&cluster::Key {
            cluster: String::new(),
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "prod".into(),
            name: "last-release".into(),
        })
        .await?
        .unwrap();
    assert_eq!(cm["data"]["approver"], "ana");

    // ANCHOR: operations
    let mut state = RunState::default();
    let suspended = Workflow::new(vec![
        Step::new("gate", "suspend"),
        Step::new("go", "print-message-in-status").with_properties(json!({"message": "go"})),
    ]);
    engine.reconcile(&suspended, &context, &mut state).await?; // suspends at `gate`
    operation::resume(&mut state, None)?; // `vela workflow resume`
    let outcome = engine.reconcile(&suspended, &context, &mut state).await?;
    assert_eq!(outcome.phase, RunPhase::Succeeded);
    // Also: operation::suspend, operation::terminate, operation::restart,
    // and operation::restart_from(&mut state, &workflow, "failed-step").
    // ANCHOR_END: operations
    Ok(())
}

/// Parses a workflow from JSON (in YAML files it is the same shape).
fn workflow_from_json(v: Value) -> vela_workflow::Workflow {
    serde_json::from_value(v).expect("valid workflow")
}
