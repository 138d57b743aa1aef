//! One reconcile of one Application: deletion through the finalizer, pause, the engine's pass,
//! the next requeue, and errors reported as a status condition on that Application.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::api::{ApiResource, DynamicObject, ObjectMeta, PartialObjectMeta, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Api, Client};
use serde_json::{Value, json};
use tracing::Instrument as _;
use vela_model::application::Application;

use crate::error::chain;
use crate::metrics::{Metrics, Outcome};
use crate::{Error, Result};

/// The finalizer that holds a deleted Application until everything it owns is collected
/// (KubeVela's name).
pub const FINALIZER: &str = "app.oam.dev/resource-tracker-finalizer";
/// The finalizer (set by `vela delete --orphan`) that makes the deletion leave the managed
/// objects in place and only drop their tracking.
pub const ORPHAN_FINALIZER: &str = "app.oam.dev/orphan-resource";
/// The annotation (or label) that pauses an Application: with the value `"true"` the controller
/// does not touch it (its deletion is still collected).
pub const PAUSE: &str = "controller.core.oam.dev/pause";
/// The annotation giving one Application its own resync period (a Go duration, e.g. `30s`).
pub const RECONCILE_INTERVAL: &str = "app.oam.dev/reconcile-interval";
/// The shortest per-application resync period; shorter values of [`RECONCILE_INTERVAL`] are
/// raised to it.
pub const MIN_RECONCILE_INTERVAL: Duration = Duration::from_secs(10);
/// The reason of the condition a failed reconcile writes.
pub const ERROR_REASON: &str = "ReconcileError";
/// The default of [`Settings::max_components`].
pub const DEFAULT_MAX_COMPONENTS: usize = 1_000;
/// The longest status condition message written (longer ones are cut, with `...`).
const MAX_MESSAGE: usize = 4096;

/// The controller's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// How long after a reconcile an Application is reconciled again when nothing happens
    /// (KubeVela's `--application-re-sync-period`, default 5 minutes).
    pub resync: Duration,
    /// How many Applications are reconciled at once (default 4).
    pub concurrency: u16,
    /// Watch only this namespace (`None`: every namespace).
    pub namespace: Option<String>,
    /// The longest wait before retrying an Application whose reconcile failed (the wait doubles
    /// from 1 second with every failure in a row; default 5 minutes).
    pub max_backoff: Duration,
    /// Reconcile only the Applications of this shard (`None`: every Application); see
    /// [`crate::shard`].
    pub sharding: Option<crate::shard::Sharding>,
    /// The most components an Application may have; a larger one gets a `Parsed` condition
    /// and nothing is rendered or applied (default 1,000; KubeVela has no limit).
    pub max_components: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            resync: Duration::from_secs(300),
            concurrency: 4,
            namespace: None,
            max_backoff: Duration::from_secs(300),
            sharding: None,
            max_components: DEFAULT_MAX_COMPONENTS,
        }
    }
}

impl Settings {
    /// The default settings.
    ///
    /// ```
    /// let s = vela_controller::Settings::new().with_resync(std::time::Duration::from_secs(60));
    /// assert_eq!(s.concurrency, 4);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`Settings::resync`].
    #[must_use]
    pub fn with_resync(mut self, resync: Duration) -> Self {
        self.resync = resync;
        self
    }

    /// Sets [`Settings::concurrency`].
    #[must_use]
    pub fn with_concurrency(mut self, workers: u16) -> Self {
        self.concurrency = workers;
        self
    }

    /// Sets [`Settings::namespace`].
    #[must_use]
    pub fn with_namespace(mut self, namespace: Option<String>) -> Self {
        self.namespace = namespace;
        self
    }

    /// Sets [`Settings::sharding`].
    #[must_use]
    pub fn with_sharding(mut self, sharding: Option<crate::shard::Sharding>) -> Self {
        self.sharding = sharding;
        self
    }

