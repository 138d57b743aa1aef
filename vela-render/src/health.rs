//! Health of a rendered component and its traits against live objects.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::app::Component;
use crate::definition::{Kind, StatusRequest, StatusResult};
use crate::error::Result;
use crate::registry::Registry;
use crate::render::{AUXILIARY_WORKLOAD, ComponentManifest};

/// Health of one component: its own status and one per trait, in trait order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The component's `healthPolicy` / `customStatus` / `details`.
    pub component: StatusResult,
    /// `(trait type, status)` per trait.
    pub traits: Vec<(String, StatusResult)>,
}

impl Report {
    /// Whether the component and every trait are healthy.
    pub fn healthy(&self) -> bool {
        self.component.healthy && self.traits.iter().all(|(_, s)| s.healthy)
    }
}

/// Evaluates the health of `comp` as rendered in `manifest`. `live` maps a rendered object
/// to the live one read from the cluster (`None` when it does not exist; missing objects are
/// evaluated as `{}` like KubeVela does, which built-in policies report as unhealthy).
pub fn evaluate(
    registry: &Registry,
    comp: &Component,
    manifest: &ComponentManifest,
    live: impl Fn(&Value) -> Option<Value>,
) -> Result<Report> {
    evaluate_shared(registry, comp, manifest, |v| live(v).map(Arc::new))
}

/// [`evaluate`] with the live objects shared: the workload is looked at where it is, not
/// copied (what a caller holding the live objects in `Arc`s uses).
pub fn evaluate_shared(
    registry: &Registry,
    comp: &Component,
    manifest: &ComponentManifest,
    live: impl Fn(&Value) -> Option<Arc<Value>>,
) -> Result<Report> {
    let get_shared = |v: &Value| live(v).unwrap_or_else(|| Arc::new(Value::Object(Map::new())));
    let get = |v: &Value| Arc::unwrap_or_clone(get_shared(v));
    let mut context = manifest.context.to_json();
    if let Value::Object(m) = &mut context {
        m.remove("output");
        m.remove("outputs");
    }
    let workload = get_shared(&manifest.workload);
    let workload: &Value = &workload;
    let aux: Map<String, Value> = manifest
        .objects
        .iter()
        .filter(|o| o.trait_type == AUXILIARY_WORKLOAD)
        .map(|o| (o.resource.clone(), get(&o.value)))
        .collect();
    let def = registry.get(Kind::Component, &comp.type_)?;
    let component = def.status(&StatusRequest {
        output: workload,
        outputs: aux,
        parameter: crate::app::properties(&comp.properties),
        context: &context,
    })?;
    let mut traits = Vec::new();
    for t in &comp.traits {
        let tdef = registry.get(Kind::Trait, &t.type_)?;
        let name = tdef.meta().name.clone();
        let outputs: Map<String, Value> = manifest
            .objects
            .iter()
            .filter(|o| o.trait_type == name)
            .map(|o| (o.resource.clone(), get(&o.value)))
            .collect();
        let s = tdef.status(&StatusRequest {
            output: workload,
            outputs,
            parameter: crate::app::properties(&t.properties),
            context: &context,
        })?;
        traits.push((name, s));
    }
    Ok(Report { component, traits })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Renderer;
    use serde_json::json;

    #[test]
    fn component_and_trait_health() {
        let app = crate::app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: w\n      type: webservice\n      properties: {image: x}\n      traits: [{type: scaler, properties: {replicas: 2}}, {type: expose, properties: {port: [80], type: LoadBalancer}}]\n",
        )
        .unwrap();
        let reg = Registry::builtin();
        let m = Renderer::new(reg.clone()).render(&app).unwrap();
        let live = |o: &Value| -> Option<Value> {
            let mut o = o.clone();
            match o["kind"].as_str() {
                Some("Deployment") => {
                    o["status"] = json!({"readyReplicas": 2, "updatedReplicas": 2, "replicas": 2, "observedGeneration": 1});
                    o["metadata"]["generation"] = json!(1);
                    Some(o)
                }
                Some("Service") => Some(o),
                _ => None,
            }
        };
        let r = evaluate(&reg, &app.spec.components[0], &m[0], live).unwrap();
        assert!(r.component.healthy);
        assert_eq!(r.component.message, "Ready:2/2");
        assert_eq!(r.traits[1].0, "expose");
        assert!(!r.traits[1].1.healthy);
        assert_eq!(r.traits[1].1.message, "ExternalIP: Pending");
        assert!(!r.healthy());
    }

    #[test]
    fn status_programs_see_the_render_context() {
        // like KubeVela's gateway trait: the message names the component and the app
        let src = r##"
hello: {
	type: "trait"
	attributes: status: customStatus: #"""
		message: "\(context.name) of \(context.appName) in \(context.namespace)"
		"""#
}
template: {
	patch: metadata: labels: hello: "yes"
	parameter: {}
}
"##;
        let def = crate::cue::CueDefinition::from_cue("hello", src).unwrap();
        let mut reg = Registry::builtin();
        reg.insert(std::sync::Arc::new(def));
        let app = crate::app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop, namespace: prod}\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties: {image: x}\n      traits: [{type: hello}]\n",
        )
        .unwrap();
        let m = Renderer::new(reg.clone()).render(&app).unwrap();
        let r = evaluate(&reg, &app.spec.components[0], &m[0], |o| Some(o.clone())).unwrap();
        assert_eq!(r.traits[0].1.message, "web of shop in prod");
    }
}
