//! The `sidecar` trait: an extra container in the pod.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::pod::HealthProbe;
use crate::builtin::traits::{patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Tags};

/// `env[]` entry of sidecar (adds `fieldRef`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SidecarEnv {
    /// Environment variable name.
    pub name: String,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Source of the value (`secretKeyRef`, `configMapKeyRef`, `fieldRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<Map<String, Value>>,
}

/// A `{name, path}` volume of sidecar / init-container.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedPath {
    /// Volume name.
    pub name: String,
    /// Mount path.
    pub path: String,
}

/// Parameters of sidecar.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SidecarParams {
    /// Specify the name of sidecar container.
    pub name: String,
    /// Specify the image of sidecar container.
    pub image: String,
    /// Specify the commands run in the sidecar.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Specify the args in the sidecar.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Specify the env in the sidecar.
    #[serde(default)]
    pub env: Option<Vec<SidecarEnv>>,
    /// Specify the shared volume path.
    #[serde(default)]
    pub volumes: Option<Vec<NamedPath>>,
    /// Liveness probe.
    #[serde(default)]
    pub liveness_probe: Option<HealthProbe>,
    /// Readiness probe.
    #[serde(default)]
    pub readiness_probe: Option<HealthProbe>,
}

/// `sidecar`: adds a container, matched by name.
pub struct Sidecar;

impl Native for Sidecar {
    type Params = SidecarParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "sidecar",
            "Inject a sidecar container to K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
            ],
            true,
        )
    }
    fn render(&self, _: &Context, p: SidecarParams) -> Result<Rendered> {
        let mut c = Map::new();
        c.insert("name".into(), json!(p.name));
        c.insert("image".into(), json!(p.image));
        insert_some(&mut c, "command", &p.cmd);
        insert_some(&mut c, "args", &p.args);
        insert_some(&mut c, "env", &p.env);
        if let Some(v) = &p.volumes {
            c.insert(
                "volumeMounts".into(),
                Value::Array(
                    v.iter()
                        .map(|v| json!({"mountPath": v.path, "name": v.name}))
                        .collect(),
                ),
            );
        }
        insert_some(&mut c, "livenessProbe", &p.liveness_probe);
        insert_some(&mut c, "readinessProbe", &p.readiness_probe);
        let node = Node::from_json(json!({"spec": {"template": {"spec": {"containers": [c]}}}}))
            .tag("spec", Tags::key("name"));
        Ok(patch_only(Patch::Strategic(node)))
    }
}
