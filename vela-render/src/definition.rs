//! The definition abstraction shared by CUE, CR and native Rust definitions.
//!
//! A [`Definition`] has metadata, a parameter schema (OpenAPI v3), a render function from
//! validated parameters plus [`Context`] to a [`Rendered`] set of objects and patches, and a
//! status function evaluated against live objects ([`StatusRequest`] → [`StatusResult`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::{Error, Result};
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

    /// Adds a spec attribute by its wire name, for the fields without a typed setter below
    /// (prefer those: a misspelt key here passes silently).
    pub fn attr(mut self, key: &str, value: Value) -> Self {
        self.attributes.insert(key.to_string(), value);
        self
    }

    /// Sets `spec.version`, resolved by `type@vN`.
    pub fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_string());
        self
    }

    /// Adds a label to the definition.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }

    /// Adds an annotation to the definition.
    pub fn annotation(mut self, key: &str, value: &str) -> Self {
        self.annotations.insert(key.to_string(), value.to_string());
        self
    }

    /// A component's workload kind (`spec.workload`): `workload.definition` is
    /// `{apiVersion, kind}` and `workload.type` the resource name KubeVela matches
    /// `appliesToWorkloads` against (`apps/v1` `Deployment` → `deployments.apps`; the plural is
    /// the lower-case kind plus `s`, `es` after `s`, `ies` for a final `y`: override it with
    /// [`Meta::workload_type`] when the resource's plural is irregular).
    ///
    /// ```
    /// use vela_render::{Kind, Meta};
    /// let meta = Meta::new("web-app", Kind::Component, "A web app").workload("apps/v1", "Deployment");
    /// assert_eq!(meta.attributes["workload"]["type"], "deployments.apps");
    /// assert_eq!(meta.attributes["workload"]["definition"]["kind"], "Deployment");
    /// ```
    pub fn workload(self, api_version: &str, kind: &str) -> Self {
        let lower = kind.to_lowercase();
        let plural = if lower.ends_with('s') {
            format!("{lower}es")
        } else if let Some(stem) = lower.strip_suffix('y') {
            format!("{stem}ies")
        } else {
            format!("{lower}s")
        };
        let type_ = match api_version.rsplit_once('/') {
            Some((group, _)) => format!("{plural}.{group}"),
            None => plural,
        };
        let mut meta = self.workload_type(&type_);
        if let Some(Value::Object(w)) = meta.attributes.get_mut("workload") {
            w.insert(
                "definition".into(),
                serde_json::json!({"apiVersion": api_version, "kind": kind}),
            );
        }
        meta
    }

    /// Sets `spec.workload.type` alone (e.g. `autodetects.core.oam.dev`).
    pub fn workload_type(mut self, type_: &str) -> Self {
        let w = self
            .attributes
            .entry("workload")
            .or_insert_with(|| Value::Object(Map::new()));
        if !w.is_object() {
            *w = Value::Object(Map::new());
        }
        if let Value::Object(w) = w {
            w.insert("type".into(), Value::String(type_.to_string()));
        }
        self
    }

    /// A trait's `spec.appliesToWorkloads`: the workload types (`deployments.apps`), component
    /// types or `*` it may be attached to.
    pub fn applies_to_workloads<S: AsRef<str>>(self, workloads: impl IntoIterator<Item = S>) -> Self {
        self.set_strings("appliesToWorkloads", workloads)
    }

    /// A trait's `spec.conflictsWith`: traits it cannot be attached together with.
    pub fn conflicts_with<S: AsRef<str>>(self, traits: impl IntoIterator<Item = S>) -> Self {
        self.set_strings("conflictsWith", traits)
    }

    /// A trait's `spec.podDisruptive`: whether changing its parameters restarts the pods.
    pub fn pod_disruptive(mut self, disruptive: bool) -> Self {
        self.attributes
            .insert("podDisruptive".into(), Value::Bool(disruptive));
        self
    }

    /// A trait's `spec.workloadRefPath`: where its objects get a reference to the workload
    /// (`{apiVersion, kind, name}`), e.g. `spec.workloadRef`.
    pub fn workload_ref_at(mut self, path: &str) -> Self {
        self.attributes
            .insert("workloadRefPath".into(), Value::String(path.to_string()));
        self
    }

    /// A trait's `spec.stage`: when it is dispatched relative to the workload.
    pub fn stage(mut self, stage: vela_model::definition::Stage) -> Self {
        let wire = match stage {
            vela_model::definition::Stage::PreDispatch => "PreDispatch",
            vela_model::definition::Stage::DefaultDispatch => "DefaultDispatch",
            vela_model::definition::Stage::PostDispatch => "PostDispatch",
        };
        self.attributes.insert("stage".into(), Value::String(wire.into()));
        self
    }

    /// `spec.status.healthPolicy`: a CUE program setting `isHealth` from `context.output`
    /// (used by CUE definitions; a native definition implements
    /// [`Native::status`](crate::native::Native::status) instead).
    pub fn health_policy(self, cue: &str) -> Self {
        self.set_status("healthPolicy", cue)
    }

    /// `spec.status.customStatus`: a CUE program setting `message` (see
    /// [`Meta::health_policy`]).
    pub fn custom_status(self, cue: &str) -> Self {
        self.set_status("customStatus", cue)
    }

    fn set_strings<S: AsRef<str>>(mut self, key: &str, items: impl IntoIterator<Item = S>) -> Self {
        let list = items
            .into_iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect();
        self.attributes.insert(key.to_string(), Value::Array(list));
        self
    }

    fn set_status(mut self, key: &str, cue: &str) -> Self {
        let status = self
            .attributes
            .entry("status")
            .or_insert_with(|| Value::Object(Map::new()));
        if !status.is_object() {
            *status = Value::Object(Map::new());
        }
        if let Value::Object(s) = status {
            s.insert(key.to_string(), Value::String(cue.to_string()));
        }
        self
    }

    /// The trait's `spec.appliesToWorkloads` (empty when unset).
    pub fn applies_to(&self) -> Vec<&str> {
        self.strings("appliesToWorkloads")
    }

    /// The trait's `spec.conflictsWith` (empty when unset).
    pub fn conflicts(&self) -> Vec<&str> {
        self.strings("conflictsWith")
    }

    /// The trait's `spec.podDisruptive` (false when unset).
    pub fn is_pod_disruptive(&self) -> bool {
        self.attributes.get("podDisruptive").and_then(Value::as_bool) == Some(true)
    }

    /// The component's `spec.workload.type`, if any.
    pub fn workload_type_name(&self) -> Option<&str> {
        self.attributes.get("workload")?.get("type")?.as_str()
    }

    fn strings(&self, key: &str) -> Vec<&str> {
        self.attributes
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// A trait's `spec.controlPlaneOnly`: its objects go to the hub cluster (`local`), in the
    /// application's namespace, whatever the placement (false when unset).
    pub fn is_control_plane_only(&self) -> bool {
        self.attributes.get("controlPlaneOnly").and_then(Value::as_bool) == Some(true)
    }

    /// Sets a trait's `spec.controlPlaneOnly` (see [`Meta::is_control_plane_only`]).
    pub fn control_plane_only(mut self, only: bool) -> Self {
        self.attributes
            .insert("controlPlaneOnly".into(), Value::Bool(only));
        self
    }

    /// Whether a trait's `spec.stage` is `PostDispatch`: its objects are applied once the
    /// workload is healthy.
    pub fn is_post_dispatch(&self) -> bool {
        self.attributes.get("stage").and_then(Value::as_str) == Some("PostDispatch")
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

impl Rendered {
    /// Nothing rendered yet: start a trait's result here and add objects with
    /// [`Rendered::add_output`] or set [`Rendered::patch`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A component's result with its main workload `output`: any serializable object, such as
    /// a typed `k8s_openapi` `Deployment` (which serializes its `apiVersion` and `kind`).
    ///
    /// ```
    /// use vela_render::Rendered;
    /// use vela_render::k8s_openapi::api::core::v1::ConfigMap;
    /// let r = Rendered::output(ConfigMap::default())?;
    /// assert_eq!(r.output.unwrap()["kind"], "ConfigMap");
    /// # Ok::<(), vela_render::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Serialize`] when the object does not serialize to JSON.
    pub fn output(object: impl Serialize) -> Result<Self> {
        Ok(Self {
            output: Some(to_json("output", object)?),
            ..Self::default()
        })
    }

    /// Adds an auxiliary object `outputs.<name>` (a component's Service, a trait's Ingress).
    /// Objects that share a name are one CUE field: they unify into the first one.
    ///
    /// # Errors
    /// [`Error::Serialize`] when the object does not serialize to JSON.
    pub fn add_output(mut self, name: &str, object: impl Serialize) -> Result<Self> {
        let value = to_json(&format!("outputs.{name}"), object)?;
        self.outputs.push((name.to_string(), value));
        Ok(self)
    }

    /// Sets the patch applied to the workload (traits).
    pub fn with_patch(mut self, patch: Patch) -> Self {
        self.patch = Some(patch);
        self
    }

    /// Adds a patch applied to the auxiliary objects named `name` (traits).
    pub fn add_patch_output(mut self, name: &str, patch: Patch) -> Self {
        self.patch_outputs.push((name.to_string(), patch));
        self
    }
}

fn to_json(field: &str, object: impl Serialize) -> Result<Value> {
    serde_json::to_value(object).map_err(|source| Error::Serialize {
        field: field.to_string(),
        source,
    })
}

/// Input of a status evaluation: the live objects and the user's raw parameters. The workload,
/// the parameters and the context are borrowed: a component and each of its traits look at the
/// same ones.
///
/// ```
/// use serde_json::{Map, Value, json};
/// use vela_render::StatusRequest;
///
/// let live = json!({"kind": "Deployment", "status": {"readyReplicas": 1}});
/// let req = StatusRequest {
///     output: &live,
///     outputs: Map::new(),
///     parameter: &Value::Null,
///     context: &Value::Null,
/// };
/// assert_eq!(req.output["status"]["readyReplicas"], 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StatusRequest<'a> {
    /// `context.output`: the live workload (components) or `{}`.
    pub output: &'a Value,
    /// `context.outputs`: the live auxiliary objects by output name.
    pub outputs: Map<String, Value>,
    /// `parameter`: the user's properties as written (no defaults).
    pub parameter: &'a Value,
    /// The rest of `context` (`name`, `appName`, `namespace`, ...) as a JSON object, or null.
    pub context: &'a Value,
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
    fn status(&self, _req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(StatusResult::default())
    }

    /// The CUE template program (its imports and the body of `template: {...}`), for a
    /// definition written in CUE; `None` for a native one. A workflow engine runs a CUE
    /// `WorkflowStepDefinition` from it.
    ///
    /// ```
    /// use vela_render::{Kind, Registry};
    /// let native = Registry::builtin();
    /// assert!(native.get(Kind::Component, "webservice").unwrap().template().is_none());
    /// ```
    fn template(&self) -> Option<&str> {
        None
    }

    /// Compiles now what the definition otherwise compiles on first use (a CUE template and
    /// its status programs), so that its errors show before anything renders. Native
    /// definitions have nothing to compile.
    ///
    /// # Errors
    /// [`Error::Compile`] when the definition's CUE does not compile.
    fn compile(&self) -> Result<()> {
        Ok(())
    }

    /// A digest of what the definition renders with (16 hex digits): equal digests render the
    /// same. The provided method digests the metadata and the parameter schema (enough for
    /// native definitions, whose code is the binary's); CUE definitions digest their template.
    /// Applications annotated `app.oam.dev/autoUpdate` get a new revision when a definition
    /// they use changes its digest.
    ///
    /// ```
    /// use vela_render::{Kind, Registry};
    /// let reg = Registry::builtin();
    /// let web = reg.get(Kind::Component, "webservice").unwrap();
    /// assert_eq!(web.digest().len(), 16);
    /// assert_ne!(web.digest(), reg.get(Kind::Component, "worker").unwrap().digest());
    /// ```
    fn digest(&self) -> String {
        let meta = self.meta();
        digest_of(&[
            meta.name.as_bytes(),
            meta.kind.as_str().as_bytes(),
            meta.version.as_deref().unwrap_or_default().as_bytes(),
            serde_json::to_string(&meta.attributes)
                .unwrap_or_default()
                .as_bytes(),
            serde_json::to_string(self.schema())
                .unwrap_or_default()
                .as_bytes(),
        ])
    }

    /// Whether the parameters should be checked against [`Definition::schema`] before
    /// rendering (native and schema-carrying definitions); CUE definitions validate while
    /// evaluating.
    fn validates_schema(&self) -> bool {
        true
    }
}

/// 16 hex digits of a SHA-256 of `parts` (each prefixed by its length).
pub(crate) fn digest_of(parts: &[&[u8]]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use vela_model::definition::{ComponentSpec, Stage, TraitSpec};

    #[test]
    fn typed_trait_setters_write_the_keys_of_a_trait_definitions_spec() {
        let meta = Meta::new("public", Kind::Trait, "")
            .applies_to_workloads(["deployments.apps", "web-app"])
            .conflicts_with(["expose"])
            .pod_disruptive(true)
            .workload_ref_at("spec.workloadRef")
            .stage(Stage::PostDispatch)
            .control_plane_only(true)
            .health_policy("isHealth: true")
            .custom_status("message: \"ok\"");
        // vela-model's typed spec reads them back: a wrong key would leave a field empty.
        let spec: TraitSpec = serde_json::from_value(Value::Object(meta.attributes.clone())).unwrap();
        assert_eq!(spec.applies_to_workloads, ["deployments.apps", "web-app"]);
        assert_eq!(spec.conflicts_with, ["expose"]);
        assert!(spec.pod_disruptive);
        assert_eq!(spec.workload_ref_path, "spec.workloadRef");
        assert_eq!(spec.stage, Some(Stage::PostDispatch));
        assert!(spec.control_plane_only);
        assert!(meta.is_control_plane_only());
        assert!(meta.is_post_dispatch());
        assert!(!Meta::new("t", Kind::Trait, "").is_control_plane_only());
        let status = spec.status.unwrap();
        assert_eq!(status.health_policy.as_deref(), Some("isHealth: true"));
        assert_eq!(status.custom_status.as_deref(), Some("message: \"ok\""));
        assert_eq!(meta.applies_to(), ["deployments.apps", "web-app"]);
        assert_eq!(meta.conflicts(), ["expose"]);
        assert!(meta.is_pod_disruptive());
        assert_eq!(meta.workload_ref_path(), Some("spec.workloadRef"));
    }

    #[test]
    fn workload_names_its_resource_type() {
        let cases = [
            ("apps/v1", "Deployment", "deployments.apps"),
            ("v1", "ConfigMap", "configmaps"),
            ("networking.k8s.io/v1", "Ingress", "ingresses.networking.k8s.io"),
            (
                "networking.k8s.io/v1",
                "NetworkPolicy",
                "networkpolicies.networking.k8s.io",
            ),
        ];
        for (api_version, kind, type_) in cases {
            let meta = Meta::new("c", Kind::Component, "").workload(api_version, kind);
            let spec: ComponentSpec = serde_json::from_value(Value::Object(meta.attributes.clone())).unwrap();
            assert_eq!(spec.workload.type_.as_deref(), Some(type_), "{kind}");
            let gvk = spec.workload.definition.unwrap();
            assert_eq!((gvk.api_version.as_str(), gvk.kind.as_str()), (api_version, kind));
            assert_eq!(meta.workload_type_name(), Some(type_));
        }
        let meta = Meta::new("c", Kind::Component, "").workload_type("autodetects.core.oam.dev");
        assert_eq!(meta.workload_type_name(), Some("autodetects.core.oam.dev"));
        assert!(meta.attributes["workload"].get("definition").is_none());
    }

    #[test]
    fn rendered_serializes_typed_objects_in_order() {
        use k8s_openapi::api::core::v1::{ConfigMap, Service};
        let r = Rendered::output(ConfigMap::default())
            .unwrap()
            .add_output("svc", Service::default())
            .unwrap()
            .add_output("extra", serde_json::json!({"kind": "Secret"}))
            .unwrap();
        assert_eq!(r.output.unwrap()["apiVersion"], "v1");
        let names: Vec<_> = r
            .outputs
            .iter()
            .map(|(n, v)| (n.as_str(), v["kind"].clone()))
            .collect();
        assert_eq!(names, [("svc", "Service".into()), ("extra", "Secret".into())]);
    }
}
