//! The Application controller: a metadata watch of `core.oam.dev/v1beta1` Applications feeding
//! kube-rs's runtime `Controller`, which runs [`crate::reconcile`] for each with bounded
//! concurrency, one reconcile per Application at a time.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{PredicateConfig, WatchStreamExt as _, controller, watcher};
use kube::{Api, Client};
use vela_engine::Engine;

use crate::Result;
use crate::metrics::Metrics;
use crate::reconcile::{Context, Meta, Settings, changed, error_policy, reconcile};

/// The Application controller.
///
/// ```no_run
/// # async fn run() -> vela_controller::Result<()> {
/// use std::sync::Arc;
/// use vela_controller::{Controller, Settings};
/// use vela_engine::Engine;
/// use vela_render::{Registry, Renderer};
///
/// let client = kube::Client::try_default().await.expect("a cluster");
/// let fleet = Arc::new(vela_multicluster::Fleet::kube(client.clone()));
/// let engine = Engine::new(Renderer::new(Registry::builtin()), fleet);
/// Controller::new(client, engine, Settings::new())
///     .run(async { let _ = tokio::signal::ctrl_c().await; })
///     .await
/// # }
/// ```
pub struct Controller {
    client: Client,
    engine: EngineSlot,
    settings: Settings,
    metrics: Arc<Metrics>,
    impersonation: Option<Arc<crate::impersonation::Impersonation>>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Controller {
    /// A controller of the Applications in the cluster of `client` (the hub), delivering them
    /// with `engine` (whose clusters should be the same hub, e.g. a
    /// [`vela_multicluster::Fleet::kube`] of `client`).
    #[must_use]
    pub fn new(client: Client, engine: Engine, settings: Settings) -> Self {
        Self {
            client,
            engine: EngineSlot::new(engine),
            settings,
            metrics: Arc::default(),
            impersonation: None,
        }
    }

    /// Counts into `metrics` (shared with the `/metrics` endpoint) instead of its own.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Delivers the objects of Applications annotated
    /// [`SERVICE_ACCOUNT`](crate::impersonation::SERVICE_ACCOUNT) as that service account, or,
    /// with [`Impersonation::with_users`](crate::impersonation::Impersonation::with_users), as
    /// the user the admission webhook recorded (see [`crate::impersonation`]).
    #[must_use]
    pub fn with_impersonation(mut self, impersonation: crate::impersonation::Impersonation) -> Self {
        self.impersonation = Some(Arc::new(impersonation));
        self
    }

    /// The slot holding the engine the reconciles use: replacing its engine (with other
    /// definitions) takes effect from the next reconcile.
    #[must_use]
    pub fn engine_slot(&self) -> EngineSlot {
        self.engine.clone()
    }

    /// The metrics it counts into.
    #[must_use]
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Reconciles until `shutdown` completes; then starts no new reconcile, lets the running
    /// ones finish, and returns.
    ///
    /// # Errors
    /// [`crate::Error::Setting`] for invalid settings. A failing reconcile is not an error of
    /// `run`: it becomes a condition on its Application and is retried.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + Sync + 'static) -> Result<()> {
        use futures_util::FutureExt as _;
        self.settings.validate()?;
        let shutdown = shutdown.boxed().shared();
        // standalone WorkflowRuns, beside the Applications (by the master only when sharded)
        let runs = self
            .settings
            .sharding
            .as_ref()
            .is_none_or(crate::shard::Sharding::is_master)
            .then(|| {
                tokio::spawn(crate::runs::run(
                    self.client.clone(),
                    self.engine.clone(),
                    self.settings.clone(),
                    shutdown.clone(),
                ))
            });
        // metadata only (the API server sends PartialObjectMetadata): the cache holds no spec or
        // status, and an Application whose spec does not decode still reaches the reconciler
        // (which reports it)
        let api: Api<Meta> = match &self.settings.namespace {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        };
        let (reader, writer) = reflector::store::<Meta>();
        let mut config = watcher::Config::default();
        if let Some(sharding) = &self.settings.sharding {
            config = config.labels(&sharding.selector());
        }
        let queue = self.metrics.clone();
        let stream = watcher(api, config)
            .default_backoff()
            .reflect(writer)
            .applied_objects()
            .predicate_filter(changed, PredicateConfig::default())
            // what the watch hands the runtime is due now (the queue-depth gauge)
            .inspect(move |changed| {
                if let Ok(meta) = changed {
                    queue.queued(
                        meta.metadata.namespace.as_deref().unwrap_or_default(),
                        meta.metadata.name.as_deref().unwrap_or_default(),
                        std::time::Duration::ZERO,
                    );
                }
            });
        let gauges = tokio::spawn(watch_cache(reader.clone(), self.metrics.clone()));
        // the master shard labels the Applications no shard has yet
        let scheduler = self
            .settings
            .sharding
            .as_ref()
            .filter(|s| s.is_master())
            .map(|s| {
                let scheduler = Arc::new(crate::shard::Scheduler::new(s));
                tokio::spawn(scheduler.run(
                    self.client.clone(),
                    self.settings.namespace.clone(),
                    std::future::pending::<()>(),
                ))
            });
        // every shard announces itself with its heartbeat Lease (the master discovers them)
        let heartbeat = self.settings.sharding.as_ref().map(|s| {
            let settings = s.heartbeat_lease();
            let task = tokio::spawn(crate::shard::heartbeat(self.client.clone(), settings.clone()));
            (task, crate::lease::Elector::new(self.client.clone(), settings))
        });
        let mut ctx = Context::new(self.engine, self.client, self.settings.clone(), self.metrics);
        ctx.impersonation = self.impersonation;
        let ctx = Arc::new(ctx);
        tracing::info!(
            concurrency = self.settings.concurrency,
            resync_s = self.settings.resync.as_secs(),
            namespace = self.settings.namespace.as_deref().unwrap_or("(all)"),
            shard = self
                .settings
                .sharding
                .as_ref()
                .map_or("(all)", |s| s.shard_id.as_str()),
            "reconciling Applications"
        );
        kube::runtime::Controller::for_stream(stream, reader)
            .with_config(controller::Config::default().concurrency(self.settings.concurrency))
            .graceful_shutdown_on(shutdown)
            .run(reconcile, error_policy, ctx)
            .for_each(|result| async move {
                match result {
                    Ok(_) => {}
                    // already logged (and reported on the Application) by the reconciler
                    Err(controller::Error::ReconcilerFailed(..)) => {}
                    Err(controller::Error::QueueError(e)) => {
                        tracing::warn!(error = %e, "watching Applications (retrying with backoff)");
                    }
                    Err(e) => tracing::debug!(error = %e, "controller"),
                }
            })
            .await;
        gauges.abort();
        if let Some(s) = scheduler {
            s.abort();
        }
        if let Some((task, elector)) = heartbeat {
            // stop renewing first, then let the Lease go: the master stops scheduling to this
            // shard at its next discovery instead of after the Lease expires
            task.abort();
            let _ = task.await;
            if let Ok(elector) = elector
                && let Err(e) = elector.release().await
            {
                tracing::warn!(error = %e, "releasing the shard heartbeat Lease");
            }
        }
        if let Some(r) = runs {
            let _ = r.await;
        }
        tracing::info!("stopped: no reconcile is running");
        Ok(())
    }
}

