//! Parameter types and pod-spec builders shared by the built-in components and traits.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use vela_model::labels::label;

use super::json::to_json;

/// Environment variable (`env[]`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    /// Environment variable name.
    pub name: String,
    /// The value of the environment variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Specifies a source the value of this var should come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvSource>,
}

/// `valueFrom` of an environment variable.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvSource {
    /// Selects a key of a secret in the pod's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeyRef>,
    /// Selects a key of a config map in the pod's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeyRef>,
}

/// A `{name, key}` reference.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    /// The object name.
    pub name: String,
    /// The key.
    pub key: String,
}

/// Port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Protocol {
    /// TCP.
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// The Kubernetes spelling (`TCP`, `UDP`, `SCTP`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// The default `protocol` of a port: TCP.
pub(crate) fn default_protocol() -> Protocol {
    Protocol::Tcp
}

/// Image pull policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Always.
    Always,
    /// Never.
    Never,
    /// IfNotPresent.
    IfNotPresent,
}

impl PullPolicy {
    /// The Kubernetes spelling (`Always`, `Never`, `IfNotPresent`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::Never => "Never",
            PullPolicy::IfNotPresent => "IfNotPresent",
        }
    }
}

// The defaults of a Kubernetes probe, as KubeVela's `#HealthProbe` declares them.
pub(crate) fn default_initial_delay_seconds() -> i64 {
    0
}
pub(crate) fn default_period_seconds() -> i64 {
    10
}
pub(crate) fn default_timeout_seconds() -> i64 {
    1
}
pub(crate) fn default_success_threshold() -> i64 {
    1
}
pub(crate) fn default_failure_threshold() -> i64 {
    3
}

/// The default file mode of a projected key (0777 octal, as KubeVela's templates declare it).
fn default_item_mode() -> i64 {
    511
}

/// Health probe (`#HealthProbe`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthProbe {
    /// Assess health by executing a command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<Value>,
    /// Assess health with an HTTP GET request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Option<Value>,
    /// Assess health by probing a TCP socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<Value>,
    /// Seconds after start before the first probe.
    #[serde(default = "default_initial_delay_seconds")]
    pub initial_delay_seconds: i64,
    /// How often, in seconds, to probe.
    #[serde(default = "default_period_seconds")]
    pub period_seconds: i64,
    /// Seconds after which the probe times out.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: i64,
    /// Minimum consecutive successes.
    #[serde(default = "default_success_threshold")]
    pub success_threshold: i64,
    /// Consecutive failures before failing.
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: i64,
}

/// A key/path item of a ConfigMap or Secret volume.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyItem {
    /// Key.
    pub key: String,
    /// Path.
    pub path: String,
    /// Mode.
    #[serde(default = "default_item_mode")]
    pub mode: i64,
}

/// Legacy `volumes[]` entry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacyVolume {
    /// Volume name.
    pub name: String,
    /// Mount path.
    pub mount_path: String,
    /// Volume type: pvc, configMap, secret or emptyDir (default).
    #[serde(default = "default_volume_type", rename = "type")]
    pub type_: VolumeType,
    /// PVC claim name (pvc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_name: Option<String>,
    /// Default mode (configMap, secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<i64>,
    /// ConfigMap name (configMap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cm_name: Option<String>,
    /// Secret name (secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// Items (configMap, secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<KeyItem>>,
    /// Medium (emptyDir): "" or "Memory".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
}

fn default_volume_type() -> VolumeType {
    VolumeType::EmptyDir
}

/// Legacy volume types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum VolumeType {
    /// PersistentVolumeClaim.
    Pvc,
    /// ConfigMap.
    ConfigMap,
    /// Secret.
    Secret,
    /// EmptyDir.
    EmptyDir,
}

/// A mount of `volumeMounts.<type>[]`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mount {
    /// Volume name.
    pub name: String,
    /// Mount path.
    pub mount_path: String,
    /// Sub path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// PVC claim name (pvc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_name: Option<String>,
    /// Default mode (configMap, secret; default 420).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mode: Option<i64>,
    /// ConfigMap name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cm_name: Option<String>,
    /// Secret name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// Items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<KeyItem>>,
    /// Medium (emptyDir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// Host path (hostPath).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Mount propagation (daemon hostPath; accepted, not rendered, as in KubeVela).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<String>,
    /// Read-only (daemon hostPath; accepted, not rendered, as in KubeVela).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

/// `volumeMounts` by volume type.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeMounts {
    /// PVC volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc: Option<Vec<Mount>>,
    /// ConfigMap volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<Vec<Mount>>,
    /// Secret volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Vec<Mount>>,
    /// EmptyDir volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<Vec<Mount>>,
    /// HostPath volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<Vec<Mount>>,
}

/// `hostAliases[]` entry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostAlias {
    /// IP address.
    pub ip: String,
    /// Host names.
    pub hostnames: Vec<String>,
}

fn items_json(items: &Option<Vec<KeyItem>>, m: &mut Map<String, Value>) {
    if let Some(items) = items {
        m.insert("items".into(), to_json(items));
    }
}

/// `mountsArray` of the templates.
pub fn mounts_array(vm: &VolumeMounts) -> Vec<Value> {
    let mut out = Vec::new();
    for list in [&vm.pvc, &vm.config_map, &vm.secret, &vm.empty_dir, &vm.host_path]
        .into_iter()
        .flatten()
    {
        for v in list {
            let mut m = Map::new();
            m.insert("mountPath".into(), json!(v.mount_path));
            if let Some(s) = &v.sub_path {
                m.insert("subPath".into(), json!(s));
            }
            m.insert("name".into(), json!(v.name));
            out.push(Value::Object(m));
        }
    }
    out
}

