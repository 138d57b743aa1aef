//! The `worker` component: a Deployment without a Service.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::builtin::pod::{EnvVar, HealthProbe, LegacyVolume, VolumeMounts};
use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

use super::service::{ServiceParams, Variant, build_service};
use super::workload_meta;

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
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, true))
    }
}
