//! Built-in traits that patch the workload.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::pod::{HealthProbe, HostAlias, put, to_json};
use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch, Strategy, Tags};

pub(crate) fn trait_meta(name: &str, desc: &str, applies: &[&str], disruptive: bool) -> Meta {
    Meta::new(name, Kind::Trait, desc)
        .attr("podDisruptive", json!(disruptive))
        .attr("appliesToWorkloads", json!(applies))
}

const POD_WORKLOADS: [&str; 4] = [
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "jobs.batch",
];

fn patch(p: Patch) -> Rendered {
    Rendered {
        patch: Some(p),
        ..Default::default()
    }
}

fn output_has(ctx: &Context, path: &[&str]) -> bool {
    let mut cur = match &ctx.output {
        Some(v) => v,
        None => return false,
    };
    for p in path {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return false,
        }
    }
    true
}

pub(super) fn base_containers(ctx: &Context) -> Vec<Value> {
    ctx.output
        .as_ref()
        .and_then(|o| o.pointer("/spec/template/spec/containers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

// ---------------------------------------------------------------- scaler

/// Parameters of scaler.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScalerParams {
    /// Specify the number of workload.
    #[serde(default = "one")]
    pub replicas: i64,
}

fn one() -> i64 {
    1
}

/// `scaler`: sets `spec.replicas`.
pub struct Scaler;

impl Native for Scaler {
    type Params = ScalerParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "scaler",
            "Manually scale K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, _: &Context, p: ScalerParams) -> Result<Rendered> {
        Ok(patch(Patch::Strategic(Node::from_json(
            json!({"spec": {"replicas": p.replicas}}),
        ))))
    }
}

// ---------------------------------------------------------------- labels / annotations

/// `labels` / `annotations`: JSON merge patch on the workload and its pod template.
pub struct MetaMerge {
    field: &'static str,
}

impl MetaMerge {
    /// The `labels` trait.
    pub fn labels() -> Self {
        Self { field: "labels" }
    }
    /// The `annotations` trait.
    pub fn annotations() -> Self {
        Self { field: "annotations" }
    }
}

impl Native for MetaMerge {
    type Params = BTreeMap<String, Option<String>>;
    fn meta(&self) -> Meta {
        trait_meta(
            self.field,
            if self.field == "labels" {
                "Add labels on K8s pod for your workload which follows the pod spec in path 'spec.template'."
            } else {
                "Add annotations on K8s pod for your workload which follows the pod spec in path 'spec.template'."
            },
            &["*"],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let content = to_json(&p);
        let mut m = json!({"metadata": {self.field: content}});
        if output_has(ctx, &["spec", "template"]) {
            m["spec"] = json!({"template": {"metadata": {self.field: content}}});
        }
        if self.field == "annotations" && output_has(ctx, &["spec", "jobTemplate"]) {
            let mut jt = json!({"metadata": {self.field: content}});
            if output_has(ctx, &["spec", "jobTemplate", "spec", "template"]) {
                jt["spec"] = json!({"template": {"metadata": {self.field: content}}});
            }
            m["spec"]["jobTemplate"] = jt;
        }
        Ok(patch(Patch::JsonMerge(m)))
    }
}

// ---------------------------------------------------------------- json patches

/// Parameters of json-patch.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonPatchParams {
    /// RFC 6902 operations.
    pub operations: Vec<Map<String, Value>>,
}

/// `json-patch`: RFC 6902 operations on the workload.
pub struct JsonPatchTrait;

impl Native for JsonPatchTrait {
    type Params = JsonPatchParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "json-patch",
            "Patch the output following Json Patch strategy, following RFC 6902.",
            &["*"],
            true,
        )
    }
    fn render(&self, _: &Context, p: JsonPatchParams) -> Result<Rendered> {
        Ok(patch(Patch::Json(
            p.operations.into_iter().map(Value::Object).collect(),
        )))
    }
}

/// `json-merge-patch`: RFC 7396 merge patch on the workload.
pub struct JsonMergePatchTrait;

impl Native for JsonMergePatchTrait {
    type Params = Map<String, Value>;
    fn meta(&self) -> Meta {
        trait_meta(
            "json-merge-patch",
            "Patch the output following Json Merge Patch strategy, following RFC 7396.",
            &["*"],
            true,
        )
    }
    fn render(&self, _: &Context, p: Self::Params) -> Result<Rendered> {
        Ok(patch(Patch::JsonMerge(Value::Object(p))))
    }
}

// ---------------------------------------------------------------- sidecar

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
        put(&mut c, "command", &p.cmd);
        put(&mut c, "args", &p.args);
        put(&mut c, "env", &p.env);
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
        put(&mut c, "livenessProbe", &p.liveness_probe);
        put(&mut c, "readinessProbe", &p.readiness_probe);
        let node = Node::from_json(json!({"spec": {"template": {"spec": {"containers": [c]}}}}))
            .tag("spec", Tags::key("name"));
        Ok(patch(Patch::Strategic(node)))
    }
}

// ---------------------------------------------------------------- hostalias

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
        Ok(patch(Patch::Strategic(node)))
    }
}

