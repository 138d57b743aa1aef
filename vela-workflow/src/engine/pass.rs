//! One pass: KubeVela's `engine` (`runAsDAG`, `steps`, the pre-check/pre-start/post-stop hooks,
//! the step-group runner), step by step; the backoff bookkeeping is in [`super::backoff`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value, json};
use tracing::Instrument as _;

use super::Engine;
use super::depend::skip_next;
use super::plan::Plan;
use crate::spec::{Step, StepMode, Workflow};
use crate::state::{Counters, RunState, lookup, set_path};
use crate::status::{
    MESSAGE_SUSPEND_FAILED_AFTER_RETRIES, RunPhase, StepPhase, StepStatus, WorkflowStepStatus, is_finished,
    reason,
};
use crate::step::{Context, Operation};
use crate::time::{Timestamp, parse_duration};

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A pre-check hook failed; the step is skipped with `pre check error: <this>` as its message,
/// like KubeVela (the message text is the source's, the source is kept for callers that log it).
#[derive(Debug, thiserror::Error)]
enum PreCheckError {
    /// The `if` condition could not be evaluated.
    #[error(transparent)]
    Condition(#[from] crate::expr::Error),
    /// The `timeout` is not a Go duration.
    #[error(transparent)]
    Timeout(#[from] crate::time::ParseError),
}

pub(crate) struct Pass<'e> {
    pub(super) engine: &'e Engine,
    pub(super) workflow: &'e Workflow,
    plan: &'e Plan<'e>,
    context: &'e Value,
    pub(super) state: &'e mut RunState,
    /// Flat view of statuses by name (top-level, sub-steps and `properties.name` aliases).
    pub(super) step_status: HashMap<String, StepStatus>,
    pub(super) depends_on: HashMap<&'e str, &'e [String]>,
    pub(super) step_timeout: HashMap<String, Timestamp>,
    parent: Option<String>,
    pub(super) failed_after_retries: bool,
    pub(super) waiting: bool,
    suspending: bool,
}

impl<'e> Pass<'e> {
    pub(crate) fn new(
        engine: &'e Engine,
        plan: &'e Plan<'e>,
        context: &'e Value,
        state: &'e mut RunState,
    ) -> Self {
        let mut step_status = HashMap::new();
        for s in &state.status.steps {
            step_status.insert(s.status.name.clone(), s.status.clone());
            for sub in &s.sub_steps {
                step_status.insert(sub.name.clone(), sub.clone());
            }
        }
        let mut depends_on = HashMap::new();
        for step in plan.all_steps() {
            if let Some(st) = step_status.get(&step.name).cloned() {
                add_alias(&mut step_status, step, &st);
            }
            depends_on.insert(step.name.as_str(), step.depends_on.as_slice());
        }
        Self {
            engine,
            workflow: plan.workflow,
            plan,
            context,
            state,
            step_status,
            depends_on,
            step_timeout: HashMap::new(),
            parent: None,
            failed_after_retries: false,
            waiting: false,
            suspending: false,
        }
    }

    pub(super) fn now(&self) -> Timestamp {
        self.engine.clock.now()
    }

    pub(super) fn sof(&self) -> bool {
        self.engine.config.suspend_on_failure
    }

    fn finished(&self, st: &StepStatus) -> bool {
        is_finished(st.phase, &st.reason, self.sof())
    }

    /// KubeVela's `Engine.Run`.
    pub(crate) fn run<'a>(&'a mut self, steps: &'e [Step], dag: bool) -> BoxFut<'a> {
        Box::pin(async move {
            let refs: Vec<&'e Step> = steps.iter().collect();
            if dag {
                self.run_as_dag(refs, false).await;
            } else {
                self.steps_refs(&refs, false).await;
            }
            self.check_failed_after_retries();
            self.set_next_execute_time();
        })
    }

