//! Expression evaluation: references, selectors, comprehensions, lists, calls.

use std::rc::Rc;
use std::sync::Arc;

use smallvec::SmallVec;

use super::{Conj, Ctx, Env, FrameKind};
use crate::ast::{Clause, Constraint, Expr, ExprKind, InterpPart, ListElem, ListLit, Name, Op};
use crate::value::{Disj, List, NodeId, Val, kind};

impl Ctx {
    /// Evaluate an expression in an environment.
    pub(crate) fn eval(&self, e: &Expr, env: &Env) -> Val {
        self.eval_closed(e, env, None, None)
    }

    /// Evaluate; struct literals at the top of `e` join closedness group `gid` and get `owner`
    /// as their parent for error paths.
    pub(crate) fn eval_closed(
        &self,
        e: &Expr,
        env: &Env,
        gid: Option<u32>,
        owner: Option<(NodeId, &Name)>,
    ) -> Val {
        if !self.tick() {
            return Val::bottom("evaluation limit exceeded", e.pos);
        }
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth {
            self.hit_limit(format!("evaluation deeper than {}", self.limits.max_depth));
            return Val::bottom("evaluation depth limit exceeded", e.pos);
        }
        self.depth.set(d);
        if d > self.depth_high.get() {
            self.depth_high.set(d);
        }
        let v = self.eval_inner(e, env, gid, owner);
        self.depth.set(d - 1);
        v
    }

