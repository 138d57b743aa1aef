//! The backend suite (feature `testing`): the observable behaviour every [`Objects`] backend
//! promises, as scenarios that run against any backend.
//!
//! The same scenarios run against [`Embedded`](crate::Embedded) in `cargo test -p
//! vela-multicluster` and against `Kube` on real kube-apiservers in the end-to-end suite
//! (`vela-e2e`); where the two disagree, the API server is right. Each scenario works in
//! namespaces and cluster-scoped objects named after the run's [`Target::prefix`], so several
//! runs can share one cluster, and removes them afterwards.
//!
//! ```
//! # #[cfg(not(feature = "embedded"))] fn main() {}
//! # #[cfg(feature = "embedded")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::sync::Arc;
//! use vela_multicluster::Embedded;
//! use vela_multicluster::testing::{self, Target};
//!
//! let cluster = Arc::new(Embedded::in_memory().expect("an embedded cluster"));
//! let other = Arc::new(cluster.clone().as_manager("kubectl"));
//! let report = testing::run(&Target::new(cluster, other)).await;
//! assert_eq!(report.passed().len(), testing::SCENARIOS.len(), "{report}");
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Error, Key, Objects, Propagation};

mod lifecycle;
mod metadata;

/// What a scenario returns: `Err` names the first expectation that did not hold.
pub type Outcome = Result<(), String>;

/// A future a scenario returns.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// One scenario of the suite.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Its name (`snake_case`, unique in [`SCENARIOS`]).
    pub name: &'static str,
    /// What it checks, in a sentence.
    pub checks: &'static str,
    run: for<'a> fn(&'a Ctx<'a>) -> ScenarioFuture<'a>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

macro_rules! scenario {
    ($module:ident :: $name:ident, $checks:literal) => {
        Scenario {
            name: stringify!($name),
            checks: $checks,
            run: |ctx| Box::pin($module::$name(ctx)),
        }
    };
}

/// Every scenario of the suite, in the order [`run`] runs them.
pub const SCENARIOS: &[Scenario] = &[
    scenario!(
        metadata::apply_sets_server_metadata,
        "apply creates the object; the server sets uid, creationTimestamp and resourceVersion; a ConfigMap has no generation"
    ),
    scenario!(
        metadata::noop_apply_keeps_resource_version,
        "applying the same object again writes nothing; a change gets a new resourceVersion and keeps uid and creationTimestamp"
    ),
    scenario!(
        metadata::generation_counts_spec_changes,
        "generation starts at 1 and grows on a spec change, not on a label change"
    ),
    scenario!(
        metadata::apply_merges_by_field_manager,
        "a field another manager set stays; a field this manager no longer applies goes"
    ),
    scenario!(
        metadata::get_of_a_missing_object_is_none,
        "get of a missing object (or in a missing namespace) is None"
    ),
    scenario!(
        metadata::list_by_labels,
        "list matches every label, in one namespace or in all"
    ),
    scenario!(
        metadata::cluster_scoped_kinds_ignore_namespace,
        "a ClusterRole or Namespace is stored, read and listed without a namespace"
    ),
    scenario!(
        metadata::stale_resource_version_conflicts,
        "an apply carrying an old resourceVersion is a Conflict and changes nothing"
    ),
    scenario!(
        metadata::uid_precondition,
        "an apply naming a uid writes only over the object with that uid and never creates one"
    ),
    scenario!(
        metadata::invalid_objects_name_the_field,
        "an object without apiVersion, kind, metadata.name or (namespaced) namespace is Invalid, naming the field"
    ),
    scenario!(
        metadata::missing_namespace_is_not_found,
        "applying into a namespace that does not exist is NotFound, naming the namespace"
    ),
    scenario!(
        lifecycle::delete_reports_whether_it_existed,
        "delete is true for an existing object and false afterwards; the object is gone"
    ),
    scenario!(
        lifecycle::finalizers_hold_deletion,
        "a deleted object with finalizers stays with a deletionTimestamp until its last finalizer is removed"
    ),
    scenario!(
        lifecycle::dependents_go_with_their_owner,
        "deleting an owner deletes its dependents and theirs (background propagation), and nothing else"
    ),
    scenario!(
        lifecycle::foreground_deletion_removes_dependents_and_owner,
        "foreground propagation deletes the dependents and then the owner"
    ),
    scenario!(
        lifecycle::orphan_deletion_keeps_dependents,
        "orphan propagation deletes the owner, keeps its dependents and strips their ownerReference"
    ),
    scenario!(
        lifecycle::namespace_deletion_takes_its_objects,
        "deleting a Namespace deletes what is in it, then the Namespace"
    ),
    scenario!(
        lifecycle::status_subresource_keeps_generation,
        "set_status on a custom resource with a status subresource replaces the status, keeps the generation, and apply leaves the status alone"
    ),
    scenario!(
        lifecycle::status_without_subresource_is_spec,
        "set_status on a custom resource without a status subresource replaces the status and counts as a spec change"
    ),
];

