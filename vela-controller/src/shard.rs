//! Sharding, as KubeVela (v1.8+) divides Applications between controllers: each controller
//! reconciles only the Applications labelled [`SCHEDULED_SHARD_LABEL`]` = <its shard id>`, so
//! the work and the watch cache are divided.
//!
//! KubeVela's master shard assigns new Applications in a mutating webhook. Vela-rs's master
//! runs a background [`Scheduler`] instead (what KubeVela's design lists as future work), which
//! watches the Applications that carry no shard label and labels each with the next of the
//! schedulable shards, in turn. An Application already labelled is never moved: re-scheduling
//! is done by changing the label (`vela up --shard-id`).
//!
//! The schedulable shards are the ones given (`--schedulable-shards`), or else discovered: every
//! sharded controller keeps a heartbeat Lease `vela-shard-<id>` labelled [`SHARD_ID_LABEL`]` =
//! <id>` ([`heartbeat`]), and the master schedules to the shards whose Lease is held and
//! renewed ([`live_shards`]), itself included. KubeVela discovers ready controller pods
//! labelled the same way; a Lease works as well for a controller running outside the cluster.
//! A shard that stops renewing gets no new Applications once its Lease expires; those it has
//! keep waiting for it, as in KubeVela.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{ListParams, Patch, PatchParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Client};
use serde_json::json;

use crate::lease::{self, Elector};
use crate::reconcile::Meta;
use crate::{Error, Result};

/// The label that assigns an Application to a shard (KubeVela's
/// `LabelKubeVelaScheduledShardID`).
pub const SCHEDULED_SHARD_LABEL: &str = "controller.core.oam.dev/scheduled-shard-id";

/// The label naming the shard of a heartbeat Lease (KubeVela labels its controller pods with
/// it).
pub const SHARD_ID_LABEL: &str = "controller.core.oam.dev/shard-id";

/// The name prefix of a shard's heartbeat Lease (`vela-shard-<id>`).
pub const HEARTBEAT_PREFIX: &str = "vela-shard-";

/// The shard that schedules the others (KubeVela's `MasterShardID`).
pub const MASTER: &str = "master";

/// A controller's place among the shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharding {
    /// This controller's shard id (`--shard-id`, default [`MASTER`]).
    pub shard_id: String,
    /// The shards the master assigns new Applications to (`--schedulable-shards`); empty: the
    /// shards discovered from their heartbeat Leases.
    pub schedulable: Vec<String>,
    /// The namespace of the heartbeat Leases (`--leader-election-namespace`, default
    /// `vela-system`).
    pub lease_namespace: String,
    /// This controller's identity in its heartbeat Lease.
    pub identity: String,
    /// How long a heartbeat lasts without renewal (default 15 s).
    pub lease_duration: Duration,
    /// How often the master lists the heartbeat Leases (default 10 s).
    pub discovery_period: Duration,
}

impl Sharding {
    /// This controller as shard `shard_id`, scheduling to `schedulable` (used by the master
    /// only).
    ///
    /// # Errors
    /// [`Error::Setting`] when an id is not a valid label value.
    ///
    /// ```
    /// use vela_controller::shard::Sharding;
    /// let s = Sharding::new("master", vec!["shard-0".into(), "shard-1".into()]).unwrap();
    /// assert_eq!(s.selector(), "controller.core.oam.dev/scheduled-shard-id=master");
    /// assert!(s.is_master());
    /// assert!(Sharding::new("no spaces", vec![]).is_err());
    /// ```
    pub fn new(shard_id: impl Into<String>, schedulable: Vec<String>) -> Result<Self> {
        let shard_id = shard_id.into();
        for (setting, id) in std::iter::once(("--shard-id", &shard_id))
            .chain(schedulable.iter().map(|s| ("--schedulable-shards", s)))
        {
            if !vela_model::validate::is_label_value(id) || id.is_empty() {
                return Err(Error::Setting {
                    setting,
                    message: format!(
                        "{id:?} is not a label value (at most 63 letters, digits, '-', '_' or '.', \
                         starting and ending with a letter or digit)"
                    ),
                });
            }
        }
        Ok(Self {
            identity: format!("{shard_id}_{}", std::process::id()),
            shard_id,
            schedulable,
            lease_namespace: "vela-system".into(),
            lease_duration: Duration::from_secs(15),
            discovery_period: Duration::from_secs(10),
        })
    }

