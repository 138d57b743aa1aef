//! A `vela def` definition as its custom resource (`vela def render`, `vela def apply`).

use serde_json::{Map, Value, json};
use vela_model::labels::annotation;

use super::{CueDefinition, string_map};

impl CueDefinition {
    /// The definition as a custom resource (what `vela def render` prints). The metadata of
    /// one read from a `vela def` file is what KubeVela's `Definition.FromCUE` sets (see
    /// [`USER_PREFIX`]); labels are left out when there are none.
    ///
    /// ```
    /// let src = "web: {type: \"component\", alias: \"w\", labels: {\"ui-hidden\": \"true\"}}\ntemplate: output: {}\n";
    /// let def = vela_render::cue::CueDefinition::from_cue("web.cue", src).unwrap();
    /// let md = &def.to_cr()["metadata"];
    /// assert_eq!(md["annotations"], serde_json::json!({"definition.oam.dev/alias": "w"}));
    /// assert_eq!(md["labels"], serde_json::json!({"custom.definition.oam.dev/ui-hidden": "true"}));
    /// ```
    pub fn to_cr(&self) -> Value {
        let (annotations, labels) = match &self.cr_metadata {
            Some((annotations, labels)) => (annotations.clone(), labels.clone()),
            None => {
                let mut annotations: Map<String, Value> = self
                    .meta
                    .annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                annotations.insert(
                    annotation::DEFINITION_DESCRIPTION.into(),
                    json!(self.meta.description),
                );
                let labels = self
                    .meta
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                (annotations, labels)
            }
        };
        let mut spec = self.meta.attributes.clone();
        spec.insert(
            "schematic".into(),
            json!({"cue": {"template": dedent(&self.template)}}),
        );
        let mut metadata = Map::new();
        metadata.insert("annotations".into(), Value::Object(annotations));
        if !labels.is_empty() {
            metadata.insert("labels".into(), Value::Object(labels));
        }
        metadata.insert("name".into(), json!(self.meta.name));
        json!({
            "apiVersion": "core.oam.dev/v1beta1",
            "kind": self.meta.kind.cr_kind(),
            "metadata": metadata,
            "spec": spec,
        })
    }
}

/// The prefix KubeVela's `Definition.FromCUE` gives the keys of a `vela def` header's
/// `annotations` and `labels` that do not contain `oam.dev` (its `UserPrefix`).
pub const USER_PREFIX: &str = "custom.definition.oam.dev/";

/// The annotations and labels of a `vela def` header as KubeVela's `Definition.FromCUE` sets
/// them: `alias` and `description` become the `definition.oam.dev/alias` and
/// `definition.oam.dev/description` annotations only when the header has them, then the
/// header's `annotations`, and its `labels`, each key not containing `oam.dev` prefixed
/// [`USER_PREFIX`].
pub(super) fn from_cue_metadata(header: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let mut annotations = Map::new();
    for (key, annotation) in [
        ("alias", annotation::DEFINITION_ALIAS),
        ("description", annotation::DEFINITION_DESCRIPTION),
    ] {
        if let Some(v) = header.get(key) {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            annotations.insert(annotation.into(), json!(text));
        }
    }
    let prefixed = |key: &str| -> Map<String, Value> {
        string_map(header.get(key))
            .into_iter()
            .map(|(k, v)| {
                let k = if k.contains("oam.dev") {
                    k
                } else {
                    format!("{USER_PREFIX}{k}")
                };
                (k, json!(v))
            })
            .collect()
    };
    annotations.extend(prefixed("annotations"));
    // in key order, as KubeVela prints its maps
    let mut annotations: Vec<(String, Value)> = annotations.into_iter().collect();
    annotations.sort_by(|a, b| a.0.cmp(&b.0));
    (annotations.into_iter().collect(), prefixed("labels"))
}

/// Removes the indentation common to every non-empty line and surrounding blank lines (the
/// body of `template: { ... }` is indented once in a `vela def` file).
fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines
        .iter()
        .map(|l| if l.trim().is_empty() { "" } else { &l[indent..] })
        .collect();
    let mut out = body.join("\n").trim_matches('\n').to_string();
    out.push('\n');
    out
}
