//! The `storage` trait: PVCs, ConfigMaps, Secrets, emptyDir and hostPath volumes, their
//! mounts and environment variables.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::pod::KeyItem;
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Tags};

fn default_volume_mode() -> String {
    "Filesystem".into()
}
fn default_access_modes() -> Vec<String> {
    vec!["ReadWriteOnce".into()]
}
fn default_file_mode() -> i64 {
    420
}
fn default_host_path_type() -> String {
    "Directory".into()
}

/// A PVC.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pvc {
    /// Name.
    pub name: String,
    /// Only mount, do not create.
    #[serde(default)]
    pub mount_only: bool,
    /// Mount path (device path for Block).
    pub mount_path: String,
    /// Sub path.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Filesystem (default) or Block.
    #[serde(default = "default_volume_mode")]
    pub volume_mode: String,
    /// Volume name.
    #[serde(default)]
    pub volume_name: Option<String>,
    /// Access modes.
    #[serde(default = "default_access_modes")]
    pub access_modes: Vec<String>,
    /// Storage class.
    #[serde(default)]
    pub storage_class_name: Option<String>,
    /// `requests.storage` / `limits.storage`.
    #[serde(default)]
    pub resources: Option<PvcResources>,
    /// Data source reference.
    #[serde(default)]
    pub data_source_ref: Option<Map<String, Value>>,
    /// Data source.
    #[serde(default)]
    pub data_source: Option<Map<String, Value>>,
    /// Selector.
    #[serde(default)]
    pub selector: Option<Map<String, Value>>,
}

/// A storage quantity such as `8Gi`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageSize {
    /// The size.
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"))]
    pub storage: String,
}

/// PVC resources.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PvcResources {
    /// Requested size.
    pub requests: StorageSize,
    /// Size limit.
    #[serde(default)]
    pub limits: Option<StorageSize>,
}

/// `mountToEnv` of a ConfigMap.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CmEnv {
    /// Env name.
    pub env_name: String,
    /// ConfigMap key.
    pub config_map_key: String,
}

/// `mountToEnv` of a Secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretEnv {
    /// Env name.
    pub env_name: String,
    /// Secret key.
    pub secret_key: String,
}

/// A ConfigMap.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigMapVol {
    /// Name.
    pub name: String,
    /// Only mount, do not create.
    #[serde(default)]
    pub mount_only: bool,
    /// Expose one key as an env var.
    #[serde(default)]
    pub mount_to_env: Option<CmEnv>,
    /// Expose keys as env vars.
    #[serde(default)]
    pub mount_to_envs: Option<Vec<CmEnv>>,
    /// Mount path.
    #[serde(default)]
    pub mount_path: Option<String>,
    /// Sub path.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Default mode.
    #[serde(default = "default_file_mode")]
    pub default_mode: i64,
    /// Read-only.
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "in KubeVela's schema; this definition's rendering does not read it"
    )]
    pub read_only: bool,
    /// Data.
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    /// Items.
    #[serde(default)]
    pub items: Option<Vec<KeyItem>>,
}

/// A Secret.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretVol {
    /// Name.
    pub name: String,
    /// Only mount, do not create.
    #[serde(default)]
    pub mount_only: bool,
    /// Expose one key as an env var.
    #[serde(default)]
    pub mount_to_env: Option<SecretEnv>,
    /// Expose keys as env vars.
    #[serde(default)]
    pub mount_to_envs: Option<Vec<SecretEnv>>,
    /// Mount path.
    pub mount_path: String,
    /// Sub path.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// Default mode.
    #[serde(default = "default_file_mode")]
    pub default_mode: i64,
    /// Read-only.
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "in KubeVela's schema; this definition's rendering does not read it"
    )]
    pub read_only: bool,
    /// String data.
    #[serde(default)]
    pub string_data: Option<Map<String, Value>>,
    /// Data.
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    /// Items.
    #[serde(default)]
    pub items: Option<Vec<KeyItem>>,
}

/// An emptyDir.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EmptyDirVol {
    /// Name.
    pub name: String,
    /// Mount path.
    pub mount_path: String,
    /// Sub path.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// "" (default) or Memory.
    #[serde(default)]
    pub medium: String,
}

