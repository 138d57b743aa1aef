//! The typed Open Application Model (OAM) of Vela-rs, KubeVela-compatible on the wire.
//!
//! Every KubeVela resource kind is a Rust type that serializes to exactly the JSON/YAML KubeVela
//! reads and writes:
//!
//! | module | kinds |
//! |---|---|
//! | [`application`] | `core.oam.dev/v1beta1` `Application` (components, traits, policies, workflow) and its status |
//! | [`workflow`] | workflow steps and sub-steps, `core.oam.dev/v1alpha1` `Workflow` and `WorkflowRun`, workflow status |
//! | [`definition`] | the X-Definitions (`ComponentDefinition`, `TraitDefinition`, `PolicyDefinition`, `WorkflowStepDefinition`, `WorkloadDefinition`) and `DefinitionRevision` |
//! | [`policy`] | `core.oam.dev/v1alpha1` `Policy` and typed specs of the built-in policies |
//! | [`revision`] | `ApplicationRevision` |
//! | [`resource_tracker`] | the cluster-scoped `ResourceTracker` |
//! | [`common`] | small types shared by several kinds (conditions, object references) |
//! | [`labels`] | well-known label, annotation and finalizer keys |
//! | [`yaml`] | reading and writing YAML (YAML 1.2 scalars, budgets against hostile input) |
//!
//! Free-form parts (`properties`, `parameter`, `context`) stay [`serde_json::Value`], with their key
//! order preserved.
//!
//! The crate does no I/O: it parses text ([`parse`]), checks an Application for every problem
//! KubeVela's admission webhook would reject ([`validate`]), and produces the CRDs ([`crd`]).
//!
//! ```
//! use vela_model::application::{Application, Component};
//!
//! let app: Application = vela_model::parse::application(r#"
//! apiVersion: core.oam.dev/v1beta1
//! kind: Application
//! metadata: {name: hello}
//! spec:
//!   components:
//!     - name: web
//!       type: webservice
//!       properties: {image: nginx}
//! "#).unwrap();
//! assert_eq!(app.spec.components[0].type_, "webservice");
//! assert!(app.validate().is_ok());
//! ```

// kube's `printcolumn(name = .., type_ = ..)` repeats keys across columns, which this lint
// mistakes for duplicated attributes.
#![allow(clippy::duplicated_attributes)]

pub mod application;
pub mod common;
pub mod crd;
pub mod definition;
pub mod duration;
pub mod labels;
pub mod parse;
pub mod policy;
pub mod resource_tracker;
pub mod revision;
pub mod validate;
pub mod workflow;
pub mod yaml;

mod schema;

pub use application::Application;
pub use definition::{
    ComponentDefinition, DefinitionRevision, PolicyDefinition, TraitDefinition, WorkflowStepDefinition,
    WorkloadDefinition,
};
pub use policy::Policy;
pub use resource_tracker::ResourceTracker;
pub use revision::ApplicationRevision;
pub use workflow::{Workflow, WorkflowRun};

// The versions this crate is built with, so users do not match them by hand.
pub use k8s_openapi;
pub use serde_json;

/// The API group of every OAM kind.
pub const GROUP: &str = "core.oam.dev";
/// The API version of `Application`, the X-Definitions, revisions and the ResourceTracker.
pub const V1BETA1: &str = "core.oam.dev/v1beta1";
/// The API version of `Policy`, `Workflow` and `WorkflowRun`.
pub const V1ALPHA1: &str = "core.oam.dev/v1alpha1";

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
