//! Disjunctions: evaluation with default marks, normalisation, elimination of failing struct
//! alternatives.

use std::rc::Rc;

use smallvec::SmallVec;

use super::{Ctx, Env};
use crate::ast::{Constraint, Expr, ExprKind, Name, Op};
use crate::value::{Disj, NodeId, Val};

impl Ctx {
    pub(super) fn eval_disj(
        &self,
        e: &Expr,
        env: &Env,
        gid: Option<u32>,
        owner: Option<(NodeId, &Name)>,
    ) -> Val {
        let mut terms: SmallVec<[&Expr; 4]> = SmallVec::new();
        flatten_or(e, &mut terms);
        let mut alts = Vec::with_capacity(terms.len());
        let mut dflt = Vec::with_capacity(terms.len());
        for t in terms {
            let (marked, x) = match &t.kind {
                ExprKind::Default(x) => (true, &**x),
                _ => (false, t),
            };
            let v = match &x.kind {
                // a disjunct `a & b` is not an explicit unification (field order)
                ExprKind::Binary(Op::And, a, b) => self.eval_and((a, b), env, gid, owner, false),
                _ => self.eval_closed(x, env, gid, owner),
            };
            match v {
                Val::Bottom(_) => {
                    alts.push(v);
                    dflt.push(false);
                }
                Val::Disj(d) => {
                    let has = d.has_default();
                    for (a, f) in d.alts.iter().zip(d.dflt.iter()) {
                        alts.push(a.clone());
                        dflt.push(if has { *f } else { marked });
                    }
                }
                v => {
                    alts.push(v);
                    dflt.push(marked);
                }
            }
        }
        self.make_disj(alts, dflt, None, e.pos)
    }

    /// Build a normalised disjunction (drops errors, merges duplicates, unwraps single values).
    pub(crate) fn make_disj(&self, alts: Vec<Val>, dflt: Vec<bool>, first_err: Option<Val>, pos: u32) -> Val {
        // the kept alternatives are compacted to the front of the vectors they came in
        let (mut oa, mut od) = (alts, dflt);
        let len = oa.len().min(od.len());
        let mut errs: SmallVec<[Val; 2]> = first_err.into_iter().collect();
        let mut n = 0;
        // kept alternatives by identity key; those without one are compared one by one
        // (std's randomly seeded hasher: the keys are strings from the program's text)
        let mut keyed: std::collections::HashMap<DedupKey, usize> = std::collections::HashMap::new();
        let mut unkeyed: Vec<usize> = Vec::new();
        for i in 0..len {
            let a = std::mem::replace(&mut oa[i], Val::Top);
            let d = od[i];
            if a.is_bottom() {
                errs.push(a);
                continue;
            }
            let key = DedupKey::of(&a);
            let found = match &key {
                Some(k) => keyed.get(k).copied().or_else(|| {
                    // (a big or negative-zero integer is a `Num`, and may equal an `Int`)
                    let nums = unkeyed.iter().copied().filter(|&k| matches!(oa[k], Val::Num(_)));
                    matches!(a, Val::Int(_))
                        .then(|| self.position_same(&oa, nums, &a))
                        .flatten()
                }),
                None => self.position_same(&oa, 0..n, &a),
            };
            if let Some(k) = found {
                od[k] |= d;
                continue;
            }
            match key {
                Some(k) => {
                    keyed.insert(k, n);
                }
                None => unkeyed.push(n),
            }
            oa[n] = a;
            od[n] = d;
            n += 1;
        }
        oa.truncate(n);
        od.truncate(n);
        if oa.len() > 1 && oa.iter().any(|a| a.is_struct()) {
            // eliminate struct alternatives that fail (closedness, conflicts)
            let mut n = 0;
            for i in 0..oa.len() {
                if let Some(err) = self.deep_error(&oa[i], 6) {
                    errs.push(err);
                    continue;
                }
                oa.swap(n, i);
                od.swap(n, i);
                n += 1;
            }
            oa.truncate(n);
            od.truncate(n);
        }
        match oa.len() {
            0 => {
                let bs: Vec<&crate::value::Bottom> = errs
                    .iter()
                    .filter_map(|e| if let Val::Bottom(b) = e { Some(&**b) } else { None })
                    .collect();
                match bs.as_slice() {
                    [] => Val::bottom("empty disjunction", pos),
                    [one] => Val::Bottom(Rc::new((*one).clone())),
                    many => {
                        let mut seen = crate::hash::FxHashSet::default();
                        let msgs: Vec<&str> = many
                            .iter()
                            .map(|b| b.msg.as_str())
                            .filter(|m| seen.insert(*m))
                            .collect();
                        let incomplete = many.iter().all(|b| b.incomplete);
                        let msg = match msgs.as_slice() {
                            [one] => (*one).to_owned(),
                            _ => format!(
                                "{} errors in empty disjunction: {}",
                                msgs.len(),
                                crate::error::join_capped(&msgs, "; ")
                            ),
                        };
                        let pos = many.iter().map(|b| b.pos).find(|p| *p != u32::MAX).unwrap_or(pos);
                        Val::Bottom(Rc::new(crate::value::Bottom {
                            msg,
                            pos,
                            incomplete,
                            path: None,
                            at: None,
                        }))
                    }
                }
            }
            1 => oa.pop().unwrap_or(Val::Top),
            _ => Val::Disj(Rc::new(Disj { alts: oa, dflt: od })),
        }
    }

