//! The `affinity` trait: pod (anti-)affinity, node affinity and tolerations.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch};

use super::label_selector::LabelSelector;

/// A pod affinity term.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodAffinityTerm {
    /// Label selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// Topology key.
    pub topology_key: String,
    /// Namespace selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
}

/// A weighted pod affinity term.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedPodAffinityTerm {
    /// Weight (1-100).
    #[schemars(range(min = 1, max = 100))]
    pub weight: i64,
    /// The term.
    pub pod_affinity_term: PodAffinityTerm,
}

/// Pod affinity or anti-affinity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PodAffinity {
    /// Required terms.
    #[serde(default)]
    pub required: Option<Vec<PodAffinityTerm>>,
    /// Preferred terms.
    #[serde(default)]
    pub preferred: Option<Vec<WeightedPodAffinityTerm>>,
}

fn default_operator() -> String {
    "In".into()
}

/// A node selector requirement.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeSelector {
    /// Key.
    pub key: String,
    /// In (default), NotIn, Exists, DoesNotExist, Gt, Lt.
    #[serde(default = "default_operator")]
    pub operator: String,
    /// Values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A node selector term.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeSelectorTerm {
    /// Match expressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<NodeSelector>>,
    /// Match fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_fields: Option<Vec<NodeSelector>>,
}

/// Required node affinity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeRequired {
    /// Node selector terms.
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// A weighted node preference.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePreferred {
    /// Weight (1-100).
    #[schemars(range(min = 1, max = 100))]
    pub weight: i64,
    /// The preference.
    pub preference: NodeSelectorTerm,
}

/// Node affinity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeAffinity {
    /// Required.
    #[serde(default)]
    pub required: Option<NodeRequired>,
    /// Preferred.
    #[serde(default)]
    pub preferred: Option<Vec<NodePreferred>>,
}

fn default_toleration_operator() -> String {
    "Equal".into()
}

/// A toleration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    /// Key.
    #[serde(default)]
    pub key: Option<String>,
    /// Equal (default) or Exists.
    #[serde(default = "default_toleration_operator")]
    pub operator: String,
    /// Value.
    #[serde(default)]
    pub value: Option<String>,
    /// NoSchedule, PreferNoSchedule or NoExecute.
    #[serde(default)]
    pub effect: Option<String>,
    /// Toleration seconds.
    #[serde(default)]
    pub toleration_seconds: Option<i64>,
}

/// Parameters of affinity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AffinityParams {
    /// Pod affinity.
    #[serde(default)]
    pub pod_affinity: Option<PodAffinity>,
    /// Pod anti-affinity.
    #[serde(default)]
    pub pod_anti_affinity: Option<PodAffinity>,
    /// Node affinity.
    #[serde(default)]
    pub node_affinity: Option<NodeAffinity>,
    /// Tolerations.
    #[serde(default)]
    pub tolerations: Option<Vec<Toleration>>,
}

fn pod_affinity(p: &PodAffinity) -> Value {
    let mut m = Map::new();
    insert_some(
        &mut m,
        "requiredDuringSchedulingIgnoredDuringExecution",
        &p.required,
    );
    insert_some(
        &mut m,
        "preferredDuringSchedulingIgnoredDuringExecution",
        &p.preferred,
    );
    Value::Object(m)
}

/// `affinity`: affinity and tolerations of the pod.
pub struct Affinity;

impl Native for Affinity {
    type Params = AffinityParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "affinity",
            "Affinity specifies affinity and toleration K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &["*"],
            true,
        )
    }
    fn render(&self, _: &Context, p: AffinityParams) -> Result<Rendered> {
        let mut spec = Map::new();
        let mut aff = Map::new();
        if let Some(pa) = &p.pod_affinity {
            aff.insert("podAffinity".into(), pod_affinity(pa));
        }
        if let Some(pa) = &p.pod_anti_affinity {
            aff.insert("podAntiAffinity".into(), pod_affinity(pa));
        }
        if let Some(na) = &p.node_affinity {
            let mut m = Map::new();
            if let Some(r) = &na.required {
                m.insert(
                    "requiredDuringSchedulingIgnoredDuringExecution".into(),
                    json!({"nodeSelectorTerms": to_json(&r.node_selector_terms)}),
                );
            }
            if let Some(pr) = &na.preferred {
                m.insert(
                    "preferredDuringSchedulingIgnoredDuringExecution".into(),
                    Value::Array(
                        pr.iter()
                            .map(|x| json!({"weight": x.weight, "preference": to_json(&x.preference)}))
                            .collect(),
                    ),
                );
            }
            aff.insert("nodeAffinity".into(), Value::Object(m));
        }
        if !aff.is_empty() {
            spec.insert("affinity".into(), Value::Object(aff));
        }
        if let Some(ts) = &p.tolerations {
            let list = ts
                .iter()
                .map(|t| {
                    let mut m = Map::new();
                    insert_some(&mut m, "key", &t.key);
                    insert_some(&mut m, "effect", &t.effect);
                    insert_some(&mut m, "value", &t.value);
                    m.insert("operator".into(), json!(t.operator));
                    insert_some(&mut m, "tolerationSeconds", &t.toleration_seconds);
                    Value::Object(m)
                })
                .collect();
            spec.insert("tolerations".into(), Value::Array(list));
        }
        Ok(Rendered {
            patch: Some(Patch::Strategic(Node::from_json(
                json!({"spec": {"template": {"spec": spec}}}),
            ))),
            ..Default::default()
        })
    }
}
