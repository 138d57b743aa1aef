#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

use vela_multicluster::Objects;
use vela_render::Renderer;
use vela_workflow::step::StepType;

pub mod admission;
mod app_provider;
mod apply;
mod collect;
pub mod controller_install;
mod custom_policy;
pub mod definitions;
pub mod defrev;
mod deliver;
mod dispatch;
mod error;
mod fieldpath;
pub mod install;
mod memo;
mod operate;
mod placement;
mod policy;
mod renders;
mod resources;
mod revision;
mod statekeep;
mod tracker;
mod workflow;
pub mod workflow_run;

pub use deliver::{Delivered, GC_CONDITION, Removed};
pub use error::{Error, Result};
pub use operate::Operation;
pub use renders::RenderStats;
pub use resources::Tracked;

/// The Application engine: delivers Applications to clusters and keeps track of what they own.
///
/// It is pure over its inputs: a [`Renderer`] (the definitions it knows), the clusters
/// ([`Objects`]; the hub is the cluster `""`, where Applications, their revisions, workflow
/// state and ResourceTrackers live, and where the cluster registry is read), the workflow
/// engine's clock and settings, and the HTTP client of the workflow's HTTP steps. The CLI, the
/// controller and the API server share it.
#[derive(Clone)]
pub struct Engine {
    renderer: Arc<Renderer>,
    clusters: Arc<dyn Objects>,
    http: Option<vela_workflow::http::Client>,
    /// The default HTTP client, built on first use and shared by every reconcile.
    default_http: Arc<std::sync::OnceLock<vela_workflow::http::Client>>,
    clock: Option<Arc<dyn vela_workflow::time::Clock>>,
    workflow: vela_workflow::Config,
    steps: Vec<(String, Arc<dyn StepType>)>,
    revision_limit: usize,
    /// What may be delivered.
    admission: admission::Admission,
    /// Rendered components shared by every reconcile of this engine (and its clones).
    renders: Arc<renders::Renders>,
    /// How much rendering was done.
    render_stats: Arc<renders::RenderStats>,
    /// ResourceTrackers decoded by every reconcile of this engine (and its clones), by stored
    /// version.
    trackers: Arc<tracker::Decoded>,
    /// The version of each cluster (`context.clusterVersion`), asked once per cluster.
    versions: Arc<std::sync::Mutex<std::collections::HashMap<String, serde_json::Value>>>,
    /// CUE WorkflowStepDefinitions compiled once, by name, with the digest they were
    /// compiled from.
    cue_steps: Arc<workflow::CueSteps>,
    /// When a reconcile's writes are made durable.
    flush: Flush,
}

