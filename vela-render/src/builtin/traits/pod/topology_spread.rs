//! The `topologyspreadconstraints` trait: pod topology spread constraints.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::traits::{POD_WORKLOADS, pod_spec_patch, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

use super::label_selector::LabelSelector;

fn default_when_unsatisfiable() -> String {
    "DoNotSchedule".into()
}

/// One topology spread constraint.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Constraint {
    /// Max skew.
    pub max_skew: i64,
    /// Topology key.
    pub topology_key: String,
    /// DoNotSchedule (default) or ScheduleAnyway.
    #[serde(default = "default_when_unsatisfiable")]
    pub when_unsatisfiable: String,
    /// Label selector.
    pub label_selector: LabelSelector,
    /// Minimal domains.
    #[serde(default)]
    pub min_domains: Option<i64>,
    /// Match label keys.
    #[serde(default)]
    pub match_label_keys: Option<Vec<String>>,
    /// Honor or Ignore.
    #[serde(default)]
    pub node_affinity_policy: Option<String>,
    /// Honor or Ignore.
    #[serde(default)]
    pub node_taints_policy: Option<String>,
}

/// Parameters of topologyspreadconstraints.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopologyParams {
    /// The constraints.
    pub constraints: Vec<Constraint>,
}

/// `topologyspreadconstraints`: pod topology spread constraints.
pub struct TopologySpread;

impl Native for TopologySpread {
    type Params = TopologyParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "topologyspreadconstraints",
            "Add topology spread constraints hooks for every container of K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, _: &Context, p: TopologyParams) -> Result<Rendered> {
        let list: Vec<Value> = p
            .constraints
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("maxSkew".into(), json!(v.max_skew));
                m.insert("topologyKey".into(), json!(v.topology_key));
                m.insert("whenUnsatisfiable".into(), json!(v.when_unsatisfiable));
                m.insert("labelSelector".into(), to_json(&v.label_selector));
                insert_some(&mut m, "nodeAffinityPolicy", &v.node_affinity_policy);
                insert_some(&mut m, "nodeTaintsPolicy", &v.node_taints_policy);
                insert_some(&mut m, "minDomains", &v.min_domains);
                insert_some(&mut m, "matchLabelKeys", &v.match_label_keys);
                Value::Object(m)
            })
            .collect();
        Ok(strategic_patch(pod_spec_patch(
            json!({"topologySpreadConstraints": list}),
        )))
    }
}
