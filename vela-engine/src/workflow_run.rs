//! Standalone `WorkflowRun`s (`core.oam.dev/v1alpha1`): a workflow run without an Application,
//! as KubeVela's workflow controller runs them.
//!
//! One [`Engine::reconcile_run`] is one pass: the steps come from `spec.workflowSpec.steps` or
//! the `Workflow` named by `spec.workflowRef` (in the run's namespace), `spec.mode` sets the
//! step modes, `spec.context` is merged into the run context (`context.name` and
//! `context.namespace` are the run's); the step types are vela-workflow's built-ins and those
//! added with [`Engine::with_step`] (`deploy` and `apply-component` need an Application and are
//! not offered). The run state is kept in the ConfigMap `workflowrun-<name>-context` of the
//! run's namespace, so a restarted controller resumes; the run status is written to the
//! WorkflowRun's `status`. A run that finished is not run again.

use serde_json::{Value, json};
use vela_multicluster::Key;
use vela_workflow::store::{ConfigMaps, Store as _};
use vela_workflow::{RunPhase, Workflow};

use crate::{Engine, Error, Result};

const API_VERSION: &str = "core.oam.dev/v1alpha1";

/// What one pass over a WorkflowRun did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPass {
    /// The run phase after the pass.
    pub phase: RunPhase,
    /// When to look again (`None`: the run is over, or waits for a resume).
    pub requeue_after: Option<std::time::Duration>,
}

