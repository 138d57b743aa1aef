//! The long-running service workloads (webservice, statefulset, daemon, worker) share one
//! builder: a Deployment, StatefulSet or DaemonSet plus a Service for exposed ports.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use vela_model::labels::label;

use crate::builtin::json::{insert_some, to_json};
use crate::builtin::pod::{
    self, EnvVar, HealthProbe, HostAlias, LegacyVolume, Protocol, PullPolicy, VolumeMounts,
};
use crate::context::Context;
use crate::definition::Rendered;

/// A port of `ports[]`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Port {
    /// Number of port to expose on the pod's IP address.
    pub port: i64,
    /// Number of container port to connect to, defaults to port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i64>,
    /// Name of the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Protocol for port. Must be UDP, TCP, or SCTP.
    #[serde(default = "crate::builtin::pod::default_protocol")]
    pub protocol: Protocol,
    /// Specify if the port should be exposed.
    #[serde(default)]
    pub expose: bool,
    /// Exposed node port. Only valid when exposeType is NodePort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i64>,
}

/// Service type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum ExposeType {
    /// ClusterIP (default).
    #[default]
    ClusterIP,
    /// NodePort.
    NodePort,
    /// LoadBalancer.
    LoadBalancer,
    /// ExternalName (daemon only in KubeVela).
    ExternalName,
}

/// `limit` of webservice.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// CPU limit.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory limit.
    #[serde(default)]
    pub memory: Option<String>,
}

/// Parameters of webservice, statefulset and daemon.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceParams {
    /// Specify the labels in the workload.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Specify the annotations in the workload.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Which image would you like to use for your service.
    pub image: String,
    /// Specify image pull policy for your service.
    #[serde(default)]
    pub image_pull_policy: Option<PullPolicy>,
    /// Specify image pull secrets for your service.
    #[serde(default)]
    pub image_pull_secrets: Option<Vec<String>>,
    /// Deprecated field, please use ports instead.
    #[serde(default)]
    pub port: Option<i64>,
    /// Which ports do you want customer traffic sent to.
    #[serde(default)]
    pub ports: Option<Vec<Port>>,
    /// Specify what kind of Service you want.
    #[serde(default)]
    pub expose_type: ExposeType,
    /// If addRevisionLabel is true, the revision label will be added to the underlying pods.
    #[serde(default)]
    pub add_revision_label: bool,
    /// Commands to run in the container.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Arguments to the entrypoint.
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// Define arguments by using environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// Number of CPU units for the service, like `0.5` or `1`.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory of the container, like `512Mi`.
    #[serde(default)]
    pub memory: Option<String>,
    /// Limits when they differ from the requests.
    #[serde(default)]
    pub limit: Option<Limit>,
    /// Volumes to mount, by type.
    #[serde(default)]
    pub volume_mounts: Option<VolumeMounts>,
    /// Deprecated field, use volumeMounts instead.
    #[serde(default)]
    pub volumes: Option<Vec<LegacyVolume>>,
    /// Instructions for assessing whether the container is alive.
    #[serde(default)]
    pub liveness_probe: Option<HealthProbe>,
    /// Instructions for assessing whether the container is ready to serve traffic.
    #[serde(default)]
    pub readiness_probe: Option<HealthProbe>,
    /// Specify the hostAliases to add.
    #[serde(default)]
    pub host_aliases: Option<Vec<HostAlias>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    Webservice,
    Worker,
    Daemon,
    StatefulSet,
}

fn port_name(v: &Port, variant: Variant) -> String {
    if let Some(n) = &v.name {
        return n.clone();
    }
    if variant == Variant::Daemon {
        return format!("port-{}", v.port);
    }
    let base = format!("port-{}", v.container_port.unwrap_or(v.port));
    if v.protocol != Protocol::Tcp {
        format!("{base}-{}", v.protocol.as_str().to_lowercase())
    } else {
        base
    }
}

