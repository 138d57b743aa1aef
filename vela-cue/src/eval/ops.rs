//! Binary operators: comparison, logic, arithmetic, regular expressions.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{Ctx, Env};
use crate::ast::{Expr, ExprKind, Op};
use crate::num::Num;
use crate::value::Val;

/// Equality of two concrete scalars (`None` when not comparable).
pub(crate) fn compare_eq(a: &Val, b: &Val) -> Option<bool> {
    Some(match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Num(_), Val::Int(_) | Val::Num(_)) | (Val::Int(_), Val::Num(_)) => {
            num_cmp(a, b)? == Ordering::Equal
        }
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Bytes(x), Val::Bytes(y)) => x == y,
        (x, y) if x.is_scalar() && y.is_scalar() => false,
        _ => return None,
    })
}

/// Ordering of two numbers or two strings.
pub(crate) fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Num(_), Val::Int(_) | Val::Num(_)) | (Val::Int(_), Val::Num(_)) => num_cmp(a, b),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bytes(x), Val::Bytes(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn is_bottom_lit(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Bottom => true,
        ExprKind::Paren(x) => is_bottom_lit(x),
        _ => false,
    }
}

impl Ctx {
    pub(crate) fn binary(&self, op: Op, a: &Expr, b: &Expr, env: &Env, pos: u32) -> Val {
        // existence tests `x == _|_` / `x != _|_`
        if matches!(op, Op::Eq | Op::Ne) && (is_bottom_lit(a) || is_bottom_lit(b)) {
            let other = if is_bottom_lit(a) { b } else { a };
            let is_err = self.is_error(other, env);
            return Val::Bool(if op == Op::Eq { is_err } else { !is_err });
        }
        if matches!(op, Op::LAnd | Op::LOr) {
            let x = self.resolve(self.eval(a, env));
            match x {
                Val::Bool(xb) => {
                    if (op == Op::LAnd && !xb) || (op == Op::LOr && xb) {
                        return Val::Bool(xb);
                    }
                    let y = self.resolve(self.eval(b, env));
                    return match y {
                        Val::Bool(yb) => Val::Bool(yb),
                        Val::Bottom(e) => Val::Bottom(e),
                        y if !self.is_concrete(&y) => {
                            Val::incomplete("incomplete operand of logical operator", pos)
                        }
                        y => Val::bottom(
                            format!(
                                "invalid operand {} for {} (expected bool)",
                                self.describe(&y),
                                op.text()
                            ),
                            pos,
                        ),
                    };
                }
                Val::Bottom(e) => return Val::Bottom(e),
                x if !self.is_concrete(&x) => {
                    return Val::incomplete("incomplete operand of logical operator", pos);
                }
                x => {
                    return Val::bottom(
                        format!(
                            "invalid operand {} for {} (expected bool)",
                            self.describe(&x),
                            op.text()
                        ),
                        pos,
                    );
                }
            }
        }
        let x = self.resolve(self.eval(a, env));
        let y = self.resolve(self.eval(b, env));
        self.apply_binary(op, x, y, pos)
    }

