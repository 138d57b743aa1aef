//! The `pure-ingress` trait: an Ingress without a Service.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtin::traits::trait_meta;
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

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
