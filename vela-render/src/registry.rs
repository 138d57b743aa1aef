//! The definition registry: resolves `type` and `type@vN` to a [`Definition`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::definition::{Definition, Kind};
use crate::error::{Error, Result};

/// Definitions by kind and name; each name may have several versions.
///
/// Later registrations of the same name and version replace earlier ones, so loading a
/// directory of CUE definitions over [`Registry::builtin`] overrides the built-ins.
///
/// ```
/// use vela_render::{Kind, Registry};
/// let reg = Registry::builtin();
/// assert_eq!(reg.get(Kind::Component, "webservice").unwrap().meta().name, "webservice");
/// assert!(reg.get(Kind::Trait, "no-such-trait").is_err());
/// ```
#[derive(Default, Clone)]
pub struct Registry {
    defs: BTreeMap<(Kind, String), Vec<Arc<dyn Definition>>>,
    /// Workflow step types known by name only (KubeVela's built-in step definitions, which the
    /// workflow engine runs; rendering needs only to know that they exist).
    step_types: BTreeSet<String>,
}

/// Step types KubeVela's workflow engine runs without a definition
/// (`IsBuiltinWorkflowStepType`), and `deploy`, which `vela dry-run` always knows.
pub const ENGINE_STEP_TYPES: &[&str] = &[
    "suspend",
    "apply-component",
    "builtin-apply-component",
    "step-group",
    "deploy",
];

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("definitions", &self.defs.len())
            .finish()
    }
}

fn version_key(v: Option<&str>) -> Vec<u64> {
    v.unwrap_or_default()
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding the project's native built-in definitions.
    pub fn builtin() -> Self {
        let mut r = Self::new();
        crate::builtin::register(&mut r);
        r
    }

    /// Adds (or replaces) a native Rust definition; returns the registry for chaining.
    ///
    /// ```
    /// # use vela_render::{Context, Kind, Meta, Registry, Rendered, Result};
    /// # use vela_render::k8s_openapi::api::core::v1::ConfigMap;
    /// struct Settings;
    /// impl vela_render::Native for Settings {
    ///     type Params = std::collections::BTreeMap<String, String>;
    ///     fn meta(&self) -> Meta { Meta::new("settings", Kind::Component, "Settings") }
    ///     fn render(&self, _: &Context, data: Self::Params) -> Result<Rendered> {
    ///         Rendered::output(ConfigMap { data: Some(data), ..Default::default() })
    ///     }
    /// }
    /// let mut registry = Registry::new();
    /// registry.register(Settings);
    /// assert!(registry.get(Kind::Component, "settings").is_ok());
    /// ```
    pub fn register<N: crate::native::Native>(&mut self, def: N) -> &mut Self {
        self.insert(Arc::new(crate::native::Def::new(def)));
        self
    }

    /// Adds (or replaces) a definition of any source (see [`Registry::register`] for native
    /// ones).
    pub fn insert(&mut self, def: Arc<dyn Definition>) {
        let meta = def.meta();
        let slot = self.defs.entry((meta.kind, meta.name.clone())).or_default();
        let version = meta.version.clone();
        slot.retain(|d| d.meta().version != version);
        slot.push(def);
        slot.sort_by_key(|d| version_key(d.meta().version.as_deref()));
    }

    /// Resolves `name` or `name@vN` (`@v1` matches versions `1`, `v1`, `1.x.y`; the highest
    /// match wins; without a version the highest version wins).
    pub fn get(&self, kind: Kind, type_ref: &str) -> Result<Arc<dyn Definition>> {
        let (name, want) = match type_ref.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (type_ref, None),
        };
        let not_found = || Error::NotFound {
            kind,
            name: type_ref.to_string(),
        };
        let versions = self.defs.get(&(kind, name.to_string())).ok_or_else(not_found)?;
        let found = match want {
            None => versions.last(),
            Some(w) => {
                let want = version_key(Some(w));
                versions.iter().rev().find(|d| {
                    let have = version_key(d.meta().version.as_deref());
                    d.meta().version.is_some() && have.starts_with(&want)
                })
            }
        };
        found.cloned().ok_or_else(not_found)
    }

    /// Every definition (latest version of each name), ordered by kind and name.
    pub fn list(&self) -> impl Iterator<Item = &Arc<dyn Definition>> {
        self.defs.values().filter_map(|v| v.last())
    }

    /// Number of names registered.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Declares a workflow step type by name (no definition to render with).
    pub fn declare_workflow_step(&mut self, name: &str) -> &mut Self {
        self.step_types.insert(name.to_string());
        self
    }

    /// Whether a workflow step of type `type_ref` can run: an engine step type, a declared
    /// name, or a loaded WorkflowStepDefinition.
    ///
    /// ```
    /// let reg = vela_render::Registry::builtin();
    /// assert!(reg.has_workflow_step("deploy") && reg.has_workflow_step("notification"));
    /// assert!(!reg.has_workflow_step("deploy2env"));
    /// ```
    pub fn has_workflow_step(&self, type_ref: &str) -> bool {
        ENGINE_STEP_TYPES.contains(&type_ref)
            || self.step_types.contains(type_ref)
            || self.get(Kind::WorkflowStep, type_ref).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Context;
    use crate::definition::{Meta, Rendered, Source};
    use serde_json::Value;

    struct V(Meta, Value);
    impl Definition for V {
        fn meta(&self) -> &Meta {
            &self.0
        }
        fn schema(&self) -> &Value {
            &self.1
        }
        fn source(&self) -> Source {
            Source::Native
        }
        fn render(&self, _: &Context, _: &Value) -> Result<Rendered> {
            Ok(Rendered::default())
        }
    }

    fn def(version: Option<&str>) -> Arc<dyn Definition> {
        let mut m = Meta::new("x", Kind::Trait, "");
        m.version = version.map(str::to_string);
        Arc::new(V(m, Value::Null))
    }

    #[test]
    fn resolves_versions() {
        let mut r = Registry::new();
        r.insert(def(Some("1.2.0")));
        r.insert(def(Some("v2")));
        r.insert(def(Some("1.10.0")));
        assert_eq!(
            r.get(Kind::Trait, "x").unwrap().meta().version.as_deref(),
            Some("v2")
        );
        assert_eq!(
            r.get(Kind::Trait, "x@v1").unwrap().meta().version.as_deref(),
            Some("1.10.0")
        );
        assert_eq!(
            r.get(Kind::Trait, "x@v1.2").unwrap().meta().version.as_deref(),
            Some("1.2.0")
        );
        assert!(r.get(Kind::Trait, "x@v3").is_err());
        assert!(r.get(Kind::Component, "x").is_err());
    }
}
