//! Definitions to manifests: the rendering layer of Vela-rs.
//!
//! * [`Definition`] — one abstraction over CUE `vela def` files, definition CRs and native Rust
//!   definitions ([`native::Native`]); a [`Registry`] resolves `type` and `type@vN`.
//! * [`Renderer`] — renders an [`Application`]'s components and traits into labelled
//!   Kubernetes objects with KubeVela's rules (context variables, parameter validation with
//!   field paths, the [`patch`] engine, names, labels and annotations).
//! * [`output`] — KubeVela's `vela dry-run` layout; [`testing`] — snapshot helpers for
//!   platform teams testing their own definitions.
//!
//! ```
//! use vela_render::{Application, Registry, Renderer, output};
//! let app = Application::from_yaml(r#"
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
pub mod builtin;
pub mod context;
pub mod cue;
pub mod definition;
pub mod dryrun;
pub mod error;
pub mod health;
pub mod load;
pub mod native;
pub mod openapi;
pub mod output;
pub mod patch;
pub mod registry;
pub mod render;
pub mod schema;
pub mod testing;
pub mod vet;

pub use app::Application;
pub use context::Context;
pub use definition::{Definition, Kind, Meta, Rendered, Source, StatusRequest, StatusResult};
pub use error::{Error, Result};
pub use registry::Registry;
pub use render::{ComponentManifest, Renderer};
