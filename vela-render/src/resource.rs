//! Definition custom resources typed by vela-model, loaded into a [`Registry`].
//!
//! A controller or API server that reads `ComponentDefinition`s, `TraitDefinition`s,
//! `PolicyDefinition`s and `WorkflowStepDefinition`s from a cluster holds them as
//! [`vela_model::definition`] types; [`Registry::insert_resource`] compiles one into a
//! [`CueDefinition`] and registers it, the same way files are loaded ([`crate::ops::load`] parses
//! YAML with vela-model's parser and goes through here too).
//!
//! ```
//! use vela_model::definition::{ComponentDefinition, ComponentSpec, Schematic};
//! use vela_render::{Kind, Registry};
//!
//! let cr = ComponentDefinition::new(
//!     "hello",
//!     ComponentSpec::builder()
//!         .schematic(Schematic::cue(r#"
//! output: {apiVersion: "v1", kind: "ConfigMap", data: msg: parameter.msg}
//! parameter: msg: string
//! "#))
//!         .build(),
//! );
//! let mut registry = Registry::new();
//! registry.insert_resource(&cr).unwrap();
//! assert_eq!(registry.get(Kind::Component, "hello").unwrap().meta().name, "hello");
//! ```

use std::sync::Arc;

use serde_json::Value;
use vela_model::common::ObjectMeta;
use vela_model::definition::{
    ComponentDefinition, PolicyDefinition, Schematic, TraitDefinition, WorkflowStepDefinition,
};

use crate::cue::CueDefinition;
use crate::definition::Kind;
use crate::error::Result;
use crate::registry::Registry;

/// A typed definition custom resource the renderer can load: implemented for vela-model's
/// `ComponentDefinition`, `TraitDefinition`, `PolicyDefinition` and `WorkflowStepDefinition`.
pub trait Resource {
    /// The definition kind.
    const KIND: Kind;
    /// `metadata` (name, labels, annotations with `definition.oam.dev/description`).
    fn metadata(&self) -> &ObjectMeta;
    /// `spec.schematic`.
    fn schematic(&self) -> Option<&Schematic>;
    /// `spec.version` (empty when unversioned).
    fn version(&self) -> &str;
    /// `spec` in its wire format (kept as the definition's attributes).
    fn spec_json(&self) -> Value;
}

macro_rules! resource {
    ($ty:ty, $kind:expr) => {
        impl Resource for $ty {
            const KIND: Kind = $kind;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn schematic(&self) -> Option<&Schematic> {
                self.spec.schematic.as_ref()
            }
            fn version(&self) -> &str {
                &self.spec.version
            }
            fn spec_json(&self) -> Value {
                serde_json::to_value(&self.spec).unwrap_or_default()
            }
        }
    };
}

resource!(ComponentDefinition, Kind::Component);
resource!(TraitDefinition, Kind::Trait);
resource!(PolicyDefinition, Kind::Policy);
resource!(WorkflowStepDefinition, Kind::WorkflowStep);

/// `<Kind>/<name>` (or `<Kind>/<namespace>/<name>`): how a resource is named in errors.
pub fn origin<R: Resource>(cr: &R) -> String {
    let md = cr.metadata();
    let name = md.name.as_deref().unwrap_or_default();
    match md.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => format!("{}/{ns}/{name}", R::KIND.cr_kind()),
        _ => format!("{}/{name}", R::KIND.cr_kind()),
    }
}

impl Registry {
    /// Compiles a typed definition custom resource and adds it (replacing the same name and
    /// version). Unlike loading files ([`crate::ops::load`], compiled on first use), the
    /// template is compiled here, so a controller learns at once that a definition is broken.
    ///
    /// # Errors
    /// [`crate::Error::Load`] when it has no name or no CUE template, [`crate::Error::Compile`]
    /// when the template does not compile.
    pub fn insert_resource<R: Resource>(&mut self, cr: &R) -> Result<()> {
        let def = CueDefinition::from_resource(&origin(cr), cr)?;
        def.compile()?;
        self.insert(Arc::new(def));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Definition;
    use vela_model::definition::{Status, TraitSpec};

    #[test]
    fn typed_trait_keeps_metadata_and_attributes() {
        let mut cr = TraitDefinition::new(
            "scaler",
            TraitSpec::builder()
                .applies_to_workloads(vec!["deployments.apps".to_string()])
                .workload_ref_path("spec.workloadRef")
                .status(Status::builder().health_policy("isHealth: true").build())
                .version("1.2.0")
                .schematic(Schematic::cue(
                    "patch: spec: replicas: parameter.replicas\nparameter: replicas: *1 | int",
                ))
                .build(),
        );
        cr.metadata.namespace = Some("vela-system".into());
        cr.metadata.annotations = Some(
            [("definition.oam.dev/description".to_string(), "Scale.".to_string())]
                .into_iter()
                .collect(),
        );
        let def = CueDefinition::from_resource(&origin(&cr), &cr).unwrap();
        let m = def.meta();
        assert_eq!(
            (m.kind, m.name.as_str(), m.description.as_str()),
            (Kind::Trait, "scaler", "Scale.")
        );
        assert!(m.annotations.is_empty());
        assert_eq!(m.version.as_deref(), Some("1.2.0"));
        assert_eq!(m.workload_ref_path(), Some("spec.workloadRef"));
        assert!(!m.attributes.contains_key("schematic"));
        assert_eq!(m.attributes["appliesToWorkloads"][0], "deployments.apps");
        assert_eq!(def.schema()["properties"]["replicas"]["default"], 1);

        let mut reg = Registry::new();
        reg.insert_resource(&cr).unwrap();
        assert!(reg.get(Kind::Trait, "scaler@v1").is_ok());
    }

    #[test]
    fn missing_template_and_bad_cue_name_the_resource() {
        let cr = PolicyDefinition::new("p", Default::default());
        let err = Registry::new().insert_resource(&cr).unwrap_err().to_string();
        assert!(
            err.contains("PolicyDefinition/p") && err.contains("spec.schematic.cue.template"),
            "{err}"
        );
        let mut cr = WorkflowStepDefinition::new("s", Default::default());
        cr.spec.schematic = Some(Schematic::cue("parameter: {"));
        let err = Registry::new().insert_resource(&cr).unwrap_err().to_string();
        assert!(err.contains("WorkflowStepDefinition/s"), "{err}");
    }
}