    /// Find a non-incomplete error inside a value (used to eliminate disjuncts and by
    /// `Instance::validate`). Every struct is visited once.
    pub(crate) fn deep_error(&self, v: &Val, depth: u32) -> Option<Val> {
        self.deep_errors(v, depth, 1).into_iter().next()
    }

    /// The first `max` errors under `v`, in field order: what [`Ctx::deep_error`] finds first,
    /// then the next ones. A struct whose own value failed is one error (its fields are not
    /// searched).
    pub(crate) fn deep_errors(&self, v: &Val, depth: u32, max: usize) -> Vec<Val> {
        let mut seen = crate::hash::FxHashMap::default();
        let mut out = Vec::new();
        self.deep_errors_in(v, depth, max, &mut seen, &mut out);
        out
    }

    fn deep_errors_in(
        &self,
        v: &Val,
        depth: u32,
        max: usize,
        seen: &mut crate::hash::FxHashMap<NodeId, ()>,
        out: &mut Vec<Val>,
    ) {
        if self.limited() || out.len() >= max {
            return;
        }
        match v {
            Val::Bottom(b) if !b.incomplete => out.push(v.clone()),
            Val::Struct(id) => {
                if seen.insert(*id, ()).is_some() {
                    return;
                }
                if !self.tick() {
                    return;
                }
                // injected data and nothing else: concrete JSON, it holds no error (and
                // walking it would cost every evaluation the whole of a shared input)
                let node = self.node(*id);
                let pure_data = {
                    let conjs = node.conjs.borrow();
                    !conjs.is_empty()
                        && conjs
                            .iter()
                            .all(|c| matches!(c.src, crate::eval::ConjSrc::Data(_)))
                };
                if pure_data {
                    return;
                }
                self.expand(*id);
                let node = self.node(*id);
                if let Some(e @ Val::Bottom(b)) = &node.st.borrow().error
                    && !b.incomplete
                {
                    out.push(e.clone());
                    return;
                }
                if !node.label.as_deref().is_some_and(|l| l.starts_with('#'))
                    && let Some(e) = self.validator_error(*id)
                    && matches!(&e, Val::Bottom(b) if !b.incomplete)
                {
                    out.push(e);
                    return;
                }
                if depth == 0 {
                    return;
                }
                let names: Vec<Name> = node.st.borrow().fields.keys().cloned().collect();
                for n in names {
                    if let Some((fv, c)) = self.field(*id, &n) {
                        if c == Constraint::Optional && !fv.is_bottom() {
                            continue;
                        }
                        self.deep_errors_in(&fv, depth - 1, max, seen, out);
                        if out.len() >= max {
                            return;
                        }
                    }
                }
            }
            Val::List(l) if depth > 0 => {
                for e in &l.elems {
                    self.deep_errors_in(e, depth - 1, max, seen, out);
                    if out.len() >= max {
                        return;
                    }
                }
            }
            _ => {}
        }
    }

    /// The first of the alternatives `oa[candidates]` that is [`Ctx::same`] as `a`; every
    /// comparison is a step.
    fn position_same(
        &self,
        oa: &[Val],
        candidates: impl IntoIterator<Item = usize>,
        a: &Val,
    ) -> Option<usize> {
        candidates
            .into_iter()
            .take_while(|_| self.tick())
            .find(|&k| self.same(&oa[k], a))
    }

    /// Structural identity used for disjunction deduplication (CUE's `Equal` with
    /// `CheckStructural`): values, defaults, optional, hidden and definition fields count, so do
    /// closedness and a list's openness; field order and pattern constraints do not.
    pub(crate) fn same(&self, a: &Val, b: &Val) -> bool {
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth {
            return false;
        }
        self.depth.set(d);
        let r = self.same_inner(a, b);
        self.depth.set(d - 1);
        r
    }

