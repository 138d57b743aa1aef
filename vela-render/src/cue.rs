//! CUE-backed definitions: `vela def` files and definition CRs, evaluated by `vela-cue`.
//!
//! Loading a definition only learns its name, kind and attributes (a `vela def` file's metadata
//! is evaluated without its template); the template and status programs are compiled on first use
//! and the parameter schema is generated on first use, so a registry holding many definitions
//! costs little until an Application uses one ([`CueDefinition::compile`] forces it). Every
//! render evaluates the template with `parameter` and `context` injected, then reads `errs`,
//! `output`, `outputs`, `patch` (with its `+patchKey` / `+patchStrategy` comments) and
//! `patchOutputs`, as KubeVela's `pkg/cue/definition` does.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use vela_cue::{Kind as CueKind, Program};
use vela_model::labels::annotation;

use crate::context::Context;
use crate::definition::{Definition, Kind, Meta, Rendered, Source, StatusRequest, StatusResult};
use crate::error::{Error, Result};
use crate::patch::{Field, Node, Patch, Tags};
use crate::resource::Resource;

mod cr;
pub use cr::USER_PREFIX;

/// How many evaluation errors of one render are reported ([`Error::EvaluateMany`]).
const MAX_REPORTED_ERRORS: usize = 20;

/// The programs of `attributes.status`.
#[derive(Clone, Default)]
struct StatusPrograms {
    health: Option<Program>,
    custom: Option<Program>,
    details: Option<Program>,
}

/// What a definition compiles on first use.
#[derive(Clone)]
struct Compiled {
    template: Program,
    status: StatusPrograms,
}

/// The parameter schema, or why none could be generated (then an open object).
type SchemaCell = (Value, Option<crate::openapi::Error>);

/// A definition whose template is CUE.
#[derive(Clone)]
pub struct CueDefinition {
    meta: Meta,
    origin: String,
    template: String,
    source: Source,
    /// The CR's annotations and labels as KubeVela's `Definition.FromCUE` sets them, for a
    /// definition read from a `vela def` file.
    cr_metadata: Option<(Map<String, Value>, Map<String, Value>)>,
    compiled: OnceLock<std::result::Result<Compiled, vela_cue::Error>>,
    schema: OnceLock<SchemaCell>,
    reads_components: OnceLock<bool>,
}

impl std::fmt::Debug for CueDefinition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CueDefinition").field("meta", &self.meta).finish()
    }
}

/// Whether a template can read `context.components`: it names `components` somewhere, or uses
/// `context` other than as `context.<field>` (as a whole value). A template that cannot read it
/// is evaluated without it: the list is as large as the application, and building it for every
/// component made rendering an application quadratic in its size.
fn reads_components(template: &str) -> bool {
    if template.contains("components") {
        return true;
    }
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'#';
    let bytes = template.as_bytes();
    let mut from = 0;
    while let Some(i) = template[from..].find("context") {
        let at = from + i;
        let end = at + "context".len();
        let word = (at == 0 || !ident(bytes[at - 1])) && bytes.get(end).is_none_or(|c| !ident(*c));
        if word {
            match bytes.get(end) {
                Some(b'.') => {}
                // `context["config"]` reads one field, like `context.config`
                Some(b'[') if template[end..].starts_with("[\"") => {
                    if template[end..].starts_with("[\"components\"]") {
                        return true;
                    }
                }
                _ => return true,
            }
        }
        from = end;
    }
    false
}

thread_local! {
    /// The converted `context.components` of the application being rendered on this thread:
    /// every component of it shares the one [`vela_cue::Input`] (the `Weak` keeps the list's
    /// allocation, so its address identifies the list while the entry lives).
    static COMPONENTS: std::cell::RefCell<Option<(std::sync::Weak<Value>, vela_cue::Input)>> =
        const { std::cell::RefCell::new(None) };
}

/// `components` converted for injection, once per application (per `Arc`) and thread.
fn shared_components(components: &std::sync::Arc<Value>) -> vela_cue::Input {
    COMPONENTS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((list, input)) = cell.as_ref()
            && std::ptr::eq(list.as_ptr(), std::sync::Arc::as_ptr(components))
        {
            return input.clone();
        }
        let input = vela_cue::Input::from_json(components);
        *cell = Some((std::sync::Arc::downgrade(components), input.clone()));
        input
    })
}

