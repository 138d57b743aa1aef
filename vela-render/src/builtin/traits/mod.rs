//! Built-in traits, grouped by what they touch.
//!
//! - [`container`]: one or every container of the pod template (env, command, image,
//!   resources, probes, lifecycle, security context, ports, sidecar, init container);
//! - [`pod`]: the pod template and its scheduling (labels/annotations, affinity, topology
//!   spread, pod security context, host aliases, service account);
//! - [`networking`]: Services and Ingresses (expose, gateway, pure-ingress);
//! - [`storage`]: volumes and the objects behind them;
//! - [`scaling`]: replicas and autoscalers (scaler, cpuscaler, hpa);
//! - [`update_strategy`]: the workload's rollout strategy;
//! - [`patches`]: raw RFC 6902 / RFC 7396 patches;
//! - [`nocalhost`]: a Nocalhost development configuration.

use serde_json::{Value, json};

use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::patch::{Node, Patch};

pub mod container;
pub mod networking;
pub mod nocalhost;
pub mod patches;
pub mod pod;
pub mod scaling;
pub mod storage;
pub mod update_strategy;

/// A trait's metadata with KubeVela's `podDisruptive` and `appliesToWorkloads` attributes.
pub(crate) fn trait_meta(name: &str, desc: &str, applies: &[&str], disruptive: bool) -> Meta {
    Meta::new(name, Kind::Trait, desc)
        .attr("podDisruptive", json!(disruptive))
        .attr("appliesToWorkloads", json!(applies))
}

/// The workloads with a pod template at `spec.template`.
pub(crate) const POD_WORKLOADS: [&str; 4] = [
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "jobs.batch",
];

/// A render result made of one patch and nothing else.
pub(crate) fn patch_only(p: Patch) -> Rendered {
    Rendered {
        patch: Some(p),
        ..Default::default()
    }
}

/// A render result made of one strategic merge patch.
pub(crate) fn strategic_patch(node: Node) -> Rendered {
    patch_only(Patch::Strategic(node))
}

/// A strategic patch of the pod spec at `spec.template.spec`.
pub(crate) fn pod_spec_patch(spec: Value) -> Node {
    Node::from_json(json!({"spec": {"template": {"spec": spec}}}))
}

/// Whether the workload rendered so far has a value at `path`.
pub(crate) fn output_has(ctx: &Context, path: &[&str]) -> bool {
    let mut cur = match &ctx.output {
        Some(v) => v,
        None => return false,
    };
    for p in path {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return false,
        }
    }
    true
}
