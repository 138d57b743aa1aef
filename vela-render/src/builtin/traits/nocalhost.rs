//! The `nocalhost` trait: a Nocalhost development configuration (the `dev.nocalhost`
//! annotation) and a ClusterIP Service for the component's port.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::traits::{POD_WORKLOADS, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::Node;

fn default_service_type() -> String {
    "deployment".into()
}
fn default_shell() -> String {
    "bash".into()
}
fn default_work_dir() -> String {
    "/home/nocalhost-dev".into()
}
fn default_true() -> bool {
    true
}
fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| (*s).to_string()).collect()
}

/// The commands the development container runs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Commands {
    /// Run command.
    #[serde(default = "Commands::default_run")]
    pub run: Vec<String>,
    /// Debug command.
    #[serde(default = "Commands::default_debug")]
    pub debug: Vec<String>,
}
impl Commands {
    fn default_run() -> Vec<String> {
        strings(&["sh", "run.sh"])
    }
    fn default_debug() -> Vec<String> {
        strings(&["sh", "debug.sh"])
    }
}
impl Default for Commands {
    fn default() -> Self {
        Self {
            run: Self::default_run(),
            debug: Self::default_debug(),
        }
    }
}

/// Remote debugging.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Debug {
    /// The remote debug port.
    #[serde(default)]
    pub remote_debug_port: Option<i64>,
}

/// File synchronisation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sync {
    /// Sync type.
    #[serde(default = "Sync::default_type", rename = "type")]
    pub type_: String,
    /// Files to sync.
    #[serde(default = "Sync::default_files")]
    pub file_pattern: Vec<String>,
    /// Files not to sync.
    #[serde(default = "Sync::default_ignored")]
    pub ignore_file_pattern: Vec<String>,
}
impl Sync {
    fn default_type() -> String {
        "send".into()
    }
    fn default_files() -> Vec<String> {
        strings(&["./"])
    }
    fn default_ignored() -> Vec<String> {
        strings(&[".git", ".vscode", ".idea", ".gradle", "build"])
    }
}
impl Default for Sync {
    fn default() -> Self {
        Self {
            type_: Self::default_type(),
            file_pattern: Self::default_files(),
            ignore_file_pattern: Self::default_ignored(),
        }
    }
}

/// A name and a value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A persistent directory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct VolumeDir {
    /// Path.
    pub path: String,
    /// Capacity.
    pub capacity: String,
}

/// Memory and CPU.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Quantities {
    /// Memory.
    #[serde(default)]
    pub memory: Option<String>,
    /// CPU.
    #[serde(default)]
    pub cpu: Option<String>,
}

/// Limits and requests of the development container.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Resources {
    /// Limits (default memory 2Gi, cpu 2).
    #[serde(default)]
    pub limits: Option<Quantities>,
    /// Requests (default memory 512Mi, cpu 0.5).
    #[serde(default)]
    pub requests: Option<Quantities>,
}

/// Parameters of nocalhost.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NocalhostParams {
    /// The port the Service exposes and the default port forward.
    pub port: i64,
    /// Service type.
    #[serde(default = "default_service_type")]
    pub service_type: String,
    /// Git repository of the sources.
    #[serde(default)]
    pub git_url: Option<String>,
    /// Development image, or one of `go`, `java`, `python`, `node`, `ruby`.
    pub image: String,
    /// Shell.
    #[serde(default = "default_shell")]
    pub shell: String,
    /// Working directory.
    #[serde(default = "default_work_dir")]
    pub work_dir: String,
    /// Storage class.
    #[serde(default)]
    pub storage_class: Option<String>,
    /// Run and debug commands.
    #[serde(default)]
    pub command: Commands,
    /// Remote debugging.
    #[serde(default)]
    pub debug: Option<Debug>,
    /// Hot reload.
    #[serde(default = "default_true")]
    pub hot_reload: bool,
    /// File synchronisation.
    #[serde(default)]
    pub sync: Sync,
    /// Environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// Port forwards (default `<port>:<port>`).
    #[serde(default)]
    pub port_forward: Option<Vec<String>>,
    /// Persistent directories.
    #[serde(default)]
    pub persistent_volume_dirs: Option<Vec<VolumeDir>>,
    /// Resources.
    #[serde(default)]
    pub resources: Resources,
}

/// The image of a language word, or the image as given.
fn dev_image(image: &str) -> String {
    let base = "nocalhost-docker.pkg.coding.net/nocalhost/dev-images";
    match image {
        "go" => format!("{base}/golang:latest"),
        "java" | "python" | "node" | "ruby" => format!("{base}/{image}:latest"),
        other => other.to_string(),
    }
}