// ---------------------------------------------------------------- env

fn empty() -> String {
    String::new()
}

/// One container's env patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvPatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "empty")]
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

/// One container's patch or a list of them (`containers`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<P> {
    /// Several containers.
    Many {
        /// Per-container patches.
        containers: Vec<P>,
    },
    /// One container.
    One(P),
}

impl<P> OneOrMany<P> {
    /// One container patch per target, built by `build(base containers, container name, params)`.
    ///
    /// The single form targets its `containerName` (default: the component's name). In the list
    /// form every entry must name its container; an entry that does not becomes an `err` entry
    /// with `missing` as its message (KubeVela's wording differs between definitions).
    pub(super) fn container_patches(
        &self,
        ctx: &Context,
        name_of: impl Fn(&P) -> &str,
        missing: &str,
        build: impl Fn(&[Value], String, &P) -> Value,
    ) -> Vec<Value> {
        let base = base_containers(ctx);
        match self {
            OneOrMany::One(p) => vec![build(&base, container_name(ctx, name_of(p)), p)],
            OneOrMany::Many { containers } => containers
                .iter()
                .map(|c| match name_of(c) {
                    "" => json!({ "err": missing }),
                    name => build(&base, name.to_string(), c),
                })
                .collect(),
        }
    }
}

fn patch_containers(ctx: &Context, containers: Vec<Value>) -> Rendered {
    let errs: Vec<String> = containers
        .iter()
        .filter_map(|c| c.get("err").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut node = Node::from_json(json!({"spec": {"template": {"spec": {"containers": containers}}}}))
        .tag("spec.template.spec.containers", Tags::key("name"));
    for field in ["env", "command", "args"] {
        node = node.tag(
            &format!("spec.template.spec.containers.*.{field}"),
            Tags::strategy(Strategy::Replace),
        );
    }
    for field in ["image", "imagePullPolicy"] {
        node = node.tag(
            &format!("spec.template.spec.containers.*.{field}"),
            Tags::strategy(Strategy::RetainKeys),
        );
    }
    let _ = ctx;
    Rendered {
        patch: Some(Patch::Strategic(node)),
        errs,
        ..Default::default()
    }
}

fn find_container<'a>(base: &'a [Value], name: &str) -> Option<&'a Value> {
    base.iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
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

pub(super) fn container_name(ctx: &Context, n: &str) -> String {
    if n.is_empty() {
        ctx.name.clone()
    } else {
        n.to_string()
    }
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
        Ok(patch_containers(ctx, containers))
    }
}

// ---------------------------------------------------------------- command

/// One container's command patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CommandPatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "empty")]
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
        let mut r = patch_containers(ctx, containers);
        if let Some(Patch::Strategic(n)) = r.patch.take() {
            r.patch = Some(Patch::Strategic(n.open_lists()));
        }
        Ok(r)
    }
}

// ---------------------------------------------------------------- container-image

/// One container's image patch.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImagePatch {
    /// Specify the name of the target container, if not set, use the component name.
    #[serde(default = "empty")]
    pub container_name: String,
    /// Specify the image of the container.
    pub image: String,
    /// Specify the image pull policy of the container ("", IfNotPresent, Always, Never).
    #[serde(default = "empty")]
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
        Ok(patch_containers(ctx, containers))
    }
}

// ---------------------------------------------------------------- k8s-update-strategy

fn pct25() -> String {
    "25%".into()
}

/// `strategy.rollingStrategy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RollingStrategy {
    /// Maximum surge.
    #[serde(default = "pct25")]
    pub max_surge: String,
    /// Maximum unavailable.
    #[serde(default = "pct25")]
    pub max_unavailable: String,
    /// StatefulSet partition.
    #[serde(default)]
    pub partition: i64,
}

fn rolling_update() -> String {
    "RollingUpdate".into()
}

/// `strategy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// RollingUpdate (default), Recreate or OnDelete.
    #[serde(default = "rolling_update", rename = "type")]
    pub type_: String,
    /// Rolling update parameters.
    #[serde(default)]
    pub rolling_strategy: Option<RollingStrategy>,
}

impl Default for UpdateStrategy {
    fn default() -> Self {
        Self {
            type_: rolling_update(),
            rolling_strategy: None,
        }
    }
}

fn apps_v1() -> String {
    "apps/v1".into()
}
fn deployment() -> String {
    "Deployment".into()
}

/// Parameters of k8s-update-strategy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategyParams {
    /// Target API version.
    #[serde(default = "apps_v1", rename = "targetAPIVersion")]
    pub target_api_version: String,
    /// Deployment (default), StatefulSet or DaemonSet.
    #[serde(default = "deployment")]
    pub target_kind: String,
    /// The strategy.
    #[serde(default)]
    pub strategy: UpdateStrategy,
}

/// `k8s-update-strategy`: the update strategy of Deployments, StatefulSets and DaemonSets.
pub struct K8sUpdateStrategy;

