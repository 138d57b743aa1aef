//! The `container-ports` trait: container ports and host ports.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::pod::Protocol;
use crate::builtin::traits::container::{OneOrMany, default_container_name, keyed_container_patch};
use crate::builtin::traits::{POD_WORKLOADS, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

/// A container port of container-ports.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerPort {
    /// Container port.
    pub container_port: i64,
    /// TCP (default), UDP or SCTP.
    #[serde(default = "crate::builtin::pod::default_protocol")]
    pub protocol: Protocol,
    /// Host port.
    #[serde(default)]
    pub host_port: Option<i64>,
    /// Host IP.
    #[serde(default, rename = "hostIP")]
    pub host_ip: Option<String>,
}

/// One container's ports.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortsParams {
    /// Target container (default: the component's).
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// The ports.
    #[serde(default)]
    pub ports: Vec<ContainerPort>,
}

fn proto(p: &Protocol) -> String {
    to_json(p).as_str().unwrap_or_default().to_string()
}

fn ports_container(base: &[Value], name: String, p: &PortsParams) -> Value {
    let Some(bc) = base
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
    else {
        return json!({"name": name, "err": format!("container {name} not found")});
    };
    let key = |proto: &str, port: i64| format!("{}{port}", proto.to_lowercase());
    let mut out = Vec::new();
    match bc.get("ports").and_then(Value::as_array) {
        None => {
            for port in &p.ports {
                let mut m = Map::new();
                m.insert("containerPort".into(), json!(port.container_port));
                m.insert("protocol".into(), json!(proto(&port.protocol)));
                insert_some(&mut m, "hostPort", &port.host_port);
                insert_some(&mut m, "hostIP", &port.host_ip);
                out.push(Value::Object(m));
            }
        }
        Some(base_ports) => {
            let mut base_keys = Vec::new();
            for bp in base_ports {
                let cp = bp.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
                let pr = bp.get("protocol").and_then(Value::as_str).unwrap_or_default();
                let k = key(pr, cp);
                let mut m = Map::new();
                m.insert("containerPort".into(), json!(cp));
                m.insert("protocol".into(), json!(pr));
                m.insert("name".into(), bp.get("name").cloned().unwrap_or(Value::Null));
                if let Some(np) = p
                    .ports
                    .iter()
                    .find(|np| key(&proto(&np.protocol), np.container_port) == k)
                {
                    insert_some(&mut m, "hostPort", &np.host_port);
                    insert_some(&mut m, "hostIP", &np.host_ip);
                }
                base_keys.push(k);
                out.push(Value::Object(m));
            }
            for port in &p.ports {
                if base_keys.contains(&key(&proto(&port.protocol), port.container_port)) {
                    continue;
                }
                let mut m = Map::new();
                m.insert("containerPort".into(), json!(port.container_port));
                m.insert("protocol".into(), json!(proto(&port.protocol)));
                insert_some(&mut m, "hostPort", &port.host_port);
                insert_some(&mut m, "hostIP", &port.host_ip);
                out.push(Value::Object(m));
            }
        }
    }
    json!({"name": name, "ports": out})
}

/// `container-ports`: container ports and host ports.
pub struct ContainerPorts;

impl Native for ContainerPorts {
    type Params = OneOrMany<PortsParams>;
    fn meta(&self) -> Meta {
        trait_meta(
            "container-ports",
            "Expose on the host and bind the external port to host to enable web traffic for your component.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let containers = p.container_patches(
            ctx,
            |c| &c.container_name,
            "container name must be set for containers",
            ports_container,
        );
        Ok(keyed_container_patch(containers))
    }
}
