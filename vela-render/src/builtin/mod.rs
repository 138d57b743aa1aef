//! The project's built-in definitions, written in Rust and parameter-compatible with
//! KubeVela's CUE originals (`vela-templates/definitions/internal`).
//!
//! - [`components`]: the workload types (webservice, worker, daemon, statefulset, task,
//!   cron-task, k8s-objects);
//! - [`traits`]: grouped by what they touch: a container, the pod, the network, storage,
//!   scaling, the rollout strategy, or raw JSON patches;
//! - [`policies`]: the schema-only policies the workflow interprets;
//! - [`pod`]: parameter types and pod-spec builders shared by components and traits;
//! - [`status`]: the health rules of the workloads.

use std::sync::Arc;

use crate::native::Def;
use crate::registry::Registry;

pub mod components;
mod json;
pub mod pod;
pub mod policies;
pub mod status;
pub mod traits;

/// Registers every built-in component, trait and policy.
pub fn register(r: &mut Registry) {
    use traits::{container, networking, pod, scaling};

    r.insert(Arc::new(Def::new(components::Webservice)));
    r.insert(Arc::new(Def::new(components::Worker)));
    r.insert(Arc::new(Def::new(components::Daemon)));
    r.insert(Arc::new(Def::new(components::StatefulSet)));
    r.insert(Arc::new(Def::new(components::Task)));
    r.insert(Arc::new(Def::new(components::K8sObjects)));
    r.insert(Arc::new(Def::new(components::CronTask)));

    r.insert(Arc::new(Def::new(scaling::Scaler)));
    r.insert(Arc::new(Def::new(pod::MetaMerge::labels())));
    r.insert(Arc::new(Def::new(pod::MetaMerge::annotations())));
    r.insert(Arc::new(Def::new(traits::patches::JsonPatchTrait)));
    r.insert(Arc::new(Def::new(traits::patches::JsonMergePatchTrait)));
    r.insert(Arc::new(Def::new(container::Sidecar)));
    r.insert(Arc::new(Def::new(pod::HostAliasTrait)));
    r.insert(Arc::new(Def::new(container::Env)));
    r.insert(Arc::new(Def::new(container::Command)));
    r.insert(Arc::new(Def::new(container::ContainerImage)));
    r.insert(Arc::new(Def::new(traits::update_strategy::K8sUpdateStrategy)));
    r.insert(Arc::new(Def::new(container::Resource)));
    r.insert(Arc::new(Def::new(container::InitContainer)));
    r.insert(Arc::new(Def::new(container::Lifecycle)));
    r.insert(Arc::new(Def::new(pod::PodSecurityContext)));
    r.insert(Arc::new(Def::new(pod::TopologySpread)));
    r.insert(Arc::new(Def::new(container::StartupProbeTrait)));
    r.insert(Arc::new(Def::new(container::SecurityContext)));
    r.insert(Arc::new(Def::new(container::ContainerPorts)));
    r.insert(Arc::new(Def::new(pod::Affinity)));
    r.insert(Arc::new(Def::new(traits::storage::Storage)));
    r.insert(Arc::new(Def::new(networking::Gateway)));
    r.insert(Arc::new(Def::new(networking::Expose)));
    r.insert(Arc::new(Def::new(scaling::CpuScaler)));
    r.insert(Arc::new(Def::new(scaling::Hpa)));
    r.insert(Arc::new(Def::new(networking::PureIngress)));
    r.insert(Arc::new(Def::new(pod::ServiceAccount)));

    policies::register(r);
}