fn run_key(namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: API_VERSION.into(),
        kind: "WorkflowRun".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

impl Engine {
    /// Runs one pass of the WorkflowRun `namespace/name` (see the [module docs](self)); `None`
    /// when there is no such run.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_multicluster::Objects;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let hub = Arc::new(vela_multicluster::Memory::new());
    /// hub.apply("", serde_json::json!({
    ///     "apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
    ///     "metadata": {"name": "hello", "namespace": "default"},
    ///     "spec": {"workflowSpec": {"steps": [{"name": "say", "type": "print-message-in-status",
    ///         "properties": {"message": "hi"}}]}},
    /// })).await.unwrap();
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), hub);
    /// let pass = engine.reconcile_run("default", "hello").await.unwrap().unwrap();
    /// assert_eq!(pass.phase, vela_workflow::RunPhase::Succeeded);
    /// # });
    /// ```
    ///
    /// The run state is saved only if no one saved it since the pass loaded it: an operation
    /// recorded meanwhile ([`Engine::record_run_operation`]) is never overwritten; the pass is
    /// done again from the stored state instead (a few times; then the conflict is returned,
    /// and a controller requeues).
    ///
    /// # Errors
    /// [`Error::Placement`] when `spec.workflowRef` names no Workflow, [`Error::Stored`] for a
    /// malformed run or Workflow, [`Error::Workflow`] for an invalid workflow,
    /// [`Error::Store`] and [`Error::Cluster`] when the hub fails (or the run state kept
    /// changing under the pass: [`Error::is_conflict`](crate::Error::is_conflict)).
    pub async fn reconcile_run(&self, namespace: &str, name: &str) -> Result<Option<RunPass>> {
        let mut attempt = 1;
        loop {
            match self.run_pass(namespace, name).await {
                Err(e) if e.is_conflict() && attempt < crate::error::CONFLICT_ATTEMPTS => {
                    tracing::debug!(run = %name, namespace = %namespace, attempt,
                        "the run state changed during the pass; doing it again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One pass of [`Engine::reconcile_run`].
    async fn run_pass(&self, namespace: &str, name: &str) -> Result<Option<RunPass>> {
        let hub = self.clusters().as_ref();
        let key = run_key(namespace, name);
        let Some(run) = hub.get(&key).await? else {
            return Ok(None);
        };
        let workflow = self.run_workflow(&run, namespace, name).await?;
        let store = ConfigMaps::new(self.clusters().clone(), "", namespace, "workflowrun-");
        let state_key = format!("{name}-context");
        let loaded = store.load_versioned(&state_key).await?;
        let mut state = loaded.state.unwrap_or_default();
        if state.status.finished {
            return Ok(Some(RunPass {
                phase: state.status.phase,
                requeue_after: None,
            }));
        }
        let registry = crate::workflow::run_registry(self)?;
        let mut engine = vela_workflow::Engine::new(registry).with_config(self.workflow.clone());
        if let Some(clock) = &self.clock {
            engine = engine.with_clock(crate::deliver::ClockRef(clock.clone()));
        }
        let mut context = json!({"name": name, "namespace": namespace, "workflowName": name});
        if let Some(extra) = run["spec"]["context"].as_object() {
            for (k, v) in extra {
                if !matches!(k.as_str(), "name" | "namespace") {
                    context[k] = v.clone();
                }
            }
        }
        let before = state.clone();
        let outcome = engine.reconcile(&workflow, &context, &mut state).await?;
        // a pass that moved nothing writes nothing; one that moved writes only over the version
        // it loaded, so that an operation recorded meanwhile (`vela workflow resume -t
        // workflow` while a controller runs the run) fails the save instead of being lost
        if state != before {
            store.save_if(&state_key, &state, loaded.version.as_ref()).await?;
        }
        let status = serde_json::to_value(&state.status).unwrap_or(Value::Null);
        if run["status"] != status {
            hub.set_status(&key, status).await?;
        }
        hub.flush().await?;
        Ok(Some(RunPass {
            phase: outcome.phase,
            requeue_after: outcome.requeue_after,
        }))
    }

    /// Applies `operation` to the stored state of the WorkflowRun `namespace/name` (`vela
    /// workflow suspend|resume|terminate|restart -t workflow`) and writes its status, without
    /// running a pass (a controller running the run continues from the changed state). Returns
    /// `false` when there is no such run.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use vela_engine::{Engine, Operation};
    /// use vela_multicluster::Objects;
    /// use vela_render::{Registry, Renderer};
    /// use vela_workflow::RunPhase;
    ///
    /// let hub = Arc::new(vela_multicluster::Memory::new());
    /// hub.apply("", serde_json::json!({
    ///     "apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
    ///     "metadata": {"name": "gate", "namespace": "default"},
    ///     "spec": {"workflowSpec": {"steps": [{"name": "approve", "type": "suspend"},
    ///         {"name": "say", "type": "print-message-in-status", "properties": {"message": "hi"}}]}},
    /// })).await.unwrap();
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), hub);
    /// let held = engine.reconcile_run("default", "gate").await.unwrap().unwrap();
    /// assert_eq!(held.phase, RunPhase::Suspending);
    /// let pass = engine
    ///     .operate_run("default", "gate", Operation::Resume { step: None })
    ///     .await
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(pass.phase, RunPhase::Succeeded);
    /// # });
    /// ```
    ///
    /// # Errors
    /// [`Error::Operation`] when the operation does not apply (resume of a run that is not
    /// suspended, restart from a step that did not fail, ...); the errors of
    /// [`Engine::reconcile_run`] reading the run and its workflow.
    pub async fn record_run_operation(
        &self,
        namespace: &str,
        name: &str,
        operation: crate::Operation,
    ) -> Result<bool> {
        let hub = self.clusters().as_ref();
        let key = run_key(namespace, name);
        let Some(run) = hub.get(&key).await? else {
            return Ok(false);
        };
        let store = ConfigMaps::new(self.clusters().clone(), "", namespace, "workflowrun-");
        let state_key = format!("{name}-context");
        let workflow = match &operation {
            crate::Operation::Restart { step: Some(_) } => {
                Some(self.run_workflow(&run, namespace, name).await?)
            }
            _ => None,
        };
        let mut attempt = 1;
        let state = loop {
            let loaded = store.load_versioned(&state_key).await?;
            let mut state = loaded.state.unwrap_or_default();
            operation.apply(&mut state, workflow.as_ref())?;
            // over the version it changed: a pass that saved meanwhile is not overwritten, the
            // operation is applied again to what it saved
            match store.save_if(&state_key, &state, loaded.version.as_ref()).await {
                Err(e) if e.is_conflict() && attempt < crate::error::CONFLICT_ATTEMPTS => attempt += 1,
                saved => {
                    saved?;
                    break state;
                }
            }
        };
        // the status shows the operation at once
        let status = serde_json::to_value(&state.status).unwrap_or(Value::Null);
        if run["status"] != status {
            hub.set_status(&key, status).await?;
        }
        hub.flush().await?;
        Ok(true)
    }

    /// [`Engine::record_run_operation`], then one pass of the run (where no controller runs
    /// it: the embedded cluster); `None` when there is no such run.
    ///
    /// # Errors
    /// As [`Engine::record_run_operation`] and [`Engine::reconcile_run`].
    pub async fn operate_run(
        &self,
        namespace: &str,
        name: &str,
        operation: crate::Operation,
    ) -> Result<Option<RunPass>> {
        if !self.record_run_operation(namespace, name, operation).await? {
            return Ok(None);
        }
        self.reconcile_run(namespace, name).await
    }

    /// The workflow a run runs: its inline steps, or its `workflowRef`; `spec.mode` over either.
    async fn run_workflow(&self, run: &Value, namespace: &str, name: &str) -> Result<Workflow> {
        let spec = &run["spec"];
        let malformed = |message: String| Error::Stored {
            what: format!("WorkflowRun {namespace}/{name}"),
            source: serde_json::Error::io(std::io::Error::other(message)),
        };
        let mut workflow = match (spec["workflowSpec"].is_object(), spec["workflowRef"].as_str()) {
            (true, None) => serde_json::from_value::<Workflow>(
                json!({"steps": spec["workflowSpec"]["steps"]}),
            )
            .map_err(|source| Error::Stored {
                what: format!("WorkflowRun {namespace}/{name} spec.workflowSpec"),
                source,
            })?,
            (false, Some(r)) => crate::workflow::external(self.clusters().as_ref(), namespace, r).await?,
            _ => {
                return Err(malformed(
                    "spec: exactly one of workflowSpec and workflowRef is expected".into(),
                ));
            }
        };
        if !spec["mode"].is_null() {
            workflow.mode =
                Some(
                    serde_json::from_value(spec["mode"].clone()).map_err(|source| Error::Stored {
                        what: format!("WorkflowRun {namespace}/{name} spec.mode"),
                        source,
                    })?,
                );
        }
        Ok(workflow)
    }
}
