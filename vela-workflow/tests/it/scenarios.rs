//! The scenario table: what KubeVela's executor tests (`pkg/executor/workflow_test.go`) cover,
//! replayed on this engine with real step types and tokio's paused clock.

mod table;

use std::time::Duration;

use crate::common::{self, engine_with, render};
use serde_json::{Value, json};
use vela_workflow::status::RunPhase;
use vela_workflow::{Config, RunState, Step, StepMode, Workflow, operation};

#[derive(Debug, Clone)]
pub(crate) enum Act {
    /// One reconcile pass.
    Pass,
    /// `n` reconcile passes.
    Passes(usize),
    /// Move tokio's clock.
    Advance(Duration),
    Suspend(Option<&'static str>),
    Resume(Option<&'static str>),
    Terminate,
    Restart,
    RestartFrom(&'static str),
    SetVar(&'static str, Value),
    /// The phase of the last pass.
    Phase(RunPhase),
    /// The rendered step statuses.
    Steps(&'static str),
    /// The last pass's requeue interval.
    Requeue(Option<Duration>),
    /// A context variable.
    Var(&'static str, Value),
    /// How many times the test steps ran so far.
    Runs(usize),
    /// A step's message.
    Message(&'static str, &'static str),
    /// The start of a step's message.
    MessagePrefix(&'static str, &'static str),
    /// The run message.
    RunMessage(&'static str),
}

use Act::*;

pub(crate) struct Scenario {
    name: &'static str,
    config: Config,
    workflow: Workflow,
    script: Vec<Act>,
}

pub(crate) fn s(name: &str, t: &str) -> Step {
    Step::new(name, t)
}

pub(crate) fn group(name: &str, subs: Vec<Step>) -> Step {
    Step::new(name, "step-group").with_sub_steps(subs)
}

pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub(crate) fn sc(name: &'static str, config: Config, workflow: Workflow, script: Vec<Act>) -> Scenario {
    Scenario {
        name,
        config,
        workflow,
        script,
    }
}

pub(crate) fn wf(steps: Vec<Step>) -> Workflow {
    Workflow::new(steps)
}

pub(crate) fn dag(steps: Vec<Step>) -> Workflow {
    Workflow::new(steps).with_mode(StepMode::Dag)
}

#[tokio::test(start_paused = true)]
async fn scenario_table() {
    let total = table::table().len();
    let mut count = 0;
    let mut failures = Vec::new();
    'scenarios: for sc in table::table() {
        let (engine, log) = engine_with(sc.config.clone());
        let ctx = json!({"name": "app", "namespace": "default"});
        let mut state = RunState::default();
        let mut last = None;
        for (i, act) in sc.script.iter().enumerate() {
            let at = format!("scenario {:?}, act #{i} {act:?}", sc.name);
            macro_rules! check {
                ($got:expr, $want:expr) => {
                    match (&$got, &$want) {
                        (got, want) => {
                            if got != want {
                                failures.push(format!(
                                    "{at}\n   got: {got:?}\n  want: {want:?}\n  steps: {}",
                                    render(&state.status)
                                ));
                                continue 'scenarios;
                            }
                        }
                    }
                };
            }
            match act.clone() {
                Pass => last = Some(engine.reconcile(&sc.workflow, &ctx, &mut state).await.expect(&at)),
                Passes(n) => {
                    for _ in 0..n {
                        last = Some(engine.reconcile(&sc.workflow, &ctx, &mut state).await.expect(&at));
                    }
                }
                Advance(d) => tokio::time::advance(d).await,
                Suspend(step) => operation::suspend(&mut state, step).expect(&at),
                Resume(step) => operation::resume(&mut state, step).expect(&at),
                Terminate => operation::terminate(&mut state),
                Restart => operation::restart(&mut state),
                RestartFrom(step) => operation::restart_from(&mut state, &sc.workflow, step).expect(&at),
                SetVar(p, v) => state.set_var(p, v),
                Phase(p) => check!(last.expect(&at).phase, p),
                Steps(want) => check!(render(&state.status).as_str(), want),
                Requeue(want) => check!(last.expect(&at).requeue_after, want),
                Var(p, v) => check!(state.var(p), Some(&v)),
                Runs(n) => check!(log.lock().unwrap().len(), n),
                Message(step, m) => check!(state.status.step(step).expect(&at).message.as_str(), m),
                MessagePrefix(step, m) => {
                    let msg = state.status.step(step).expect(&at).message.clone();
                    check!(msg.starts_with(m), true)
                }
                RunMessage(m) => check!(state.status.message.as_str(), m),
            }
        }
        count += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {total} scenarios failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        count == total && count == 44,
        "the table has {count} scenarios, expected exactly 44"
    );
}

#[tokio::test(start_paused = true)]
async fn inputs_reach_the_parameter_under_parameter_key() {
    let (engine, log) = engine_with(Config::default());
    let w = wf(vec![
        s("p", "success")
            .with_properties(json!({"v": "x"}))
            .output("val", "output.value.v"),
        s("c", "success")
            .input("val", "a.b")
            .input("context.name", "who")
            .with_properties(json!({"a": {"c": 1}})),
    ]);
    let mut state = RunState::default();
    engine
        .reconcile(&w, &json!({"name": "app"}), &mut state)
        .await
        .unwrap();
    let log = log.lock().unwrap();
    assert_eq!(
        log[1],
        ("c".to_owned(), json!({"a": {"b": "x", "c": 1}, "who": "app"}))
    );
}

#[tokio::test(start_paused = true)]
async fn invalid_workflows_are_rejected_with_the_field_path() {
    let (engine, _) = engine_with(Config::default());
    let mut state = RunState::default();
    let err = engine
        .reconcile(&wf(vec![s("a", "no-such-type")]), &json!({}), &mut state)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("steps[0].type: unknown step type \"no-such-type\""),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_finished_five_step_run_stores_in_at_most_2_kib() {
    let (engine, _) = engine_with(Config::default());
    let w = wf((1..=5)
        .map(|i| s(&format!("deploy-step-{i}"), "success"))
        .collect());
    let mut state = RunState::default();
    let out = engine
        .reconcile(&w, &json!({"name": "app", "namespace": "default"}), &mut state)
        .await
        .unwrap();
    assert_eq!(out.phase, RunPhase::Succeeded);
    let bytes = state.to_bytes().unwrap();
    assert!(
        bytes.len() <= 2048,
        "{} bytes: {}",
        bytes.len(),
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(RunState::from_bytes(&bytes).unwrap(), state);
}
