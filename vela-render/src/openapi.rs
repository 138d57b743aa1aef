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

use std::collections::HashMap;

use serde_json::{Map, Value as Json, json};
use vela_cue::ast::{Constraint, Op};
use vela_cue::{Kind, Program, Value};

/// Generating the schema failed (KubeVela stores no schema ConfigMap then).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The template does not evaluate.
    #[error("evaluating the template: {0}")]
    Eval(String),
    /// CUE's OpenAPI encoder does not support a construct.
    #[error("{path}: {message}")]
    Unsupported {
        /// Field path inside `parameter`.
        path: String,
        /// What is not supported.
        message: String,
    },
}

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
    let program = Program::compile("template", &format!("{template}\n{BASE_TEMPLATE}"))
        .map_err(|e| Error::Eval(e.to_string()))?;
    let inst = program.eval().map_err(|e| Error::Eval(e.to_string()))?;
    let param = inst.lookup("parameter").map_err(|e| Error::Eval(e.to_string()))?;
    let mut schema = if param.exists() && !param.possible_kinds().is_empty() {
        let mut g = Gen {
            path: Vec::new(),
            depth: 0,
            cyclic: false,
        };
        Json::Object(g.schema(None, &param)?)
    } else {
        // KubeVela encodes `#parameter: {}` then
        json!({"type": "object"})
    };
    normalize_numbers(&mut schema);
    fix(None, &mut schema);
    Ok(schema)
}

/// What the encoder learns about a value before filling its schema (CUE's "core" builder of a
/// structural schema): its doc, kinds, the distinct values seen (alternatives and
/// conjuncts of a struct), the union of the fields of all of them and the element type.
#[derive(Default)]
struct Core<'a> {
    doc: Option<String>,
    format: &'static str,
    kind: Vec<Kind>,
    values: Vec<Value<'a>>,
    keys: Vec<String>,
    properties: HashMap<String, Core<'a>>,
    items: Option<Box<Core<'a>>>,
}

/// The schema under construction for one value (CUE's `builder`).
#[derive(Default)]
struct Builder<'c, 'a> {
    typ: &'static str,
    format: &'static str,
    single: Map<String, Json>,
    all_of: Vec<Map<String, Json>>,
    current: Option<usize>,
    /// Core of the value this builder fills a non-core schema for (alternatives of a oneOf).
    core: Option<&'c Core<'a>>,
    /// The core gathered for this very value (a structural builder).
    me: Option<&'c Core<'a>>,
    /// Structural parts of `me` not computed yet: `properties` (with the label), `items`,
    /// `additionalProperties`.
    pending: Vec<(&'static str, Option<String>)>,
}

struct Gen {
    path: Vec<String>,
    /// Nesting of `build_core`; past [`MAX_DEPTH`] the structure is taken as cyclic.
    depth: usize,
    cyclic: bool,
}

/// How deep schemas may nest. CUE's encoder overflows its stack on a recursive parameter
/// type (`#Tree: {children?: [...#Tree]}`, KubeVela's controller then crashes); we stop
/// with an error instead.
const MAX_DEPTH: usize = 64;

/// CUE's `Value.Expr` for an evaluated value: a disjunction (without the defaults another
/// alternative already allows), a conjunction of constraints, or the value itself.
enum Expr<'a> {
    Or(Vec<Value<'a>>),
    And(Vec<Value<'a>>),
    /// A disjunction with one alternative left: CUE's `NoOp` with that one argument, which
    /// splitting takes as it is.
    Single(Value<'a>),
    Leaf,
}

fn expr<'a>(v: &Value<'a>) -> Expr<'a> {
    let alts = v.disjuncts();
    if !alts.is_empty() {
        let non_defaults: Vec<&Value<'a>> = alts.iter().filter(|d| !d.is_default).map(|d| &d.value).collect();
        let kept: Vec<Value<'a>> = alts
            .iter()
            .filter(|d| !(d.is_default && non_defaults.iter().any(|n| subsumes(n, &d.value))))
            .map(|d| d.value.clone())
            .collect();
        // A field declared in a comprehension body is reported from its evaluated disjunction,
        // the single default first; CUE then gives that default as the whole disjunction
        // again: `*1 | 2` reads as `(1 | 2) | 2`.
        let defaults = alts.iter().filter(|d| d.is_default).count();
        if v.from_comprehension()
            && defaults == 1
            && kept
                .iter()
                .any(|k| alts.iter().any(|d| d.is_default && same_alt(k, &d.value)))
        {
            let mut out: Vec<Value<'a>> = alts.iter().map(|d| d.value.clone()).collect();
            out.extend(non_defaults.into_iter().cloned());
            return Expr::Or(out);
        }
        return if kept.len() > 1 {
            Expr::Or(kept)
        } else {
            kept.into_iter().next().map_or(Expr::Leaf, Expr::Single)
        };
    }
    let cs = v.conjuncts();
    if !cs.is_empty() {
        return Expr::And(cs);
    }
    Expr::Leaf
}

/// Whether `general` allows every instance of the concrete `specific` (what CUE's simplifying
/// subsumption decides for a default).
fn subsumes(general: &Value<'_>, specific: &Value<'_>) -> bool {
    if general.possible_kinds().len() == 8 {
        return true;
    }
    match specific.to_json() {
        Ok(s) => general.unify(specific).to_json().is_ok_and(|u| u == s),
        Err(_) => false,
    }
}

/// Splits `v` into its `&` (or `|`) parts, recursively (CUE's `appendSplit`).
fn split_and<'a>(v: &Value<'a>) -> Vec<Value<'a>> {
    match expr(v) {
        Expr::And(parts) => tightest_bounds(parts.iter().flat_map(split_and).collect()),
        Expr::Single(k) => vec![k],
        _ => vec![v.clone()],
    }
}

