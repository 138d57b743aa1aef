//! Unification (the lattice meet) of two values.

use std::rc::Rc;

use super::{Ctx, compare_eq};
use crate::ast::Op;
use crate::value::{Disj, List, Val, kind};

impl Ctx {
    /// `a & b`.
    pub(crate) fn unify(&self, a: Val, b: Val) -> Val {
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth {
            self.hit_limit(format!("evaluation deeper than {}", self.limits.max_depth));
            return Val::bottom("evaluation depth limit exceeded", u32::MAX);
        }
        self.depth.set(d);
        let r = self.unify_inner(a, b);
        self.depth.set(d - 1);
        r
    }

    fn unify_inner(&self, a: Val, b: Val) -> Val {
        match (a, b) {
            (Val::Top, x) | (x, Val::Top) => x,
            (Val::Bottom(e), _) | (_, Val::Bottom(e)) => Val::Bottom(e),
            (Val::Disj(d), x) | (x, Val::Disj(d)) => self.unify_disj(&d, x),
            (Val::Struct(a), Val::Struct(b)) => {
                if a == b {
                    return Val::Struct(a);
                }
                let na = self.node(a);
                let nb = self.node(b);
                let mut conjs = na.base_conjs();
                conjs.extend(nb.base_conjs());
                Val::Struct(self.new_node(
                    conjs,
                    na.parent.or(nb.parent),
                    na.label.clone().or(nb.label.clone()),
                ))
            }
            (Val::List(a), Val::List(b)) => self.unify_list(&a, &b),
            (Val::Struct(id), x) | (x, Val::Struct(id)) => {
                match &x {
                    Val::Kind(k) if k & kind::STRUCT != 0 => return Val::Struct(id),
                    Val::Bound(Op::Ne, _) => return Val::Struct(id),
                    // a struct validator is checked once the struct is complete (end of expansion)
                    Val::Validator(v) if v.kind & kind::STRUCT != 0 => {
                        let n = self.node(id);
                        let mut conjs = n.base_conjs();
                        conjs.push(super::Conj::validator(x.clone()));
                        return Val::Struct(self.new_node(conjs, n.parent, n.label.clone()));
                    }
                    Val::Conj(cs) if cs.iter().all(|c| c.kind() & kind::STRUCT != 0) => {
                        return cs
                            .iter()
                            .fold(Val::Struct(id), |acc, c| self.unify(acc, c.clone()));
                    }
                    _ => {}
                }
                let n = self.norm(Val::Struct(id));
                if let Val::Struct(_) = n {
                    self.conflict(&n, &x)
                } else {
                    self.unify(n, x)
                }
            }
            (Val::List(l), x) | (x, Val::List(l)) => match x {
                Val::Kind(k) if k & kind::LIST != 0 => Val::List(l),
                Val::Bound(Op::Ne, _) => Val::List(l),
                // an open list may still get elements: keep the validator beside it
                Val::Validator(v) if v.kind & kind::LIST != 0 && l.tail.is_some() => {
                    Val::Conj(vec![Val::List(l), Val::Validator(v)].into())
                }
                Val::Validator(v) if v.kind & kind::LIST != 0 => self.run_validator(&v, Val::List(l)),
                Val::Conj(cs) if cs.iter().all(|c| c.kind() & kind::LIST != 0) => {
                    cs.iter().fold(Val::List(l), |acc, c| self.unify(acc, c.clone()))
                }
                x => self.conflict(&Val::List(l), &x),
            },
            (a, b) if a.is_scalar() && b.is_scalar() => {
                if compare_eq(&a, &b) == Some(true) && a.kind() == b.kind() {
                    a
                } else {
                    self.conflict(&a, &b)
                }
            }
            (a, b) if a.is_scalar() => self.check(a, &b),
            (a, b) if b.is_scalar() => self.check(b, &a),
            (Val::Func(a), Val::Func(b)) if a == b => Val::Func(a),
            (Val::Pkg(a), Val::Pkg(b)) if a == b => Val::Pkg(a),
            (a, b) => self.meet_constraints(a, b),
        }
    }

    fn conflict(&self, a: &Val, b: &Val) -> Val {
        let (ka, kb) = (a.kind(), b.kind());
        if ka & kb == 0 {
            Val::bottom(
                format!(
                    "conflicting values {} and {} (mismatched types {} and {})",
                    self.describe(a),
                    self.describe(b),
                    kind::name(ka),
                    kind::name(kb)
                ),
                u32::MAX,
            )
        } else {
            Val::bottom(
                format!("conflicting values {} and {}", self.describe(a), self.describe(b)),
                u32::MAX,
            )
        }
    }

    /// Check a concrete scalar against a constraint (type, bound, conjunction of those).
    fn check(&self, x: Val, c: &Val) -> Val {
        match c {
            Val::Kind(k) => {
                if x.kind() & k != 0 {
                    x
                } else {
                    self.conflict(c, &x)
                }
            }
            Val::Bound(op, b) => {
                if self.bound_ok(*op, b, &x) {
                    x
                } else if x.kind() & c.kind() == 0 && *op != Op::Ne {
                    self.conflict(c, &x)
                } else {
                    Val::bottom(
                        format!(
                            "invalid value {} (out of bound {})",
                            self.describe(&x),
                            self.describe(c)
                        ),
                        u32::MAX,
                    )
                }
            }
            Val::Conj(cs) => {
                let mut x = x;
                for c in cs.iter() {
                    x = self.check(x, c);
                    if x.is_bottom() {
                        break;
                    }
                }
                x
            }
            Val::Validator(v) if x.kind() & v.kind != 0 => self.run_validator(v, x),
            Val::Func(_) | Val::Pkg(_) => self.conflict(c, &x),
            other => self.conflict(other, &x),
        }
    }

