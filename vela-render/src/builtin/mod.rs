//! The project's built-in definitions, written in Rust and parameter-compatible with
//! KubeVela's CUE originals (`vela-templates/definitions/internal`).
//!
//! Private to the crate: users reach them through [`Registry::builtin`] by name, and their
//! parameter types through each definition's schema, so the Rust types can change freely.
//!
//! - [`components`]: the workload types (webservice, worker, daemon, statefulset, task,
//!   cron-task, k8s-objects, ref-objects and the deprecated raw);
//! - [`traits`]: grouped by what they touch: a container, the pod, the network, storage,
//!   scaling, the rollout strategy, or raw JSON patches;
//! - [`policies`]: the schema-only policies the workflow interprets;
//! - [`pod`]: parameter types and pod-spec builders shared by components and traits;
//! - [`status`]: the health rules of the workloads.

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

    r.register(components::Webservice);
    r.register(components::Worker);
    r.register(components::Daemon);
    r.register(components::StatefulSet);
    r.register(components::Task);
    r.register(components::K8sObjects);
    r.register(components::RefObjects);
    r.register(components::CronTask);
    r.register(components::Raw);

    r.register(scaling::Scaler);
    r.register(pod::MetaMerge::labels());
    r.register(pod::MetaMerge::annotations());
    r.register(traits::patches::JsonPatchTrait);
    r.register(traits::patches::JsonMergePatchTrait);
    r.register(container::Sidecar);
    r.register(pod::HostAliasTrait);
    r.register(container::Env);
    r.register(container::Command);
    r.register(container::ServiceBinding);
    r.register(container::ContainerImage);
    r.register(traits::update_strategy::K8sUpdateStrategy);
    r.register(container::Resource);
    r.register(container::InitContainer);
    r.register(container::Lifecycle);
    r.register(pod::PodSecurityContext);
    r.register(pod::TopologySpread);
    r.register(container::StartupProbeTrait);
    r.register(container::SecurityContext);
    r.register(container::ContainerPorts);
    r.register(pod::Affinity);
    r.register(traits::storage::Storage);
    r.register(networking::Gateway);
    r.register(networking::Expose);
    r.register(scaling::CpuScaler);
    r.register(scaling::Hpa);
    r.register(networking::PureIngress);
    r.register(pod::ServiceAccount);
    r.register(traits::nocalhost::Nocalhost);

    policies::register(r);

    for step in WORKFLOW_STEPS {
        r.declare_workflow_step(step);
    }
}

/// KubeVela's built-in WorkflowStepDefinitions (`vela-templates/definitions/internal/workflowstep`):
/// the workflow engine (`vela-workflow`) runs them; a dry-run only checks that a step's type is
/// one of them.
pub const WORKFLOW_STEPS: &[&str] = &[
    "apply-component",
    "apply-deployment",
    "apply-object",
    "apply-remaining",
    "apply-terraform-config",
    "apply-terraform-provider",
    "build-push-image",
    "check-metrics",
    "clean-jobs",
    "collect-service-endpoints",
    "create-config",
    "delete-config",
    "depends-on-app",
    "deploy",
    "deploy-cloud-resource",
    "export-data",
    "export-service",
    "export2config",
    "export2secret",
    "generate-jdbc-connection",
    "list-config",
    "notification",
    "print-message-in-status",
    "read-config",
    "read-object",
    "request",
    "restart-workflow",
    "share-cloud-resource",
    "step-group",
    "suspend",
    "vela-cli",
    "webhook",
];