    pub(crate) fn apply_binary(&self, op: Op, x: Val, y: Val, pos: u32) -> Val {
        if let Val::Bottom(e) = x {
            return Val::Bottom(e);
        }
        if let Val::Bottom(e) = y {
            return Val::Bottom(e);
        }
        let concrete = |v: &Val| v.is_scalar() || matches!(v, Val::List(_) | Val::Struct(_));
        if !concrete(&x) || !concrete(&y) {
            return Val::incomplete(
                format!(
                    "operand of {} is not concrete: {} {} {}",
                    op.text(),
                    self.describe(&x),
                    op.text(),
                    self.describe(&y)
                ),
                pos,
            );
        }
        let mismatch = || {
            Val::bottom(
                format!(
                    "invalid operands {} and {} to '{}'",
                    self.describe(&x),
                    self.describe(&y),
                    op.text()
                ),
                pos,
            )
        };
        match op {
            Op::Eq | Op::Ne => {
                let eq = match self.deep_eq(&x, &y) {
                    Some(e) => e,
                    None => return mismatch(),
                };
                Val::Bool(if op == Op::Eq { eq } else { !eq })
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let Some(o) = order(&x, &y) else { return mismatch() };
                Val::Bool(match op {
                    Op::Lt => o == Ordering::Less,
                    Op::Le => o != Ordering::Greater,
                    Op::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                })
            }
            Op::Match | Op::NotMatch => match (&x, &y) {
                (Val::Str(s), Val::Str(re)) => match self.regex(re) {
                    Some(r) => Val::Bool(r.is_match(s) == (op == Op::Match)),
                    None => Val::bottom(format!("invalid regular expression {re:?}"), pos),
                },
                _ => mismatch(),
            },
            Op::Add => match (&x, &y) {
                (Val::Int(a), Val::Int(b)) => match a.checked_add(*b) {
                    Some(c) if c.unsigned_abs() < EXACT => Val::Int(c),
                    _ => num_op(&x, &y, pos, Num::add).unwrap_or_else(mismatch),
                },
                (Val::Str(a), Val::Str(b)) => {
                    if let Err(e) = self.charge_value(a.len() + b.len(), "string", pos) {
                        return e;
                    }
                    let mut s = String::with_capacity(a.len() + b.len());
                    s.push_str(a);
                    s.push_str(b);
                    Val::Str(s.into())
                }
                (Val::Bytes(a), Val::Bytes(b)) => {
                    if let Err(e) = self.charge_value(a.len() + b.len(), "bytes", pos) {
                        return e;
                    }
                    let mut v = a.to_vec();
                    v.extend_from_slice(b);
                    Val::Bytes(Arc::from(v))
                }
                (Val::List(a), Val::List(b)) if self.limits.list_arithmetic => {
                    if let Err(e) = self.charge_value(
                        (a.elems.len() + b.elems.len()) * std::mem::size_of::<Val>(),
                        "list",
                        pos,
                    ) {
                        return e;
                    }
                    let mut elems = a.elems.clone();
                    elems.extend(b.elems.iter().cloned());
                    Val::List(std::rc::Rc::new(crate::value::List { elems, tail: None }))
                }
                // CUE v0.11 removed list arithmetic
                (Val::List(_), Val::List(_)) => Val::bottom(
                    "Addition of lists is superseded by list.Concat; see \
                     https://cuelang.org/e/v0.11-list-arithmetic",
                    pos,
                ),
                _ => num_op(&x, &y, pos, Num::add).unwrap_or_else(mismatch),
            },
            Op::Sub => match (&x, &y) {
                (Val::Int(a), Val::Int(b)) => match a.checked_sub(*b) {
                    Some(c) if c.unsigned_abs() < EXACT => Val::Int(c),
                    _ => num_op(&x, &y, pos, Num::sub).unwrap_or_else(mismatch),
                },
                _ => num_op(&x, &y, pos, Num::sub).unwrap_or_else(mismatch),
            },
            Op::Mul => match (&x, &y) {
                // (a zero product of a negative operand is `-0`: the slow path keeps its sign)
                (Val::Int(a), Val::Int(b)) => match a.checked_mul(*b) {
                    Some(c) if c.unsigned_abs() < EXACT && (c != 0 || (*a >= 0 && *b >= 0)) => Val::Int(c),
                    _ => num_op(&x, &y, pos, Num::mul).unwrap_or_else(mismatch),
                },
                (Val::Str(s), Val::Int(n)) | (Val::Int(n), Val::Str(s)) => {
                    match repeat_count(*n, s.len(), self.limits.max_output, pos)
                        .and_then(|n| self.charge_value(n * s.len(), "string", pos).map(|()| n))
                    {
                        Ok(n) => Val::Str(s.repeat(n).into()),
                        Err(e) => e,
                    }
                }
                (Val::Bytes(s), Val::Int(n)) | (Val::Int(n), Val::Bytes(s)) => {
                    match repeat_count(*n, s.len(), self.limits.max_output, pos)
                        .and_then(|n| self.charge_value(n * s.len(), "bytes", pos).map(|()| n))
                    {
                        Ok(n) => Val::Bytes(Arc::from(s.repeat(n))),
                        Err(e) => e,
                    }
                }
                (Val::List(l), Val::Int(n)) | (Val::Int(n), Val::List(l)) if self.limits.list_arithmetic => {
                    match repeat_count(*n, l.elems.len().max(1), self.limits.max_output, pos).and_then(|n| {
                        self.charge_value(n * l.elems.len() * std::mem::size_of::<Val>(), "list", pos)
                            .map(|()| n)
                    }) {
                        Ok(n) => {
                            let mut elems = Vec::with_capacity(n * l.elems.len());
                            for _ in 0..n {
                                elems.extend(l.elems.iter().cloned());
                            }
                            Val::List(std::rc::Rc::new(crate::value::List { elems, tail: None }))
                        }
                        Err(e) => e,
                    }
                }
                (Val::List(_), Val::Int(_)) | (Val::Int(_), Val::List(_)) => Val::bottom(
                    "Multiplication of lists is superseded by list.Repeat; see \
                     https://cuelang.org/e/v0.11-list-arithmetic",
                    pos,
                ),
                _ => num_op(&x, &y, pos, Num::mul).unwrap_or_else(mismatch),
            },
            Op::Div => num_op(&x, &y, pos, Num::quo).unwrap_or_else(mismatch),
            Op::IntDiv | Op::IntMod | Op::IntQuo | Op::IntRem => {
                let kinds = (x.kind(), y.kind());
                if kinds != (crate::value::kind::INT, crate::value::kind::INT) {
                    return Val::bottom(
                        format!(
                            "invalid operands {} and {} to '{}' (type {} and {})",
                            self.describe(&x),
                            self.describe(&y),
                            op.text(),
                            crate::value::kind::name(kinds.0),
                            crate::value::kind::name(kinds.1)
                        ),
                        pos,
                    );
                }
                let f = match op {
                    Op::IntDiv => crate::num::IntOp::Div,
                    Op::IntMod => crate::num::IntOp::Mod,
                    Op::IntQuo => crate::num::IntOp::Quo,
                    _ => crate::num::IntOp::Rem,
                };
                num_op(&x, &y, pos, |a, b| a.int_op(f, b)).unwrap_or_else(mismatch)
            }
            _ => mismatch(),
        }
    }

