//! The `scaler` trait: a fixed replica count.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::builtin::traits::{patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch};

/// Parameters of scaler.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScalerParams {
    /// Specify the number of workload.
    #[serde(default = "default_replicas")]
    pub replicas: i64,
}

fn default_replicas() -> i64 {
    1
}

/// `scaler`: sets `spec.replicas`.
pub struct Scaler;

impl Native for Scaler {
    type Params = ScalerParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "scaler",
            "Manually scale K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, _: &Context, p: ScalerParams) -> Result<Rendered> {
        Ok(patch_only(Patch::Strategic(Node::from_json(
            json!({"spec": {"replicas": p.replicas}}),
        ))))
    }
}
