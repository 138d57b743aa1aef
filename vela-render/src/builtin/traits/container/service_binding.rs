//! The `service-binding` trait: environment variables of the component's container taken from
//! Secrets.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::traits::{POD_WORKLOADS, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::{Error, Result};
use crate::native::Native;
use crate::patch::{Node, Tags};

/// Where one variable's value comes from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySecret {
    /// The key in the Secret (default: the variable's name).
    #[serde(default)]
    pub key: Option<String>,
    /// The Secret's name.
    pub secret: String,
}

/// Parameters of service-binding.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceBindingParams {
    /// The mapping of environment variables to secret. Kept in the order written: the
    /// variables are added in that order.
    #[schemars(with = "BTreeMap<String, KeySecret>")]
    pub env_mappings: Map<String, Value>,
}

/// `service-binding`: binds Secret keys to environment variables of the container named after
/// the component (merged by name into its `env`).
pub struct ServiceBinding;

impl Native for ServiceBinding {
    type Params = ServiceBindingParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "service-binding",
            "Binding secrets of cloud resources to component env. This definition is DEPRECATED, please use 'storage' instead.",
            &POD_WORKLOADS,
            false,
        )
        .label("ui-hidden", "true")
    }
    fn render(&self, ctx: &Context, p: ServiceBindingParams) -> Result<Rendered> {
        let mut env = Vec::with_capacity(p.env_mappings.len());
        for (name, v) in p.env_mappings {
            let ks: KeySecret = serde_json::from_value(v).map_err(|e| Error::Render {
                kind: Kind::Trait,
                name: "service-binding".into(),
                message: format!("envMappings.{name}: {e}"),
            })?;
            let key = ks.key.unwrap_or_else(|| name.clone());
            env.push(json!({"name": name, "valueFrom": {"secretKeyRef": {"name": ks.secret, "key": key}}}));
        }
        let node = Node::from_json(json!({"spec": {"template": {"spec": {
            "containers": [{"name": ctx.name, "env": env}],
        }}}}))
        .tag("spec.template.spec.containers", Tags::key("name"))
        .tag("spec.template.spec.containers.*.env", Tags::key("name"));
        Ok(strategic_patch(node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_default_to_the_variable_name_and_keep_their_order() {
        let ctx = Context::new("app", "default", "web");
        let params: ServiceBindingParams = serde_json::from_value(json!({"envMappings": {
            "Z_PASS": {"secret": "db"}, "A_HOST": {"secret": "db", "key": "host"}}}))
        .unwrap();
        let r = ServiceBinding.render(&ctx, params).unwrap();
        let Some(crate::patch::Patch::Strategic(node)) = r.patch else {
            panic!("a strategic patch");
        };
        let env = &node.to_json()["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(env[0]["name"], "Z_PASS");
        assert_eq!(
            env[0]["valueFrom"]["secretKeyRef"],
            json!({"name": "db", "key": "Z_PASS"})
        );
        assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["key"], "host");
    }
}
