//! Export of values to JSON (in CUE's field order) and import of JSON values.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Map, Number, Value as Json};

use crate::ast::{Constraint, Name};
use crate::builtins::yaml_emit::Node as YamlNode;
use crate::error::{Error, Pos};
use crate::eval::{Conj, Ctx};
use crate::hash::FxHashSet;
use crate::num::Num;
use crate::value::{List, Val};

mod json_text;

/// Go's `json.Indent` of a JSON text: every element on its own line, starting with `prefix` and
/// one `indent` per level; strings and numbers are copied as written (`cue export` prints
/// `indent_json(text, "", "    ")` of [`crate::Value::to_json_string`]). `None` when `src` is
/// not valid JSON.
///
/// ```
/// assert_eq!(vela_cue::export::indent_json(r#"{"a":[1.50,{}]}"#, "", "  ").unwrap(), "{\n  \"a\": [\n    1.50,\n    {}\n  ]\n}");
/// ```
pub fn indent_json(src: &str, prefix: &str, indent: &str) -> Option<String> {
    crate::builtins::json_indent(src.as_bytes(), prefix, indent).ok()
}

/// Format a float the way CUE prints it (shortest representation, always with a dot or exponent).
pub fn format_float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e21 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// The number tokens of a JSON text in document order (outside strings), as written: what to
/// compare when numbers must agree digit for digit (`1E+10` is not `10000000000`).
///
/// ```
/// assert_eq!(vela_cue::export::number_tokens(r#"{"a":1E+10,"b":"7","c":[-0,2.50]}"#), ["1E+10", "-0", "2.50"]);
/// ```
pub fn number_tokens(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                out.push(&text[start..i]);
            }
            _ => i += 1,
        }
    }
    out
}

/// How many numbers a JSON value holds.
fn count_numbers(j: &Json) -> usize {
    match j {
        Json::Number(_) => 1,
        Json::Array(a) => a.iter().map(count_numbers).sum(),
        Json::Object(m) => m.values().map(count_numbers).sum(),
        _ => 0,
    }
}

/// The float for a JSON number that is not a 64-bit integer.
fn json_float(n: &Number) -> Val {
    match n.as_f64().and_then(Num::from_json_f64) {
        Some(n) => Val::Num(Arc::new(n)),
        None => Val::Null,
    }
}

/// A JSON value converted once for injection into evaluations (labels and strings as shared
/// names, lists and objects behind `Arc`s): cloning it copies references, and an evaluation
/// turns an object into fields only when it reads into it ([`crate::eval::ConjSrc::Data`]).
#[derive(Clone)]
pub(crate) enum Data {
    Null,
    Bool(bool),
    Int(i128),
    Num(Arc<Num>),
    Str(Name),
    List(Arc<[Data]>),
    Obj(DataObj),
}

/// The members of a [`Data`] object, in order.
pub(crate) type DataObj = Arc<[(Name, Data)]>;

impl Data {
    /// Convert `j`; object keys equal to a label in `labels` share its name.
    pub(crate) fn from_json(j: &Json, labels: &FxHashSet<Name>) -> Data {
        match j {
            Json::Null => Data::Null,
            Json::Bool(b) => Data::Bool(*b),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Data::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Data::Int(u as i128)
                } else {
                    match json_float(n) {
                        Val::Num(n) => Data::Num(n),
                        _ => Data::Null,
                    }
                }
            }
            // a string with the text of a label (or empty) shares its name
            Json::String(s) => Data::Str(match labels.get(s.as_str()) {
                Some(n) => n.clone(),
                None => Name::from(s.as_str()),
            }),
            Json::Array(a) => Data::List(a.iter().map(|e| Data::from_json(e, labels)).collect()),
            Json::Object(m) => Data::Obj(
                m.iter()
                    .map(|(k, v)| (Data::label(k, labels), Data::from_json(v, labels)))
                    .collect(),
            ),
        }
    }
}

impl Data {
    /// The field name of object key `k` (shared with the program's label when it has one).
    pub(crate) fn label(k: &str, labels: &FxHashSet<Name>) -> Name {
        match labels.get(k) {
            Some(n) => n.clone(),
            None => crate::ast::regular_name(k),
        }
    }
}