    fn eval_inner(&self, e: &Expr, env: &Env, gid: Option<u32>, owner: Option<(NodeId, &Name)>) -> Val {
        match &e.kind {
            ExprKind::Ident(n) => self.lookup(n, env, e.pos),
            ExprKind::Bottom => Val::bottom("explicit error (_|_ literal) in source", e.pos),
            ExprKind::Null => Val::Null,
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::Int(i) => Val::Int(*i),
            ExprKind::Num(n) => Val::Num(n.clone()),
            ExprKind::Str(s) => Val::Str(s.clone()),
            ExprKind::Bytes(b) => Val::Bytes(b.clone()),
            ExprKind::Interp(parts, bytes) => self.interp(parts, *bytes, env, e.pos),
            ExprKind::Struct(lit) => {
                let (p, l) = match owner {
                    Some((p, l)) => (Some(p), Some(l.clone())),
                    None => (None, None),
                };
                Val::Struct(self.new_node(
                    smallvec::smallvec![super::derived(
                        Conj::lit(lit.clone(), env.clone(), gid),
                        self.cur_rpos.get(),
                    )],
                    p,
                    l,
                ))
            }
            ExprKind::List(lit) => self.eval_list(lit, env, gid, e.pos),
            ExprKind::Unary(op, x) => self.unary(*op, x, env, e.pos),
            ExprKind::Binary(Op::Or, _, _) => self.eval_disj(e, env, gid, owner),
            // `a & b` as a field's value is an explicit unification (field order)
            ExprKind::Binary(Op::And, a, b) => self.eval_and((a, b), env, gid, owner, owner.is_some()),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, env, e.pos),
            ExprKind::Default(x) => self.eval_closed(x, env, gid, owner),
            ExprKind::Paren(x) => self.eval_closed(x, env, gid, owner),
            ExprKind::Select(x, name) => {
                let v = self.eval(x, env);
                self.select(v, name, e.pos)
            }
            ExprKind::Index(x, i) => {
                let v = self.eval(x, env);
                let i = self.resolve(self.eval(i, env));
                self.index(v, i, e.pos)
            }
            ExprKind::Slice(x, lo, hi) => {
                let v = self.resolve(self.eval(x, env));
                let lo = lo.as_ref().map(|l| self.resolve(self.eval(l, env)));
                let hi = hi.as_ref().map(|h| self.resolve(self.eval(h, env)));
                self.slice(v, lo, hi, e.pos)
            }
            ExprKind::Call(f, args) => {
                let fv = self.eval(f, env);
                match fv {
                    Val::Func(name) => {
                        let args: Vec<Val> = args.iter().map(|a| self.eval(a, env)).collect();
                        crate::builtins::call(self, &name, args, e.pos)
                    }
                    Val::Bottom(b) => Val::Bottom(b),
                    other => Val::bottom(
                        format!("cannot call non-function {}", self.describe(&other)),
                        e.pos,
                    ),
                }
            }
        }
    }

    /// `a & b`; `explicit` marks the operands as explicitly unified, which moves them in the
    /// field order (CUE does so for a field's value, not for a disjunct).
    pub(super) fn eval_and(
        &self,
        (a, b): (&Expr, &Expr),
        env: &Env,
        gid: Option<u32>,
        owner: Option<(NodeId, &Name)>,
        explicit: bool,
    ) -> Val {
        let av = self.eval_closed(a, env, gid, owner);
        if av.is_bottom() {
            return av;
        }
        let av = self.at_ref(av, a, a.pos, explicit);
        let bv = self.eval_closed(b, env, gid, owner);
        let bv = self.at_ref(bv, b, b.pos, explicit);
        match gid {
            Some(g) => self.unify(self.declared_in(av, a, g), self.declared_in(bv, b, g)),
            None => self.unify(av, bv),
        }
    }

    /// A struct that the reference `e` reaches, unified inside the closed group `g` (a
    /// definition's literal): what it declares is declared in `g` too, as in CUE, where
    /// `#P: {x: #A & {w: false}}` allows at `x` the fields of both `#A` and the literal (while
    /// `#A` still allows only its own). Its conjuncts are added again in `g`.
    fn declared_in(&self, v: Val, e: &Expr, g: u32) -> Val {
        let (Val::Struct(id), ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..)) =
            (&v, &e.kind)
        else {
            return v;
        };
        let n = self.node(*id);
        let base = n.base_conjs();
        if base.iter().all(|c| c.gid == Some(g)) {
            return v;
        }
        let mut conjs = base.clone();
        for c in base {
            match c.gid {
                Some(x) if x == g => {}
                _ => conjs.push(Conj { gid: Some(g), ..c }),
            }
        }
        Val::Struct(self.new_node(conjs, n.parent, n.label.clone()))
    }

    /// Whether `e` evaluates to an error: the test `e == _|_` / `e != _|_`. A selector of a
    /// field that is missing, optional or an error answers without building the error value
    /// (with its message) that evaluating the selector would return.
    pub(crate) fn is_error(&self, e: &Expr, env: &Env) -> bool {
        let (x, name, index) = match &e.kind {
            ExprKind::Select(x, name) => (x, name.clone(), None),
            ExprKind::Index(x, i) => match &i.kind {
                ExprKind::Str(s) => (x, field_name(s.clone()), Some(s)),
                _ => return self.value_is_error(self.eval(e, env)),
            },
            _ => return self.value_is_error(self.eval(e, env)),
        };
        let v = self.resolve(self.eval(x, env));
        let Val::Struct(id) = v else {
            let v = match index {
                Some(s) => self.index(v, Val::Str(s.clone()), e.pos),
                None => self.select(v, &name, e.pos),
            };
            return self.value_is_error(v);
        };
        self.expand(id);
        if self.node(id).st.borrow().error.is_some() {
            return true;
        }
        match self.field(id, &name) {
            None => true,
            Some((fv, Constraint::Optional)) if !fv.is_bottom() => true,
            Some((fv, _)) => self.value_is_error(fv),
        }
    }

    /// Whether a value counts as an error in `x == _|_` (CUE's `OpContext.validate`): its default
    /// is taken; an error is one, and so is a value of scalar kinds only that is not concrete
    /// (`string`, `>0`, `=~"x"`, `int & >1`, a string validator). A disjunction left without
    /// exactly one default, `_`, a struct or list without an error of its own, a constraint that
    /// allows structs or lists and any concrete value are not.
    fn value_is_error(&self, v: Val) -> bool {
        match self.default_of(&v) {
            Val::Bottom(_) => true,
            Val::Disj(_) => false,
            Val::Struct(id) => match self.norm(Val::Struct(id)) {
                Val::Struct(_) => false,
                Val::Bottom(_) => true,
                // a struct standing for its embedded scalar
                other => self.value_is_error(other),
            },
            v @ (Val::Kind(_) | Val::Bound(..) | Val::Conj(_) | Val::Validator(_)) => {
                v.kind() & (kind::STRUCT | kind::LIST) == 0
            }
            _ => false,
        }
    }

    /// Select field `name` of a value.
    pub(crate) fn select(&self, v: Val, name: &Name, pos: u32) -> Val {
        let v = self.resolve(v);
        match v {
            Val::Struct(id) => {
                self.expand(id);
                let err = self.node(id).st.borrow().error.clone();
                if let Some(e) = err {
                    return e;
                }
                match self.field(id, name) {
                    // CUE: a closed struct that does not accept the label can never get it, so the
                    // error is permanent; an open one may still get the field (incomplete)
                    None if !self.accepts(id, name) || self.package_roots.borrow().contains(&id) => {
                        Val::bottom(format!("undefined field: {name}"), pos)
                    }
                    None => Val::incomplete(format!("undefined field: {name}"), pos),
                    Some((fv, Constraint::Optional)) if !fv.is_bottom() => {
                        Val::incomplete(format!("cannot reference optional field: {name}"), pos)
                    }
                    Some((fv, _)) => fv,
                }
            }
            Val::Pkg(p) => crate::builtins::package_member(self, &p, name, pos),
            Val::Bottom(b) => Val::Bottom(b),
            Val::Top => Val::incomplete(format!("undefined field: {name}"), pos),
            Val::Kind(k) if k & kind::STRUCT != 0 => Val::incomplete(format!("undefined field: {name}"), pos),
            Val::Disj(_) => Val::incomplete(format!("unresolved disjunction: cannot select {name}"), pos),
            other => Val::bottom(
                format!("invalid selector {name} on {}", self.describe(&other)),
                pos,
            ),
        }
    }

    fn index(&self, v: Val, i: Val, pos: u32) -> Val {
        let v = self.resolve(v);
        match (v, i) {
            (Val::Bottom(b), _) | (_, Val::Bottom(b)) => Val::Bottom(b),
            (Val::Struct(id), Val::Str(s)) => self.select(Val::Struct(id), &field_name(s), pos),
            // CUE's indices are Go ints: non-negative and at most the largest int64
            (Val::List(_), Val::Int(n)) if i64::try_from(n).is_err() => {
                Val::bottom(format!("invalid index {n}: greater than max int64"), pos)
            }
            (Val::List(_), Val::Int(n)) if n < 0 => {
                Val::bottom(format!("invalid index {n} (index must be non-negative)"), pos)
            }
            (Val::List(l), Val::Int(n)) => match usize::try_from(n).ok().and_then(|i| l.elems.get(i)) {
                Some(v) => v.clone(),
                None if l.tail.is_some() => Val::incomplete(format!("index {n} out of range"), pos),
                None => Val::bottom(
                    format!("index out of range [{n}] with length {}", l.elems.len()),
                    pos,
                ),
            },
            (Val::List(_), Val::Num(n)) if n.int => {
                Val::bottom(format!("invalid index {n}: greater than max int64"), pos)
            }
            (v, i) if !self.is_concrete(&v) || !self.is_concrete(&i) => {
                Val::incomplete("index of incomplete value", pos)
            }
            (v, i) => Val::bottom(
                format!("invalid index {} of {}", self.describe(&i), self.describe(&v)),
                pos,
            ),
        }
    }

    fn slice(&self, v: Val, lo: Option<Val>, hi: Option<Val>, pos: u32) -> Val {
        // CUE slices lists and bytes, not strings
        let len = match &v {
            Val::List(l) => l.elems.len(),
            Val::Bytes(b) => b.len(),
            Val::Bottom(_) => return v,
            _ => return Val::bottom(format!("cannot slice {}", self.describe(&v)), pos),
        };
        let get = |x: Option<Val>, d: usize| -> Result<usize, Val> {
            match x {
                None => Ok(d),
                Some(Val::Int(i)) => match usize::try_from(i) {
                    Ok(i) if i <= len => Ok(i),
                    _ => Err(Val::bottom(format!("slice bound {i} out of range"), pos)),
                },
                Some(Val::Bottom(b)) => Err(Val::Bottom(b)),
                Some(_) => Err(Val::bottom("slice bounds out of range", pos)),
            }
        };
        let (a, b) = match (get(lo, 0), get(hi, len)) {
            (Ok(a), Ok(b)) if a <= b => (a, b),
            (Err(e), _) | (_, Err(e)) => return e,
            _ => return Val::bottom("invalid slice index", pos),
        };
        match v {
            Val::List(l) => Val::List(Rc::new(List {
                elems: l.elems[a..b].to_vec(),
                tail: None,
            })),
            Val::Bytes(bs) => Val::Bytes(Arc::from(&bs[a..b])),
            _ => Val::bottom("cannot slice", pos),
        }
    }

    fn interp(&self, parts: &[InterpPart], bytes: bool, env: &Env, pos: u32) -> Val {
        // the bytes of the result: a bytes literal's text parts hold one `char` per byte
        let mut out: Vec<u8> = Vec::new();
        for p in parts {
            let pushed = match p {
                InterpPart::Lit(s) if bytes => self.append(
                    &mut out,
                    &crate::lexer::literal_bytes(s).collect::<Vec<u8>>(),
                    pos,
                ),
                InterpPart::Lit(s) => self.append(&mut out, s.as_bytes(), pos),
                InterpPart::Expr(x) => match self.resolve(self.eval(x, env)) {
                    Val::Str(s) => self.append(&mut out, s.as_bytes(), pos),
                    Val::Int(i) => self.append(&mut out, i.to_string().as_bytes(), pos),
                    Val::Num(n) => self.append(&mut out, n.to_string().as_bytes(), pos),
                    Val::Bool(b) => self.append(&mut out, if b { b"true" } else { b"false" }, pos),
                    Val::Bytes(b) if bytes => self.append(&mut out, &b, pos),
                    Val::Bytes(b) => self.append(&mut out, String::from_utf8_lossy(&b).as_bytes(), pos),
                    Val::Bottom(b) => return Val::Bottom(b),
                    v if !self.is_concrete(&v) => {
                        return Val::incomplete(
                            format!("invalid interpolation: non-concrete value {}", self.describe(&v)),
                            x.pos,
                        );
                    }
                    v => {
                        return Val::bottom(
                            format!(
                                "invalid interpolation: cannot use {} as string",
                                self.describe(&v)
                            ),
                            x.pos,
                        );
                    }
                },
            };
            if let Err(b) = pushed {
                return b;
            }
        }
        if bytes {
            Val::Bytes(Arc::from(out))
        } else {
            match String::from_utf8(out) {
                Ok(s) => Val::Str(s.into()),
                Err(e) => Val::Str(String::from_utf8_lossy(e.as_bytes()).into()),
            }
        }
    }

    /// Appends `piece` to the text being interpolated, within the limits.
    fn append(&self, out: &mut Vec<u8>, piece: &[u8], pos: u32) -> Result<(), Val> {
        self.charge_growth(out.len() + piece.len(), piece.len(), "interpolated string", pos)?;
        out.extend_from_slice(piece);
        Ok(())
    }

    fn eval_list(&self, lit: &ListLit, env: &Env, gid: Option<u32>, pos: u32) -> Val {
        let mut elems = Vec::with_capacity(lit.elems.len());
        for el in &lit.elems {
            match el {
                ListElem::Expr(x) => {
                    let v = self.eval_closed(x, env, gid, None);
                    let v = if v.is_struct() && self.is_let_ref(x, env) {
                        self.at_ref(v, x, x.pos, false)
                    } else {
                        v
                    };
                    if let Err(b) = self.charge_growth((elems.len() + 1) * VAL_BYTES, VAL_BYTES, "list", pos)
                    {
                        return b;
                    }
                    elems.push(self.norm(v));
                }
                ListElem::Comprehension(c) => {
                    let mut envs = Envs::new();
                    if let Err(b) = self.clauses(&c.clauses, 0, env.clone(), &mut envs) {
                        return b;
                    }
                    if let Err(b) = self.charge_growth(
                        (elems.len() + envs.len()) * VAL_BYTES,
                        envs.len() * VAL_BYTES,
                        "list",
                        pos,
                    ) {
                        return b;
                    }
                    for env in envs {
                        if self.limited() {
                            return Val::bottom("evaluation limit exceeded", pos);
                        }
                        let n = self.new_node(
                            smallvec::smallvec![super::derived(
                                Conj::lit(c.body.clone(), env, gid),
                                self.cur_rpos.get(),
                            )],
                            None,
                            None,
                        );
                        elems.push(self.norm(Val::Struct(n)));
                    }
                }
            }
        }
        let tail = match &lit.ellipsis {
            None => None,
            Some(None) => Some(Val::Top),
            Some(Some(t)) => Some(self.eval_closed(t, env, gid, None)),
        };
        Val::List(Rc::new(List { elems, tail }))
    }

    /// Run comprehension clauses from `i`, collecting the environment of every produced body.
    pub(crate) fn clauses(&self, cl: &[Clause], i: usize, env: Env, out: &mut Envs) -> Result<(), Val> {
        let Some(c) = cl.get(i) else {
            out.push(env);
            return Ok(());
        };
        if self.limited() {
            return Err(Val::bottom("evaluation limit exceeded", 0));
        }
        match c {
            Clause::If(x) => match self.resolve(self.eval(x, &env)) {
                Val::Bool(true) => self.clauses(cl, i + 1, env, out),
                Val::Bool(false) => Ok(()),
                Val::Bottom(b) => Err(Val::Bottom(b)),
                v if !self.is_concrete(&v) => {
                    Err(Val::incomplete("incomplete condition in if clause", x.pos))
                }
                v => Err(Val::bottom(
                    format!("cannot use {} as bool in if clause", self.describe(&v)),
                    x.pos,
                )),
            },
            Clause::Let(n, x) => {
                let v = self.eval(x, &env);
                let env = self.push(
                    &env,
                    FrameKind::Var {
                        name: n.clone(),
                        val: v,
                    },
                );
                self.clauses(cl, i + 1, env, out)
            }
            Clause::For(k, v, src) => match self.resolve(self.eval(src, &env)) {
                Val::List(l) => {
                    for (idx, e) in l.elems.iter().enumerate() {
                        if !self.tick() {
                            return Err(Val::bottom("evaluation limit exceeded", src.pos));
                        }
                        let mut env2 = env.clone();
                        if let Some(k) = k {
                            env2 = self.push(
                                &env2,
                                FrameKind::Var {
                                    name: k.clone(),
                                    val: Val::Int(idx as i128),
                                },
                            );
                        }
                        env2 = self.push(
                            &env2,
                            FrameKind::Var {
                                name: v.clone(),
                                val: e.clone(),
                            },
                        );
                        self.clauses(cl, i + 1, env2, out)?;
                    }
                    Ok(())
                }
                Val::Struct(id) => {
                    for (name, val) in self.regular_fields_in_arc_order(id) {
                        if !self.tick() {
                            return Err(Val::bottom("evaluation limit exceeded", src.pos));
                        }
                        let mut env2 = env.clone();
                        if let Some(k) = k {
                            env2 = self.push(
                                &env2,
                                FrameKind::Var {
                                    name: k.clone(),
                                    val: Val::Str(crate::ast::label_text(&name).into()),
                                },
                            );
                        }
                        env2 = self.push(&env2, FrameKind::Var { name: v.clone(), val });
                        self.clauses(cl, i + 1, env2, out)?;
                    }
                    Ok(())
                }
                Val::Bottom(b) => Err(Val::Bottom(b)),
                x if !self.is_concrete(&x) => {
                    Err(Val::incomplete("cannot range over incomplete value", src.pos))
                }
                x => Err(Val::bottom(
                    format!("cannot range over {}", self.describe(&x)),
                    src.pos,
                )),
            },
        }
    }

    /// Regular (exported) fields of a struct with their values, in order.
    pub(crate) fn regular_fields(&self, id: NodeId) -> Vec<(Name, Val)> {
        self.expand(id);
        let node = self.node(id);
        let names: Vec<(Name, Constraint)> = node
            .st
            .borrow()
            .fields
            .iter()
            .map(|(k, s)| (k.clone(), s.constraint))
            .collect();
        self.regular_values(id, names)
    }

    /// The regular fields of a struct in the order they were added (CUE's arc order), which is
    /// the order a `for` clause iterates them in: the export order can differ.
    pub(crate) fn regular_fields_in_arc_order(&self, id: NodeId) -> Vec<(Name, Val)> {
        self.expand(id);
        let node = self.node(id);
        let names: Vec<(Name, Constraint)> = {
            let st = node.st.borrow();
            super::order::arc_order(&node.conjs.borrow(), node.orig.get(), &st)
                .into_iter()
                .filter_map(|i| st.fields.get_index(i).map(|(k, s)| (k.clone(), s.constraint)))
                .collect()
        };
        self.regular_values(id, names)
    }

    fn regular_values(&self, id: NodeId, names: Vec<(Name, Constraint)>) -> Vec<(Name, Val)> {
        let mut out = Vec::new();
        for (n, c) in names {
            if n.starts_with('_') || n.starts_with('#') || c == Constraint::Optional {
                continue;
            }
            if let Some((v, _)) = self.field(id, &n) {
                out.push((n, v));
            }
        }
        out
    }

    fn unary(&self, op: Op, x: &Expr, env: &Env, pos: u32) -> Val {
        let v = self.resolve(self.eval(x, env));
        if let Val::Bottom(_) = v {
            return v;
        }
        match op {
            Op::Not => match v {
                Val::Bool(b) => Val::Bool(!b),
                v if !self.is_concrete(&v) => Val::incomplete("operand of ! is incomplete", pos),
                v => Val::bottom(format!("invalid operand {} for !", self.describe(&v)), pos),
            },
            Op::Sub => match v {
                Val::Int(i) => match i.checked_neg() {
                    Some(n) => Val::Int(n),
                    None => Val::num(crate::num::Num::from_i128(i).neg()),
                },
                Val::Num(n) => Val::num(n.neg()),
                v if !self.is_concrete(&v) => Val::incomplete("operand of - is incomplete", pos),
                v => Val::bottom(format!("invalid operand {} for -", self.describe(&v)), pos),
            },
            Op::Add => v,
            Op::Eq => v,
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Ne | Op::Match | Op::NotMatch => {
                if !v.is_scalar() {
                    return Val::incomplete(format!("bound {} on non-concrete value", op.text()), pos);
                }
                if matches!(op, Op::Match | Op::NotMatch) {
                    let Val::Str(s) = &v else {
                        return Val::bottom("regular expression must be a string", pos);
                    };
                    if self.regex(s).is_none() {
                        return Val::bottom(format!("invalid regular expression {s:?}"), pos);
                    }
                }
                Val::Bound(op, Rc::new(v))
            }
            _ => Val::bottom("invalid unary operator", pos),
        }
    }

    /// Whether a value is concrete (no types, bounds or open disjunctions), shallowly.
    pub(crate) fn is_concrete(&self, v: &Val) -> bool {
        matches!(
            v,
            Val::Null | Val::Bool(_) | Val::Int(_) | Val::Num(_) | Val::Str(_) | Val::Bytes(_)
        ) || matches!(v, Val::Struct(_) | Val::List(_) | Val::Bottom(_))
    }

    /// The default of a value (the value itself when it has none).
    pub(crate) fn default_of(&self, v: &Val) -> Val {
        match v {
            Val::Disj(d) if d.dflt.iter().filter(|f| **f).count() == 1 => {
                let i = d.dflt.iter().position(|f| *f).unwrap_or(0);
                d.alts.get(i).cloned().unwrap_or(Val::Top)
            }
            Val::Disj(d) if d.has_default() => {
                let ds: Vec<Val> = d
                    .alts
                    .iter()
                    .zip(d.dflt.iter())
                    .filter(|(_, f)| **f)
                    .map(|(a, _)| a.clone())
                    .collect();
                if ds.len() == 1 {
                    ds.into_iter().next().unwrap_or(Val::Top)
                } else {
                    let n = ds.len();
                    Val::Disj(Rc::new(Disj {
                        alts: ds,
                        dflt: vec![false; n],
                    }))
                }
            }
            v => v.clone(),
        }
    }

    /// The default, with embedded scalars resolved: what an operator sees.
    pub(crate) fn resolve(&self, v: Val) -> Val {
        let v = self.default_of(&v);
        self.norm(v)
    }

    pub(crate) fn regex(&self, s: &str) -> Option<Rc<regex::Regex>> {
        if let Some(r) = self.regex_cache.borrow().get(s) {
            return r.clone();
        }
        let r = regex::Regex::new(s).ok().map(Rc::new);
        self.regex_cache.borrow_mut().insert(s.to_string(), r.clone());
        r
    }

    /// Short human description of a value for error messages, at most about
    /// [`crate::MAX_MESSAGE_BYTES`] long (a long string is cut, a long disjunction stops with
    /// `...`).
    pub(crate) fn describe(&self, v: &Val) -> String {
        let mut out = String::new();
        self.describe_into(v, &mut out);
        out
    }

    fn describe_into(&self, v: &Val, out: &mut String) {
        use std::fmt::Write as _;
        const MAX: usize = crate::error::MAX_MESSAGE_BYTES;
        if out.len() > MAX {
            out.push_str("...");
            return;
        }
        // (writing to a String cannot fail)
        let _ = match v {
            Val::Top => write!(out, "_"),
            Val::Bottom(b) => write!(out, "_|_ ({})", cut(&b.msg, MAX)),
            Val::Null => write!(out, "null"),
            Val::Bool(b) => write!(out, "{b}"),
            Val::Int(i) => write!(out, "{i}"),
            Val::Num(n) => write!(out, "{n}"),
            Val::Str(s) => match cut(s, MAX) {
                whole if whole.len() == s.len() => write!(out, "{whole:?}"),
                part => write!(out, "{part:?}..."),
            },
            Val::Bytes(b) => write!(out, "'{}'", String::from_utf8_lossy(&b[..b.len().min(MAX)])),
            Val::Kind(k) => write!(out, "{}", kind::name(*k)),
            Val::Bound(op, x) => {
                out.push_str(op.text());
                self.describe_into(x, out);
                Ok(())
            }
            Val::Conj(cs) => {
                self.describe_joined(cs.iter().map(|c| (false, c)), " & ", out);
                Ok(())
            }
            Val::Struct(_) => write!(out, "struct"),
            Val::List(_) => write!(out, "list"),
            Val::Disj(d) => {
                self.describe_joined(d.dflt.iter().copied().zip(d.alts.iter()), " | ", out);
                Ok(())
            }
            Val::Func(n) => write!(out, "function {n}"),
            Val::Validator(v) => {
                let _ = write!(out, "{}(", v.name);
                self.describe_joined(v.args.iter().map(|a| (false, a)), ", ", out);
                write!(out, ")")
            }
            Val::Pkg(n) => write!(out, "package {n}"),
        };
    }

    /// Values separated by `sep` (each marked `*` when its flag is set), stopping with `...`
    /// once the text is long enough.
    fn describe_joined<'v>(&self, vals: impl Iterator<Item = (bool, &'v Val)>, sep: &str, out: &mut String) {
        for (i, (marked, v)) in vals.enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            if out.len() > crate::error::MAX_MESSAGE_BYTES {
                out.push_str("...");
                return;
            }
            if marked {
                out.push('*');
            }
            self.describe_into(v, out);
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Internal name of the field selected by the string `s` (`x["s"]`): a regular field.
fn field_name(s: Name) -> Name {
    if s.starts_with(['_', '#']) {
        crate::ast::regular_name(&s)
    } else {
        s
    }
}

/// Bytes charged per list element built (see [`super::Limits::max_bytes`]).
pub(crate) const VAL_BYTES: usize = std::mem::size_of::<Val>();

/// The scopes of the bodies a comprehension produces.
pub(crate) type Envs = SmallVec<[Env; 4]>;
