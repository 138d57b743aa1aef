//! Reading evaluated CUE values the way CUE's OpenAPI encoder does: the expression behind a
//! value, its alternatives and conjuncts, its doc comment, its number format and `type`.

use serde_json::Value as Json;
use vela_cue::Bound;
use vela_cue::{Kind, Value};

/// CUE's `Value.Expr` for an evaluated value: a disjunction (without the defaults another
/// alternative already allows), a conjunction of constraints, or the value itself.
pub(super) enum Expr<'a> {
    Or(Vec<Value<'a>>),
    And(Vec<Value<'a>>),
    /// A disjunction with one alternative left: CUE's `NoOp` with that one argument, which
    /// splitting takes as it is.
    Single(Value<'a>),
    Leaf,
}

pub(super) fn expr<'a>(v: &Value<'a>) -> Expr<'a> {
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
pub(super) fn subsumes(general: &Value<'_>, specific: &Value<'_>) -> bool {
    if general.possible_kinds().len() == 8 {
        return true;
    }
    match specific.to_json() {
        Ok(s) => general.unify(specific).to_json().is_ok_and(|u| u == s),
        Err(_) => false,
    }
}

/// Splits `v` into its `&` (or `|`) parts, recursively (CUE's `appendSplit`).
pub(super) fn split_and<'a>(v: &Value<'a>) -> Vec<Value<'a>> {
    match expr(v) {
        Expr::And(parts) => tightest_bounds(parts.iter().flat_map(split_and).collect()),
        Expr::Single(k) => vec![k],
        _ => vec![v.clone()],
    }
}

/// CUE keeps only the tightest lower and upper number bounds of a conjunction
/// (`int32 & >=0` is `>=0 & <=2147483647 & int`).
pub(super) fn tightest_bounds(parts: Vec<Value<'_>>) -> Vec<Value<'_>> {
    let num = |v: &Value<'_>| -> Option<(Bound, f64)> {
        let (op, x) = v.bound()?;
        let n = x.to_json().ok()?.as_f64()?;
        matches!(op, Bound::Ge | Bound::Gt | Bound::Le | Bound::Lt).then_some((op, n))
    };
    // (op, n) is tighter than (op2, m) on the same side
    let tighter = |(op, n): (Bound, f64), (op2, m): (Bound, f64)| match op {
        Bound::Ge | Bound::Gt => n > m || (n == m && op == Bound::Gt && op2 == Bound::Ge),
        _ => n < m || (n == m && op == Bound::Lt && op2 == Bound::Le),
    };
    let lower = |op: Bound| matches!(op, Bound::Ge | Bound::Gt);
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
    let mut seen: Vec<(Bound, f64)> = Vec::new();
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

pub(super) fn split_or<'a>(v: &Value<'a>) -> Vec<Value<'a>> {
    match expr(v) {
        Expr::Or(parts) => parts.iter().flat_map(split_or).collect(),
        Expr::Single(k) => vec![k],
        _ => vec![v.clone()],
    }
}

/// Concrete without a default and not a struct or list (CUE's `IsConcrete` as the encoder
/// uses it).
pub(super) fn is_scalar(v: &Value<'_>) -> bool {
    v.disjuncts().is_empty()
        && matches!(
            v.to_json(),
            Ok(Json::Null | Json::Bool(_) | Json::Number(_) | Json::String(_))
        )
}

pub(super) fn is_null(v: &Value<'_>) -> bool {
    v.disjuncts().is_empty() && matches!(v.to_json(), Ok(Json::Null))
}

/// The doc comment the way CUE's `Value.Doc` + the encoder's `getDoc` give it: each group's
/// text (comment markers and the first space removed, trailing spaces cut), groups joined by a
/// blank line, trimmed.
pub(super) fn doc(v: &Value<'_>) -> Option<String> {
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
pub(super) fn extract_format(v: &Value<'_>) -> Option<&'static str> {
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
            Some((Bound::Ge, n)) => lo = n.to_json().ok().and_then(|n| n.as_f64()),
            Some((Bound::Le, n)) => hi = n.to_json().ok().and_then(|n| n.as_f64()),
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
pub(super) fn format_bounds(format: &str) -> Option<(f64, f64)> {
    match format {
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "int64" => Some((i64::MIN as f64, i64::MAX as f64)),
        "float" => Some((-f64::from(f32::MAX), f64::from(f32::MAX))),
        "double" => Some((-f64::MAX, f64::MAX)),
        _ => None,
    }
}

pub(super) fn kind_is(kinds: &[Kind], k: Kind) -> bool {
    kinds.len() == 1 && kinds[0] == k
}

/// The `type` for the kinds a value may take (`null` aside), if there is exactly one.
pub(super) fn type_name(kinds: &[Kind]) -> Option<&'static str> {
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

/// Whether two alternatives of one disjunction are the same one.
pub(super) fn same_alt(a: &Value<'_>, b: &Value<'_>) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Whether two gathered values are the same (CUE's `Value.Equals` on the core's values).
pub(super) fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    a.path() == b.path()
        && a.disjuncts().len() == b.disjuncts().len()
        && a.possible_kinds() == b.possible_kinds()
}
