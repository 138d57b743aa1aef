//! The `podsecuritycontext` trait: the pod's securityContext.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};

use crate::builtin::json::insert_some;
use crate::builtin::traits::{POD_WORKLOADS, pod_spec_patch, strategic_patch, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

/// A `{type, localhostProfile}` profile.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// RuntimeDefault, Unconfined or Localhost.
    #[serde(rename = "type")]
    pub type_: ProfileType,
    /// Localhost profile path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
}

/// Profile types.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum ProfileType {
    /// RuntimeDefault.
    RuntimeDefault,
    /// Unconfined.
    Unconfined,
    /// Localhost.
    Localhost,
}

fn default_run_as_non_root() -> bool {
    true
}

/// Parameters of podsecuritycontext.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSecurityParams {
    /// AppArmor profile.
    #[serde(default)]
    pub app_armor_profile: Option<Profile>,
    /// fsGroup.
    #[serde(default)]
    pub fs_group: Option<i64>,
    /// runAsGroup.
    #[serde(default)]
    pub run_as_group: Option<i64>,
    /// runAsUser.
    #[serde(default)]
    pub run_as_user: Option<i64>,
    /// runAsNonRoot (default true).
    #[serde(default = "default_run_as_non_root")]
    pub run_as_non_root: bool,
    /// Seccomp profile.
    #[serde(default)]
    pub seccomp_profile: Option<Profile>,
}

/// `podsecuritycontext`: the pod's securityContext.
pub struct PodSecurityContext;

impl Native for PodSecurityContext {
    type Params = PodSecurityParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "podsecuritycontext",
            "Adds security context to the pod spec in path 'spec.template.spec.securityContext'.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, _: &Context, p: PodSecurityParams) -> Result<Rendered> {
        let mut sc = Map::new();
        insert_some(&mut sc, "appArmorProfile", &p.app_armor_profile);
        insert_some(&mut sc, "fsGroup", &p.fs_group);
        insert_some(&mut sc, "runAsGroup", &p.run_as_group);
        insert_some(&mut sc, "runAsUser", &p.run_as_user);
        insert_some(&mut sc, "seccompProfile", &p.seccomp_profile);
        sc.insert("runAsNonRoot".into(), json!(p.run_as_non_root));
        Ok(strategic_patch(pod_spec_patch(json!({"securityContext": sc}))))
    }
}
