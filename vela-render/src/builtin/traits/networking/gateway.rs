//! The `gateway` trait: an Ingress (networking v1) plus a Service unless an existing one is named.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use vela_model::labels::label;

use crate::builtin::json::to_json;
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

fn default_ingress_class() -> String {
    "nginx".into()
}
fn default_path_type() -> String {
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
    #[serde(default = "default_ingress_class")]
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
    #[serde(default = "default_path_type")]
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
                    "spec": {"selector": {(label::APP_COMPONENT): ctx.name}, "ports": ports}}),
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