/// CUE keeps only the tightest lower and upper number bounds of a conjunction
/// (`int32 & >=0` is `>=0 & <=2147483647 & int`).
fn tightest_bounds(parts: Vec<Value<'_>>) -> Vec<Value<'_>> {
    let num = |v: &Value<'_>| -> Option<(Op, f64)> {
        let (op, x) = v.bound()?;
        let n = x.to_json().ok()?.as_f64()?;
        matches!(op, Op::Ge | Op::Gt | Op::Le | Op::Lt).then_some((op, n))
    };
    // (op, n) is tighter than (op2, m) on the same side
    let tighter = |(op, n): (Op, f64), (op2, m): (Op, f64)| match op {
        Op::Ge | Op::Gt => n > m || (n == m && op == Op::Gt && op2 == Op::Ge),
        _ => n < m || (n == m && op == Op::Lt && op2 == Op::Le),
    };
    let lower = |op: Op| matches!(op, Op::Ge | Op::Gt);
    let keep: Vec<bool> = parts
        .iter()
        .map(|p| match num(p) {
            None => true,
            Some(a) => !parts
                .iter()
                .filter_map(num)
                .any(|b| lower(a.0) == lower(b.0) && tighter(b, a)),
        })
        .collect();
    let mut seen: Vec<(Op, f64)> = Vec::new();
    parts
        .into_iter()
        .zip(keep)
        .filter(|(p, k)| {
            *k && match num(p) {
                // the same bound twice counts once
                Some(b) if seen.contains(&b) => false,
                Some(b) => {
                    seen.push(b);
                    true
                }
                None => true,
            }
        })
        .map(|(p, _)| p)
        .collect()
}

fn split_or<'a>(v: &Value<'a>) -> Vec<Value<'a>> {
    match expr(v) {
        Expr::Or(parts) => parts.iter().flat_map(split_or).collect(),
        Expr::Single(k) => vec![k],
        _ => vec![v.clone()],
    }
}

/// Concrete without a default and not a struct or list (CUE's `IsConcrete` as the encoder
/// uses it).
fn is_scalar(v: &Value<'_>) -> bool {
    v.disjuncts().is_empty()
        && matches!(
            v.to_json(),
            Ok(Json::Null | Json::Bool(_) | Json::Number(_) | Json::String(_))
        )
}