    fn same_inner(&self, a: &Val, b: &Val) -> bool {
        match (a, b) {
            (Val::Struct(x), Val::Struct(y)) => x == y || self.same_struct(*x, *y),
            (Val::Disj(x), Val::Disj(y)) => {
                x.dflt == y.dflt
                    && x.alts.len() == y.alts.len()
                    && x.alts.iter().zip(y.alts.iter()).all(|(p, q)| self.same(p, q))
            }
            (Val::Kind(x), Val::Kind(y)) => x == y,
            (Val::Top, Val::Top) => true,
            (Val::Bound(o1, v1), Val::Bound(o2, v2)) => o1 == o2 && self.same(v1, v2),
            (Val::Validator(x), Val::Validator(y)) => {
                x.name == y.name
                    && x.args.len() == y.args.len()
                    && x.args.iter().zip(y.args.iter()).all(|(p, q)| self.same(p, q))
            }
            (Val::List(x), Val::List(y)) => {
                x.elems.len() == y.elems.len()
                    && x.tail.is_none()
                    && y.tail.is_none()
                    && x.elems.iter().zip(y.elems.iter()).all(|(p, q)| self.same(p, q))
            }
            // (an int and a float with the same value are different alternatives: `1 | 1.0`)
            _ if a.is_scalar() && b.is_scalar() => {
                a.kind() == b.kind() && super::compare_eq(a, b) == Some(true)
            }
            _ => false,
        }
    }

    /// Two struct nodes with the same fields (every constraint kind), the same values and the
    /// same closedness. A struct with an error or an embedded value is only itself.
    fn same_struct(&self, x: NodeId, y: NodeId) -> bool {
        self.expand(x);
        self.expand(y);
        let labels = |id: NodeId| -> Option<(bool, Vec<(Name, Constraint)>)> {
            let node = self.node(id);
            let st = node.st.borrow();
            if st.error.is_some() || !st.embedded.is_empty() {
                return None;
            }
            let fields = st.fields.iter().map(|(k, s)| (k.clone(), s.constraint)).collect();
            Some((!st.groups.is_empty(), fields))
        };
        let (Some((closed_x, fx)), Some((closed_y, fy))) = (labels(x), labels(y)) else {
            return false;
        };
        // the labels first: no field value is evaluated for structs that differ in them
        if closed_x != closed_y
            || fx.len() != fy.len()
            || !fx.iter().all(|(n, c)| fy.iter().any(|(m, d)| m == n && c == d))
        {
            return false;
        }
        fx.iter()
            .all(|(n, _)| match (self.field(x, n), self.field(y, n)) {
                (Some((v, _)), Some((w, _))) => self.same(&v, &w),
                _ => false,
            })
    }

    pub(super) fn ref_field(&self, node: NodeId, name: &Name, pos: u32) -> Val {
        match self.field(node, name) {
            None => Val::incomplete(format!("undefined field: {name}"), pos),
            Some((v, Constraint::Optional)) if !v.is_bottom() => {
                // an optional field is only a constraint; referencing it is incomplete
                let _ = v;
                Val::incomplete(format!("cannot reference optional field: {name}"), pos)
            }
            Some((v, _)) => v,
        }
    }
}

/// What makes two alternatives [`Ctx::same`], for the values where that is plain equality of a
/// hashable key (numbers other than `Int`, bounds, lists, structs (compared structurally) and
/// validators have none).
#[derive(PartialEq, Eq, Hash)]
enum DedupKey {
    Top,
    Null,
    Bool(bool),
    Int(i128),
    Str(Name),
    Bytes(std::sync::Arc<[u8]>),
    Kind(u16),
}

impl DedupKey {
    fn of(v: &Val) -> Option<DedupKey> {
        Some(match v {
            Val::Top => DedupKey::Top,
            Val::Null => DedupKey::Null,
            Val::Bool(b) => DedupKey::Bool(*b),
            Val::Int(i) => DedupKey::Int(*i),
            Val::Str(s) => DedupKey::Str(s.clone()),
            Val::Bytes(b) => DedupKey::Bytes(b.clone()),
            Val::Kind(k) => DedupKey::Kind(*k),
            _ => return None,
        })
    }
}

fn flatten_or<'a>(e: &'a Expr, out: &mut SmallVec<[&'a Expr; 4]>) {
    match &e.kind {
        ExprKind::Binary(Op::Or, a, b) => {
            flatten_or(a, out);
            flatten_or(b, out);
        }
        _ => out.push(e),
    }
}
