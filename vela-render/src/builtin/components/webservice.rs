//! The `webservice` component.

use crate::builtin::pod::PullPolicy;
use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Meta, Rendered, StatusRequest, StatusResult};
use crate::error::Result;
use crate::native::Native;

use super::service::{ServiceParams, Variant, build_service};
use super::workload_meta;

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
        let pull = p.image_pull_policy.map(PullPolicy::as_str).map(str::to_string);
        Ok(build_service(ctx, &p, Variant::Webservice, pull))
    }
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        Ok(status::replicas_ready(req, true))
    }
}
