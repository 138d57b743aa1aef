//! The `k8s-objects` component: raw Kubernetes objects.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::{Error, Result};
use crate::native::Native;

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
