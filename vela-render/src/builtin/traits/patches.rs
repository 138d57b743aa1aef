//! The `json-patch` (RFC 6902) and `json-merge-patch` (RFC 7396) traits.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::builtin::traits::{patch_only, trait_meta};
use crate::context::Context;
use crate::definition::{Meta, Rendered};
use crate::error::Result;
use crate::native::Native;
use crate::patch::Patch;

/// Parameters of json-patch.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonPatchParams {
    /// RFC 6902 operations.
    pub operations: Vec<Map<String, Value>>,
}

/// `json-patch`: RFC 6902 operations on the workload.
pub struct JsonPatchTrait;

impl Native for JsonPatchTrait {
    type Params = JsonPatchParams;
    fn meta(&self) -> Meta {
        trait_meta(
            "json-patch",
            "Patch the output following Json Patch strategy, following RFC 6902.",
            &["*"],
            true,
        )
    }
    fn render(&self, _: &Context, p: JsonPatchParams) -> Result<Rendered> {
        Ok(patch_only(Patch::Json(
            p.operations.into_iter().map(Value::Object).collect(),
        )))
    }
}

/// `json-merge-patch`: RFC 7396 merge patch on the workload.
pub struct JsonMergePatchTrait;

impl Native for JsonMergePatchTrait {
    type Params = Map<String, Value>;
    fn meta(&self) -> Meta {
        trait_meta(
            "json-merge-patch",
            "Patch the output following Json Merge Patch strategy, following RFC 7396.",
            &["*"],
            true,
        )
    }
    fn render(&self, _: &Context, p: Self::Params) -> Result<Rendered> {
        Ok(patch_only(Patch::JsonMerge(Value::Object(p))))
    }
}