/// `deDupVolumesArray` of the templates: volumes from `volumeMounts`, first name wins.
pub fn volumes_array(vm: &VolumeMounts) -> Vec<Value> {
    let mut list = Vec::new();
    for v in vm.pvc.iter().flatten() {
        list.push(json!({"name": v.name, "persistentVolumeClaim": {"claimName": v.claim_name.clone().unwrap_or_default()}}));
    }
    for v in vm.config_map.iter().flatten() {
        let mut cm = Map::new();
        cm.insert("defaultMode".into(), json!(v.default_mode.unwrap_or(420)));
        cm.insert("name".into(), json!(v.cm_name.clone().unwrap_or_default()));
        items_json(&v.items, &mut cm);
        list.push(json!({"name": v.name, "configMap": cm}));
    }
    for v in vm.secret.iter().flatten() {
        let mut s = Map::new();
        s.insert("defaultMode".into(), json!(v.default_mode.unwrap_or(420)));
        s.insert(
            "secretName".into(),
            json!(v.secret_name.clone().unwrap_or_default()),
        );
        items_json(&v.items, &mut s);
        list.push(json!({"name": v.name, "secret": s}));
    }
    for v in vm.empty_dir.iter().flatten() {
        list.push(json!({"name": v.name, "emptyDir": {"medium": v.medium.clone().unwrap_or_default()}}));
    }
    for v in vm.host_path.iter().flatten() {
        list.push(json!({"name": v.name, "hostPath": {"path": v.path.clone().unwrap_or_default()}}));
    }
    let mut seen = std::collections::HashSet::new();
    list.into_iter()
        .filter(|v| seen.insert(v["name"].as_str().unwrap_or_default().to_string()))
        .collect()
}

/// The legacy `volumes` parameter as pod volumes.
pub fn legacy_volumes(vols: &[LegacyVolume]) -> Vec<Value> {
    vols.iter()
        .map(|v| {
            let mut m = Map::new();
            m.insert("name".into(), json!(v.name));
            match v.type_ {
                VolumeType::Pvc => {
                    m.insert(
                        "persistentVolumeClaim".into(),
                        json!({"claimName": v.claim_name.clone().unwrap_or_default()}),
                    );
                }
                VolumeType::ConfigMap => {
                    let mut cm = Map::new();
                    cm.insert("defaultMode".into(), json!(v.default_mode.unwrap_or(420)));
                    cm.insert("name".into(), json!(v.cm_name.clone().unwrap_or_default()));
                    items_json(&v.items, &mut cm);
                    m.insert("configMap".into(), Value::Object(cm));
                }
                VolumeType::Secret => {
                    let mut s = Map::new();
                    s.insert("defaultMode".into(), json!(v.default_mode.unwrap_or(420)));
                    s.insert(
                        "secretName".into(),
                        json!(v.secret_name.clone().unwrap_or_default()),
                    );
                    items_json(&v.items, &mut s);
                    m.insert("secret".into(), Value::Object(s));
                }
                VolumeType::EmptyDir => {
                    m.insert(
                        "emptyDir".into(),
                        json!({"medium": v.medium.clone().unwrap_or_default()}),
                    );
                }
            }
            Value::Object(m)
        })
        .collect()
}

/// The legacy `volumes` parameter as container mounts.
pub fn legacy_mounts(vols: &[LegacyVolume]) -> Vec<Value> {
    vols.iter()
        .map(|v| json!({"mountPath": v.mount_path, "name": v.name}))
        .collect()
}

/// `resources` from `cpu`/`memory` and optional limits (`limit.cpu`/`limit.memory`).
pub fn resources(
    cpu: &Option<String>,
    memory: &Option<String>,
    limit_cpu: Option<&str>,
    limit_memory: Option<&str>,
) -> Option<Value> {
    if cpu.is_none() && memory.is_none() {
        return None;
    }
    let mut limits = Map::new();
    let mut requests = Map::new();
    if let Some(c) = cpu {
        limits.insert("cpu".into(), json!(limit_cpu.unwrap_or(c)));
        requests.insert("cpu".into(), json!(c));
    }
    if let Some(m) = memory {
        limits.insert("memory".into(), json!(limit_memory.unwrap_or(m)));
        requests.insert("memory".into(), json!(m));
    }
    Some(json!({"limits": limits, "requests": requests}))
}

/// Pod template labels: user labels, then the app and component labels.
pub fn pod_labels(
    user: &Option<BTreeMap<String, String>>,
    extra: &[(&str, &str)],
    app: &str,
    comp: &str,
) -> Value {
    let mut m = Map::new();
    for (k, v) in user.iter().flatten() {
        m.insert(k.clone(), json!(v));
    }
    for (k, v) in extra {
        m.insert((*k).to_string(), json!(v));
    }
    m.insert(label::APP_NAME.into(), json!(app));
    m.insert(label::APP_COMPONENT.into(), json!(comp));
    Value::Object(m)
}

/// Pod template metadata with labels and optional annotations.
pub fn pod_metadata(labels: Value, annotations: &Option<BTreeMap<String, String>>) -> Value {
    let mut m = Map::new();
    m.insert("labels".into(), labels);
    if let Some(a) = annotations {
        m.insert("annotations".into(), to_json(a));
    }
    Value::Object(m)
}
