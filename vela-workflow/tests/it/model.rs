//! Model-based property test: random DAGs of steps (the last ones possibly inside a
//! `step-group`) with random outcomes, random crashes
//! (a pass whose state is never saved) and restarts from the stored state.
//!
//! Invariants:
//! - a terminal phase is always reached, unless the run was suspended by the operation;
//! - no step runs before its dependencies (and, StepByStep, the earlier steps) finished;
//! - no step recorded as succeeded in the stored state runs again;
//! - the outputs a step sees are exactly those of steps that had finished, and include those of
//!   all its predecessors.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use proptest::prelude::*;
use serde_json::{Value, json};
use vela_workflow::status::{RunPhase, StepPhase};
use vela_workflow::step::{self, Context, Registry, StepType};
use vela_workflow::store::{self, Store};
use vela_workflow::time::{Timestamp, TokioClock};
use vela_workflow::{Engine, RunState, Step, StepMode, Workflow, operation, steps};

#[derive(Clone, Copy, Debug)]
enum Behaviour {
    Succeed,
    /// Fails this many times, then succeeds.
    Flaky(u8),
    /// Always fails (ends with FailedAfterRetries).
    Fail,
    /// Waits this many runs, then succeeds.
    Wait(u8),
}

/// One execution: step name and the output variables it saw.
type Log = Arc<Mutex<Vec<(String, BTreeSet<String>)>>>;

struct ModelStep {
    log: Log,
}

#[async_trait]
impl StepType for ModelStep {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let name = ctx.step().name.clone();
        let seen: BTreeSet<String> = ctx
            .parameter()
            .get("all")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| ctx.var(&format!("o_{n}")).is_some())
            .map(str::to_owned)
            .collect();
        let runs = {
            let mut log = self.log.lock().unwrap();
            log.push((name.clone(), seen));
            log.iter().filter(|(n, _)| *n == name).count() as u64
        };
        let p = ctx.parameter();
        let k = p["k"].as_u64().unwrap_or(0);
        match p["b"].as_str().unwrap_or("ok") {
            "flaky" if runs <= k => Err(step::Error::msg("flaky")),
            "fail" => Err(step::Error::msg("always")),
            "wait" if runs <= k => {
                ctx.wait("waiting");
                Ok(json!({}))
            }
            _ => Ok(json!({"output": {"value": name}})),
        }
    }
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        4 => Just(Behaviour::Succeed),
        2 => (1u8..3).prop_map(Behaviour::Flaky),
        1 => Just(Behaviour::Fail),
        2 => (1u8..3).prop_map(Behaviour::Wait),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    dag: bool,
    /// Per step: behaviour, `dependsOn` (indices of earlier steps), `if: always`.
    steps: Vec<(Behaviour, Vec<usize>, bool)>,
    /// Per pass: crash (state not saved).
    crashes: Vec<bool>,
    /// Pass at which the run is suspended by the operation (never resumed).
    suspend_at: Option<usize>,
    /// The last `group_tail` steps become the sub-steps of a `step-group` (0: no group).
    group_tail: usize,
}

impl Case {
    fn group_start(&self) -> usize {
        if self.group_tail > 0 && self.group_tail < self.steps.len() {
            self.steps.len() - self.group_tail
        } else {
            self.steps.len()
        }
    }

    /// The steps that must have finished before step `i` runs.
    fn predecessors(&self, i: usize) -> Vec<usize> {
        let g = self.group_start();
        let deps = &self.steps[i].1;
        if i < g {
            return if self.dag {
                deps.clone()
            } else {
                (0..i).chain(deps.iter().copied()).collect()
            };
        }
        // A sub-step (sub-steps run as a DAG): its dependsOn inside the group, and what the
        // group itself waits for (StepByStep: every earlier top-level step).
        let mut p: Vec<usize> = deps.iter().copied().filter(|d| *d >= g).collect();
        if !self.dag {
            p.extend(0..g);
        }
        p
    }
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..7)
        .prop_flat_map(|n| {
            let steps = (0..n)
                .map(|i| {
                    let deps = proptest::sample::subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(2));
                    (behaviour(), deps, proptest::bool::weighted(0.15))
                })
                .collect::<Vec<_>>();
            (
                any::<bool>(),
                steps,
                proptest::collection::vec(proptest::bool::weighted(0.2), 300),
                proptest::option::weighted(0.15, 0usize..20),
                0usize..4,
            )
        })
        .prop_map(|(dag, steps, crashes, suspend_at, group_tail)| Case {
            dag,
            steps,
            crashes,
            suspend_at,
            group_tail,
        })
}

