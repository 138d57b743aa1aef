//! Expressions in workflows: `if` conditions and `outputs[].valueFrom`.
//!
//! KubeVela evaluates both as CUE. The engine asks an [`Evaluator`], so the CUE evaluator of
//! `vela-cue` ([`Cue`], feature `cue`, on by default) plugs in without the engine knowing CUE.
//! [`Paths`] is the evaluator used when no
//! CUE evaluator is configured: it understands references (`status.s1.succeeded`,
//! `output.value.metadata.name`, `"quoted-label".x[0]`) and the literals `true`/`false`, and
//! refuses everything else with [`Error::Unsupported`] rather than guessing.

use serde_json::Value;

#[cfg(feature = "cue")]
mod cue;
#[cfg(feature = "cue")]
pub use cue::Cue;

/// An expression could not be evaluated.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The evaluator does not support this kind of expression.
    #[error(
        "expression {expr:?} needs a CUE evaluator: the path evaluator reads references and true/false only"
    )]
    Unsupported {
        /// The expression.
        expr: String,
    },
    /// The expression is invalid or does not evaluate to what was needed.
    #[error("invalid expression {expr:?}: {message}")]
    Invalid {
        /// The expression.
        expr: String,
        /// What is wrong.
        message: String,
    },
}

/// Evaluates workflow expressions against a scope (a JSON object whose fields are in scope).
pub trait Evaluator: Send + Sync + 'static {
    /// Evaluates an `if` condition to a boolean.
    ///
    /// # Errors
    /// When `expr` is invalid, refers to something missing, or is not a boolean. The engine then
    /// skips the step with the message `pre check error: ...`, like KubeVela.
    fn eval_bool(&self, expr: &str, scope: &Value) -> Result<bool, Error>;

    /// Evaluates a `valueFrom` expression. `Ok(None)` means it refers to a field that does not
    /// exist (the engine then tries KubeVela's `$returns` fallback).
    ///
    /// # Errors
    /// When `expr` is invalid.
    fn eval_value(&self, expr: &str, scope: &Value) -> Result<Option<Value>, Error>;
}

/// The reference-only evaluator (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Paths;

impl Evaluator for Paths {
    fn eval_bool(&self, expr: &str, scope: &Value) -> Result<bool, Error> {
        match expr.trim() {
            "true" => return Ok(true),
            "false" => return Ok(false),
            _ => {}
        }
        match self.eval_value(expr, scope)? {
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(Error::Invalid {
                expr: expr.to_owned(),
                message: format!("expected a boolean, found {other}"),
            }),
            None => Err(Error::Invalid {
                expr: expr.to_owned(),
                message: "reference does not exist".to_owned(),
            }),
        }
    }

    fn eval_value(&self, expr: &str, scope: &Value) -> Result<Option<Value>, Error> {
        let path = parse_path(expr.trim()).ok_or_else(|| Error::Unsupported {
            expr: expr.to_owned(),
        })?;
        let mut cur = scope;
        for seg in &path {
            cur = match (seg, cur) {
                (Seg::Field(f), Value::Object(m)) => match m.get(f) {
                    Some(v) => v,
                    None => return Ok(None),
                },
                (Seg::Index(i), Value::Array(a)) => match a.get(*i) {
                    Some(v) => v,
                    None => return Ok(None),
                },
                _ => return Ok(None),
            };
        }
        Ok(Some(cur.clone()))
    }
}

#[derive(Debug, PartialEq)]
enum Seg {
    Field(String),
    Index(usize),
}

/// Parses `a.b."c d"[0].e` into segments; `None` if it is not a plain reference.
fn parse_path(s: &str) -> Option<Vec<Seg>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let mut expect_label = true;
    while i < b.len() {
        match b[i] {
            b'.' if !expect_label => {
                expect_label = true;
                i += 1;
            }
            b'[' if !expect_label => {
                let end = s[i..].find(']')? + i;
                out.push(Seg::Index(s[i + 1..end].trim().parse().ok()?));
                i = end + 1;
            }
            b'"' if expect_label => {
                let end = s[i + 1..].find('"')? + i + 1;
                out.push(Seg::Field(s[i + 1..end].to_owned()));
                i = end + 1;
                expect_label = false;
            }
            c if expect_label && (c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'#') => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'#')) {
                    i += 1;
                }
                let ident = &s[start..i];
                if matches!(ident, "true" | "false" | "null") && out.is_empty() {
                    return None;
                }
                out.push(Seg::Field(ident.to_owned()));
                expect_label = false;
            }
            _ => return None,
        }
    }
    (!expect_label && !out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_references_and_refuse_the_rest() {
        let scope = json!({"status": {"s1": {"succeeded": true, "phase": "succeeded"}},
            "output": {"$returns": {"value": [1, {"x": "y"}]}}, "a-b": {"c": 1}});
        let p = Paths;
        assert!(p.eval_bool("status.s1.succeeded", &scope).unwrap());
        assert!(p.eval_bool("true", &scope).unwrap());
        assert_eq!(
            p.eval_value("output.$returns.value[1].x", &scope).unwrap(),
            Some(json!("y"))
        );
        assert_eq!(p.eval_value("\"a-b\".c", &scope).unwrap(), Some(json!(1)));
        assert_eq!(p.eval_value("status.s2.phase", &scope).unwrap(), None);
        assert!(p.eval_bool("status.s1.phase", &scope).is_err());
        assert!(matches!(
            p.eval_bool("inputs.x == \"app\"", &scope),
            Err(Error::Unsupported { .. })
        ));
        assert!(matches!(
            p.eval_bool("!status.s1.failed", &scope),
            Err(Error::Unsupported { .. })
        ));
    }
}
