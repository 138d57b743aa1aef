//! The `k8s-update-strategy` trait: the rollout strategy of Deployments, StatefulSets and DaemonSets.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::traits::{patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Strategy, Tags};

fn default_rolling_limit() -> String {
    "25%".into()
}

/// `strategy.rollingStrategy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollingStrategy {
    /// Maximum surge.
    #[serde(default = "default_rolling_limit")]
    pub max_surge: String,
    /// Maximum unavailable.
    #[serde(default = "default_rolling_limit")]
    pub max_unavailable: String,
    /// StatefulSet partition.
    #[serde(default)]
    pub partition: i64,
}

fn default_strategy_type() -> String {
    "RollingUpdate".into()
}

/// `strategy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// RollingUpdate (default), Recreate or OnDelete.
    #[serde(default = "default_strategy_type", rename = "type")]
    pub type_: String,
    /// Rolling update parameters.
    #[serde(default)]
    pub rolling_strategy: Option<RollingStrategy>,
}

impl Default for UpdateStrategy {
    fn default() -> Self {
        Self {
            type_: default_strategy_type(),
            rolling_strategy: None,
        }
    }
}

fn default_target_api_version() -> String {
    "apps/v1".into()
}
fn default_target_kind() -> String {
    "Deployment".into()
}

/// Parameters of k8s-update-strategy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategyParams {
    /// Target API version.
    #[serde(default = "default_target_api_version", rename = "targetAPIVersion")]
    #[allow(
        dead_code,
        reason = "in KubeVela's schema; this definition's rendering does not read it"
    )]
    pub target_api_version: String,
    /// Deployment (default), StatefulSet or DaemonSet.
    #[serde(default = "default_target_kind")]
    pub target_kind: String,
    /// The strategy.
    #[serde(default)]
    pub strategy: UpdateStrategy,
}

/// `k8s-update-strategy`: the update strategy of Deployments, StatefulSets and DaemonSets.
pub struct K8sUpdateStrategy;

impl Native for K8sUpdateStrategy {
    type Params = UpdateStrategyParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "k8s-update-strategy",
            "Set k8s update strategy for Deployment/DaemonSet/StatefulSet",
            &["deployments.apps", "statefulsets.apps", "daemonsets.apps"],
            false,
        )
    }
    fn render(&self, _: &Context, p: UpdateStrategyParams) -> Result<Rendered> {
        let t = p.strategy.type_.as_str();
        let rs = p.strategy.rolling_strategy.as_ref();
        let mut spec = Map::new();
        let (field, skip) = match p.target_kind.as_str() {
            "Deployment" => ("strategy", "OnDelete"),
            _ => ("updateStrategy", "Recreate"),
        };
        if t != skip {
            let mut s = Map::new();
            s.insert("type".into(), json!(t));
            if t == "RollingUpdate" {
                // the CUE template reads rollingStrategy fields; absent → incomplete → error
                let ru = match (p.target_kind.as_str(), rs) {
                    ("StatefulSet", Some(r)) => json!({"partition": r.partition}),
                    (_, Some(r)) => json!({"maxSurge": r.max_surge, "maxUnavailable": r.max_unavailable}),
                    (_, None) => {
                        return Err(crate::Error::Render {
                            kind: Kind::Trait,
                            name: "k8s-update-strategy".into(),
                            message: "strategy.rollingStrategy is required for RollingUpdate".into(),
                        });
                    }
                };
                s.insert("rollingUpdate".into(), ru);
            }
            spec.insert(field.into(), Value::Object(s));
        }
        let node = Node::from_json(json!({"spec": spec}))
            .tag(&format!("spec.{field}"), Tags::strategy(Strategy::RetainKeys));
        Ok(patch_only(Patch::Strategic(node)))
    }
}
