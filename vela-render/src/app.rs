//! The renderer's input: vela-model's typed [`Application`].
//!
//! The renderer reads an Application's components, traits, policies, workflow steps and
//! metadata straight from the typed model ([`vela_model::application`]), so a program holding
//! a `vela_model::Application` (a controller, an API server, a delivery engine) renders it
//! without serializing it first. Text is parsed by vela-model's parser ([`parse`]), whose
//! errors name the document, line, column and field path.
//!
//! ```
//! use serde_json::json;
//! use vela_model::application::{Component, Spec};
//! use vela_render::{Application, Registry, Renderer};
//!
//! let app = Application::new(
//!     "demo",
//!     Spec::with_components(vec![
//!         Component::new("web", "webservice", json!({"image": "nginx"}))
//!             .with_trait("scaler", json!({"replicas": 2})),
//!     ]),
//! );
//! let out = Renderer::new(Registry::builtin()).render(&app).unwrap();
//! assert_eq!(out[0].workload["spec"]["replicas"], 2);
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

pub use vela_model::application::{Application, Component, Policy, Trait};

use crate::error::Result;

/// Parses a YAML or JSON text holding exactly one Application (unknown fields ignored, as
/// KubeVela does), with vela-model's parser.
///
/// ```
/// let app = vela_render::app::parse("
/// apiVersion: core.oam.dev/v1beta1
/// kind: Application
/// metadata: {name: demo}
/// spec:
///   components:
///     - {name: web, type: webservice, properties: {image: nginx}}
/// ").unwrap();
/// assert_eq!(app.spec.components[0].type_, "webservice");
///
/// let err = vela_render::app::parse("
/// apiVersion: core.oam.dev/v1beta1
/// kind: Application
/// metadata: {name: demo}
/// spec:
///   components: {web: 1}
/// ").unwrap_err();
/// assert!(err.to_string().contains("spec.components` (line 6"), "{err}");
/// ```
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) when the text is not exactly one valid Application.
pub fn parse(text: &str) -> Result<Application> {
    Ok(vela_model::parse::application(text)?)
}

static EMPTY: BTreeMap<String, String> = BTreeMap::new();

/// `metadata.name` (empty when unset).
pub fn name(app: &Application) -> &str {
    app.metadata.name.as_deref().unwrap_or_default()
}

/// `metadata.namespace`, defaulting to `default`.
pub fn namespace(app: &Application) -> &str {
    match app.metadata.namespace.as_deref() {
        None | Some("") => "default",
        Some(ns) => ns,
    }
}

/// `metadata.labels` (empty when unset).
pub fn labels(app: &Application) -> &BTreeMap<String, String> {
    app.metadata.labels.as_ref().unwrap_or(&EMPTY)
}

/// `metadata.annotations` (empty when unset).
pub fn annotations(app: &Application) -> &BTreeMap<String, String> {
    app.metadata.annotations.as_ref().unwrap_or(&EMPTY)
}

static NULL: Value = Value::Null;

/// A component's or trait's `properties`, `null` when unset.
pub fn properties(props: &Option<Value>) -> &Value {
    props.as_ref().unwrap_or(&NULL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_carry_positions() {
        let err = parse("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: w\n      type: [x]\n")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("spec.components[0].type"), "{text}");
        assert!(text.contains("line 7"), "{text}");
        assert!(parse("kind: ConfigMap\napiVersion: v1\n").is_err());
    }

    #[test]
    fn metadata_defaults() {
        let app = Application::default();
        assert_eq!(name(&app), "");
        assert_eq!(namespace(&app), "default");
        assert!(labels(&app).is_empty() && annotations(&app).is_empty());
        assert!(properties(&None).is_null());
    }
}
