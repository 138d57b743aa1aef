//! The `resource` trait: container requests and limits.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::to_json;
use crate::builtin::traits::{output_has, patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Strategy, Tags};

/// `cpu`: a number or a string quantity.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    /// A number of cores.
    Number(serde_json::Number),
    /// A quantity string.
    String(String),
}

fn default_cpu() -> Quantity {
    Quantity::Number(1.into())
}
fn default_memory() -> String {
    "2048Mi".into()
}

/// Requests or limits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuMem {
    /// CPU.
    #[serde(default = "default_cpu")]
    pub cpu: Quantity,
    /// Memory.
    #[serde(default = "default_memory")]
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"))]
    pub memory: String,
}

/// Parameters of resource.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceParams {
    /// Specify the amount of cpu for requests and limits.
    #[serde(default)]
    pub cpu: Option<Quantity>,
    /// Specify the amount of memory for requests and limits.
    #[serde(default)]
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"))]
    pub memory: Option<String>,
    /// Specify the resources in requests.
    #[serde(default)]
    pub requests: Option<CpuMem>,
    /// Specify the resources in limits.
    #[serde(default)]
    pub limits: Option<CpuMem>,
}

/// `resource`: container requests and limits.
pub struct Resource;

impl Native for Resource {
    type Params = ResourceParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "resource",
            "Add resource requests and limits on K8s pod for your workload which follows the pod spec in path 'spec.template.'",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
                "cronjobs.batch",
            ],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: ResourceParams) -> Result<Rendered> {
        let mut res = Map::new();
        if let (Some(c), Some(m), None, None) = (&p.cpu, &p.memory, &p.requests, &p.limits) {
            res.insert("requests".into(), json!({"cpu": to_json(c), "memory": m}));
            res.insert("limits".into(), json!({"cpu": to_json(c), "memory": m}));
        }
        if let Some(r) = &p.requests {
            res.insert(
                "requests".into(),
                json!({"cpu": to_json(&r.cpu), "memory": r.memory}),
            );
        }
        if let Some(l) = &p.limits {
            res.insert(
                "limits".into(),
                json!({"cpu": to_json(&l.cpu), "memory": l.memory}),
            );
        }
        let content = json!({"resources": res});
        let mut root = Map::new();
        let mut tags: Vec<String> = Vec::new();
        if output_has(ctx, &["spec", "template"]) {
            root.insert(
                "spec".into(),
                json!({"template": {"spec": {"containers": [content.clone()]}}}),
            );
            tags.push("spec.template.spec.containers".into());
        }
        if output_has(ctx, &["spec", "jobTemplate"]) {
            let spec = root.entry("spec").or_insert_with(|| json!({}));
            spec["jobTemplate"] = json!({"spec": {"template": {"spec": {"containers": [content]}}}});
            tags.push("spec.jobTemplate.spec.template.spec.containers".into());
        }
        let mut node = Node::from_json(Value::Object(root));
        for t in tags {
            node = node
                .tag(&t, Tags::key("name"))
                .tag(
                    &format!("{t}.*.resources.requests"),
                    Tags::strategy(Strategy::RetainKeys),
                )
                .tag(
                    &format!("{t}.*.resources.limits"),
                    Tags::strategy(Strategy::RetainKeys),
                );
        }
        Ok(patch_only(Patch::Strategic(node)))
    }
}
