//! The `cpuscaler` trait: an autoscaling/v1 HorizontalPodAutoscaler on CPU.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

use super::{
    default_max_replicas, default_min_replicas, default_target_api_version, default_target_kind,
    default_utilization,
};

/// Parameters of cpuscaler.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuScalerParams {
    /// Specify the minimal number of replicas to which the autoscaler can scale down.
    #[serde(default = "default_min_replicas")]
    pub min: i64,
    /// Specify the maximum number of of replicas to which the autoscaler can scale up.
    #[serde(default = "default_max_replicas")]
    pub max: i64,
    /// Specify the average CPU utilization, for example, 50 means the CPU usage is 50%.
    #[serde(default = "default_utilization")]
    pub cpu_util: i64,
    /// Specify the apiVersion of scalable object that should be scaled.
    #[serde(default = "default_target_api_version", rename = "targetAPIVersion")]
    pub target_api_version: String,
    /// Specify the kind of scalable object that should be scaled.
    #[serde(default = "default_target_kind")]
    pub target_kind: String,
}

/// `cpuscaler`: an autoscaling/v1 HPA on CPU.
pub struct CpuScaler;

impl Native for CpuScaler {
    type Params = CpuScalerParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "cpuscaler",
            "Automatically scale the component based on CPU usage.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: CpuScalerParams) -> Result<Rendered> {
        let hpa = json!({
            "apiVersion": "autoscaling/v1",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": ctx.name},
            "spec": {
                "scaleTargetRef": {"apiVersion": p.target_api_version, "kind": p.target_kind, "name": ctx.name},
                "minReplicas": p.min,
                "maxReplicas": p.max,
                "targetCPUUtilizationPercentage": p.cpu_util,
            }
        });
        Ok(Rendered {
            outputs: vec![("cpuscaler".into(), hpa)],
            ..Default::default()
        })
    }
}
