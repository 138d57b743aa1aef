//! Built-in components: webservice, worker, daemon, statefulset, task, cron-task, k8s-objects.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::pod::{self, EnvVar, HealthProbe, HostAlias, LegacyVolume, VolumeMounts, put, to_json};
use super::status;
use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered, StatusRequest, StatusResult};
use crate::error::{Error, Result};
use crate::native::Native;

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
    #[serde(default = "tcp")]
    pub protocol: Protocol,
    /// Specify if the port should be exposed.
    #[serde(default)]
    pub expose: bool,
    /// Exposed node port. Only valid when exposeType is NodePort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i64>,
}

/// Port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Protocol {
    /// TCP.
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

fn tcp() -> Protocol {
    Protocol::Tcp
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

/// Image pull policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Always.
    Always,
    /// Never.
    Never,
    /// IfNotPresent.
    IfNotPresent,
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

/// Parameters of worker.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkerParams {
    /// Which image would you like to use for your service.
    pub image: String,
    /// Specify image pull policy for your service.
    #[serde(default)]
    pub image_pull_policy: Option<String>,
    /// Specify image pull secrets for your service.
    #[serde(default)]
    pub image_pull_secrets: Option<Vec<String>>,
    /// Commands to run in the container.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Define arguments by using environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// Number of CPU units.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory.
    #[serde(default)]
    pub memory: Option<String>,
    /// Volumes to mount, by type.
    #[serde(default)]
    pub volume_mounts: Option<VolumeMounts>,
    /// Deprecated field, use volumeMounts instead.
    #[serde(default)]
    pub volumes: Option<Vec<LegacyVolume>>,
    /// Liveness probe.
    #[serde(default)]
    pub liveness_probe: Option<HealthProbe>,
    /// Readiness probe.
    #[serde(default)]
    pub readiness_probe: Option<HealthProbe>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
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

fn pull_policy(p: &Option<PullPolicy>) -> Option<&'static str> {
    p.map(|p| match p {
        PullPolicy::Always => "Always",
        PullPolicy::Never => "Never",
        PullPolicy::IfNotPresent => "IfNotPresent",
    })
}

fn build_service(ctx: &Context, p: &ServiceParams, variant: Variant, pull: Option<String>) -> Rendered {
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
    put(&mut c, "command", &p.cmd);
    if variant != Variant::Worker && variant != Variant::Daemon {
        put(&mut c, "args", &p.args);
    }
    put(&mut c, "env", &p.env);
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
    put(&mut c, "livenessProbe", &p.liveness_probe);
    put(&mut c, "readinessProbe", &p.readiness_probe);

    let mut spec = Map::new();
    spec.insert("containers".into(), json!([c]));
    if variant != Variant::Worker {
        put(&mut spec, "hostAliases", &p.host_aliases);
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
        extra.push(("app.oam.dev/revision", &rev));
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
            "selector": {"matchLabels": {"app.oam.dev/component": ctx.name}},
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
                        "selector": {"app.oam.dev/component": ctx.name},
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

fn workload_meta(name: &str, desc: &str, api_version: &str, kind: &str, ty: &str) -> Meta {
    Meta::new(name, Kind::Component, desc).attr(
        "workload",
        json!({"definition": {"apiVersion": api_version, "kind": kind}, "type": ty}),
    )
}

/// `webservice`: a Deployment plus a Service for exposed ports.
pub struct Webservice;

impl Native for Webservice {
    type Params = ServiceParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "webservice",
            "Describes long-running, scalable, containerized services that have a stable network endpoint to receive external network traffic from customers.",
            "apps/v1",
            "Deployment",
            "deployments.apps",
        )
    }
    fn render(&self, ctx: &Context, p: ServiceParams) -> Result<Rendered> {
        let pull = pull_policy(&p.image_pull_policy).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::Webservice, pull))
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, true))
    }
}

/// `statefulset`: a StatefulSet plus a Service for exposed ports.
pub struct StatefulSet;

impl Native for StatefulSet {
    type Params = ServiceParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "statefulset",
            "Describes long-running, scalable, containerized services used to manage stateful application, like database.",
            "apps/v1",
            "StatefulSet",
            "statefulsets.apps",
        )
    }
    fn render(&self, ctx: &Context, p: ServiceParams) -> Result<Rendered> {
        let pull = pull_policy(&p.image_pull_policy).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::StatefulSet, pull))
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, false))
    }
}