/// The `context` a template evaluates with, converted for `program`: `components` (only when
/// the template can read it) is the application's shared list, the rest is converted here.
fn context_input(program: &Program, ctx: &Context, with_components: bool) -> vela_cue::Input {
    let Value::Object(members) = ctx.to_json_with(false) else {
        return program.input(&ctx.to_json_with(false));
    };
    let mut out = Vec::with_capacity(members.len() + 1);
    for (k, v) in members {
        let after_revision = k == "revision";
        out.push((k, program.input(&v)));
        // the position `Context::to_json_with(true)` gives it
        if after_revision && with_components {
            out.push(("components".to_string(), shared_components(&ctx.components)));
        }
    }
    vela_cue::Input::object(out)
}

fn load_err(origin: &str, e: impl std::fmt::Display) -> Error {
    Error::Load {
        origin: origin.to_string(),
        message: e.to_string(),
    }
}

fn compile_err(origin: &str, source: vela_cue::Error) -> Error {
    Error::Compile {
        origin: origin.to_string(),
        source: Box::new(source),
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn compile_status(
    origin: &str,
    attrs: &Map<String, Value>,
) -> std::result::Result<StatusPrograms, vela_cue::Error> {
    let get = |key: &str| -> std::result::Result<Option<Program>, vela_cue::Error> {
        match attrs
            .get("status")
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
        {
            Some(src) if !src.trim().is_empty() => {
                Program::compile(&format!("{origin}#status.{key}"), src).map(Some)
            }
            _ => Ok(None),
        }
    };
    Ok(StatusPrograms {
        health: get("healthPolicy")?,
        custom: get("customStatus")?,
        details: get("details")?,
    })
}

impl CueDefinition {
    /// The template (compiled on first use) with [`vela_cue::Limits::deadline`] set to
    /// `deadline` (a cheap clone), or as compiled when there is none.
    fn program_until(&self, deadline: Option<std::time::Instant>) -> Result<std::borrow::Cow<'_, Program>> {
        let program = &self.compiled()?.template;
        Ok(match deadline {
            None => std::borrow::Cow::Borrowed(program),
            Some(d) => {
                let mut p = program.clone();
                p.set_limits(program.limits().with_deadline(Some(d)));
                std::borrow::Cow::Owned(p)
            }
        })
    }

    /// Loads a `vela def` CUE file (`<name>: {type, description, attributes, ...}` plus
    /// `template: {...}`).
    ///
    /// Only the metadata (`<name>: {...}`, without the imports and the template) is evaluated
    /// here; the template is compiled on first use.
    ///
    /// # Errors
    /// [`Error::Compile`] when the file is not valid CUE or its metadata does not evaluate,
    /// [`Error::Load`] when it has no header or an unknown `type`.
    pub fn from_cue(origin: &str, src: &str) -> Result<Self> {
        let parts = vela_cue::definition::split_header(src).map_err(|e| compile_err(origin, e))?;
        // KubeVela compiles the metadata alone: the template refers to `context`, which only
        // the render provides
        let metadata = Program::compile(origin, &parts.metadata).map_err(|e| compile_err(origin, e))?;
        let inst = metadata.eval().map_err(|e| compile_err(origin, e))?;
        let root = inst.root();
        let (name, header) = root
            .fields()
            .into_iter()
            .find(|(k, _)| k != "template")
            .ok_or_else(|| load_err(origin, "no definition header (`<name>: {type: ...}`)"))?;
        let header = header.to_json().map_err(|e| compile_err(origin, e))?;
        let kind_word = header.get("type").and_then(Value::as_str).unwrap_or_default();
        let kind = Kind::parse(kind_word)
            .ok_or_else(|| load_err(origin, format!("{name}.type: unknown kind {kind_word:?}")))?;
        let mut meta = Meta::new(
            &name,
            kind,
            header
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        meta.annotations = string_map(header.get("annotations"));
        meta.labels = string_map(header.get("labels"));
        if let Some(Value::Object(a)) = header.get("attributes") {
            meta.attributes = a.clone();
        }
        meta.version = meta
            .attributes
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut def = Self::build(origin, meta, parts.template(), Source::Cue);
        def.cr_metadata = Some(cr::from_cue_metadata(&header));
        Ok(def)
    }

    /// Loads a definition custom resource typed by vela-model (`ComponentDefinition`,
    /// `TraitDefinition`, `PolicyDefinition`, `WorkflowStepDefinition`) with a
    /// `spec.schematic.cue.template`; `origin` names it in errors (a file, or
    /// `TraitDefinition/scaler`).
    ///
    /// ```
    /// use vela_model::definition::{Schematic, TraitDefinition, TraitSpec};
    /// use vela_render::{Definition, cue::CueDefinition};
    ///
    /// let cr = TraitDefinition::new(
    ///     "replicas",
    ///     TraitSpec::builder()
    ///         .schematic(Schematic::cue("patch: spec: replicas: parameter.n\nparameter: n: *1 | int"))
    ///         .build(),
    /// );
    /// let def = CueDefinition::from_resource("TraitDefinition/replicas", &cr).unwrap();
    /// assert_eq!(def.meta().name, "replicas");
    /// ```
    ///
    /// The template is compiled on first use ([`CueDefinition::compile`]).
    ///
    /// # Errors
    /// [`Error::Load`] when the name or the CUE template is missing.
    pub fn from_resource<R: Resource>(origin: &str, cr: &R) -> Result<Self> {
        let md = cr.metadata();
        let name = md.name.as_deref().unwrap_or_default();
        if name.is_empty() {
            return Err(load_err(origin, "metadata.name: required field is missing"));
        }
        let mut annotations = md.annotations.clone().unwrap_or_default();
        let description = annotations
            .remove(annotation::DEFINITION_DESCRIPTION)
            .unwrap_or_default();
        let mut meta = Meta::new(name, R::KIND, &description);
        meta.annotations = annotations;
        meta.labels = md.labels.clone().unwrap_or_default();
        let template = cr
            .schematic()
            .and_then(|s| s.cue_template())
            .ok_or_else(|| load_err(origin, "spec.schematic.cue.template: required field is missing"))?
            .to_string();
        let mut spec = match cr.spec_json() {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        spec.remove("schematic");
        let version = cr.version();
        meta.version = (!version.is_empty()).then(|| version.to_string());
        meta.attributes = spec;
        Ok(Self::build(origin, meta, template, Source::Cr))
    }

    fn build(origin: &str, meta: Meta, template: String, source: Source) -> Self {
        Self {
            meta,
            origin: origin.to_string(),
            template,
            source,
            cr_metadata: None,
            compiled: OnceLock::new(),
            schema: OnceLock::new(),
            reads_components: OnceLock::new(),
        }
    }

    /// Compiles the template and the status programs now (otherwise the first render or
    /// status evaluation does), so that their errors show at load time.
    ///
    /// # Errors
    /// [`Error::Compile`] naming the file or object the definition came from.
    pub fn compile(&self) -> Result<()> {
        self.compiled().map(|_| ())
    }

    fn compiled(&self) -> Result<&Compiled> {
        self.compiled
            .get_or_init(|| {
                tracing::debug!(definition = %self.meta.name, kind = %self.meta.kind, "compile template");
                Ok(Compiled {
                    template: Program::compile(&self.origin, &self.template)?,
                    status: compile_status(&self.origin, &self.meta.attributes)?,
                })
            })
            .as_ref()
            .map_err(|e| compile_err(&self.origin, e.clone()))
    }

    fn schema_cell(&self) -> &SchemaCell {
        self.schema
            .get_or_init(|| match crate::openapi::parameter_schema(&self.template) {
                Ok(s) => (s, None),
                // KubeVela stores no schema then; an open object keeps CLIs and UIs working
                Err(e) => (json!({"type": "object"}), Some(e)),
            })
    }

    /// Why no OpenAPI schema could be generated for the parameter (KubeVela stores no schema
    /// ConfigMap then and [`Definition::schema`] is an open object).
    pub fn schema_error(&self) -> Option<&crate::openapi::Error> {
        self.schema_cell().1.as_ref()
    }

    /// The `parameter` value the template evaluates to with `params` and `ctx`: the user's
    /// properties with the template's defaults applied, in the template's field order (what
    /// CUE's `MarshalJSON` of `parameter` gives, and what the conformance goldens record).
    ///
    /// # Errors
    /// [`Error::Compile`] when the template does not compile, [`Error::Evaluate`] (or
    /// [`Error::EvaluateMany`]) when it does not evaluate with these inputs, as in
    /// [`Definition::render`], or when `parameter` is not concrete (an unresolved disjunction, a
    /// required field left unset), naming the field path.
    pub fn evaluated_parameter(&self, ctx: &Context, params: &Value) -> Result<Value> {
        let params = if params.is_null() {
            json!({})
        } else {
            params.clone()
        };
        let with_components = *self
            .reads_components
            .get_or_init(|| reads_components(&self.template));
        let program = self.program_until(ctx.deadline)?;
        let context = context_input(&program, ctx, with_components);
        let inst = program
            .eval_with_inputs(&[("parameter", &program.input(&params)), ("context", &context)])
            .map_err(|e| self.eval_err(e))?;
        let mut errors = inst.errors(MAX_REPORTED_ERRORS);
        if errors.len() > 1 {
            return Err(Error::EvaluateMany {
                kind: self.meta.kind,
                name: self.meta.name.clone(),
                errors,
            });
        }
        if let Some(e) = errors.pop() {
            return Err(self.eval_err(e));
        }
        match inst.lookup("parameter") {
            Ok(p) if p.exists() => p.to_json().map_err(|e| self.eval_err(e)),
            _ => Ok(json!({})),
        }
    }

    /// The template program text.
    pub fn template(&self) -> &str {
        &self.template
    }

    fn eval_err(&self, source: vela_cue::Error) -> Error {
        Error::Evaluate {
            kind: self.meta.kind,
            name: self.meta.name.clone(),
            source: Box::new(source),
        }
    }

    fn render_err(&self, e: impl std::fmt::Display) -> Error {
        Error::Render {
            kind: self.meta.kind,
            name: self.meta.name.clone(),
            message: e.to_string(),
        }
    }
}

/// Converts an evaluated CUE patch into a tagged [`Node`], keeping field comments.
pub fn node_from_cue(v: &vela_cue::Value<'_>) -> std::result::Result<Node, vela_cue::Error> {
    match v.kind() {
        CueKind::Struct => {
            let mut fields = Vec::new();
            for (name, child) in v.fields() {
                let comments = child.comments();
                fields.push(Field {
                    name,
                    value: node_from_cue(&child)?,
                    tags: Tags::from_comments(comments.iter().map(String::as_str)),
                });
            }
            Ok(Node::Struct(fields))
        }
        CueKind::List => {
            // `[...T]`: the element type, unless it is `_` (a bare `...`)
            // (a type that is not concrete, like `[...{name: string}]`, only opens the list)
            let tail = v.list_tail().and_then(|t| node_from_cue(&t).ok()).map(Box::new);
            Ok(Node::List {
                items: v
                    .elements()
                    .iter()
                    .map(node_from_cue)
                    .collect::<std::result::Result<_, _>>()?,
                open: v.list_tail().is_some(),
                tail,
            })
        }
        _ => Ok(Node::Scalar(v.to_json()?)),
    }
}

fn patch_from_cue(v: &vela_cue::Value<'_>) -> std::result::Result<Patch, vela_cue::Error> {
    let tags: Vec<String> = v.comments();
    let strategy = tags
        .iter()
        .filter_map(|l| l.trim().strip_prefix("+patchStrategy="))
        .map(str::trim)
        .next_back();
    match strategy {
        Some("jsonMergePatch") => Ok(Patch::JsonMerge(v.to_json()?)),
        Some("jsonPatch") => {
            let ops = v.lookup("operations")?.to_json()?;
            Ok(Patch::Json(ops.as_array().cloned().unwrap_or_default()))
        }
        _ => Ok(Patch::Strategic(node_from_cue(v)?)),
    }
}

impl Definition for CueDefinition {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn template(&self) -> Option<&str> {
        Some(&self.template)
    }

    fn schema(&self) -> &Value {
        &self.schema_cell().0
    }

    fn source(&self) -> Source {
        self.source
    }

    fn digest(&self) -> String {
        crate::definition::digest_of(&[
            self.meta.name.as_bytes(),
            self.meta.kind.as_str().as_bytes(),
            self.meta.version.as_deref().unwrap_or_default().as_bytes(),
            serde_json::to_string(&self.meta.attributes)
                .unwrap_or_default()
                .as_bytes(),
            self.template.as_bytes(),
        ])
    }

    fn validates_schema(&self) -> bool {
        false
    }

    fn compile(&self) -> Result<()> {
        CueDefinition::compile(self)
    }

    fn render(&self, ctx: &Context, params: &Value) -> Result<Rendered> {
        let params = if params.is_null() {
            json!({})
        } else {
            params.clone()
        };
        let with_components = *self
            .reads_components
            .get_or_init(|| reads_components(&self.template));
        let program = self.program_until(ctx.deadline)?;
        let context = context_input(&program, ctx, with_components);
        let inst = program
            .eval_with_inputs(&[("parameter", &program.input(&params)), ("context", &context)])
            .map_err(|e| self.eval_err(e))?;
        let mut out = Rendered::default();
        if let Ok(errs) = inst.lookup("errs")
            && errs.exists()
        {
            out.errs = errs.decode::<Vec<String>>().unwrap_or_default();
            if !out.errs.is_empty() {
                return Err(Error::User {
                    kind: self.meta.kind,
                    name: self.meta.name.clone(),
                    errors: out.errs,
                });
            }
        }
        // KubeVela validates the whole template (conflicts anywhere, e.g. a parameter outside
        // its enum that no output reads) before reading `output`
        let mut errors = inst.errors(MAX_REPORTED_ERRORS);
        if errors.len() > 1 {
            return Err(Error::EvaluateMany {
                kind: self.meta.kind,
                name: self.meta.name.clone(),
                errors,
            });
        }
        if let Some(e) = errors.pop() {
            return Err(self.eval_err(e));
        }
        if let Ok(o) = inst.lookup("output")
            && o.exists()
        {
            out.output = Some(o.to_json().map_err(|e| self.eval_err(e))?);
        }
        if let Ok(os) = inst.lookup("outputs")
            && os.exists()
        {
            for (name, v) in os.fields() {
                out.outputs
                    .push((name, v.to_json().map_err(|e| self.eval_err(e))?));
            }
        }
        if let Ok(p) = inst.lookup("patch")
            && p.exists()
        {
            out.patch = Some(patch_from_cue(&p).map_err(|e| self.eval_err(e))?);
        }
        if let Ok(po) = inst.lookup("patchOutputs")
            && po.exists()
        {
            for (name, v) in po.fields() {
                out.patch_outputs
                    .push((name, patch_from_cue(&v).map_err(|e| self.eval_err(e))?));
            }
        }
        Ok(out)
    }

    fn status(&self, req: &StatusRequest<'_>) -> Result<StatusResult> {
        let mut ctx = match req.context {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        ctx.insert("output".into(), req.output.clone());
        ctx.insert("outputs".into(), Value::Object(req.outputs.clone()));
        let ctx = Value::Object(ctx);
        let param = if req.parameter.is_null() {
            json!({})
        } else {
            req.parameter.clone()
        };
        let inputs = [("context", &ctx), ("parameter", &param)];
        let mut result = StatusResult::default();
        let programs = &self.compiled()?.status;
        if let Some(p) = &programs.details {
            let inst = p.eval_with(&inputs).map_err(|e| self.eval_err(e))?;
            for (k, v) in inst.root().fields() {
                if k.starts_with('$') || k.len() >= 32 {
                    continue;
                }
                if let Ok(j) = v.to_json() {
                    let s = match j {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    result.details.insert(k, s);
                }
            }
        }
        let mut ctx = ctx;
        ctx["status"] = json!({"details": result.details});
        let inputs = [("context", &ctx), ("parameter", &param)];
        if let Some(p) = &programs.health {
            let inst = p.eval_with(&inputs).map_err(|e| self.eval_err(e))?;
            result.healthy = inst
                .decode::<bool>("isHealth")
                .map_err(|e| self.render_err(format!("evaluate health status: {e}")))?;
        }
        ctx["status"]["healthy"] = json!(result.healthy);
        let inputs = [("context", &ctx), ("parameter", &param)];
        if let Some(p) = &programs.custom {
            let inst = p.eval_with(&inputs).map_err(|e| self.eval_err(e))?;
            if let Ok(m) = inst.decode::<String>("message") {
                result.message = m;
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_is_cue_error(e: &Error) -> bool {
        std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<Box<vela_cue::Error>>().is_some())
    }

    const CONFIG_MAP: &str = r#"
import "strings"
cm: {type: "component", description: "A config map", attributes: {status: healthPolicy: "isHealth: true"}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", data: n: strings.ToUpper(parameter.n)}
  parameter: n: string
}
"#;

    #[test]
    fn context_components_only_for_templates_that_can_read_them() {
        assert!(!reads_components("output: {metadata: name: context.name}"));
        assert!(reads_components("output: data: n: len(context.components)"));
        assert!(reads_components("output: data: all: context")); // the whole context
        assert!(reads_components("x: context\ny: 1"));
        assert!(!reads_components("mycontext: 1\ncontextual: context.appName"));
        assert!(!reads_components(r#"if context["config"] != _|_ {}"#));
        assert!(reads_components(r#"n: len(context["components"])"#));
        assert!(reads_components("x: context[key]"));

        let counting = r#"
counter: {type: "component", description: "counts"}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", data: n: "\(len(context.components))"}
  parameter: {}
}
"#;
        let def = CueDefinition::from_cue("counter.cue", counting).unwrap();
        let mut ctx = Context::new("app", "default", "c");
        ctx.components = std::sync::Arc::new(json!([{"name": "a"}, {"name": "b"}]));
        let out = def.render(&ctx, &json!({})).unwrap();
        assert_eq!(out.output.unwrap()["data"]["n"], "2");
    }

    #[test]
    fn loading_reads_the_header_and_compiles_on_first_use() {
        let def = CueDefinition::from_cue("cm.cue", CONFIG_MAP).unwrap();
        assert_eq!((def.meta.name.as_str(), def.meta.kind), ("cm", Kind::Component));
        assert_eq!(def.meta.description, "A config map");
        assert!(def.compiled.get().is_none() && def.schema.get().is_none());
        let out = def
            .render(&Context::new("app", "default", "c"), &json!({"n": "a"}))
            .unwrap();
        assert_eq!(out.output.unwrap()["data"]["n"], "A");
        assert!(def.compiled.get().is_some() && def.schema.get().is_none());
        assert_eq!(def.schema()["required"][0], "n");

        // a template that does not compile (an unused import) loads; its error shows on first
        // use, or at once with `compile`
        let broken = CONFIG_MAP.replace("strings.ToUpper(parameter.n)", "parameter.n");
        let def = CueDefinition::from_cue("broken.cue", &broken).unwrap_or_else(|e| panic!("{}", e.chain()));
        let err = def.compile().unwrap_err();
        assert!(matches!(err, Error::Compile { .. }), "{err:?}");
        let err = def
            .render(&Context::new("app", "default", "c"), &json!({"n": "a"}))
            .unwrap_err();
        assert!(
            err.chain().starts_with("load definition from broken.cue: "),
            "{}",
            err.chain()
        );
    }

    #[test]
    fn compile_and_evaluation_errors_keep_vela_cues_error_as_their_source() {
        let err = CueDefinition::from_cue("bad.cue", "broken: {").unwrap_err();
        assert!(matches!(err, Error::Compile { .. }), "{err:?}");
        assert!(source_is_cue_error(&err), "{err:?}");
        assert!(
            err.chain().starts_with("load definition from bad.cue: "),
            "{}",
            err.chain()
        );

        let def = CueDefinition::from_cue(
            "cm.cue",
            r#"
cm: {type: "component", attributes: {}}
template: {
  output: {apiVersion: "v1", kind: "ConfigMap", data: n: parameter.n + 1}
  parameter: n: int
}
"#,
        )
        .unwrap();
        let err = def
            .render(&Context::new("app", "default", "c"), &json!({"n": "one"}))
            .unwrap_err();
        assert!(matches!(err, Error::Evaluate { .. }), "{err:?}");
        assert!(source_is_cue_error(&err), "{err:?}");
        assert!(err.chain().starts_with("component cm: "), "{}", err.chain());
    }
}
