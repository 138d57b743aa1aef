//! Installing KubeVela's API into a hub: the CustomResourceDefinitions of every OAM kind and the
//! definitions the engine runs natively, as `vela install` does (the controller itself is not
//! installed).
//!
//! What is applied, in order:
//! 1. the CRDs of [`vela_model::crd::all`] (the ones committed under `charts/vela-crds/crds/`);
//! 2. the definitions namespace ([`DEFINITIONS_NAMESPACE`] by default);
//! 3. one `ComponentDefinition`, `TraitDefinition` or `PolicyDefinition` per native definition of
//!    the renderer's registry, with a schema ConfigMap `<type>-schema-<name>` holding its
//!    parameters' OpenAPI v3 schema (key `openapi-v3-json-schema`, as KubeVela names it);
//! 4. one `WorkflowStepDefinition` per step type the engine's workflow runs.
//!
//! Native definitions are compiled into Vela-rs, so their objects carry no
//! `spec.schematic`: they say which definitions this hub offers (description, spec attributes such
//! as `workload` and `appliesToWorkloads`, the parameter schema) and are annotated with
//! [`NATIVE_ANNOTATION`].
//!
//! Installing is idempotent: an object whose fields are all already in the hub (the API server's
//! defaults aside) is left alone and reported [`Change::Unchanged`].

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Map, Value, json};
use vela_multicluster::{Key, Objects};
use vela_render::{Kind, Source};

use crate::{Engine, Error, Result};

/// The namespace KubeVela keeps its system definitions in.
pub const DEFINITIONS_NAMESPACE: &str = "vela-system";

/// The annotation on definitions compiled into Vela-rs (their objects have no schematic).
pub const NATIVE_ANNOTATION: &str = "vela.oam.dev/native-definition";

/// How often [`Engine::install`] looks again while it waits for the CRDs.
const POLL: Duration = Duration::from_millis(250);

/// What [`Engine::install`] does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The namespace of the definitions (KubeVela: `vela-system`).
    pub namespace: String,
    /// Only report what would change; write nothing.
    pub dry_run: bool,
    /// For hubs that establish CRDs asynchronously (a real API server): after applying the
    /// CRDs, wait up to this long for each to be `Established` before applying definitions.
    /// `None` for hubs that serve a kind as soon as its CRD is stored (the embedded cluster).
    pub establish_timeout: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            namespace: DEFINITIONS_NAMESPACE.into(),
            dry_run: false,
            establish_timeout: None,
        }
    }
}

/// What happened to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It did not exist and was created (or, in a dry run, would be).
    Created,
    /// It existed with other content and was updated (or would be).
    Configured,
    /// It already had this content; nothing was written.
    Unchanged,
}

impl Change {
    /// `created`, `configured` or `unchanged`, as kubectl prints them.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Configured => "configured",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One object [`Engine::install`] handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The object in the hub (cluster `""`).
    pub key: Key,
    /// What happened to it.
    pub change: Change,
}

/// The CRDs, as objects to apply.
pub fn crds() -> Vec<Value> {
    vela_model::crd::all()
        .iter()
        .map(|crd| {
            let mut v = serde_json::to_value(crd).unwrap_or(Value::Null);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("status");
            }
            v
        })
        .collect()
}

fn kind_of(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Component => ("ComponentDefinition", "component"),
        Kind::Trait => ("TraitDefinition", "trait"),
        Kind::Policy => ("PolicyDefinition", "policy"),
        Kind::WorkflowStep => ("WorkflowStepDefinition", "workflowstep"),
    }
}

fn definition_object(
    kind: &str,
    name: &str,
    namespace: &str,
    description: &str,
    meta: Option<&vela_render::Meta>,
) -> Value {
    let mut annotations = Map::new();
    let mut labels = Map::new();
    let mut spec = Map::new();
    if let Some(meta) = meta {
        for (k, v) in &meta.annotations {
            annotations.insert(k.clone(), Value::from(v.as_str()));
        }
        for (k, v) in &meta.labels {
            labels.insert(k.clone(), Value::from(v.as_str()));
        }
        spec = meta.attributes.clone();
        if let Some(version) = &meta.version {
            spec.insert("version".into(), Value::from(version.as_str()));
        }
    }
    if !description.is_empty() {
        annotations.insert("definition.oam.dev/description".into(), Value::from(description));
    }
    annotations.insert(NATIVE_ANNOTATION.into(), Value::from("true"));
    let mut metadata = json!({"name": name, "namespace": namespace, "annotations": annotations});
    if !labels.is_empty() {
        metadata["labels"] = Value::Object(labels);
    }
    json!({"apiVersion": "core.oam.dev/v1beta1", "kind": kind, "metadata": metadata, "spec": spec})
}

