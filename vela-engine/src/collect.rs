//! Garbage collection: after a successful delivery, what earlier generations applied and the
//! current one does not is deleted (only while the application still owns it), then the old
//! generations' trackers go.

use std::collections::BTreeSet;

use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::{Key, Objects};

use crate::Result;
use crate::apply::{Owner, delete_owned};
use crate::tracker;

/// Deletes what earlier generations track and `current` does not, then their trackers.
/// Returns the objects deleted.
pub(crate) async fn collect(
    objects: &dyn Objects,
    owner: &Owner,
    generation: i64,
    current: &[ManagedResource],
) -> Result<Vec<Key>> {
    let keep: BTreeSet<String> = current.iter().map(ManagedResource::key).collect();
    let mut collected = Vec::new();
    let current_name = tracker::versioned_name(&owner.name, &owner.namespace, generation);
    for old in tracker::list(objects, &owner.name, &owner.namespace).await? {
        if old.name == current_name {
            continue;
        }
        for r in &old.spec.managed_resources {
            if keep.contains(&r.key()) || r.skip_gc {
                continue;
            }
            let key = tracker::key_of(r);
            if delete_owned(objects, &key, owner).await? {
                collected.push(key);
            }
        }
        objects.delete(&old.key()).await?;
    }
    Ok(collected)
}
