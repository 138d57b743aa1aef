//! Snapshot-testing helpers for platform teams: render a definition the way `vela dry-run`
//! does and get stable text to hand to `insta` (or compare by hand).
//!
//! ```
//! use serde_json::json;
//! use vela_render::testing::Harness;
//!
//! let text = Harness::builtin()
//!     .component("webservice", json!({"image": "nginx"}))
//!     .with_trait("scaler", json!({"replicas": 2}))
//!     .dry_run();
//! assert!(text.contains("replicas: 2"));
//! ```

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::{Application, Component, Trait};
use crate::definition::Definition;
use crate::native::Native;
use crate::ops::output;
use crate::registry::Registry;
use crate::render::{ComponentManifest, Options, Renderer};
use vela_model::application::Spec;

/// A registry to render test applications with.
#[derive(Debug, Clone)]
pub struct Harness {
    registry: Registry,
    options: Options,
}

impl Harness {
    /// The built-in definitions.
    pub fn builtin() -> Self {
        Self {
            registry: Registry::builtin(),
            options: Options::default(),
        }
    }

    /// No definitions at all.
    pub fn empty() -> Self {
        Self {
            registry: Registry::new(),
            options: Options::default(),
        }
    }

    /// Rejects properties a definition does not declare (see [`Options::strict`]).
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
        self
    }

    fn renderer(&self) -> Renderer {
        Renderer::new(self.registry.clone()).with_options(self.options.clone())
    }

    /// Adds a native Rust definition.
    pub fn with_native<N: Native>(mut self, def: N) -> Self {
        self.registry.register(def);
        self
    }

    /// Adds any definition.
    pub fn with_definition(mut self, def: Arc<dyn Definition>) -> Self {
        self.registry.insert(def);
        self
    }

    /// Adds the definitions under a file or directory (`.cue`, `.yaml`).
    ///
    /// # Panics
    /// When a definition cannot be loaded (this is a test helper).
    pub fn with_path(mut self, path: impl AsRef<Path>) -> Self {
        if let Err(e) = self.registry.load_path(path.as_ref()) {
            panic!("{}", e.chain());
        }
        self
    }

    /// Starts an application `app` with one component named after its type.
    pub fn component(&self, type_: &str, properties: Value) -> AppBuilder<'_> {
        AppBuilder {
            harness: self,
            app: {
                let mut app = Application::new(
                    "app",
                    Spec::with_components(vec![Component::new(type_, type_, properties)]),
                );
                app.metadata.namespace = Some("default".into());
                app
            },
        }
    }

    /// Renders an Application document (parsed by [`crate::app::parse`]).
    ///
    /// # Errors
    /// A parse error or the first render error.
    pub fn render_yaml(&self, app_yaml: &str) -> crate::Result<Vec<ComponentManifest>> {
        let app = crate::app::parse(app_yaml)?;
        self.render(&app)
    }

    /// Renders a typed Application.
    ///
    /// # Errors
    /// The first render error.
    pub fn render(&self, app: &Application) -> crate::Result<Vec<ComponentManifest>> {
        self.renderer().render(app)
    }

    /// Renders an Application document to KubeVela's dry-run text; errors become the
    /// text `Error: <chain>` so failures can be snapshotted too.
    pub fn dry_run_yaml(&self, app_yaml: &str) -> String {
        match crate::app::parse(app_yaml) {
            Ok(app) => self.dry_run_app(&app),
            Err(e) => format!("Error: {}\n", e.chain()),
        }
    }

    /// Renders an [`Application`] to dry-run text (errors as `Error: ...`).
    pub fn dry_run_app(&self, app: &Application) -> String {
        let renderer = self.renderer();
        match crate::ops::dryrun::run(&renderer, app) {
            Ok(sections) => sections.iter().map(|(t, c)| output::dry_run_text(t, c)).collect(),
            Err(e) => format!("Error: {}\n", e.chain()),
        }
    }
}

/// A one-component application being assembled for a test.
#[derive(Debug, Clone)]
pub struct AppBuilder<'a> {
    harness: &'a Harness,
    app: Application,
}

impl AppBuilder<'_> {
    /// Adds a trait to the component.
    pub fn with_trait(mut self, type_: &str, properties: Value) -> Self {
        self.app.spec.components[0]
            .traits
            .push(Trait::new(type_, properties));
        self
    }

    /// Sets an application label (propagated to every object).
    pub fn app_label(mut self, key: &str, value: &str) -> Self {
        self.app
            .metadata
            .labels
            .get_or_insert_default()
            .insert(key.into(), value.into());
        self
    }

    /// The application being built.
    pub fn app(&self) -> &Application {
        &self.app
    }

    /// Renders to dry-run text (errors as `Error: ...`).
    pub fn dry_run(&self) -> String {
        self.harness.dry_run_app(&self.app)
    }

    /// Renders to one JSON value per object (workload first), keys sorted.
    pub fn objects(&self) -> crate::Result<Vec<Value>> {
        let comps = self.harness.renderer().render(&self.app)?;
        Ok(comps
            .iter()
            .flat_map(|c| c.all().map(output::sorted).collect::<Vec<_>>())
            .collect())
    }
}

/// Extracts the first fenced ```yaml block of a markdown document (KubeVela's
/// `def-doc/*.eg.md` examples).
pub fn yaml_block(markdown: &str) -> Option<String> {
    let start = markdown.find("```yaml")? + "```yaml".len();
    let rest = &markdown[start..];
    let end = rest.find("```")?;
    Some(rest[..end].trim_start_matches('\n').to_string())
}

/// `{}` as a JSON value.
pub fn no_properties() -> Value {
    json!({})
}
