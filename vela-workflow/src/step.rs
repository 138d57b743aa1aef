//! Step types: the [`StepType`] trait, what a running step sees ([`Context`]) and the
//! [`Registry`] that maps `type:` names to implementations.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::spec;
use crate::state::RunState;
use crate::status::{StepPhase, StepStatus, reason};
use crate::time::Timestamp;

/// A step failed while executing. The engine marks it `failed` with reason `Execute` and
/// retries it with backoff until the retry limit, like a CUE evaluation error in KubeVela.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error with a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            source: None,
        }
    }

    /// An error with a message and a cause.
    pub fn new(
        message: impl fmt::Display,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.to_string(),
            source: Some(source.into()),
        }
    }

    /// The message followed by its causes, as it appears in the step status.
    #[must_use]
    pub fn chain(&self) -> String {
        let mut s = self.message.clone();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = self.source.as_deref().map(|e| e as _);
        while let Some(e) = cur {
            s.push_str(": ");
            s.push_str(&e.to_string());
            cur = e.source();
        }
        s
    }
}

/// Result of running a step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A kind of workflow step (`type: <name>`).
///
/// `run` is called on every pass until the step is finished. It reads its `parameter`, may
/// read and write context variables, and reports through actions on the [`Context`]: with no
/// action and `Ok`, the step succeeded. It returns the step's evaluated value, which
/// `outputs[].valueFrom` reads (for example `{"output": {"$returns": {...}}}` for a read).
/// An `Err` fails the step with reason `Execute` and it is retried with backoff.
///
/// ```
/// use vela_workflow::step::{self, StepType};
/// use serde_json::{json, Value};
///
/// /// Waits until the context variable named by `parameter.var` is true.
/// struct WaitFor;
///
/// #[async_trait::async_trait]
/// impl StepType for WaitFor {
///     async fn run(&self, ctx: &mut step::Context<'_>) -> step::Result<Value> {
///         let var = ctx.parameter()["var"].as_str().ok_or_else(|| step::Error::msg("parameter.var: expected a string"))?.to_owned();
///         if ctx.var(&var) != Some(&json!(true)) {
///             ctx.wait(format!("waiting for {var}"));
///         }
///         Ok(json!({}))
///     }
/// }
/// ```
#[async_trait]
pub trait StepType: Send + Sync + 'static {
    /// Runs the step once.
    async fn run(&self, ctx: &mut Context<'_>) -> Result<Value>;
}

/// What happened to the workflow as a result of a step (KubeVela's `Operation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Operation {
    pub suspend: bool,
    pub terminated: bool,
    pub waiting: bool,
    pub skip: bool,
    pub failed_after_retries: bool,
}

/// What a running step sees and does.
pub struct Context<'a> {
    pub(crate) step: &'a spec::Step,
    pub(crate) parameter: Value,
    pub(crate) context: &'a Value,
    pub(crate) previous: StepStatus,
    pub(crate) now: Timestamp,
    pub(crate) state: &'a mut RunState,
    pub(crate) status: StepStatus,
    pub(crate) op: Operation,
}

