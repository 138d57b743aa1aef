//! KubeVela addons for Vela-rs: load an addon in KubeVela's layout and render it to the
//! Application and objects KubeVela would apply.
//!
//! * [`Addon::load`] reads an addon directory or a `.tgz` package ([`load`]: the layout, the
//!   bounds, the symbolic-link rule); [`Meta`] is its `metadata.yaml`; [`package()`] makes the
//!   `.tgz` of a directory.
//! * [`Addon::render`] renders it with [`RenderOptions`] (the arguments) into [`Rendered`]:
//!   the Application `addon-<name>` in `vela-system`, the X-Definitions, config templates, UI
//!   schemas and views applied beside it, and the `NOTES.cue` text ([`render`] lists KubeVela's
//!   rules).
//! * [`parse_args`] and [`merge_args`] read `k=v` arguments and merge them over the stored ones;
//!   [`args_secret`] / [`args_from_secret`] are the Secret `addon-secret-<name>` that keeps them.
//! * [`registry`]: the hub's registry list (ConfigMap `vela-system/vela-addon-registry`);
//!   [`helm`]: helm-repository registries (an `index.yaml` of versioned `.tgz` packages) read
//!   through the guarded HTTP client ([`vela_http`]).
//! * [`resolve`]: KubeVela's semver constraints and the order in which dependencies are enabled.
//! * [`typed`] and [`cuefmt`]: the Application as KubeVela's Go type keeps it, and a CUE
//!   definition's template as KubeVela stores it, so that [`Rendered::dry_run_text`] prints what
//!   KubeVela's `vela addon enable --dry-run` prints.
//!
//! ```
//! use vela_addons::{Addon, File, RenderOptions};
//! let f = |p: &str, t: &str| File { path: p.into(), text: t.into() };
//! let addon = Addon::from_files(vec![
//!     f("metadata.yaml", "name: hello\nversion: 1.0.0\n"),
//!     f("template.yaml", "apiVersion: core.oam.dev/v1beta1\nkind: Application\n"),
//!     f("resources/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hello}\n"),
//! ]).unwrap();
//! let rendered = addon.render(&RenderOptions::default()).unwrap();
//! let app = rendered.typed_application().unwrap();
//! assert_eq!(app.metadata.name.as_deref(), Some("addon-hello"));
//! assert_eq!(app.spec.components[0].type_, "k8s-objects");
//! ```

mod args;
mod cuefile;
pub mod cuefmt;
pub mod error;
pub mod git;
mod guarded;
pub mod helm;
pub mod load;
pub mod meta;
mod objects;
mod package;
pub mod registry;
pub mod render;
pub mod resolve;
mod scaffold;
pub mod typed;

pub use args::{merge_args, parse_args};
pub use error::{Error, Result};
pub use load::{Addon, File, Limits, Template};
pub use meta::{Dependency, DeployTo, Meta, SystemRequirements};
pub use objects::{ARGS_KEY, args_from_secret, args_secret};
pub use package::package;
pub use render::{RenderOptions, Rendered, app_name, secret_name};
pub use scaffold::scaffold;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
