//! Test step types and helpers shared by the integration tests.
#![allow(dead_code, missing_docs)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{Value, json};
use vela_workflow::status::RunStatus;
use vela_workflow::step::{self, Context, Registry, StepType};
use vela_workflow::time::{Timestamp, TokioClock};
use vela_workflow::{Config, Engine, steps};

/// Every execution of a test step, in order: (step name, parameter).
pub type Log = Arc<Mutex<Vec<(String, Value)>>>;

#[derive(Clone)]
pub struct Behave {
    log: Log,
    kind: &'static str,
}

#[async_trait]
impl StepType for Behave {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        self.log
            .lock()
            .unwrap()
            .push((ctx.step().name.clone(), ctx.parameter().clone()));
        match self.kind {
            "success" => Ok(json!({"output": {"$returns": {"value": ctx.parameter().clone()}}})),
            "fail" => Err(step::Error::msg("boom")),
            "running" => {
                ctx.wait("");
                Ok(json!({}))
            }
            "break" => {
                ctx.terminate("stop here");
                Ok(json!({}))
            }
            "fail-action" => {
                ctx.fail("failed on purpose");
                Ok(json!({}))
            }
            // Fails the first `parameter.failures` runs of this step name, then succeeds.
            "flaky" => {
                let name = ctx.step().name.clone();
                let runs = self
                    .log
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .count() as u64;
                let failures = ctx
                    .parameter()
                    .get("failures")
                    .and_then(Value::as_u64)
                    .unwrap_or(1);
                if runs <= failures {
                    Err(step::Error::msg("not yet"))
                } else {
                    Ok(json!({}))
                }
            }
            other => unreachable!("{other}"),
        }
    }
}

pub const ORIGIN: Timestamp = Timestamp::from_millis(1_800_000_000_000);

/// An engine with the test step types and the built-ins, on tokio's (paused) clock.
pub fn engine_with(config: Config) -> (Engine, Log) {
    let log: Log = Arc::default();
    let mut r = Registry::new();
    for kind in ["success", "fail", "running", "break", "fail-action", "flaky"] {
        r.register(
            kind,
            Behave {
                log: log.clone(),
                kind,
            },
        );
    }
    r.register("suspend", steps::Suspend);
    r.register("print-message-in-status", steps::PrintMessage);
    let e = Engine::new(r)
        .with_clock(TokioClock::starting_at(ORIGIN))
        .with_config(config);
    (e, log)
}

pub fn engine() -> (Engine, Log) {
    engine_with(Config::default())
}

/// `Config` where a failure is at once `FailedAfterRetries` (KubeVela's test mock behaviour).
pub fn no_retries() -> Config {
    Config::default().with_max_step_error_retries(0)
}

/// The status as `name:phase[/Reason][sub,...]` words, in status order.
pub fn render(status: &RunStatus) -> String {
    let one = |s: &vela_workflow::status::StepStatus| {
        let mut w = format!("{}:{}", s.name, s.phase.map_or("", |p| p.as_str()));
        if !s.reason.is_empty() {
            w.push('/');
            w.push_str(&s.reason);
        }
        w
    };
    status
        .steps
        .iter()
        .map(|s| {
            let mut w = one(&s.status);
            if !s.sub_steps.is_empty() {
                w.push('[');
                w.push_str(&s.sub_steps.iter().map(one).collect::<Vec<_>>().join(","));
                w.push(']');
            }
            w
        })
        .collect::<Vec<_>>()
        .join(" ")
}
