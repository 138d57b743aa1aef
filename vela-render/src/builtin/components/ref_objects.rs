//! The `ref-objects` component: objects that already exist (in a cluster or behind a URL),
//! referred to by selectors.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::builtin::status;
use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered, StatusRequest, StatusResult};
use crate::error::{Error, Result};
use crate::native::Native;

/// Parameters of ref-objects.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefObjectsParams {
    /// Selectors of the objects (`resource`, `group`, `name`, `namespace`, `cluster`,
    /// `labelSelector`), fetched by the application controller.
    #[serde(default)]
    pub objects: Option<Vec<Map<String, Value>>>,
    /// URLs of YAML files whose objects are loaded.
    #[serde(default)]
    pub urls: Option<Vec<String>>,
}

/// `ref-objects`: the first selector is the workload, the others `outputs.objects-<i>`, as
/// KubeVela's definition writes them; KubeVela's controller replaces them with the objects they
/// select. Only a cluster (or the URLs) can provide those, so `vela dry-run` refuses an
/// Application that refers to any ([`crate::ops::dryrun::run`]).
pub struct RefObjects;

impl Native for RefObjects {
    type Params = RefObjectsParams;
    fn meta(&self) -> Meta {
        Meta::new(
            "ref-objects",
            Kind::Component,
            "Ref-objects allow users to specify ref objects to use. Notice that this component type have special handle logic.",
        )
        .label("ui-hidden", "true")
        .attr("workload", json!({"type": "autodetects.core.oam.dev"}))
    }
    fn render(&self, _ctx: &Context, p: RefObjectsParams) -> Result<Rendered> {
        // KubeVela's template takes `len(parameter.objects)`: without `objects` (only `urls`)
        // it cannot render
        let urls = p.urls.as_ref().map_or(0, Vec::len);
        let objects = p.objects.ok_or_else(|| Error::Render {
            kind: Kind::Component,
            name: "ref-objects".into(),
            message: format!(
                "output: objects is not set (the objects of {urls} URL(s) are loaded by KubeVela's controller)"
            ),
        })?;
        let mut objects = objects.into_iter();
        Ok(Rendered {
            output: Some(Value::Object(objects.next().unwrap_or_default())),
            outputs: objects
                .enumerate()
                .map(|(i, o)| (format!("objects-{}", i + 1), Value::Object(o)))
                .collect(),
            ..Default::default()
        })
    }
    /// A Deployment reports its replicas (`Ready:<ready>/<desired>`); any other object is healthy
    /// with no message.
    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        let o = &req.output;
        let is_deployment = o.get("apiVersion").and_then(Value::as_str) == Some("apps/v1")
            && o.get("kind").and_then(Value::as_str) == Some("Deployment");
        if is_deployment {
            return Ok(status::replicas_ready(req, false));
        }
        Ok(StatusResult {
            healthy: true,
            ..Default::default()
        })
    }
}