impl Ctx {
    /// Convert injected data into an evaluator value. An object becomes a struct whose fields
    /// are made only when it is expanded, so a large injected value costs an evaluation only
    /// the parts it reads.
    pub(crate) fn inject(&self, d: &Data) -> Val {
        match d {
            Data::Null => Val::Null,
            Data::Bool(b) => Val::Bool(*b),
            Data::Int(i) => Val::Int(*i),
            Data::Num(n) => Val::Num(n.clone()),
            Data::Str(s) => Val::Str(s.clone()),
            Data::List(a) => Val::List(Rc::new(List {
                elems: a.iter().map(|e| self.inject(e)).collect(),
                tail: None,
            })),
            Data::Obj(m) => {
                Val::Struct(self.new_node(smallvec::smallvec![Conj::data(m.clone())], None, None))
            }
        }
    }

    /// Convert a JSON value into an evaluator value.
    #[allow(clippy::wrong_self_convention)]
    pub(crate) fn from_json(&self, j: &Json) -> Val {
        self.json_val(j, &mut None)
    }

    /// Convert JSON parsed from `text` (`json.Unmarshal`), with every number as written there
    /// (`1.50` stays `1.50`, `1e3` is `1E+3`, big integers stay exact), as CUE reads JSON.
    #[allow(clippy::wrong_self_convention)]
    pub(crate) fn from_json_text(&self, j: &Json, text: &str) -> Val {
        let tokens = number_tokens(text);
        // (duplicate keys make serde_json keep fewer numbers than the text has: then its f64s)
        let mut it = (tokens.len() == count_numbers(j)).then(|| tokens.into_iter());
        self.json_val(j, &mut it)
    }

