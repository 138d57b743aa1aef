//! The engine: one reconcile pass over a run ([`Engine::reconcile`]) with KubeVela's exact
//! rules, and a driver that repeats passes until the run is over ([`Engine::drive`]).
//!
//! A pass is what KubeVela's `ExecuteRunners` does on one reconcile of an Application or
//! WorkflowRun: rebuild the view of the step statuses, run every step that may run (StepByStep:
//! in order, stopping at the first unfinished one; DAG: every ready step, repeating for steps
//! that became ready), record statuses, counters and the next execute time, and compute the run
//! phase. The pass never sleeps: waiting is expressed as [`Outcome::requeue_after`].

mod backoff;
mod depend;
mod group;
mod pass;
pub(crate) mod plan;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::expr::{self, Evaluator};
use crate::spec::Workflow;
use crate::state::RunState;
use crate::status::{RunPhase, StepPhase, is_finished, reason};
use crate::step::Registry;
use crate::store::{self, Store};
use crate::time::{Clock, SystemClock, parse_duration};

pub use validate::validate;

/// The engine failed (not a step: steps fail inside the run status).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workflow is invalid.
    #[error("{path}: {message}")]
    Invalid {
        /// Field path, such as `steps[1].subSteps[0].type`.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// Loading or saving the run state failed.
    #[error("run state store failed")]
    Store(#[source] store::Error),
}

/// Result of engine operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Engine settings; the defaults are KubeVela's.
///
/// New settings may be added in a minor release, so the struct is `#[non_exhaustive]`: start
/// from [`Config::default`] and change what you need with the `with_*` methods.
///
/// ```
/// let config = vela_workflow::engine::Config::default()
///     .with_max_step_error_retries(3)
///     .with_suspend_on_failure(true);
/// assert_eq!(config.max_step_error_retries, 3);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Failures before a step fails with `FailedAfterRetries` (`MaxWorkflowStepErrorRetryTimes`, 10).
    pub max_step_error_retries: u32,
    /// Backoff cap while steps wait (`--max-workflow-wait-backoff-time`, 60 s).
    pub max_wait_backoff: Duration,
    /// Backoff cap once a step failed (`--max-workflow-failed-backoff-time`, 300 s).
    pub max_failed_backoff: Duration,
    /// The `EnableSuspendOnFailure` gate: suspend instead of terminate after the retry limit.
    pub suspend_on_failure: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_step_error_retries: 10,
            max_wait_backoff: Duration::from_secs(60),
            max_failed_backoff: Duration::from_secs(300),
            suspend_on_failure: false,
        }
    }
}

impl Config {
    /// Sets [`Config::max_step_error_retries`].
    #[must_use]
    pub fn with_max_step_error_retries(mut self, retries: u32) -> Self {
        self.max_step_error_retries = retries;
        self
    }

    /// Sets [`Config::max_wait_backoff`].
    #[must_use]
    pub fn with_max_wait_backoff(mut self, backoff: Duration) -> Self {
        self.max_wait_backoff = backoff;
        self
    }

    /// Sets [`Config::max_failed_backoff`].
    #[must_use]
    pub fn with_max_failed_backoff(mut self, backoff: Duration) -> Self {
        self.max_failed_backoff = backoff;
        self
    }

    /// Sets [`Config::suspend_on_failure`].
    #[must_use]
    pub fn with_suspend_on_failure(mut self, suspend: bool) -> Self {
        self.suspend_on_failure = suspend;
        self
    }
}

/// The result of a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The run phase after the pass.
    pub phase: RunPhase,
    /// When to run the next pass; `None` when the run is over or waits for a resume.
    pub requeue_after: Option<Duration>,
}

/// The workflow engine: step types, the expression evaluator, the clock and settings.
#[derive(Clone)]
pub struct Engine {
    pub(crate) registry: Registry,
    pub(crate) evaluator: Arc<dyn Evaluator>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Config,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish()
    }
}

