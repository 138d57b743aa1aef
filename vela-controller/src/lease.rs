//! Leader election with a `coordination.k8s.io/v1` Lease: one replica reconciles, the others
//! wait and take over once the holder stops renewing for longer than the lease lasts.
//!
//! The decision is pure ([`decide`] and [`claim`]); [`Elector`] does the reads and writes. Every
//! write carries the `resourceVersion` it read, so two replicas that decide at once cannot both
//! win: the API server refuses the second write with a conflict.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use tokio::sync::watch;

use crate::{Error, Result};

/// The leader election's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The Lease's namespace.
    pub namespace: String,
    /// The Lease's name.
    pub name: String,
    /// This replica's identity (the Lease's `holderIdentity` while it leads).
    pub identity: String,
    /// How long a lease lasts after its last renewal: another replica takes over only after
    /// this long without a renewal (default 15 s).
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew before it gives up leading (default 10 s;
    /// shorter than the lease duration, so that it stops before another replica starts).
    pub renew_deadline: Duration,
    /// How often the Lease is tried (default 2 s).
    pub retry_period: Duration,
    /// Labels the Lease carries (kept on every write; a shard's heartbeat Lease is found by
    /// them).
    pub labels: std::collections::BTreeMap<String, String>,
}

impl Settings {
    /// Settings for the Lease `namespace/name`, held as `identity`, with the default durations.
    ///
    /// ```
    /// let s = vela_controller::lease::Settings::new("vela-system", "vela-controller", "pod-a");
    /// assert_eq!(s.lease_duration.as_secs(), 15);
    /// assert!(s.validate().is_ok());
    /// ```
    #[must_use]
    pub fn new(namespace: impl Into<String>, name: impl Into<String>, identity: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
            identity: identity.into(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
            labels: std::collections::BTreeMap::new(),
        }
    }

    /// Adds a label the Lease carries.
    ///
    /// ```
    /// let s = vela_controller::lease::Settings::new("vela-system", "vela-shard-a", "pod-a")
    ///     .with_label("controller.core.oam.dev/shard-id", "a");
    /// assert_eq!(s.labels["controller.core.oam.dev/shard-id"], "a");
    /// ```
    #[must_use]
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets the lease duration, and the renew deadline and retry period in proportion (2/3
    /// and 2/15 of it, as the defaults are).
    #[must_use]
    pub fn with_lease_duration(mut self, d: Duration) -> Self {
        self.lease_duration = d;
        self.renew_deadline = d * 2 / 3;
        self.retry_period = (d * 2 / 15).max(Duration::from_millis(100));
        self
    }

    /// Checks that retry period < renew deadline < lease duration, and whole seconds for the
    /// lease (the Lease stores seconds).
    ///
    /// # Errors
    /// [`Error::Setting`] naming the bad setting.
    pub fn validate(&self) -> Result<()> {
        let bad = |message: &str| {
            Err(Error::Setting {
                setting: "--leader-election-lease-duration",
                message: message.into(),
            })
        };
        if self.lease_duration < Duration::from_secs(1) {
            return bad("must be at least 1s");
        }
        if self.renew_deadline >= self.lease_duration {
            return bad("the renew deadline must be shorter than the lease duration");
        }
        if self.retry_period >= self.renew_deadline {
            return bad("the retry period must be shorter than the renew deadline");
        }
        if self.identity.is_empty() {
            return Err(Error::Setting {
                setting: "--leader-election-identity",
                message: "must not be empty".into(),
            });
        }
        Ok(())
    }

    fn lease_seconds(&self) -> i32 {
        i32::try_from(self.lease_duration.as_secs()).unwrap_or(i32::MAX)
    }
}

/// What a replica does with the Lease it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// There is no Lease: create it, held by us.
    Create,
    /// We hold it: renew it.
    Renew,
    /// Nobody holds it, or its holder's lease expired: take it over.
    TakeOver,
    /// Another replica holds it until `expires`.
    Wait {
        /// The holder.
        holder: String,
        /// When its lease expires unless renewed.
        expires: Timestamp,
    },
}

