//! The application providers of CUE workflow steps: what KubeVela's `vela/multicluster` and
//! `vela/oam` packages (and their legacy `vela/op` names) call, done by this delivery.
//!
//! - `multicluster`: `deploy` (`op.#Deploy`: the `deploy` step's work, `inlinePolicies`
//!   included) and `list-clusters` (`op.#ListClusters`: `outputs.clusters`);
//! - `oam`: `load` (`op.#Load`: `value.<component>` for every component of the application),
//!   `load-comps-in-order` (`op.#LoadComponetsInOrder`: `value`, the components as a list in
//!   the application's order; what `op.#ApplyApplication` and `#ApplyApplicationInParallel`
//!   iterate),
//!   `load-policies` (`value.<policy>`), and `component-apply` (`op.#ApplyComponent`: the
//!   component in `value` delivered to `cluster`/`namespace`, waiting for its health unless
//!   `waitHealthy: false`; its `patch` unified into the render, see [`patched`]; `env` is
//!   ignored, as in KubeVela v1.11). As KubeVela's, it returns the live objects read back after the
//!   apply: `output` is the workload (with its `status`), `outputs.<name>` each trait object
//!   and component output by its output name (`trait.oam.dev/resource`). KubeVela's package
//!   declares no health field: health is the step waiting (`waitHealthy`), or read from
//!   `output.status`.
//!
//! A standalone WorkflowRun has no application: these providers are not offered there, and a
//! step calling them fails with `no provider`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use vela_model::application::Component;
use vela_multicluster::{Key, registry};
use vela_render::ComponentManifest;
use vela_workflow::cue_step::{Call, Provider};
use vela_workflow::step;

use crate::dispatch::{Delivery, conclude};
use crate::placement::{Instance, Placement};

/// The live objects of one component delivered in one placement: what
/// `op.#ApplyComponent` returns.
#[derive(Debug, Default)]
pub(crate) struct ComponentObjects {
    /// The workload (`None`: the component renders none).
    pub(crate) output: Option<Arc<Value>>,
    /// Trait objects and component outputs by their output name, in render order.
    pub(crate) outputs: Vec<(String, Arc<Value>)>,
}

impl ComponentObjects {
    /// The objects of `manifest` as `live` has them (by the key the placement in `cluster`
    /// renders them with); an object not in `live` (not applied) as rendered.
    pub(crate) fn of(cluster: &str, manifest: &ComponentManifest, live: &BTreeMap<Key, Arc<Value>>) -> Self {
        let find = |rendered: &Value| {
            let found = Key::of(cluster, rendered).ok().and_then(|mut key| {
                if key.namespace.is_empty() {
                    key.namespace.clone_from(&manifest.namespace);
                }
                live.get(&key).cloned()
            });
            found.unwrap_or_else(|| Arc::new(rendered.clone()))
        };
        Self {
            output: (!manifest.workload.is_null()).then(|| find(&manifest.workload)),
            outputs: manifest
                .objects
                .iter()
                .filter(|o| !o.resource.is_empty())
                .map(|o| (o.resource.clone(), find(&o.value)))
                .collect(),
        }
    }

    /// `{output, outputs}` as the step's CUE sees them (each only when there is one).
    pub(crate) fn returns(&self) -> Value {
        let mut returns = Map::new();
        if let Some(output) = &self.output {
            returns.insert("output".into(), Value::clone(output));
        }
        if !self.outputs.is_empty() {
            let outputs: Map<String, Value> = self
                .outputs
                .iter()
                .map(|(name, obj)| (name.clone(), Value::clone(obj)))
                .collect();
            returns.insert("outputs".into(), Value::Object(outputs));
        }
        Value::Object(returns)
    }
}