    /// Sets [`Settings::max_components`].
    #[must_use]
    pub fn with_max_components(mut self, max: usize) -> Self {
        self.max_components = max;
        self
    }

    /// Sets [`Settings::max_backoff`].
    #[must_use]
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::Setting`] for a zero concurrency or resync period.
    pub fn validate(&self) -> Result<()> {
        if self.concurrency == 0 {
            return Err(Error::Setting {
                setting: "--concurrency",
                message: "must be at least 1".into(),
            });
        }
        if self.resync.is_zero() {
            return Err(Error::Setting {
                setting: "--resync-period",
                message: "must be longer than 0s (e.g. 5m)".into(),
            });
        }
        Ok(())
    }
}

/// What every reconcile shares.
pub(crate) struct Context {
    pub(crate) engine: crate::controller::EngineSlot,
    pub(crate) client: Client,
    pub(crate) settings: Settings,
    pub(crate) metrics: Arc<Metrics>,
    /// Delivering as an Application's service account (`None`: impersonation off).
    pub(crate) impersonation: Option<Arc<crate::impersonation::Impersonation>>,
    /// Failures in a row per Application, for the backoff.
    failures: Mutex<HashMap<(String, String), u32>>,
}

/// The metadata of an Application, as the controller's cache keeps it.
pub(crate) type Meta = PartialObjectMeta<Application>;

/// Whether `meta` pauses its Application (the annotation or label [`PAUSE`] is `"true"`).
///
/// ```
/// use kube::api::ObjectMeta;
/// let mut meta = ObjectMeta::default();
/// assert!(!vela_controller::reconcile::is_paused(&meta));
/// meta.annotations = Some([("controller.core.oam.dev/pause".to_owned(), "true".to_owned())].into());
/// assert!(vela_controller::reconcile::is_paused(&meta));
/// ```
#[must_use]
pub fn is_paused(meta: &ObjectMeta) -> bool {
    let set = |m: &Option<std::collections::BTreeMap<String, String>>| {
        m.as_ref().and_then(|m| m.get(PAUSE)).is_some_and(|v| v == "true")
    };
    set(&meta.annotations) || set(&meta.labels)
}

/// The resync period of one Application: its [`RECONCILE_INTERVAL`] annotation (at least
/// [`MIN_RECONCILE_INTERVAL`]) or `default`. An annotation that does not parse is ignored (with a
/// warning in the log).
///
/// ```
/// use std::time::Duration;
/// use kube::api::ObjectMeta;
/// use vela_controller::reconcile::resync_interval;
///
/// let mut meta = ObjectMeta::default();
/// assert_eq!(resync_interval(&meta, Duration::from_secs(300)), Duration::from_secs(300));
/// meta.annotations = Some([("app.oam.dev/reconcile-interval".to_owned(), "1m30s".to_owned())].into());
/// assert_eq!(resync_interval(&meta, Duration::from_secs(300)), Duration::from_secs(90));
/// ```
#[must_use]
pub fn resync_interval(meta: &ObjectMeta, default: Duration) -> Duration {
    let Some(text) = meta.annotations.as_ref().and_then(|a| a.get(RECONCILE_INTERVAL)) else {
        return default;
    };
    match vela_model::duration::parse(text) {
        Ok(d) => d.max(MIN_RECONCILE_INTERVAL),
        Err(e) => {
            tracing::warn!(annotation = RECONCILE_INTERVAL, value = %text, error = %e, "ignored");
            default
        }
    }
}

/// How long to wait before retrying after `failures` failed reconciles in a row: 1 s, doubling,
/// at most `max`.
///
/// ```
/// use std::time::Duration;
/// use vela_controller::reconcile::backoff;
/// assert_eq!(backoff(1, Duration::from_secs(300)), Duration::from_secs(1));
/// assert_eq!(backoff(4, Duration::from_secs(300)), Duration::from_secs(8));
/// assert_eq!(backoff(40, Duration::from_secs(300)), Duration::from_secs(300));
/// ```
#[must_use]
pub fn backoff(failures: u32, max: Duration) -> Duration {
    let exp = failures.saturating_sub(1).min(30);
    Duration::from_secs(1u64 << exp).min(max)
}

/// Refuses an Application with more than `max` components before anything is rendered: its
/// objects and its ResourceTracker would grow past what the API server stores in one object.
///
/// ```
/// use vela_controller::reconcile::too_many_components;
/// let app = vela_render::app::parse("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\n\
///     spec: {components: [{name: x, type: worker}, {name: y, type: worker}]}").unwrap();
/// assert!(too_many_components(&app, 2).is_ok());
/// let problems = too_many_components(&app, 1).unwrap_err();
/// assert_eq!(
///     problems[0].to_string(),
///     "spec.components: 2 components, more than the 1 this controller accepts \
///      (hint: raise it with --max-application-components, or split the application)"
/// );
/// ```
///
/// # Errors
/// One problem at `spec.components` ([`Rule::TooManyComponents`](vela_model::validate::Rule)).
pub fn too_many_components(
    app: &Application,
    max: usize,
) -> std::result::Result<(), vela_model::validate::Problems> {
    use vela_model::validate::{Problem, Problems, Rule};
    let n = app.spec.components.len();
    if n <= max {
        return Ok(());
    }
    Err(Problems::from(vec![Problem {
        rule: Rule::TooManyComponents,
        path: "spec.components".into(),
        message: format!("{n} components, more than the {max} this controller accepts"),
        hint: "raise it with --max-application-components, or split the application".into(),
    }]))
}

/// The status condition type a failure is reported under, as KubeVela names them: `Parsed`
/// (the Application breaks the model's rules or does not decode), `Render`, `Policy`,
/// `Workflow`, else `Synced` (KubeVela's generic reconcile error).
#[must_use]
pub fn condition_type(err: &Error) -> &'static str {
    use vela_engine::Error as E;
    match err {
        Error::Engine { source, .. } => match source.as_ref() {
            E::Invalid(_) | E::Stored { .. } => "Parsed",
            E::Render(_) => "Render",
            E::Policy { .. } | E::Placement { .. } => "Policy",
            E::Workflow(_) | E::Operation(_) => "Workflow",
            _ => "Synced",
        },
        _ => "Synced",
    }
}

