//! Applying and deleting one object on behalf of an application, with the ownership rules:
//! an object another application owns, or that nobody owns, is never overwritten or deleted,
//! and nothing is deleted because a read failed.
//!
//! Ownership is what delivery stamps on every object: the labels `app.oam.dev/name` and
//! `app.oam.dev/namespace`, as KubeVela does.

use std::collections::BTreeMap;

use serde_json::Value;
use vela_model::labels::label;
use vela_multicluster::{Key, Objects};

use crate::policy::{Origin, Rules};
use crate::{Error, Result};

/// The application an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Owner {
    pub(crate) name: String,
    pub(crate) namespace: String,
}

impl Owner {
    pub(crate) fn new(name: &str, namespace: &str) -> Self {
        Self {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
        }
    }

    /// `namespace/name`, as errors and [`owner_of`] spell it.
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The labels delivery stamps on every object it applies.
    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (label::APP_NAME.to_owned(), self.name.clone()),
            (label::APP_NAMESPACE.to_owned(), self.namespace.clone()),
        ])
    }
}

/// Who owns a live object, by the labels delivery stamps: `Some("ns/name")`, or `None`.
pub(crate) fn owner_of(live: &Value) -> Option<String> {
    let labels = &live["metadata"]["labels"];
    let name = labels.get(label::APP_NAME)?.as_str()?;
    let namespace = labels
        .get(label::APP_NAMESPACE)
        .and_then(Value::as_str)
        .unwrap_or("default");
    Some(format!("{namespace}/{name}"))
}

/// Applies `obj` (rendered by `origin`) to `cluster` for `owner` under the policies' `rules`:
/// stamps the owner labels, refuses an existing object another application or nobody owns, and
/// returns the live object.
pub(crate) async fn apply(
    objects: &dyn Objects,
    cluster: &str,
    owner: &Owner,
    rules: &Rules,
    origin: &Origin<'_>,
    mut obj: Value,
) -> Result<(Key, Value)> {
    let _ = (rules, origin);
    for (k, v) in owner.labels() {
        obj["metadata"]["labels"][k] = Value::String(v);
    }
    let key = Key::of(cluster, &obj)?;
    check_owner(objects, &key, owner).await?;
    let live = objects.apply(cluster, obj).await?;
    Ok((key, live))
}

/// Refuses an existing object that another application, or nobody, owns.
pub(crate) async fn check_owner(objects: &dyn Objects, key: &Key, owner: &Owner) -> Result<()> {
    let Some(live) = objects.get(key).await? else {
        return Ok(());
    };
    match owner_of(&live) {
        Some(found) if found == owner.id() => Ok(()),
        Some(found) => Err(Error::OwnedByAnother {
            cluster: key.cluster.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
            owner: found,
        }),
        None => Err(Error::NotOwned {
            cluster: key.cluster.clone(),
            kind: key.kind.clone(),
            namespace: key.namespace.clone(),
            name: key.name.clone(),
        }),
    }
}

/// Deletes an object if `owner` owns it; a failed read deletes nothing. Returns whether it
/// deleted something.
pub(crate) async fn delete_owned(objects: &dyn Objects, key: &Key, owner: &Owner) -> Result<bool> {
    let Some(live) = objects.get(key).await? else {
        return Ok(false);
    };
    if owner_of(&live).as_deref() != Some(&owner.id()) {
        return Ok(false);
    }
    Ok(objects.delete(key).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owners_come_from_the_labels() {
        let live =
            json!({"metadata": {"labels": {"app.oam.dev/name": "shop", "app.oam.dev/namespace": "team"}}});
        assert_eq!(owner_of(&live).as_deref(), Some("team/shop"));
        assert_eq!(owner_of(&json!({"metadata": {}})), None);
        assert_eq!(Owner::new("shop", "team").id(), "team/shop");
    }
}
