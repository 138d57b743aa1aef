//! What the replication, controlPlaneOnly, continueOnFailure and PostDispatch tests share: CUE definitions
//! that read `context.replicaKey` and `context.cluster`, an engine over any cluster, and a
//! reconcile loop that makes workloads ready in every cluster.

use std::sync::Arc;

use vela_engine::{Delivered, Engine};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::cue::CueDefinition;
use vela_render::{Registry, Renderer};
use vela_workflow::RunPhase;

/// A component: one ConfigMap named `<component>-<replicaKey>`, healthy once it exists.
const PER_REPLICA: &str = r#"
"per-replica": {type: "component", description: "A ConfigMap per replica", attributes: {status: healthPolicy: "isHealth: true"}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-" + context.replicaKey, data: {key: context.replicaKey, cluster: context.cluster}}
  parameter: {}
}
"#;

/// A component: one ConfigMap named after the component.
const PLAIN: &str = r#"
"plain-config": {type: "component", description: "A ConfigMap", attributes: {status: healthPolicy: "isHealth: true"}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name, data: cluster: context.cluster}
  parameter: {}
}
"#;

/// A trait: a ConfigMap `<component>-<replicaKey>-note` beside the workload.
const NOTE: &str = r#"
"note": {type: "trait", description: "A note per replica", attributes: {}}
template: {
  outputs: note: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-" + context.replicaKey + "-note", data: cluster: context.cluster}
  parameter: {}
}
"#;

/// A `controlPlaneOnly` trait: a ConfigMap `<component>-record` that goes to the hub.
const HUB_RECORD: &str = r#"
"hub-record": {type: "trait", description: "A record kept on the hub", attributes: {controlPlaneOnly: true}}
template: {
  outputs: record: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-record", data: cluster: context.cluster}
  parameter: {}
}
"#;

/// A `PostDispatch` trait: a ConfigMap `<component>-ready` holding the live workload's
/// `status.readyReplicas` (`context.output.status`).
const READY_NOTE: &str = r#"
"ready-note": {type: "trait", description: "Written once the workload is healthy", attributes: {stage: "PostDispatch"}}
template: {
  outputs: note: {apiVersion: "v1", kind: "ConfigMap", metadata: name: context.name + "-ready", data: ready: "\(context.output.status.readyReplicas)"}
  parameter: {}
}
"#;

/// The built-ins and the definitions above.
pub fn registry() -> Registry {
    let mut registry = Registry::builtin();
    for (origin, src) in [
        ("per-replica.cue", PER_REPLICA),
        ("plain-config.cue", PLAIN),
        ("note.cue", NOTE),
        ("hub-record.cue", HUB_RECORD),
        ("ready-note.cue", READY_NOTE),
    ] {
        let def = CueDefinition::from_cue(origin, src).unwrap_or_else(|e| panic!("{origin}: {e}"));
        registry.insert(Arc::new(def));
    }
    registry
}

/// An embedded hub and an engine delivering to it with [`registry`].
pub fn engine() -> (Engine, Arc<Embedded>) {
    engine_with(&[])
}

/// [`engine`] with more CUE definitions, each `(origin, source)`.
///
/// # Panics
/// When a definition does not compile (naming its origin).
pub fn engine_with(definitions: &[(&str, &str)]) -> (Engine, Arc<Embedded>) {
    let mut registry = registry();
    for (origin, src) in definitions {
        let def = CueDefinition::from_cue(origin, src).unwrap_or_else(|e| panic!("{origin}: {e}"));
        registry.insert(Arc::new(def));
    }
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    (Engine::new(Renderer::new(registry), cluster.clone()), cluster)
}

/// Joins embedded member clusters to the hub's registry.
pub async fn join(cluster: &Embedded, names: &[&str]) {
    for name in names {
        let member = vela_multicluster::registry::Cluster::embedded(name).expect("a cluster");
        vela_multicluster::registry::join(cluster, &member)
            .await
            .expect("joined");
    }
}

/// The text of an Application `name` in `default` with `components` (one YAML flow mapping
/// each) and the workflow `steps` (a YAML flow sequence).
pub fn app_text(name: &str, components: &[&str], steps: &str) -> String {
    let mut text = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\n\
         metadata: {{name: {name}, namespace: default}}\nspec:\n  components:\n"
    );
    for c in components {
        text.push_str(&format!("    - {c}\n"));
    }
    text.push_str(&format!("  workflow:\n    steps: {steps}\n"));
    text
}

pub fn app(text: &str) -> vela_model::application::Application {
    vela_render::app::parse(text).expect("a valid application")
}

