//! Operations on a run: suspend, resume, terminate, restart (all, or from a failed step).
//!
//! They change the stored [`RunState`] the way `vela workflow suspend|resume|terminate|restart`
//! change `status.workflow`; the next pass acts on it.

use std::collections::{HashMap, HashSet};

use crate::engine::plan::Plan;
use crate::spec::{StepMode, Workflow};
use crate::state::RunState;
use crate::status::{StepPhase, StepStatus, WorkflowStepStatus, is_finished, reason};

/// An operation could not be applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No step with this name (in the phase the operation needs).
    #[error("can not find step {0:?}")]
    StepNotFound(String),
    /// Restart from a step that did not fail.
    #[error("can not restart from step {0:?}: it has not failed")]
    NotFailed(String),
}

/// Result of operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn operate(st: &mut WorkflowStepStatus, sub: Option<usize>, phase: StepPhase) {
    match sub {
        None => {
            st.status.phase = Some(phase);
            for s in &mut st.sub_steps {
                if !is_finished(s.phase, &s.reason, false) {
                    s.phase = Some(phase);
                }
            }
        }
        Some(j) => st.sub_steps[j].phase = Some(phase),
    }
}

fn change(state: &mut RunState, step: Option<&str>, from: StepPhase, to: StepPhase) -> Result<()> {
    let mut found = step.is_none();
    'outer: for st in &mut state.status.steps {
        if st.status.phase == Some(from) {
            match step {
                None => operate(st, None, to),
                Some(name) if name == st.status.name => {
                    operate(st, None, to);
                    found = true;
                    break 'outer;
                }
                _ => {}
            }
        }
        for j in 0..st.sub_steps.len() {
            if st.sub_steps[j].phase == Some(from) {
                match step {
                    None => operate(st, Some(j), to),
                    Some(name) if name == st.sub_steps[j].name => {
                        operate(st, Some(j), to);
                        found = true;
                        break 'outer;
                    }
                    _ => {}
                }
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(Error::StepNotFound(step.unwrap_or_default().to_owned()))
    }
}

/// Suspends the run; running steps (or only `step`) become suspending.
///
/// # Errors
/// [`Error::StepNotFound`] when `step` names no running step.
pub fn suspend(state: &mut RunState, step: Option<&str>) -> Result<()> {
    state.status.suspend = true;
    change(state, step, StepPhase::Running, StepPhase::Suspending)
}

/// Resumes the run; suspending steps (or only `step`) become running. A `suspend` step then
/// sees that it was resumed and succeeds.
///
/// # Errors
/// [`Error::StepNotFound`] when `step` names no suspending step.
pub fn resume(state: &mut RunState, step: Option<&str>) -> Result<()> {
    state.status.suspend = false;
    change(state, step, StepPhase::Suspending, StepPhase::Running)
}

/// Terminates the run: running and suspending steps fail with reason `Terminate`, failed
/// steps get reason `Terminate` unless they failed after retries or by timeout.
pub fn terminate(state: &mut RunState) {
    state.status.terminated = true;
    state.status.suspend = false;
    let mark = |s: &mut StepStatus| match s.phase {
        Some(StepPhase::Failed)
            if s.reason != reason::FAILED_AFTER_RETRIES && s.reason != reason::TIMEOUT =>
        {
            s.reason = reason::TERMINATE.to_owned();
        }
        Some(StepPhase::Running | StepPhase::Suspending) => {
            s.phase = Some(StepPhase::Failed);
            s.reason = reason::TERMINATE.to_owned();
        }
        _ => {}
    };
    for st in &mut state.status.steps {
        mark(&mut st.status);
        st.sub_steps.iter_mut().for_each(mark);
    }
}

/// Restarts the whole run: status, context variables and counters are cleared.
pub fn restart(state: &mut RunState) {
    let generation = state.generation + 1;
    *state = RunState {
        generation,
        ..RunState::default()
    };
}

/// Restarts from the failed step `step`: its status and those of the steps that depend on it
/// (later steps in StepByStep mode; `dependsOn` and input/output edges in DAG mode) are
/// cleared, with their context variables (outputs), counters and mutable values.
///
/// # Errors
/// [`Error::StepNotFound`] when there is no status for `step`, [`Error::NotFailed`] when it
/// has not failed.
pub fn restart_from(state: &mut RunState, workflow: &Workflow, step: &str) -> Result<()> {
    let mode = state.status.mode;
    let mut dependency: Vec<String> = Vec::new();
    let mut found = false;
    let mut statuses = std::mem::take(&mut state.status.steps);
    let mut removed_ids: Vec<String> = Vec::new();
    for i in 0..statuses.len() {
        if statuses[i].status.name == step {
            if statuses[i].status.phase != Some(StepPhase::Failed) {
                state.status.steps = statuses;
                return Err(Error::NotFailed(step.to_owned()));
            }
            dependency = step_dependency(workflow, step, mode.steps == StepMode::Dag);
            statuses.retain(|s| {
                let drop = s.status.name == step || dependency.contains(&s.status.name);
                if drop {
                    removed_ids.push(s.status.id.clone());
                    removed_ids.extend(s.sub_steps.iter().map(|x| x.id.clone()));
                }
                !drop
            });
            found = true;
            break;
        }
        if let Some(sub) = statuses[i].sub_steps.iter().find(|s| s.name == step) {
            if sub.phase != Some(StepPhase::Failed) {
                state.status.steps = statuses;
                return Err(Error::NotFailed(step.to_owned()));
            }
            let sub_dep = step_dependency(workflow, step, mode.sub_steps == StepMode::Dag);
            statuses[i].sub_steps.retain(|s| {
                let drop = s.name == step || sub_dep.contains(&s.name);
                if drop {
                    removed_ids.push(s.id.clone());
                }
                !drop
            });
            statuses[i].status.phase = Some(StepPhase::Running);
            statuses[i].status.reason.clear();
            let group = statuses[i].status.name.clone();
            let step_dep = step_dependency(workflow, &group, mode.steps == StepMode::Dag);
            statuses.retain(|s| {
                let drop = step_dep.contains(&s.status.name);
                if drop {
                    removed_ids.push(s.status.id.clone());
                }
                !drop
            });
            dependency = sub_dep;
            for d in step_dep {
                if !dependency.contains(&d) {
                    dependency.push(d);
                }
            }
            found = true;
            break;
        }
    }
    state.status.steps = statuses;
    if !found {
        return Err(Error::StepNotFound(step.to_owned()));
    }
    let st = &mut state.status;
    st.terminated = false;
    st.suspend = false;
    st.finished = false;
    st.end_time = None;
    for s in Plan::new(workflow).all_steps() {
        if s.name == step || dependency.contains(&s.name) {
            for o in &s.outputs {
                state.vars.remove(&o.name);
            }
        }
    }
    let c = &mut state.counters;
    for id in &removed_ids {
        c.failed_times.remove(id);
        c.backoff_times.remove(id);
        c.backoff_reason.remove(id);
        let prefix = format!("{id}.");
        state.mutable.retain(|k, _| !k.starts_with(&prefix));
    }
    // New statuses get new IDs, so nothing of the old attempt leaks into the new one.
    state.generation += 1;
    Ok(())
}

/// KubeVela's `getStepDependency`: the steps that must re-run when `name` re-runs.
fn step_dependency(workflow: &Workflow, name: &str, dag: bool) -> Vec<String> {
    if !dag {
        for (i, s) in workflow.steps.iter().enumerate() {
            if s.name == name {
                return workflow.steps[i + 1..].iter().map(|x| x.name.clone()).collect();
            }
            if let Some(j) = s.sub_steps.iter().position(|x| x.name == name) {
                return s.sub_steps[j + 1..].iter().map(|x| x.name.clone()).collect();
            }
        }
        return Vec::new();
    }
    let plan = Plan::new(workflow);
    let mut depends_on: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut output_of: HashMap<&str, &str> = HashMap::new();
    for s in plan.all_steps() {
        for o in &s.outputs {
            output_of.insert(&o.name, &s.name);
        }
        depends_on.insert(&s.name, s.depends_on.iter().map(String::as_str).collect());
    }
    for s in plan.all_steps() {
        for i in &s.inputs {
            if let Some(&producer) = output_of.get(i.from.as_str()) {
                let d = depends_on.entry(&s.name).or_default();
                if !d.contains(&producer) {
                    d.push(producer);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![name];
    while let Some(n) = stack.pop() {
        for (step, deps) in &depends_on {
            if deps.contains(&n) && seen.insert(*step) {
                out.push((*step).to_owned());
                stack.push(step);
            }
        }
    }
    out.sort();
    out
}
