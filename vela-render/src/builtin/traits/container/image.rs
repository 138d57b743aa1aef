//! The `container-image` trait: a container's image and pull policy.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::traits::container::{
    OneOrMany, container_list_patch, default_container_name, find_container,
};
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

/// One container's image patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImagePatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// Specify the image of the container.
    pub image: String,
    /// Specify the image pull policy of the container ("", IfNotPresent, Always, Never).
    #[serde(default = "default_container_name")]
    pub image_pull_policy: String,
}

fn image_container(base: &[Value], name: String, p: &ImagePatch) -> Value {
    if find_container(base, &name).is_none() {
        return json!({"name": name, "err": format!("container {name} not found")});
    }
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("image".into(), json!(p.image));
    if !p.image_pull_policy.is_empty() {
        m.insert("imagePullPolicy".into(), json!(p.image_pull_policy));
    }
    Value::Object(m)
}

/// `container-image`: sets a container's image.
pub struct ContainerImage;

impl Native for ContainerImage {
    type Params = OneOrMany<ImagePatch>;
    fn meta(&self) -> Meta {
        trait_meta(
            "container-image",
            "Set the image of the container.",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
            ],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let containers = p.container_patches(
            ctx,
            |c| &c.container_name,
            "containerName must be set for containers",
            image_container,
        );
        Ok(container_list_patch(containers))
    }
}