pub(super) fn build_service(
    ctx: &Context,
    p: &ServiceParams,
    variant: Variant,
    pull: Option<String>,
) -> Rendered {
    let mut c = Map::new();
    c.insert("name".into(), json!(ctx.name));
    c.insert("image".into(), json!(p.image));
    if variant != Variant::Worker {
        if let (Some(port), None) = (p.port, &p.ports) {
            c.insert("ports".into(), json!([{"containerPort": port}]));
        }
        if let Some(ports) = &p.ports {
            let ports: Vec<Value> = ports
                .iter()
                .map(|v| {
                    let cp = if variant == Variant::Daemon {
                        v.port
                    } else {
                        v.container_port.unwrap_or(v.port)
                    };
                    json!({"containerPort": cp, "protocol": v.protocol.as_str(), "name": port_name(v, variant)})
                })
                .collect();
            c.insert("ports".into(), Value::Array(ports));
        }
    }
    if let Some(pp) = pull {
        c.insert("imagePullPolicy".into(), json!(pp));
    }
    insert_some(&mut c, "command", &p.cmd);
    if variant != Variant::Worker && variant != Variant::Daemon {
        insert_some(&mut c, "args", &p.args);
    }
    insert_some(&mut c, "env", &p.env);
    let (lc, lm) = match (&p.limit, variant) {
        (Some(l), Variant::Webservice) => (l.cpu.as_deref(), l.memory.as_deref()),
        _ => (None, None),
    };
    if let Some(r) = pod::resources(&p.cpu, &p.memory, lc, lm) {
        c.insert("resources".into(), r);
    }
    if let (Some(vols), None) = (&p.volumes, &p.volume_mounts) {
        c.insert("volumeMounts".into(), Value::Array(pod::legacy_mounts(vols)));
    }
    if let Some(vm) = &p.volume_mounts {
        c.insert("volumeMounts".into(), Value::Array(pod::mounts_array(vm)));
    }
    insert_some(&mut c, "livenessProbe", &p.liveness_probe);
    insert_some(&mut c, "readinessProbe", &p.readiness_probe);

    let mut spec = Map::new();
    spec.insert("containers".into(), json!([c]));
    if variant != Variant::Worker {
        insert_some(&mut spec, "hostAliases", &p.host_aliases);
    }
    if let Some(s) = &p.image_pull_secrets {
        spec.insert(
            "imagePullSecrets".into(),
            Value::Array(s.iter().map(|n| json!({"name": n})).collect()),
        );
    }
    if let (Some(vols), None) = (&p.volumes, &p.volume_mounts) {
        spec.insert("volumes".into(), Value::Array(pod::legacy_volumes(vols)));
    }
    if let Some(vm) = &p.volume_mounts {
        spec.insert("volumes".into(), Value::Array(pod::volumes_array(vm)));
    }

    let (labels, annotations) = if variant == Variant::Worker {
        (None, None)
    } else {
        (p.labels.clone(), p.annotations.clone())
    };
    let rev;
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if p.add_revision_label {
        rev = ctx.revision.clone();
        extra.push((label::COMPONENT_REVISION, &rev));
    }
    let pod_labels = pod::pod_labels(&labels, &extra, &ctx.app_name, &ctx.name);
    let kind = match variant {
        Variant::Webservice | Variant::Worker => "Deployment",
        Variant::Daemon => "DaemonSet",
        Variant::StatefulSet => "StatefulSet",
    };
    let output = json!({
        "apiVersion": "apps/v1",
        "kind": kind,
        "spec": {
            "selector": {"matchLabels": {(label::APP_COMPONENT): ctx.name}},
            "template": {
                "metadata": pod::pod_metadata(pod_labels, &annotations),
                "spec": spec,
            }
        }
    });

    let mut outputs = Vec::new();
    if variant != Variant::Worker {
        let expose: Vec<Value> = p
            .ports
            .iter()
            .flatten()
            .filter(|v| v.expose)
            .map(|v| {
                let mut m = Map::new();
                m.insert("port".into(), json!(v.port));
                let target = if variant == Variant::Daemon {
                    v.port
                } else {
                    v.container_port.unwrap_or(v.port)
                };
                m.insert("targetPort".into(), json!(target));
                m.insert("name".into(), json!(port_name(v, variant)));
                if variant != Variant::Daemon {
                    if let (Some(np), ExposeType::NodePort) = (v.node_port, p.expose_type) {
                        m.insert("nodePort".into(), json!(np));
                    }
                    m.insert("protocol".into(), json!(v.protocol.as_str()));
                }
                Value::Object(m)
            })
            .collect();
        if !expose.is_empty() {
            // KubeVela's daemon template reuses webservice's output name.
            let name = match variant {
                Variant::StatefulSet => "statefulsetsExpose",
                _ => "webserviceExpose",
            };
            outputs.push((
                name.to_string(),
                json!({
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": ctx.name},
                    "spec": {
                        "selector": {(label::APP_COMPONENT): ctx.name},
                        "ports": expose,
                        "type": to_json(&p.expose_type),
                    }
                }),
            ));
        }
    }
    Rendered {
        output: Some(output),
        outputs,
        ..Default::default()
    }
}