impl Engine {
    /// The definitions namespace and the objects of the native definitions and step types
    /// (see the [module docs](crate::install)), in the order they are applied.
    ///
    /// # Errors
    /// [`Error::HttpClient`] when the workflow's HTTP client cannot start (the step types are
    /// read from the workflow's registry).
    pub fn definition_objects(&self, namespace: &str) -> Result<Vec<Value>> {
        let mut out = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})];
        let mut steps: BTreeSet<String> = BTreeSet::new();
        for def in self.renderer().registry().list() {
            if def.source() != Source::Native {
                continue;
            }
            let meta = def.meta();
            let (kind, word) = kind_of(meta.kind);
            if meta.kind == Kind::WorkflowStep {
                steps.insert(meta.name.clone());
                continue;
            }
            out.push(definition_object(
                kind,
                &meta.name,
                namespace,
                &meta.description,
                Some(meta),
            ));
            let schema = serde_json::to_string(def.schema()).unwrap_or_default();
            out.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("{word}-schema-{}", meta.name), "namespace": namespace},
                "data": {"openapi-v3-json-schema": schema}}));
        }
        steps.extend(crate::workflow::step_type_names(self)?);
        for step in steps {
            out.push(definition_object(
                "WorkflowStepDefinition",
                &step,
                namespace,
                "",
                None,
            ));
        }
        Ok(out)
    }

    /// Installs KubeVela's API into the hub (cluster `""`): the CRDs, then the definitions
    /// namespace and the native definitions (see the [module docs](crate::install)). Objects
    /// already as wanted are not written. With [`Options::dry_run`], nothing is written and the
    /// result says what would change.
    ///
    /// # Errors
    /// [`Error::Cluster`] when the hub fails; [`Error::NotEstablished`] when
    /// [`Options::establish_timeout`] passes before every CRD is established.
    pub async fn install(&self, options: &Options) -> Result<Vec<Installed>> {
        let hub = self.clusters().as_ref();
        let mut out = Vec::new();
        let crds = crds();
        let mut names = Vec::with_capacity(crds.len());
        for crd in crds {
            names.push(crd["metadata"]["name"].as_str().unwrap_or_default().to_owned());
            out.push(sync(hub, crd, options.dry_run).await?);
        }
        let crds_created = out.iter().any(|i| i.change == Change::Created);
        let deadline = options
            .establish_timeout
            .map(|t| (tokio::time::Instant::now() + t, t));
        if let (false, Some((deadline, waited))) = (options.dry_run, deadline) {
            wait_established(hub, &names, deadline, waited).await?;
        }
        for obj in self.definition_objects(&options.namespace)? {
            let oam = obj["apiVersion"]
                .as_str()
                .is_some_and(|a| a.starts_with("core.oam.dev/"));
            if options.dry_run && oam && crds_created {
                // the kind is not served yet: everything of it is new
                out.push(Installed {
                    key: Key::of("", &obj)?,
                    change: Change::Created,
                });
                continue;
            }
            loop {
                match sync(hub, obj.clone(), options.dry_run).await {
                    Ok(done) => {
                        out.push(done);
                        break;
                    }
                    // a kind can be served a moment after its CRD reports Established
                    Err(e) if oam && deadline.is_some_and(|(d, _)| tokio::time::Instant::now() < d) => {
                        tracing::debug!(error = %crate::error::chain(&e), "definition not applied yet; retrying");
                        tokio::time::sleep(POLL).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        hub.flush().await?;
        Ok(out)
    }
}

/// Applies `obj` to the hub (cluster `""`) unless the hub already has every field of it (fields
/// the server added aside), and says which; with `dry_run` only says.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use vela_engine::install::{Change, sync};
///
/// let hub = vela_multicluster::Memory::new();
/// let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
///     "metadata": {"name": "c", "namespace": "vela-system"}, "data": {"k": "v"}});
/// assert_eq!(sync(&hub, cm.clone(), false).await.unwrap().change, Change::Created);
/// assert_eq!(sync(&hub, cm, false).await.unwrap().change, Change::Unchanged);
/// # });
/// ```
///
/// # Errors
/// [`Error::Cluster`] when `obj` is not an object with a kind and a
/// name, or the hub fails.
pub async fn sync(hub: &dyn Objects, obj: Value, dry_run: bool) -> Result<Installed> {
    let key = Key::of("", &obj)?;
    let change = match hub.get(&key).await? {
        None => Change::Created,
        Some(live) if contains(&live, &obj) => Change::Unchanged,
        Some(_) => Change::Configured,
    };
    if !dry_run && change != Change::Unchanged {
        hub.apply("", obj).await?;
    }
    Ok(Installed { key, change })
}

/// Whether `live` has every field of `want` with the same value (fields the server added are
/// ignored; an empty map or list is the same as an absent one).
fn contains(live: &Value, want: &Value) -> bool {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => w.iter().all(|(k, wv)| match l.get(k) {
            Some(lv) => contains(lv, wv),
            None => is_empty(wv),
        }),
        (Value::Array(l), Value::Array(w)) => {
            l.len() == w.len() && l.iter().zip(w).all(|(lv, wv)| contains(lv, wv))
        }
        (Value::Null, w) => is_empty(w),
        (Value::Number(l), Value::Number(w)) => l.as_f64() == w.as_f64(),
        (l, w) => l == w,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn established(crd: &Value) -> bool {
    crd["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    })
}

async fn wait_established(
    hub: &dyn Objects,
    names: &[String],
    deadline: tokio::time::Instant,
    waited: Duration,
) -> Result<()> {
    let mut pending: Vec<String> = names.to_vec();
    loop {
        let mut still = Vec::new();
        for name in pending {
            let key = Key {
                cluster: String::new(),
                api_version: "apiextensions.k8s.io/v1".into(),
                kind: "CustomResourceDefinition".into(),
                namespace: String::new(),
                name: name.clone(),
            };
            if !hub.get(&key).await?.as_ref().is_some_and(established) {
                still.push(name);
            }
        }
        if still.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::NotEstablished { names: still, waited });
        }
        pending = still;
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_ignores_server_fields_and_empty_maps() {
        let live = json!({"metadata": {"name": "a", "uid": "u", "resourceVersion": "3"},
            "spec": {"x": [{"a": 1, "b": 2}], "n": 1.0}});
        assert!(contains(
            &live,
            &json!({"metadata": {"name": "a", "labels": {}}, "spec": {"x": [{"a": 1}], "n": 1}})
        ));
        assert!(!contains(&live, &json!({"spec": {"x": [{"a": 2}]}})));
        assert!(!contains(&live, &json!({"spec": {"x": [{"a": 1}, {"a": 1}]}})));
        assert!(!contains(&live, &json!({"spec": {"y": "new"}})));
    }

    #[test]
    fn established_reads_the_condition() {
        assert!(established(
            &json!({"status": {"conditions": [{"type": "NamesAccepted", "status": "True"},
                {"type": "Established", "status": "True"}]}})
        ));
        assert!(!established(
            &json!({"status": {"conditions": [{"type": "Established", "status": "False"}]}})
        ));
        assert!(!established(&json!({})));
    }

    #[test]
    fn every_crd_is_installed_without_a_status() {
        let crds = crds();
        assert_eq!(crds.len(), 12);
        assert!(crds.iter().all(|c| c.get("status").is_none()));
        assert_eq!(crds[0]["metadata"]["name"], "applications.core.oam.dev");
        // the same CRDs as the chart's (vela-model's tests keep the files equal to the types)
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/vela-crds/crds");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut ours: Vec<String> = crds
            .iter()
            .map(|c| {
                format!(
                    "{}_{}.yaml",
                    c["spec"]["group"].as_str().unwrap(),
                    c["spec"]["names"]["plural"].as_str().unwrap()
                )
            })
            .collect();
        ours.sort();
        assert_eq!(ours, files);
    }
}