/// `daemon`: a DaemonSet plus a Service for exposed ports.
pub struct Daemon;

impl Native for Daemon {
    type Params = ServiceParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "daemon",
            "Describes daemonset services in Kubernetes.",
            "apps/v1",
            "DaemonSet",
            "daemonsets.apps",
        )
    }
    fn render(&self, ctx: &Context, p: ServiceParams) -> Result<Rendered> {
        let pull = pull_policy(&p.image_pull_policy).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::Daemon, pull))
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        Ok(status::daemon_ready(req))
    }
}

/// `worker`: a Deployment without a Service.
pub struct Worker;

impl Native for Worker {
    type Params = WorkerParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "worker",
            "Describes long-running, scalable, containerized services that running at backend. They do NOT have network endpoint to receive external network traffic.",
            "apps/v1",
            "Deployment",
            "deployments.apps",
        )
    }
    fn render(&self, ctx: &Context, w: WorkerParams) -> Result<Rendered> {
        let p = ServiceParams {
            image: w.image,
            image_pull_secrets: w.image_pull_secrets,
            cmd: w.cmd,
            env: w.env,
            cpu: w.cpu,
            memory: w.memory,
            volume_mounts: w.volume_mounts,
            volumes: w.volumes,
            liveness_probe: w.liveness_probe,
            readiness_probe: w.readiness_probe,
            ..Default::default()
        };
        Ok(build_service(ctx, &p, Variant::Worker, w.image_pull_policy))
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, true))
    }
}

fn one() -> i64 {
    1
}
fn never() -> String {
    "Never".into()
}

/// Parameters of task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskParams {
    /// Specify the labels in the workload.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Specify the annotations in the workload.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Specify number of tasks to run in parallel.
    #[serde(default = "one")]
    pub count: i64,
    /// Which image would you like to use for your service.
    pub image: String,
    /// Specify image pull policy for your service.
    #[serde(default)]
    pub image_pull_policy: Option<PullPolicy>,
    /// Specify image pull secrets for your service.
    #[serde(default)]
    pub image_pull_secrets: Option<Vec<String>>,
    /// Define the job restart policy: Never (default) or OnFailure.
    #[serde(default = "never")]
    pub restart: String,
    /// Commands to run in the container.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Define arguments by using environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// Number of CPU units.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory.
    #[serde(default)]
    pub memory: Option<String>,
    /// Deprecated volumes.
    #[serde(default)]
    pub volumes: Option<Vec<LegacyVolume>>,
    /// Liveness probe.
    #[serde(default)]
    pub liveness_probe: Option<HealthProbe>,
    /// Readiness probe.
    #[serde(default)]
    pub readiness_probe: Option<HealthProbe>,
}

fn job_pod_spec(ctx: &Context, p: &TaskParams) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("name".into(), json!(ctx.name));
    c.insert("image".into(), json!(p.image));
    if let Some(pp) = pull_policy(&p.image_pull_policy) {
        c.insert("imagePullPolicy".into(), json!(pp));
    }
    put(&mut c, "command", &p.cmd);
    put(&mut c, "env", &p.env);
    if let Some(r) = pod::resources(&p.cpu, &p.memory, None, None) {
        c.insert("resources".into(), r);
    }
    if let Some(v) = &p.volumes {
        c.insert("volumeMounts".into(), Value::Array(pod::legacy_mounts(v)));
    }
    // KubeVela's task template accepts but does not render the probes.
    let mut spec = Map::new();
    spec.insert("restartPolicy".into(), json!(p.restart));
    spec.insert("containers".into(), json!([c]));
    if let Some(v) = &p.volumes {
        spec.insert("volumes".into(), Value::Array(pod::legacy_volumes(v)));
    }
    if let Some(s) = &p.image_pull_secrets {
        spec.insert(
            "imagePullSecrets".into(),
            Value::Array(s.iter().map(|n| json!({"name": n})).collect()),
        );
    }
    spec
}

/// `task`: a Job.
pub struct Task;

