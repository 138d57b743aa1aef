//! The `securitycontext` trait: a container's securityContext.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::traits::container::{
    OneOrMany, default_container_name, find_container, keyed_container_patch,
};
use crate::builtin::traits::{POD_WORKLOADS, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

fn default_false() -> bool {
    false
}
fn default_run_as_non_root() -> bool {
    true
}

/// One container's security context.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityParams {
    /// Target container (default: the component's).
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// Capabilities to add.
    #[serde(default)]
    pub add_capabilities: Option<Vec<String>>,
    /// Allow privilege escalation.
    #[serde(default = "default_false")]
    pub allow_privilege_escalation: bool,
    /// Capabilities to drop.
    #[serde(default)]
    pub drop_capabilities: Option<Vec<String>>,
    /// Privileged.
    #[serde(default = "default_false")]
    pub privileged: bool,
    /// Read-only root filesystem.
    #[serde(default = "default_false")]
    pub read_only_root_filesystem: bool,
    /// Run as non-root (default true).
    #[serde(default = "default_run_as_non_root")]
    pub run_as_non_root: bool,
    /// runAsUser.
    #[serde(default)]
    pub run_as_user: Option<i64>,
    /// runAsGroup.
    #[serde(default)]
    pub run_as_group: Option<i64>,
}

fn security_container(base: &[Value], name: String, p: &SecurityParams) -> Value {
    if find_container(base, &name).is_none() {
        return json!({"name": name, "err": format!("container {name} not found")});
    }
    let mut caps = Map::new();
    insert_some(&mut caps, "add", &p.add_capabilities);
    insert_some(&mut caps, "drop", &p.drop_capabilities);
    let mut sc = Map::new();
    sc.insert("capabilities".into(), Value::Object(caps));
    insert_some(&mut sc, "runAsUser", &p.run_as_user);
    insert_some(&mut sc, "runAsGroup", &p.run_as_group);
    sc.insert(
        "allowPrivilegeEscalation".into(),
        json!(p.allow_privilege_escalation),
    );
    sc.insert(
        "readOnlyRootFilesystem".into(),
        json!(p.read_only_root_filesystem),
    );
    sc.insert("privileged".into(), json!(p.privileged));
    sc.insert("runAsNonRoot".into(), json!(p.run_as_non_root));
    json!({"name": name, "securityContext": sc})
}

/// Parameters of securitycontext: one container's fields or `containers`.
///
/// KubeVela's `parameter: #PatchParams | close({containers: [...#PatchParams]})` has no
/// default, and `{}` satisfies both sides (every `#PatchParams` field has a default, and
/// `containers` may be empty), so CUE cannot resolve it and the render fails; empty
/// properties are refused the same way here.
#[derive(Debug, JsonSchema)]
#[schemars(transparent)]
pub struct SecurityContextParams(pub OneOrMany<SecurityParams>);

impl<'de> Deserialize<'de> for SecurityContextParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.as_object().is_some_and(Map::is_empty) {
            return Err(serde::de::Error::custom(
                "ambiguous: set the container's fields or `containers` (KubeVela's parameter disjunction has no default)",
            ));
        }
        OneOrMany::deserialize(v)
            .map(Self)
            .map_err(serde::de::Error::custom)
    }
}

/// `securitycontext`: a container's securityContext.
pub struct SecurityContext;

impl Native for SecurityContext {
    type Params = SecurityContextParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "securitycontext",
            "Adds security context to the container spec in path 'spec.template.spec.containers.[].securityContext'.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let containers = p.0.container_patches(
            ctx,
            |c| &c.container_name,
            "containerName must be set for containers",
            security_container,
        );
        Ok(keyed_container_patch(containers))
    }
}
