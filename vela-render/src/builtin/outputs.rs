//! Built-in traits that add objects: expose, cpuscaler, hpa, pure-ingress, service-account.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::components::Protocol;
use super::pod::{put, to_json};
use super::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;
use crate::patch::{Node, Patch};

fn tcp() -> Protocol {
    Protocol::Tcp
}

/// A port of expose.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExposePort {
    /// Number of port to expose on the pod's IP address.
    pub port: i64,
    /// Name of the port.
    #[serde(default)]
    pub name: Option<String>,
    /// Protocol for port. Must be UDP, TCP, or SCTP.
    #[serde(default = "tcp")]
    pub protocol: Protocol,
    /// Exposed node port. Only valid when type is NodePort.
    #[serde(default)]
    pub node_port: Option<i64>,
}

fn cluster_ip() -> String {
    "ClusterIP".into()
}

/// Parameters of expose.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExposeParams {
    /// Deprecated: ports to expose.
    #[serde(default)]
    pub port: Option<Vec<i64>>,
    /// Specify portsyou want customer traffic sent to.
    #[serde(default)]
    pub ports: Option<Vec<ExposePort>>,
    /// Specify the annotations of the exposed service.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Specify the label selector to use.
    #[serde(default)]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// ClusterIP (default), NodePort, LoadBalancer or ExternalName.
    #[serde(default = "cluster_ip", rename = "type")]
    pub type_: String,
}

/// `expose`: a Service for the component (stage PostDispatch).
pub struct Expose;

impl Native for Expose {
    type Params = ExposeParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "expose",
            "Expose port to enable web traffic for your component.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
        .attr("stage", json!("PostDispatch"))
    }
    fn render(&self, ctx: &Context, p: ExposeParams) -> Result<Rendered> {
        let mut spec = Map::new();
        match &p.match_labels {
            None => spec.insert("selector".into(), json!({"app.oam.dev/component": ctx.name})),
            Some(m) => spec.insert("selector".into(), to_json(m)),
        };
        if let (Some(ports), None) = (&p.port, &p.ports) {
            spec.insert(
                "ports".into(),
                Value::Array(
                    ports
                        .iter()
                        .map(|p| json!({"name": format!("port-{p}"), "port": p, "targetPort": p}))
                        .collect(),
                ),
            );
        }
        if let Some(ports) = &p.ports {
            let list = ports
                .iter()
                .map(|v| {
                    let mut m = Map::new();
                    m.insert("port".into(), json!(v.port));
                    m.insert("targetPort".into(), json!(v.port));
                    let name = match &v.name {
                        Some(n) => n.clone(),
                        None if v.protocol != Protocol::Tcp => format!(
                            "port-{}-{}",
                            v.port,
                            to_json(&v.protocol).as_str().unwrap_or_default().to_lowercase()
                        ),
                        None => format!("port-{}", v.port),
                    };
                    m.insert("name".into(), json!(name));
                    if let (Some(np), "NodePort") = (v.node_port, p.type_.as_str()) {
                        m.insert("nodePort".into(), json!(np));
                    }
                    m.insert("protocol".into(), to_json(&v.protocol));
                    Value::Object(m)
                })
                .collect();
            spec.insert("ports".into(), Value::Array(list));
        }
        spec.insert("type".into(), json!(p.type_));
        let svc = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": ctx.name, "annotations": to_json(&p.annotations)},
            "spec": spec,
        });
        Ok(Rendered {
            outputs: vec![("service".into(), svc)],
            ..Default::default()
        })
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        let svc = req.outputs.get("service").cloned().unwrap_or(Value::Null);
        let ty = svc
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ip = svc
            .pointer("/status/loadBalancer/ingress/0/ip")
            .and_then(Value::as_str);
        Ok(match ty {
            "ClusterIP" => StatusResult {
                healthy: true,
                message: format!(
                    "ClusterIP: {}",
                    svc.pointer("/spec/clusterIP")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ),
                details: Default::default(),
            },
            "LoadBalancer" => StatusResult {
                healthy: ip.is_some(),
                message: match ip {
                    Some(ip) => format!("ExternalIP: {ip}"),
                    None => "ExternalIP: Pending".into(),
                },
                details: Default::default(),
            },
            _ => StatusResult::default(),
        })
    }
}

fn d1() -> i64 {
    1
}
fn d10() -> i64 {
    10
}
fn d50() -> i64 {
    50
}
fn apps_v1() -> String {
    "apps/v1".into()
}
fn deployment() -> String {
    "Deployment".into()
}

/// Parameters of cpuscaler.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuScalerParams {
    /// Specify the minimal number of replicas to which the autoscaler can scale down.
    #[serde(default = "d1")]
    pub min: i64,
    /// Specify the maximum number of of replicas to which the autoscaler can scale up.
    #[serde(default = "d10")]
    pub max: i64,
    /// Specify the average CPU utilization, for example, 50 means the CPU usage is 50%.
    #[serde(default = "d50")]
    pub cpu_util: i64,
    /// Specify the apiVersion of scalable object that should be scaled.
    #[serde(default = "apps_v1", rename = "targetAPIVersion")]
    pub target_api_version: String,
    /// Specify the kind of scalable object that should be scaled.
    #[serde(default = "deployment")]
    pub target_kind: String,
}

