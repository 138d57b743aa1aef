//! The `statefulset` component.

use crate::builtin::pod::PullPolicy;
use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

use super::service::{ServiceParams, Variant, build_service};
use super::workload_meta;

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
        let pull = p.image_pull_policy.map(PullPolicy::as_str).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::StatefulSet, pull))
    }
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, false))
    }
}
