//! The X-Definitions stored in a hub: what `vela def apply`, addons and KubeVela's own chart
//! put into the definitions namespace, loaded so that an engine renders with them.
//!
//! KubeVela reads every definition from the cluster; Vela-rs compiles its built-ins in and
//! reads the hub's CUE definitions on top of them. The order, from weakest to strongest:
//! the built-ins, then the hub's definitions ([`Stored::add_to`]), then whatever the caller
//! loads after (`vela up -d DIR`). A stored definition of a built-in's name replaces it, as
//! in KubeVela, where the stored definition is the only one.
//!
//! Skipped, each with its reason in [`Stored::skipped`]: the objects `vela install` writes for
//! the native built-ins (annotated [`NATIVE_ANNOTATION`],
//! no schematic), definitions without a CUE schematic (KubeVela's `kube` and `helm`
//! schematics), and definitions whose CUE does not compile. A hub that does not serve the
//! definition kinds yet (no CRDs installed, as on a fresh embedded cluster) holds none.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;
use vela_multicluster::{Error as ClusterError, Objects};
use vela_render::cue::CueDefinition;
use vela_render::resource::Resource;
use vela_render::{Definition, Registry};

use crate::Result;
use crate::install::NATIVE_ANNOTATION;

/// The API group and version of the definition kinds.
const API_VERSION: &str = "core.oam.dev/v1beta1";

/// The kinds read, in this order.
pub const KINDS: [&str; 4] = [
    "ComponentDefinition",
    "TraitDefinition",
    "PolicyDefinition",
    "WorkflowStepDefinition",
];

/// The definitions read from a hub.
#[derive(Default, Clone)]
pub struct Stored {
    /// The loaded definitions, in the order of [`KINDS`] and then by name.
    pub definitions: Vec<Arc<dyn Definition>>,
    /// The objects not loaded: `Kind/name` and why.
    pub skipped: Vec<(String, Skip)>,
    /// Every object read, as `Kind/name@resourceVersion`, in the order read: equal lists mean
    /// nothing changed (a controller reads them again to notice a change).
    pub versions: Vec<String>,
}

/// Why a stored definition was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// One of the objects `vela install` writes for a native built-in (compiled in already).
    Native,
    /// It has no CUE schematic (KubeVela's `kube` or `helm` schematics; Vela-rs renders CUE).
    NoCue,
    /// It is malformed, or its CUE does not compile: the message says where.
    Invalid(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Native => f.write_str("a native built-in (compiled in)"),
            Skip::NoCue => f.write_str("no CUE schematic (spec.schematic.cue.template)"),
            Skip::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self
            .definitions
            .iter()
            .map(|d| format!("{}/{}", d.meta().kind.cr_kind(), d.meta().name))
            .collect();
        f.debug_struct("Stored")
            .field("definitions", &names)
            .field("skipped", &self.skipped)
            .field("versions", &self.versions)
            .finish()
    }
}

impl Stored {
    /// Adds every loaded definition to `registry`, replacing definitions of the same kind,
    /// name and version.
    ///
    /// ```
    /// use vela_engine::definitions::Stored;
    /// use vela_render::Registry;
    ///
    /// let mut registry = Registry::builtin();
    /// let before = registry.len();
    /// Stored::default().add_to(&mut registry);
    /// assert_eq!(registry.len(), before);
    /// ```
    pub fn add_to(&self, registry: &mut Registry) {
        for d in &self.definitions {
            registry.insert(d.clone());
        }
    }
}

/// Reads the definitions stored in `namespace` of the hub (the cluster `""` of `hub`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use vela_engine::definitions;
/// use vela_multicluster::Objects;
///
/// let hub = vela_multicluster::Memory::new();
/// hub.apply("", serde_json::json!({
///     "apiVersion": "core.oam.dev/v1beta1", "kind": "ComponentDefinition",
///     "metadata": {"name": "note", "namespace": "vela-system"},
///     "spec": {"schematic": {"cue": {"template":
///         "output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: text: parameter.text}\nparameter: text: string\n"}}},
/// })).await.unwrap();
/// let stored = definitions::stored(&hub, "vela-system").await.unwrap();
/// assert_eq!(stored.definitions[0].meta().name, "note");
/// # });
/// ```
///
/// # Errors
/// [`Error::Cluster`](crate::Error::Cluster) when the hub cannot be read (a kind it does not
/// serve is not an error: it holds no definitions of that kind).
pub async fn stored(hub: &dyn Objects, namespace: &str) -> Result<Stored> {
    let mut out = Stored::default();
    for kind in KINDS {
        let Some(objects) = list(hub, kind, namespace).await? else {
            continue;
        };
        out.add(kind, objects.iter().collect());
    }
    Ok(out)
}