/// A hash of what makes an Application worth reconciling again: its generation (spec),
/// labels, annotations, finalizers and deletion. Status writes (the engine's own) change none
/// of them, so they do not wake the controller up.
pub(crate) fn changed(meta: &Meta) -> Option<u64> {
    use std::hash::{Hash as _, Hasher as _};
    let m = &meta.metadata;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    m.generation.hash(&mut h);
    m.labels.hash(&mut h);
    m.annotations.hash(&mut h);
    m.finalizers.hash(&mut h);
    m.deletion_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .hash(&mut h);
    Some(h.finish())
}

impl Context {
    pub(crate) fn new(
        engine: crate::controller::EngineSlot,
        client: Client,
        settings: Settings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            engine,
            client,
            settings,
            metrics,
            impersonation: None,
            failures: Mutex::default(),
        }
    }

    fn apps(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(
            self.client.clone(),
            namespace,
            &ApiResource::erase::<Application>(&()),
        )
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), u32>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a failure of `namespace/name` and returns how long to wait before the retry.
    pub(crate) fn failed(&self, namespace: &str, name: &str) -> Duration {
        let mut failures = self.failures();
        let n = failures
            .entry((namespace.to_owned(), name.to_owned()))
            .or_insert(0);
        *n = n.saturating_add(1);
        backoff(*n, self.settings.max_backoff)
    }

    /// Replaces the finalizers of `namespace/name` with `finalizers`, if they are still
    /// `current` (the resourceVersion makes the API server refuse a stale write).
    async fn set_finalizers(
        &self,
        meta: &Meta,
        namespace: &str,
        name: &str,
        finalizers: Vec<String>,
    ) -> Result<()> {
        let patch = json!({"metadata": {
            "finalizers": finalizers,
            "resourceVersion": meta.metadata.resource_version,
        }});
        match self
            .apps(namespace)
            .patch_metadata(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            // the Application is gone meanwhile: nothing left to hold
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(source) => Err(Error::Kube {
                what: format!("set the finalizers of Application {namespace}/{name}"),
                source,
            }),
        }
    }

    /// One reconcile; the outcome for the metrics and what to do next.
    async fn pass(&self, meta: &Meta, namespace: &str, name: &str) -> Result<(Outcome, Action)> {
        let engine_error = |source| Error::Engine {
            app: format!("{namespace}/{name}"),
            source: Box::new(source),
        };
        // the engine of the definitions known now (they may be replaced between reconciles),
        // delivering as the identity impersonation picks (its service account, or its recorded
        // user with --authentication-with-user), if any
        let mut engine = self.engine.get_for(namespace);
        if let Some(imp) = &self.impersonation
            && let Some(identity) = imp.identity(namespace, meta.metadata.annotations.as_ref())
        {
            engine = imp.engine_for(&engine, name, &identity)?;
        }
        let finalizers = meta.metadata.finalizers.clone().unwrap_or_default();
        let ours = finalizers.iter().any(|f| f == FINALIZER);
        if meta.metadata.deletion_timestamp.is_some() {
            if !ours {
                return Ok((Outcome::Gone, Action::await_change()));
            }
            let orphan = finalizers.iter().any(|f| f == ORPHAN_FINALIZER);
            let removed = engine
                .delete(namespace, name, orphan)
                .await
                .map_err(engine_error)?;
            if let Some(r) = removed.filter(|r| !r.orphaned) {
                self.metrics.add_collections(r.objects.len());
            }
            let rest = finalizers
                .into_iter()
                .filter(|f| f != FINALIZER && f != ORPHAN_FINALIZER)
                .collect();
            self.set_finalizers(meta, namespace, name, rest).await?;
            self.metrics.forget(namespace, name);
            tracing::info!(orphan, "deleted: everything the application owned is collected");
            return Ok((Outcome::Deleted, Action::await_change()));
        }
        if is_paused(&meta.metadata) {
            tracing::debug!("paused");
            return Ok((Outcome::Paused, Action::await_change()));
        }
        if !ours {
            let mut with = finalizers;
            with.push(FINALIZER.to_owned());
            self.set_finalizers(meta, namespace, name, with).await?;
            // the write changes the finalizers, which wakes this application again at once:
            // that reconcile delivers it (with the finalizer already in place)
            return Ok((Outcome::Success, Action::await_change()));
        }
        let Some(app) = engine.get(namespace, name).await.map_err(engine_error)? else {
            return Ok((Outcome::Gone, Action::await_change()));
        };
        // what `vela up` checks before storing an application, and KubeVela's webhook before
        // admitting one: here the application is already stored, so it becomes a condition
        too_many_components(&app, self.settings.max_components)
            .map_err(|p| engine_error(vela_engine::Error::Invalid(p)))?;
        app.validate()
            .map_err(|p| engine_error(vela_engine::Error::Invalid(p)))?;
        engine
            .renderer()
            .check_types(&app)
            .map_err(|e| engine_error(e.into()))?;
        let Some(delivered) = engine.reconcile(namespace, name).await.map_err(engine_error)? else {
            return Ok((Outcome::Gone, Action::await_change()));
        };
        self.metrics.add_applies(delivered.applied.len());
        self.metrics.add_collections(delivered.collected.len());
        let steps = delivered.status.workflow.iter().flat_map(|w| &w.steps);
        let phases = steps.flat_map(|s| {
            std::iter::once(s.phase)
                .chain(s.sub_steps.iter().map(|sub| sub.phase))
                .flatten()
        });
        self.metrics.set_steps(namespace, name, phases);
        let resync = resync_interval(&meta.metadata, self.settings.resync);
        let after = delivered.requeue_after.map_or(resync, |d| d.min(resync));
        tracing::info!(
            revision = %delivered.revision,
            workflow = ?delivered.workflow,
            phase = delivered.status.phase.map_or("", |p| p.as_str()),
            applied = delivered.applied.len(),
            collected = delivered.collected.len(),
            requeue_after_ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
            "reconciled"
        );
        self.metrics.queued(namespace, name, after);
        Ok((Outcome::Success, Action::requeue(after)))
    }

    /// Writes `err` as a condition of type [`condition_type`] (status `False`, reason
    /// [`ERROR_REASON`]) on `namespace/name`, unless the same condition is there already. A
    /// failure to write is logged: the reconcile is retried anyway.
    async fn report(&self, namespace: &str, name: &str, err: &Error) {
        let type_ = condition_type(err);
        let mut message = chain(err);
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("...");
        }
        let api = self.apps(namespace);
        let current = match api.get_opt(name).await {
            Ok(Some(obj)) => obj,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "reading the application to report a failure");
                return;
            }
        };
        let mut conditions = current.data["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let same = |c: &Value| c["type"] == type_;
        if conditions.iter().any(|c| {
            same(c) && c["status"] == "False" && c["reason"] == ERROR_REASON && c["message"] == message
        }) {
            return;
        }
        conditions.retain(|c| !same(c));
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_else(|_| jiff::Timestamp::now());
        conditions.push(json!({
            "type": type_, "status": "False", "reason": ERROR_REASON,
            "message": message, "lastTransitionTime": now.to_string(),
        }));
        let patch = json!({"status": {"conditions": conditions}});
        if let Err(e) = api
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            tracing::warn!(error = %e, "writing the failure condition");
        }
    }
}