fn is_null(v: &Value<'_>) -> bool {
    v.disjuncts().is_empty() && matches!(v.to_json(), Ok(Json::Null))
}

/// The doc comment the way CUE's `Value.Doc` + the encoder's `getDoc` give it: each group's
/// text (comment markers and the first space removed, trailing spaces cut), groups joined by a
/// blank line, trimmed.
fn doc(v: &Value<'_>) -> Option<String> {
    let groups: Vec<String> = v
        .doc_comments()
        .iter()
        .map(|g| {
            let lines: Vec<&str> = g
                .iter()
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
                .collect();
            let mut out: Vec<&str> = Vec::new();
            for l in lines {
                if !l.is_empty() || out.last().is_some_and(|p| !p.is_empty()) {
                    out.push(l);
                }
            }
            let mut s = out.join("\n");
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s
        })
        .collect();
    if groups.is_empty() {
        return None;
    }
    let s = groups.join("\n\n").trim().to_string();
    Some(s)
}

/// The OpenAPI `format` of CUE's predeclared sized types (`int32`, `int64`, `float32`,
/// `float64`) and of `bytes`, as CUE's encoder recognises them.
fn extract_format(v: &Value<'_>) -> Option<&'static str> {
    let kinds = v.possible_kinds();
    if !kinds
        .iter()
        .any(|k| matches!(k, Kind::Int | Kind::Float | Kind::String | Kind::Bytes))
    {
        return None;
    }
    if !v.disjuncts().is_empty() {
        return None;
    }
    let parts = v.conjuncts();
    if parts.is_empty() {
        return (kinds == [Kind::Bytes] && v.to_json().is_err()).then_some("binary");
    }
    let (mut int, mut lo, mut hi) = (false, None, None);
    for p in &parts {
        match p.bound() {
            Some((Op::Ge, n)) => lo = n.to_json().ok().and_then(|n| n.as_f64()),
            Some((Op::Le, n)) => hi = n.to_json().ok().and_then(|n| n.as_f64()),
            Some(_) => return None,
            None if p.possible_kinds() == [Kind::Int] && p.to_json().is_err() => int = true,
            None => return None,
        }
    }
    ["int32", "int64", "float", "double"]
        .into_iter()
        .find(|f| format_bounds(f) == lo.zip(hi) && int == matches!(*f, "int32" | "int64"))
}

/// The bounds a number format implies.
fn format_bounds(format: &str) -> Option<(f64, f64)> {
    match format {
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" => Some((i64::MIN as f64, i64::MAX as f64)),
        "float" => Some((-f64::from(f32::MAX), f64::from(f32::MAX))),
        "double" => Some((-f64::MAX, f64::MAX)),
        _ => None,
    }
}

fn kind_is(kinds: &[Kind], k: Kind) -> bool {
    kinds.len() == 1 && kinds[0] == k
}

/// The `type` for the kinds a value may take (`null` aside), if there is exactly one.
fn type_name(kinds: &[Kind]) -> Option<&'static str> {
    let k: Vec<Kind> = kinds.iter().copied().filter(|k| *k != Kind::Null).collect();
    match k.as_slice() {
        [Kind::Bool] => Some("boolean"),
        [Kind::Float] | [Kind::Int, Kind::Float] => Some("number"),
        [Kind::Int] => Some("integer"),
        [Kind::Bytes] | [Kind::String] => Some("string"),
        [Kind::Struct] => Some("object"),
        [Kind::List] => Some("array"),
        _ => None,
    }
}

impl Gen {
    fn fail(&self, message: impl Into<String>) -> Error {
        Error::Unsupported {
            path: self.path.join("."),
            message: message.into(),
        }
    }

