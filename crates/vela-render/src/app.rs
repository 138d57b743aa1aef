//! The part of an Application the renderer reads (components, traits, policies, workflow).
//!
//! This is a view over the wire format (`core.oam.dev/v1beta1` `Application`), parsed from
//! YAML or JSON, so the renderer works with any typed model that serializes to it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// An Application as the renderer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (empty means `default`).
    #[serde(default)]
    pub namespace: String,
    /// `metadata.labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `spec.components`.
    pub components: Vec<Component>,
    /// `spec.policies`.
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// `spec.workflow.steps` (raw).
    #[serde(default)]
    pub workflow_steps: Vec<Value>,
}

/// One component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Component name.
    pub name: String,
    /// Definition type, maybe `type@vN`.
    #[serde(rename = "type")]
    pub type_: String,
    /// User properties.
    #[serde(default)]
    pub properties: Value,
    /// Traits in order.
    #[serde(default)]
    pub traits: Vec<Trait>,
    /// `dependsOn`.
    #[serde(default, rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// One trait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trait {
    /// Definition type, maybe `type@vN`.
    #[serde(rename = "type")]
    pub type_: String,
    /// User properties.
    #[serde(default)]
    pub properties: Value,
}

/// One policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Policy name.
    pub name: String,
    /// Definition type.
    #[serde(rename = "type")]
    pub type_: String,
    /// User properties.
    #[serde(default)]
    pub properties: Value,
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|v| !v.is_null())
}

impl Application {
    /// Parses an Application document (YAML or JSON text).
    ///
    /// ```
    /// let app = vela_render::Application::from_yaml("
    /// apiVersion: core.oam.dev/v1beta1
    /// kind: Application
    /// metadata: {name: demo}
    /// spec:
    ///   components:
    ///     - {name: web, type: webservice, properties: {image: nginx}}
    /// ").unwrap();
    /// assert_eq!(app.components[0].type_, "webservice");
    /// ```
    pub fn from_yaml(text: &str) -> Result<Self> {
        let v: Value = serde_yaml::from_str(text).map_err(|e| Error::Application(e.to_string()))?;
        Self::from_value(&v)
    }

    /// Reads the Application from its wire-format JSON value.
    pub fn from_value(v: &Value) -> Result<Self> {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind != "Application" {
            return Err(Error::Application(format!(
                "kind: expected Application, got {kind:?}"
            )));
        }
        let meta = field(v, "metadata").cloned().unwrap_or(Value::Null);
        let spec =
            field(v, "spec").ok_or_else(|| Error::Application("spec: required field is missing".into()))?;
        let mut app = serde_json::json!({
            "name": field(&meta, "name").cloned().unwrap_or(Value::Null),
            "namespace": field(&meta, "namespace").cloned().unwrap_or(Value::from("")),
            "labels": field(&meta, "labels").cloned().unwrap_or_default(),
            "annotations": field(&meta, "annotations").cloned().unwrap_or_default(),
            "components": field(spec, "components").cloned().unwrap_or_default(),
            "policies": field(spec, "policies").cloned().unwrap_or_default(),
            "workflow_steps": field(spec, "workflow").and_then(|w| field(w, "steps")).cloned().unwrap_or_default(),
        });
        for key in ["labels", "annotations"] {
            if app[key].is_null() {
                app[key] = serde_json::json!({});
            }
        }
        for key in ["components", "policies", "workflow_steps"] {
            if app[key].is_null() {
                app[key] = serde_json::json!([]);
            }
        }
        serde_json::from_value(app).map_err(|e| Error::Application(e.to_string()))
    }

    /// The namespace, defaulting to `default`.
    pub fn namespace_or_default(&self) -> &str {
        if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }
}
