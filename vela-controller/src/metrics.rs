//! The controller's Prometheus metrics, rendered in the text exposition format on `/metrics`.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `vela_controller_reconcile_duration_seconds` | histogram | time of one reconcile of one Application |
//! | `vela_controller_reconciles_total{result}` | counter | reconciles by result: `success`, `error`, `paused`, `deleted`, `gone` |
//! | `vela_controller_reconciles_in_flight` | gauge | reconciles running now (at most `--concurrency`) |
//! | `vela_controller_queue_depth` | gauge | Applications due for a reconcile that no worker has started yet (changed, or their requeue is due) |
//! | `vela_controller_queue_scheduled` | gauge | Applications with a reconcile scheduled, due now or later (resync, workflow wait, backoff) |
//! | `vela_controller_applications` | gauge | Applications in the controller's cache (the work it may be asked to do) |
//! | `vela_controller_applies_total` | counter | objects written by reconciles (apply requests that changed something) |
//! | `vela_controller_collections_total` | counter | objects deleted: garbage of earlier generations, and what deleted Applications owned |
//! | `vela_controller_workflow_steps{phase}` | gauge | steps (sub-steps included) of the Applications' current workflows by phase: `succeeded`, `failed`, `skipped`, `running`, `pending`, `suspending`, as last reconciled |
//! | `vela_controller_renders_total` | counter | components rendered (render cache misses) |
//! | `vela_controller_render_cache_hits_total` | counter | components found already rendered |
//! | `vela_controller_render_seconds_total` | counter | time spent rendering components |
//! | `vela_controller_leader` | gauge | 1 while this replica reconciles (leader, or leader election off) |
//! | `vela_controller_ready` | gauge | 1 once the Application cache is filled |

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use vela_model::workflow::StepPhase;

/// The upper bounds (seconds) of the reconcile duration histogram's buckets: the bounds of
/// controller-runtime's `controller_runtime_reconcile_time_seconds` (KubeVela's controller
/// reports those), so that the two controllers' quantiles have the same resolution.
pub const DURATION_BUCKETS: [f64; 40] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
    1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0,
    50.0, 60.0,
];

/// How a reconcile ended (the `result` label of `vela_controller_reconciles_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The engine reconciled the Application.
    Success,
    /// The reconcile failed (the Application has a condition saying why).
    Error,
    /// The Application is paused (`controller.core.oam.dev/pause: "true"`): not touched.
    Paused,
    /// The Application is being deleted: what it owns was collected and the finalizer removed.
    Deleted,
    /// The Application no longer exists.
    Gone,
}

impl Outcome {
    const ALL: [Outcome; 5] = [
        Outcome::Success,
        Outcome::Error,
        Outcome::Paused,
        Outcome::Deleted,
        Outcome::Gone,
    ];