/// The backend a run exercises.
#[non_exhaustive]
pub struct Target {
    /// The backend under test, applying as field manager `vela`.
    pub objects: Arc<dyn Objects>,
    /// The same store, applying as another field manager (a person with `kubectl`).
    pub other_manager: Arc<dyn Objects>,
    /// The cluster name the scenarios pass (`""` = local).
    pub cluster: String,
    /// Prefix of every namespace and cluster-scoped name the run creates (a DNS label).
    pub prefix: String,
    /// How long an asynchronous effect may take (a garbage collector, a namespace
    /// controller); the scenarios poll until then.
    pub settle: Duration,
}

impl Target {
    /// A target on the local cluster (`""`), with prefix `suite` and no time to settle (what the
    /// scenarios expect happens at once).
    #[must_use]
    pub fn new(objects: Arc<dyn Objects>, other_manager: Arc<dyn Objects>) -> Self {
        Self {
            objects,
            other_manager,
            cluster: String::new(),
            prefix: "suite".to_owned(),
            settle: Duration::ZERO,
        }
    }

    /// In cluster `name`.
    #[must_use]
    pub fn in_cluster(mut self, name: impl Into<String>) -> Self {
        self.cluster = name.into();
        self
    }

    /// With names starting with `prefix` (make it unique per run on a shared cluster).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Polling asynchronous effects for up to `settle`.
    #[must_use]
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("cluster", &self.cluster)
            .field("prefix", &self.prefix)
            .field("settle", &self.settle)
            .finish_non_exhaustive()
    }
}

/// The outcome of every scenario of a run.
#[derive(Debug)]
pub struct Report {
    /// Each scenario's name and outcome, in [`SCENARIOS`] order.
    pub outcomes: Vec<(&'static str, Outcome)>,
}

impl Report {
    /// The scenarios that passed.
    #[must_use]
    pub fn passed(&self) -> Vec<&'static str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| o.is_ok())
            .map(|(n, _)| *n)
            .collect()
    }

    /// The scenarios that failed, with the reason.
    #[must_use]
    pub fn failed(&self) -> Vec<(&'static str, &str)> {
        self.outcomes
            .iter()
            .filter_map(|(n, o)| o.as_ref().err().map(|e| (*n, e.as_str())))
            .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} scenarios passed",
            self.passed().len(),
            self.outcomes.len()
        )?;
        for (name, outcome) in &self.outcomes {
            match outcome {
                Ok(()) => writeln!(f, "  ok    {name}")?,
                Err(e) => writeln!(f, "  FAIL  {name}: {e}")?,
            }
        }
        Ok(())
    }
}

/// Runs every scenario against `target`, one after the other.
pub async fn run(target: &Target) -> Report {
    let mut outcomes = Vec::with_capacity(SCENARIOS.len());
    for (index, scenario) in SCENARIOS.iter().enumerate() {
        outcomes.push((scenario.name, run_one(target, index, scenario).await));
    }
    Report { outcomes }
}

/// Runs one scenario (by name) against `target`.
///
/// # Errors
/// When no scenario has that name, or the scenario fails.
pub async fn run_named(target: &Target, name: &str) -> Outcome {
    let (index, scenario) = SCENARIOS
        .iter()
        .enumerate()
        .find(|(_, s)| s.name == name)
        .ok_or_else(|| format!("no scenario {name:?}"))?;
    run_one(target, index, scenario).await
}