/// Reads the definitions stored in every namespace of the hub (`scope`: in that one only),
/// by namespace, with one list per kind; `except` (the system definition namespace, read
/// apart) is left out.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use vela_engine::definitions;
/// use vela_multicluster::Objects;
///
/// let hub = vela_multicluster::Memory::new();
/// for ns in ["vela-system", "team-a"] {
///     hub.apply("", serde_json::json!({
///         "apiVersion": "core.oam.dev/v1beta1", "kind": "ComponentDefinition",
///         "metadata": {"name": "note", "namespace": ns},
///         "spec": {"schematic": {"cue": {"template":
///             "output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: text: parameter.text}\nparameter: text: string\n"}}},
///     })).await.unwrap();
/// }
/// let by_namespace = definitions::stored_by_namespace(&hub, None, "vela-system").await.unwrap();
/// assert_eq!(by_namespace.keys().collect::<Vec<_>>(), ["team-a"]);
/// assert_eq!(by_namespace["team-a"].definitions[0].meta().name, "note");
/// # });
/// ```
///
/// # Errors
/// As [`stored`].
pub async fn stored_by_namespace(
    hub: &dyn Objects,
    scope: Option<&str>,
    except: &str,
) -> Result<BTreeMap<String, Stored>> {
    let mut out: BTreeMap<String, Stored> = BTreeMap::new();
    for kind in KINDS {
        let Some(objects) = list(hub, kind, scope.unwrap_or("")).await? else {
            continue;
        };
        let mut grouped: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for object in &objects {
            let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
            if !ns.is_empty() && ns != except {
                grouped.entry(ns).or_default().push(object);
            }
        }
        for (ns, objects) in grouped {
            out.entry(ns.to_owned()).or_default().add(kind, objects);
        }
    }
    Ok(out)
}