/// `cpuscaler`: an autoscaling/v1 HPA on CPU.
pub struct CpuScaler;

impl Native for CpuScaler {
    type Params = CpuScalerParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "cpuscaler",
            "Automatically scale the component based on CPU usage.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: CpuScalerParams) -> Result<Rendered> {
        let hpa = json!({
            "apiVersion": "autoscaling/v1",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": ctx.name},
            "spec": {
                "scaleTargetRef": {"apiVersion": p.target_api_version, "kind": p.target_kind, "name": ctx.name},
                "minReplicas": p.min,
                "maxReplicas": p.max,
                "targetCPUUtilizationPercentage": p.cpu_util,
            }
        });
        Ok(Rendered {
            outputs: vec![("cpuscaler".into(), hpa)],
            ..Default::default()
        })
    }
}

fn utilization() -> String {
    "Utilization".into()
}

/// A resource metric target of hpa.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricTarget {
    /// Utilization (default) or AverageValue.
    #[serde(default = "utilization", rename = "type")]
    pub type_: String,
    /// The target value.
    #[serde(default = "d50")]
    pub value: i64,
}

impl Default for MetricTarget {
    fn default() -> Self {
        Self {
            type_: utilization(),
            value: 50,
        }
    }
}

/// A custom pod metric of hpa.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PodMetric {
    /// Metric name.
    pub name: String,
    /// Target average value.
    pub value: String,
}

/// Parameters of hpa.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaParams {
    /// Minimal replicas.
    #[serde(default = "d1")]
    pub min: i64,
    /// Maximal replicas.
    #[serde(default = "d10")]
    pub max: i64,
    /// Target API version.
    #[serde(default = "apps_v1", rename = "targetAPIVersion")]
    pub target_api_version: String,
    /// Target kind.
    #[serde(default = "deployment")]
    pub target_kind: String,
    /// CPU target.
    #[serde(default)]
    pub cpu: MetricTarget,
    /// Memory target.
    #[serde(default)]
    pub mem: Option<MetricTarget>,
    /// Custom pod metrics.
    #[serde(default)]
    pub pod_custom_metrics: Option<Vec<PodMetric>>,
}

fn resource_metric(name: &str, t: &MetricTarget) -> Value {
    let mut target = Map::new();
    target.insert("type".into(), json!(t.type_));
    match t.type_.as_str() {
        "Utilization" => {
            target.insert("averageUtilization".into(), json!(t.value));
        }
        "AverageValue" => {
            target.insert("averageValue".into(), json!(t.value));
        }
        _ => {}
    }
    json!({"type": "Resource", "resource": {"name": name, "target": target}})
}

/// `hpa`: an autoscaling/v2 HPA with cpu, memory and custom metrics.
pub struct Hpa;

impl Native for Hpa {
    type Params = HpaParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "hpa",
            "Configure k8s HPA for Deployment or Statefulsets",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: HpaParams) -> Result<Rendered> {
        let minor = ctx
            .cluster_version
            .get("minor")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let api = if minor < 23 {
            "autoscaling/v2beta2"
        } else {
            "autoscaling/v2"
        };
        let mut metrics = vec![resource_metric("cpu", &p.cpu)];
        if let Some(m) = &p.mem {
            metrics.push(resource_metric("memory", m));
        }
        for m in p.pod_custom_metrics.iter().flatten() {
            metrics.push(json!({"type": "Pods", "pods": {"metric": {"name": m.name}, "target": {"type": "AverageValue", "averageValue": m.value}}}));
        }
        let hpa = json!({
            "apiVersion": api,
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": ctx.name},
            "spec": {
                "scaleTargetRef": {"apiVersion": p.target_api_version, "kind": p.target_kind, "name": ctx.name},
                "minReplicas": p.min,
                "maxReplicas": p.max,
                "metrics": metrics,
            }
        });
        Ok(Rendered {
            outputs: vec![("hpa".into(), hpa)],
            ..Default::default()
        })
    }
}

/// Parameters of pure-ingress.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PureIngressParams {
    /// Specify the domain you want to expose.
    pub domain: String,
    /// Specify the mapping relationship between the http path and the workload port.
    pub http: BTreeMap<String, i64>,
}

/// `pure-ingress`: an Ingress without a Service.
pub struct PureIngress;

impl Native for PureIngress {
    type Params = PureIngressParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "pure-ingress",
            "Enable public web traffic for the component without creating a Service.",
            &["*"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: PureIngressParams) -> Result<Rendered> {
        let paths: Vec<Value> = p
            .http
            .iter()
            .map(|(k, v)| json!({"path": k, "backend": {"serviceName": ctx.name, "servicePort": v}}))
            .collect();
        let ing = json!({
            "apiVersion": "networking.k8s.io/v1beta1",
            "kind": "Ingress",
            "metadata": {"name": ctx.name},
            "spec": {"rules": [{"host": p.domain, "http": {"paths": paths}}]},
        });
        Ok(Rendered {
            outputs: vec![("ingress".into(), ing)],
            ..Default::default()
        })
    }
}

