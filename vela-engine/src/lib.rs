#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

use vela_multicluster::Objects;
use vela_render::Renderer;

mod apply;
mod collect;
mod deliver;
mod error;
mod fieldpath;
mod policy;
mod statekeep;
mod status;
mod tracker;

pub use deliver::{Delivered, Removed};
pub use error::{Error, Result};

/// The Application engine: delivers Applications to clusters and keeps track of what they own.
///
/// It is pure over its inputs: a [`Renderer`] (the definitions it knows) and the clusters
/// ([`Objects`]; the hub is the cluster `""`, where Applications and their ResourceTrackers
/// live). The CLI, the controller and the API server share it.
#[derive(Clone)]
pub struct Engine {
    renderer: Arc<Renderer>,
    clusters: Arc<dyn Objects>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
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
        }
    }

    /// The renderer the engine uses.
    #[must_use]
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// The clusters the engine delivers to.
    #[must_use]
    pub fn clusters(&self) -> &Arc<dyn Objects> {
        &self.clusters
    }
}
