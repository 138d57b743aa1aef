//! The CustomResourceDefinitions of every OAM kind, derived from the Rust types.
//!
//! The committed copy lives in `charts/vela-crds/crds/`; a test fails when it differs from what
//! the types produce (`VELA_UPDATE_CRDS=1 cargo test -p vela-model crd` rewrites it).
//!
//! ```
//! let crds = vela_model::crd::all();
//! assert!(crds.iter().any(|c| c.spec.names.kind == "Application"));
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::{
    application::Application,
    definition::{
        ComponentDefinition, DefinitionRevision, PolicyDefinition, TraitDefinition, WorkflowStepDefinition,
        WorkloadDefinition,
    },
    policy::Policy,
    resource_tracker::ResourceTracker,
    revision::ApplicationRevision,
    workflow::{Workflow, WorkflowRun},
};

/// Every CRD, in a stable order.
pub fn all() -> Vec<CustomResourceDefinition> {
    vec![
        Application::crd(),
        ApplicationRevision::crd(),
        ComponentDefinition::crd(),
        DefinitionRevision::crd(),
        PolicyDefinition::crd(),
        ResourceTracker::crd(),
        TraitDefinition::crd(),
        WorkflowStepDefinition::crd(),
        WorkloadDefinition::crd(),
        Policy::crd(),
        Workflow::crd(),
        WorkflowRun::crd(),
    ]
}

/// The file name a CRD is committed under: `<group>_<plural>.yaml`.
pub fn file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// A CRD as YAML, with a header saying it is generated.
pub fn to_yaml(crd: &CustomResourceDefinition) -> String {
    // A CRD is plain data; serializing it cannot fail.
    let body = crate::yaml::to_string(crd).unwrap_or_default();
    format!(
        "# Generated from the vela-model types; do not edit.\n# Regenerate: VELA_UPDATE_CRDS=1 cargo test -p vela-model --test it -- crds::\n{body}"
    )
}