    fn run_as_dag<'a>(&'a mut self, steps: Vec<&'e Step>, pending_runners: bool) -> BoxFut<'a> {
        Box::pin(async move {
            let mut todo: Vec<&'e Step> = Vec::new();
            let mut pending: Vec<&'e Step> = Vec::new();
            let mut done = true;
            for step in steps {
                let (finish, id) = match self.step_status.get(&step.name) {
                    Some(st) => (self.finished(st), st.id.clone()),
                    None => (false, String::new()),
                };
                if finish {
                    self.state.counters.backoff_times.remove(&id);
                    continue;
                }
                done = false;
                if let Some(pst) = self.check_pending(step) {
                    if pending_runners {
                        Counters::increase(&mut self.state.counters.backoff_times, &pst.id);
                        self.update_step_status(pst);
                    }
                    pending.push(step);
                    continue;
                }
                if self
                    .step_status
                    .get(&step.name)
                    .is_some_and(|s| s.phase == Some(StepPhase::Pending))
                {
                    self.state.counters.backoff_times.remove(&id);
                }
                todo.push(step);
            }
            if done || todo.is_empty() {
                return;
            }
            self.steps_refs(&todo, true).await;
            if self.need_stop() {
                return;
            }
            if !pending.is_empty() {
                self.run_as_dag(pending, true).await;
            }
        })
    }