/// When the engine makes what a reconcile wrote durable and visible to other clients
/// ([`Objects::flush`]: the embedded cluster with grouped commits commits its open group;
/// backends that commit each write, such as a real API server, have nothing to do).
///
/// ```
/// use std::sync::Arc;
/// use vela_engine::{Engine, Flush};
/// use vela_render::{Registry, Renderer};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let state = Arc::new(vela_multicluster::Embedded::in_memory().unwrap()
///     .group_commits(std::time::Duration::from_millis(100)));
/// let engine = Engine::new(Renderer::new(Registry::builtin()), state).with_flush(Flush::Grouped);
/// // ... many reconciles share commits ...
/// engine.flush().await.unwrap(); // durable from here on
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Flush {
    /// At the end of every reconcile, before its result is returned (the default): a
    /// reconcile that returned survives a crash of the process.
    #[default]
    EveryReconcile,
    /// When the backend commits on its own (the embedded cluster: once its group of writes is
    /// as old as its window or full) or the caller calls [`Engine::flush`]. A process that
    /// reconciles many applications shares one commit among them; a crash loses the writes of
    /// the open group, each write whole (never half of one), and the next reconcile does them
    /// again. Call [`Engine::flush`] before telling anyone outside the process what was
    /// delivered.
    Grouped,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("workflow", &self.workflow)
            .field("revision_limit", &self.revision_limit)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine rendering with `renderer` and delivering to `clusters`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let clusters = Arc::new(vela_multicluster::Memory::new());
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), clusters);
    /// # let _ = engine;
    /// ```
    #[must_use]
    pub fn new(renderer: Renderer, clusters: Arc<dyn Objects>) -> Self {
        Self {
            renderer: Arc::new(renderer),
            clusters,
            http: None,
            default_http: Arc::default(),
            cue_steps: Arc::default(),
            clock: None,
            workflow: vela_workflow::Config::default(),
            steps: Vec::new(),
            revision_limit: revision::DEFAULT_LIMIT,
            admission: admission::Admission::default(),
            renders: Arc::new(renders::Renders::new(renders::DEFAULT_CAPACITY)),
            render_stats: Arc::default(),
            trackers: Arc::new(tracker::Decoded::new(tracker::DECODED_CAPACITY)),
            versions: Arc::default(),
            flush: Flush::default(),
        }
    }

    /// Makes what a reconcile wrote durable at the end of every reconcile (the default) or
    /// with the backend's group of writes ([`Flush`]).
    #[must_use]
    pub fn with_flush(mut self, flush: Flush) -> Self {
        self.flush = flush;
        self
    }

    /// Makes every write of every reconcile so far durable and visible to other clients
    /// ([`Objects::flush`]); with [`Flush::Grouped`], call it before reporting what was
    /// delivered outside the process.
    ///
    /// # Errors
    /// [`Error::Cluster`] when the hub cannot commit.
    pub async fn flush(&self) -> Result<()> {
        Ok(self.clusters.flush().await?)
    }

    /// Uses `clock` for the workflow's timestamps, timeouts and backoff (tests use a manual
    /// clock; the default is the system clock).
    #[must_use]
    pub fn with_clock(mut self, clock: impl vela_workflow::time::Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Uses `client` for the workflow's HTTP steps (`request`, `webhook`, `notification`); the
    /// default is the guarded client with its default settings.
    #[must_use]
    pub fn with_http(mut self, client: vela_workflow::http::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The workflow engine's settings (retries, backoff, suspend on failure).
    #[must_use]
    pub fn with_workflow_config(mut self, config: vela_workflow::Config) -> Self {
        self.workflow = config;
        self
    }

    /// Adds a workflow step type (for example a CUE step definition, or a platform's own
    /// step), available to every application's workflow under `name`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), Arc::new(vela_multicluster::Memory::new()))
    ///     .with_step("print-message-in-status", vela_workflow::steps::PrintMessage);
    /// # let _ = engine;
    /// ```
    #[must_use]
    pub fn with_step(mut self, name: impl Into<String>, step_type: impl StepType) -> Self {
        self.steps.push((name.into(), Arc::new(step_type)));
        self
    }

    /// Admits only what `admission` allows (default: everything, as KubeVela): a refused
    /// object fails its step with [`Error::Forbidden`] and is not written.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::{Engine, admission::Admission};
    /// use vela_render::{Registry, Renderer};
    ///
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), Arc::new(vela_multicluster::Memory::new()))
    ///     .with_admission(Admission::new().with_cross_namespace(false));
    /// assert!(!engine.admission().cross_namespace());
    /// ```
    #[must_use]
    pub fn with_admission(mut self, admission: admission::Admission) -> Self {
        self.admission = admission;
        self
    }

    /// What the engine admits.
    #[must_use]
    pub fn admission(&self) -> &admission::Admission {
        &self.admission
    }

    /// Keeps at most `limit` ApplicationRevisions per application (KubeVela's default: 10).
    #[must_use]
    pub fn with_revision_limit(mut self, limit: usize) -> Self {
        self.revision_limit = limit.max(1);
        self
    }

    /// Keeps at most `capacity` rendered components across reconciles (default 4,096; 0 renders
    /// every component in every pass), of which at most 64 whose definitions are all native
    /// (they render about as fast as their cache key is computed). A component renders again
    /// only when something its template sees changed: the application's spec, labels or
    /// annotations, its revision, the cluster and namespace it is placed in, or the component
    /// after override policies.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), Arc::new(vela_multicluster::Memory::new()))
    ///     .with_render_cache(100_000);
    /// # let _ = engine;
    /// ```
    #[must_use]
    pub fn with_render_cache(mut self, capacity: usize) -> Self {
        self.renders = Arc::new(renders::Renders::new(capacity));
        self
    }

    /// Counts into `stats` (shared with other engines, or read by a metrics endpoint).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::{Engine, RenderStats};
    /// use vela_render::{Registry, Renderer};
    ///
    /// let stats = Arc::new(RenderStats::default());
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), Arc::new(vela_multicluster::Memory::new()))
    ///     .with_render_stats(stats.clone());
    /// assert!(Arc::ptr_eq(engine.render_stats(), &stats));
    /// ```
    #[must_use]
    pub fn with_render_stats(mut self, stats: Arc<RenderStats>) -> Self {
        self.render_stats = stats;
        self
    }

    /// What the engine rendered so far.
    #[must_use]
    pub fn render_stats(&self) -> &Arc<RenderStats> {
        &self.render_stats
    }

    /// The renderer the engine uses.
    #[must_use]
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// This engine delivering through `clusters` instead (the same renderer, caches and
    /// settings): for a controller that delivers one Application's objects with another
    /// identity.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vela_engine::Engine;
    /// use vela_render::{Registry, Renderer};
    ///
    /// let engine = Engine::new(Renderer::new(Registry::builtin()), Arc::new(vela_multicluster::Memory::new()));
    /// let other: Arc<dyn vela_multicluster::Objects> = Arc::new(vela_multicluster::Memory::new());
    /// assert!(Arc::ptr_eq(engine.with_clusters(other.clone()).clusters(), &other));
    /// ```
    #[must_use]
    pub fn with_clusters(&self, clusters: Arc<dyn Objects>) -> Self {
        Self {
            clusters,
            ..self.clone()
        }
    }

    /// The clusters the engine delivers to.
    #[must_use]
    pub fn clusters(&self) -> &Arc<dyn Objects> {
        &self.clusters
    }
}