impl Native for Task {
    type Params = TaskParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "task",
            "Describes jobs that run code or a script to completion.",
            "batch/v1",
            "Job",
            "jobs.batch",
        )
    }
    fn render(&self, ctx: &Context, p: TaskParams) -> Result<Rendered> {
        let labels = pod::pod_labels(&p.labels, &[], &ctx.app_name, &ctx.name);
        let output = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": format!("{}-{}", ctx.app_name, ctx.name)},
            "spec": {
                "parallelism": p.count,
                "completions": p.count,
                "template": {
                    "metadata": pod::pod_metadata(labels, &p.annotations),
                    "spec": job_pod_spec(ctx, &p),
                }
            }
        });
        Ok(Rendered {
            output: Some(output),
            ..Default::default()
        })
    }
    fn status(&self, req: &StatusRequest) -> Result<StatusResult> {
        Ok(status::job_succeeded(req))
    }
}

/// Parameters of k8s-objects.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectsParams {
    /// The Kubernetes objects; the first is the workload.
    pub objects: Vec<Map<String, Value>>,
}

/// `k8s-objects`: raw objects; the first is the workload, the rest `outputs.objects-<i>`.
pub struct K8sObjects;

impl Native for K8sObjects {
    type Params = ObjectsParams;
    fn meta(&self) -> Meta {
        Meta::new(
            "k8s-objects",
            Kind::Component,
            "K8s-objects allow users to specify raw K8s objects in properties",
        )
        .attr("workload", json!({"type": "autodetects.core.oam.dev"}))
    }
    fn render(&self, _ctx: &Context, p: ObjectsParams) -> Result<Rendered> {
        let mut it = p.objects.into_iter();
        let first = it.next().ok_or_else(|| Error::Render {
            kind: Kind::Component,
            name: "k8s-objects".into(),
            message: "objects: at least one object is required".into(),
        })?;
        Ok(Rendered {
            output: Some(Value::Object(first)),
            outputs: it
                .enumerate()
                .map(|(i, o)| (format!("objects-{}", i + 1), Value::Object(o)))
                .collect(),
            ..Default::default()
        })
    }
}

fn allow() -> String {
    "Allow".into()
}
fn three() -> i64 {
    3
}
fn six() -> i64 {
    6
}

/// Parameters of cron-task.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CronTaskParams {
    /// Specify the labels in the workload.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Specify the annotations in the workload.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Specify the schedule in Cron format.
    pub schedule: String,
    /// Deadline in seconds for starting the job if it misses its scheduled time.
    #[serde(default)]
    pub starting_deadline_seconds: Option<i64>,
    /// Suspend subsequent executions.
    #[serde(default)]
    pub suspend: bool,
    /// Allow (default), Forbid or Replace.
    #[serde(default = "allow")]
    pub concurrency_policy: String,
    /// Number of successful finished jobs to retain.
    #[serde(default = "three")]
    pub successful_jobs_history_limit: i64,
    /// Number of failed finished jobs to retain.
    #[serde(default = "one")]
    pub failed_jobs_history_limit: i64,
    /// Number of tasks to run in parallel.
    #[serde(default = "one")]
    pub count: i64,
    /// Which image would you like to use for your service.
    pub image: String,
    /// Image pull policy.
    #[serde(default)]
    pub image_pull_policy: Option<PullPolicy>,
    /// Image pull secrets.
    #[serde(default)]
    pub image_pull_secrets: Option<Vec<String>>,
    /// Never (default) or OnFailure.
    #[serde(default = "never")]
    pub restart: String,
    /// Commands to run in the container.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// Environment variables.
    #[serde(default)]
    pub env: Option<Vec<EnvVar>>,
    /// CPU.
    #[serde(default)]
    pub cpu: Option<String>,
    /// Memory.
    #[serde(default)]
    pub memory: Option<String>,
    /// Volumes to mount, by type.
    #[serde(default)]
    pub volume_mounts: Option<VolumeMounts>,
    /// Deprecated volumes.
    #[serde(default)]
    pub volumes: Option<Vec<LegacyVolume>>,
    /// Host aliases.
    #[serde(default)]
    pub host_aliases: Option<Vec<HostAlias>>,
    /// Seconds a finished job is kept.
    #[serde(default)]
    pub ttl_seconds_after_finished: Option<i64>,
    /// Active deadline of the job.
    #[serde(default)]
    pub active_deadline_seconds: Option<i64>,
    /// Retries before the job is failed.
    #[serde(default = "six")]
    pub backoff_limit: i64,
    /// Liveness probe (accepted; KubeVela's template does not render it).
    #[serde(default)]
    pub liveness_probe: Option<HealthProbe>,
    /// Readiness probe (accepted; KubeVela's template does not render it).
    #[serde(default)]
    pub readiness_probe: Option<HealthProbe>,
}