fn quantities(q: Option<&Quantities>, memory: &str, cpu: &str) -> Value {
    json!({
        "memory": q.and_then(|q| q.memory.clone()).unwrap_or_else(|| memory.into()),
        "cpu": q.and_then(|q| q.cpu.clone()).unwrap_or_else(|| cpu.into()),
    })
}

/// The `dev` section, its fields in the order CUE v0.14 lays them out for KubeVela's
/// definition (checked against KubeVela v1.11.0 and vela-cue with every field set).
fn dev(p: &NocalhostParams) -> Value {
    let mut d = Map::new();
    if let Some(g) = &p.git_url {
        d.insert("gitUrl".into(), json!(g));
    }
    d.insert("image".into(), json!(dev_image(&p.image)));
    if let Some(s) = &p.storage_class {
        d.insert("storageClass".into(), json!(s));
    }
    if let Some(dirs) = &p.persistent_volume_dirs {
        let dirs: Vec<Value> = dirs
            .iter()
            .map(|v| json!({"path": v.path, "capacity": v.capacity}))
            .collect();
        d.insert("persistentVolumeDirs".into(), json!(dirs));
    }
    d.insert(
        "command".into(),
        json!({"run": p.command.run, "debug": p.command.debug}),
    );
    if let Some(dbg) = &p.debug {
        let mut m = Map::new();
        if let Some(port) = dbg.remote_debug_port {
            m.insert("remoteDebugPort".into(), json!(port));
        }
        d.insert("debug".into(), Value::Object(m));
    }
    d.insert("shell".into(), json!(p.shell));
    d.insert("workDir".into(), json!(p.work_dir));
    d.insert(
        "resources".into(),
        json!({
            "limits": quantities(p.resources.limits.as_ref(), "2Gi", "2"),
            "requests": quantities(p.resources.requests.as_ref(), "512Mi", "0.5"),
        }),
    );
    d.insert("hotReload".into(), json!(p.hot_reload));
    d.insert(
        "sync".into(),
        json!({"type": p.sync.type_, "filePattern": p.sync.file_pattern, "ignoreFilePattern": p.sync.ignore_file_pattern}),
    );
    if let Some(env) = &p.env {
        let env: Vec<Value> = env
            .iter()
            .map(|e| json!({"name": e.name, "value": e.value}))
            .collect();
        d.insert("env".into(), json!(env));
    }
    let forwards = p
        .port_forward
        .clone()
        .unwrap_or_else(|| vec![format!("{0}:{0}", p.port)]);
    d.insert("portForward".into(), json!(forwards));
    Value::Object(d)
}

/// `nocalhost`: the `dev.nocalhost` annotations on the workload and a Service
/// (`outputs.nocalhostService`).
pub struct Nocalhost;

impl Native for Nocalhost {
    type Params = NocalhostParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "nocalhost",
            "nocalhost develop configuration.",
            &POD_WORKLOADS,
            true,
        )
        .label("ui-hidden", "true")
    }
    fn render(&self, ctx: &Context, p: NocalhostParams) -> Result<Rendered> {
        let config = json!({
            "name": ctx.name,
            "serviceType": p.service_type,
            "containers": [{"name": ctx.name, "dev": dev(&p)}],
        });
        let service = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": ctx.name},
            "spec": {
                "selector": {"app.oam.dev/component": ctx.name},
                "ports": [{"port": p.port, "targetPort": p.port}],
                "type": "ClusterIP",
            },
        });
        let mut r = strategic_patch(Node::from_json(json!({"metadata": {"annotations": {
            "dev.nocalhost/application-name": ctx.app_name,
            "dev.nocalhost/application-namespace": ctx.namespace,
            // CUE's json.Marshal: compact, HTML characters as they are (checked against
            // KubeVela v1.11.0)
            "dev.nocalhost": vela_cue::export::write_json(&config, false, ""),
        }}})));
        r.outputs.push(("nocalhostService".into(), service));
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_language_images() {
        let ctx = Context::new("app", "default", "web");
        let p: NocalhostParams = serde_json::from_value(json!({"port": 80, "image": "go"})).unwrap();
        let d = dev(&p);
        assert_eq!(
            d["image"],
            "nocalhost-docker.pkg.coding.net/nocalhost/dev-images/golang:latest"
        );
        assert_eq!(d["portForward"], json!(["80:80"]));
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "image",
                "command",
                "shell",
                "workDir",
                "resources",
                "hotReload",
                "sync",
                "portForward"
            ]
        );
        let r = Nocalhost.render(&ctx, p).unwrap();
        assert_eq!(
            r.outputs[0].1["spec"]["ports"],
            json!([{"port": 80, "targetPort": 80}])
        );
    }
}