    /// Apply a builtin validator to a (complete) value: the value itself, or an error.
    pub(crate) fn run_validator(&self, v: &crate::value::Validator, x: Val) -> Val {
        let mut args = Vec::with_capacity(v.args.len() + 1);
        args.push(x.clone());
        args.extend(v.args.iter().cloned());
        match crate::builtins::call(self, &v.name, args, u32::MAX) {
            Val::Bool(true) => x,
            Val::Bool(false) => Val::bottom(
                format!(
                    "invalid value {} (does not satisfy {})",
                    self.describe(&x),
                    self.describe(&Val::Validator(Rc::new(v.clone())))
                ),
                u32::MAX,
            ),
            Val::Bottom(b) => Val::Bottom(b),
            other => Val::bottom(
                format!("validator {} returned {}", v.name, self.describe(&other)),
                u32::MAX,
            ),
        }
    }

    pub(crate) fn bound_ok(&self, op: Op, b: &Val, x: &Val) -> bool {
        use std::cmp::Ordering::*;
        match op {
            Op::Ne => compare_eq(x, b) != Some(true),
            Op::Match | Op::NotMatch => {
                let (Val::Str(re), Val::Str(s)) = (b, x) else {
                    return false;
                };
                let Some(r) = self.regex(re) else { return false };
                r.is_match(s) == (op == Op::Match)
            }
            _ => {
                let Some(ord) = super::ops::order(x, b) else {
                    return false;
                };
                match op {
                    Op::Lt => ord == Less,
                    Op::Le => ord != Greater,
                    Op::Gt => ord == Greater,
                    Op::Ge => ord != Less,
                    _ => false,
                }
            }
        }
    }

    /// Meet of two non-concrete constraints.
    fn meet_constraints(&self, a: Val, b: Val) -> Val {
        let ka = a.kind();
        let kb = b.kind();
        if ka & kb == 0 {
            return self.conflict(&a, &b);
        }
        let mut parts: Vec<Val> = Vec::new();
        let add = |v: Val, parts: &mut Vec<Val>| match v {
            Val::Conj(cs) => parts.extend(cs.iter().cloned()),
            v => parts.push(v),
        };
        add(a, &mut parts);
        add(b, &mut parts);
        // merge kinds
        let mut k = kind::TOP;
        let mut rest = Vec::new();
        for p in parts {
            match p {
                Val::Kind(x) => k &= x,
                Val::Bound(..) => {
                    if !rest.iter().any(|r| self.same(r, &p)) {
                        rest.push(p)
                    }
                }
                other => rest.push(other),
            }
        }
        if k == 0 {
            return Val::bottom("conflicting types", u32::MAX);
        }
        let bound_kind = rest.iter().fold(kind::TOP, |acc, r| acc & r.kind());
        if bound_kind & k == 0 {
            return Val::bottom("conflicting constraints", u32::MAX);
        }
        let mut out = Vec::new();
        if k != kind::TOP && (k & bound_kind != bound_kind || rest.is_empty()) {
            out.push(Val::Kind(k));
        }
        out.extend(rest);
        if out.len() == 1 {
            return out.pop().unwrap_or(Val::Top);
        }
        if out.is_empty() {
            return Val::Top;
        }
        Val::Conj(out.into())
    }

    fn unify_disj(&self, d: &Disj, x: Val) -> Val {
        let (xs, xd): (Vec<Val>, Vec<bool>) = match &x {
            Val::Disj(x) => (x.alts.clone(), x.dflt.clone()),
            v => (vec![v.clone()], vec![false]),
        };
        let xhas = xd.iter().any(|f| *f);
        let dhas = d.has_default();
        let mut alts = Vec::new();
        let mut dflt = Vec::new();
        let mut errs = Vec::new();
        for (a, fa) in d.alts.iter().zip(d.dflt.iter()) {
            for (b, fb) in xs.iter().zip(xd.iter()) {
                let v = self.unify(a.clone(), b.clone());
                if v.is_bottom() {
                    errs.push(v);
                    continue;
                }
                let f = (!dhas || *fa) && (!xhas || *fb);
                alts.push(v);
                dflt.push(f && (dhas || xhas));
            }
        }
        let n = errs.len();
        alts.extend(errs);
        dflt.extend(std::iter::repeat_n(false, n));
        self.make_disj(alts, dflt, None, u32::MAX)
    }

    fn unify_list(&self, a: &List, b: &List) -> Val {
        let (la, lb) = (a.elems.len(), b.elems.len());
        if (a.tail.is_none() && lb > la) || (b.tail.is_none() && la > lb) {
            return Val::bottom(format!("incompatible list lengths ({la} and {lb})"), u32::MAX);
        }
        let n = la.max(lb);
        let mut elems = Vec::with_capacity(n);
        for i in 0..n {
            let (x, y) = match (a.elems.get(i), b.elems.get(i)) {
                (Some(x), Some(y)) => (x.clone(), y.clone()),
                (Some(x), None) => (x.clone(), b.tail.clone().unwrap_or(Val::Top)),
                (None, Some(y)) => (a.tail.clone().unwrap_or(Val::Top), y.clone()),
                (None, None) => (Val::Top, Val::Top),
            };
            let v = self.norm(self.unify(x, y));
            if let Val::Bottom(e) = &v {
                let mut e = (**e).clone();
                e.msg = format!("{i}: {}", e.msg);
                return Val::Bottom(Rc::new(e));
            }
            elems.push(v);
        }
        let tail = match (&a.tail, &b.tail) {
            (Some(x), Some(y)) => Some(self.unify(x.clone(), y.clone())),
            _ => None,
        };
        Val::List(Rc::new(List { elems, tail }))
    }
}
