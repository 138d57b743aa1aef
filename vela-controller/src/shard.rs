//! Sharding, as KubeVela (v1.8+) divides Applications between controllers: each controller
//! reconciles only the Applications labelled [`SCHEDULED_SHARD_LABEL`]` = <its shard id>`, so
//! the work and the watch cache are divided.
//!
//! KubeVela's master shard assigns new Applications in a mutating webhook. Vela-rs has no
//! webhook: the master runs a background [`Scheduler`] instead (what KubeVela's design lists as
//! future work), which watches the Applications that carry no shard label and labels each with
//! the next of the schedulable shards, in turn. With no schedulable shards it labels them
//! `master`, so that no Application is left unhandled. An Application already labelled is never
//! moved: re-scheduling is done by changing the label (`vela up --shard-id`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt as _;
use kube::api::{Patch, PatchParams};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, Client};
use serde_json::json;

use crate::reconcile::Meta;
use crate::{Error, Result};

/// The label that assigns an Application to a shard (KubeVela's
/// `LabelKubeVelaScheduledShardID`).
pub const SCHEDULED_SHARD_LABEL: &str = "controller.core.oam.dev/scheduled-shard-id";

/// The shard that schedules the others (KubeVela's `MasterShardID`).
pub const MASTER: &str = "master";

/// A controller's place among the shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharding {
    /// This controller's shard id (`--shard-id`, default [`MASTER`]).
    pub shard_id: String,
    /// The shards the master assigns new Applications to (`--schedulable-shards`); empty:
    /// itself.
    pub schedulable: Vec<String>,
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
            shard_id,
            schedulable,
        })
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

/// The master's scheduler: labels every Application without [`SCHEDULED_SHARD_LABEL`] with
/// the next schedulable shard, in turn.
#[derive(Debug)]
pub struct Scheduler {
    shards: Vec<String>,
    next: AtomicUsize,
}

impl Scheduler {
    /// A scheduler over the schedulable shards of `sharding` (itself when there are none).
    #[must_use]
    pub fn new(sharding: &Sharding) -> Self {
        let shards = if sharding.schedulable.is_empty() {
            vec![sharding.shard_id.clone()]
        } else {
            sharding.schedulable.clone()
        };
        Self {
            shards,
            next: AtomicUsize::new(0),
        }
    }

    /// The shard of the next Application: the schedulable shards in turn.
    ///
    /// ```
    /// use vela_controller::shard::{Scheduler, Sharding};
    /// let s = Scheduler::new(&Sharding::new("master", vec!["a".into(), "b".into()]).unwrap());
    /// assert_eq!([s.pick(), s.pick(), s.pick()], ["a", "b", "a"]);
    /// let alone = Scheduler::new(&Sharding::new("master", vec![]).unwrap());
    /// assert_eq!(alone.pick(), "master");
    /// ```
    pub fn pick(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        &self.shards[i]
    }

    /// Watches the unscheduled Applications (in `namespace`, or every namespace) until
    /// `shutdown` completes, labelling each. A label write that fails is logged; the watch
    /// brings the Application again when it changes, and a restart lists it again.
    pub async fn run(
        self: Arc<Self>,
        client: Client,
        namespace: Option<String>,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        let api: Api<Meta> = match &namespace {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        };
        let config = watcher::Config::default().labels(&format!("!{SCHEDULED_SHARD_LABEL}"));
        let stream = watcher(api, config).default_backoff().applied_objects();
        tracing::info!(shards = ?self.shards, "scheduling unlabelled Applications to shards");
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
                let shard = this.pick().to_owned();
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
        let picks: Vec<String> = (0..7).map(|_| s.pick().to_owned()).collect();
        assert_eq!(picks, ["a", "b", "c", "a", "b", "c", "a"]);
    }
}