impl Engine {
    /// An engine with these step types, the CUE evaluator ([`expr::Paths`] without the `cue`
    /// feature) and the system clock.
    #[must_use]
    pub fn new(registry: Registry) -> Self {
        #[cfg(feature = "cue")]
        let evaluator: Arc<dyn Evaluator> = Arc::new(expr::Cue);
        #[cfg(not(feature = "cue"))]
        let evaluator: Arc<dyn Evaluator> = Arc::new(expr::Paths);
        Self {
            registry,
            evaluator,
            clock: Arc::new(SystemClock),
            config: Config::default(),
        }
    }

    /// Uses `evaluator` for `if` and `valueFrom` (for example the CUE evaluator).
    #[must_use]
    pub fn with_evaluator(mut self, evaluator: impl Evaluator) -> Self {
        self.evaluator = Arc::new(evaluator);
        self
    }

    /// Uses `clock` for "now".
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Uses these settings.
    #[must_use]
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The step types.
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs one pass over `state` (KubeVela's `ExecuteRunners`). `context` is the run context
    /// (`context.name`, `context.namespace`, WorkflowRun `spec.context`, ...).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the workflow is invalid; step failures are recorded in the
    /// status instead.
    pub async fn reconcile(
        &self,
        workflow: &Workflow,
        context: &Value,
        state: &mut RunState,
    ) -> Result<Outcome> {
        validate(workflow, &self.registry)?;
        let now = self.clock.now();
        let status = &mut state.status;
        if status.start_time.is_none() && status.steps.is_empty() {
            status.mode = crate::spec::ExecuteMode::resolve(workflow.mode.as_ref());
            status.start_time = Some(now);
            state.counters = Default::default();
        }
        let phase = self.pass_phase(workflow, context, state).await;
        let run = context
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        tracing::debug!(run = %run, phase = ?phase, "workflow pass");
        let status = &mut state.status;
        status.phase = phase;
        if phase.is_terminal() && !status.finished {
            status.finished = true;
            status.end_time = Some(self.clock.now());
        }
        let requeue_after = match phase {
            RunPhase::Executing => Some(self.backoff_wait_time(state)),
            RunPhase::Suspending => self.suspend_wait_time(workflow, state),
            _ => None,
        };
        Ok(Outcome { phase, requeue_after })
    }

    async fn pass_phase(&self, workflow: &Workflow, context: &Value, state: &mut RunState) -> RunPhase {
        let sof = self.config.suspend_on_failure;
        let status = &state.status;
        let (all_done, all_succeeded) = check_runners(workflow, status, sof);
        if status.terminated && all_done {
            return if terminated_manually(status) {
                RunPhase::Terminated
            } else {
                RunPhase::Failed
            };
        }
        if check_suspended(status) {
            return RunPhase::Suspending;
        }
        if all_succeeded {
            return RunPhase::Succeeded;
        }
        let dag = status.mode.steps == crate::spec::StepMode::Dag;
        let plan = plan::Plan::new(workflow);
        let mut pass = pass::Pass::new(self, &plan, context, state);
        pass.run(&workflow.steps, dag).await;
        pass.check_workflow_phase()
    }

    /// KubeVela's `GetBackoffWaitTime`: until the recorded next execute time, else 1 s.
    fn backoff_wait_time(&self, state: &RunState) -> Duration {
        let now = self.clock.now();
        match state.counters.next_execute_time {
            Some(next) if next > now => now.until(next),
            None if state.status.suspend => Duration::ZERO,
            _ => Duration::from_secs(1),
        }
    }

    /// KubeVela's `GetSuspendBackoffWaitTime`: the nearest timeout or resume time of a
    /// suspending step; `None` when only a resume can continue the run.
    fn suspend_wait_time(&self, workflow: &Workflow, state: &RunState) -> Option<Duration> {
        let now = self.clock.now();
        let mut min: Option<Duration> = None;
        for step in plan::Plan::new(workflow).all_steps() {
            let Some(st) = state.status.step(&step.name) else {
                continue;
            };
            if st.phase != Some(StepPhase::Suspending) {
                continue;
            }
            if let Some(timeout) = step.timeout()
                && let (Ok(d), Some(first)) = (parse_duration(timeout), st.first_execute_time)
            {
                let deadline = first.plus(d);
                if now < deadline {
                    let left = now.until(deadline);
                    min = Some(min.map_or(left, |m| m.min(left)));
                }
            }
            if let Some(ts) = state
                .mutable
                .get(&format!("{}.{}", st.id, crate::steps::RESUME_TIMESTAMP))
                && let Ok(t) = crate::time::Timestamp::parse_rfc3339(ts)
            {
                let left = now.until(t);
                min = Some(min.map_or(left, |m| m.min(left)));
            }
        }
        min
    }

    /// Repeats passes on the run stored under `key` until it is over or waits for a resume,
    /// saving the state after every pass and sleeping (tokio time) between passes. A process
    /// that crashed at any point calls this again and continues from the stored state.
    ///
    /// Saves are conditional ([`Store::save_if`]): when another writer saved the run during a
    /// pass (an operation such as a suspend), that pass's state is dropped, the stored state is
    /// loaded again and the next pass starts from it, so the operation is never overwritten.
    ///
    /// # Errors
    /// [`Error::Store`] when the store fails, [`Error::Invalid`] for an invalid workflow.
    pub async fn drive(
        &self,
        store: &dyn Store,
        key: &str,
        workflow: &Workflow,
        context: &Value,
    ) -> Result<Outcome> {
        let loaded = store.load_versioned(key).await.map_err(Error::Store)?;
        let mut version = loaded.version;
        let mut state = loaded.state.unwrap_or_default();
        loop {
            let outcome = self.reconcile(workflow, context, &mut state).await?;
            match store.save_if(key, &state, version.as_ref()).await {
                Ok(saved) => version = Some(saved),
                Err(e) if e.is_conflict() => {
                    let loaded = store.load_versioned(key).await.map_err(Error::Store)?;
                    version = loaded.version;
                    state = loaded.state.unwrap_or_default();
                    continue;
                }
                Err(e) => return Err(Error::Store(e)),
            }
            match outcome.requeue_after {
                // Never spin: a due requeue still waits a millisecond.
                Some(d) if !outcome.phase.is_terminal() => {
                    tokio::time::sleep(d.max(Duration::from_millis(1))).await
                }
                _ => return Ok(outcome),
            }
        }
    }
}

/// KubeVela's `checkRunners` over the top-level steps: (all finished, all succeeded/skipped).
fn check_runners(workflow: &Workflow, status: &crate::status::RunStatus, sof: bool) -> (bool, bool) {
    let mut success = true;
    for step in &workflow.steps {
        let Some(ss) = status.steps.iter().find(|s| s.status.name == step.name) else {
            return (false, false);
        };
        let done = is_finished(ss.status.phase, &ss.status.reason, sof);
        if !done {
            return (false, false);
        }
        success = success && matches!(ss.status.phase, Some(StepPhase::Succeeded | StepPhase::Skipped));
    }
    (true, success)
}

fn terminated_manually(status: &crate::status::RunStatus) -> bool {
    let mut manually = false;
    for s in &status.steps {
        if s.status.phase == Some(StepPhase::Failed) {
            if s.status.reason == reason::TERMINATE {
                manually = true;
            } else {
                return false;
            }
        }
    }
    manually
}

/// A suspended run still runs when a suspend step is suspending (it may resume by duration).
fn check_suspended(status: &crate::status::RunStatus) -> bool {
    if status.suspend {
        let waiting_step = |s: &crate::status::StepStatus| {
            s.reason == reason::SUSPEND && s.phase == Some(StepPhase::Suspending)
        };
        for s in &status.steps {
            if waiting_step(&s.status) || s.sub_steps.iter().any(waiting_step) {
                return false;
            }
        }
    }
    status.suspend
}
