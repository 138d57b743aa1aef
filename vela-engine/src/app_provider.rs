//! The application providers of CUE workflow steps: what KubeVela's `vela/multicluster` and
//! `vela/oam` packages (and their legacy `vela/op` names) call, done by this delivery.
//!
//! - `multicluster`: `deploy` (`op.#Deploy`: the `deploy` step's work, `inlinePolicies`
//!   included) and `list-clusters` (`op.#ListClusters`: `outputs.clusters`);
//! - `oam`: `load` (`op.#Load`: `value.<component>` for every component of the application),
//!   `load-policies` (`value.<policy>`), and `component-apply` (`op.#ApplyComponent`: the
//!   component in `value` delivered to `cluster`/`namespace`, waiting for its health unless
//!   `waitHealthy: false`; no `output`/`outputs` are returned).
//!
//! A standalone WorkflowRun has no application: these providers are not offered there, and a
//! step calling them fails with `no provider`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use vela_model::application::Component;
use vela_multicluster::registry;
use vela_workflow::cue_step::{Call, Provider};
use vela_workflow::step;

use crate::dispatch::{Delivery, conclude};
use crate::placement::{Instance, Placement};

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
                let placement = Placement {
                    cluster: registry::canonical(p["cluster"].as_str().unwrap_or_default()).to_owned(),
                    namespace: p["namespace"].as_str().unwrap_or_default().to_owned(),
                };
                let deployment = delivery
                    .deploy(&[placement], &[Instance::single(comp)], 1, true)
                    .await;
                let wait = p.get("waitHealthy").and_then(Value::as_bool).unwrap_or(true);
                if !deployment.failures.is_empty() || wait {
                    conclude(ctx, &deployment)?;
                }
                Ok(if wait && !deployment.pending.is_empty() {
                    Call::Stop
                } else {
                    Call::Returns(json!({}))
                })
            }
            other => Err(step::Error::msg(format!(
                "the application providers have no action {other:?}"
            ))),
        }
    }
}
