//! The `cron-task` component: a CronJob.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::builtin::json::insert_some;
use crate::builtin::pod::{self, EnvVar, HealthProbe, HostAlias, LegacyVolume, PullPolicy, VolumeMounts};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;

use super::workload_meta;

fn default_concurrency_policy() -> String {
    "Allow".into()
}
fn default_count() -> i64 {
    1
}
fn default_restart_policy() -> String {
    "Never".into()
}
fn default_failed_jobs_history_limit() -> i64 {
    1
}
fn default_successful_jobs_history_limit() -> i64 {
    3
}
fn default_backoff_limit() -> i64 {
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
    #[serde(default = "default_concurrency_policy")]
    pub concurrency_policy: String,
    /// Number of successful finished jobs to retain.
    #[serde(default = "default_successful_jobs_history_limit")]
    pub successful_jobs_history_limit: i64,
    /// Number of failed finished jobs to retain.
    #[serde(default = "default_failed_jobs_history_limit")]
    pub failed_jobs_history_limit: i64,
    /// Number of tasks to run in parallel.
    #[serde(default = "default_count")]
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
    #[serde(default = "default_restart_policy")]
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
    #[serde(default = "default_backoff_limit")]
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
        if let Some(pp) = p.image_pull_policy.map(PullPolicy::as_str) {
            c.insert("imagePullPolicy".into(), json!(pp));
        }
        insert_some(&mut c, "command", &p.cmd);
        insert_some(&mut c, "env", &p.env);
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
        insert_some(&mut spec, "hostAliases", &p.host_aliases);
        let labels = pod::pod_labels(&p.labels, &[], &ctx.app_name, &ctx.name);
        let meta = pod::pod_metadata(labels, &p.annotations);
        let mut job = Map::new();
        job.insert("parallelism".into(), json!(p.count));
        job.insert("completions".into(), json!(p.count));
        insert_some(&mut job, "ttlSecondsAfterFinished", &p.ttl_seconds_after_finished);
        insert_some(&mut job, "activeDeadlineSeconds", &p.active_deadline_seconds);
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
        insert_some(&mut cron, "startingDeadlineSeconds", &p.starting_deadline_seconds);
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
