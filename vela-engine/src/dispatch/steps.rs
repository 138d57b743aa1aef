//! The delivery steps as workflow step types (`deploy`, `apply-component`, the deprecated
//! `apply-remaining`), their properties, and the health recheck of a pass that runs no step
//! (after the workflow has succeeded).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use vela_model::application::{Application, Component};
use vela_multicluster::registry;
use vela_workflow::step::{self, StepType};

use super::{DEFAULT_PARALLELISM, Delivery, Deployment, ServiceKey};
use crate::Result;
use crate::placement::{self, Instance, Placement};

/// The `deploy` step: `policies` (topology, override and replication policy names),
/// `parallelism`.
pub(crate) struct Deploy(pub(crate) Arc<Delivery>);

/// The `apply-component` step: `component`, and optionally `cluster` and `namespace`.
pub(crate) struct ApplyComponent(pub(crate) Arc<Delivery>);

/// The deprecated `apply-remaining` step: every component but the `exceptions`, to the hub and
/// the application's namespace, honouring `dependsOn` among them.
pub(crate) struct ApplyRemaining(pub(crate) Arc<Delivery>);

/// The components `apply-remaining` delivers: all but the named exceptions (names that are no
/// component are ignored, as KubeVela's `op.#ApplyRemaining` ignores them), with `dependsOn`
/// kept only between delivered components.
fn remaining(app: &Application, exceptions: &[String]) -> Vec<Instance> {
    let kept: Vec<&Component> = app
        .spec
        .components
        .iter()
        .filter(|c| !exceptions.contains(&c.name))
        .collect();
    kept.iter()
        .map(|c| {
            let mut c = (*c).clone();
            c.depends_on.retain(|d| !exceptions.contains(d));
            Instance::single(c)
        })
        .collect()
}

fn string_list(v: &Value, field: &str) -> step::Result<Vec<String>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| step::Error::msg(format!("properties.{field}[{i}]: expected a string")))
            })
            .collect(),
        Some(_) => Err(step::Error::msg(format!(
            "properties.{field}: expected a list of strings"
        ))),
    }
}

fn parallelism(v: &Value) -> step::Result<usize> {
    match v.get("parallelism") {
        None | Some(Value::Null) => Ok(DEFAULT_PARALLELISM),
        Some(n) => n
            .as_u64()
            .filter(|n| *n > 0)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| step::Error::msg("properties.parallelism: expected a positive integer")),
    }
}

/// Turns a deployment into the step's result: failures fail the step (it is retried), pending
/// components make it wait.
pub(crate) fn conclude(ctx: &mut step::Context<'_>, deployment: &Deployment) -> step::Result<Value> {
    if !deployment.failures.is_empty() {
        return Err(step::Error::msg(deployment.failures.join("; ")));
    }
    if !deployment.pending.is_empty() {
        ctx.wait(format!(
            "waiting for healthy components: {}",
            deployment.pending.join("; ")
        ));
    }
    Ok(json!({}))
}

#[async_trait]
impl StepType for Deploy {
    async fn run(&self, ctx: &mut step::Context<'_>) -> step::Result<Value> {
        let props = ctx.parameter().clone();
        let deployment = self.0.deploy_with(&props, true).await?;
        conclude(ctx, &deployment)
    }
}

impl Delivery {
    /// What a `deploy` step does with its properties (`policies`, `parallelism`, and
    /// `inlinePolicies`: policies written in the step, resolved as if the application had
    /// them); `apply: false` only evaluates health (see [`Delivery::deploy`]).
    pub(crate) async fn deploy_with(&self, props: &Value, apply: bool) -> step::Result<Deployment> {
        let mut names = string_list(props, "policies")?;
        let parallelism = parallelism(props)?;
        let inline: Vec<vela_model::application::Policy> = match props.get("inlinePolicies") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| step::Error::msg(format!("properties.inlinePolicies: {e}")))?,
        };
        let with_inline;
        let app = if inline.is_empty() {
            &self.app
        } else {
            let mut app = self.app.clone();
            for (i, p) in inline.into_iter().enumerate() {
                let mut p = p;
                if p.name.is_empty() {
                    p.name = format!("inline-{i}");
                }
                names.push(p.name.clone());
                app.spec.policies.retain(|q| q.name != p.name);
                app.spec.policies.push(p);
            }
            with_inline = app;
            &with_inline
        };
        let hub = self.engine.clusters().as_ref();
        let policies = placement::resolve(hub, app, &self.namespace, &names)
            .await
            .map_err(|e| step::Error::msg(crate::error::chain(&e)))?;
        let placements = placement::placements(hub, &policies)
            .await
            .map_err(|e| step::Error::msg(crate::error::chain(&e)))?;
        let comps = placement::components(app, &policies)
            .and_then(|c| placement::replicate(c, &policies))
            .map_err(|e| step::Error::msg(crate::error::chain(&e)))?;
        Ok(self.deploy(&placements, &comps, parallelism, apply).await)
    }
}

