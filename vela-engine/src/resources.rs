//! What an Application owns, read from its ResourceTrackers (for `vela status --tree`).

use std::collections::BTreeSet;

use vela_model::resource_tracker::{ManagedResource, TrackerType};

use crate::{Engine, Result, tracker};

/// One object an Application owns, as its ResourceTrackers record it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The tracker entry (cluster `""` is the hub; `raw` left out).
    pub resource: ManagedResource,
    /// The tracker that records it.
    pub tracker: String,
    /// Whether the current generation owns it (its versioned tracker, or the root tracker);
    /// `false` for objects only an older generation recorded (not collected yet).
    pub current: bool,
}

impl Engine {
    /// Every object the application `namespace/name` owns, from its ResourceTrackers: the
    /// current generation's first, then the root tracker's, then older generations' (newest
    /// first), each object once, in the order the trackers record them. Entries marked deleted
    /// are left out; an application without trackers owns nothing.
    ///
    /// # Errors
    /// [`crate::Error::Cluster`] when the hub fails; [`crate::Error::Stored`] when a tracker does
    /// not decode.
    pub async fn tracked(&self, namespace: &str, name: &str) -> Result<Vec<Tracked>> {
        let mut trackers = tracker::list(self.clusters().as_ref(), name, namespace).await?;
        let latest = trackers
            .iter()
            .filter(|t| !t.is_root())
            .map(|t| t.spec.application_generation)
            .max();
        // current versioned, root, then older versioned by generation (newest first)
        let rank = |t: &tracker::Tracker| match (t.spec.type_, Some(t.spec.application_generation)) {
            (Some(TrackerType::Root), _) => (1, 0),
            (_, g) if g == latest => (0, 0),
            (_, g) => (2, -g.unwrap_or_default()),
        };
        trackers.sort_by_key(|t| rank(t));
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for t in &trackers {
            let current = rank(t).0 < 2;
            for r in &t.resources {
                if r.deleted || !seen.insert(r.key()) {
                    continue;
                }
                out.push(Tracked {
                    resource: ManagedResource {
                        raw: None,
                        ..ManagedResource::clone(r)
                    },
                    tracker: t.name.clone(),
                    current,
                });
            }
        }
        Ok(out)
    }
}
