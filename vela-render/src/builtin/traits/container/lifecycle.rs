//! The `lifecycle` trait: postStart / preStop hooks on every container.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::traits::container::base_containers;
use crate::builtin::traits::{POD_WORKLOADS, pod_spec_patch, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

/// Parameters of lifecycle.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LifecycleParams {
    /// Handler run after a container is created.
    #[serde(default)]
    pub post_start: Option<Map<String, Value>>,
    /// Handler run before a container is terminated.
    #[serde(default)]
    pub pre_stop: Option<Map<String, Value>>,
}

fn with_http_scheme(h: &Map<String, Value>) -> Value {
    let mut h = h.clone();
    if let Some(Value::Object(g)) = h.get_mut("httpGet") {
        g.entry("scheme").or_insert(json!("HTTP"));
    }
    Value::Object(h)
}

/// `lifecycle`: postStart / preStop hooks on every container.
pub struct Lifecycle;

impl Native for Lifecycle {
    type Params = LifecycleParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "lifecycle",
            "Add lifecycle hooks for every container of K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, ctx: &Context, p: LifecycleParams) -> Result<Rendered> {
        let mut lc = Map::new();
        if let Some(h) = &p.post_start {
            lc.insert("postStart".into(), with_http_scheme(h));
        }
        if let Some(h) = &p.pre_stop {
            lc.insert("preStop".into(), with_http_scheme(h));
        }
        // `containers: [...{lifecycle: ...}]`: the element constraint applies to every
        // container of the workload.
        let n = base_containers(ctx).len();
        let items: Vec<Value> = (0..n).map(|_| json!({"lifecycle": lc})).collect();
        let mut node = pod_spec_patch(json!({"containers": items}));
        node = node.open_lists();
        Ok(strategic_patch(node))
    }
}