impl Context<'_> {
    /// The step as written in the workflow.
    #[must_use]
    pub fn step(&self) -> &spec::Step {
        self.step
    }

    /// The step's stable ID.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.status.id
    }

    /// The step's `parameter`: its `properties` with inputs applied.
    #[must_use]
    pub fn parameter(&self) -> &Value {
        &self.parameter
    }

    /// The run context (`context.name`, `context.namespace`, `context.stepName`, ...).
    #[must_use]
    pub fn context(&self) -> &Value {
        self.context
    }

    /// The step's status before this pass (KubeVela's `GetStatus`).
    #[must_use]
    pub fn previous_status(&self) -> &StepStatus {
        &self.previous
    }

    /// The engine clock's now.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Reads a workflow context variable (dotted path).
    #[must_use]
    pub fn var(&self, path: &str) -> Option<&Value> {
        self.state.var(path)
    }

    /// Writes a workflow context variable (dotted path).
    pub fn set_var(&mut self, path: &str, value: Value) {
        self.state.set_var(path, value);
    }

    /// Reads a mutable value of this step (kept across passes, cleared by restart).
    #[must_use]
    pub fn mutable(&self, key: &str) -> Option<&str> {
        self.state
            .mutable
            .get(&format!("{}.{key}", self.status.id))
            .map(String::as_str)
    }

    /// Writes a mutable value of this step.
    pub fn set_mutable(&mut self, key: &str, value: impl Into<String>) {
        let k = format!("{}.{key}", self.status.id);
        self.state.mutable.insert(k, value.into());
    }

    /// Suspends the workflow at this step (`#Suspend`). Ignored once the step failed.
    pub fn suspend(&mut self, message: impl Into<String>) {
        if self.status.phase == Some(StepPhase::Failed) {
            return;
        }
        self.op.suspend = true;
        self.status.phase = Some(StepPhase::Suspending);
        set_msg(&mut self.status, message);
        self.status.reason = reason::SUSPEND.to_owned();
    }

    /// Resumes this step: it succeeds.
    pub fn resume(&mut self, message: impl Into<String>) {
        self.op.suspend = false;
        self.status.phase = Some(StepPhase::Succeeded);
        set_msg(&mut self.status, message);
    }

    /// Ends the workflow after this step, which succeeds with reason `Terminate` (`#Break`).
    pub fn terminate(&mut self, message: impl Into<String>) {
        self.op.terminated = true;
        self.status.phase = Some(StepPhase::Succeeded);
        set_msg(&mut self.status, message);
        self.status.reason = reason::TERMINATE.to_owned();
    }

    /// Keeps the step running; it is run again after a backoff (`#ConditionalWait`).
    pub fn wait(&mut self, message: impl Into<String>) {
        self.op.waiting = true;
        if !matches!(self.status.phase, Some(StepPhase::Failed | StepPhase::Suspending)) {
            self.status.phase = Some(StepPhase::Running);
            self.status.reason = reason::WAIT.to_owned();
            set_msg(&mut self.status, message);
        }
    }

    /// Fails the step with reason `Action` and terminates the workflow (`#Fail`).
    pub fn fail(&mut self, message: impl Into<String>) {
        self.op.terminated = true;
        self.status.phase = Some(StepPhase::Failed);
        self.status.reason = reason::ACTION.to_owned();
        set_msg(&mut self.status, message);
    }

    /// Sets the step message (`#Message`); the last message wins.
    pub fn message(&mut self, message: impl Into<String>) {
        set_msg(&mut self.status, message);
    }

    /// The phase this pass has reached so far.
    #[must_use]
    pub fn phase(&self) -> Option<StepPhase> {
        self.status.phase
    }
}

fn set_msg(status: &mut StepStatus, message: impl Into<String>) {
    let m = message.into();
    if !m.is_empty() {
        status.message = m;
    }
}

/// Maps step type names to implementations.
#[derive(Clone, Default)]
pub struct Registry {
    types: HashMap<String, Arc<dyn StepType>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.types.keys().collect();
        names.sort();
        f.debug_struct("Registry").field("types", &names).finish()
    }
}

impl Registry {
    /// An empty registry (`step-group` is always known to the engine).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `step_type` under `name`, replacing any previous one.
    pub fn register(&mut self, name: impl Into<String>, step_type: impl StepType) -> &mut Self {
        self.types.insert(name.into(), Arc::new(step_type));
        self
    }

    /// Registers an already shared step type.
    pub fn register_arc(&mut self, name: impl Into<String>, step_type: Arc<dyn StepType>) -> &mut Self {
        self.types.insert(name.into(), step_type);
        self
    }

    /// The step type registered under `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<dyn StepType>> {
        self.types.get(name)
    }

    /// Whether `name` is a known type (`step-group` always is).
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        name == crate::steps::STEP_GROUP || self.types.contains_key(name)
    }

    /// The registered names, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.types.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}
