//! OpenAPI v3 schema of a CUE definition's `parameter`, as KubeVela stores it in the
//! definition's schema ConfigMap (key `openapi-v3-json-schema`).
//!
//! KubeVela fills `parameter` at `#parameter` of an empty struct, encodes it with CUE's
//! `encoding/openapi` (`ExpandReferences: true`, i.e. structural schemas), loads the result with
//! kin-openapi and applies `FixOpenAPISchema`. This module follows the same steps on the values
//! `vela-cue` evaluates:
//!
//! * `type` from the kinds the value may take (`null` aside): `integer`, `number`, `string`,
//!   `boolean`, `object`, `array`; none when it may take several;
//! * `default` from the disjunction default (`*1 | int`), not for empty lists, never `null`;
//! * `enum` from concrete alternatives (`"a" | "b"`), `nullable` from a `null` alternative,
//!   `oneOf` from several non-concrete alternatives (for structs: each alternative's
//!   `required`, the properties gathered at the parent);
//! * `minimum`/`maximum` (`exclusiveMinimum`/`exclusiveMaximum` flags) from bounds, `pattern`
//!   (`not: {pattern}`) from `=~` (`!~`), `minLength`/`maxLength`, `minItems`/`maxItems`,
//!   `uniqueItems`, `minProperties`/`maxProperties`, `multipleOf` from the builtin validators;
//! * `properties` from regular, optional and required fields, `required` from the regular
//!   ones, `additionalProperties` from `[string]: T`, `items` from the open list type `[...T]`;
//! * `description` from the field's doc comment, cut to the text after `+usage=` and before
//!   `+short`; a line `+immutable` becomes `x-immutable: true`; `title` = the property name
//!   (through `properties` and `items`).
//!
//! Like CUE's encoder, some constructs are rejected (a number constraint that is still a
//! conjunction inside a disjunction, a struct built from an embedded reference): KubeVela then
//! stores no schema, and [`parameter_schema`] returns an [`Error`].
//!
//! ```
//! let template = r#"
//! parameter: {
//!     // +usage=Number of replicas
//!     replicas: *1 | int
//!     policy?: "Always" | "Never"
//! }"#;
//! let schema = vela_render::openapi::parameter_schema(template).unwrap();
//! assert_eq!(schema["properties"]["replicas"], serde_json::json!({
//!     "default": 1, "description": "Number of replicas", "title": "replicas", "type": "integer"}));
//! assert_eq!(schema["properties"]["policy"]["enum"], serde_json::json!(["Always", "Never"]));
//! assert_eq!(schema["required"], serde_json::json!(["replicas"]));
//! ```

use serde_json::{Value as Json, json};
use vela_cue::Program;

mod builder;
mod cue_expr;
mod encoder;
mod kubevela_fix;

use encoder::Gen;
use kubevela_fix::{fix, normalize_numbers};

/// Generating the schema failed (KubeVela stores no schema ConfigMap then).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The template does not compile or evaluate.
    #[error("evaluating the template: {0}")]
    Eval(#[source] vela_cue::Error),
    /// CUE's OpenAPI encoder does not support a construct.
    #[error("{path}: {message}")]
    Unsupported {
        /// Field path inside `parameter`.
        path: String,
        /// What is not supported.
        message: String,
    },
}

/// Two errors are equal when they report the same failure: the same variant and the same text
/// (the CUE error inside [`Error::Eval`] is compared by its message, positions included).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Eval(a), Self::Eval(b)) => a.to_string() == b.to_string(),
            (
                Self::Unsupported { path, message },
                Self::Unsupported {
                    path: other_path,
                    message: other_message,
                },
            ) => path == other_path && message == other_message,
            _ => false,
        }
    }
}

impl Eq for Error {}

/// KubeVela's `BaseTemplate`, appended to the template before the schema is generated.
pub const BASE_TEMPLATE: &str = "
context: {
  name: string
  config?: [...{
    name: string
    value: string
  }]
  ...
}
";

/// The OpenAPI v3 schema of the `parameter` of a definition template (the text of
/// `spec.schematic.cue.template`), compiled with KubeVela's [`BASE_TEMPLATE`].
///
/// # Errors
/// [`Error::Eval`] when the template does not compile or evaluate, [`Error::Unsupported`]
/// where CUE's encoder fails.
pub fn parameter_schema(template: &str) -> Result<Json, Error> {
    let program =
        Program::compile("template", &format!("{template}\n{BASE_TEMPLATE}")).map_err(Error::Eval)?;
    let inst = program.eval().map_err(Error::Eval)?;
    let param = inst.lookup("parameter").map_err(Error::Eval)?;
    let mut schema = if param.exists() && !param.possible_kinds().is_empty() {
        let mut g = Gen::default();
        Json::Object(g.schema(None, &param)?)
    } else {
        // KubeVela encodes `#parameter: {}` then
        json!({"type": "object"})
    };
    normalize_numbers(&mut schema);
    fix(None, &mut schema);
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(src: &str) -> Result<Json, Error> {
        parameter_schema(src)
    }

    #[test]
    fn enums_defaults_bounds_and_descriptions() {
        // ANCHOR: schema_example
        let s = parameter_schema(
            r#"
parameter: {
	// +usage=Service type
	// +short=t
	exposeType: *"ClusterIP" | "NodePort" | "LoadBalancer"
	port: int & >=1 & <=65535
	name?: =~"^[a-z]+$"
	ratio: >0.5 & <1
}"#,
        )
        .unwrap();
        let p = &s["properties"];
        assert_eq!(
            p["exposeType"],
            json!({"default": "ClusterIP", "description": "Service type",
                   "enum": ["ClusterIP", "NodePort", "LoadBalancer"], "title": "exposeType", "type": "string"})
        );
        assert_eq!(p["port"]["minimum"], json!(1));
        assert_eq!(p["port"]["maximum"], json!(65535));
        assert_eq!(p["name"]["pattern"], json!("^[a-z]+$"));
        assert_eq!(p["ratio"]["exclusiveMinimum"], json!(true));
        assert_eq!(s["required"], json!(["exposeType", "port", "ratio"]));
        // ANCHOR_END: schema_example
    }

    #[test]
    fn lists_maps_nullable_and_one_of() {
        let s = schema(
            r#"
#P: {
	name: *"" | string
	args: *null | [...string]
}
parameter: *#P | close({containers: [...#P]})
"#,
        )
        .unwrap();
        assert_eq!(
            s["oneOf"],
            json!([{"required": ["name", "args"]}, {"required": ["containers"]}])
        );
        assert_eq!(s["default"], json!({"name": "", "args": null}));
        assert_eq!(s["properties"]["args"]["nullable"], json!(true));
        assert_eq!(s["properties"]["args"]["items"], json!({"type": "string"}));
        assert_eq!(
            s["properties"]["containers"]["items"]["properties"]["name"]["title"],
            json!("name")
        );
        let m = schema("parameter: labels: [string]: string | null").unwrap();
        assert_eq!(
            m["properties"]["labels"]["additionalProperties"],
            json!({"nullable": true, "type": "string"})
        );
    }

    #[test]
    fn unsupported_constructs_fail_like_cue() {
        let e = schema("parameter: port: *80 | int & >=1").unwrap_err();
        assert!(e.to_string().contains("port"), "{e}");
        // CUE's encoder overflows its stack here; we report it
        let e = schema("#Tree: {name: string, children?: [...#Tree]}\nparameter: tree: #Tree").unwrap_err();
        assert!(e.to_string().contains("cyclic"), "{e}");
    }
}
