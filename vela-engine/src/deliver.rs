//! Delivering an Application: validate, store it in the hub, then reconcile — prepare the
//! ApplicationRevision, run one pass of its workflow (whose `deploy` and `apply-component`
//! steps render, apply with the ownership rules and check health), track what was applied,
//! collect what the new generation no longer delivers once the workflow succeeded, and write
//! the status. Deleting it collects everything it owns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use vela_model::application::{Application, Phase, Status};
use vela_model::common::{ClusterObjectReference, ObjectReference, Revision};
use vela_multicluster::Key;
use vela_workflow::RunPhase;
use vela_workflow::store::{ConfigMaps, Store as _};

use crate::apply::Owner;
use crate::dispatch::{Delivery, Record};
use crate::policy::Rules;
use crate::{Engine, Error, Result, collect, revision, tracker, workflow};

/// What a reconcile did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivered {
    /// The application generation that was delivered.
    pub generation: i64,
    /// The ApplicationRevision delivered (`<app>-v<N>`).
    pub revision: String,
    /// The objects applied by this reconcile, in order.
    pub applied: Vec<Key>,
    /// The objects of earlier generations that were deleted because this one no longer
    /// delivers them (once the workflow succeeded, or failed with the garbage-collect
    /// policy's `continueOnFailure`).
    pub collected: Vec<Key>,
    /// The objects of earlier generations whose deletion failed, with the cause; only with
    /// `continueOnFailure`, which goes on with the others (the status has a
    /// [`GC_CONDITION`] condition, and the next reconcile tries again).
    pub uncollected: Vec<(Key, String)>,
    /// The objects state-keep restored because they drifted from what the application applied
    /// (only in a reconcile after the workflow succeeded).
    pub restored: Vec<Key>,
    /// The workflow's phase after this pass.
    pub workflow: RunPhase,
    /// When to reconcile again (a step waits, retries after a failure, or a suspend has a
    /// duration); `None` when the workflow is over or waits for a resume.
    pub requeue_after: Option<Duration>,
    /// The status written to the Application.
    pub status: Status,
}

/// The type of the status condition that reports objects the garbage collection could not
/// delete (with the garbage-collect policy's `continueOnFailure`; status `False`, reason
/// `DeleteFailed`). While it is there, every reconcile whose workflow is over (succeeded, or
/// failed with `continueOnFailure`) collects again.
pub const GC_CONDITION: &str = "GarbageCollect";

/// What deleting an application did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Removed {
    /// The objects deleted (or, with `orphan`, left in place).
    pub objects: Vec<Key>,
    /// Whether the objects were left in place.
    pub orphaned: bool,
}