    /// KubeVela's `engine.steps`.
    async fn steps_refs(&mut self, steps: &[&'e Step], dag: bool) {
        for (index, step) in steps.iter().copied().enumerate() {
            if self
                .step_status
                .get(&step.name)
                .is_some_and(|st| self.finished(st))
            {
                continue;
            }
            if let Some(pst) = self.check_pending(step) {
                Counters::increase(&mut self.state.counters.backoff_times, &pst.id);
                self.update_step_status(pst);
                if dag {
                    continue;
                }
                return;
            }
            let depend_phase = self.find_depend_phase(steps, index, dag);
            // one span per step run (a group's span encloses its sub-steps' spans); the phase is
            // recorded when the step returns
            let span = tracing::debug_span!("workflow.step", step = %step.name, r#type = %step.type_,
                phase = tracing::field::Empty);
            let (status, op) = if step.is_group() {
                self.run_group(step).instrument(span.clone()).await
            } else {
                self.run_task(step, depend_phase).instrument(span.clone()).await
            };
            span.record("phase", status.phase.map_or("", StepPhase::as_str));
            span.in_scope(|| {
                tracing::debug!(reason = %status.reason, message = %status.message, "workflow step ran");
            });
            self.finish_step(op);
            if !self.finished(&status) && status.phase != Some(StepPhase::Suspending) {
                self.handle_backoff_times(&status, false);
                self.update_step_status(status);
                if dag {
                    continue;
                }
                return;
            }
            self.handle_backoff_times(&status, true);
            self.update_step_status(status);
            if dag {
                continue;
            }
            if self.need_stop() {
                return;
            }
        }
    }

    fn id_of(&self, name: &str) -> String {
        if let Some(st) = self.step_status.get(name)
            && !st.id.is_empty()
        {
            return st.id.clone();
        }
        step_id(self.state.generation, name)
    }

    /// The basic value a step sees: `context` (with the step's name and ID) and `parameter`.
    fn basic_value(&self, step: &Step, id: &str) -> Value {
        let mut ctx = match self.context {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        ctx.insert("stepName".into(), Value::String(step.name.clone()));
        ctx.insert("stepSessionID".into(), Value::String(id.to_owned()));
        let parameter = if step.is_group() {
            Value::Object(Map::new())
        } else {
            step.properties
                .clone()
                .unwrap_or_else(|| Value::Object(Map::new()))
        };
        json!({ "context": Value::Object(ctx), "parameter": parameter })
    }

    /// KubeVela's `CheckPending`.
    fn check_pending(&self, step: &Step) -> Option<StepStatus> {
        let id = self.id_of(&step.name);
        let pending = |message: String| StepStatus {
            id: id.clone(),
            name: step.name.clone(),
            type_: step.type_.clone(),
            phase: Some(StepPhase::Pending),
            message,
            ..StepStatus::default()
        };
        for d in &step.depends_on {
            match self.step_status.get(d) {
                Some(st) if self.finished(st) => {}
                _ => return Some(pending(format!("Pending on DependsOn: {d}"))),
            }
        }
        if !step.inputs.is_empty() {
            let basic = self.basic_value(step, &id);
            for input in &step.inputs {
                if self.state.var(&input.from).is_none() && lookup(&basic, &input.from).is_none() {
                    return Some(pending(format!("Pending on Input: {}", input.from)));
                }
            }
        }
        None
    }

    /// The `if` scope: `status`, `inputs`, `context`, `parameter`.
    fn if_scope(&self, step: &Step, basic: &Value) -> Value {
        let mut status = Map::new();
        for (name, ss) in &self.step_status {
            let mut v = serde_json::to_value(ss).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert(
                    "phase".into(),
                    Value::String(ss.phase.map_or("", StepPhase::as_str).into()),
                );
                m.insert("failed".into(), Value::Bool(ss.phase == Some(StepPhase::Failed)));
                m.insert(
                    "succeeded".into(),
                    Value::Bool(ss.phase == Some(StepPhase::Succeeded)),
                );
                m.insert(
                    "skipped".into(),
                    Value::Bool(ss.phase == Some(StepPhase::Skipped)),
                );
                m.insert("timeout".into(), Value::Bool(ss.reason == reason::TIMEOUT));
                m.insert(
                    "failedAfterRetries".into(),
                    Value::Bool(ss.reason == reason::FAILED_AFTER_RETRIES),
                );
                m.insert("terminate".into(), Value::Bool(ss.reason == reason::TERMINATE));
            }
            status.insert(name.clone(), v);
        }
        let mut inputs = Map::new();
        for input in &step.inputs {
            let v = self.state.var(&input.from).or_else(|| lookup(basic, &input.from));
            if let Some(v) = v {
                inputs.insert(input.from.clone(), v.clone());
            }
        }
        let mut scope = match basic.clone() {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        scope.insert("status".into(), Value::Object(status));
        scope.insert("inputs".into(), Value::Object(inputs));
        Value::Object(scope)
    }

    /// The first pre-check hook: should the step be skipped? `Err` carries a pre-check error.
    fn pre_check_skip(
        &self,
        step: &Step,
        depend_phase: Option<StepPhase>,
        basic: &Value,
    ) -> Result<bool, PreCheckError> {
        if self.sof() {
            return Ok(false);
        }
        if let Some(p) = &self.parent
            && self.phase_of(p) == Some(StepPhase::Skipped)
        {
            return Ok(true);
        }
        match step.condition() {
            Some("always") => Ok(false),
            None => Ok(skip_next(depend_phase, !step.depends_on.is_empty())),
            Some(expr) => {
                let scope = self.if_scope(step, basic);
                self.engine
                    .evaluator
                    .eval_bool(expr, &scope)
                    .map(|b| !b)
                    .map_err(PreCheckError::from)
            }
        }
    }

    /// The second pre-check hook: did the step (or its group) time out?
    fn pre_check_timeout(&mut self, step: &Step) -> Result<bool, PreCheckError> {
        if let Some(p) = &self.parent
            && let Some(ps) = self.step_status.get(p)
            && ps.phase == Some(StepPhase::Failed)
            && ps.reason == reason::TIMEOUT
        {
            return Ok(true);
        }
        let first = self
            .step_status
            .get(&step.name)
            .and_then(|s| s.first_execute_time);
        if let (Some(first), Some(timeout)) = (first, step.timeout()) {
            let d = parse_duration(timeout)?;
            let deadline = first.plus(d);
            self.step_timeout.insert(step.name.clone(), deadline);
            if self.now() > deadline {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Runs a step of a registered type (KubeVela's custom task runner with its hooks).
    async fn run_task(&mut self, step: &'e Step, depend_phase: Option<StepPhase>) -> (StepStatus, Operation) {
        let id = self.id_of(&step.name);
        let mut status = StepStatus {
            id: id.clone(),
            name: step.name.clone(),
            type_: step.type_.clone(),
            phase: Some(StepPhase::Succeeded),
            ..StepStatus::default()
        };
        let mut op = Operation::default();
        let mut basic = self.basic_value(step, &id);

        let skip = match self.pre_check_skip(step, depend_phase, &basic) {
            Ok(skip) => skip.then(String::new),
            Err(e) => Some(format!("pre check error: {e}")),
        };
        let timeout = match skip {
            Some(_) => Ok(false),
            None => self.pre_check_timeout(step),
        };
        let timed_out = matches!(timeout, Ok(true));
        let skip = match timeout {
            Err(e) => Some(format!("pre check error: {e}")),
            Ok(_) => skip,
        };
        if let Some(message) = skip {
            op.skip = true;
            status.phase = Some(StepPhase::Skipped);
            status.reason = reason::SKIP.into();
            status.message = message;
            self.outputs(step, &basic, &mut status);
            return (status, op);
        }
        if timed_out {
            op.terminated = true;
            status.phase = Some(StepPhase::Failed);
            status.reason = reason::TIMEOUT.into();
            self.outputs(step, &basic, &mut status);
            return (status, op);
        }
        // Pre-start hook: inputs.
        for input in &step.inputs {
            let v = self
                .state
                .var(&input.from)
                .or_else(|| lookup(&basic, &input.from))
                .cloned();
            let Some(v) = v else {
                let e = format!("get input from [{}]: not found", input.from);
                self.fail_step(&mut status, &mut op, false, e, reason::INPUT);
                return (status, op);
            };
            if !input.parameter_key.is_empty()
                && let Some(Value::Object(root)) = Some(&mut basic)
            {
                let key = format!("parameter.{}", input.parameter_key);
                set_path(root, &key, v);
            }
        }
        let previous = self.step_status.get(&step.name).cloned().unwrap_or_default();
        let step_type = self.engine.registry.get(&step.type_).cloned();
        let Some(step_type) = step_type else {
            let e = format!("unknown step type {:?}", step.type_);
            self.fail_step(&mut status, &mut op, false, e, reason::RENDERING);
            return (status, op);
        };
        let parameter = basic.get("parameter").cloned().unwrap_or(Value::Null);
        let context = basic.get("context").cloned().unwrap_or(Value::Null);
        let now = self.now();
        let result = {
            let mut ctx = Context {
                step,
                parameter,
                context: &context,
                previous,
                now,
                state: &mut *self.state,
                status,
                op,
            };
            let r = step_type.run(&mut ctx).await;
            status = ctx.status;
            op = ctx.op;
            r
        };
        let value = match result {
            Ok(v) => merge_value(v, &basic),
            Err(e) => {
                self.fail_step(&mut status, &mut op, true, e.chain(), reason::EXECUTE);
                basic
            }
        };
        self.outputs(step, &value, &mut status);
        (status, op)
    }

    /// KubeVela's `executor.err` + `checkErrorTimes`.
    fn fail_step(
        &mut self,
        status: &mut StepStatus,
        op: &mut Operation,
        wait: bool,
        message: String,
        why: &str,
    ) {
        op.waiting = wait;
        status.phase = Some(StepPhase::Failed);
        status.message = message;
        if status.reason.is_empty() {
            status.reason = why.to_owned();
            if why != reason::EXECUTE {
                op.terminated = true;
            }
        }
        let times = Counters::increase(&mut self.state.counters.failed_times, &status.id);
        if times >= self.engine.config.max_step_error_retries {
            op.waiting = false;
            op.failed_after_retries = true;
            status.reason = reason::FAILED_AFTER_RETRIES.to_owned();
        }
    }

    /// KubeVela's `hooks.Output` for a finished step: write each output to the context.
    fn outputs(&mut self, step: &Step, value: &Value, status: &mut StepStatus) {
        if step.outputs.is_empty() || !self.finished(status) {
            return;
        }
        let mut errors = String::new();
        let eval = |expr: &str| self.engine.evaluator.eval_value(expr, value);
        let mut results = Vec::new();
        for output in &step.outputs {
            let vf = output.value_from.as_str();
            let mut r = eval(vf);
            if !matches!(r, Ok(Some(_))) && !vf.contains("$returns.") {
                let parts: Vec<&str> = vf.split("output.").collect();
                let alt = if parts.len() > 1 {
                    format!("{}output.$returns.{}", parts[0], parts[1..].join("."))
                } else {
                    format!("{vf}.$returns")
                };
                r = eval(&alt);
            }
            let v = match r {
                Ok(Some(v)) => v,
                other => {
                    if status.phase != Some(StepPhase::Skipped) {
                        let why = match other {
                            Err(e) => e.to_string(),
                            _ => "not exist".to_owned(),
                        };
                        errors.push_str(&format!("failed to get output from {vf}: {why}\n"));
                    }
                    Value::Null
                }
            };
            results.push((output.name.clone(), v));
        }
        for (name, v) in results {
            self.state.set_var(&name, v);
        }
        add_alias(&mut self.step_status, step, status);
        if !errors.is_empty() {
            status.message = errors;
        }
    }

    /// The `step-group` runner.
    async fn run_group(&mut self, step: &'e Step) -> (StepStatus, Operation) {
        let id = self.id_of(&step.name);
        let mut status = StepStatus {
            id: id.clone(),
            name: step.name.clone(),
            type_: step.type_.clone(),
            ..StepStatus::default()
        };
        let basic = self.basic_value(step, &id);
        // The group's depend phase comes from its position, exactly like a task.
        let depend_phase = self.group_depend_phase(step);
        match self.pre_check_skip(step, depend_phase, &basic) {
            Err(e) => {
                status.phase = Some(StepPhase::Skipped);
                status.reason = reason::SKIP.into();
                status.message = format!("pre check error: {e}");
            }
            Ok(true) => {
                status.phase = Some(StepPhase::Skipped);
                status.reason = reason::SKIP.into();
                self.step_status.insert(step.name.clone(), status.clone());
            }
            Ok(false) => match self.pre_check_timeout(step) {
                Ok(true) => {
                    status.phase = Some(StepPhase::Failed);
                    status.reason = reason::TIMEOUT.into();
                    self.step_status.insert(step.name.clone(), status.clone());
                }
                Ok(false) => {}
                Err(e) => {
                    status.phase = Some(StepPhase::Skipped);
                    status.reason = reason::SKIP.into();
                    status.message = format!("pre check error: {e}");
                }
            },
        }
        let sub_steps = self.plan.sub_steps(step);
        if !sub_steps.is_empty() {
            let outer = self.parent.replace(step.name.clone());
            let mode = step.mode.unwrap_or(self.state.status.mode.sub_steps);
            self.run(sub_steps, mode != StepMode::StepByStep).await;
            self.parent = outer;
        }
        let recorded = self
            .state
            .status
            .steps
            .iter()
            .find(|s| s.status.name == step.name)
            .cloned();
        let (mut status, mut op) =
            super::group::group_status(status, recorded.as_ref(), self.operation(), step.sub_steps.len());
        if !step.outputs.is_empty() {
            let before = status.message.clone();
            self.outputs(step, &basic, &mut status);
            if status.message != before && self.finished(&status) {
                status.phase = Some(StepPhase::Failed);
                if status.reason.is_empty() {
                    status.reason = reason::OUTPUT.into();
                }
                op.terminated = true;
                status.message = format!("output error: {}", status.message);
            }
        }
        (status, op)
    }

    fn operation(&self) -> Operation {
        Operation {
            suspend: self.state.status.suspend,
            terminated: self.state.status.terminated,
            waiting: self.waiting,
            skip: false,
            failed_after_retries: self.failed_after_retries,
        }
    }

    fn finish_step(&mut self, op: Operation) {
        let sof = self.sof();
        let st = &mut self.state.status;
        st.terminated = st.terminated || op.terminated;
        self.failed_after_retries |= op.failed_after_retries;
        self.waiting |= op.waiting;
        self.suspending |= op.suspend;
        st.suspend = self.suspending;
        if !self.waiting && self.failed_after_retries && sof {
            st.suspend = true;
        }
        if self.failed_after_retries && !sof {
            st.terminated = true;
        }
    }

    fn need_stop(&self) -> bool {
        self.state.status.suspend
    }

    /// KubeVela's `updateStepStatus`.
    fn update_step_status(&mut self, mut status: StepStatus) {
        let now = self.now();
        self.state.counters.last_execute_time = Some(now);
        status.last_execute_time = Some(now);
        let steps = &mut self.state.status.steps;
        let owner = self.parent.clone().unwrap_or_else(|| status.name.clone());
        let index = steps.iter().position(|s| s.status.name == owner);
        let mut updated = false;
        if let Some(i) = index {
            if self.parent.is_some() {
                if let Some(sub) = steps[i].sub_steps.iter_mut().find(|s| s.name == status.name) {
                    status.first_execute_time = sub.first_execute_time;
                    *sub = status.clone();
                    updated = true;
                }
            } else {
                status.first_execute_time = steps[i].status.first_execute_time;
                steps[i].status = status.clone();
                updated = true;
            }
        }
        if !updated {
            status.first_execute_time = Some(now);
            if let Some(parent) = &self.parent {
                let i = match index {
                    Some(i) => i,
                    None => {
                        steps.push(WorkflowStepStatus {
                            status: StepStatus {
                                name: parent.clone(),
                                first_execute_time: Some(now),
                                ..StepStatus::default()
                            },
                            sub_steps: Vec::new(),
                        });
                        steps.len() - 1
                    }
                };
                steps[i].sub_steps.push(status.clone());
            } else {
                steps.push(WorkflowStepStatus {
                    status: status.clone(),
                    sub_steps: Vec::new(),
                });
            }
        }
        self.step_status.insert(status.name.clone(), status);
    }

    /// KubeVela's `checkWorkflowPhase`.
    pub(crate) fn check_workflow_phase(&mut self) -> RunPhase {
        let sof = self.sof();
        self.state.status.message = if !self.waiting && self.failed_after_retries && sof {
            MESSAGE_SUSPEND_FAILED_AFTER_RETRIES.to_owned()
        } else {
            String::new()
        };
        let (all_done, all_succeeded) = super::check_runners(self.workflow, &self.state.status, sof);
        if self.state.status.terminated {
            self.clean_backoff_for_terminated();
            if all_done {
                return if super::terminated_manually(&self.state.status) {
                    RunPhase::Terminated
                } else {
                    RunPhase::Failed
                };
            }
        }
        if self.state.status.suspend {
            return RunPhase::Suspending;
        }
        if all_succeeded {
            return RunPhase::Succeeded;
        }
        RunPhase::Executing
    }
}

/// Records the status under `properties.name` / `properties.component` too (KubeVela's
/// `SetAdditionalNameInStatus`), unless that name is taken.
fn add_alias(map: &mut HashMap<String, StepStatus>, step: &Step, status: &StepStatus) {
    let Some(Value::Object(p)) = &step.properties else {
        return;
    };
    let alias = ["name", "component"]
        .iter()
        .find_map(|k| p.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()));
    if let Some(a) = alias {
        map.entry(a.to_owned()).or_insert_with(|| status.clone());
    }
}

/// The step's evaluated value: what it returned, plus `parameter` and `context`.
fn merge_value(v: Value, basic: &Value) -> Value {
    let mut m = match v {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    if let Value::Object(b) = basic {
        for (k, v) in b {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(m)
}

/// A stable 10-character step ID from the run generation and the step name.
pub(crate) fn step_id(generation: u32, name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in generation.to_le_bytes().iter().chain(name.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..10)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}
