//! The `command` trait: a container's command and args.

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
use crate::patch::Patch;

/// One container's command patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CommandPatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// Specify the command to use in the target container.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Specify the args to use in the target container.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Specify the args to add in the target container.
    #[serde(default)]
    pub add_args: Option<Vec<String>>,
    /// Specify the existing args to delete in the target container.
    #[serde(default)]
    pub del_args: Option<Vec<String>>,
}

fn command_container(base: &[Value], name: String, p: &CommandPatch) -> Value {
    let Some(bc) = find_container(base, &name) else {
        return json!({"name": name, "err": format!("container {name} not found")});
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(c) = &p.command {
        m.insert("command".into(), json!(c));
    }
    if (p.add_args.is_some() || p.del_args.is_some()) && p.args.is_some() {
        m.insert(
            "err".into(),
            json!("cannot set addArgs/delArgs and args at the same time"),
        );
    }
    let del = p.del_args.clone().unwrap_or_default();
    let args: Vec<String> = match &p.args {
        Some(a) => a.clone(),
        None => bc
            .get("args")
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .unwrap_or_default(),
    };
    let mut out: Vec<String> = args.iter().filter(|a| !del.contains(a)).cloned().collect();
    for a in p.add_args.iter().flatten() {
        if !del.contains(a) && !args.contains(a) {
            out.push(a.clone());
        }
    }
    m.insert("args".into(), json!(out));
    Value::Object(m)
}

/// `command`: sets container command and args.
pub struct Command;

impl Native for Command {
    type Params = OneOrMany<CommandPatch>;
    fn meta(&self) -> Meta {
        trait_meta(
            "command",
            "Add command on K8s pod for your workload which follows the pod spec in path 'spec.template'",
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
            "container name must be set for containers",
            command_container,
        );
        let mut r = container_list_patch(containers);
        if let Some(Patch::Strategic(n)) = r.patch.take() {
            r.patch = Some(Patch::Strategic(n.open_lists()));
        }
        Ok(r)
    }
}