    fn json_val(&self, j: &Json, nums: &mut Option<std::vec::IntoIter<&str>>) -> Val {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(*b),
            Json::Number(n) => {
                if let Some(mut num) = nums
                    .as_mut()
                    .and_then(|t| t.next())
                    .and_then(|t| Num::parse(t).ok())
                {
                    // (CUE reads `-0.0` as a negated literal: a plain zero)
                    num.neg &= !num.is_zero();
                    Val::num(num)
                } else if let Some(i) = n.as_i64() {
                    Val::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Val::Int(u as i128)
                } else {
                    json_float(n)
                }
            }
            Json::String(s) => Val::Str(Name::from(s.as_str())),
            Json::Array(a) => Val::List(Rc::new(List {
                elems: a.iter().map(|e| self.json_val(e, nums)).collect(),
                tail: None,
            })),
            Json::Object(m) => {
                let fields: Vec<(Name, Val)> = m
                    .iter()
                    .map(|(k, v)| (crate::ast::regular_name(k), self.json_val(v, nums)))
                    .collect();
                Val::Struct(self.new_node(smallvec::smallvec![Conj::fields(fields)], None, None))
            }
        }
    }

    /// Export a value as concrete JSON; `path` names it in errors.
    pub(crate) fn export(&self, v: &Val, path: &str, budget: &mut usize) -> Result<Json, Error> {
        let mut sink = JsonSink::default();
        self.emit(v, &Path::Root(path), budget, 0, &mut sink)?;
        Ok(sink.finish())
    }

    /// Export a value as compact JSON text (like [`write_json`] of [`Ctx::export`], without
    /// building the JSON tree).
    pub(crate) fn export_text(&self, v: &Val, path: &str, budget: &mut usize) -> Result<String, Error> {
        let mut sink = TextSink::default();
        // most exported structs are a few hundred bytes: skip the first doublings
        sink.out.reserve(512);
        self.emit(v, &Path::Root(path), budget, 0, &mut sink)?;
        Ok(sink.out)
    }

    /// Export a value as the tree `yaml.Marshal` lays out (numbers as CUE's text).
    pub(crate) fn export_node(&self, v: &Val, path: &str, budget: &mut usize) -> Result<YamlNode, Error> {
        let mut sink = NodeSink::default();
        self.emit(v, &Path::Root(path), budget, 0, &mut sink)?;
        Ok(sink.out.unwrap_or(YamlNode::Null))
    }

    /// Check that a value exports (is concrete), without producing output.
    pub(crate) fn export_check(&self, v: &Val, path: &str, budget: &mut usize) -> Result<(), Error> {
        self.emit(v, &Path::Root(path), budget, 0, &mut NullSink)
    }

    fn emit<S: Sink>(
        &self,
        v: &Val,
        path: &Path<'_>,
        budget: &mut usize,
        depth: u32,
        sink: &mut S,
    ) -> Result<(), Error> {
        if depth > self.limits.max_depth {
            return Err(Error::Eval {
                pos: Pos::None,
                path: path.render(),
                msg: format!(
                    "structural cycle (value nested deeper than {})",
                    self.limits.max_depth
                ),
                incomplete: false,
            });
        }
        if *budget == 0 {
            return Err(Error::Limit(format!(
                "output larger than {} bytes",
                self.limits.max_output
            )));
        }
        *budget = budget.saturating_sub(8);
        let v = self.resolve(v.clone());
        if let Some(l) = self.limit_hit.borrow().as_ref() {
            return Err(Error::Limit(l.clone()));
        }
        match v {
            Val::Null => sink.null(),
            Val::Bool(b) => sink.bool(b),
            Val::Int(i) => {
                if let Ok(x) = i64::try_from(i) {
                    sink.i64(x)
                } else if let Ok(x) = u64::try_from(i) {
                    sink.u64(x)
                } else {
                    sink.num(&Num::from_i128(i))
                        .map_err(|m| self.eval_error(&Val::bottom(m, u32::MAX), &path.render()))?
                }
            }
            Val::Num(n) => {
                *budget = budget.saturating_sub(n.coeff.bits() as usize / 3);
                sink.num(&n)
                    .map_err(|m| self.eval_error(&Val::bottom(m, u32::MAX), &path.render()))?
            }
            Val::Str(s) => {
                *budget = budget.saturating_sub(s.len());
                sink.str(&s)
            }
            Val::Bytes(b) => {
                use base64::Engine;
                sink.bytes(&base64::engine::general_purpose::STANDARD.encode(&*b))
            }
            Val::List(l) => {
                sink.begin_list(l.elems.len());
                for (i, e) in l.elems.iter().enumerate() {
                    sink.elem(i);
                    self.emit(e, &Path::Index(path, i), budget, depth + 1, sink)?;
                }
                sink.end_list();
            }
            Val::Struct(id) => {
                if self.export_stack.borrow().contains(&id) {
                    return Err(Error::Eval {
                        pos: Pos::None,
                        path: path.render(),
                        msg: "structural cycle".into(),
                        incomplete: false,
                    });
                }
                self.export_stack.borrow_mut().push(id);
                let r = self.emit_struct(id, path, budget, depth, sink);
                self.export_stack.borrow_mut().pop();
                r?
            }
            Val::Bottom(_) => return Err(self.eval_error(&v, &path.render())),
            other => {
                return Err(Error::Eval {
                    pos: Pos::None,
                    path: path.render(),
                    msg: format!("incomplete value {}", self.describe(&other)),
                    incomplete: true,
                });
            }
        }
        Ok(())
    }

    fn emit_struct<S: Sink>(
        &self,
        id: crate::value::NodeId,
        path: &Path<'_>,
        budget: &mut usize,
        depth: u32,
        sink: &mut S,
    ) -> Result<(), Error> {
        self.expand(id);
        let node = self.node(id);
        if let Some(e) = node.st.borrow().error.clone() {
            return Err(self.eval_error(&e, &path.render()));
        }
        if let Some(e) = self.validator_error(id) {
            return Err(self.eval_error(&e, &path.render()));
        }
        // the fields of an expanded node are fixed: walk them by index, without a copy
        let len = node.st.borrow().fields.len();
        sink.begin_obj();
        let mut count = 0;
        for i in 0..len {
            let Some((n, c)) = node
                .st
                .borrow()
                .fields
                .get_index(i)
                .map(|(k, s)| (k.clone(), s.constraint))
            else {
                break;
            };
            if n.starts_with('_') || n.starts_with('#') || c == Constraint::Optional {
                continue;
            }
            let text = crate::ast::label_text(&n);
            let sub = Path::Field(path, text);
            if c == Constraint::Required {
                return Err(Error::Eval {
                    pos: Pos::None,
                    path: sub.render(),
                    msg: "field is required but not present".into(),
                    incomplete: true,
                });
            }
            let Some((fv, _)) = self.field(id, &n) else {
                continue;
            };
            *budget = budget.saturating_sub(n.len());
            sink.key(count, text);
            count += 1;
            self.emit(&fv, &sub, budget, depth + 1, sink)?;
        }
        sink.end_obj();
        Ok(())
    }

    /// Turn an error value into an [`Error`].
    pub(crate) fn eval_error(&self, v: &Val, path: &str) -> Error {
        match v {
            Val::Bottom(b) => Error::Eval {
                pos: if b.pos == u32::MAX {
                    Pos::None
                } else {
                    Pos::Offset(b.pos as usize)
                },
                path: b.path.clone().unwrap_or_else(|| match &b.at {
                    Some((parent, name)) => {
                        let p = self.path_of(*parent);
                        if p.is_empty() {
                            name.to_string()
                        } else {
                            format!("{p}.{name}")
                        }
                    }
                    None => path.to_string(),
                }),
                msg: b.msg.clone(),
                incomplete: b.incomplete,
            },
            other => Error::Eval {
                pos: Pos::None,
                path: path.to_string(),
                msg: format!("incomplete value {}", self.describe(other)),
                incomplete: true,
            },
        }
    }
}

