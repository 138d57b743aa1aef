//! The `daemon` component.

use crate::builtin::pod::PullPolicy;
use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

use super::service::{ServiceParams, Variant, build_service};
use super::workload_meta;

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
        let pull = p.image_pull_policy.map(PullPolicy::as_str).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::Daemon, pull))
    }
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(status::daemon_ready(req))
    }
}