fn workflow(case: &Case) -> Workflow {
    let names: Vec<String> = (0..case.steps.len()).map(|i| format!("s{i}")).collect();
    let g = case.group_start();
    let mut steps: Vec<Step> = case
        .steps
        .iter()
        .enumerate()
        .map(|(i, (b, deps, always))| {
            let (kind, k) = match b {
                Behaviour::Succeed => ("ok", 0),
                Behaviour::Flaky(k) => ("flaky", *k),
                Behaviour::Fail => ("fail", 0),
                Behaviour::Wait(k) => ("wait", *k),
            };
            let deps = deps.iter().filter(|d| i < g || **d >= g);
            let mut s = Step::new(&names[i], "model")
                .with_properties(json!({"b": kind, "k": k, "all": names}))
                .depends_on(deps.map(|d| names[*d].clone()))
                .output(format!("o_{}", names[i]), "output.value");
            if *always {
                s = s.with_if("always");
            }
            s
        })
        .collect();
    if g < steps.len() {
        let subs = steps.split_off(g);
        steps.push(Step::new("g", "step-group").with_sub_steps(subs));
    }
    let w = Workflow::new(steps);
    if case.dag { w.with_mode(StepMode::Dag) } else { w }
}

async fn check(case: Case) -> Result<(), TestCaseError> {
    let log: Log = Arc::default();
    let mut registry = Registry::new();
    registry.register("model", ModelStep { log: log.clone() });
    registry.register("suspend", steps::Suspend);
    let engine =
        Engine::new(registry).with_clock(TokioClock::starting_at(Timestamp::from_millis(1_700_000_000_000)));
    let wf = workflow(&case);
    let store = store::Memory::new();
    let ctx = json!({"name": "run"});
    let finished = |st: &RunState, name: &str| st.status.step(name).is_some_and(|s| s.is_finished(false));
    let mut suspended_by_op = false;
    let mut outcome = None;
    for pass in 0..300 {
        // Every pass starts from the stored state, as after a process restart.
        let mut state = store.load("run").await.unwrap().unwrap_or_default();
        if case.suspend_at == Some(pass) && !state.status.finished {
            let _ = operation::suspend(&mut state, None);
            store.save("run", &state).await.unwrap();
            suspended_by_op = true;
        }
        let succeeded_before: BTreeSet<String> = state
            .status
            .steps
            .iter()
            .flat_map(|s| std::iter::once(&s.status).chain(s.sub_steps.iter()))
            .filter(|s| s.phase == Some(StepPhase::Succeeded))
            .map(|s| s.name.clone())
            .collect();
        let log_start = log.lock().unwrap().len();
        let out = engine.reconcile(&wf, &ctx, &mut state).await.unwrap();
        let runs: Vec<(String, BTreeSet<String>)> = log.lock().unwrap()[log_start..].to_vec();
        for (name, seen) in &runs {
            prop_assert!(
                !succeeded_before.contains(name),
                "succeeded step {name} ran again"
            );
            let i: usize = name[1..].parse().unwrap();
            for d in case.predecessors(i) {
                prop_assert!(
                    seen.contains(&format!("s{d}")),
                    "{name} ran before its predecessor s{d} finished"
                );
            }
            for s in seen {
                prop_assert!(
                    finished(&state, s),
                    "{name} saw the output of {s}, which has not finished"
                );
            }
        }
        // Outputs in the context are exactly those of finished steps.
        for (i, _) in case.steps.iter().enumerate() {
            let n = format!("s{i}");
            prop_assert_eq!(
                state.var(&format!("o_{n}")).is_some(),
                finished(&state, &n),
                "output of {}",
                n
            );
        }
        let crash = case.crashes[pass] && !out.phase.is_terminal();
        if !crash {
            store.save("run", &state).await.unwrap();
        }
        outcome = Some(out);
        match out.requeue_after {
            _ if out.phase.is_terminal() && !crash => break,
            None if out.phase == RunPhase::Suspending && !crash => break,
            Some(d) => tokio::time::advance(d).await,
            None => {}
        }
    }
    let out = outcome.unwrap();
    if suspended_by_op {
        prop_assert!(
            out.phase.is_terminal() || out.phase == RunPhase::Suspending,
            "ended {:?}",
            out.phase
        );
    } else {
        prop_assert!(out.phase.is_terminal(), "no terminal phase: {:?}", out.phase);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn random_workflows_keep_the_invariants(case in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        rt.block_on(check(case))?;
    }
}
