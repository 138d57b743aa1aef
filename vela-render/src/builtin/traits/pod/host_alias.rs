//! The `hostalias` trait: entries of the pod's `/etc/hosts`.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::builtin::json::to_json;
use crate::builtin::pod::HostAlias;
use crate::builtin::traits::{POD_WORKLOADS, patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Tags};

/// Parameters of hostalias.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostAliasParams {
    /// Specify the hostAliases to add.
    pub host_aliases: Vec<HostAlias>,
}

/// `hostalias`: adds host aliases, matched by ip.
pub struct HostAliasTrait;

impl Native for HostAliasTrait {
    type Params = HostAliasParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "hostalias",
            "Add host aliases on K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &POD_WORKLOADS,
            false,
        )
    }
    fn render(&self, _: &Context, p: HostAliasParams) -> Result<Rendered> {
        let node = Node::from_json(
            json!({"spec": {"template": {"spec": {"hostAliases": to_json(&p.host_aliases)}}}}),
        )
        .tag("spec", Tags::key("ip"));
        Ok(patch_only(Patch::Strategic(node)))
    }
}