async fn run_one(target: &Target, index: usize, scenario: &Scenario) -> Outcome {
    let ctx = Ctx {
        target,
        base: format!("{}-{index}", target.prefix),
        created: Mutex::new(Vec::new()),
    };
    tracing::debug!(scenario = scenario.name, "backend suite: scenario starts");
    let outcome = (scenario.run)(&ctx).await;
    ctx.clean_up().await;
    outcome
}

/// What a scenario works with: the target, and names of its own.
pub struct Ctx<'t> {
    target: &'t Target,
    base: String,
    created: Mutex<Vec<Key>>,
}

impl Ctx<'_> {
    fn objects(&self) -> &dyn Objects {
        self.target.objects.as_ref()
    }

    fn other(&self) -> &dyn Objects {
        self.target.other_manager.as_ref()
    }

    fn cluster(&self) -> &str {
        &self.target.cluster
    }

    /// A name of this scenario (`<prefix>-<index>-<suffix>`).
    fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.base)
    }

    /// Creates a namespace of this scenario (removed after it).
    async fn namespace(&self, suffix: &str) -> Result<String, String> {
        let name = self.name(suffix);
        self.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
            .await?;
        Ok(name)
    }

    /// Remembers a cluster-scoped object to remove after the scenario.
    fn created(&self, key: Key) {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(key);
    }

    async fn apply(&self, obj: Value) -> Result<Value, String> {
        let what = describe(&obj);
        let key = Key::of(self.cluster(), &obj).map_err(|e| format!("apply {what}: {e}"))?;
        if key.kind == "Namespace" || key.kind == "CustomResourceDefinition" || key.kind == "ClusterRole" {
            self.created(key);
        }
        self.objects()
            .apply(self.cluster(), obj)
            .await
            .map_err(|e| format!("apply {what}: {}", chain(&e)))
    }

    async fn get(&self, key: &Key) -> Result<Option<Value>, String> {
        self.objects()
            .get(key)
            .await
            .map_err(|e| format!("get {} {}/{}: {}", key.kind, key.namespace, key.name, chain(&e)))
    }

    fn key(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Key {
        Key {
            cluster: self.cluster().to_owned(),
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// Polls `check` until it is true, for up to the target's settle time (once when it is zero).
    async fn eventually<F, Fut>(&self, what: &str, mut check: F) -> Outcome
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, String>>,
    {
        let start = Instant::now();
        loop {
            if check().await? {
                return Ok(());
            }
            if start.elapsed() >= self.target.settle {
                return Err(format!("{what}: not so after {:?}", self.target.settle));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Deletes what the scenario created (namespaces take their objects along).
    async fn clean_up(&self) {
        let created = std::mem::take(
            &mut *self
                .created
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for key in created.iter().rev() {
            if let Err(e) = self.objects().delete(key).await {
                tracing::warn!(kind = %key.kind, name = %key.name, error = %e,
                    "backend suite: clean-up failed");
            }
        }
    }
}

/// `kind namespace/name` of an object, for messages.
fn describe(obj: &Value) -> String {
    format!(
        "{} {}/{}",
        obj["kind"].as_str().unwrap_or("?"),
        obj["metadata"]["namespace"].as_str().unwrap_or(""),
        obj["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// An error with its causes.
fn chain(e: &Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `metadata.<field>` of an object as a string (`""` when absent).
fn meta<'v>(obj: &'v Value, field: &str) -> &'v str {
    obj["metadata"][field].as_str().unwrap_or("")
}

/// Fails the scenario with a message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}
use ensure;

/// A ConfigMap with `data`.
fn config_map(name: &str, namespace: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace}, "data": data})
}

/// The delete of `key` with `propagation`, as the scenario's error message.
async fn delete(ctx: &Ctx<'_>, key: &Key, propagation: Propagation) -> Result<bool, String> {
    ctx.objects().delete_with(key, propagation).await.map_err(|e| {
        format!(
            "delete {} {}/{}: {}",
            key.kind,
            key.namespace,
            key.name,
            chain(&e)
        )
    })
}

#[cfg(test)]
mod tests;