    /// Keeps the heartbeat Leases in `namespace`, this controller's held as `identity`, lasting
    /// `duration` without renewal.
    #[must_use]
    pub fn with_heartbeat(
        mut self,
        namespace: impl Into<String>,
        identity: impl Into<String>,
        duration: Duration,
    ) -> Self {
        self.lease_namespace = namespace.into();
        self.identity = identity.into();
        self.lease_duration = duration;
        self
    }

    /// Lists the heartbeat Leases every `period` (the master, without schedulable shards).
    #[must_use]
    pub fn with_discovery_period(mut self, period: Duration) -> Self {
        self.discovery_period = period;
        self
    }

    /// The settings of this controller's heartbeat Lease.
    ///
    /// ```
    /// use vela_controller::shard::Sharding;
    /// let s = Sharding::new("shard-a", vec![]).unwrap();
    /// let lease = s.heartbeat_lease();
    /// assert_eq!(lease.name, "vela-shard-shard-a");
    /// assert_eq!(lease.labels["controller.core.oam.dev/shard-id"], "shard-a");
    /// ```
    #[must_use]
    pub fn heartbeat_lease(&self) -> lease::Settings {
        lease::Settings::new(
            &self.lease_namespace,
            format!("{HEARTBEAT_PREFIX}{}", self.shard_id),
            &self.identity,
        )
        .with_lease_duration(self.lease_duration)
        .with_label(SHARD_ID_LABEL, &self.shard_id)
    }

    /// The label selector of the Applications this shard reconciles.
    #[must_use]
    pub fn selector(&self) -> String {
        format!("{SCHEDULED_SHARD_LABEL}={}", self.shard_id)
    }

    /// Whether this controller is the master (it runs the [`Scheduler`]).
    #[must_use]
    pub fn is_master(&self) -> bool {
        self.shard_id == MASTER
    }
}

/// The shards whose heartbeat Lease is held and not expired at `now`, sorted, each once: the
/// Leases labelled [`SHARD_ID_LABEL`] with a holder whose last renewal is younger than the
/// Lease's duration.
///
/// ```
/// use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
/// use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
/// use vela_controller::shard::live_shards;
/// let now = jiff::Timestamp::from_second(1_000).unwrap();
/// let lease = |id: &str, renewed: i64| {
///     let mut l = Lease::default();
///     l.metadata.labels = Some([("controller.core.oam.dev/shard-id".to_owned(), id.to_owned())].into());
///     l.spec = Some(LeaseSpec {
///         holder_identity: Some(format!("{id}-pod")),
///         lease_duration_seconds: Some(15),
///         renew_time: Some(MicroTime(jiff::Timestamp::from_second(renewed).unwrap())),
///         ..LeaseSpec::default()
///     });
///     l
/// };
/// assert_eq!(live_shards(&[lease("b", 995), lease("a", 990), lease("gone", 900)], now), ["a", "b"]);
/// ```
#[must_use]
pub fn live_shards(leases: &[Lease], now: Timestamp) -> Vec<String> {
    let mut live: Vec<String> = leases
        .iter()
        .filter_map(|l| {
            let id = l.metadata.labels.as_ref()?.get(SHARD_ID_LABEL)?;
            let spec = l.spec.as_ref()?;
            if spec.holder_identity.as_deref().unwrap_or_default().is_empty()
                || !vela_model::validate::is_label_value(id)
                || id.is_empty()
            {
                return None;
            }
            let renewed = spec.renew_time.as_ref().or(spec.acquire_time.as_ref())?.0;
            let seconds = spec.lease_duration_seconds.filter(|s| *s > 0)?;
            let expires = renewed
                .checked_add(jiff::SignedDuration::from_secs(seconds.into()))
                .ok()?;
            (now < expires).then(|| id.clone())
        })
        .collect();
    live.sort();
    live.dedup();
    live
}

/// Keeps this controller's heartbeat Lease (see the module docs) until the future is dropped:
/// it takes the Lease when it is free or expired and renews it every retry period. Another
/// replica of the same shard holding it is not an error: it waits and tries again.
pub async fn heartbeat(client: Client, settings: lease::Settings) {
    let retry = settings.retry_period;
    let elector = match Elector::new(client, settings) {
        Ok(elector) => elector,
        Err(e) => {
            tracing::error!(error = %e, "shard heartbeat: no heartbeat Lease");
            return;
        }
    };
    loop {
        let (beating, _) = tokio::sync::watch::channel(false);
        if let Err(e) = elector.run(beating).await {
            tracing::warn!(error = %e, "shard heartbeat (trying again)");
        }
        tokio::time::sleep(retry).await;
    }
}