/// The key of an Application object in the hub.
pub(crate) fn app_key(namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: "Application".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn identity(app: &Application) -> (String, String) {
    let name = app.metadata.name.clone().unwrap_or_default();
    let namespace = app.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    (name, namespace)
}

/// The store of workflow run states: KubeVela's `workflow-<app>-context` ConfigMaps in the
/// application's namespace of the hub.
pub(crate) fn run_store(engine: &Engine, namespace: &str) -> ConfigMaps {
    ConfigMaps::new(engine.clusters().clone(), "", namespace, "workflow-")
}

pub(crate) fn run_key(name: &str) -> String {
    format!("{name}-context")
}

/// The run status as `status.workflow` spells it (the mode as `<steps>-<subSteps>`).
fn workflow_status(
    run: &vela_workflow::status::RunStatus,
) -> Result<vela_model::application::WorkflowStatus> {
    let mut v = serde_json::to_value(run).unwrap_or(Value::Null);
    let mode = format!(
        "{}-{}",
        v["mode"]["steps"].as_str().unwrap_or_default(),
        v["mode"]["subSteps"].as_str().unwrap_or_default()
    );
    v["mode"] = Value::String(mode);
    let mut status: vela_model::application::WorkflowStatus =
        serde_json::from_value(v).map_err(|source| Error::Stored {
            what: "workflow run status".into(),
            source,
        })?;
    // the Application holds its times in whole seconds: so does the status compared with it
    for step in &mut status.steps {
        whole_seconds(&mut step.first_execute_time);
        whole_seconds(&mut step.last_execute_time);
        for sub in &mut step.sub_steps {
            whole_seconds(&mut sub.first_execute_time);
            whole_seconds(&mut sub.last_execute_time);
        }
    }
    whole_seconds(&mut status.start_time);
    whole_seconds(&mut status.end_time);
    Ok(status)
}

/// `time` without its fraction of a second (as it is written: `2006-01-02T15:04:05Z`).
fn whole_seconds(time: &mut Option<vela_model::common::Time>) {
    if let Some(t) = time {
        let floor = t.0.as_second() - i64::from(t.0.subsec_nanosecond() < 0);
        if let Ok(whole) = jiff::Timestamp::from_second(floor) {
            t.0 = whole;
        }
    }
}

fn app_phase(run: RunPhase, healthy: bool) -> Phase {
    match run {
        RunPhase::Suspending => Phase::WorkflowSuspending,
        RunPhase::Terminated => Phase::WorkflowTerminated,
        RunPhase::Failed => Phase::WorkflowFailed,
        RunPhase::Succeeded | RunPhase::Skipped if healthy => Phase::Running,
        RunPhase::Succeeded | RunPhase::Skipped => Phase::Unhealthy,
        _ => Phase::RunningWorkflow,
    }
}

impl Engine {
    /// Delivers `app`: validates it, stores it in the hub, and runs one [`Engine::reconcile`].
    /// Call [`Engine::reconcile`] again after [`Delivered::requeue_after`] until the workflow
    /// is over (the controller does; `vela up` does it in the foreground).
    ///
    /// # Errors
    /// [`Error::Invalid`] with every model problem, [`Error::Render`] for unknown definitions,
    /// and the errors of [`Engine::reconcile`].
    pub async fn up(&self, app: &Application) -> Result<Delivered> {
        app.validate()?;
        self.renderer().check_types(app)?;
        let (name, namespace) = identity(app);
        self.store_app(app, &namespace).await?;
        self.reconcile(&namespace, &name)
            .await?
            .ok_or_else(|| Error::Stored {
                what: format!("Application {namespace}/{name}"),
                source: serde_json::Error::io(std::io::Error::other("it disappeared while being delivered")),
            })
    }

    /// Checks and stores `app` in the hub without reconciling it (for a hub where a controller
    /// delivers Applications); returns the stored object's `metadata.generation`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let hub = Arc::new(vela_multicluster::Memory::new());
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), hub);
    /// let app = vela_render::app::parse("apiVersion: core.oam.dev/v1beta1\nkind: Application\n\
    ///     metadata: {name: web}\nspec: {components: [{name: web, type: worker, properties: {image: nginx}}]}").unwrap();
    /// engine.submit(&app).await.unwrap();
    /// assert!(engine.get("default", "web").await.unwrap().is_some());
    /// # });
    /// ```
    ///
    /// # Errors
    /// [`Error::Invalid`] and [`Error::Render`] (an unknown type) as [`Engine::up`];
    /// [`Error::Cluster`] when the hub fails.
    pub async fn submit(&self, app: &Application) -> Result<i64> {
        app.validate()?;
        self.renderer().check_types(app)?;
        let (_, namespace) = identity(app);
        let stored = self.store_app(app, &namespace).await?;
        Ok(stored["metadata"]["generation"].as_i64().unwrap_or(0))
    }

    /// Reconciles the stored application `namespace/name` once: prepares its revision, runs one
    /// pass of its workflow (a new revision restarts it), records what was applied in the
    /// generation's ResourceTracker, collects what earlier generations applied and this one
    /// does not once the workflow succeeded, and writes the status. Returns `None` when there is
    /// no such application.
    ///
    /// Steps fail inside the workflow (they are retried with backoff, and the status says
    /// why); objects applied before a failure stay tracked, so a later reconcile or a deletion
    /// finds them.
    ///
    /// The run state is saved only if no one else saved it since the pass loaded it: an
    /// operation recorded meanwhile ([`Engine::record_operation`]) is never overwritten.
    /// Instead the pass is done again from the stored state (its applies are idempotent), a
    /// few times; then the conflict is returned (a controller requeues).
    ///
    /// # Errors
    /// [`Error::Workflow`] for an invalid workflow, [`Error::Store`] when the run state cannot
    /// be kept (or kept changing under the pass: [`Error::is_conflict`]), [`Error::Cluster`]
    /// when the hub fails, [`Error::Stored`] for a malformed stored object.
    pub async fn reconcile(&self, namespace: &str, name: &str) -> Result<Option<Delivered>> {
        let mut attempt = 1;
        loop {
            // every read of this pass goes through one memo: an object read twice (the app, its
            // tracker, the live objects state-keep compares and health is evaluated on) is read
            // once
            let mut engine = self.clone();
            engine.clusters = Arc::new(crate::memo::Memo::new(self.clusters.clone()));
            let delivered = engine.pass(namespace, name).await;
            // what the pass wrote is durable before its result is reported (unless the
            // caller shares commits among reconciles: `Flush::Grouped`)
            if self.flush == crate::Flush::EveryReconcile {
                self.clusters.flush().await?;
            }
            match delivered {
                Err(e) if e.is_conflict() && attempt < crate::error::CONFLICT_ATTEMPTS => {
                    tracing::debug!(app = %name, namespace = %namespace, attempt,
                        "the run state changed during the pass; doing it again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One reconcile over the clusters of `self` (see [`Engine::reconcile`]).
    async fn pass(&self, namespace: &str, name: &str) -> Result<Option<Delivered>> {
        let Some(stored) = self.clusters().get_shared(&app_key(namespace, name)).await? else {
            return Ok(None);
        };
        let span = tracing::info_span!("engine.reconcile", app = %name, namespace = %namespace);
        let _guard = span.enter();
        let generation = stored["metadata"]["generation"].as_i64().unwrap_or(1);
        let mut app = decode_app(&stored)?;
        app.metadata.namespace = Some(namespace.to_owned());
        let no_status = Status::default();
        let previous = app.status.as_ref().unwrap_or(&no_status);
        let hub = self.clusters().as_ref();
        let registry = self.renderer().registry();
        let mut rev = revision::prepare(hub, &app, registry, name, namespace, self.revision_limit).await?;
        let deliver = std::mem::take(&mut rev.app);
        let wf = workflow::of(hub, &deliver, namespace).await?;

        let store = run_store(self, namespace);
        let restart = previous
            .workflow
            .as_ref()
            .is_none_or(|w| w.app_revision != rev.name);
        // (a new revision starts from nothing and replaces whatever is stored)
        let (mut state, version) = if restart {
            (vela_workflow::RunState::default(), None)
        } else {
            let loaded = store.load_versioned(&run_key(name)).await?;
            (loaded.state.unwrap_or_default(), loaded.version)
        };

        // a pass that changes nothing writes nothing: the run state is saved only when it moved
        let loaded = (!restart).then(|| state.clone());

        let owner = Owner::new(name, namespace);
        let mut record = Record::default();
        let tracked = tracker::get(
            hub,
            &self.trackers,
            &tracker::versioned_name(name, namespace, generation),
        )
        .await?;
        let has_tracker = tracked.is_some();
        if let Some(current) = tracked {
            for r in &current.resources {
                record.resources.insert(r.key(), Arc::clone(r));
            }
        }
        if !restart {
            for s in &previous.services {
                record.services.insert(
                    (
                        s.name.clone(),
                        s.cluster.clone(),
                        s.namespace.clone(),
                        s.replica_key.clone(),
                    ),
                    s.clone(),
                );
            }
        }
        let rules = Rules::of(&deliver)?;
        let delivery = Arc::new(Delivery {
            engine: self.clone(),
            app: deliver,
            namespace: namespace.to_owned(),
            owner: owner.clone(),
            rules,
            revision: rev.name.clone(),
            record: Mutex::new(record),
        });
        let mut engine = vela_workflow::Engine::new(workflow::registry(self, &delivery)?)
            .with_config(self.workflow.clone());
        if let Some(clock) = &self.clock {
            engine = engine.with_clock(ClockRef(clock.clone()));
        }
        let context = json!({
            "name": name, "namespace": namespace, "appName": name,
            "appRevision": rev.name, "workflowName": name,
        });
        let already_done = !restart && state.status.phase == RunPhase::Succeeded;
        let already_failed = !restart && state.status.phase == RunPhase::Failed;
        // custom policies are dispatched before the workflow, in every pass that runs it
        // (applies are idempotent; once the workflow is over, state-keep restores them)
        if !already_done
            && !already_failed
            && let Err(e) = crate::custom_policy::dispatch(&delivery).await
        {
            let status = Status {
                observed_generation: generation,
                phase: Some(Phase::GeneratingPolicy),
                conditions: vec![vela_model::common::Condition {
                    type_: "Policy".into(),
                    status: vela_model::common::ConditionStatus::False,
                    reason: "RenderFailed".into(),
                    message: crate::error::chain(&e),
                    ..Default::default()
                }],
                ..previous.clone()
            };
            let status_json = serde_json::to_value(&status).unwrap_or(Value::Null);
            self.clusters()
                .set_status_shared(&app_key(namespace, name), status_json)
                .await?;
            return Err(e);
        }
        let outcome = engine.reconcile(&wf, &context, &mut state).await?;
        let mut restored = Vec::new();
        if already_done && outcome.phase == RunPhase::Succeeded {
            // nothing ran: drifted objects are restored (state-keep), and the health of what
            // the workflow delivered is evaluated again
            restored = self.state_keep(namespace, name).await?;
            delivery.recheck(&workflow::delivery_steps(&wf)).await?;
        }

        let (resources, applied, services) = {
            let mut record = delivery
                .record
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (
                record.resources.values().cloned().collect::<Vec<_>>(),
                std::mem::take(&mut record.applied),
                record.services.values().cloned().collect::<Vec<_>>(),
            )
        };
        if !applied.is_empty() || !has_tracker {
            tracker::store(hub, name, namespace, generation, &resources).await?;
        }
        // what earlier generations left is collected once, in the pass where the workflow
        // succeeds (generation 1 has no earlier generation: deleting an application removes
        // its trackers)
        // (with continueOnFailure also in the pass where it fails, and again in every pass while
        // an earlier collection left objects it could not delete)
        // (never while a workflow still runs: its later steps may yet apply what an earlier
        // generation has)
        let continue_on_failure = delivery.rules.gc_settings.continue_on_failure;
        let over = outcome.phase == RunPhase::Succeeded
            || (continue_on_failure && outcome.phase == RunPhase::Failed);
        let first_time = match outcome.phase {
            RunPhase::Succeeded => !already_done,
            _ => !already_failed,
        };
        let retry = previous.conditions.iter().any(|c| c.type_ == GC_CONDITION);
        let collection = if over && ((first_time && generation > 1) || retry) {
            collect::collect(hub, &owner, generation, &resources).await?
        } else {
            collect::Collection::default()
        };
        let collected = collection.deleted;
        let uncollected = collection.failed;

        // saved after the collection: if it fails, the next reconcile runs this pass again
        // (re-applying is idempotent) and collects then
        // (only over the version it loaded: an operation saved meanwhile fails the save, and
        // the pass is done again from the state with the operation)
        if loaded.as_ref() != Some(&state) {
            if restart {
                store.save(&run_key(name), &state).await?;
            } else {
                store.save_if(&run_key(name), &state, version.as_ref()).await?;
            }
        }

        let healthy = services.iter().all(|s| s.healthy);
        let mut workflow_status = workflow_status(&state.status)?;
        workflow_status.app_revision.clone_from(&rev.name);
        workflow_status.context_backend = Some(ObjectReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: format!("workflow-{}", run_key(name)),
            namespace: namespace.to_owned(),
            ..ObjectReference::default()
        });
        let status = Status {
            observed_generation: generation,
            phase: Some(app_phase(outcome.phase, healthy)),
            services,
            workflow: Some(workflow_status),
            latest_revision: Some(Revision {
                name: rev.name.clone(),
                revision: rev.number,
                revision_hash: rev.hash.clone(),
            }),
            applied_resources: resources
                .iter()
                .map(|r| ClusterObjectReference {
                    cluster: r.cluster.clone(),
                    creator: r.creator,
                    api_version: r.api_version.clone(),
                    kind: r.kind.clone(),
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    uid: r.uid.clone(),
                    ..ClusterObjectReference::default()
                })
                .collect(),
            conditions: gc_condition(&uncollected),
            ..Status::default()
        };
        // equal values serialise alike: the JSON forms are compared only when the typed ones
        // differ (a field the JSON form leaves out may differ)
        if app.status.as_ref() != Some(&status) {
            let status_json = serde_json::to_value(&status).unwrap_or(Value::Null);
            let previous = app.status.as_ref().and_then(|s| serde_json::to_value(s).ok());
            if previous.as_ref() != Some(&status_json) {
                self.clusters()
                    .set_status_shared(&app_key(namespace, name), status_json)
                    .await?;
            }
        }
        Ok(Some(Delivered {
            generation,
            revision: rev.name,
            applied,
            collected,
            restored,
            workflow: outcome.phase,
            // objects left to collect: try again soon
            requeue_after: if uncollected.is_empty() {
                outcome.requeue_after
            } else {
                Some(outcome.requeue_after.map_or(GC_RETRY, |d| d.min(GC_RETRY)))
            },
            uncollected,
            status,
        }))
    }

    /// Stores the Application in the hub (its generation counts spec changes).
    async fn store_app(&self, app: &Application, namespace: &str) -> Result<std::sync::Arc<Value>> {
        let mut obj = serde_json::to_value(app).map_err(|source| Error::Stored {
            what: "Application".into(),
            source,
        })?;
        obj["metadata"]["namespace"] = Value::String(namespace.to_owned());
        if let Some(meta) = obj["metadata"].as_object_mut() {
            for server_side in [
                "resourceVersion",
                "uid",
                "generation",
                "creationTimestamp",
                "managedFields",
            ] {
                meta.remove(server_side);
            }
        }
        if let Some(map) = obj.as_object_mut() {
            map.remove("status");
        }
        Ok(self.clusters().apply_shared("", obj).await?)
    }

    /// Deletes an application and everything it owns (with `orphan`, the objects stay and only
    /// the tracking goes). Returns `None` when there is no such application.
    ///
    /// # Errors
    /// [`Error::Cluster`] when a cluster fails; nothing is deleted because a read failed.
    pub async fn delete(&self, namespace: &str, name: &str, orphan: bool) -> Result<Option<Removed>> {
        let key = app_key(namespace, name);
        let owner = Owner::new(name, namespace);
        let Some(stored) = self.clusters().get_shared(&key).await? else {
            return Ok(None);
        };
        // being deleted already (a controller's finalizer holds it): the API server removes it
        // once the finalizer goes, so it is not deleted again (the controller needs no right to)
        let deleting = !stored["metadata"]["deletionTimestamp"].is_null();
        let objects = collect::remove_all(self.clusters().as_ref(), &owner, orphan).await?;
        revision::delete_all(self.clusters().as_ref(), name, namespace).await?;
        run_store(self, namespace).delete(&run_key(name)).await?;
        if !deleting {
            self.clusters().delete(&key).await?;
        }
        self.clusters().flush().await?;
        Ok(Some(Removed {
            objects,
            orphaned: orphan,
        }))
    }

    /// The stored Application with its status, or `None`.
    ///
    /// # Errors
    /// [`Error::Cluster`] when the hub fails; [`Error::Stored`] when the stored object does not
    /// decode.
    pub async fn get(&self, namespace: &str, name: &str) -> Result<Option<Application>> {
        let Some(obj) = self.clusters().get(&app_key(namespace, name)).await? else {
            return Ok(None);
        };
        decode_app(&obj).map(Some)
    }

    /// Every stored Application, in one namespace or (`None`) in all.
    ///
    /// # Errors
    /// As [`Engine::get`].
    pub async fn list(&self, namespace: Option<&str>) -> Result<Vec<Application>> {
        let items = self
            .clusters()
            .list(
                "",
                "core.oam.dev/v1beta1",
                "Application",
                namespace.unwrap_or(""),
                &Default::default(),
            )
            .await?;
        items.iter().map(decode_app).collect()
    }
}

/// How soon to reconcile again when the collection left objects it could not delete.
const GC_RETRY: Duration = Duration::from_secs(30);

/// The [`GC_CONDITION`] condition naming every object the collection could not delete (none
/// when it deleted everything).
fn gc_condition(uncollected: &[(Key, String)]) -> Vec<vela_model::common::Condition> {
    if uncollected.is_empty() {
        return Vec::new();
    }
    let message = uncollected
        .iter()
        .map(|(k, cause)| {
            let cluster = if k.cluster.is_empty() {
                "local"
            } else {
                k.cluster.as_str()
            };
            format!(
                "{} {}/{} in cluster {cluster}: {cause}",
                k.kind, k.namespace, k.name
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![vela_model::common::Condition {
        type_: GC_CONDITION.into(),
        status: vela_model::common::ConditionStatus::False,
        reason: "DeleteFailed".into(),
        message: format!(
            "could not delete {} outdated object(s): {message}",
            uncollected.len()
        ),
        ..Default::default()
    }]
}

fn decode_app(obj: &Value) -> Result<Application> {
    use serde::Deserialize as _;
    Application::deserialize(obj).map_err(|source| Error::Stored {
        what: format!(
            "Application {}/{}",
            obj["metadata"]["namespace"].as_str().unwrap_or_default(),
            obj["metadata"]["name"].as_str().unwrap_or_default()
        ),
        source,
    })
}

/// The engine's clock, shared with each reconcile's workflow engine.
pub(crate) struct ClockRef(pub(crate) Arc<dyn vela_workflow::time::Clock>);

impl vela_workflow::time::Clock for ClockRef {
    fn now(&self) -> vela_workflow::time::Timestamp {
        self.0.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vela_workflow::status::{RunStatus, StepStatus, WorkflowStepStatus};

    #[test]
    fn the_run_status_reads_as_the_application_workflow_status() {
        let run = RunStatus {
            phase: RunPhase::Executing,
            steps: vec![WorkflowStepStatus {
                status: StepStatus {
                    name: "web".into(),
                    type_: "apply-component".into(),
                    phase: Some(vela_workflow::StepPhase::Running),
                    message: "waiting".into(),
                    ..StepStatus::default()
                },
                sub_steps: vec![],
            }],
            ..RunStatus::default()
        };
        let w = workflow_status(&run).unwrap();
        assert_eq!(w.mode, "StepByStep-DAG");
        let run = RunStatus {
            start_time: Some(serde_json::from_value(json!("2026-01-02T03:04:05.678Z")).unwrap()),
            ..run
        };
        let w = workflow_status(&run).unwrap();
        // as the Application stores it, so that an unchanged status compares equal to it
        let stored: vela_model::common::Time =
            serde_json::from_value(serde_json::to_value(w.start_time.as_ref().unwrap()).unwrap()).unwrap();
        assert_eq!(w.start_time, Some(stored));
        assert_eq!(
            serde_json::to_value(&w.start_time).unwrap(),
            json!("2026-01-02T03:04:05Z")
        );
        assert_eq!(w.phase, Some(RunPhase::Executing));
        assert_eq!(w.steps.len(), 1);
        assert_eq!(w.steps[0].message, "waiting");
    }
}
