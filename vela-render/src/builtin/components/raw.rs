//! The deprecated `raw` component: the properties are the object to apply.

use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::definition::{Kind, Meta, Rendered};
use crate::error::{Error, Result};
use crate::native::Native;

/// `raw`: KubeVela's deprecated component whose properties are one Kubernetes object (its
/// chart still installs it, and addons' `needNamespace` components use it). `k8s-objects`
/// replaces it.
pub struct Raw;

impl Native for Raw {
    type Params = Map<String, Value>;
    fn meta(&self) -> Meta {
        Meta::new(
            "raw",
            Kind::Component,
            "Raw allow users to specify raw K8s object in properties. This definition is \
             DEPRECATED, please use 'k8s-objects' instead.",
        )
        .attr("workload", json!({"type": "autodetects.core.oam.dev"}))
        .label("custom.definition.oam.dev/deprecated", "true")
    }
    fn render(&self, _ctx: &Context, object: Map<String, Value>) -> Result<Rendered> {
        for field in ["apiVersion", "kind"] {
            if !object.get(field).is_some_and(Value::is_string) {
                return Err(Error::Render {
                    kind: Kind::Component,
                    name: "raw".into(),
                    message: format!("properties.{field}: expected a string (the properties are the object)"),
                });
            }
        }
        Ok(Rendered {
            output: Some(Value::Object(object)),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;

    #[test]
    fn the_properties_are_the_object() {
        let reg = Registry::builtin();
        let def = reg.get(Kind::Component, "raw").unwrap();
        assert_eq!(def.meta().labels["custom.definition.oam.dev/deprecated"], "true");
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c"}, "data": {"k": "v"}});
        let Value::Object(map) = object.clone() else {
            unreachable!()
        };
        let out = Raw.render(&Context::default(), map).unwrap();
        assert_eq!(out.output, Some(object));
    }

    #[test]
    fn an_object_without_kind_is_refused() {
        let Value::Object(map) = json!({"apiVersion": "v1"}) else {
            unreachable!()
        };
        let err = Raw.render(&Context::default(), map).unwrap_err().to_string();
        assert!(err.contains("properties.kind: expected a string"), "{err}");
    }
}