/// `manifest` with `op.#ApplyComponent`'s `patch` unified in, as KubeVela does after the
/// traits are evaluated: `patch.workload` into the workload, `patch.traits.<name>` into the
/// component output or trait object of output name `<name>` (a name the component does not
/// render is ignored). Unification follows KubeVela's patch strategy engine: structs merge,
/// lists unify element by element, different scalars conflict. The `// +patchKey` comments of
/// a step's CUE do not reach the provider: keyed list merges need a trait.
///
/// # Errors
/// A message naming `$params.patch.<path>` and the conflict.
pub(crate) fn patched(
    manifest: Arc<ComponentManifest>,
    patch: Option<&Value>,
) -> Result<Arc<ComponentManifest>, String> {
    let Some(patch) = patch else {
        return Ok(manifest);
    };
    let unify = |target: &mut Value, with: &Value, path: &str| {
        vela_render::patch::Patch::Strategic(vela_render::patch::Node::from_json(with.clone()))
            .apply(target)
            .map_err(|e| format!("$params.patch.{path}: {e}"))
    };
    let mut out = ComponentManifest::clone(&manifest);
    if let Some(workload) = patch.get("workload").filter(|w| !w.is_null()) {
        if out.workload.is_null() {
            return Err(format!(
                "$params.patch.workload: component {} renders no workload",
                out.name
            ));
        }
        unify(&mut out.workload, workload, "workload")?;
    }
    if let Some(traits) = patch.get("traits").and_then(Value::as_object) {
        for object in out.objects.iter_mut().filter(|o| !o.resource.is_empty()) {
            if let Some(with) = traits.get(&object.resource) {
                unify(&mut object.value, with, &format!("traits.{}", object.resource))?;
            }
        }
    }
    Ok(Arc::new(out))
}

/// The `multicluster` and `oam` providers over one delivery.
pub(crate) struct AppProvider(pub(crate) Arc<Delivery>);

#[async_trait]
impl Provider for AppProvider {
    async fn call(
        &self,
        action: &str,
        p: Value,
        _label: &str,
        ctx: &mut step::Context<'_>,
    ) -> step::Result<Call> {
        let delivery = &self.0;
        match action {
            "deploy" => {
                let deployment = delivery.deploy_with(&p, true).await?;
                // failures fail the step; components not healthy yet make it wait
                conclude(ctx, &deployment)?;
                Ok(if deployment.pending.is_empty() {
                    Call::Done
                } else {
                    Call::Stop
                })
            }
            "list-clusters" => {
                let listing = registry::list(delivery.engine.clusters().as_ref())
                    .await
                    .map_err(|e| step::Error::new("list the clusters", e))?;
                let clusters: Vec<&str> = listing.clusters.iter().map(|c| c.name.as_str()).collect();
                Ok(Call::Returns(json!({"outputs": {"clusters": clusters}})))
            }
            "load" => {
                let mut value = Map::new();
                for c in &delivery.app.spec.components {
                    value.insert(
                        c.name.clone(),
                        serde_json::to_value(c).map_err(|e| step::Error::new("component", e))?,
                    );
                }
                Ok(Call::Returns(json!({"value": value})))
            }
            "load-comps-in-order" => {
                let value = delivery
                    .app
                    .spec
                    .components
                    .iter()
                    .map(serde_json::to_value)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| step::Error::new("component", e))?;
                Ok(Call::Returns(json!({"value": value})))
            }
            "load-policies" => {
                let mut value = Map::new();
                for p in &delivery.app.spec.policies {
                    value.insert(
                        p.name.clone(),
                        serde_json::to_value(p).map_err(|e| step::Error::new("policy", e))?,
                    );
                }
                Ok(Call::Returns(json!({"value": value})))
            }
            "component-apply" => {
                let mut comp: Component =
                    serde_json::from_value(p.get("value").cloned().unwrap_or(Value::Null))
                        .map_err(|e| step::Error::msg(format!("$params.value: not a component: {e}")))?;
                comp.depends_on.clear();
                let patch = match p.get("patch") {
                    None | Some(Value::Null) => None,
                    Some(Value::Object(m)) => Some(Value::Object(m.clone())),
                    Some(other) => {
                        return Err(step::Error::msg(format!(
                            "$params.patch: expected a struct ({{workload, traits}}), got {other}"
                        )));
                    }
                };
                let placement = Placement {
                    cluster: registry::canonical(p["cluster"].as_str().unwrap_or_default()).to_owned(),
                    namespace: p["namespace"].as_str().unwrap_or_default().to_owned(),
                };
                let instance = Instance {
                    patch,
                    ..Instance::single(comp)
                };
                let deployment = delivery.deploy(&[placement], &[instance], 1, true).await;
                let wait = p.get("waitHealthy").and_then(Value::as_bool).unwrap_or(true);
                if !deployment.failures.is_empty() || wait {
                    conclude(ctx, &deployment)?;
                }
                Ok(if wait && !deployment.pending.is_empty() {
                    Call::Stop
                } else {
                    let returns = deployment
                        .objects
                        .first()
                        .map_or_else(|| json!({}), ComponentObjects::returns);
                    Call::Returns(returns)
                })
            }
            other => Err(step::Error::msg(format!(
                "the application providers have no action {other:?}"
            ))),
        }
    }
}