/// Path of the value being exported, rendered only when an error names it.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        match self {
            Path::Root(p) => p.to_string(),
            Path::Field(p, n) => {
                let p = p.render();
                if p.is_empty() {
                    n.to_string()
                } else {
                    format!("{p}.{n}")
                }
            }
            Path::Index(p, i) => format!("{}.{i}", p.render()),
        }
    }
}

/// Receiver of an export walk: values in order, `elem`/`key` before each list element or field.
trait Sink {
    fn null(&mut self);
    fn bool(&mut self, b: bool);
    fn i64(&mut self, x: i64);
    fn u64(&mut self, x: u64);
    /// A number that is not a small integer (an error when the sink cannot hold it).
    fn num(&mut self, n: &Num) -> Result<(), String>;
    fn str(&mut self, s: &str);
    /// Bytes, given as their base64 text (a string everywhere but in YAML).
    fn bytes(&mut self, b64: &str) {
        self.str(b64)
    }
    fn begin_list(&mut self, len: usize);
    /// Before element `i` of the current list.
    fn elem(&mut self, i: usize);
    fn end_list(&mut self);
    fn begin_obj(&mut self);
    /// Before the value of the `i`th exported field `k` of the current struct.
    fn key(&mut self, i: usize, k: &str);
    fn end_obj(&mut self);
}

/// Builds a [`Json`] tree.
#[derive(Default)]
struct JsonSink {
    /// Open lists and objects (with the key of the pending field).
    stack: Vec<(Json, Option<String>)>,
    out: Option<Json>,
}

impl JsonSink {
    fn put(&mut self, v: Json) {
        match self.stack.last_mut() {
            Some((Json::Array(a), _)) => a.push(v),
            Some((Json::Object(m), k)) => {
                m.insert(k.take().unwrap_or_default(), v);
            }
            _ => self.out = Some(v),
        }
    }
    fn finish(self) -> Json {
        self.out.unwrap_or(Json::Null)
    }
}