/// The stored objects of `kind` in `namespace` (`""`: every namespace); `None` when the hub
/// does not serve the kind.
async fn list(hub: &dyn Objects, kind: &str, namespace: &str) -> Result<Option<Vec<Value>>> {
    match hub.list("", API_VERSION, kind, namespace, &BTreeMap::new()).await {
        Ok(list) => Ok(Some(list)),
        Err(ClusterError::Invalid { field, .. }) if field == "kind" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl Stored {
    /// Loads `objects` of `kind`, by name.
    fn add(&mut self, kind: &str, mut objects: Vec<&Value>) {
        objects.sort_by(|a, b| {
            a["metadata"]["name"]
                .as_str()
                .cmp(&b["metadata"]["name"].as_str())
        });
        for object in objects {
            let name = object["metadata"]["name"].as_str().unwrap_or_default();
            let label = format!("{kind}/{name}");
            let version = object["metadata"]["resourceVersion"].as_str().unwrap_or_default();
            self.versions.push(format!("{label}@{version}"));
            match load(kind, name, object) {
                Ok(def) => self.definitions.push(def),
                Err(why) => self.skipped.push((label, why)),
            }
        }
    }
}

/// One stored object as a definition (its CUE compiled now, so that a broken one is skipped
/// here rather than failing every render), or why it is skipped.
fn load(kind: &str, name: &str, object: &Value) -> std::result::Result<Arc<dyn Definition>, Skip> {
    use vela_model::definition::{
        ComponentDefinition, PolicyDefinition, TraitDefinition, WorkflowStepDefinition,
    };
    let native = object["metadata"]["annotations"][NATIVE_ANNOTATION].as_str() == Some("true");
    if native {
        return Err(Skip::Native);
    }
    if object["spec"]["schematic"]["cue"]["template"].as_str().is_none() {
        return Err(Skip::NoCue);
    }
    let origin = format!("{kind}/{name}");
    let def = match kind {
        "ComponentDefinition" => cue::<ComponentDefinition>(&origin, object),
        "TraitDefinition" => cue::<TraitDefinition>(&origin, object),
        "PolicyDefinition" => cue::<PolicyDefinition>(&origin, object),
        _ => cue::<WorkflowStepDefinition>(&origin, object),
    }
    .map_err(Skip::Invalid)?;
    Ok(Arc::new(def))
}

fn cue<R: Resource + DeserializeOwned>(
    origin: &str,
    object: &Value,
) -> std::result::Result<CueDefinition, String> {
    let cr: R = serde_json::from_value(object.clone()).map_err(|e| format!("malformed: {e}"))?;
    let def = CueDefinition::from_resource(origin, &cr).map_err(|e| chain(&e))?;
    def.compile().map_err(|e| chain(&e))?;
    Ok(def)
}

/// An error and its causes, joined by `: `.
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vela_multicluster::Memory;
    use vela_render::Kind;

    fn definition(kind: &str, name: &str, spec: Value) -> Value {
        json!({"apiVersion": API_VERSION, "kind": kind,
            "metadata": {"name": name, "namespace": "vela-system"}, "spec": spec})
    }

    #[tokio::test]
    async fn cue_definitions_load_and_the_others_are_skipped_with_a_reason() {
        let hub = Memory::new();
        let cue = |t: &str| json!({"schematic": {"cue": {"template": t}}});
        for obj in [
            definition(
                "TraitDefinition",
                "tag",
                cue("patch: metadata: labels: tag: parameter.tag\nparameter: tag: string\n"),
            ),
            definition(
                "ComponentDefinition",
                "webservice",
                cue("output: {apiVersion: \"v1\", kind: \"ConfigMap\"}\nparameter: {}\n"),
            ),
            definition("ComponentDefinition", "chart", json!({"schematic": {"helm": {}}})),
            definition("ComponentDefinition", "broken", cue("output: {\n")),
            {
                let mut o = definition(
                    "ComponentDefinition",
                    "worker",
                    json!({"workload": {"type": "deployments.apps"}}),
                );
                o["metadata"]["annotations"] = json!({NATIVE_ANNOTATION: "true"});
                o
            },
        ] {
            hub.apply("", obj).await.unwrap();
        }
        let stored = stored(&hub, "vela-system").await.unwrap();
        let loaded: Vec<(Kind, &str)> = stored
            .definitions
            .iter()
            .map(|d| (d.meta().kind, d.meta().name.as_str()))
            .collect();
        assert_eq!(loaded, [(Kind::Component, "webservice"), (Kind::Trait, "tag")]);
        let skipped: Vec<&str> = stored.skipped.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "ComponentDefinition/broken",
                "ComponentDefinition/chart",
                "ComponentDefinition/worker"
            ]
        );
        let Skip::Invalid(why) = &stored.skipped[0].1 else {
            panic!("{:?}", stored.skipped[0]);
        };
        assert!(why.contains("ComponentDefinition/broken"), "{why}");
        assert_eq!(stored.skipped[1].1, Skip::NoCue);
        assert_eq!(stored.skipped[2].1.to_string(), "a native built-in (compiled in)");
        assert_eq!(stored.versions.len(), 5);
        assert!(
            stored.versions[0].starts_with("ComponentDefinition/broken@"),
            "{:?}",
            stored.versions
        );
        // the stored webservice replaces the built-in one
        let mut registry = Registry::builtin();
        stored.add_to(&mut registry);
        let web = registry.get(Kind::Component, "webservice").unwrap();
        // (the built-in one declares a Deployment workload)
        assert!(
            web.meta().attributes["workload"].get("definition").is_none(),
            "{:?}",
            web.meta()
        );
        assert!(registry.get(Kind::Trait, "tag").is_ok());
    }

    #[tokio::test]
    async fn definitions_of_other_namespaces_are_not_read() {
        let hub = Memory::new();
        let mut obj = definition(
            "TraitDefinition",
            "tag",
            json!({"schematic": {"cue": {"template": "patch: {}\nparameter: {}\n"}}}),
        );
        obj["metadata"]["namespace"] = json!("team-a");
        hub.apply("", obj).await.unwrap();
        let stored = stored(&hub, "vela-system").await.unwrap();
        assert!(
            stored.definitions.is_empty() && stored.skipped.is_empty(),
            "{stored:?}"
        );
    }
}