/// The engine the reconciles use, replaceable while the controller runs (when the definitions
/// stored in the hub change). Each reconcile takes the engine current when it starts.
///
/// ```
/// use std::sync::Arc;
/// use vela_controller::controller::EngineSlot;
/// use vela_engine::Engine;
/// use vela_render::{Registry, Renderer};
///
/// let hub = Arc::new(vela_multicluster::Memory::new());
/// let slot = EngineSlot::new(Engine::new(Renderer::new(Registry::new()), hub.clone()));
/// assert!(slot.get().renderer().registry().is_empty());
/// slot.replace(Engine::new(Renderer::new(Registry::builtin()), hub));
/// assert!(!slot.get().renderer().registry().is_empty());
/// ```
#[derive(Clone)]
pub struct EngineSlot(Arc<std::sync::RwLock<Engines>>);

/// The engines of an [`EngineSlot`].
struct Engines {
    /// The engine of the system definitions.
    base: Engine,
    /// The engines of the namespaces that store definitions of their own.
    namespaces: std::collections::HashMap<String, Engine>,
}

impl std::fmt::Debug for EngineSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EngineSlot").finish_non_exhaustive()
    }
}

impl EngineSlot {
    /// A slot holding `engine`.
    #[must_use]
    pub fn new(engine: Engine) -> Self {
        Self(Arc::new(std::sync::RwLock::new(Engines {
            base: engine,
            namespaces: std::collections::HashMap::new(),
        })))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Engines> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current engine of the system definitions (a cheap clone: engines share their parts).
    #[must_use]
    pub fn get(&self) -> Engine {
        self.read().base.clone()
    }

    /// The engine for an Application (or WorkflowRun) in `namespace`: the one with the
    /// definitions stored in that namespace over the system ones, when it stores any (as
    /// KubeVela looks up a definition in the application's namespace first), else [`get`](Self::get)'s.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_controller::controller::EngineSlot;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let hub = Arc::new(vela_multicluster::Memory::new());
    /// let slot = EngineSlot::new(Engine::new(Renderer::new(Registry::new()), hub.clone()));
    /// slot.replace_namespaces([("team-a".to_owned(), Engine::new(Renderer::new(Registry::builtin()), hub))].into());
    /// assert!(!slot.get_for("team-a").renderer().registry().is_empty());
    /// assert!(slot.get_for("team-b").renderer().registry().is_empty());
    /// ```
    #[must_use]
    pub fn get_for(&self, namespace: &str) -> Engine {
        let engines = self.read();
        engines.namespaces.get(namespace).unwrap_or(&engines.base).clone()
    }

    /// Replaces the engine of the system definitions for the reconciles that start from now on
    /// (the namespaces' engines stay).
    pub fn replace(&self, engine: Engine) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .base = engine;
    }

    /// Replaces the engines of the namespaces that store definitions of their own (a namespace
    /// left out uses the system definitions' engine).
    pub fn replace_namespaces(&self, engines: std::collections::HashMap<String, Engine>) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .namespaces = engines;
    }
}

/// Marks the metrics ready once the cache is filled, then keeps the Application count current.
async fn watch_cache(reader: Store<Meta>, metrics: Arc<Metrics>) {
    // the store wakes only its latest waiter (the runtime's controller also waits on it): ask
    // again every half second, which finds it ready as soon as it is
    loop {
        match tokio::time::timeout(Duration::from_millis(500), reader.wait_until_ready()).await {
            Ok(Ok(())) => break,
            Ok(Err(_)) => return,
            Err(_) => {}
        }
    }
    metrics.set_ready(true);
    loop {
        metrics.set_applications(reader.len());
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