/// The reconciler the runtime calls: one span per reconcile, the metrics, and failures reported
/// on the Application.
pub(crate) async fn reconcile(meta: Arc<Meta>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = meta.metadata.namespace.clone().unwrap_or_default();
    let name = meta.metadata.name.clone().unwrap_or_default();
    let span = tracing::info_span!(
        "reconcile",
        app = %name,
        namespace = %namespace,
        generation = meta.metadata.generation.unwrap_or_default(),
    );
    async move {
        let started = Instant::now();
        ctx.metrics.dequeued(&namespace, &name);
        let running = ctx.metrics.start();
        let result = ctx.pass(&meta, &namespace, &name).await;
        drop(running);
        let took = started.elapsed();
        match result {
            Ok((outcome, action)) => {
                ctx.metrics.observe(outcome, took);
                ctx.failures().remove(&(namespace.clone(), name.clone()));
                Ok(action)
            }
            Err(e) if e.is_conflict() => {
                // the Application changed between the read and the write: not a failure to
                // report, the retry sees the change
                ctx.metrics.observe(Outcome::Error, took);
                tracing::info!(error = %chain(&e), "changed meanwhile: retrying");
                Err(e)
            }
            Err(e) => {
                ctx.metrics.observe(Outcome::Error, took);
                tracing::warn!(error = %chain(&e), took_ms = took.as_millis() as u64, "reconcile failed");
                ctx.report(&namespace, &name, &e).await;
                Err(e)
            }
        }
    }
    .instrument(span)
    .await
}

