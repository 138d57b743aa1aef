//! Native Rust definitions: typed parameters (serde + schemars) behind [`Definition`].
//!
//! Implement [`Native`] for a type and add it with [`Registry::register`](crate::Registry::register):
//! the schema comes from the parameter type, validation from the schema, and parameters arrive
//! deserialized.
//!
//! ```
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//! use vela_render::k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
//! use vela_render::{Context, Definition, Kind, Meta, Native, Registry, Rendered, Result};
//!
//! #[derive(Deserialize, JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! struct Params { image: String }
//!
//! struct Hello;
//! impl Native for Hello {
//!     type Params = Params;
//!     fn meta(&self) -> Meta { Meta::new("hello", Kind::Component, "A pod") }
//!     fn render(&self, ctx: &Context, p: Params) -> Result<Rendered> {
//!         let container = Container { name: ctx.name.clone(), image: Some(p.image), ..Default::default() };
//!         Rendered::output(Pod {
//!             spec: Some(PodSpec { containers: vec![container], ..Default::default() }),
//!             ..Default::default()
//!         })
//!     }
//! }
//! let mut registry = Registry::new();
//! registry.register(Hello);
//! let def = registry.get(Kind::Component, "hello")?;
//! assert_eq!(def.schema()["required"][0], "image");
//! # Ok::<(), vela_render::Error>(())
//! ```

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Context;
use crate::definition::{Definition, Meta, Rendered, Source, StatusRequest, StatusResult};
use crate::error::{Error, Result};
use crate::schema::{self, Issue};

/// A definition written in Rust.
pub trait Native: Send + Sync + 'static {
    /// The parameter type; its JSON Schema is the definition's schema.
    type Params: DeserializeOwned + JsonSchema;

    /// Name, kind, description and attributes.
    fn meta(&self) -> Meta;

    /// Renders the objects and patches.
    fn render(&self, ctx: &Context, params: Self::Params) -> Result<Rendered>;

    /// Health and status against live objects (default: healthy).
    fn status(&self, _req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(StatusResult::default())
    }
}

/// Outputs that share a name are one CUE field: they unify into the first one (a conflict is
/// an error), as when two `storage` entries name the same claim.
fn merge_same_names(outputs: Vec<(String, Value)>) -> std::result::Result<Vec<(String, Value)>, String> {
    let mut merged: Vec<(String, Value)> = Vec::with_capacity(outputs.len());
    for (name, value) in outputs {
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, first)) => crate::patch::strategy_unify(first, &crate::patch::Node::from_json(value))
                .map_err(|e| format!("outputs.{name}: {e}"))?,
            None => merged.push((name, value)),
        }
    }
    Ok(merged)
}

/// Adapter from [`Native`] to [`Definition`], caching metadata and schema (generated on first
/// use: a registry of built-ins costs little until a definition is used).
pub struct Def<N: Native> {
    inner: N,
    meta: Meta,
    schema: std::sync::OnceLock<Value>,
}

impl<N: Native> Def<N> {
    /// Wraps a native definition.
    pub fn new(inner: N) -> Self {
        let meta = inner.meta();
        Self {
            inner,
            meta,
            schema: std::sync::OnceLock::new(),
        }
    }
}

impl<N: Native> Definition for Def<N> {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn schema(&self) -> &Value {
        self.schema.get_or_init(schema::openapi_for::<N::Params>)
    }

    fn source(&self) -> Source {
        Source::Native
    }

    fn render(&self, ctx: &Context, params: &Value) -> Result<Rendered> {
        let empty = Value::Object(Default::default());
        let params = if params.is_null() { &empty } else { params };
        let typed = N::Params::deserialize(params).map_err(|e| {
            Error::Invalid(vec![Issue {
                path: "properties".into(),
                message: e.to_string(),
            }])
        })?;
        let mut out = self.inner.render(ctx, typed)?;
        out.outputs = merge_same_names(out.outputs).map_err(|message| Error::Render {
            kind: self.meta.kind,
            name: self.meta.name.clone(),
            message,
        })?;
        if !out.errs.is_empty() {
            return Err(Error::User {
                kind: self.meta.kind,
                name: self.meta.name.clone(),
                errors: out.errs,
            });
        }
        Ok(out)
    }

    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        self.inner.status(req)
    }
}
