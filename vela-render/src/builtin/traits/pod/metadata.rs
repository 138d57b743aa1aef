//! The `labels` and `annotations` traits: metadata merged into the workload and its pod template.

use std::collections::BTreeMap;

use serde_json::json;

use crate::builtin::json::to_json;
use crate::builtin::traits::{output_has, patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::Patch;

/// `labels` / `annotations`: JSON merge patch on the workload and its pod template.
pub struct MetaMerge {
    field: &'static str,
}

impl MetaMerge {
    /// The `labels` trait.
    pub fn labels() -> Self {
        Self { field: "labels" }
    }
    /// The `annotations` trait.
    pub fn annotations() -> Self {
        Self { field: "annotations" }
    }
}

impl Native for MetaMerge {
    type Params = BTreeMap<String, Option<String>>;
    fn meta(&self) -> Meta {
        trait_meta(
            self.field,
            if self.field == "labels" {
                "Add labels on K8s pod for your workload which follows the pod spec in path 'spec.template'."
            } else {
                "Add annotations on K8s pod for your workload which follows the pod spec in path 'spec.template'."
            },
            &["*"],
            true,
        )
    }
    fn render(&self, ctx: &Context, p: Self::Params) -> Result<Rendered> {
        let content = to_json(&p);
        let mut m = json!({"metadata": {self.field: content}});
        if output_has(ctx, &["spec", "template"]) {
            m["spec"] = json!({"template": {"metadata": {self.field: content}}});
        }
        if self.field == "annotations" && output_has(ctx, &["spec", "jobTemplate"]) {
            let mut jt = json!({"metadata": {self.field: content}});
            if output_has(ctx, &["spec", "jobTemplate", "spec", "template"]) {
                jt["spec"] = json!({"template": {"metadata": {self.field: content}}});
            }
            m["spec"]["jobTemplate"] = jt;
        }
        Ok(patch_only(Patch::JsonMerge(m)))
    }
}
