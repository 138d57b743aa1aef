//! The `service-account` trait: the pod's service account, optionally created with RBAC rules.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch};

fn default_scope() -> String {
    "namespace".into()
}

/// One privilege of service-account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Privilege {
    /// Verbs.
    pub verbs: Vec<String>,
    /// API groups.
    #[serde(default)]
    pub api_groups: Option<Vec<String>>,
    /// Resources.
    #[serde(default)]
    pub resources: Option<Vec<String>>,
    /// Resource names.
    #[serde(default)]
    pub resource_names: Option<Vec<String>>,
    /// Non-resource URLs.
    #[serde(default, rename = "nonResourceURLs")]
    pub non_resource_urls: Option<Vec<String>>,
    /// namespace (default) or cluster.
    #[serde(default = "default_scope")]
    pub scope: String,
}

/// Parameters of service-account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountParams {
    /// Specify the name of ServiceAccount.
    pub name: String,
    /// Specify whether to create new ServiceAccount or not.
    #[serde(default)]
    pub create: bool,
    /// Specify the privileges of the ServiceAccount.
    #[serde(default)]
    pub privileges: Option<Vec<Privilege>>,
}

fn rules(ps: &[&Privilege]) -> Value {
    Value::Array(
        ps.iter()
            .map(|p| {
                let mut m = Map::new();
                m.insert("verbs".into(), json!(p.verbs));
                insert_some(&mut m, "apiGroups", &p.api_groups);
                insert_some(&mut m, "resources", &p.resources);
                insert_some(&mut m, "resourceNames", &p.resource_names);
                insert_some(&mut m, "nonResourceURLs", &p.non_resource_urls);
                Value::Object(m)
            })
            .collect(),
    )
}

/// `service-account`: sets the pod's service account, optionally creating it with RBAC.
pub struct ServiceAccount;

impl Native for ServiceAccount {
    type Params = ServiceAccountParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "service-account",
            "Specify serviceAccount for your workload which follows the pod spec in path 'spec.template'.",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
            ],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: ServiceAccountParams) -> Result<Rendered> {
        let mut outputs = Vec::new();
        if p.create {
            outputs.push((
                "service-account".into(),
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": p.name}}),
            ));
        }
        if let Some(privs) = &p.privileges {
            let cluster: Vec<&Privilege> = privs.iter().filter(|p| p.scope == "cluster").collect();
            let ns: Vec<&Privilege> = privs.iter().filter(|p| p.scope == "namespace").collect();
            let cname = format!("{}:{}", ctx.namespace, p.name);
            if !cluster.is_empty() {
                outputs.push((
                    "cluster-role".into(),
                    json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": cname}, "rules": rules(&cluster)}),
                ));
                outputs.push(("cluster-role-binding".into(), json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": {"name": cname},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cname},
                    "subjects": [{"kind": "ServiceAccount", "name": p.name, "namespace": ctx.namespace}]})));
            }
            if !ns.is_empty() {
                outputs.push((
                    "role".into(),
                    json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": {"name": p.name}, "rules": rules(&ns)}),
                ));
                outputs.push((
                    "role-binding".into(),
                    json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": p.name},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": p.name},
                    "subjects": [{"kind": "ServiceAccount", "name": p.name}]}),
                ));
            }
        }
        Ok(Rendered {
            outputs,
            // `+patchStrategy=retainKeys` sits on `patch` itself in KubeVela's template, where the
            // patch engine never sees it: the field is plainly unified.
            patch: Some(Patch::Strategic(Node::from_json(
                json!({"spec": {"template": {"spec": {"serviceAccountName": p.name}}}}),
            ))),
            ..Default::default()
        })
    }
}