impl Sink for JsonSink {
    fn null(&mut self) {
        self.put(Json::Null)
    }
    fn bool(&mut self, b: bool) {
        self.put(Json::Bool(b))
    }
    fn i64(&mut self, x: i64) {
        self.put(Json::Number(x.into()))
    }
    fn u64(&mut self, x: u64) {
        self.put(Json::Number(x.into()))
    }
    fn num(&mut self, n: &Num) -> Result<(), String> {
        // serde_json holds 64-bit integers and f64s (as it does when parsing CUE's JSON text)
        if let Some(i) = n.to_i128().filter(|_| n.int) {
            if let Ok(x) = i64::try_from(i) {
                self.put(Json::Number(x.into()));
                return Ok(());
            }
            if let Ok(x) = u64::try_from(i) {
                self.put(Json::Number(x.into()));
                return Ok(());
            }
        }
        let f = n.to_f64();
        match Number::from_f64(f).filter(|_| f.is_finite()) {
            Some(x) => {
                self.put(Json::Number(x));
                Ok(())
            }
            None => Err(format!("number {n} is out of the range of a JSON float")),
        }
    }
    fn str(&mut self, s: &str) {
        self.put(Json::String(s.to_string()))
    }
    fn begin_list(&mut self, len: usize) {
        self.stack.push((Json::Array(Vec::with_capacity(len)), None))
    }
    fn elem(&mut self, _i: usize) {}
    fn end_list(&mut self) {
        if let Some((v, _)) = self.stack.pop() {
            self.put(v)
        }
    }
    fn begin_obj(&mut self) {
        self.stack.push((Json::Object(Map::new()), None))
    }
    fn key(&mut self, _i: usize, k: &str) {
        if let Some((_, key)) = self.stack.last_mut() {
            *key = Some(k.to_string());
        }
    }
    fn end_obj(&mut self) {
        if let Some((v, _)) = self.stack.pop() {
            self.put(v)
        }
    }
}

/// Writes compact JSON text, exactly as [`write_json`] writes the tree [`JsonSink`] builds.
#[derive(Default)]
struct TextSink {
    out: String,
}

impl Sink for TextSink {
    fn null(&mut self) {
        self.out.push_str("null")
    }
    fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" })
    }
    fn i64(&mut self, x: i64) {
        use std::fmt::Write;
        let _ = write!(self.out, "{x}");
    }
    fn u64(&mut self, x: u64) {
        use std::fmt::Write;
        let _ = write!(self.out, "{x}");
    }
    fn num(&mut self, n: &Num) -> Result<(), String> {
        use std::fmt::Write;
        let _ = write!(self.out, "{n}");
        Ok(())
    }
    fn str(&mut self, s: &str) {
        write_str(&mut self.out, s, false)
    }
    fn begin_list(&mut self, _len: usize) {
        self.out.push('[')
    }
    fn elem(&mut self, i: usize) {
        if i > 0 {
            self.out.push(',')
        }
    }
    fn end_list(&mut self) {
        self.out.push(']')
    }
    fn begin_obj(&mut self) {
        self.out.push('{')
    }
    fn key(&mut self, i: usize, k: &str) {
        if i > 0 {
            self.out.push(',')
        }
        write_str(&mut self.out, k, false);
        self.out.push(':');
    }
    fn end_obj(&mut self) {
        self.out.push('}')
    }
}

/// Builds a [`YamlNode`] tree.
#[derive(Default)]
struct NodeSink {
    /// Open sequences and mappings (with the key of the pending entry).
    stack: Vec<(YamlNode, Option<String>)>,
    out: Option<YamlNode>,
}

impl NodeSink {
    fn put(&mut self, v: YamlNode) {
        match self.stack.last_mut() {
            Some((YamlNode::Seq(a), _)) => a.push(v),
            Some((YamlNode::Map(m), k)) => m.push((k.take().unwrap_or_default(), v)),
            _ => self.out = Some(v),
        }
    }
}

