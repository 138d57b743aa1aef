//! The status of an Application: phase, conditions, per-cluster service health, workflow.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typed_builder::TypedBuilder;

use crate::common::{ClusterObjectReference, Condition, ObjectReference, Revision, Time, WorkloadGvk};
use crate::workflow::{RunPhase, StepStatus};

/// The condition types an Application reports, in pipeline order.
pub mod condition {
    /// The Application was parsed.
    pub const PARSED: &str = "Parsed";
    /// The ApplicationRevision was created or reused.
    pub const REVISION: &str = "Revision";
    /// Custom policies were rendered and dispatched.
    pub const POLICY: &str = "Policy";
    /// Components were rendered.
    pub const RENDER: &str = "Render";
    /// The workflow ran.
    pub const WORKFLOW: &str = "Workflow";
    /// Everything is healthy.
    pub const READY: &str = "Ready";
}

/// The phase of an Application (`status.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Just created.
    Starting,
    /// Rendering components.
    Rendering,
    /// Rendering custom policies.
    GeneratingPolicy,
    /// The workflow is running.
    RunningWorkflow,
    /// The workflow is suspended.
    WorkflowSuspending,
    /// The workflow was terminated.
    WorkflowTerminated,
    /// The workflow failed.
    WorkflowFailed,
    /// Delivered and healthy.
    Running,
    /// Delivered, but some service is unhealthy.
    Unhealthy,
    /// Being deleted.
    Deleting,
}

impl Phase {
    /// The wire name, e.g. `runningWorkflow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Rendering => "rendering",
            Phase::GeneratingPolicy => "generatingPolicy",
            Phase::RunningWorkflow => "runningWorkflow",
            Phase::WorkflowSuspending => "workflowSuspending",
            Phase::WorkflowTerminated => "workflowTerminated",
            Phase::WorkflowFailed => "workflowFailed",
            Phase::Running => "running",
            Phase::Unhealthy => "unhealthy",
            Phase::Deleting => "deleting",
        }
    }
}

/// The observed state of an Application.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct Status {
    /// Conditions, see [`condition`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The generation last reconciled.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub observed_generation: i64,
    /// The phase.
    #[serde(rename = "status", default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Legacy: the rendered workloads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ObjectReference>,
    /// Health per component and per cluster/namespace it was delivered to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ComponentStatus>,
    /// The workflow's progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<WorkflowStatus>,
    /// The latest ApplicationRevision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_revision: Option<Revision>,
    /// Every resource currently applied for the Application (rebuilt from the ResourceTracker).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_resources: Vec<ClusterObjectReference>,
    /// Status reported by policies.
    #[serde(rename = "policy", default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyStatus>,
    /// When a scheduled workflow restart happens (`app.oam.dev/restart-workflow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub workflow_restart_scheduled_at: Option<Time>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// The health of one component in one cluster and namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct ComponentStatus {
    /// Component name.
    #[builder(!default)]
    pub name: String,
    /// Namespace it was delivered to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Cluster it was delivered to (empty or `local` for the hub).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// Legacy env-binding environment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub env: String,
    /// The key of the `replication` policy this entry is a replica for (empty when the
    /// component is not replicated). Not in KubeVela's status, where the replicas of a
    /// component share one entry.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub replica_key: String,
    /// The workload's API version and kind.
    #[serde(default, skip_serializing_if = "WorkloadGvk::is_empty")]
    pub workload_definition: WorkloadGvk,
    /// Whether the component (workload and traits) is healthy.
    #[serde(default)]
    pub healthy: bool,
    /// Whether the workload alone is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_healthy: Option<bool>,
    /// The `customStatus` message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The definition's `status.details` fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
    /// Health of each trait.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<TraitStatus>,
    /// Legacy scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ObjectReference>,
}

/// The health of one trait.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into)))]
pub struct TraitStatus {
    /// Trait type.
    #[serde(rename = "type")]
    #[builder(!default)]
    pub type_: String,
    /// Whether it is healthy.
    #[serde(default)]
    pub healthy: bool,
    /// Whether it waits to be applied (a `PostDispatch` trait before its workload is healthy).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// The `customStatus` message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The definition's `status.details` fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// The status a policy reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct PolicyStatus {
    /// Policy name.
    #[builder(!default)]
    pub name: String,
    /// Policy type.
    #[serde(rename = "type")]
    #[builder(!default)]
    pub type_: String,
    /// Free-form status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::any_object")]
    pub status: Option<Value>,
}

/// The workflow progress of an Application (`status.workflow`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema, TypedBuilder)]
#[serde(rename_all = "camelCase")]
#[builder(field_defaults(default, setter(into, strip_option(ignore_invalid))))]
pub struct WorkflowStatus {
    /// The revision the workflow runs for; a different desired revision restarts it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_revision: String,
    /// The modes, as `<steps>-<subSteps>`, e.g. `StepByStep-DAG`.
    #[serde(default)]
    pub mode: String,
    /// Run phase.
    #[serde(rename = "status", default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<RunPhase>,
    /// A message about the run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Whether the workflow is suspended.
    #[serde(default)]
    pub suspend: bool,
    /// Why it is suspended.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suspend_state: String,
    /// Whether it was terminated.
    #[serde(default)]
    pub terminated: bool,
    /// Whether it finished.
    #[serde(default)]
    pub finished: bool,
    /// The ConfigMap holding the workflow context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_backend: Option<ObjectReference>,
    /// Status of every step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepStatus>,
    /// When the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub start_time: Option<Time>,
    /// When the run ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::timestamp")]
    pub end_time: Option<Time>,
}
