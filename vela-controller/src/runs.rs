//! Standalone WorkflowRuns (`core.oam.dev/v1alpha1`): a metadata watch feeding kube-rs's
//! runtime controller, which runs [`vela_engine::Engine::reconcile_run`] for each run with the
//! engine current at that moment; requeued after the run's backoff; a run that cannot start
//! (no such Workflow, an invalid step) gets the reason as its `status.message` and is retried
//! with backoff.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use kube::api::{ApiResource, DynamicObject, PartialObjectMeta, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::{WatchStreamExt as _, controller, watcher};
use kube::{Api, Client};
use serde_json::json;
use vela_model::workflow::WorkflowRun;

use crate::controller::EngineSlot;
use crate::error::chain;
use crate::reconcile::{Settings, backoff};
use crate::{Error, Result};

/// The metadata of a WorkflowRun, as the cache keeps it.
type Meta = PartialObjectMeta<WorkflowRun>;

struct Context {
    engine: EngineSlot,
    client: Client,
    max_backoff: Duration,
    failures: Mutex<HashMap<(String, String), u32>>,
}

impl Context {
    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), u32>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reconciles the WorkflowRuns (of `settings.namespace`, or every namespace) until `shutdown`
/// completes.
pub(crate) async fn run(
    client: Client,
    engine: EngineSlot,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let api: Api<Meta> = match &settings.namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let (reader, writer) = kube::runtime::reflector::store::<Meta>();
    let stream = watcher(api, watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let ctx = Arc::new(Context {
        engine,
        client,
        max_backoff: settings.max_backoff,
        failures: Mutex::default(),
    });
    tracing::info!("reconciling WorkflowRuns");
    kube::runtime::Controller::for_stream(stream, reader)
        .with_config(controller::Config::default().concurrency(settings.concurrency))
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            if let Err(controller::Error::QueueError(e)) = result {
                tracing::warn!(error = %e, "watching WorkflowRuns (retrying with backoff)");
            }
        })
        .await;
}

async fn reconcile(meta: Arc<Meta>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = meta.metadata.namespace.clone().unwrap_or_default();
    let name = meta.metadata.name.clone().unwrap_or_default();
    if meta.metadata.deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let engine = ctx.engine.get_for(&namespace);
    match engine.reconcile_run(&namespace, &name).await {
        Ok(Some(pass)) => {
            ctx.failures().remove(&(namespace.clone(), name.clone()));
            tracing::info!(run = %name, namespace = %namespace, phase = ?pass.phase, "workflow run reconciled");
            Ok(pass
                .requeue_after
                .map_or_else(Action::await_change, Action::requeue))
        }
        Ok(None) => Ok(Action::await_change()),
        Err(source) => {
            let err = Error::Engine {
                app: format!("WorkflowRun {namespace}/{name}"),
                source: Box::new(source),
            };
            tracing::warn!(run = %name, namespace = %namespace, error = %chain(&err), "workflow run failed");
            let api: Api<DynamicObject> = Api::namespaced_with(
                ctx.client.clone(),
                &namespace,
                &ApiResource::erase::<WorkflowRun>(&()),
            );
            let patch = json!({"status": {"message": chain(&err)}});
            if let Err(e) = api
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                tracing::warn!(error = %e, "writing the run's failure");
            }
            Err(err)
        }
    }
}

fn error_policy(meta: Arc<Meta>, _err: &Error, ctx: Arc<Context>) -> Action {
    let key = (
        meta.metadata.namespace.clone().unwrap_or_default(),
        meta.metadata.name.clone().unwrap_or_default(),
    );
    let mut failures = ctx.failures();
    let n = failures.entry(key).or_insert(0);
    *n = n.saturating_add(1);
    Action::requeue(backoff(*n, ctx.max_backoff))
}
