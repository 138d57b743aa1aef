//! Delivering an Application: validate, store it in the hub, render, apply every object with
//! the ownership rules, track what was applied, collect what the new generation no longer
//! renders, and report the status. Deleting it collects everything it owns.

use serde_json::Value;
use vela_model::application::Application;
use vela_model::application::Status;
use vela_model::common::ResourceCreator;
use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::Key;
use vela_render::ComponentManifest;

use crate::apply::{self, Owner};
use crate::policy::{Origin, Rules};
use crate::{Engine, Error, Result};
use crate::{collect, tracker};

/// What a delivery did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivered {
    /// The application generation that was delivered.
    pub generation: i64,
    /// The objects applied, in order.
    pub applied: Vec<Key>,
    /// The objects of earlier generations that were deleted because this one no longer
    /// renders them.
    pub collected: Vec<Key>,
    /// The status written to the Application.
    pub status: Status,
}

/// What deleting an application did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Removed {
    /// The objects deleted (or, with `orphan`, left in place).
    pub objects: Vec<Key>,
    /// Whether the objects were left in place.
    pub orphaned: bool,
}

/// The key of an Application object in the hub.
pub(crate) fn app_key(namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1beta1".into(),
        kind: "Application".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn identity(app: &Application) -> (String, String) {
    let name = app.metadata.name.clone().unwrap_or_default();
    let namespace = app.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    (name, namespace)
}

fn managed(key: &Key, component: &str, trait_type: &str, raw: &Value) -> ManagedResource {
    ManagedResource {
        cluster: key.cluster.clone(),
        creator: Some(ResourceCreator::Workflow),
        api_version: key.api_version.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
        uid: raw["metadata"]["uid"].as_str().unwrap_or_default().to_owned(),
        component: component.to_owned(),
        trait_: trait_type.to_owned(),
        raw: Some(raw.clone()),
        ..ManagedResource::default()
    }
}

impl Engine {
    /// Delivers `app`: validates it, stores it in the hub, renders every component, applies
    /// each object (refusing objects another application or nobody owns), records them in the
    /// generation's ResourceTracker, deletes what earlier generations applied and this one does
    /// not render, and writes the status (health from each definition's health policy over
    /// the live objects).
    ///
    /// Components are applied in `dependsOn` order; the objects go to the hub cluster (`""`).
    ///
    /// # Errors
    /// [`Error::Invalid`] with every model problem, [`Error::Render`], [`Error::OwnedByAnother`]
    /// and [`Error::NotOwned`] for objects the application may not touch, [`Error::Cluster`]
    /// when a cluster fails. Objects applied before a failure stay tracked, so a later delivery
    /// or a deletion finds them.
    pub async fn up(&self, app: &Application) -> Result<Delivered> {
        app.validate()?;
        let (name, namespace) = identity(app);
        let span = tracing::info_span!("engine.up", app = %name, namespace = %namespace);
        let _guard = span.enter();
        let manifests = self.renderer().render(app)?;
        let stored = self.store_app(app, &namespace).await?;
        let generation = stored["metadata"]["generation"].as_i64().unwrap_or(1);

        let mut resources: Vec<ManagedResource> = Vec::new();
        let mut applied = Vec::new();
        let outcome = self
            .apply_all(app, &manifests, &name, &namespace, &mut resources, &mut applied)
            .await;
        // what was applied is tracked even when a later object failed
        tracker::store(
            self.clusters().as_ref(),
            &name,
            &namespace,
            generation,
            &resources,
        )
        .await?;
        outcome?;

        let owner = Owner::new(&name, &namespace);
        let collected = collect::collect(self.clusters().as_ref(), &owner, generation, &resources).await?;
        let status = self.status_of(app, &manifests, &resources, generation).await?;
        self.clusters()
            .set_status(
                &app_key(&namespace, &name),
                serde_json::to_value(&status).unwrap_or(Value::Null),
            )
            .await?;
        Ok(Delivered {
            generation,
            applied,
            collected,
            status,
        })
    }

    /// Stores the Application in the hub (its generation counts spec changes).
    async fn store_app(&self, app: &Application, namespace: &str) -> Result<Value> {
        let mut obj = serde_json::to_value(app).map_err(|source| Error::Stored {
            what: "Application".into(),
            source,
        })?;
        obj["metadata"]["namespace"] = Value::String(namespace.to_owned());
        if let Some(meta) = obj["metadata"].as_object_mut() {
            for server_side in [
                "resourceVersion",
                "uid",
                "generation",
                "creationTimestamp",
                "managedFields",
            ] {
                meta.remove(server_side);
            }
        }
        if let Some(map) = obj.as_object_mut() {
            map.remove("status");
        }
        Ok(self.clusters().apply("", obj).await?)
    }

    async fn apply_all(
        &self,
        app: &Application,
        manifests: &[ComponentManifest],
        name: &str,
        namespace: &str,
        resources: &mut Vec<ManagedResource>,
        applied: &mut Vec<Key>,
    ) -> Result<()> {
        let owner = Owner::new(name, namespace);
        let rules = Rules::of(app)?;
        for index in dependency_order(app) {
            let manifest = &manifests[index];
            let objects = std::iter::once((vela_render::render::AUXILIARY_WORKLOAD, &manifest.workload))
                .take(usize::from(!manifest.workload.is_null()))
                .map(|(t, v)| (t.to_owned(), v))
                .chain(manifest.objects.iter().map(|o| (o.trait_type.clone(), &o.value)));
            for (trait_type, obj) in objects {
                let mut obj = obj.clone();
                if obj["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty()
                {
                    obj["metadata"]["namespace"] = Value::String(manifest.namespace.clone());
                }
                let trait_type = if trait_type == vela_render::render::AUXILIARY_WORKLOAD {
                    String::new()
                } else {
                    trait_type
                };
                let origin = Origin {
                    component: &manifest.name,
                    component_type: &app.spec.components[index].type_,
                    trait_type: Some(trait_type.as_str()).filter(|t| !t.is_empty()),
                };
                let (key, live) =
                    apply::apply(self.clusters().as_ref(), "", &owner, &rules, &origin, obj).await?;
                resources.push(managed(&key, &manifest.name, &trait_type, &live));
                applied.push(key);
            }
        }
        Ok(())
    }

    /// Deletes an application and everything it owns (with `orphan`, the objects stay and only
    /// the tracking goes). Returns `None` when there is no such application.
    ///
    /// # Errors
    /// [`Error::Cluster`] when a cluster fails; nothing is deleted because a read failed.
    pub async fn delete(&self, namespace: &str, name: &str, orphan: bool) -> Result<Option<Removed>> {
        let key = app_key(namespace, name);
        let owner = Owner::new(name, namespace);
        if self.clusters().get(&key).await?.is_none() {
            return Ok(None);
        }
        let objects = collect::remove_all(self.clusters().as_ref(), &owner, orphan).await?;
        self.clusters().delete(&key).await?;
        Ok(Some(Removed {
            objects,
            orphaned: orphan,
        }))
    }

    /// The stored Application with its status, or `None`.
    ///
    /// # Errors
    /// [`Error::Cluster`] when the hub fails; [`Error::Stored`] when the stored object does not
    /// decode.
    pub async fn get(&self, namespace: &str, name: &str) -> Result<Option<Application>> {
        let Some(obj) = self.clusters().get(&app_key(namespace, name)).await? else {
            return Ok(None);
        };
        decode_app(obj).map(Some)
    }

    /// Every stored Application, in one namespace or (`None`) in all.
    ///
    /// # Errors
    /// As [`Engine::get`].
    pub async fn list(&self, namespace: Option<&str>) -> Result<Vec<Application>> {
        let items = self
            .clusters()
            .list(
                "",
                "core.oam.dev/v1beta1",
                "Application",
                namespace.unwrap_or(""),
                &Default::default(),
            )
            .await?;
        items.into_iter().map(decode_app).collect()
    }
}

fn decode_app(obj: Value) -> Result<Application> {
    let what = format!(
        "Application {}/{}",
        obj["metadata"]["namespace"].as_str().unwrap_or_default(),
        obj["metadata"]["name"].as_str().unwrap_or_default()
    );
    serde_json::from_value(obj).map_err(|source| Error::Stored { what, source })
}

/// Component indexes in an order where every component comes after its `dependsOn`
/// (validation has refused cycles and unknown names; anything left keeps its place).
fn dependency_order(app: &Application) -> Vec<usize> {
    let comps = &app.spec.components;
    let mut done: Vec<bool> = vec![false; comps.len()];
    let mut order = Vec::with_capacity(comps.len());
    while order.len() < comps.len() {
        let before = order.len();
        for (i, c) in comps.iter().enumerate() {
            let ready = c
                .depends_on
                .iter()
                .all(|d| comps.iter().position(|o| &o.name == d).is_none_or(|j| done[j]));
            if !done[i] && ready {
                done[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            order.extend((0..comps.len()).filter(|i| !done[*i]));
            break;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn components_follow_their_dependencies() {
        let app: Application = serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
            "spec": {"components": [
                {"name": "web", "type": "webservice", "dependsOn": ["db"]},
                {"name": "db", "type": "webservice", "dependsOn": ["cache"]},
                {"name": "cache", "type": "webservice"}]}}))
        .unwrap();
        assert_eq!(dependency_order(&app), [2, 1, 0]);
    }
}
