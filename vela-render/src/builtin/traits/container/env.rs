//! The `env` trait: set, replace or unset a container's environment variables.

use std::collections::BTreeMap;

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

/// One container's env patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvPatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// Specify if replacing the whole environment settings for the container.
    #[serde(default)]
    pub replace: bool,
    /// Specify the environment variables to merge.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Specify which existing environment variables to unset.
    #[serde(default)]
    pub unset: Vec<String>,
}

fn env_container(base: &[Value], name: String, p: &EnvPatch) -> Value {
    let Some(bc) = find_container(base, &name) else {
        return json!({"name": name, "err": format!("container {name} not found")});
    };
    let unset = |k: &str| p.unset.iter().any(|u| u == k);
    let mut env = Vec::new();
    match bc.get("env").and_then(Value::as_array) {
        None => {
            for (k, v) in &p.env {
                if !unset(k) {
                    env.push(json!({"name": k, "value": v}));
                }
            }
        }
        Some(base_env) => {
            let base_names: Vec<&str> = base_env
                .iter()
                .filter_map(|e| e.get("name").and_then(Value::as_str))
                .collect();
            if !p.replace {
                for e in base_env {
                    let n = e.get("name").and_then(Value::as_str).unwrap_or_default();
                    if unset(n) {
                        continue;
                    }
                    let mut m = Map::new();
                    m.insert("name".into(), json!(n));
                    if let Some(v) = p.env.get(n) {
                        m.insert("value".into(), json!(v));
                    } else {
                        if let Some(v) = e.get("value") {
                            m.insert("value".into(), v.clone());
                        }
                        if let Some(v) = e.get("valueFrom") {
                            m.insert("valueFrom".into(), v.clone());
                        }
                    }
                    env.push(Value::Object(m));
                }
            }
            for (k, v) in &p.env {
                if !unset(k) && (p.replace || !base_names.contains(&k.as_str())) {
                    env.push(json!({"name": k, "value": v}));
                }
            }
        }
    }
    json!({"name": name, "env": env})
}

/// `env`: sets, replaces or unsets container environment variables.
pub struct Env;

impl Native for Env {
    type Params = OneOrMany<EnvPatch>;
    fn meta(&self) -> Meta {
        trait_meta(
            "env",
            "Add env on K8s pod for your workload which follows the pod spec in path 'spec.template'",
            &["*"],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let containers = p.container_patches(
            ctx,
            |c| &c.container_name,
            "containerName must be set for containers",
            env_container,
        );
        Ok(container_list_patch(containers))
    }
}