/// Decides what `me` does with the Lease whose spec is `lease` (`None`: no Lease) at `now`.
/// A Lease without a duration lasts `default_duration`.
///
/// ```
/// use std::time::Duration;
/// use vela_controller::lease::{Decision, decide};
/// let now = jiff::Timestamp::UNIX_EPOCH;
/// assert_eq!(decide(None, "a", now, Duration::from_secs(15)), Decision::Create);
/// ```
#[must_use]
pub fn decide(lease: Option<&LeaseSpec>, me: &str, now: Timestamp, default_duration: Duration) -> Decision {
    let Some(spec) = lease else {
        return Decision::Create;
    };
    let holder = spec.holder_identity.as_deref().unwrap_or_default();
    if holder.is_empty() {
        return Decision::TakeOver;
    }
    if holder == me {
        return Decision::Renew;
    }
    let Some(renewed) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return Decision::TakeOver;
    };
    let seconds = spec
        .lease_duration_seconds
        .filter(|s| *s > 0)
        .map_or(default_duration, |s| Duration::from_secs(s.unsigned_abs().into()));
    let expires = jiff::SignedDuration::try_from(seconds)
        .ok()
        .and_then(|d| renewed.0.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX);
    if now >= expires {
        Decision::TakeOver
    } else {
        Decision::Wait {
            holder: holder.to_owned(),
            expires,
        }
    }
}

/// The spec `me` writes for `decision` (not [`Decision::Wait`]) over `previous`: a renewal
/// moves `renewTime`; creating or taking over also sets `acquireTime`, and a take-over counts
/// one more `leaseTransitions`.
///
/// ```
/// use std::time::Duration;
/// use vela_controller::lease::{Decision, claim};
/// let now = jiff::Timestamp::UNIX_EPOCH;
/// let spec = claim(None, "a", now, Duration::from_secs(15), &Decision::Create);
/// assert_eq!(spec.holder_identity.as_deref(), Some("a"));
/// assert_eq!(spec.lease_transitions, Some(0));
/// ```
#[must_use]
pub fn claim(
    previous: Option<&LeaseSpec>,
    me: &str,
    now: Timestamp,
    duration: Duration,
    decision: &Decision,
) -> LeaseSpec {
    let seconds = i32::try_from(duration.as_secs()).unwrap_or(i32::MAX);
    let mut spec = previous.cloned().unwrap_or_default();
    spec.holder_identity = Some(me.to_owned());
    spec.lease_duration_seconds = Some(seconds);
    spec.renew_time = Some(MicroTime(now));
    match decision {
        Decision::Renew => {
            if spec.acquire_time.is_none() {
                spec.acquire_time = Some(MicroTime(now));
            }
        }
        Decision::Create => {
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(0);
        }
        Decision::TakeOver | Decision::Wait { .. } => {
            spec.acquire_time = Some(MicroTime(now));
            spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0).saturating_add(1));
        }
    }
    spec
}

/// Holds (or waits for) the Lease on behalf of this replica.
#[derive(Clone)]
pub struct Elector {
    api: Api<Lease>,
    settings: Settings,
}

