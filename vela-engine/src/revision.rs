//! ApplicationRevisions: a snapshot of every distinct application spec the engine delivered,
//! kept in the hub as KubeVela keeps them (`core.oam.dev/v1beta1 ApplicationRevision`
//! `<app>-v<N>` in the application's namespace, labelled with `app.oam.dev/name` and
//! `app.oam.dev/app-revision-hash`).
//!
//! A revision is reused while the hash of the spec (and of the `publishVersion` annotation)
//! is unchanged. With `app.oam.dev/publishVersion`, the revision is explicit: while the
//! annotation equals the latest revision's, that revision's application is delivered and spec
//! edits wait for a new publish version. The oldest revisions beyond the limit are deleted.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use vela_model::application::Application;
use vela_model::labels::{annotation, label};
use vela_multicluster::{Key, Objects};
use vela_render::{Kind, Registry};

use crate::{Error, Result};

const API_VERSION: &str = "core.oam.dev/v1beta1";
const KIND: &str = "ApplicationRevision";
/// KubeVela's `--application-revision-limit` default.
pub(crate) const DEFAULT_LIMIT: usize = 10;

/// The revision a reconcile delivers.
#[derive(Debug, Clone)]
pub(crate) struct Revision {
    /// `<app>-v<N>`.
    pub(crate) name: String,
    /// `N`.
    pub(crate) number: i64,
    /// The spec's hash.
    pub(crate) hash: String,
    /// The application to deliver (the stored one under an unchanged publish version).
    pub(crate) app: Application,
}

/// The hash of what makes a revision: the spec and the publish version, and with
/// `app.oam.dev/autoUpdate: "true"` the digests of the definitions the spec uses (so that a
/// changed definition makes a new revision, which renders and delivers again).
pub(crate) fn hash(app: &Application, registry: &Registry) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&app.spec).unwrap_or_default());
    if let Some(v) = publish_version(app) {
        h.update(b"\0publishVersion\0");
        h.update(v.as_bytes());
    }
    if auto_update(app) {
        h.update(b"\0definitions\0");
        let mut used: Vec<(Kind, &str)> = Vec::new();
        for c in &app.spec.components {
            used.push((Kind::Component, &c.type_));
            used.extend(c.traits.iter().map(|t| (Kind::Trait, t.type_.as_str())));
        }
        used.extend(app.spec.policies.iter().map(|p| (Kind::Policy, p.type_.as_str())));
        for (kind, type_) in used {
            let digest = registry
                .get(kind, type_)
                .map_or_else(|_| "-".to_owned(), |d| d.digest());
            h.update(type_.as_bytes());
            h.update(b"=");
            h.update(digest.as_bytes());
            h.update(b";");
        }
    }
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the application asks to be delivered again when its definitions change.
fn auto_update(app: &Application) -> bool {
    app.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotation::AUTO_UPDATE))
        .is_some_and(|v| v == "true")
}

fn publish_version(app: &Application) -> Option<&str> {
    app.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotation::PUBLISH_VERSION))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// The revision to deliver for `app` (`name` in `namespace`): the latest one if its hash (or,
