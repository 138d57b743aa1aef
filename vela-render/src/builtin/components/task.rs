//! The `task` component: a Job.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::pod::{self, EnvVar, HealthProbe, LegacyVolume, PullPolicy};
use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

use super::workload_meta;

fn default_count() -> i64 {
    1
}
fn default_restart_policy() -> String {
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
    #[serde(default = "default_count")]
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
    #[serde(default = "default_restart_policy")]
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
    if let Some(pp) = p.image_pull_policy.map(PullPolicy::as_str) {
        c.insert("imagePullPolicy".into(), json!(pp));
    }
    insert_some(&mut c, "command", &p.cmd);
    insert_some(&mut c, "env", &p.env);
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
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(status::job_succeeded(req))
    }
}