    /// The schema of `v` (CUE's `builder.schema`): in structural mode a core is gathered first
    /// unless the caller already has one for this position.
    fn schema<'a>(&mut self, core: Option<&Core<'a>>, v: &Value<'a>) -> Result<Map<String, Json>, Error> {
        if let Some(core) = core {
            let mut b = Builder {
                core: Some(core),
                ..Builder::default()
            };
            return self.fill_schema(&mut b, v);
        }
        if self.path.len() > MAX_DEPTH {
            return Err(self.fail("cyclic structures are not supported"));
        }
        let mut c = Core::default();
        self.build_core(&mut c, v);
        if self.cyclic {
            return Err(self.fail("cyclic structures are not supported"));
        }
        self.core_schema(&c, Some(v))
    }

    fn build_core<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        if self.depth > MAX_DEPTH {
            self.cyclic = true;
            return;
        }
        self.depth += 1;
        self.build_core_at(c, v);
        self.depth -= 1;
    }

    fn build_core_at<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        if let Some(d) = doc(v) {
            c.doc = Some(d);
        }
        if let Some(f) = extract_format(v) {
            c.format = f;
        } else {
            self.gather(c, v);
        }
        if !c.values.iter().any(|x| same(x, v)) {
            c.values.push(v.clone());
        }
    }

    /// The kind, fields and element type part of [`Gen::build_core`].
    fn gather<'a>(&mut self, c: &mut Core<'a>, v: &Value<'a>) {
        c.kind = v.possible_kinds();
        if kind_is(&c.kind, Kind::Struct) {
            if let Some(t) = v.any_field() {
                let items = c.items.get_or_insert_with(Box::default);
                self.build_core(items, &t);
            }
            if let Expr::Or(args) | Expr::And(args) = expr(v) {
                for a in &args {
                    self.build_core(c, a);
                }
            }
            let fields = match v.default_value() {
                Some(d) => d.declared_fields(),
                None => v.declared_fields(),
            };
            for f in fields {
                if !c.properties.contains_key(&f.label) {
                    c.keys.push(f.label.clone());
                }
                let sub = c.properties.entry(f.label).or_default();
                self.build_core(sub, &f.value);
            }
        } else if kind_is(&c.kind, Kind::List)
            && let Some(t) = v.list_tail()
        {
            let items = c.items.get_or_insert_with(Box::default);
            self.build_core(items, &t);
        }
    }

    /// CUE's `coreSchema`: the structural part (type, properties, additionalProperties,
    /// items) from the core, then the schema of the value when there was only one. The
    /// structural parts are computed at [`Gen::finish`], only where filling the value did not
    /// replace them (CUE computes both).
    fn core_schema<'a>(&mut self, c: &Core<'a>, top: Option<&Value<'a>>) -> Result<Map<String, Json>, Error> {
        let mut b = Builder {
            me: Some(c),
            format: c.format,
            ..Builder::default()
        };
        if let Some(d) = &c.doc {
            b.single.insert("description".into(), json!(d));
        }
        if kind_is(&c.kind, Kind::List) {
            if c.items.is_some() {
                b.set_type("array");
                b.pending.push(("items", None));
            }
        } else if kind_is(&c.kind, Kind::Struct) {
            if !c.keys.is_empty() || c.items.is_some() {
                b.set_type("object");
            }
            if !c.keys.is_empty() {
                b.single.insert("properties".into(), Json::Object(Map::new()));
                b.pending
                    .extend(c.keys.iter().map(|k| ("properties", Some(k.clone()))));
            }
            if c.items.is_some() {
                b.pending.push(("additionalProperties", None));
            }
        }
        if c.values.len() == 1 {
            return self.fill_schema(&mut b, &c.values[0]);
        }
        match top {
            Some(v) => self.fill_schema(&mut b, v),
            None => self.finish(&mut b),
        }
    }

    /// CUE's `builder.finish`, after computing the structural parts still pending.
    fn finish(&mut self, b: &mut Builder<'_, '_>) -> Result<Map<String, Json>, Error> {
        let pending = std::mem::take(&mut b.pending);
        if let Some(core) = b.me {
            for (key, label) in pending {
                match (key, label) {
                    ("properties", Some(label)) => {
                        self.path.push(label.clone());
                        let s = self.core_schema(&core.properties[&label], None)?;
                        self.path.pop();
                        if let Some(Json::Object(p)) = b.single.get_mut("properties") {
                            p.insert(label, Json::Object(s));
                        }
                    }
                    (key, _) => {
                        if let Some(items) = &core.items {
                            self.path.push("*".into());
                            let s = self.core_schema(items, None)?;
                            self.path.pop();
                            b.single.insert(key.into(), Json::Object(s));
                        }
                    }
                }
            }
        }
        Ok(b.finish())
    }

    /// CUE's `fillSchema`.
    fn fill_schema<'a>(
        &mut self,
        b: &mut Builder<'_, 'a>,
        v: &Value<'a>,
    ) -> Result<Map<String, Json>, Error> {
        if b.core.is_none()
            && let Some(t) = type_name(&v.possible_kinds())
        {
            b.typ = t;
        }
        b.format = extract_format(v).unwrap_or_default();
        if b.core.is_none_or(|c| c.values.len() > 1) {
            self.value(b, v)?;
        }
        self.finish(b)
    }

    /// CUE's `builder.value`: every conjunct of `v` (enums for concrete ones, a oneOf for
    /// disjunctions), then the default.
    fn value<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        for c in split_and(v) {
            if is_scalar(&c) {
                self.dispatch(b, &c)?;
                if b.core.is_none() {
                    b.set("enum", json!([c.to_json().unwrap_or(Json::Null)]));
                }
                continue;
            }
            let alts = split_or(&c);
            match alts.len() {
                0 => {}
                1 => {
                    if let Some(e) = alts[0].err()
                        && alts[0].possible_kinds().is_empty()
                    {
                        return Err(self.fail(format!("openapi: {e}")));
                    }
                    self.dispatch(b, &alts[0])?;
                }
                _ => self.disjunction(b, &alts)?,
            }
        }
        // a default equal to another alternative is no default (CUE merges equal alternatives:
        // `*{} | {...}`)
        let alts = v.disjuncts();
        if let Some(d) = v.default_value()
            && !alts
                .iter()
                .any(|a| !a.is_default && subsumes(&a.value, &d) && subsumes(&d, &a.value))
            && let Ok(dj) = d.to_json()
            && !dj.is_null()
            && dj.as_array().is_none_or(|a| !a.is_empty())
            && b.core.is_none()
        {
            b.set("default", dj);
        }
        Ok(())
    }

    fn disjunction<'a>(&mut self, b: &mut Builder<'_, 'a>, alts: &[Value<'a>]) -> Result<(), Error> {
        let mut enums = Vec::new();
        let mut disjuncts = Vec::new();
        let mut nullable = false;
        for a in alts {
            if is_null(a) {
                nullable = true;
            } else if is_scalar(a) {
                enums.push(a.to_json().unwrap_or(Json::Null));
            } else {
                disjuncts.push(a.clone());
            }
        }
        if disjuncts.is_empty() || (disjuncts.len() == 1 && enums.is_empty()) {
            if disjuncts.len() == 1 {
                self.value(b, &disjuncts[0])?;
            }
            if !enums.is_empty() && b.core.is_none() {
                b.set("enum", Json::Array(enums));
            }
            if nullable {
                b.single.insert("nullable".into(), json!(true));
            }
            return Ok(());
        }
        let mut any_of = Vec::new();
        if !enums.is_empty() {
            any_of.push(json!({"enum": enums}));
        }
        if nullable {
            b.single.insert("nullable".into(), json!(true));
        }
        let core = b.core.or(b.me);
        for d in &disjuncts {
            if d.embeds_reference() {
                // CUE keeps an alternative that is a reference unevaluated and reports the
                // reference its struct embeds as a conjunct of its own: a selector
                return Err(self.fail("unsupported op . for object type"));
            }
            let mut c = Builder {
                core,
                typ: b.typ,
                format: b.format,
                ..Builder::default()
            };
            self.value(&mut c, d)?;
            let t = self.finish(&mut c)?;
            if t.is_empty() && c.typ.is_empty() {
                return Ok(());
            }
            any_of.push(Json::Object(t));
        }
        b.set("oneOf", Json::Array(any_of));
        Ok(())
    }

    fn dispatch<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        match v.possible_kinds().as_slice() {
            [Kind::Null] => {
                b.single.insert("nullable".into(), json!(true));
            }
            [Kind::Bool] => b.set_type("boolean"),
            [Kind::Float] | [Kind::Int, Kind::Float] => {
                b.set_type("number");
                self.number(b, v)?;
            }
            [Kind::Int] => {
                b.set_type("integer");
                self.number(b, v)?;
            }
            [Kind::Bytes] => b.set_type("string"),
            [Kind::String] => {
                b.set_type("string");
                self.string(b, v)?;
            }
            [Kind::Struct] => {
                b.set_type("object");
                self.object(b, v)?;
            }
            [Kind::List] => {
                b.set_type("array");
                self.array(b, v)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn validator_int(&self, args: &[Value<'_>], name: &str) -> Result<Json, Error> {
        match args {
            [a] => a
                .to_json()
                .ok()
                .filter(Json::is_i64)
                .ok_or_else(|| self.fail(format!("could not retrieve int from {name} argument"))),
            _ => Err(self.fail(format!("{name} must be used with 1 arguments"))),
        }
    }

    fn object<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((name, args)) = v.validator() {
            match name.as_str() {
                "struct.MinFields" => b.set("minProperties", self.validator_int(&args, &name)?),
                "struct.MaxFields" => b.set("maxProperties", self.validator_int(&args, &name)?),
                _ => {}
            }
            return Ok(());
        }
        if let Expr::And(_) | Expr::Or(_) = expr(v) {
            return Err(self.fail("unsupported op for object type"));
        }
        let fields = v.declared_fields();
        // CUE evaluates the struct first: a struct validator it does not satisfy fails,
        // the others are gone
        for (name, args) in v.struct_validators() {
            let regular = fields
                .iter()
                .filter(|f| f.constraint == Constraint::Regular)
                .count();
            if name == "struct.MinFields"
                && self
                    .validator_int(&args, &name)?
                    .as_u64()
                    .is_some_and(|n| regular < n as usize)
            {
                return Err(self.fail(format!("openapi: invalid value (does not satisfy {name})")));
            }
        }
        let required: Vec<Json> = fields
            .iter()
            .filter(|f| f.constraint == Constraint::Regular)
            .map(|f| json!(f.label))
            .collect();
        if !required.is_empty() {
            b.set("required", Json::Array(required));
        }
        let had_props = b.single.contains_key("properties");
        let mut props = match b.single.remove("properties") {
            Some(Json::Object(m)) => m,
            _ => Map::new(),
        };
        for f in &fields {
            let core = b.core.and_then(|c| c.properties.get(&f.label));
            self.path.push(f.label.clone());
            let s = self.schema(core, &f.value)?;
            self.path.pop();
            if b.core.is_none() || !s.is_empty() {
                b.pending
                    .retain(|(k, l)| !(*k == "properties" && l.as_deref() == Some(f.label.as_str())));
                props.insert(f.label.clone(), Json::Object(s));
            }
        }
        if had_props || !props.is_empty() {
            b.single.insert("properties".into(), Json::Object(props));
        }
        if let Some(t) = v.any_field()
            && b.core.is_none_or(|c| c.items.is_none())
        {
            self.path.push("*".into());
            let s = self.schema(None, &t)?;
            self.path.pop();
            if !s.is_empty() {
                b.pending.retain(|(k, _)| *k != "additionalProperties");
                b.single.insert("additionalProperties".into(), Json::Object(s));
            }
        }
        Ok(())
    }

    fn array<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((name, args)) = v.validator() {
            // CUE evaluates the list first: its validators are gone, except that an open
            // list that must not be empty fails
            if name == "list.MinItems" && self.validator_int(&args, &name)?.as_i64() > Some(0) {
                return Err(self.fail(format!("openapi: invalid value [] (does not satisfy {name})")));
            }
            return Ok(());
        }
        if let Expr::And(_) | Expr::Or(_) = expr(v) {
            return Err(self.fail("unsupported op for array type"));
        }
        if !v.elements().is_empty() {
            // CUE's encoder writes one schema per element (`items: [...]`), which kin-openapi
            // cannot load (or which conflicts with the open list's `items`)
            return Err(self.fail("cannot unmarshal array into field Schema.items"));
        }
        if let Some(t) = v.list_tail() {
            let core = b.core.and_then(|c| c.items.as_deref());
            self.path.push("*".into());
            let s = self.schema(core, &t)?;
            self.path.pop();
            if b.core.is_none() || !s.is_empty() {
                b.pending.retain(|(k, _)| *k != "items");
                b.single.insert("items".into(), Json::Object(s));
            }
        }
        Ok(())
    }

    fn bound_number(&self, v: &Value<'_>) -> Result<Json, Error> {
        v.to_json().map_err(|e| self.fail(e.to_string()))
    }

    fn number<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((op, x)) = v.bound() {
            let n = self.bound_number(&x)?;
            match op {
                Op::Lt => {
                    b.set("exclusiveMaximum", json!(true));
                    b.set("maximum", n);
                }
                Op::Le => b.set("maximum", n),
                Op::Gt => {
                    b.set("exclusiveMinimum", json!(true));
                    b.set("minimum", n);
                }
                Op::Ge => b.set("minimum", n),
                Op::Ne => b.add(json!({"not": {"allOff": [{"minimum": n}, {"maximum": n}]}})),
                _ => return Err(self.fail(format!("unsupported op for number {}", op.text()))),
            }
            return Ok(());
        }
        if let Some((name, args)) = v.validator() {
            if name == "math.MultipleOf" {
                b.set("multipleOf", self.validator_int(&args, &name)?);
            }
            return Ok(());
        }
        match expr(v) {
            Expr::Leaf | Expr::Single(_) => Ok(()),
            Expr::And(_) => Err(self.fail("unsupported op for number &")),
            Expr::Or(_) => Err(self.fail("unsupported op for number |")),
        }
    }

    fn string<'a>(&mut self, b: &mut Builder<'_, 'a>, v: &Value<'a>) -> Result<(), Error> {
        if let Some((op, x)) = v.bound() {
            let re = match x.to_json() {
                Ok(Json::String(s)) => s,
                _ => return Err(self.fail("regexp value must be a string")),
            };
            match op {
                Op::Match => b.set("pattern", json!(re)),
                Op::NotMatch => b.add(json!({"not": {"pattern": re}})),
                _ => return Err(self.fail(format!("unsupported op {} for string type", op.text()))),
            }
            return Ok(());
        }
        if let Some((name, args)) = v.validator() {
            match name.as_str() {
                "strings.MinRunes" => b.set("minLength", self.validator_int(&args, &name)?),
                "strings.MaxRunes" => b.set("maxLength", self.validator_int(&args, &name)?),
                _ => {}
            }
            return Ok(());
        }
        match expr(v) {
            Expr::Leaf | Expr::Single(_) => Ok(()),
            Expr::And(_) => Err(self.fail("unsupported op & for string type")),
            Expr::Or(_) => Err(self.fail("unsupported op | for string type")),
        }
    }
}