#[async_trait]
impl StepType for ApplyComponent {
    async fn run(&self, ctx: &mut step::Context<'_>) -> step::Result<Value> {
        let props = ctx.parameter().clone();
        let delivery = &self.0;
        let name = props["component"]
            .as_str()
            .ok_or_else(|| step::Error::msg("properties.component: expected the name of a component"))?;
        let Some(comp) = delivery.app.spec.components.iter().find(|c| c.name == name) else {
            return Err(step::Error::msg(format!(
                "properties.component: no component {name:?} in the application"
            )));
        };
        let placement = Placement {
            cluster: registry::canonical(props["cluster"].as_str().unwrap_or_default()).to_owned(),
            namespace: props["namespace"].as_str().unwrap_or_default().to_owned(),
        };
        if placement.cluster != registry::LOCAL {
            let hub = delivery.engine.clusters().as_ref();
            match registry::get(hub, &placement.cluster).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(step::Error::msg(format!(
                        "properties.cluster: cluster {:?} is not registered",
                        placement.cluster
                    )));
                }
                Err(e) => return Err(step::Error::new("the cluster registry cannot be read", e)),
            }
        }
        // dependsOn between apply-component steps is the workflow's; within the step the
        // component is delivered alone
        let mut alone = comp.clone();
        alone.depends_on.clear();
        let deployment = delivery
            .deploy(&[placement], &[Instance::single(alone)], 1, true)
            .await;
        conclude(ctx, &deployment)?;
        // the step's value, as KubeVela's `builtin-apply-component` template has it: `output`
        // and `outputs` for the step's `outputs[].valueFrom` (only they read it: a step without
        // outputs, as every step of the generated workflow, copies no live object into it)
        if ctx.step().outputs.is_empty() {
            return Ok(json!({}));
        }
        Ok(deployment
            .objects
            .first()
            .map_or_else(|| json!({}), crate::app_provider::ComponentObjects::returns))
    }
}

#[async_trait]
impl StepType for ApplyRemaining {
    async fn run(&self, ctx: &mut step::Context<'_>) -> step::Result<Value> {
        let exceptions = string_list(ctx.parameter(), "exceptions")?;
        let instances = remaining(&self.0.app, &exceptions);
        let deployment = self
            .0
            .deploy(&[Placement::local()], &instances, DEFAULT_PARALLELISM, true)
            .await;
        conclude(ctx, &deployment)
    }
}

/// The health of what a succeeded workflow delivered, evaluated again from the live objects:
/// every succeeded `deploy` and `apply-component` step, rendered again, nothing applied.
impl Delivery {
    pub(crate) async fn recheck(&self, steps: &[vela_workflow::Step]) -> Result<()> {
        for s in steps {
            let props = s.properties.clone().unwrap_or(Value::Null);
            match s.type_.as_str() {
                "deploy" => {
                    self.deploy_with(&props, false)
                        .await
                        .map_err(|e| crate::Error::Placement {
                            path: format!("spec.workflow.steps[{}]", s.name),
                            message: e.to_string(),
                        })?;
                }
                "apply-component" => {
                    let Some(comp) = props["component"]
                        .as_str()
                        .and_then(|n| self.app.spec.components.iter().find(|c| c.name == n))
                    else {
                        continue;
                    };
                    let placement = Placement {
                        cluster: registry::canonical(props["cluster"].as_str().unwrap_or_default())
                            .to_owned(),
                        namespace: props["namespace"].as_str().unwrap_or_default().to_owned(),
                    };
                    let mut alone = comp.clone();
                    alone.depends_on.clear();
                    self.deploy(&[placement], &[Instance::single(alone)], 1, false)
                        .await;
                }
                "apply-remaining" => {
                    let exceptions = string_list(&props, "exceptions").unwrap_or_default();
                    let instances = remaining(&self.app, &exceptions);
                    self.deploy(&[Placement::local()], &instances, DEFAULT_PARALLELISM, false)
                        .await;
                }
                _ => {}
            }
        }
        self.recheck_others().await;
        Ok(())
    }

    /// Evaluates again the health of the services in the status that no built-in delivery
    /// step evaluated: what CUE steps applied (`op.#ApplyComponent`, `op.#Deploy`), found by
    /// (component, cluster, namespace, replica key), nothing written.
    async fn recheck_others(&self) {
        let others: Vec<ServiceKey> = {
            let record = self.record();
            record
                .services
                .keys()
                .filter(|k| !record.evaluated.contains(*k))
                .cloned()
                .collect()
        };
        for (name, cluster, namespace, replica_key) in others {
            let Some(comp) = self.app.spec.components.iter().find(|c| c.name == name) else {
                continue; // no longer in the spec: the status is rebuilt without it later
            };
            let mut alone = comp.clone();
            alone.depends_on.clear();
            let placement = Placement {
                cluster: registry::canonical(&cluster).to_owned(),
                namespace,
            };
            let instance = Instance {
                component: alone,
                replica_key,
                patch: None,
            };
            self.deploy(&[placement], &[instance], 1, false).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::comp;
    use super::*;

    #[test]
    fn remaining_drops_exceptions_and_dependencies_on_them() {
        let mut app: Application = serde_json::from_value(json!({
            "apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"},
            "spec": {"components": []}}))
        .unwrap();
        app.spec.components = vec![comp("web", &["db", "cache"]), comp("db", &[]), comp("cache", &[])];
        let got = remaining(&app, &["db".to_owned(), "nothing".to_owned()]);
        let names: Vec<(&str, &[String])> = got
            .iter()
            .map(|i| (i.component.name.as_str(), i.component.depends_on.as_slice()))
            .collect();
        assert_eq!(names, [("web", &["cache".to_owned()][..]), ("cache", &[][..])]);
    }

    #[test]
    fn parallelism_and_policies_are_checked() {
        assert_eq!(parallelism(&json!({})).unwrap(), DEFAULT_PARALLELISM);
        assert_eq!(parallelism(&json!({"parallelism": 2})).unwrap(), 2);
        assert!(parallelism(&json!({"parallelism": 0})).is_err());
        assert_eq!(
            string_list(&json!({"policies": ["a"]}), "policies").unwrap(),
            ["a"]
        );
        let e = string_list(&json!({"policies": [1]}), "policies")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "properties.policies[0]: expected a string");
    }
}