/// Where the scheduler's shards come from.
#[derive(Debug)]
enum Source {
    /// `--schedulable-shards`.
    Given,
    /// The heartbeat Leases in this namespace, listed every period.
    Discovered { namespace: String, period: Duration },
}

/// The master's scheduler: labels every Application without [`SCHEDULED_SHARD_LABEL`] with
/// the next schedulable shard, in turn.
#[derive(Debug)]
pub struct Scheduler {
    source: Source,
    /// The schedulable shards (with none, the master schedules to itself).
    shards: Mutex<Vec<String>>,
    next: AtomicUsize,
}

impl Scheduler {
    /// A scheduler over the schedulable shards of `sharding`, or over the shards discovered
    /// from their heartbeat Leases when none are given.
    #[must_use]
    pub fn new(sharding: &Sharding) -> Self {
        let source = if sharding.schedulable.is_empty() {
            Source::Discovered {
                namespace: sharding.lease_namespace.clone(),
                period: sharding.discovery_period,
            }
        } else {
            Source::Given
        };
        Self {
            source,
            shards: Mutex::new(sharding.schedulable.clone()),
            next: AtomicUsize::new(0),
        }
    }

    /// The shards scheduled to now.
    #[must_use]
    pub fn shards(&self) -> Vec<String> {
        self.shards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the schedulable shards (what discovery found).
    pub fn set_shards(&self, shards: Vec<String>) {
        *self
            .shards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = shards;
    }

    /// The shard of the next Application: the schedulable shards in turn; with none (nothing
    /// discovered yet), the master.
    ///
    /// ```
    /// use vela_controller::shard::{Scheduler, Sharding};
    /// let s = Scheduler::new(&Sharding::new("master", vec!["a".into(), "b".into()]).unwrap());
    /// assert_eq!([s.pick(), s.pick(), s.pick()], ["a", "b", "a"]);
    /// let alone = Scheduler::new(&Sharding::new("master", vec![]).unwrap());
    /// assert_eq!(alone.pick(), "master");
    /// ```
    pub fn pick(&self) -> String {
        let shards = self
            .shards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if shards.is_empty() {
            return MASTER.to_owned();
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % shards.len();
        shards[i].clone()
    }

    /// Lists the heartbeat Leases once and keeps the live shards (discovery only).
    async fn discover(&self, leases: &Api<Lease>) {
        let selector = ListParams::default().labels(SHARD_ID_LABEL);
        match leases.list(&selector).await {
            Ok(list) => {
                let live = live_shards(&list.items, Timestamp::now());
                if live != self.shards() {
                    tracing::info!(shards = ?live, "schedulable shards discovered");
                    self.set_shards(live);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "discovering shards from their heartbeat Leases (keeping the last ones)");
            }
        }
    }

    /// Watches the unscheduled Applications (in `namespace`, or every namespace) until
    /// `shutdown` completes, labelling each; with discovery, lists the heartbeat Leases every
    /// period meanwhile. A label write that fails is logged; the watch brings the Application
    /// again when it changes, and a restart lists it again.
    pub async fn run(
        self: Arc<Self>,
        client: Client,
        namespace: Option<String>,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        let discovery = match &self.source {
            Source::Given => None,
            Source::Discovered { namespace, period } => {
                let leases: Api<Lease> = Api::namespaced(client.clone(), namespace);
                // the first list before the first Application is scheduled
                self.discover(&leases).await;
                let (this, period) = (self.clone(), *period);
                Some(tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(period).await;
                        this.discover(&leases).await;
                    }
                }))
            }
        };
        let api: Api<Meta> = match &namespace {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        };
        let config = watcher::Config::default().labels(&format!("!{SCHEDULED_SHARD_LABEL}"));
        let stream = watcher(api, config).default_backoff().applied_objects();
        tracing::info!(shards = ?self.shards(), source = ?self.source, "scheduling unlabelled Applications to shards");
        let work = stream.for_each(|event| {
            let this = self.clone();
            let client = client.clone();
            async move {
                let meta = match event {
                    Ok(meta) => meta,
                    Err(e) => {
                        tracing::warn!(error = %e, "watching unscheduled Applications (retrying)");
                        return;
                    }
                };
                if meta.metadata.deletion_timestamp.is_some() {
                    return;
                }
                let ns = meta.metadata.namespace.clone().unwrap_or_default();
                let name = meta.metadata.name.clone().unwrap_or_default();
                let shard = this.pick();
                let apps: Api<Meta> = Api::namespaced(client, &ns);
                // the resourceVersion makes the write fail if someone labelled it meanwhile
                let patch = json!({"metadata": {
                    "labels": {SCHEDULED_SHARD_LABEL: shard},
                    "resourceVersion": meta.metadata.resource_version,
                }});
                match apps
                    .patch_metadata(&name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                {
                    Ok(_) => tracing::info!(app = %name, namespace = %ns, %shard, "scheduled"),
                    Err(e) => tracing::warn!(app = %name, namespace = %ns, error = %e, "scheduling"),
                }
            }
        });
        tokio::select! {
            () = work => {}
            () = shutdown => {}
        }
        if let Some(discovery) = discovery {
            discovery.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_label_values() {
        let err = Sharding::new("shard-0", vec!["ok".into(), "-bad".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--schedulable-shards: \"-bad\" is not a label value (at most 63 letters, digits, '-', \
             '_' or '.', starting and ending with a letter or digit)"
        );
        assert!(Sharding::new("", vec![]).is_err());
        let s = Sharding::new("shard-0", vec![]).unwrap();
        assert!(!s.is_master());
        assert_eq!(s.selector(), "controller.core.oam.dev/scheduled-shard-id=shard-0");
    }

    #[test]
    fn the_scheduler_takes_the_shards_in_turn() {
        let s = Scheduler::new(&Sharding::new(MASTER, vec!["a".into(), "b".into(), "c".into()]).unwrap());
        let picks: Vec<String> = (0..7).map(|_| s.pick()).collect();
        assert_eq!(picks, ["a", "b", "c", "a", "b", "c", "a"]);
    }

    fn lease(id: Option<&str>, holder: Option<&str>, renewed: i64, seconds: Option<i32>) -> Lease {
        use k8s_openapi::api::coordination::v1::LeaseSpec;
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
        let mut l = Lease::default();
        l.metadata.labels = id.map(|id| [(SHARD_ID_LABEL.to_owned(), id.to_owned())].into());
        l.spec = Some(LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            lease_duration_seconds: seconds,
            renew_time: Some(MicroTime(Timestamp::from_second(renewed).unwrap())),
            ..LeaseSpec::default()
        });
        l
    }

    #[test]
    fn only_held_unexpired_labelled_leases_are_live_shards() {
        let now = Timestamp::from_second(1_000).unwrap();
        let leases = [
            lease(Some("shard-b"), Some("p1"), 990, Some(15)),
            lease(Some("master"), Some("p0"), 999, Some(15)),
            // a second replica's view of the same shard
            lease(Some("shard-b"), Some("p2"), 998, Some(15)),
            // expired: renewed 15 s ago exactly
            lease(Some("shard-c"), Some("p3"), 985, Some(15)),
            // released on shutdown
            lease(Some("shard-d"), None, 999, Some(1)),
            lease(Some("shard-e"), Some(""), 999, Some(15)),
            // no label, a label that is no shard id, no duration
            lease(None, Some("p4"), 999, Some(15)),
            lease(Some("-bad"), Some("p5"), 999, Some(15)),
            lease(Some("shard-f"), Some("p6"), 999, None),
        ];
        assert_eq!(live_shards(&leases, now), ["master", "shard-b"]);
        assert!(live_shards(&[], now).is_empty());
    }

    #[test]
    fn discovered_shards_replace_the_ones_scheduled_to() {
        let s = Scheduler::new(&Sharding::new(MASTER, vec![]).unwrap());
        assert_eq!(s.pick(), MASTER, "nothing discovered yet: the master itself");
        s.set_shards(vec!["master".into(), "shard-a".into()]);
        let picks: Vec<String> = (0..4).map(|_| s.pick()).collect();
        assert_eq!(picks, ["master", "shard-a", "master", "shard-a"]);
        s.set_shards(vec!["shard-b".into()]);
        assert_eq!(s.pick(), "shard-b");
        s.set_shards(Vec::new());
        assert_eq!(s.pick(), MASTER);
    }

    #[test]
    fn the_heartbeat_lease_is_named_and_labelled_after_the_shard() {
        let s =
            Sharding::new("shard-a", vec![])
                .unwrap()
                .with_heartbeat("ops", "pod-1", Duration::from_secs(6));
        let l = s.heartbeat_lease();
        assert_eq!(
            (l.namespace.as_str(), l.name.as_str(), l.identity.as_str()),
            ("ops", "vela-shard-shard-a", "pod-1")
        );
        assert_eq!(l.lease_duration, Duration::from_secs(6));
        assert_eq!(l.labels.len(), 1);
        assert!(l.validate().is_ok());
    }
}