/// Whether two alternatives of one disjunction are the same one.
fn same_alt(a: &Value<'_>, b: &Value<'_>) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Whether two gathered values are the same (CUE's `Value.Equals` on the core's values).
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    a.path() == b.path()
        && a.disjuncts().len() == b.disjuncts().len()
        && a.possible_kinds() == b.possible_kinds()
}

impl<'c, 'a> Builder<'c, 'a> {
    fn set_type(&mut self, t: &'static str) {
        if self.typ.is_empty() {
            self.typ = t;
        }
    }

    /// CUE's `builder.set`: a key already set starts a new `allOf` part.
    fn set(&mut self, key: &str, v: Json) {
        let start_new = match self.current {
            None => true,
            Some(i) => self.all_of[i].contains_key(key),
        };
        if start_new {
            self.all_of.push(Map::new());
            self.current = Some(self.all_of.len() - 1);
        }
        if let Some(i) = self.current {
            self.all_of[i].insert(key.to_string(), v);
        }
    }

    fn add(&mut self, part: Json) {
        if let Json::Object(m) = part {
            self.all_of.push(m);
        }
    }

    /// CUE's `builder.finish`.
    fn finish(&mut self) -> Map<String, Json> {
        let t = match self.all_of.len() {
            0 => Map::new(),
            1 => self.all_of[0].clone(),
            _ => {
                let mut m = Map::new();
                m.insert(
                    "allOf".into(),
                    Json::Array(self.all_of.iter().cloned().map(Json::Object).collect()),
                );
                m
            }
        };
        let mut out = self.single.clone();
        for (k, v) in t {
            out.insert(k, v);
        }
        if !self.typ.is_empty() && self.core.is_none() && !out.contains_key("type") {
            out.insert("type".into(), json!(self.typ));
        }
        if !self.format.is_empty() && self.core.is_none_or(|c| c.format != self.format) {
            out.insert("format".into(), json!(self.format));
        }
        // bounds that only restate the format go
        if matches!(self.typ, "number" | "integer")
            && let Some((lo, hi)) = format_bounds(self.format)
        {
            if out.get("minimum").and_then(Json::as_f64) == Some(lo) {
                out.remove("minimum");
            }
            if out.get("maximum").and_then(Json::as_f64) == Some(hi) {
                out.remove("maximum");
            }
        }
        out
    }
}

