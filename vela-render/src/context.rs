//! The `context` KubeVela gives every template (`context.name`, `context.appName`, ...).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::{Map, Value, json};

/// The label every component's pods carry with the component name; see
/// [`Context::selector_labels`].
pub const SELECTOR_LABEL: &str = vela_model::labels::label::APP_COMPONENT;

/// Render context for one component (and its traits).
///
/// ```
/// let ctx = vela_render::context::Context::new("app", "default", "web");
/// assert_eq!(ctx.to_json()["appName"], "app");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// `context.name`: the component name.
    pub name: String,
    /// `context.namespace`.
    pub namespace: String,
    /// `context.appName`.
    pub app_name: String,
    /// `context.appRevision` (empty in dry-run).
    pub app_revision: String,
    /// `context.appLabels`.
    pub app_labels: BTreeMap<String, String>,
    /// `context.appAnnotations`.
    pub app_annotations: BTreeMap<String, String>,
    /// `context.revision`: the component revision name.
    pub revision: String,
    /// `context.components`: the application's components as written (shared, cheap to clone).
    pub components: Arc<Value>,
    /// `context.cluster` (empty = local).
    pub cluster: String,
    /// `context.clusterVersion`: `{major, minor (int), gitVersion, platform}`.
    pub cluster_version: Value,
    /// `context.replicaKey` (replication policy).
    pub replica_key: String,
    /// `context.workflowName` (`app.oam.dev/workflowName`).
    pub workflow_name: String,
    /// `context.publishVersion` (`app.oam.dev/publishVersion`).
    pub publish_version: String,
    /// `context.componentType` (set for traits).
    pub component_type: String,
    /// `context.output`: the workload rendered so far (for traits).
    pub output: Option<Value>,
    /// `context.outputs`: auxiliary objects rendered so far, by name.
    pub outputs: Map<String, Value>,
    /// When the render must end ([`crate::render::Options::timeout`]): CUE definitions evaluate
    /// with this [`vela_cue::Limits::deadline`]. Not part of the JSON templates see.
    pub deadline: Option<std::time::Instant>,
}

impl Context {
    /// A context for component `name` of application `app` in `namespace`.
    pub fn new(app: &str, namespace: &str, name: &str) -> Self {
        Self {
            name: name.to_string(),
            namespace: namespace.to_string(),
            app_name: app.to_string(),
            components: Arc::new(Value::Array(Vec::new())),
            cluster_version: json!({"major": "", "minor": 0, "gitVersion": "", "platform": ""}),
            ..Default::default()
        }
    }

    /// `context.appRevisionNum`: the number after the last `-v` of the app revision, or 0.
    pub fn app_revision_num(&self) -> i64 {
        self.app_revision
            .rsplit_once("-v")
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    }

    /// The selector labels of this component's pods: the contract between components and
    /// traits.
    ///
    /// A component definition puts these labels on its pod template (and selects on them in
    /// its workload's `selector`); a trait that needs the component's pods (a Service, a
    /// PodDisruptionBudget, a NetworkPolicy) selects them with the same labels, whatever the
    /// component. Today the set is one label, [`SELECTOR_LABEL`] = the component name, as in
    /// KubeVela's built-ins (`webservice`, `expose`, ...).
    ///
    /// ```
    /// let ctx = vela_render::Context::new("shop", "default", "web");
    /// assert_eq!(ctx.selector_labels()["app.oam.dev/component"], "web");
    /// ```
    pub fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(SELECTOR_LABEL.to_string(), self.name.clone())])
    }

    /// [`Context::selector_labels`] as a typed `LabelSelector`, for a workload's `selector`.
    pub fn label_selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels()),
            ..LabelSelector::default()
        }
    }

    /// Metadata for a pod template: [`Context::selector_labels`] as its labels.
    ///
    /// ```
    /// let ctx = vela_render::Context::new("shop", "default", "web");
    /// let meta = ctx.pod_metadata();
    /// assert_eq!(meta.labels, ctx.label_selector().match_labels);
    /// ```
    pub fn pod_metadata(&self) -> ObjectMeta {
        ObjectMeta {
            labels: Some(self.selector_labels()),
            ..ObjectMeta::default()
        }
    }

    /// The context as the JSON object templates see.
    pub fn to_json(&self) -> Value {
        self.to_json_with(true)
    }

    /// The context as templates see it, with or without `components` (the application's
    /// components: as large as the application, so a template that cannot read it is evaluated
    /// without it; see [`CueDefinition`](crate::cue::CueDefinition)).
    pub fn to_json_with(&self, components: bool) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("namespace".into(), json!(self.namespace));
        m.insert("appName".into(), json!(self.app_name));
        m.insert("appRevision".into(), json!(self.app_revision));
        m.insert("appRevisionNum".into(), json!(self.app_revision_num()));
        m.insert("appLabels".into(), json!(self.app_labels));
        m.insert("appAnnotations".into(), json!(self.app_annotations));
        m.insert("revision".into(), json!(self.revision));
        if components {
            m.insert("components".into(), (*self.components).clone());
        }
        m.insert("cluster".into(), json!(self.cluster));
        m.insert("clusterVersion".into(), self.cluster_version.clone());
        m.insert("replicaKey".into(), json!(self.replica_key));
        m.insert("workflowName".into(), json!(self.workflow_name));
        m.insert("publishVersion".into(), json!(self.publish_version));
        if !self.component_type.is_empty() {
            m.insert("componentType".into(), json!(self.component_type));
        }
        m.insert("output".into(), self.output.clone().unwrap_or_else(|| json!({})));
        m.insert("outputs".into(), Value::Object(self.outputs.clone()));
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_number_is_parsed() {
        let mut c = Context::new("a", "ns", "c");
        assert_eq!(c.app_revision_num(), 0);
        c.app_revision = "myapp-v12".into();
        assert_eq!(c.app_revision_num(), 12);
        assert_eq!(c.to_json()["appRevisionNum"], 12);
    }
}
