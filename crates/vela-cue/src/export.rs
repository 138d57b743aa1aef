//! Export of values to JSON (in CUE's field order) and import of JSON values.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Map, Number, Value as Json};

use crate::ast::{Constraint, Name};
use crate::error::{Error, Pos};
use crate::eval::{Conj, Ctx};
use crate::value::{List, Val};

/// Format a float the way CUE prints it (shortest representation, always with a dot or exponent).
pub fn format_float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e21 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

impl Ctx {
    /// Convert a JSON value into an evaluator value.
    #[allow(clippy::wrong_self_convention)]
    pub(crate) fn from_json(&self, j: &Json) -> Val {
        match j {
            Json::Null => Val::Null,
            Json::Bool(b) => Val::Bool(*b),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Val::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Val::Int(u as i128)
                } else {
                    Val::Float(n.as_f64().unwrap_or(0.0))
                }
            }
            Json::String(s) => Val::Str(Name::from(s.as_str())),
            Json::Array(a) => Val::List(Rc::new(List {
                elems: a.iter().map(|e| self.from_json(e)).collect(),
                tail: None,
            })),
            Json::Object(m) => {
                let fields: Vec<(Name, Val)> = m
                    .iter()
                    .map(|(k, v)| (crate::ast::regular_name(k), self.from_json(v)))
                    .collect();
                Val::Struct(self.new_node(vec![Conj::fields(fields)], None, None))
            }
        }
    }

    /// Export a value as concrete JSON; `path` names it in errors.
    pub(crate) fn export(&self, v: &Val, path: &str, budget: &mut usize) -> Result<Json, Error> {
        self.export_at(v, path, budget, 0)
    }

    fn export_at(&self, v: &Val, path: &str, budget: &mut usize, depth: u32) -> Result<Json, Error> {
        if depth > self.limits.max_depth {
            return Err(Error::Eval {
                pos: Pos::None,
                path: path.to_string(),
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
        Ok(match v {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(b),
            Val::Int(i) => {
                if let Ok(x) = i64::try_from(i) {
                    Json::Number(x.into())
                } else if let Ok(x) = u64::try_from(i) {
                    Json::Number(x.into())
                } else {
                    return Err(self.eval_error(&Val::bottom("integer too large for JSON", u32::MAX), path));
                }
            }
            Val::Float(f) => match Number::from_f64(f) {
                Some(n) => Json::Number(n),
                None => return Err(self.eval_error(&Val::bottom("invalid float for JSON", u32::MAX), path)),
            },
            Val::Str(s) => {
                *budget = budget.saturating_sub(s.len());
                Json::String(s.to_string())
            }
            Val::Bytes(b) => {
                use base64::Engine;
                Json::String(base64::engine::general_purpose::STANDARD.encode(&*b))
            }
            Val::List(l) => {
                let mut out = Vec::with_capacity(l.elems.len());
                for (i, e) in l.elems.iter().enumerate() {
                    out.push(self.export_at(e, &format!("{path}.{i}"), budget, depth + 1)?);
                }
                Json::Array(out)
            }
            Val::Struct(id) => {
                if self.export_stack.borrow().contains(&id) {
                    return Err(Error::Eval {
                        pos: Pos::None,
                        path: path.to_string(),
                        msg: "structural cycle".into(),
                        incomplete: false,
                    });
                }
                self.export_stack.borrow_mut().push(id);
                let r = self.export_struct(id, path, budget, depth);
                self.export_stack.borrow_mut().pop();
                r?
            }
            Val::Bottom(_) => return Err(self.eval_error(&v, path)),
            other => {
                return Err(Error::Eval {
                    pos: Pos::None,
                    path: path.to_string(),
                    msg: format!("incomplete value {}", self.describe(&other)),
                    incomplete: true,
                });
            }
        })
    }

    fn export_struct(
        &self,
        id: crate::value::NodeId,
        path: &str,
        budget: &mut usize,
        depth: u32,
    ) -> Result<Json, Error> {
        self.expand(id);
        let node = self.node(id);
        if let Some(e) = node.st.borrow().error.clone() {
            return Err(self.eval_error(&e, path));
        }
        if let Some(e) = self.validator_error(id) {
            return Err(self.eval_error(&e, path));
        }
        let names: Vec<(Name, Constraint)> = node
            .st
            .borrow()
            .fields
            .iter()
            .map(|(k, s)| (k.clone(), s.constraint))
            .collect();
        let mut m = Map::new();
        for (n, c) in names {
            if n.starts_with('_') || n.starts_with('#') || c == Constraint::Optional {
                continue;
            }
            let text = crate::ast::label_text(&n);
            let sub = if path.is_empty() {
                text.to_string()
            } else {
                format!("{path}.{text}")
            };
            if c == Constraint::Required {
                return Err(Error::Eval {
                    pos: Pos::None,
                    path: sub,
                    msg: "field is required but not present".into(),
                    incomplete: true,
                });
            }
            let Some((fv, _)) = self.field(id, &n) else {
                continue;
            };
            *budget = budget.saturating_sub(n.len());
            let j = self.export_at(&fv, &sub, budget, depth + 1)?;
            m.insert(text.to_string(), j);
        }
        Ok(Json::Object(m))
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

/// Write JSON like Go's `encoding/json` (`json.Marshal` when `indent` is empty, otherwise
/// `json.MarshalIndent` with that indent): keys in the given order, `<`, `>`, `&`, U+2028 and U+2029
/// escaped when `html` is set.
pub fn write_json(v: &Json, html: bool, indent: &str) -> String {
    let mut out = String::new();
    write_value(&mut out, v, html, indent, 0);
    out
}

fn newline(out: &mut String, indent: &str, level: usize) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

fn write_value(out: &mut String, v: &Json, html: bool, indent: &str, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                out.push_str(&go_float(f));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Json::String(s) => write_str(out, s, html),
        Json::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_value(out, e, html, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Json::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_str(out, k, html);
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                write_value(out, e, html, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// Go's float formatting in encoding/json.
fn go_float(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format!("{f:e}");
        // Go prints e+XX / e-XX with at least two exponent digits
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = if let Some(d) = e.strip_prefix('-') {
            ('-', d)
        } else {
            ('+', e)
        };
        let digits = if digits.len() < 2 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        format!("{m}e{sign}{digits}")
    } else {
        format!("{f}")
    }
}

fn write_str(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Keep `Arc` imported for bytes conversion helpers used by builtins.
pub(crate) fn bytes_val(b: Vec<u8>) -> Val {
    Val::Bytes(Arc::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_escapes_html() {
        let v: Json = serde_json::json!({"b": "<a&b>", "a": [1, 2.5]});
        assert_eq!(
            write_json(&v, true, ""),
            r#"{"b":"\u003ca\u0026b\u003e","a":[1,2.5]}"#
        );
    }
}
