//! The `expose` trait: a Service for the component.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use vela_model::labels::label;

use crate::builtin::json::to_json;
use crate::builtin::pod::Protocol;
use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

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
    #[serde(default = "crate::builtin::pod::default_protocol")]
    pub protocol: Protocol,
    /// Exposed node port. Only valid when type is NodePort.
    #[serde(default)]
    pub node_port: Option<i64>,
}

fn default_service_type() -> String {
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
    #[serde(default = "default_service_type", rename = "type")]
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
            None => spec.insert("selector".into(), json!({(label::APP_COMPONENT): ctx.name})),
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
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
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
