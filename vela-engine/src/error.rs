//! What can go wrong while delivering an Application, one variant per failed step.

/// A delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Application breaks the model's rules (names, duplicates, cycles, ...).
    #[error("the application is invalid:\n{0}")]
    Invalid(#[from] vela_model::validate::Problems),
    /// A component or trait could not be rendered.
    #[error("rendering the application failed")]
    Render(#[from] vela_render::Error),
    /// An object exists and belongs to another Application: it is never overwritten.
    #[error(
        "{kind} {namespace}/{name} in cluster {cluster:?} belongs to application {owner}; \
         it is left alone (rename the component or delete the other application)"
    )]
    OwnedByAnother {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The owning application, `namespace/name`.
        owner: String,
    },
    /// An object the engine's admission rules refuse (cross-namespace, cluster-scoped, or of a
    /// type not allowed): it is not written.
    #[error("forbidden resource: {kind} {namespace}/{name} in cluster {cluster:?}: {reason}")]
    Forbidden {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace (as rendered, the placement's when the template sets none).
        namespace: String,
        /// Name.
        name: String,
        /// Why, e.g. `it is outside the application's namespace and cross-namespace resources
        /// are not allowed`.
        reason: String,
    },
    /// An object exists and no application owns it: it is never taken over silently.
    #[error(
        "{kind} {namespace}/{name} in cluster {cluster:?} exists and no application owns it; \
         it is left alone (delete it, or let the application take it over with a take-over policy)"
    )]
    NotOwned {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// A policy of the Application is malformed, or a custom policy (a CUE PolicyDefinition)
    /// fails to render or to apply what it rendered.
    #[error("{path}: {message}")]
    Policy {
        /// The field, e.g. `spec.policies[2].properties.rules[0].selector`.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A `deploy` step's policies do not give a placement (an unknown cluster or policy, a
    /// selector that matches no cluster, a malformed topology or override).
    #[error("{path}: {message}")]
    Placement {
        /// Where: `spec.policies[1].properties.clusters[0]`, or the step property.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A `read-only` object does not exist: it is never created.
    #[error(
        "{kind} {namespace}/{name} in cluster {cluster:?} is read-only (read-only policy) but does \
         not exist; create it first, or remove it from the read-only policy's rules"
    )]
    ReadOnlyMissing {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// An object the application wants to share belongs to another application that does not
    /// share it.
    #[error(
        "{kind} {namespace}/{name} in cluster {cluster:?} belongs to application {owner}, which \
         does not share it (no app.oam.dev/shared-by annotation); it is left alone"
    )]
    NotShared {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The owning application, `namespace/name`.
        owner: String,
    },
    /// An object whose recreate field changed (resource-update policy) was deleted but is
    /// still there (finalizers hold it); it is re-created by a later delivery.
    #[error(
        "{kind} {namespace}/{name} in cluster {cluster:?} must be re-created ({field} changed) but \
         its deletion is still pending (finalizers); deliver again once it is gone"
    )]
    RecreatePending {
        /// Cluster (`""` is the hub).
        cluster: String,
        /// Kind.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// The recreate field that changed.
        field: String,
    },
    /// The application's workflow is invalid or could not run.
    #[error("the workflow failed")]
    Workflow(#[from] vela_workflow::engine::Error),
    /// A workflow operation (suspend, resume, terminate, restart) does not apply.
    #[error("the workflow operation does not apply")]
    Operation(#[from] vela_workflow::operation::Error),
    /// The HTTP client of the workflow's HTTP steps could not start.
    #[error("the workflow's HTTP client cannot start")]
    HttpClient(#[source] vela_workflow::http::Error),
    /// The workflow's run state could not be read or written, or changed under the pass
    /// ([`Error::is_conflict`]: redo it).
    #[error("the workflow state store failed")]
    Store(#[from] vela_workflow::store::Error),
    /// Reading or writing a cluster failed.
    #[error("cluster access failed")]
    Cluster(#[from] vela_multicluster::Error),
    /// A stored object (Application, ResourceTracker) does not have the expected shape.
    #[error("stored {what} is malformed")]
    Stored {
        /// Which object.
        what: String,
        /// Why it does not decode.
        #[source]
        source: serde_json::Error,
    },
    /// `vela install`: CustomResourceDefinitions the hub did not establish in time.
    #[error(
        "CustomResourceDefinitions not established after {waited:?}: {}; the API server has not \
         accepted them yet (`kubectl get crd NAME -o yaml` shows their conditions)",
        names.join(", ")
    )]
    NotEstablished {
        /// The CRDs still not established.
        names: Vec<String>,
        /// How long it waited.
        waited: std::time::Duration,
    },
    /// `vela install --controller`: the admission webhook's certificates could not be made.
    #[error("generate the {what}: {message}")]
    Certificate {
        /// Which certificate, e.g. `webhook CA`.
        what: &'static str,
        /// The generator's error.
        message: String,
    },
}

impl Error {
    /// Whether the run state changed under this operation (another writer saved it between
    /// its load and its save: [`vela_workflow::store::Error::Conflict`]). Nothing of the run
    /// state was written; doing it again (the next reconcile) sees the other writer's change.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_conflict())
    }
}

/// How many times a reconcile or an operation is redone at once when the run state changed
/// under it, before [`Error::Store`] with a conflict is returned (the controller requeues).
pub(crate) const CONFLICT_ATTEMPTS: usize = 3;

/// Result of engine operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error with its causes, joined by `: `.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