fn namespace_scope() -> String {
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
    #[serde(default = "namespace_scope")]
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
                put(&mut m, "apiGroups", &p.api_groups);
                put(&mut m, "resources", &p.resources);
                put(&mut m, "resourceNames", &p.resource_names);
                put(&mut m, "nonResourceURLs", &p.non_resource_urls);
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

fn nginx() -> String {
    "nginx".into()
}
fn implementation_specific() -> String {
    "ImplementationSpecific".into()
}

/// Parameters of gateway.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayParams {
    /// Specify the domain you want to expose.
    #[serde(default)]
    pub domain: Option<String>,
    /// Specify the mapping relationship between the http path and the workload port.
    pub http: BTreeMap<String, i64>,
    /// Specify the class of ingress to use.
    #[serde(default = "nginx")]
    pub class: String,
    /// Set ingress class in '.spec.ingressClassName' instead of an annotation.
    #[serde(default)]
    pub class_in_spec: bool,
    /// Specify the secret name for TLS.
    #[serde(default)]
    pub secret_name: Option<String>,
    /// Specify the host of the ingress gateway.
    #[serde(default)]
    pub gateway_host: Option<String>,
    /// Specify a unique name for this gateway.
    #[serde(default)]
    pub name: Option<String>,
    /// ImplementationSpecific (default), Prefix or Exact.
    #[serde(default = "implementation_specific")]
    pub path_type: String,
    /// Annotations of the Ingress.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Labels of the Ingress.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Use an existing Service instead of creating one.
    #[serde(default)]
    pub existing_service_name: Option<String>,
}

/// `gateway`: an Ingress (networking v1) plus a Service unless an existing one is named.
pub struct Gateway;

impl Native for Gateway {
    type Params = GatewayParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "gateway",
            "Enable public web traffic for the component, the ingress API matches K8s v1.20+.",
            &["deployments.apps", "statefulsets.apps"],
            false,
        )
    }
    fn render(&self, ctx: &Context, p: GatewayParams) -> Result<Rendered> {
        let suffix = p.name.as_ref().map(|n| format!("-{n}")).unwrap_or_default();
        let svc_name = p
            .existing_service_name
            .clone()
            .unwrap_or_else(|| format!("{}{suffix}", ctx.name));
        let mut outputs = Vec::new();
        if p.existing_service_name.is_none() {
            let ports: Vec<Value> = p
                .http
                .values()
                .map(|v| json!({"name": format!("port-{v}"), "port": v, "targetPort": v}))
                .collect();
            outputs.push((
                format!("service{suffix}"),
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc_name},
                    "spec": {"selector": {"app.oam.dev/component": ctx.name}, "ports": ports}}),
            ));
        }
        let minor = ctx
            .cluster_version
            .get("minor")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let legacy = minor < 19;
        let mut ann = Map::new();
        if !p.class_in_spec {
            ann.insert("kubernetes.io/ingress.class".into(), json!(p.class));
        }
        if let Some(h) = &p.gateway_host {
            ann.insert("ingress.controller/host".into(), json!(h));
        }
        for (k, v) in p.annotations.iter().flatten() {
            ann.insert(k.clone(), json!(v));
        }
        let labels = to_json(&p.labels.clone().unwrap_or_default());
        let mut spec = Map::new();
        if p.class_in_spec {
            spec.insert("ingressClassName".into(), json!(p.class));
        }
        if let Some(s) = &p.secret_name {
            spec.insert(
                "tls".into(),
                json!([{"hosts": [p.domain.clone().map(Value::from).unwrap_or(Value::Null)], "secretName": s}]),
            );
        }
        let paths: Vec<Value> = p
            .http
            .iter()
            .map(|(k, v)| {
                let backend = if legacy {
                    json!({"serviceName": svc_name, "servicePort": v})
                } else {
                    json!({"service": {"name": svc_name, "port": {"number": v}}})
                };
                json!({"path": k, "pathType": p.path_type, "backend": backend})
            })
            .collect();
        let mut rule = Map::new();
        if let Some(d) = &p.domain {
            rule.insert("host".into(), json!(d));
        }
        rule.insert("http".into(), json!({"paths": paths}));
        spec.insert("rules".into(), json!([rule]));
        outputs.push((
            format!("ingress{suffix}"),
            json!({
                "apiVersion": if legacy { "networking.k8s.io/v1beta1" } else { "networking.k8s.io/v1" },
                "kind": "Ingress",
                "metadata": {"name": format!("{}{suffix}", ctx.name), "annotations": ann, "labels": labels},
                "spec": spec,
            }),
        ));
        Ok(Rendered {
            outputs,
            ..Default::default()
        })
    }
}
