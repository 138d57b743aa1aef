//! The project's built-in definitions, written in Rust and parameter-compatible with
//! KubeVela's CUE originals (`vela-templates/definitions/internal`).

use std::sync::Arc;

use crate::native::Def;
use crate::registry::Registry;

pub mod affinity;
pub mod components;
pub mod outputs;
pub mod pod;
pub mod policies;
pub mod status;
pub mod storage;
pub mod traits;
pub mod traits2;

/// Registers every built-in component, trait and policy.
pub fn register(r: &mut Registry) {
    r.insert(Arc::new(Def::new(components::Webservice)));
    r.insert(Arc::new(Def::new(components::Worker)));
    r.insert(Arc::new(Def::new(components::Daemon)));
    r.insert(Arc::new(Def::new(components::StatefulSet)));
    r.insert(Arc::new(Def::new(components::Task)));
    r.insert(Arc::new(Def::new(components::K8sObjects)));
    r.insert(Arc::new(Def::new(components::CronTask)));

    r.insert(Arc::new(Def::new(traits::Scaler)));
    r.insert(Arc::new(Def::new(traits::MetaMerge::labels())));
    r.insert(Arc::new(Def::new(traits::MetaMerge::annotations())));
    r.insert(Arc::new(Def::new(traits::JsonPatchTrait)));
    r.insert(Arc::new(Def::new(traits::JsonMergePatchTrait)));
    r.insert(Arc::new(Def::new(traits::Sidecar)));
    r.insert(Arc::new(Def::new(traits::HostAliasTrait)));
    r.insert(Arc::new(Def::new(traits::Env)));
    r.insert(Arc::new(Def::new(traits::Command)));
    r.insert(Arc::new(Def::new(traits::ContainerImage)));
    r.insert(Arc::new(Def::new(traits::K8sUpdateStrategy)));
    r.insert(Arc::new(Def::new(traits::Resource)));
    r.insert(Arc::new(Def::new(traits2::InitContainer)));
    r.insert(Arc::new(Def::new(traits2::Lifecycle)));
    r.insert(Arc::new(Def::new(traits2::PodSecurityContext)));
    r.insert(Arc::new(Def::new(traits2::TopologySpread)));
    r.insert(Arc::new(Def::new(traits2::StartupProbeTrait)));
    r.insert(Arc::new(Def::new(traits2::SecurityContext)));
    r.insert(Arc::new(Def::new(traits2::ContainerPorts)));
    r.insert(Arc::new(Def::new(affinity::Affinity)));
    r.insert(Arc::new(Def::new(storage::Storage)));
    r.insert(Arc::new(Def::new(outputs::Gateway)));
    r.insert(Arc::new(Def::new(outputs::Expose)));
    r.insert(Arc::new(Def::new(outputs::CpuScaler)));
    r.insert(Arc::new(Def::new(outputs::Hpa)));
    r.insert(Arc::new(Def::new(outputs::PureIngress)));
    r.insert(Arc::new(Def::new(outputs::ServiceAccount)));

    policies::register(r);
}