impl Sink for NodeSink {
    fn null(&mut self) {
        self.put(YamlNode::Null)
    }
    fn bool(&mut self, b: bool) {
        self.put(YamlNode::Bool(b))
    }
    fn i64(&mut self, x: i64) {
        self.put(YamlNode::Num(x.to_string()))
    }
    fn u64(&mut self, x: u64) {
        self.put(YamlNode::Num(x.to_string()))
    }
    fn num(&mut self, n: &Num) -> Result<(), String> {
        self.put(YamlNode::Num(n.to_string()));
        Ok(())
    }
    fn str(&mut self, s: &str) {
        self.put(YamlNode::Str(s.to_string()))
    }
    fn bytes(&mut self, b64: &str) {
        self.put(YamlNode::Binary(b64.to_string()))
    }
    fn begin_list(&mut self, len: usize) {
        self.stack.push((YamlNode::Seq(Vec::with_capacity(len)), None))
    }
    fn elem(&mut self, _i: usize) {}
    fn end_list(&mut self) {
        if let Some((v, _)) = self.stack.pop() {
            self.put(v)
        }
    }
    fn begin_obj(&mut self) {
        self.stack.push((YamlNode::Map(Vec::new()), None))
    }
    fn key(&mut self, _i: usize, k: &str) {
        if let Some((_, key)) = self.stack.last_mut() {
            *key = Some(k.to_string());
        }
    }
    fn end_obj(&mut self) {
        if let Some((v, _)) = self.stack.pop() {
            self.put(v)
        }
    }
}

/// Discards the output (concreteness checks).
struct NullSink;

impl Sink for NullSink {
    fn null(&mut self) {}
    fn bool(&mut self, _b: bool) {}
    fn i64(&mut self, _x: i64) {}
    fn u64(&mut self, _x: u64) {}
    fn num(&mut self, _n: &Num) -> Result<(), String> {
        Ok(())
    }
    fn str(&mut self, _s: &str) {}
    fn begin_list(&mut self, _len: usize) {}
    fn elem(&mut self, _i: usize) {}
    fn end_list(&mut self) {}
    fn begin_obj(&mut self) {}
    fn key(&mut self, _i: usize, _k: &str) {}
    fn end_obj(&mut self) {}
}

pub use json_text::write_json;
use json_text::write_str;

/// Keep `Arc` imported for bytes conversion helpers used by builtins.
pub(crate) fn bytes_val(b: Vec<u8>) -> Val {
    Val::Bytes(Arc::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_export_matches_tree_export() {
        let src = r#"
a: "quote \" backslash \\ tab \t nl \n ctl \u0001 ls \u2028 ps \u2029 é ✓ <&>"
b: [1, -2, 3.5, 1e30, 0.000001, 1e-7, 9223372036854775807, 18446744073709551615, true, false, null]
c: {x: {}, y: [], z: [{p: 1}, [2, [3]]], _h: 1, #d: 2, o?: 3}
d: 'bytes'
"#;
        let p = crate::Program::compile("t.cue", src).unwrap();
        let inst = p.eval().unwrap();
        let root = inst.root();
        let text = root.to_json_string().unwrap();
        // the text keeps CUE's number digits; the tree holds what serde_json reads from it
        let tree = root.to_json().unwrap();
        assert_eq!(serde_json::from_str::<Json>(&text).unwrap(), tree);
        assert!(
            text.contains(r#""b":[1,-2,3.5,1E+30,0.000001,1E-7,9223372036854775807,18446744073709551615,"#),
            "{text}"
        );
        let no_floats = inst.lookup("c").unwrap();
        assert_eq!(
            no_floats.to_json_string().unwrap(),
            write_json(&no_floats.to_json().unwrap(), false, "")
        );
        assert!(text.contains(r#"ls \u2028 ps \u2029 é ✓ <&>","b"#), "{text}");
        assert!(root.is_concrete());
        // errors name the same path either way
        let p = crate::Program::compile("t.cue", "a: b: [1, {c: int}]").unwrap();
        let inst = p.eval().unwrap();
        let e1 = inst.root().to_json_string().unwrap_err().to_string();
        let e2 = inst.root().to_json().unwrap_err().to_string();
        assert_eq!(e1, e2);
        assert!(e1.contains("a.b.1.c"), "{e1}");
        assert!(!inst.root().is_concrete());
    }

    #[test]
    fn go_json_escapes_html() {
        let v: Json = serde_json::json!({"b": "<a&b>", "a": [1, 2.5]});
        assert_eq!(
            write_json(&v, true, ""),
            r#"{"b":"\u003ca\u0026b\u003e","a":[1,2.5]}"#
        );
    }
}
