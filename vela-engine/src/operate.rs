//! Workflow operations on a delivered application: suspend, resume, terminate and restart its
//! workflow (`vela workflow ...`), as KubeVela's `vela workflow` commands do. Each changes the
//! run state kept in the hub, then runs one reconcile so that the status shows the result (a
//! resumed or restarted workflow continues in that pass).

use crate::deliver::{Delivered, run_key, run_store};
use crate::{Engine, Result, workflow};
use vela_workflow::store::Store as _;

/// What to do to an application's workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Suspend the running workflow (or one step).
    Suspend {
        /// Only this step (`None`: the whole workflow).
        step: Option<String>,
    },
    /// Resume a suspended workflow (or one suspended step).
    Resume {
        /// Only this step (`None`: every suspended step).
        step: Option<String>,
    },
    /// Terminate the workflow: no step runs again until a restart.
    Terminate,
    /// Run the workflow again from the start, or from a failed step.
    Restart {
        /// Restart from this failed step (`None`: from the start).
        step: Option<String>,
    },
}

impl Operation {
    /// Applies the operation to a run state; a restart from a step needs the `workflow`.
    pub(crate) fn apply(
        &self,
        state: &mut vela_workflow::state::RunState,
        workflow: Option<&vela_workflow::Workflow>,
    ) -> Result<()> {
        use vela_workflow::operation as op;
        match self {
            Self::Suspend { step } => op::suspend(state, step.as_deref())?,
            Self::Resume { step } => op::resume(state, step.as_deref())?,
            Self::Terminate => op::terminate(state),
            Self::Restart { step: None } => op::restart(state),
            Self::Restart { step: Some(step) } => match workflow {
                Some(wf) => op::restart_from(state, wf, step)?,
                None => op::restart(state),
            },
        }
        Ok(())
    }
}

impl Engine {
    /// Applies `operation` to the workflow of `namespace/name` and reconciles once. Returns
    /// `None` when there is no such application.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::{Engine, Operation};
    /// use vela_render::{Registry, Renderer};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let cluster = Arc::new(vela_multicluster::Embedded::in_memory().unwrap());
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), cluster);
    /// let app = vela_render::app::parse("
    /// apiVersion: core.oam.dev/v1beta1
    /// kind: Application
    /// metadata: {name: gate}
    /// spec:
    ///   components: [{name: web, type: webservice, properties: {image: nginx}}]
    ///   workflow:
    ///     steps: [{name: approve, type: suspend}, {name: web, type: apply-component, properties: {component: web}}]
    /// ").unwrap();
    /// let held = engine.up(&app).await.unwrap();
    /// assert_eq!(held.status.phase.map(|p| p.as_str()), Some("workflowSuspending"));
    /// let resumed = engine
    ///     .operate("default", "gate", Operation::Resume { step: None })
    ///     .await
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(resumed.applied.len(), 1); // the Deployment
    /// # });
    /// ```
    ///
    /// # Errors
    /// [`Error::Operation`](crate::Error::Operation) when the step does not exist or a restart names a step that has not
    /// failed; the errors of [`Engine::reconcile`].
    pub async fn operate(
        &self,
        namespace: &str,
        name: &str,
        operation: Operation,
    ) -> Result<Option<Delivered>> {
        if !self.record_operation(namespace, name, operation).await? {
            return Ok(None);
        }
        self.reconcile(namespace, name).await
    }

    /// Applies `operation` to the stored run state of `namespace/name` without reconciling
    /// (for a hub where a controller runs the workflow: it continues from the changed state at
    /// its next reconcile). Returns `false` when there is no such application.
    ///
    /// # Errors
    /// [`Error::Operation`](crate::Error::Operation) when the operation does not apply (resume
    /// of a workflow that is not suspended, restart from a step that did not fail, ...);
    /// [`Error::Store`](crate::Error::Store) and [`Error::Cluster`](crate::Error::Cluster) when
    /// the hub fails (or the run state kept changing under the operation:
    /// [`Error::is_conflict`](crate::Error::is_conflict)).
    pub async fn record_operation(&self, namespace: &str, name: &str, operation: Operation) -> Result<bool> {
        let Some(app) = self.get(namespace, name).await? else {
            return Ok(false);
        };
        let store = run_store(self, namespace);
        let wf = match &operation {
            Operation::Restart { step: Some(_) } => {
                Some(workflow::of(self.clusters().as_ref(), &app, namespace).await?)
            }
            _ => None,
        };
        let mut attempt = 1;
        loop {
            let loaded = store.load_versioned(&run_key(name)).await?;
            let mut state = loaded.state.unwrap_or_default();
            operation.apply(&mut state, wf.as_ref())?;
            // over the version it changed: a reconcile that saved meanwhile is not overwritten,
            // the operation is applied again to what it saved
            match store
                .save_if(&run_key(name), &state, loaded.version.as_ref())
                .await
            {
                Err(e) if e.is_conflict() && attempt < crate::error::CONFLICT_ATTEMPTS => attempt += 1,
                saved => {
                    saved?;
                    break;
                }
            }
        }
        self.clusters().flush().await?;
        Ok(true)
    }
}
