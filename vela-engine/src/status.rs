//! The status of a delivered Application: health of every component and trait from its
//! definition's health policy over the live objects, the applied resources, the phase.

use std::collections::HashMap;

use serde_json::Value;
use vela_model::application::Application;
use vela_model::application::{ComponentStatus, Phase, Status, TraitStatus};
use vela_model::common::{ClusterObjectReference, WorkloadGvk};
use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::Key;
use vela_render::ComponentManifest;

use crate::{Engine, Result};

impl Engine {
    /// Reads the live objects of every component and evaluates its health.
    pub(crate) async fn status_of(
        &self,
        app: &Application,
        manifests: &[ComponentManifest],
        resources: &[ManagedResource],
        generation: i64,
    ) -> Result<Status> {
        let mut live: HashMap<Key, Value> = HashMap::new();
        for r in resources {
            let key = crate::tracker::key_of(r);
            if let Some(obj) = self.clusters().get(&key).await? {
                live.insert(key, obj);
            }
        }
        let mut services = Vec::new();
        for (comp, manifest) in app.spec.components.iter().zip(manifests) {
            let lookup = |rendered: &Value| {
                let mut obj = rendered.clone();
                if obj["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty()
                {
                    obj["metadata"]["namespace"] = Value::String(manifest.namespace.clone());
                }
                let key = Key::of("", &obj).ok()?;
                live.get(&key).cloned()
            };
            let report = vela_render::health::evaluate(self.renderer().registry(), comp, manifest, lookup)?;
            services.push(ComponentStatus {
                name: comp.name.clone(),
                namespace: manifest.namespace.clone(),
                workload_definition: WorkloadGvk {
                    api_version: manifest.workload["apiVersion"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    kind: manifest.workload["kind"].as_str().unwrap_or_default().to_owned(),
                },
                healthy: report.healthy(),
                workload_healthy: Some(report.component.healthy),
                message: report.component.message.clone(),
                details: report.component.details.clone(),
                traits: report
                    .traits
                    .iter()
                    .map(|(type_, s)| TraitStatus {
                        type_: type_.clone(),
                        healthy: s.healthy,
                        message: s.message.clone(),
                        details: s.details.clone(),
                        ..TraitStatus::default()
                    })
                    .collect(),
                ..ComponentStatus::default()
            });
        }
        let healthy = services.iter().all(|s| s.healthy);
        Ok(Status {
            observed_generation: generation,
            phase: Some(if healthy { Phase::Running } else { Phase::Unhealthy }),
            services,
            applied_resources: resources
                .iter()
                .map(|r| ClusterObjectReference {
                    cluster: r.cluster.clone(),
                    creator: r.creator,
                    api_version: r.api_version.clone(),
                    kind: r.kind.clone(),
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    uid: r.uid.clone(),
                    ..ClusterObjectReference::default()
                })
                .collect(),
            ..Status::default()
        })
    }
}