/// `cron-task`: a CronJob.
pub struct CronTask;

impl Native for CronTask {
    type Params = CronTaskParams;
    fn meta(&self) -> Meta {
        workload_meta(
            "cron-task",
            "Describes cron jobs that run code or a script to completion.",
            "batch/v1",
            "CronJob",
            "cronjobs.batch",
        )
    }
    fn render(&self, ctx: &Context, p: CronTaskParams) -> Result<Rendered> {
        let minor = ctx
            .cluster_version
            .get("minor")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let mut c = Map::new();
        c.insert("name".into(), json!(ctx.name));
        c.insert("image".into(), json!(p.image));
        if let Some(pp) = pull_policy(&p.image_pull_policy) {
            c.insert("imagePullPolicy".into(), json!(pp));
        }
        put(&mut c, "command", &p.cmd);
        put(&mut c, "env", &p.env);
        if let Some(r) = pod::resources(&p.cpu, &p.memory, None, None) {
            c.insert("resources".into(), r);
        }
        if let (Some(v), None) = (&p.volumes, &p.volume_mounts) {
            c.insert("volumeMounts".into(), Value::Array(pod::legacy_mounts(v)));
        }
        if let Some(vm) = &p.volume_mounts {
            c.insert("volumeMounts".into(), Value::Array(pod::mounts_array(vm)));
        }
        let mut spec = Map::new();
        spec.insert("restartPolicy".into(), json!(p.restart));
        spec.insert("containers".into(), json!([c]));
        if let (Some(v), None) = (&p.volumes, &p.volume_mounts) {
            spec.insert("volumes".into(), Value::Array(pod::legacy_volumes(v)));
        }
        if let Some(vm) = &p.volume_mounts {
            spec.insert("volumes".into(), Value::Array(pod::volumes_array(vm)));
        }
        if let Some(s) = &p.image_pull_secrets {
            spec.insert(
                "imagePullSecrets".into(),
                Value::Array(s.iter().map(|n| json!({"name": n})).collect()),
            );
        }
        put(&mut spec, "hostAliases", &p.host_aliases);
        let labels = pod::pod_labels(&p.labels, &[], &ctx.app_name, &ctx.name);
        let meta = pod::pod_metadata(labels, &p.annotations);
        let mut job = Map::new();
        job.insert("parallelism".into(), json!(p.count));
        job.insert("completions".into(), json!(p.count));
        put(&mut job, "ttlSecondsAfterFinished", &p.ttl_seconds_after_finished);
        put(&mut job, "activeDeadlineSeconds", &p.active_deadline_seconds);
        job.insert("backoffLimit".into(), json!(p.backoff_limit));
        job.insert("template".into(), json!({"metadata": meta.clone(), "spec": spec}));
        let mut cron = Map::new();
        cron.insert("schedule".into(), json!(p.schedule));
        cron.insert("concurrencyPolicy".into(), json!(p.concurrency_policy));
        cron.insert("suspend".into(), json!(p.suspend));
        cron.insert(
            "successfulJobsHistoryLimit".into(),
            json!(p.successful_jobs_history_limit),
        );
        cron.insert(
            "failedJobsHistoryLimit".into(),
            json!(p.failed_jobs_history_limit),
        );
        put(&mut cron, "startingDeadlineSeconds", &p.starting_deadline_seconds);
        cron.insert("jobTemplate".into(), json!({"metadata": meta, "spec": job}));
        Ok(Rendered {
            output: Some(json!({
                "apiVersion": if minor < 25 { "batch/v1beta1" } else { "batch/v1" },
                "kind": "CronJob",
                "spec": cron,
            })),
            ..Default::default()
        })
    }
}
