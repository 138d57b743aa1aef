//! Rendered components kept across reconciles.
//!
//! A component renders to the same objects as long as everything its template sees is the
//! same: the application revision (its hash covers the spec), the application's metadata, the
//! placement (cluster and namespace), the component after override policies and the
//! `context.components` list. The engine renders once per such input and keeps the result, so
//! a reconcile that only evaluates health again (the workflow already succeeded) or a pass
//! that waits for a workload renders nothing. The cache is bounded by a number of entries;
//! the oldest entry goes first.
//!
//! Components whose definitions are all written in Rust (the built-in ones) render about as
//! fast as their cache key is computed, so only the newest [`NATIVE_CAPACITY`] of them are
//! kept (enough for the reconciles of one application that follow each other), and a cache
//! that large would only hold memory: at 2,000 applications, where no entry is found again
//! before it goes, keeping 4,096 of them made a delivery about a quarter slower (see the
//! delivery chapter of the book). Components with a CUE or custom-resource definition take
//! milliseconds to evaluate and are kept up to the full capacity.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use vela_render::ComponentManifest;

/// How many rendered components an engine keeps by default.
pub const DEFAULT_CAPACITY: usize = 4096;

/// How many of the kept components may be ones whose definitions are all native (see the
/// module documentation); never more than the capacity.
pub const NATIVE_CAPACITY: usize = 64;

/// The cache key: a SHA-256 over every input of a render.
pub(crate) type Fingerprint = [u8; 32];