/// A hostPath.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostPathVol {
    /// Name.
    pub name: String,
    /// Host path.
    pub path: String,
    /// Mount path.
    pub mount_path: String,
    /// Directory (default), DirectoryOrCreate, FileOrCreate, File, Socket, CharDevice, BlockDevice.
    #[serde(default = "default_host_path_type", rename = "type")]
    pub type_: String,
}

/// Parameters of storage.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageParams {
    /// PVCs.
    #[serde(default)]
    pub pvc: Option<Vec<Pvc>>,
    /// ConfigMaps.
    #[serde(default)]
    pub config_map: Option<Vec<ConfigMapVol>>,
    /// Secrets.
    #[serde(default)]
    pub secret: Option<Vec<SecretVol>>,
    /// EmptyDirs.
    #[serde(default)]
    pub empty_dir: Option<Vec<EmptyDirVol>>,
    /// HostPaths.
    #[serde(default)]
    pub host_path: Option<Vec<HostPathVol>>,
}

fn mount(name: String, path: &str, sub: &Option<String>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("mountPath".into(), json!(path));
    insert_some(&mut m, "subPath", sub);
    Value::Object(m)
}

/// `storage`: volumes, mounts, env and the PVC / ConfigMap / Secret objects.
pub struct Storage;

impl Native for Storage {
    type Params = StorageParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "storage",
            "Add storages on K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
            ],
            true,
        )
    }
    fn render(&self, _: &Context, p: StorageParams) -> Result<Rendered> {
        let (pvc, cms, secrets) = (
            p.pvc.as_deref().unwrap_or_default(),
            p.config_map.as_deref().unwrap_or_default(),
            p.secret.as_deref().unwrap_or_default(),
        );
        let (eds, hps) = (
            p.empty_dir.as_deref().unwrap_or_default(),
            p.host_path.as_deref().unwrap_or_default(),
        );
        let mut volumes = Vec::new();
        for v in pvc {
            volumes.push(
                json!({"name": format!("pvc-{}", v.name), "persistentVolumeClaim": {"claimName": v.name}}),
            );
        }
        for v in cms.iter().filter(|v| v.mount_path.is_some()) {
            let mut c = Map::new();
            c.insert("defaultMode".into(), json!(v.default_mode));
            c.insert("name".into(), json!(v.name));
            insert_some(&mut c, "items", &v.items);
            volumes.push(json!({"name": format!("configmap-{}", v.name), "configMap": c}));
        }
        for v in secrets {
            let mut c = Map::new();
            c.insert("defaultMode".into(), json!(v.default_mode));
            c.insert("secretName".into(), json!(v.name));
            insert_some(&mut c, "items", &v.items);
            volumes.push(json!({"name": format!("secret-{}", v.name), "secret": c}));
        }
        for v in eds {
            volumes.push(json!({"name": format!("emptydir-{}", v.name), "emptyDir": {"medium": v.medium}}));
        }
        for v in hps {
            volumes.push(json!({"name": format!("hostpath-{}", v.name), "hostPath": {"path": v.path, "type": v.type_}}));
        }
        let mut seen = std::collections::HashSet::new();
        volumes.retain(|v| seen.insert(v["name"].as_str().unwrap_or_default().to_string()));

        let mut mounts = Vec::new();
        for v in pvc.iter().filter(|v| v.volume_mode == "Filesystem") {
            mounts.push(mount(format!("pvc-{}", v.name), &v.mount_path, &v.sub_path));
        }
        for v in cms {
            if let Some(mp) = &v.mount_path {
                mounts.push(mount(format!("configmap-{}", v.name), mp, &v.sub_path));
            }
        }
        for v in secrets {
            mounts.push(mount(format!("secret-{}", v.name), &v.mount_path, &v.sub_path));
        }
        for v in eds {
            mounts.push(mount(format!("emptydir-{}", v.name), &v.mount_path, &v.sub_path));
        }
        for v in hps {
            mounts.push(mount(format!("hostpath-{}", v.name), &v.mount_path, &None));
        }

        let mut env = Vec::new();
        let cm_env = |name: &str, e: &CmEnv| json!({"name": e.env_name, "valueFrom": {"configMapKeyRef": {"name": name, "key": e.config_map_key}}});
        let sec_env = |name: &str, e: &SecretEnv| json!({"name": e.env_name, "valueFrom": {"secretKeyRef": {"name": name, "key": e.secret_key}}});
        for v in cms {
            if let Some(e) = &v.mount_to_env {
                env.push(cm_env(&v.name, e));
            }
        }
        for v in cms {
            for e in v.mount_to_envs.iter().flatten() {
                env.push(cm_env(&v.name, e));
            }
        }
        for v in secrets {
            if let Some(e) = &v.mount_to_env {
                env.push(sec_env(&v.name, e));
            }
        }
        for v in secrets {
            for e in v.mount_to_envs.iter().flatten() {
                env.push(sec_env(&v.name, e));
            }
        }
        let devices: Vec<Value> = pvc
            .iter()
            .filter(|v| v.volume_mode == "Block")
            .map(|v| {
                let mut m = Map::new();
                m.insert("name".into(), json!(format!("pvc-{}", v.name)));
                m.insert("devicePath".into(), json!(v.mount_path));
                insert_some(&mut m, "subPath", &v.sub_path);
                Value::Object(m)
            })
            .collect();

        let base = "spec.template.spec";
        let mut node = Node::from_json(json!({"spec": {"template": {"spec": {
            "volumes": volumes,
            "containers": [{"env": env, "volumeDevices": devices, "volumeMounts": mounts}],
        }}}}))
        .tag(&format!("{base}.volumes"), Tags::key("name"))
        .tag(&format!("{base}.containers.0.env"), Tags::key("name"))
        .tag(&format!("{base}.containers.0.volumeDevices"), Tags::key("name"))
        .tag(&format!("{base}.containers.0.volumeMounts"), Tags::key("name"));
        if let Node::Struct(f) = &mut node {
            open_containers(f);
        }

        let mut outputs = Vec::new();
        for v in pvc.iter().filter(|v| !v.mount_only) {
            let mut spec = Map::new();
            spec.insert("accessModes".into(), json!(v.access_modes));
            spec.insert("volumeMode".into(), json!(v.volume_mode));
            insert_some(&mut spec, "volumeName", &v.volume_name);
            insert_some(&mut spec, "storageClassName", &v.storage_class_name);
            let mut resources = match &v.resources {
                Some(r) => json!({"requests": {"storage": r.requests.storage}}),
                None => json!({"requests": {"storage": "8Gi"}}),
            };
            if let Some(l) = v.resources.as_ref().and_then(|r| r.limits.as_ref()) {
                resources["limits"] = json!({"storage": l.storage});
            }
            spec.insert("resources".into(), resources);
            insert_some(&mut spec, "dataSourceRef", &v.data_source_ref);
            insert_some(&mut spec, "dataSource", &v.data_source);
            if let Some(s) = &v.selector {
                spec.insert("dataSource".into(), to_json(s));
            }
            outputs.push((
                format!("pvc-{}", v.name),
                json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": v.name}, "spec": spec}),
            ));
        }
        for v in cms.iter().filter(|v| !v.mount_only) {
            let mut o = Map::new();
            o.insert("apiVersion".into(), json!("v1"));
            o.insert("kind".into(), json!("ConfigMap"));
            o.insert("metadata".into(), json!({"name": v.name}));
            insert_some(&mut o, "data", &v.data);
            outputs.push((format!("configmap-{}", v.name), Value::Object(o)));
        }
        for v in secrets.iter().filter(|v| !v.mount_only) {
            let mut o = Map::new();
            o.insert("apiVersion".into(), json!("v1"));
            o.insert("kind".into(), json!("Secret"));
            o.insert("metadata".into(), json!({"name": v.name}));
            insert_some(&mut o, "data", &v.data);
            insert_some(&mut o, "stringData", &v.string_data);
            outputs.push((format!("secret-{}", v.name), Value::Object(o)));
        }
        Ok(Rendered {
            outputs,
            patch: Some(Patch::Strategic(node)),
            ..Default::default()
        })
    }
}

/// `containers: [{...}, ...]`: the containers list of the patch is open.
fn open_containers(fields: &mut [crate::patch::Field]) {
    for f in fields {
        match (&mut f.value, f.name.as_str()) {
            (Node::List { open, .. }, "containers") => *open = true,
            (Node::Struct(inner), _) => open_containers(inner),
            _ => {}
        }
    }
}
