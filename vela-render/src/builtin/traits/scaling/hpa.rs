//! The `hpa` trait: an autoscaling/v2 HorizontalPodAutoscaler on cpu, memory and custom metrics.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

use super::{
    default_max_replicas, default_min_replicas, default_target_api_version, default_target_kind,
    default_utilization,
};

fn default_metric_type() -> String {
    "Utilization".into()
}

/// A resource metric target of hpa.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricTarget {
    /// Utilization (default) or AverageValue.
    #[serde(default = "default_metric_type", rename = "type")]
    pub type_: String,
    /// The target value.
    #[serde(default = "default_utilization")]
    pub value: i64,
}

impl Default for MetricTarget {
    fn default() -> Self {
        Self {
            type_: default_metric_type(),
            value: 50,
        }
    }
}

/// A custom pod metric of hpa.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PodMetric {
    /// Metric name.
    pub name: String,
    /// Target average value.
    pub value: String,
}

/// Parameters of hpa.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaParams {
    /// Minimal replicas.
    #[serde(default = "default_min_replicas")]
    pub min: i64,
    /// Maximal replicas.
    #[serde(default = "default_max_replicas")]
    pub max: i64,
    /// Target API version.
    #[serde(default = "default_target_api_version", rename = "targetAPIVersion")]
    pub target_api_version: String,
    /// Target kind.
    #[serde(default = "default_target_kind")]
    pub target_kind: String,
    /// CPU target.
    #[serde(default)]
    pub cpu: MetricTarget,
    /// Memory target.
    #[serde(default)]
    pub mem: Option<MetricTarget>,
    /// Custom pod metrics.
    #[serde(default)]
    pub pod_custom_metrics: Option<Vec<PodMetric>>,
}

fn resource_metric(name: &str, t: &MetricTarget) -> Value {
    let mut target = Map::new();
    target.insert("type".into(), json!(t.type_));
    match t.type_.as_str() {
        "Utilization" => {
            target.insert("averageUtilization".into(), json!(t.value));
        }
        "AverageValue" => {
            target.insert("averageValue".into(), json!(t.value));
        }
        _ => {}
    }
    json!({"type": "Resource", "resource": {"name": name, "target": target}})
}

/// `hpa`: an autoscaling/v2 HPA with cpu, memory and custom metrics.
pub struct Hpa;

impl Native for Hpa {
    type Params = HpaParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "hpa",
            "Configure k8s HPA for Deployment or Statefulsets",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: HpaParams) -> Result<Rendered> {
        let minor = ctx
            .cluster_version
            .get("minor")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let api = if minor < 23 {
            "autoscaling/v2beta2"
        } else {
            "autoscaling/v2"
        };
        let mut metrics = vec![resource_metric("cpu", &p.cpu)];
        if let Some(m) = &p.mem {
            metrics.push(resource_metric("memory", m));
        }
        for m in p.pod_custom_metrics.iter().flatten() {
            metrics.push(json!({"type": "Pods", "pods": {"metric": {"name": m.name}, "target": {"type": "AverageValue", "averageValue": m.value}}}));
        }
        let hpa = json!({
            "apiVersion": api,
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": ctx.name},
            "spec": {
                "scaleTargetRef": {"apiVersion": p.target_api_version, "kind": p.target_kind, "name": ctx.name},
                "minReplicas": p.min,
                "maxReplicas": p.max,
                "metrics": metrics,
            }
        });
        Ok(Rendered {
            outputs: vec![("hpa".into(), hpa)],
            ..Default::default()
        })
    }
}
