//! The definition abstraction shared by CUE, CR and native Rust definitions.
//!
//! A [`Definition`] has metadata, a parameter schema (OpenAPI v3), a render function from
//! validated parameters plus [`Context`] to a [`Rendered`] set of objects and patches, and a
//! status function evaluated against live objects ([`StatusRequest`] → [`StatusResult`]).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::Result;
use crate::patch::Patch;

/// The four X-Definition kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// ComponentDefinition.
    Component,
    /// TraitDefinition.
    Trait,
    /// PolicyDefinition.
    Policy,
    /// WorkflowStepDefinition.
    WorkflowStep,
}

impl Kind {
    /// The `type` word of the `vela def` format (`component`, `trait`, `policy`, `workflow-step`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Component => "component",
            Kind::Trait => "trait",
            Kind::Policy => "policy",
            Kind::WorkflowStep => "workflow-step",
        }
    }

    /// The custom resource kind (`ComponentDefinition`, ...).
    pub fn cr_kind(self) -> &'static str {
        match self {
            Kind::Component => "ComponentDefinition",
            Kind::Trait => "TraitDefinition",
            Kind::Policy => "PolicyDefinition",
            Kind::WorkflowStep => "WorkflowStepDefinition",
        }
    }

    /// Parses the `vela def` type word or the CR kind.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "component" | "ComponentDefinition" => Some(Kind::Component),
            "trait" | "TraitDefinition" => Some(Kind::Trait),
            "policy" | "PolicyDefinition" => Some(Kind::Policy),
            "workflow-step" | "WorkflowStepDefinition" => Some(Kind::WorkflowStep),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Written in Rust.
    Native,
    /// A `vela def` CUE file.
    Cue,
    /// A definition custom resource (YAML).
    Cr,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Native => "native",
            Source::Cue => "cue",
            Source::Cr => "cr",
        })
    }
}

/// Definition metadata: the header of a `vela def` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The definition name (the `type` users write).
    pub name: String,
    /// The kind.
    pub kind: Kind,
    /// One-line description (`definition.oam.dev/description`).
    pub description: String,
    /// Optional version (`spec.version`), resolved by `type@vN`.
    pub version: Option<String>,
    /// Annotations of the definition.
    pub annotations: BTreeMap<String, String>,
    /// Labels of the definition.
    pub labels: BTreeMap<String, String>,
    /// The remaining spec fields (`workload`, `appliesToWorkloads`, `podDisruptive`, `stage`,
    /// `workloadRefPath`, `status`, ...), as in the CR's `spec`.
    pub attributes: Map<String, Value>,
}

impl Meta {
    /// Metadata with a name, kind and description.
    pub fn new(name: &str, kind: Kind, description: &str) -> Self {
        Self {
            name: name.to_string(),
            kind,
            description: description.to_string(),
            version: None,
            annotations: BTreeMap::new(),
            labels: BTreeMap::new(),
            attributes: Map::new(),
        }
    }

    /// Adds a spec attribute.
    pub fn attr(mut self, key: &str, value: Value) -> Self {
        self.attributes.insert(key.to_string(), value);
        self
    }

    /// `spec.workloadRefPath` of a trait, if any.
    pub fn workload_ref_path(&self) -> Option<&str> {
        self.attributes
            .get("workloadRefPath")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// What a definition produced for one component or trait.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// `output`: the main workload (components).
    pub output: Option<Value>,
    /// `outputs.<name>`: auxiliary objects, in order.
    pub outputs: Vec<(String, Value)>,
    /// `patch`: applied to the workload (traits).
    pub patch: Option<Patch>,
    /// `patchOutputs.<name>`: applied to auxiliary objects by name (traits).
    pub patch_outputs: Vec<(String, Patch)>,
    /// `errs`: user errors; non-empty fails the render.
    pub errs: Vec<String>,
}

/// Input of a status evaluation: the live objects and the user's raw parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusRequest {
    /// `context.output`: the live workload (components) or `{}`.
    pub output: Value,
    /// `context.outputs`: the live auxiliary objects by output name.
    pub outputs: Map<String, Value>,
    /// `parameter`: the user's properties as written (no defaults).
    pub parameter: Value,
    /// The rest of `context` (`name`, `appName`, `namespace`, ...) as a JSON object, or null.
    pub context: Value,
}

/// Result of a status evaluation (`isHealth`, `message`, `details`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResult {
    /// `isHealth`.
    pub healthy: bool,
    /// `message` of `customStatus`.
    pub message: String,
    /// `details`: concrete string values by key.
    pub details: BTreeMap<String, String>,
}

impl Default for StatusResult {
    fn default() -> Self {
        Self {
            healthy: true,
            message: String::new(),
            details: BTreeMap::new(),
        }
    }
}

/// A component, trait, policy or workflow-step definition, whatever its source.
pub trait Definition: Send + Sync {
    /// Name, kind, description and spec attributes.
    fn meta(&self) -> &Meta;

    /// The parameter schema as OpenAPI v3 JSON Schema.
    fn schema(&self) -> &Value;

    /// Where the definition came from.
    fn source(&self) -> Source;

    /// Renders with already validated parameters.
    fn render(&self, ctx: &Context, params: &Value) -> Result<Rendered>;

    /// Evaluates health, custom status and details against live objects. Definitions
    /// without a health policy are healthy.
    fn status(&self, _req: &StatusRequest) -> Result<StatusResult> {
        Ok(StatusResult::default())
    }

    /// Whether the parameters should be checked against [`Definition::schema`] before
    /// rendering (native and schema-carrying definitions); CUE definitions validate while
    /// evaluating.
    fn validates_schema(&self) -> bool {
        true
    }
}

impl fmt::Debug for dyn Definition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Definition")
            .field("name", &self.meta().name)
            .field("kind", &self.meta().kind)
            .field("source", &self.source())
            .finish()
    }
}