impl Native for K8sUpdateStrategy {
    type Params = UpdateStrategyParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "k8s-update-strategy",
            "Set k8s update strategy for Deployment/DaemonSet/StatefulSet",
            &["deployments.apps", "statefulsets.apps", "daemonsets.apps"],
            false,
        )
    }
    fn render(&self, _: &Context, p: UpdateStrategyParams) -> Result<Rendered> {
        let t = p.strategy.type_.as_str();
        let rs = p.strategy.rolling_strategy.as_ref();
        let mut spec = Map::new();
        let (field, skip) = match p.target_kind.as_str() {
            "Deployment" => ("strategy", "OnDelete"),
            _ => ("updateStrategy", "Recreate"),
        };
        if t != skip {
            let mut s = Map::new();
            s.insert("type".into(), json!(t));
            if t == "RollingUpdate" {
                // the CUE template reads rollingStrategy fields; absent → incomplete → error
                let ru = match (p.target_kind.as_str(), rs) {
                    ("StatefulSet", Some(r)) => json!({"partition": r.partition}),
                    (_, Some(r)) => json!({"maxSurge": r.max_surge, "maxUnavailable": r.max_unavailable}),
                    (_, None) => {
                        return Err(crate::Error::Render {
                            kind: Kind::Trait,
                            name: "k8s-update-strategy".into(),
                            message: "strategy.rollingStrategy is required for RollingUpdate".into(),
                        });
                    }
                };
                s.insert("rollingUpdate".into(), ru);
            }
            spec.insert(field.into(), Value::Object(s));
        }
        let node = Node::from_json(json!({"spec": spec}))
            .tag(&format!("spec.{field}"), Tags::strategy(Strategy::RetainKeys));
        Ok(patch(Patch::Strategic(node)))
    }
}

// ---------------------------------------------------------------- resource

/// `cpu`: a number or a string quantity.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    /// A number of cores.
    Number(serde_json::Number),
    /// A quantity string.
    String(String),
}

fn cpu1() -> Quantity {
    Quantity::Number(1.into())
}
fn mem2g() -> String {
    "2048Mi".into()
}

/// Requests or limits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuMem {
    /// CPU.
    #[serde(default = "cpu1")]
    pub cpu: Quantity,
    /// Memory.
    #[serde(default = "mem2g")]
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"))]
    pub memory: String,
}

/// Parameters of resource.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceParams {
    /// Specify the amount of cpu for requests and limits.
    #[serde(default)]
    pub cpu: Option<Quantity>,
    /// Specify the amount of memory for requests and limits.
    #[serde(default)]
    #[schemars(regex(pattern = r"^([1-9][0-9]{0,63})(E|P|T|G|M|K|Ei|Pi|Ti|Gi|Mi|Ki)$"))]
    pub memory: Option<String>,
    /// Specify the resources in requests.
    #[serde(default)]
    pub requests: Option<CpuMem>,
    /// Specify the resources in limits.
    #[serde(default)]
    pub limits: Option<CpuMem>,
}

/// `resource`: container requests and limits.
pub struct Resource;

impl Native for Resource {
    type Params = ResourceParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "resource",
            "Add resource requests and limits on K8s pod for your workload which follows the pod spec in path 'spec.template.'",
            &[
                "deployments.apps",
                "statefulsets.apps",
                "daemonsets.apps",
                "jobs.batch",
                "cronjobs.batch",
            ],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: ResourceParams) -> Result<Rendered> {
        let mut res = Map::new();
        if let (Some(c), Some(m), None, None) = (&p.cpu, &p.memory, &p.requests, &p.limits) {
            res.insert("requests".into(), json!({"cpu": to_json(c), "memory": m}));
            res.insert("limits".into(), json!({"cpu": to_json(c), "memory": m}));
        }
        if let Some(r) = &p.requests {
            res.insert(
                "requests".into(),
                json!({"cpu": to_json(&r.cpu), "memory": r.memory}),
            );
        }
        if let Some(l) = &p.limits {
            res.insert(
                "limits".into(),
                json!({"cpu": to_json(&l.cpu), "memory": l.memory}),
            );
        }
        let content = json!({"resources": res});
        let mut root = Map::new();
        let mut tags: Vec<String> = Vec::new();
        if output_has(ctx, &["spec", "template"]) {
            root.insert(
                "spec".into(),
                json!({"template": {"spec": {"containers": [content.clone()]}}}),
            );
            tags.push("spec.template.spec.containers".into());
        }
        if output_has(ctx, &["spec", "jobTemplate"]) {
            let spec = root.entry("spec").or_insert_with(|| json!({}));
            spec["jobTemplate"] = json!({"spec": {"template": {"spec": {"containers": [content]}}}});
            tags.push("spec.jobTemplate.spec.template.spec.containers".into());
        }
        let mut node = Node::from_json(Value::Object(root));
        for t in tags {
            node = node
                .tag(&t, Tags::key("name"))
                .tag(
                    &format!("{t}.*.resources.requests"),
                    Tags::strategy(Strategy::RetainKeys),
                )
                .tag(
                    &format!("{t}.*.resources.limits"),
                    Tags::strategy(Strategy::RetainKeys),
                );
        }
        Ok(patch(Patch::Strategic(node)))
    }
}