/// Delivers `text` and reconciles until the workflow stops executing, making workloads ready
/// in every cluster between passes.
pub async fn settle(engine: &Engine, cluster: &Embedded, text: &str) -> Delivered {
    let a = app(text);
    let name = a.metadata.name.clone().expect("a name");
    let mut delivered = engine.up(&a).await.expect("delivered");
    for _ in 0..10 {
        if delivered.workflow != RunPhase::Executing {
            return delivered;
        }
        for c in cluster.clusters().expect("clusters") {
            cluster.simulate_readiness(&c).expect("ready");
        }
        delivered = engine
            .reconcile("default", &name)
            .await
            .expect("reconciled")
            .expect("there");
    }
    panic!("the workflow still executes: {:?}", delivered.status.workflow);
}

/// The names of the ConfigMaps in `cluster` (`""`: the hub) and `namespace` that an
/// application rendered (labelled with a component), sorted.
pub async fn config_maps(objects: &dyn Objects, cluster: &str, namespace: &str) -> Vec<String> {
    let mut names: Vec<String> = objects
        .list(cluster, "v1", "ConfigMap", namespace, &Default::default())
        .await
        .expect("a list")
        .iter()
        .filter(|o| o["metadata"]["labels"]["app.oam.dev/component"].is_string())
        .map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

/// The key of a ConfigMap.
pub fn cm(cluster: &str, namespace: &str, name: &str) -> Key {
    Key {
        cluster: cluster.into(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// The key of the Deployment `default/name` in the local cluster.
pub fn deployment(name: &str) -> Key {
    Key {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        ..cm("", "default", name)
    }
}

/// The message of the first step with one.
pub fn step_message(d: &Delivered) -> String {
    let wf = d.status.workflow.as_ref().expect("a workflow status");
    wf.steps
        .iter()
        .map(|s| s.message.clone())
        .find(|m| !m.is_empty())
        .unwrap_or_default()
}

/// The embedded cluster behind a wrapper that counts the requests that write (an API server sees
/// each one, even one that changes nothing) and, while `failing` is set, refuses to delete the
/// object named `fails` (a webhook refusing it, a cluster that went away).
pub struct Watched {
    pub inner: Arc<Embedded>,
    pub fails: String,
    pub failing: std::sync::atomic::AtomicBool,
    writes: std::sync::atomic::AtomicUsize,
}

impl Watched {
    /// Over `inner`; deleting `fails` fails until `failing` is cleared (`""`: nothing fails).
    pub fn new(inner: Arc<Embedded>, fails: &str) -> Self {
        Self {
            inner,
            fails: fails.to_owned(),
            failing: std::sync::atomic::AtomicBool::new(!fails.is_empty()),
            writes: std::sync::atomic::AtomicUsize::default(),
        }
    }

    /// The write requests (apply, delete, status) sent so far.
    pub fn writes(&self) -> usize {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn check_delete(&self, key: &Key) -> vela_multicluster::Result<()> {
        self.wrote();
        if key.name == self.fails && self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(vela_multicluster::Error::Backend {
                cluster: key.cluster.clone(),
                source: "admission webhook denied the request".into(),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Objects for Watched {
    async fn apply(
        &self,
        cluster: &str,
        obj: serde_json::Value,
    ) -> vela_multicluster::Result<serde_json::Value> {
        self.wrote();
        self.inner.apply(cluster, obj).await
    }
    async fn get(&self, key: &Key) -> vela_multicluster::Result<Option<serde_json::Value>> {
        self.inner.get(key).await
    }
    async fn list(
        &self,
        cluster: &str,
        api_version: &str,
        kind: &str,
        namespace: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> vela_multicluster::Result<Vec<serde_json::Value>> {
        self.inner
            .list(cluster, api_version, kind, namespace, labels)
            .await
    }
    async fn delete(&self, key: &Key) -> vela_multicluster::Result<bool> {
        self.check_delete(key)?;
        self.inner.delete(key).await
    }
    async fn delete_with(
        &self,
        key: &Key,
        propagation: vela_multicluster::Propagation,
    ) -> vela_multicluster::Result<bool> {
        self.check_delete(key)?;
        self.inner.delete_with(key, propagation).await
    }
    async fn set_status(
        &self,
        key: &Key,
        status: serde_json::Value,
    ) -> vela_multicluster::Result<Option<serde_json::Value>> {
        self.wrote();
        self.inner.set_status(key, status).await
    }
    async fn flush(&self) -> vela_multicluster::Result<()> {
        self.inner.flush().await
    }
}