    /// Deep equality of concrete values (`None` when not comparable).
    pub(crate) fn deep_eq(&self, x: &Val, y: &Val) -> Option<bool> {
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth || !self.tick() {
            return None;
        }
        self.depth.set(d);
        let r = self.deep_eq_inner(x, y);
        self.depth.set(d - 1);
        r
    }

    fn deep_eq_inner(&self, x: &Val, y: &Val) -> Option<bool> {
        match (x, y) {
            (Val::List(a), Val::List(b)) => {
                if a.elems.len() != b.elems.len() {
                    return Some(false);
                }
                for (p, q) in a.elems.iter().zip(b.elems.iter()) {
                    let p = self.resolve(p.clone());
                    let q = self.resolve(q.clone());
                    if !self.deep_eq(&p, &q)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            (Val::Struct(a), Val::Struct(b)) => {
                let fa = self.regular_fields(*a);
                let fb = self.regular_fields(*b);
                if fa.len() != fb.len() {
                    return Some(false);
                }
                for (n, v) in fa {
                    let Some((_, w)) = fb.iter().find(|(m, _)| *m == n) else {
                        return Some(false);
                    };
                    let v = self.resolve(v);
                    let w = self.resolve(w.clone());
                    if !self.deep_eq(&v, &w)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            (a, b) if a.is_scalar() && b.is_scalar() => {
                if a.kind() != b.kind() && !(a.is_number() && b.is_number()) {
                    return Some(false);
                }
                compare_eq(a, b)
            }
            (Val::List(_) | Val::Struct(_), b) if b.is_scalar() => Some(false),
            (a, Val::List(_) | Val::Struct(_)) if a.is_scalar() => Some(false),
            _ => None,
        }
    }
}

/// The count of a string or bytes repetition `s * n`: CUE converts `n` to a Go uint64; the result
/// must also fit the output limit.
fn repeat_count(n: i128, unit: usize, max_output: usize, pos: u32) -> Result<usize, Val> {
    if u64::try_from(n).is_err() {
        return Err(Val::bottom(format!("cannot convert number {n} to uint64"), pos));
    }
    match usize::try_from(n) {
        Ok(n) if n.saturating_mul(unit) <= max_output => Ok(n),
        _ => Err(Val::bottom(
            format!("repeat count {n} makes a value over the output limit"),
            pos,
        )),
    }
}

/// Integer results below this magnitude (`10^34`, CUE's 34 significant digits) are exact in
/// the fast `i128` path; larger ones take the decimal path, which rounds like CUE.
const EXACT: u128 = 10u128.pow(crate::num::PRECISION as u32);

/// Numeric order of two number values.
fn num_cmp(a: &Val, b: &Val) -> Option<Ordering> {
    let (x, y) = (a.as_num()?, b.as_num()?);
    Some(x.cmp_value(&y))
}

/// A number operation on two number values (`None` when one is not a number).
fn num_op(
    x: &Val,
    y: &Val,
    pos: u32,
    f: impl Fn(&Num, &Num) -> Result<Num, crate::num::Error>,
) -> Option<Val> {
    let (a, b) = (x.as_num()?, y.as_num()?);
    let r = f(&a, &b);
    Some(match r {
        Ok(n) => Val::num(n),
        Err(e) => Val::bottom(e.to_string(), pos),
    })
}
