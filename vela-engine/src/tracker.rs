//! ResourceTrackers: which objects an Application owns, kept in the hub as KubeVela keeps them
//! (cluster-scoped `core.oam.dev/v1beta1` `ResourceTracker`, one `versioned` tracker per
//! application generation, named `<app>-v<generation>-<namespace>`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use vela_model::resource_tracker::{ManagedResource, Spec, TrackerType};
use vela_multicluster::{Key, Objects};

use crate::{Error, Result};

/// The API version of ResourceTrackers.
pub(crate) const API_VERSION: &str = "core.oam.dev/v1beta1";

/// The name of the versioned tracker of an application generation.
pub(crate) fn versioned_name(app: &str, namespace: &str, generation: i64) -> String {
    format!("{app}-v{generation}-{namespace}")
}

/// The labels that tie a tracker (and every delivered object) to its application.
pub(crate) fn owner_labels(app: &str, namespace: &str) -> BTreeMap<String, String> {
    crate::apply::Owner::new(app, namespace).labels()
}

/// A tracker as stored: its name and spec.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    pub(crate) name: String,
    pub(crate) spec: Spec,
}

impl Tracker {
    pub(crate) fn key(&self) -> Key {
        Key {
            cluster: String::new(),
            api_version: API_VERSION.into(),
            kind: "ResourceTracker".into(),
            namespace: String::new(),
            name: self.name.clone(),
        }
    }
}

/// Every tracker of an application in the hub.
pub(crate) async fn list(clusters: &dyn Objects, app: &str, namespace: &str) -> Result<Vec<Tracker>> {
    let items = clusters
        .list(
            "",
            API_VERSION,
            "ResourceTracker",
            "",
            &owner_labels(app, namespace),
        )
        .await?;
    items
        .into_iter()
        .map(|obj| {
            let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_owned();
            let spec = serde_json::from_value(obj["spec"].clone()).map_err(|source| Error::Stored {
                what: format!("ResourceTracker {name}"),
                source,
            })?;
            Ok(Tracker { name, spec })
        })
        .collect()
}

/// Writes a versioned tracker for `generation` with `resources`.
pub(crate) async fn store(
    clusters: &dyn Objects,
    app: &str,
    namespace: &str,
    generation: i64,
    resources: &[ManagedResource],
) -> Result<()> {
    let spec = Spec {
        type_: Some(TrackerType::Versioned),
        application_generation: generation,
        managed_resources: resources.to_vec(),
    };
    let obj = json!({
        "apiVersion": API_VERSION,
        "kind": "ResourceTracker",
        "metadata": {"name": versioned_name(app, namespace, generation), "labels": owner_labels(app, namespace)},
        "spec": serde_json::to_value(&spec).unwrap_or(Value::Null),
    });
    clusters.apply("", obj).await?;
    Ok(())
}

/// The key of a tracked object.
pub(crate) fn key_of(r: &ManagedResource) -> Key {
    Key {
        cluster: r.cluster.clone(),
        api_version: r.api_version.clone(),
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kubevela() {
        assert_eq!(versioned_name("shop", "default", 3), "shop-v3-default");
        assert_eq!(owner_labels("shop", "team")["app.oam.dev/namespace"], "team");
    }
}