impl std::fmt::Debug for Elector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Elector")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Elector {
    /// An elector for the Lease of `settings` in the cluster of `client`.
    ///
    /// # Errors
    /// [`Error::Setting`] when the settings are inconsistent ([`Settings::validate`]).
    pub fn new(client: Client, settings: Settings) -> Result<Self> {
        settings.validate()?;
        Ok(Self {
            api: Api::namespaced(client, &settings.namespace),
            settings,
        })
    }

    fn kube_error(&self, what: &str, source: kube::Error) -> Error {
        Error::Kube {
            what: format!("{what} Lease {}/{}", self.settings.namespace, self.settings.name),
            source,
        }
    }

    /// One attempt: reads the Lease, and creates, renews or takes it over when [`decide`] says
    /// so. `Ok(true)` when this replica holds it afterwards; `Ok(false)` when another does (or
    /// another replica wrote it first).
    ///
    /// # Errors
    /// [`Error::Kube`] when the API server cannot be asked.
    pub async fn try_acquire_or_renew(&self) -> Result<bool> {
        let s = &self.settings;
        let current = self
            .api
            .get_opt(&s.name)
            .await
            .map_err(|e| self.kube_error("read", e))?;
        let now = Timestamp::now();
        let decision = decide(
            current.as_ref().and_then(|l| l.spec.as_ref()),
            &s.identity,
            now,
            s.lease_duration,
        );
        if let Decision::Wait { holder, expires } = &decision {
            tracing::debug!(%holder, %expires, "another replica leads");
            return Ok(false);
        }
        let spec = claim(
            current.as_ref().and_then(|l| l.spec.as_ref()),
            &s.identity,
            now,
            s.lease_duration,
            &decision,
        );
        let written = match current {
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(s.name.clone()),
                        namespace: Some(s.namespace.clone()),
                        labels: (!s.labels.is_empty()).then(|| s.labels.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(spec),
                };
                self.api.create(&PostParams::default(), &lease).await
            }
            Some(mut lease) => {
                // the resourceVersion read stays in the metadata: a concurrent write wins
                lease.spec = Some(spec);
                if !s.labels.is_empty() {
                    lease
                        .metadata
                        .labels
                        .get_or_insert_default()
                        .extend(s.labels.clone());
                }
                self.api.replace(&s.name, &PostParams::default(), &lease).await
            }
        };
        match written {
            Ok(_) => {
                if decision != Decision::Renew {
                    tracing::info!(identity = %s.identity, lease = %s.name, ?decision, "acquired the leader lease");
                }
                Ok(true)
            }
            // another replica wrote it between our read and write
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(self.kube_error("write", e)),
        }
    }

    /// Lets the Lease go (on a graceful shutdown), so another replica takes over at once instead
    /// of after the lease duration. Does nothing unless this replica holds it.
    ///
    /// # Errors
    /// [`Error::Kube`] when the API server cannot be asked.
    pub async fn release(&self) -> Result<()> {
        let s = &self.settings;
        let Some(mut lease) = self
            .api
            .get_opt(&s.name)
            .await
            .map_err(|e| self.kube_error("read", e))?
        else {
            return Ok(());
        };
        let Some(spec) = lease.spec.as_mut() else {
            return Ok(());
        };
        if spec.holder_identity.as_deref() != Some(s.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(Timestamp::now()));
        match self.api.replace(&s.name, &PostParams::default(), &lease).await {
            Ok(_) => {
                tracing::info!(lease = %s.name, "released the leader lease");
                Ok(())
            }
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(e) => Err(self.kube_error("release", e)),
        }
    }

    /// Tries every retry period until this replica leads, then renews every retry period.
    /// `leading` says whether it leads. Returns [`Error::LostLease`] once a leader could not
    /// renew within the renew deadline (or found another holder): it must stop reconciling.
    /// Never returns otherwise; drop the future (or abort its task) to stop.
    ///
    /// # Errors
    /// [`Error::LostLease`].
    pub async fn run(&self, leading: watch::Sender<bool>) -> Result<()> {
        let s = &self.settings;
        let mut last_renewal: Option<tokio::time::Instant> = None;
        loop {
            let attempt = tokio::time::timeout(s.renew_deadline, self.try_acquire_or_renew()).await;
            let now = tokio::time::Instant::now();
            match attempt {
                Ok(Ok(true)) => {
                    if last_renewal.is_none() {
                        let _ = leading.send(true);
                    }
                    last_renewal = Some(now);
                }
                Ok(Ok(false)) if last_renewal.is_some() => {
                    let _ = leading.send(false);
                    return Err(self.lost("another replica holds it"));
                }
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!(error = %crate::error::chain(&e), "leader election"),
                Err(_) => tracing::warn!("leader election: the API server did not answer in time"),
            }
            if let Some(at) = last_renewal
                && now.duration_since(at) >= s.renew_deadline
            {
                let _ = leading.send(false);
                return Err(self.lost("no renewal within the renew deadline"));
            }
            tokio::time::sleep(s.retry_period).await;
        }
    }

    fn lost(&self, reason: &str) -> Error {
        Error::LostLease {
            namespace: self.settings.namespace.clone(),
            name: self.settings.name.clone(),
            reason: reason.into(),
        }
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The lease duration in whole seconds, as the Lease stores it.
    #[must_use]
    pub fn lease_seconds(&self) -> i32 {
        self.settings.lease_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Duration = Duration::from_secs(15);

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("a timestamp")
    }

    fn held(holder: &str, renewed: i64, seconds: Option<i32>) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(holder.into()),
            renew_time: Some(MicroTime(at(renewed))),
            acquire_time: Some(MicroTime(at(renewed - 100))),
            lease_duration_seconds: seconds,
            lease_transitions: Some(3),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn a_held_lease_is_waited_for_until_it_expires_and_taken_over_at_expiry() {
        let lease = held("b", 0, Some(15));
        assert_eq!(
            decide(Some(&lease), "a", at(14), D),
            Decision::Wait {
                holder: "b".into(),
                expires: at(15)
            }
        );
        assert_eq!(decide(Some(&lease), "a", at(15), D), Decision::TakeOver);
        assert_eq!(decide(Some(&lease), "a", at(400), D), Decision::TakeOver);
    }

    #[test]
    fn the_holder_renews_and_an_empty_holder_is_taken_over() {
        assert_eq!(
            decide(Some(&held("a", 0, Some(15))), "a", at(1000), D),
            Decision::Renew
        );
        assert_eq!(
            decide(Some(&held("", 0, Some(15))), "a", at(1), D),
            Decision::TakeOver
        );
        let released = LeaseSpec::default();
        assert_eq!(decide(Some(&released), "a", at(1), D), Decision::TakeOver);
    }

    #[test]
    fn a_lease_without_duration_lasts_the_default_and_one_without_times_is_taken_over() {
        let lease = held("b", 0, None);
        assert!(matches!(
            decide(Some(&lease), "a", at(14), D),
            Decision::Wait { .. }
        ));
        assert_eq!(decide(Some(&lease), "a", at(15), D), Decision::TakeOver);
        let timeless = LeaseSpec {
            holder_identity: Some("b".into()),
            ..LeaseSpec::default()
        };
        assert_eq!(decide(Some(&timeless), "a", at(0), D), Decision::TakeOver);
        // a hostile duration does not overflow
        let forever = held("b", 0, Some(i32::MAX));
        assert!(matches!(
            decide(Some(&forever), "a", at(1_000_000), D),
            Decision::Wait { .. }
        ));
        let negative = held("b", 0, Some(-5));
        assert!(matches!(
            decide(Some(&negative), "a", at(14), D),
            Decision::Wait { .. }
        ));
    }

    #[test]
    fn claims_count_transitions_only_when_the_holder_changes() {
        let previous = held("b", 0, Some(15));
        let taken = claim(Some(&previous), "a", at(20), D, &Decision::TakeOver);
        assert_eq!(taken.holder_identity.as_deref(), Some("a"));
        assert_eq!(taken.lease_transitions, Some(4));
        assert_eq!(taken.acquire_time, Some(MicroTime(at(20))));
        assert_eq!(taken.renew_time, Some(MicroTime(at(20))));
        assert_eq!(taken.lease_duration_seconds, Some(15));

        let renewed = claim(Some(&taken), "a", at(22), D, &Decision::Renew);
        assert_eq!(renewed.lease_transitions, Some(4));
        assert_eq!(renewed.acquire_time, Some(MicroTime(at(20))));
        assert_eq!(renewed.renew_time, Some(MicroTime(at(22))));
    }

    #[test]
    fn settings_keep_retry_below_deadline_below_duration() {
        let s = Settings::new("ns", "l", "me").with_lease_duration(Duration::from_secs(6));
        assert_eq!(s.renew_deadline, Duration::from_secs(4));
        assert_eq!(s.retry_period, Duration::from_millis(800));
        assert!(s.validate().is_ok());
        let mut bad = s.clone();
        bad.renew_deadline = Duration::from_secs(6);
        assert!(bad.validate().is_err());
        let zero = Settings::new("ns", "l", "me").with_lease_duration(Duration::ZERO);
        assert!(zero.validate().is_err());
        assert!(Settings::new("ns", "l", "").validate().is_err());
    }
}