/// Computes the fingerprint of a render from its inputs, each written with its length so two
/// different lists of inputs never give the same bytes.
pub(crate) fn fingerprint(parts: &[&[u8]]) -> Fingerprint {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// Counts of the renders an engine did: components rendered (cache misses), found rendered
/// (hits), and the time spent rendering. Shared by the engines built with the same
/// [`Engine::with_render_stats`](crate::Engine::with_render_stats), so a controller that
/// replaces its engine keeps counting.
///
/// ```
/// let stats = vela_engine::RenderStats::default();
/// assert_eq!((stats.renders(), stats.hits(), stats.seconds()), (0, 0, 0.0));
/// ```
#[derive(Debug, Default)]
pub struct RenderStats {
    renders: std::sync::atomic::AtomicU64,
    hits: std::sync::atomic::AtomicU64,
    micros: std::sync::atomic::AtomicU64,
}

impl RenderStats {
    pub(crate) fn rendered(&self, took: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.renders.fetch_add(1, Relaxed);
        self.micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Components rendered.
    #[must_use]
    pub fn renders(&self) -> u64 {
        self.renders.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Components found already rendered.
    #[must_use]
    pub fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Seconds spent rendering.
    #[must_use]
    pub fn seconds(&self) -> f64 {
        self.micros.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    }
}

/// Rendered components by fingerprint, at most `capacity` of them, of which at most
/// [`NATIVE_CAPACITY`] rendered by native definitions alone (each kind first in, first out;
/// beyond the capacity the native ones go first).
#[derive(Debug)]
pub(crate) struct Renders {
    capacity: usize,
    native_capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Fingerprint, Arc<ComponentManifest>>,
    /// The keys of the components with a CUE or custom-resource definition, oldest first.
    order: VecDeque<Fingerprint>,
    /// The keys of the components rendered by native definitions alone, oldest first.
    native_order: VecDeque<Fingerprint>,
}

impl Renders {
    /// An empty cache of `capacity` entries (0 keeps nothing).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            native_capacity: NATIVE_CAPACITY.min(capacity),
            inner: Mutex::default(),
        }
    }

    /// Whether nothing is ever kept (a caller need not compute a key).
    pub(crate) fn keeps_nothing(&self) -> bool {
        self.capacity == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The component rendered for `key`, if kept.
    pub(crate) fn get(&self, key: &Fingerprint) -> Option<Arc<ComponentManifest>> {
        self.lock().map.get(key).cloned()
    }

    /// Keeps `manifest` for `key` (`native`: rendered by native definitions alone), dropping
    /// the oldest entries of its kind beyond their share of the capacity.
    pub(crate) fn put(&self, key: Fingerprint, manifest: Arc<ComponentManifest>, native: bool) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.lock();
        let inner = &mut *guard;
        if inner.map.insert(key, manifest).is_none() {
            if native {
                inner.native_order.push_back(key);
            } else {
                inner.order.push_back(key);
            }
        }
        while inner.native_order.len() > self.native_capacity {
            let Some(oldest) = inner.native_order.pop_front() else {
                break;
            };
            inner.map.remove(&oldest);
        }
        while inner.map.len() > self.capacity {
            // the cheap ones first: the oldest native one, else the oldest of the others
            let oldest = match inner.native_order.pop_front() {
                Some(oldest) => oldest,
                None => match inner.order.pop_front() {
                    Some(oldest) => oldest,
                    None => break,
                },
            };
            inner.map.remove(&oldest);
        }
    }

    /// How many rendered components are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(name: &str) -> Arc<ComponentManifest> {
        let app = vela_render::app::parse(&format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: a}}\n\
             spec: {{components: [{{name: {name}, type: worker, properties: {{image: busybox}}}}]}}\n"
        ))
        .unwrap();
        let renderer = vela_render::Renderer::new(vela_render::Registry::builtin());
        let comps = Arc::new(serde_json::to_value(&app.spec.components).unwrap());
        Arc::new(
            renderer
                .render_component(&app, 0, &app.spec.components[0], &comps)
                .unwrap(),
        )
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert_eq!(fingerprint(&[b"a", b"b"]), fingerprint(&[b"a", b"b"]));
    }

    #[test]
    fn the_oldest_entry_goes_first_and_capacity_zero_keeps_nothing() {
        let cache = Renders::new(2);
        let (a, b, c) = (fingerprint(&[b"a"]), fingerprint(&[b"b"]), fingerprint(&[b"c"]));
        cache.put(a, manifest("a"), false);
        cache.put(b, manifest("b"), false);
        cache.put(a, manifest("a"), false); // already kept: still the oldest
        cache.put(c, manifest("c"), false);
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&a).is_none());
        assert_eq!(cache.get(&b).unwrap().name, "b");
        assert_eq!(cache.get(&c).unwrap().name, "c");

        let none = Renders::new(0);
        assert!(none.keeps_nothing());
        none.put(a, manifest("a"), false);
        none.put(b, manifest("b"), true);
        assert_eq!(none.len(), 0);
        assert!(none.get(&a).is_none());
    }

    #[test]
    fn native_renders_keep_only_their_share_and_never_push_out_the_others() {
        let cache = Renders::new(NATIVE_CAPACITY + 2);
        let cue = [fingerprint(&[b"cue-1"]), fingerprint(&[b"cue-2"])];
        for key in cue {
            cache.put(key, manifest("cue"), false);
        }
        let native: Vec<Fingerprint> = (0..NATIVE_CAPACITY + 10)
            .map(|i| fingerprint(&[b"native", &i.to_le_bytes()]))
            .collect();
        for key in &native {
            cache.put(*key, manifest("native"), true);
        }
        // the newest native ones, and every other one
        assert_eq!(cache.len(), NATIVE_CAPACITY + 2);
        assert!(cue.iter().all(|k| cache.get(k).is_some()));
        assert!(native[..10].iter().all(|k| cache.get(k).is_none()));
        assert!(native[10..].iter().all(|k| cache.get(k).is_some()));

        // a capacity below the native share bounds the native ones too
        let small = Renders::new(3);
        for key in &native[..5] {
            small.put(*key, manifest("native"), true);
        }
        assert_eq!(small.len(), 3);
        assert!(native[2..5].iter().all(|k| small.get(k).is_some()));
        // beyond the whole capacity the native ones go first, then the others, oldest first
        small.put(cue[0], manifest("cue"), false);
        assert_eq!(small.len(), 3);
        assert!(small.get(&cue[0]).is_some());
        assert!(small.get(&native[2]).is_none());
        small.put(cue[1], manifest("cue"), false);
        small.put(fingerprint(&[b"cue-3"]), manifest("cue"), false);
        small.put(fingerprint(&[b"cue-4"]), manifest("cue"), false);
        assert_eq!(small.len(), 3);
        assert!(small.get(&cue[0]).is_none());
        assert!(small.get(&cue[1]).is_some());
    }
}
