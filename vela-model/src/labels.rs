//! Well-known label, annotation and finalizer keys.
//!
//! Use these constants instead of string literals: the values are KubeVela's, so objects written
//! by Vela-rs and by KubeVela carry the same keys.

/// Labels stamped on every rendered object, and on revisions and trackers.
pub mod label {
    /// The owning Application's name.
    pub const APP_NAME: &str = "app.oam.dev/name";
    /// The owning Application's namespace.
    pub const APP_NAMESPACE: &str = "app.oam.dev/namespace";
    /// The ApplicationRevision name the object was rendered from.
    pub const APP_REVISION: &str = "app.oam.dev/appRevision";
    /// The component the object belongs to.
    pub const APP_COMPONENT: &str = "app.oam.dev/component";
    /// `WORKLOAD` or `TRAIT`.
    pub const RESOURCE_TYPE: &str = "app.oam.dev/resourceType";
    /// The ApplicationRevision content hash.
    pub const APP_REVISION_HASH: &str = "app.oam.dev/app-revision-hash";
    /// The component revision.
    pub const COMPONENT_REVISION: &str = "app.oam.dev/revision";
    /// The cluster the object was delivered to.
    pub const CLUSTER: &str = "app.oam.dev/cluster";
    /// The replication key (`replication` policy).
    pub const REPLICA_KEY: &str = "app.oam.dev/replicaKey";
    /// The component type (ComponentDefinition name) of a workload.
    pub const WORKLOAD_TYPE: &str = "workload.oam.dev/type";
    /// The trait type (TraitDefinition name) of a trait object.
    pub const TRAIT_TYPE: &str = "trait.oam.dev/type";
    /// The `outputs` key a trait object was rendered from.
    pub const TRAIT_RESOURCE: &str = "trait.oam.dev/resource";
    /// Set on traits whose definition has `manageWorkload`.
    pub const MANAGE_WORKLOAD_TRAIT: &str = "trait.oam.dev/manage-workload";
    /// Hash of the rendered object; an unchanged hash skips the apply.
    pub const RENDER_HASH: &str = "oam.dev/render-hash";
    /// `true` pauses reconciliation of the Application.
    pub const CONTROLLER_PAUSE: &str = "controller.core.oam.dev/pause";
    /// Where the Application's source of truth is kept (VelaUX/CLI bookkeeping).
    pub const SOURCE_OF_TRUTH: &str = "app.oam.dev/source-of-truth";
    /// Hides a definition in the UI.
    pub const DEFINITION_UI_HIDDEN: &str = "custom.definition.oam.dev/ui-hidden";
    /// Marks a definition as deprecated.
    pub const DEFINITION_DEPRECATED: &str = "custom.definition.oam.dev/deprecated";
    /// The value of [`RESOURCE_TYPE`] for workloads.
    pub const RESOURCE_TYPE_WORKLOAD: &str = "WORKLOAD";
    /// The value of [`RESOURCE_TYPE`] for trait objects.
    pub const RESOURCE_TYPE_TRAIT: &str = "TRAIT";
}

/// Annotations that change behaviour.
pub mod annotation {
    /// Makes revisions explicit; see the book chapter "The OAM model".
    pub const PUBLISH_VERSION: &str = "app.oam.dev/publishVersion";
    /// Re-render when referenced definitions change (not together with [`PUBLISH_VERSION`]).
    pub const AUTO_UPDATE: &str = "app.oam.dev/autoUpdate";
    /// `true`, an RFC 3339 time, or a Go duration: restart the workflow.
    pub const RESTART_WORKFLOW: &str = "app.oam.dev/restart-workflow";
    /// Exposed as `context.workflowName`.
    pub const WORKFLOW_NAME: &str = "app.oam.dev/workflowName";
    /// Per-Application resync period.
    pub const RECONCILE_INTERVAL: &str = "app.oam.dev/reconcile-interval";
    /// Apply as this ServiceAccount.
    pub const SERVICE_ACCOUNT_NAME: &str = "app.oam.dev/service-account-name";
    /// Apply as this user.
    pub const USERNAME: &str = "app.oam.dev/username";
    /// Apply as this group.
    pub const GROUP: &str = "app.oam.dev/group";
    /// Only controllers of a matching version reconcile the Application.
    pub const CONTROLLER_VERSION_REQUIRE: &str = "app.oam.dev/controller-version-require";
    /// Bypasses the immutable-parameter check.
    pub const FORCE_PARAM_MUTATIONS: &str = "app.oam.dev/force-param-mutations";
    /// Opt out of global policies.
    pub const SKIP_GLOBAL_POLICIES: &str = "policy.oam.dev/skip-global";
    /// Policy-modified specs create revisions.
    pub const POLICY_AUTO_REVISION: &str = "policy.oam.dev/auto-revision";
    /// Comma list of label keys not propagated to rendered objects.
    pub const FILTER_LABEL_KEYS: &str = "filter.oam.dev/label-keys";
    /// Comma list of annotation keys not propagated to rendered objects.
    pub const FILTER_ANNOTATION_KEYS: &str = "filter.oam.dev/annotation-keys";
    /// Makes the built-in health policies report healthy.
    pub const DISABLE_HEALTH_CHECK: &str = "app.oam.dev/disable-health-check";
    /// Deploy version (VelaUX bookkeeping).
    pub const DEPLOY_VERSION: &str = "app.oam.dev/deployVersion";
    /// Application name (VelaUX bookkeeping).
    pub const APP_NAME: &str = "app.oam.dev/appName";
    /// Application alias (VelaUX bookkeeping).
    pub const APP_ALIAS: &str = "app.oam.dev/appAlias";
    /// The last applied object, base of the three-way merge.
    pub const LAST_APPLIED_CONFIGURATION: &str = "app.oam.dev/last-applied-configuration";
    /// When the object was last applied.
    pub const LAST_APPLIED_TIME: &str = "app.oam.dev/last-applied-time";
    /// The Applications sharing a resource (`shared-resource` policy).
    pub const SHARED_BY: &str = "app.oam.dev/shared-by";
    /// Filtered from workloads.
    pub const INPLACE_UPGRADE: &str = "app.oam.dev/inplace-upgrade";
    /// kubectl's last-applied annotation, filtered from workloads.
    pub const KUBECTL_LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
    /// The KubeVela version that last handled the object.
    pub const KUBEVELA_VERSION: &str = "oam.dev/kubevela-version";
    /// Stores each step's evaluated CUE for debugging (WorkflowRun).
    pub const WORKFLOW_RUN_DEBUG: &str = "workflowrun.oam.dev/debug";
    /// A definition's description.
    pub const DEFINITION_DESCRIPTION: &str = "definition.oam.dev/description";
    /// A definition's alias.
    pub const DEFINITION_ALIAS: &str = "definition.oam.dev/alias";
    /// A definition's icon.
    pub const DEFINITION_ICON: &str = "definition.oam.dev/icon";
    /// A definition's example URL.
    pub const DEFINITION_EXAMPLE_URL: &str = "definition.oam.dev/example-url";
}

/// Finalizers.
pub mod finalizer {
    /// Garbage-collects the resources of a deleted Application.
    pub const RESOURCE_TRACKER: &str = "app.oam.dev/resource-tracker-finalizer";
    /// Orphans the managed resources instead of deleting them.
    pub const ORPHAN_RESOURCE: &str = "app.oam.dev/orphan-resource";
}