/// with a publish version, its publish version) matches, else a new one; revisions beyond
/// `limit` are deleted, oldest first.
pub(crate) async fn prepare(
    hub: &dyn Objects,
    app: &Application,
    registry: &Registry,
    name: &str,
    namespace: &str,
    limit: usize,
) -> Result<Revision> {
    let hash = hash(app, registry);
    // the common case, a spec the latest revision already holds: no listing
    if let Some(latest) = app.status.as_ref().and_then(|s| s.latest_revision.as_ref())
        && latest.revision_hash == hash
        && latest.name == revision_name(name, latest.revision)
        && hub.get_shared(&key(namespace, &latest.name)).await?.is_some()
    {
        return Ok(Revision {
            name: latest.name.clone(),
            number: latest.revision,
            hash,
            app: app.clone(),
        });
    }
    // a new application (no revision in its status, none named <app>-v1): the first revision,
    // without listing
    let fresh = app.metadata.generation.unwrap_or(1) == 1
        && app
            .status
            .as_ref()
            .and_then(|s| s.latest_revision.as_ref())
            .is_none()
        && hub
            .get_shared(&key(namespace, &revision_name(name, 1)))
            .await?
            .is_none();
    let selector = BTreeMap::from([(label::APP_NAME.to_owned(), name.to_owned())]);
    let mut existing: Vec<(i64, Value)> = if fresh {
        Vec::new()
    } else {
        hub.list("", API_VERSION, KIND, namespace, &selector)
            .await?
            .into_iter()
            .filter_map(|r| number_of(name, &r).map(|n| (n, r)))
            .collect()
    };
    existing.sort_by_key(|(n, _)| *n);
    if let Some((number, latest)) = existing.last() {
        let latest_hash = latest["metadata"]["labels"][label::APP_REVISION_HASH]
            .as_str()
            .unwrap_or_default();
        let latest_publish = latest["metadata"]["annotations"][annotation::PUBLISH_VERSION].as_str();
        let same_publish = publish_version(app).is_some() && publish_version(app) == latest_publish;
        if latest_hash == hash || same_publish {
            let stored = if same_publish && latest_hash != hash {
                // an unchanged publish version keeps delivering what was published
                let mut stored: Application = serde_json::from_value(latest["spec"]["application"].clone())
                    .map_err(|source| Error::Stored {
                    what: format!("ApplicationRevision {namespace}/{name}-v{number}"),
                    source,
                })?;
                stored.metadata.namespace = Some(namespace.to_owned());
                stored
            } else {
                app.clone()
            };
            return Ok(Revision {
                name: revision_name(name, *number),
                number: *number,
                hash: latest_hash.to_owned(),
                app: stored,
            });
        }
    }
    let number = existing.last().map_or(1, |(n, _)| n + 1);
    let mut annotations = serde_json::Map::new();
    if let Some(v) = publish_version(app) {
        annotations.insert(annotation::PUBLISH_VERSION.into(), Value::String(v.to_owned()));
    }
    let obj = json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": revision_name(name, number),
            "namespace": namespace,
            "labels": {label::APP_NAME: name, label::APP_REVISION_HASH: hash},
            "annotations": annotations,
        },
        "spec": {"application": serde_json::to_value(app).unwrap_or(Value::Null)},
    });
    hub.apply_shared("", obj).await?;
    existing.push((number, Value::Null));
    let excess = existing.len().saturating_sub(limit.max(1));
    for (old, _) in existing.iter().take(excess) {
        hub.delete(&key(namespace, &revision_name(name, *old))).await?;
    }
    Ok(Revision {
        name: revision_name(name, number),
        number,
        hash,
        app: app.clone(),
    })
}

/// Deletes every revision of an application.
pub(crate) async fn delete_all(hub: &dyn Objects, name: &str, namespace: &str) -> Result<()> {
    let selector = BTreeMap::from([(label::APP_NAME.to_owned(), name.to_owned())]);
    for r in hub.list("", API_VERSION, KIND, namespace, &selector).await? {
        if let Some(n) = number_of(name, &r) {
            hub.delete(&key(namespace, &revision_name(name, n))).await?;
        }
    }
    Ok(())
}

fn revision_name(app: &str, number: i64) -> String {
    format!("{app}-v{number}")
}

fn key(namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// `N` of a revision `<app>-v<N>` of this application.
fn number_of(app: &str, revision: &Value) -> Option<i64> {
    revision["metadata"]["name"]
        .as_str()?
        .strip_prefix(app)?
        .strip_prefix("-v")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_numbers_belong_to_their_application() {
        let r = json!({"metadata": {"name": "shop-v12"}});
        assert_eq!(number_of("shop", &r), Some(12));
        assert_eq!(number_of("sho", &r), None);
        assert_eq!(number_of("shop", &json!({"metadata": {"name": "shop-vx"}})), None);
    }

    #[test]
    fn the_hash_follows_the_spec_and_the_publish_version() {
        let mut app = Application::new("a", vela_model::application::Spec::with_components(vec![]));
        let h1 = hash(&app, &Registry::builtin());
        assert_eq!(h1.len(), 16);
        app.metadata.annotations = Some(BTreeMap::from([(
            annotation::PUBLISH_VERSION.to_owned(),
            "v1".to_owned(),
        )]));
        assert_ne!(hash(&app, &Registry::builtin()), h1);
    }
}