/// kin-openapi decodes numbers into `float64` (`default` and `enum` through `any`, the bounds
/// directly) and Go's `encoding/json` writes them back: integral values without a fraction
/// (as integers here), integers beyond 2^53 rounded to the nearest `float64`.
fn normalize_numbers(v: &mut Json) {
    match v {
        Json::Number(n) => {
            let Some(f) = n.as_f64() else {
                return;
            };
            if f.fract() == 0.0 && f.abs() < 1e21 {
                let exact = n
                    .as_i64()
                    .is_some_and(|i| i as f64 == f && i.unsigned_abs() <= 1 << 53)
                    || n.as_u64().is_some_and(|u| u <= 1 << 53);
                if !exact {
                    *v = if f < 0.0 { json!(f as i64) } else { json!(f as u64) };
                }
            }
        }
        Json::Array(a) => a.iter_mut().for_each(normalize_numbers),
        Json::Object(m) => m.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

/// KubeVela's `FixOpenAPISchema`.
fn fix(name: Option<&str>, schema: &mut Json) {
    let Json::Object(m) = schema else {
        return;
    };
    match m.get("type").and_then(Json::as_str) {
        Some("object") => {
            if let Some(Json::Object(props)) = m.get_mut("properties") {
                for (k, p) in props.iter_mut() {
                    fix(Some(k), p);
                }
            }
        }
        Some("array") => {
            if let Some(items) = m.get_mut("items") {
                fix(None, items);
            }
        }
        _ => {}
    }
    if let Some(n) = name {
        m.insert("title".into(), json!(n));
    }
    let mut description = m
        .get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let lines: Vec<&str> = description.split('\n').collect();
    if lines.iter().any(|l| l.trim() == "+immutable") {
        description = lines
            .iter()
            .filter(|l| l.trim() != "+immutable")
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string();
        m.insert("x-immutable".into(), json!(true));
    }
    if let Some((_, after)) = description.split_once("+usage=") {
        description = after.split("+usage=").next().unwrap_or_default().to_string();
    }
    if let Some((before, _)) = description.split_once("+short") {
        description = before.trim().to_string();
    }
    if description.is_empty() {
        m.remove("description");
    } else {
        m.insert("description".into(), json!(description));
    }
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
