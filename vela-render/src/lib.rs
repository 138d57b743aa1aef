//! Definitions to manifests: the rendering layer of Vela-rs.
//!
//! * [`Definition`] — one abstraction over CUE `vela def` files, definition CRs and native Rust
//!   definitions ([`native::Native`]); a [`Registry`] resolves `type` and `type@vN`.
//! * [`Renderer`] — renders a typed [`Application`] (vela-model's, re-exported here with the
//!   whole [`vela_model`] crate) into labelled Kubernetes objects with KubeVela's rules
//!   (context variables, parameter validation with field paths, the [`patch`] engine, names,
//!   labels and annotations). [`app::parse`] reads one from YAML or JSON with vela-model's
//!   parser; definition CRs typed by vela-model load with [`Registry::insert_resource`].
//! * [`Native`] — a definition written in Rust: typed parameters, typed objects
//!   ([`Rendered::output`]), typed metadata ([`Meta`]); added with [`Registry::register`].
//! * The core is [`Definition`], [`Registry`], [`Renderer`], [`Context`], [`patch`] and
//!   [`health`]; [`ops`] holds the command line's operations on top of it (`load` definitions
//!   from files, `dryrun`, its `output` layout, `vet`); [`testing`] — snapshot helpers for
//!   platform teams testing their own definitions.
//!
//! ```
//! use vela_render::ops::output;
//! use vela_render::{Registry, Renderer, app};
//! let app = app::parse(r#"
//! apiVersion: core.oam.dev/v1beta1
//! kind: Application
//! metadata: {name: demo}
//! spec:
//!   components:
//!     - name: web
//!       type: webservice
//!       properties: {image: nginx, ports: [{port: 80, expose: true}]}
//! "#).unwrap();
//! let comps = Renderer::new(Registry::builtin()).render(&app).unwrap();
//! let text = output::dry_run_text("demo", &comps);
//! assert!(text.starts_with("---\n# Application(demo) -- Component(web)\n---\n"));
//! ```

pub mod app;
mod builtin;
pub mod context;
pub mod cue;
pub mod definition;
pub mod error;
pub mod health;
pub mod native;
pub mod openapi;
pub mod ops;
pub mod patch;
pub mod registry;
pub mod render;
pub mod resource;
pub mod restart_hash;
pub mod schema;
pub mod testing;

pub use app::Application;
pub use builtin::WORKFLOW_STEPS as BUILTIN_WORKFLOW_STEPS;
pub use context::Context;
pub use definition::{Definition, Kind, Meta, Rendered, Source, StatusRequest, StatusResult};
pub use error::{Error, Result};
pub use native::Native;
pub use registry::Registry;
pub use render::{ComponentManifest, Renderer};
pub use vela_model;

// The versions this crate is built with, so users do not match them by hand.
pub use k8s_openapi;
pub use schemars;
pub use serde;
pub use serde_json;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
