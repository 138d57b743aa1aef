//! The `startup-probe` trait: a container's startup probe.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::traits::container::{
    base_containers, container_name, default_container_name, find_container, keyed_container_patch,
};
use crate::builtin::traits::{POD_WORKLOADS, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

/// One container's startup probe.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StartupProbe {
    /// Target container (default: the component's).
    #[serde(default = "default_container_name")]
    pub container_name: String,
    /// Initial delay.
    #[serde(default = "crate::builtin::pod::default_initial_delay_seconds")]
    pub initial_delay_seconds: i64,
    /// Period.
    #[serde(default = "crate::builtin::pod::default_period_seconds")]
    pub period_seconds: i64,
    /// Timeout.
    #[serde(default = "crate::builtin::pod::default_timeout_seconds")]
    pub timeout_seconds: i64,
    /// Success threshold.
    #[serde(default = "crate::builtin::pod::default_success_threshold")]
    pub success_threshold: i64,
    /// Failure threshold.
    #[serde(default = "crate::builtin::pod::default_failure_threshold")]
    pub failure_threshold: i64,
    /// Termination grace period.
    #[serde(default)]
    pub termination_grace_period_seconds: Option<i64>,
    /// Exec handler.
    #[serde(default)]
    pub exec: Option<Map<String, Value>>,
    /// HTTP GET handler.
    #[serde(default)]
    pub http_get: Option<Map<String, Value>>,
    /// gRPC handler.
    #[serde(default)]
    pub grpc: Option<Map<String, Value>>,
    /// TCP socket handler.
    #[serde(default)]
    pub tcp_socket: Option<Map<String, Value>>,
}

/// Several probes.
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(
    dead_code,
    reason = "in KubeVela's schema; rendering `probes` fails as KubeVela's template does, so nothing reads it"
)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    /// Per-container probes.
    pub probes: Vec<StartupProbe>,
}

/// `probes: [...]` or a single probe.
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code, reason = "see `Probes`")]
#[serde(untagged)]
pub enum ProbeParams {
    /// Several.
    Many(Probes),
    /// One.
    One(Box<StartupProbe>),
}

fn probe_container(base: &[Value], name: String, p: &StartupProbe) -> Value {
    if find_container(base, &name).is_none() {
        return json!({"name": name, "err": format!("container {name} not found")});
    }
    let mut sp = Map::new();
    insert_some(&mut sp, "exec", &p.exec);
    insert_some(&mut sp, "httpGet", &p.http_get);
    insert_some(&mut sp, "grpc", &p.grpc);
    insert_some(&mut sp, "tcpSocket", &p.tcp_socket);
    sp.insert("initialDelaySeconds".into(), json!(p.initial_delay_seconds));
    sp.insert("periodSeconds".into(), json!(p.period_seconds));
    sp.insert("timeoutSeconds".into(), json!(p.timeout_seconds));
    sp.insert("successThreshold".into(), json!(p.success_threshold));
    sp.insert("failureThreshold".into(), json!(p.failure_threshold));
    insert_some(
        &mut sp,
        "terminationGracePeriodSeconds",
        &p.termination_grace_period_seconds,
    );
    json!({"name": name, "startupProbe": sp})
}

/// `startup-probe`: a container startup probe.
pub struct StartupProbeTrait;

impl Native for StartupProbeTrait {
    type Params = ProbeParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "startup-probe",
            "Add startup probe hooks for the specified container of K8s pod for your workload which follows the pod spec in path 'spec.template'.",
            &POD_WORKLOADS,
            true,
        )
    }
    fn render(&self, ctx: &Context, p: ProbeParams) -> Result<Rendered> {
        let base = base_containers(ctx);
        let containers = match p {
            ProbeParams::One(p) => vec![probe_container(&base, container_name(ctx, &p.container_name), &p)],
            // KubeVela's template reads `c.name`, which `#StartupProbeParams` (closed) does not
            // declare, so `probes` always fails there; mirror that instead of guessing.
            ProbeParams::Many(_) => {
                return Err(crate::Error::Render {
                    kind: crate::Kind::Trait,
                    name: "startup-probe".into(),
                    message: "patch.spec.template.spec.containers.0: undefined field: name (KubeVela's template cannot render `probes`)".into(),
                });
            }
        };
        Ok(keyed_container_patch(containers))
    }
}