/// The runtime's error policy: retry after the Application's backoff.
pub(crate) fn error_policy(meta: Arc<Meta>, _err: &Error, ctx: Arc<Context>) -> Action {
    let namespace = meta.metadata.namespace.as_deref().unwrap_or_default();
    let name = meta.metadata.name.as_deref().unwrap_or_default();
    let after = ctx.failed(namespace, name);
    ctx.metrics.queued(namespace, name, after);
    Action::requeue(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_with(annotations: &[(&str, &str)], labels: &[(&str, &str)]) -> ObjectMeta {
        let map = |kv: &[(&str, &str)]| {
            (!kv.is_empty()).then(|| {
                kv.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect()
            })
        };
        ObjectMeta {
            annotations: map(annotations),
            labels: map(labels),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn pause_is_the_annotation_or_the_label_set_to_true_and_nothing_else() {
        assert!(is_paused(&meta_with(&[(PAUSE, "true")], &[])));
        assert!(is_paused(&meta_with(&[], &[(PAUSE, "true")])));
        assert!(!is_paused(&meta_with(&[(PAUSE, "false")], &[])));
        assert!(!is_paused(&meta_with(&[(PAUSE, "True")], &[])));
        assert!(!is_paused(&meta_with(&[("other", "true")], &[])));
    }

    #[test]
    fn the_reconcile_interval_annotation_is_raised_to_ten_seconds_and_ignored_when_malformed() {
        let d = Duration::from_secs(300);
        assert_eq!(
            resync_interval(&meta_with(&[(RECONCILE_INTERVAL, "2s")], &[]), d),
            MIN_RECONCILE_INTERVAL
        );
        assert_eq!(
            resync_interval(&meta_with(&[(RECONCILE_INTERVAL, "1h")], &[]), d),
            Duration::from_secs(3600)
        );
        assert_eq!(
            resync_interval(&meta_with(&[(RECONCILE_INTERVAL, "soon")], &[]), d),
            d
        );
        assert_eq!(
            resync_interval(&meta_with(&[(RECONCILE_INTERVAL, "-5m")], &[]), d),
            d
        );
    }

    #[test]
    fn backoff_doubles_from_one_second_and_stops_at_the_maximum() {
        let max = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n, max).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(0, max), Duration::from_secs(1));
        assert_eq!(backoff(u32::MAX, max), max);
    }

    #[test]
    fn failures_are_reported_under_kubevelas_condition_types() {
        let engine = |source| Error::Engine {
            app: "ns/app".into(),
            source: Box::new(source),
        };
        let policy = engine(vela_engine::Error::Policy {
            path: "spec.policies[0]".into(),
            message: "bad".into(),
        });
        assert_eq!(condition_type(&policy), "Policy");
        let app = vela_render::app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: x, type: webservice}\n    - {name: x, type: webservice}\n",
        )
        .expect("an application");
        let problems = app.validate().expect_err("two components named x are invalid");
        assert_eq!(
            condition_type(&engine(vela_engine::Error::Invalid(problems))),
            "Parsed"
        );
        let setting = Error::Setting {
            setting: "--x",
            message: "y".into(),
        };
        assert_eq!(condition_type(&setting), "Synced");
    }

    #[test]
    fn status_only_changes_do_not_count_as_changes_but_spec_annotations_and_deletion_do() {
        let mut meta = Meta {
            types: None,
            metadata: ObjectMeta {
                name: Some("a".into()),
                generation: Some(1),
                resource_version: Some("10".into()),
                ..ObjectMeta::default()
            },
            _phantom: std::marker::PhantomData,
        };
        let first = changed(&meta);
        meta.metadata.resource_version = Some("11".into());
        assert_eq!(
            changed(&meta),
            first,
            "a status write bumps only the resourceVersion"
        );
        meta.metadata.generation = Some(2);
        let second = changed(&meta);
        assert_ne!(second, first);
        meta.metadata.annotations = Some([(PAUSE.to_owned(), "true".to_owned())].into());
        let third = changed(&meta);
        assert_ne!(third, second);
        meta.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            jiff::Timestamp::UNIX_EPOCH,
        ));
        assert_ne!(changed(&meta), third);
    }

    #[test]
    fn settings_refuse_zero_workers_and_a_zero_resync() {
        assert!(Settings::new().validate().is_ok());
        let err = Settings::new().with_concurrency(0).validate().unwrap_err();
        assert_eq!(err.to_string(), "--concurrency: must be at least 1");
        let err = Settings::new()
            .with_resync(Duration::ZERO)
            .validate()
            .unwrap_err();
        assert!(err.to_string().starts_with("--resync-period"), "{err}");
    }
}