    /// The label value.
    ///
    /// ```
    /// assert_eq!(vela_controller::metrics::Outcome::Paused.as_str(), "paused");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Error => "error",
            Outcome::Paused => "paused",
            Outcome::Deleted => "deleted",
            Outcome::Gone => "gone",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The controller's metrics: lock-free counters shared by every reconcile and the endpoint.
///
/// ```
/// use std::time::Duration;
/// use vela_controller::metrics::{Metrics, Outcome};
///
/// let m = Metrics::default();
/// m.observe(Outcome::Success, Duration::from_millis(30));
/// m.add_applies(2);
/// let text = m.render();
/// assert!(text.contains("vela_controller_reconciles_total{result=\"success\"} 1\n"));
/// assert!(text.contains("vela_controller_reconcile_duration_seconds_bucket{le=\"0.05\"} 1\n"));
/// assert!(text.contains("vela_controller_applies_total 2\n"));
/// ```
#[derive(Debug, Default)]
pub struct Metrics {
    /// Non-cumulative counts per bucket; the last one is `+Inf`.
    buckets: Buckets,
    /// Sum of the durations, in microseconds.
    sum_micros: AtomicU64,
    reconciles: [AtomicU64; Outcome::ALL.len()],
    in_flight: AtomicI64,
    applications: AtomicU64,
    applies: AtomicU64,
    collections: AtomicU64,
    leader: AtomicBool,
    ready: AtomicBool,
    /// The engines' render counts (set once the engine is built).
    render_stats: std::sync::OnceLock<std::sync::Arc<vela_engine::RenderStats>>,
    /// When each Application's next reconcile is due (a change: now; else its requeue).
    queue: std::sync::Mutex<std::collections::HashMap<(String, String), std::time::Instant>>,
    /// Step counts by phase ([`PHASES`] order) of each Application's last reconcile.
    steps: std::sync::Mutex<std::collections::HashMap<(String, String), [u32; PHASES.len()]>>,
}

/// The workflow step phases, in the order `vela_controller_workflow_steps` lists them.
const PHASES: [StepPhase; 6] = [
    StepPhase::Succeeded,
    StepPhase::Failed,
    StepPhase::Skipped,
    StepPhase::Running,
    StepPhase::Pending,
    StepPhase::Suspending,
];

/// The histogram's counters, one per bucket of [`DURATION_BUCKETS`] and one for `+Inf` (an
/// array this long has no derived `Default`).
#[derive(Debug)]
struct Buckets([AtomicU64; DURATION_BUCKETS.len() + 1]);

impl Default for Buckets {
    fn default() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl std::ops::Deref for Buckets {
    type Target = [AtomicU64; DURATION_BUCKETS.len() + 1];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Metrics {
    /// Records that Application `namespace/name` is due for a reconcile `after` from now (a
    /// change seen by the watch: zero; a requeue: its delay). An earlier due time is kept, as
    /// the runtime's scheduler keeps it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = vela_controller::metrics::Metrics::default();
    /// m.queued("shop", "web", Duration::ZERO);
    /// m.queued("shop", "api", Duration::from_secs(300));
    /// assert_eq!(m.queue(), (1, 2));
    /// m.dequeued("shop", "web");
    /// assert_eq!(m.queue(), (0, 1));
    /// ```
    pub fn queued(&self, namespace: &str, name: &str, after: Duration) {
        let due = std::time::Instant::now() + after;
        let mut q = self.lock_queue();
        let e = q.entry((namespace.to_owned(), name.to_owned())).or_insert(due);
        *e = (*e).min(due);
    }

    /// Records that a worker started reconciling `namespace/name`.
    pub fn dequeued(&self, namespace: &str, name: &str) {
        self.lock_queue().remove(&(namespace.to_owned(), name.to_owned()));
    }

    /// The queue: Applications due now and not started, and all with a reconcile scheduled.
    #[must_use]
    pub fn queue(&self) -> (usize, usize) {
        let now = std::time::Instant::now();
        let q = self.lock_queue();
        (q.values().filter(|due| **due <= now).count(), q.len())
    }

    fn lock_queue(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), std::time::Instant>> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one reconcile that ended with `outcome` after `took`.
    pub fn observe(&self, outcome: Outcome, took: Duration) {
        let secs = took.as_secs_f64();
        let bucket = DURATION_BUCKETS
            .iter()
            .position(|le| secs <= *le)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.reconciles[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// How many reconciles ended with `outcome` so far.
    #[must_use]
    pub fn reconciles(&self, outcome: Outcome) -> u64 {
        self.reconciles[outcome.index()].load(Ordering::Relaxed)
    }

    /// Marks a reconcile as started; the guard marks it finished when dropped (also when the
    /// reconcile is cancelled).
    #[must_use]
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts objects written.
    pub fn add_applies(&self, n: usize) {
        self.applies.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts objects deleted.
    pub fn add_collections(&self, n: usize) {
        self.collections.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Records the phases of the steps (and sub-steps) of `namespace/name`'s workflow, replacing
    /// what its previous reconcile recorded.
    ///
    /// ```
    /// use vela_controller::metrics::Metrics;
    /// use vela_model::workflow::StepPhase;
    /// let m = Metrics::default();
    /// m.set_steps("default", "shop", [StepPhase::Succeeded, StepPhase::Running]);
    /// m.set_steps("default", "shop", [StepPhase::Succeeded, StepPhase::Succeeded]);
    /// assert!(m.render().contains("vela_controller_workflow_steps{phase=\"succeeded\"} 2\n"));
    /// m.forget("default", "shop");
    /// assert!(m.render().contains("vela_controller_workflow_steps{phase=\"succeeded\"} 0\n"));
    /// ```
    pub fn set_steps(&self, namespace: &str, name: &str, phases: impl IntoIterator<Item = StepPhase>) {
        let mut counts = [0u32; PHASES.len()];
        for p in phases {
            if let Some(i) = PHASES.iter().position(|q| *q == p) {
                counts[i] = counts[i].saturating_add(1);
            }
        }
        self.lock_steps()
            .insert((namespace.to_owned(), name.to_owned()), counts);
    }

    /// Forgets the steps of a deleted Application.
    pub fn forget(&self, namespace: &str, name: &str) {
        self.lock_steps().remove(&(namespace.to_owned(), name.to_owned()));
    }

    fn lock_steps(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), [u32; PHASES.len()]>> {
        self.steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reports the render counts of the engines that count into `stats`
    /// ([`vela_engine::Engine::with_render_stats`]); the first call wins.
    pub fn set_render_stats(&self, stats: std::sync::Arc<vela_engine::RenderStats>) {
        let _ = self.render_stats.set(stats);
    }

    /// Sets the number of Applications in the cache.
    pub fn set_applications(&self, n: usize) {
        self.applications.store(n as u64, Ordering::Relaxed);
    }

    /// Sets whether this replica reconciles.
    pub fn set_leader(&self, leader: bool) {
        self.leader.store(leader, Ordering::Relaxed);
    }

    /// Sets whether the Application cache is filled (`/readyz` answers 200 once it is).
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    /// Whether the Application cache is filled.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// The metrics in Prometheus' text exposition format (version 0.0.4).
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let name = "vela_controller_reconcile_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time of one reconcile of one Application.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        cumulative += self.buckets[DURATION_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");

        let name = "vela_controller_reconciles_total";
        let _ = writeln!(out, "# HELP {name} Reconciles by result.");
        let _ = writeln!(out, "# TYPE {name} counter");
        for o in Outcome::ALL {
            let _ = writeln!(out, "{name}{{result=\"{}\"}} {}", o.as_str(), self.reconciles(o));
        }
        let gauge = |out: &mut String, name: &str, kind: &str, help: &str, value: i64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        };
        let load = |a: &AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        gauge(
            &mut out,
            "vela_controller_reconciles_in_flight",
            "gauge",
            "Reconciles running now.",
            self.in_flight.load(Ordering::Relaxed),
        );
        let (due, scheduled) = self.queue();
        gauge(
            &mut out,
            "vela_controller_queue_depth",
            "gauge",
            "Applications due for a reconcile that no worker has started yet.",
            i64::try_from(due).unwrap_or(i64::MAX),
        );
        gauge(
            &mut out,
            "vela_controller_queue_scheduled",
            "gauge",
            "Applications with a reconcile scheduled, due now or later.",
            i64::try_from(scheduled).unwrap_or(i64::MAX),
        );
        gauge(
            &mut out,
            "vela_controller_applications",
            "gauge",
            "Applications in the controller's cache.",
            load(&self.applications),
        );
        gauge(
            &mut out,
            "vela_controller_applies_total",
            "counter",
            "Objects written by reconciles.",
            load(&self.applies),
        );
        gauge(
            &mut out,
            "vela_controller_collections_total",
            "counter",
            "Objects deleted by garbage collection and by deleted Applications.",
            load(&self.collections),
        );
        gauge(
            &mut out,
            "vela_controller_leader",
            "gauge",
            "1 while this replica reconciles.",
            i64::from(self.leader.load(Ordering::Relaxed)),
        );
        gauge(
            &mut out,
            "vela_controller_ready",
            "gauge",
            "1 once the Application cache is filled.",
            i64::from(self.is_ready()),
        );
        let name = "vela_controller_workflow_steps";
        let _ = writeln!(
            out,
            "# HELP {name} Steps of the Applications' current workflows by phase."
        );
        let _ = writeln!(out, "# TYPE {name} gauge");
        let mut totals = [0u64; PHASES.len()];
        for counts in self.lock_steps().values() {
            for (t, c) in totals.iter_mut().zip(counts) {
                *t += u64::from(*c);
            }
        }
        for (phase, total) in PHASES.iter().zip(totals) {
            let _ = writeln!(out, "{name}{{phase=\"{}\"}} {total}", phase.as_str());
        }
        if let Some(stats) = self.render_stats.get() {
            for (name, kind, help, value) in [
                (
                    "vela_controller_renders_total",
                    "counter",
                    "Components rendered (render cache misses).",
                    stats.renders().to_string(),
                ),
                (
                    "vela_controller_render_cache_hits_total",
                    "counter",
                    "Components found already rendered.",
                    stats.hits().to_string(),
                ),
                (
                    "vela_controller_render_seconds_total",
                    "counter",
                    "Time spent rendering components.",
                    stats.seconds().to_string(),
                ),
            ] {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} {kind}");
                let _ = writeln!(out, "{name} {value}");
            }
        }
        out
    }
}

/// A running reconcile (see [`Metrics::start`]).
#[derive(Debug)]
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_counts_the_overflow_in_inf() {
        let m = Metrics::default();
        m.observe(Outcome::Success, Duration::from_millis(3));
        m.observe(Outcome::Error, Duration::from_millis(40));
        m.observe(Outcome::Success, Duration::from_secs(61));
        let text = m.render();
        let line = |le: &str| {
            text.lines()
                .find(|l| {
                    l.starts_with(&format!(
                        "vela_controller_reconcile_duration_seconds_bucket{{le=\"{le}\"}}"
                    ))
                })
                .map(|l| l.rsplit(' ').next().unwrap_or_default().to_owned())
        };
        assert_eq!(line("0.005").as_deref(), Some("1"));
        assert_eq!(line("0.025").as_deref(), Some("1"));
        assert_eq!(line("0.05").as_deref(), Some("2"));
        assert_eq!(line("0.15").as_deref(), Some("2"));
        assert_eq!(line("60").as_deref(), Some("2"));
        assert_eq!(line("+Inf").as_deref(), Some("3"));
        assert!(text.contains("vela_controller_reconcile_duration_seconds_count 3\n"));
        assert!(
            text.contains("vela_controller_reconcile_duration_seconds_sum 61.043\n"),
            "{text}"
        );
        assert!(text.contains("vela_controller_reconciles_total{result=\"error\"} 1\n"));
        assert!(text.contains("vela_controller_reconciles_total{result=\"success\"} 2\n"));
    }

    #[test]
    fn in_flight_counts_running_reconciles_until_the_guard_drops() {
        let m = Metrics::default();
        let a = m.start();
        let b = m.start();
        assert!(m.render().contains("vela_controller_reconciles_in_flight 2\n"));
        drop(a);
        drop(b);
        assert!(m.render().contains("vela_controller_reconciles_in_flight 0\n"));
    }

    #[test]
    fn the_queue_keeps_the_earliest_due_time_until_a_worker_starts() {
        let m = Metrics::default();
        m.queued("a", "later", Duration::from_secs(300));
        m.queued("a", "now", Duration::ZERO);
        let text = m.render();
        assert!(text.contains("vela_controller_queue_depth 1\n"), "{text}");
        assert!(text.contains("vela_controller_queue_scheduled 2\n"), "{text}");
        // a change while a resync is scheduled makes it due now; a later requeue does not delay it
        m.queued("a", "later", Duration::ZERO);
        m.queued("a", "later", Duration::from_secs(60));
        assert_eq!(m.queue(), (2, 2));
        m.dequeued("a", "later");
        m.dequeued("a", "now");
        m.dequeued("a", "never-queued");
        assert_eq!(m.queue(), (0, 0));
    }
}
