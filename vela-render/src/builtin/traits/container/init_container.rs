//! The `init-container` trait: an init container sharing an emptyDir volume with the app container.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::pod::EnvVar;
use crate::builtin::traits::{POD_WORKLOADS, pod_spec_patch, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::Tags;

fn default_image_pull_policy() -> String {
    "IfNotPresent".into()
}
fn default_mount_name() -> String {
    "workdir".into()
}

/// A `{name, mountPath}` volume mount.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeMount {
    /// Volume name.
    pub name: String,
    /// Mount path.
    pub mount_path: String,
}

/// Parameters of init-container.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InitContainerParams {
    /// Specify the name of init container.
    pub name: String,
    /// Specify the image of init container.
    pub image: String,
    /// Specify image pull policy for your service.
    #[serde(default = "default_image_pull_policy")]
    pub image_pull_policy: String,
    /// Specify the commands run in the init container.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Specify the args run in the init container.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Specify the env run in the init container.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// Specify the mount name of shared volume.
    #[serde(default = "default_mount_name")]
    pub mount_name: String,
    /// Specify the mount path of app container.
    pub app_mount_path: String,
    /// Specify the mount path of init container.
    pub init_mount_path: String,
    /// Specify the extra volume mounts for the init container.
    #[serde(default)]
    pub extra_volume_mounts: Vec<VolumeMount>,
}

/// `init-container`: an init container sharing an emptyDir volume with the app container.
pub struct InitContainer;

impl Native for InitContainer {
    type Params = InitContainerParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "init-container",
            "add an init container and use shared volume with pod",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, ctx: &Context, p: InitContainerParams) -> Result<Rendered> {
        let mut ic = Map::new();
        ic.insert("name".into(), json!(p.name));
        ic.insert("image".into(), json!(p.image));
        ic.insert("imagePullPolicy".into(), json!(p.image_pull_policy));
        insert_some(&mut ic, "command", &p.cmd);
        insert_some(&mut ic, "args", &p.args);
        insert_some(&mut ic, "env", &p.env);
        let mut mounts = vec![json!({"name": p.mount_name, "mountPath": p.init_mount_path})];
        mounts.extend(p.extra_volume_mounts.iter().map(to_json));
        ic.insert("volumeMounts".into(), Value::Array(mounts));
        let node = pod_spec_patch(json!({
            "containers": [{"name": ctx.name, "volumeMounts": [{"name": p.mount_name, "mountPath": p.app_mount_path}]}],
            "initContainers": [ic],
            "volumes": [{"name": p.mount_name, "emptyDir": {}}],
        }))
        .tag("spec.template.spec.containers", Tags::key("name"))
        .tag("spec.template.spec.containers.*.volumeMounts", Tags::key("name"))
        .tag("spec.template.spec.initContainers", Tags::key("name"))
        .tag("spec.template.spec.initContainers.*.volumeMounts", Tags::key("name"))
        .tag("spec.template.spec.volumes", Tags::key("name"));
        Ok(strategic_patch(node))
    }
}
