//! Reading the shape of a value that is not (yet) concrete: its possible kinds, disjunction
//! alternatives and defaults, bounds, validators, open-list element type, pattern constraints
//! and doc comments. This is what schema generators (OpenAPI, documentation) need; it follows
//! what CUE's `Value.IncompleteKind`, `Value.Expr`, `Value.Default` and `Value.LookupPath`
//! with `AnyIndex` / `AnyString` report.

use std::sync::Arc;

use crate::ast::{Constraint, Decl, ExprKind, Label, Name, Op, StructLit};
use crate::eval::{ConjSrc, FieldConj, FrameKind};
use crate::value::{Val, kind};

use super::{Kind, Value};

/// The operator of a bound or regular-expression constraint, see [`Value::bound`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bound {
    /// `<x`
    Lt,
    /// `<=x`
    Le,
    /// `>x`
    Gt,
    /// `>=x`
    Ge,
    /// `!=x`
    Ne,
    /// `=~x` (the string matches the regular expression)
    Match,
    /// `!~x` (the string does not match the regular expression)
    NotMatch,
}

impl Bound {
    /// The operator as written in CUE (`<`, `<=`, `>`, `>=`, `!=`, `=~`, `!~`).
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            Bound::Lt => "<",
            Bound::Le => "<=",
            Bound::Gt => ">",
            Bound::Ge => ">=",
            Bound::Ne => "!=",
            Bound::Match => "=~",
            Bound::NotMatch => "!~",
        }
    }

    fn from_op(op: Op) -> Option<Bound> {
        Some(match op {
            Op::Lt => Bound::Lt,
            Op::Le => Bound::Le,
            Op::Gt => Bound::Gt,
            Op::Ge => Bound::Ge,
            Op::Ne => Bound::Ne,
            Op::Match => Bound::Match,
            Op::NotMatch => Bound::NotMatch,
            _ => return None,
        })
    }
}

/// One alternative of a disjunction, see [`Value::disjuncts`].
#[derive(Debug, Clone)]
pub struct Disjunct<'a> {
    /// The alternative.
    pub value: Value<'a>,
    /// Whether it is marked as a default (`*`).
    pub is_default: bool,
}

/// A field as declared in a struct, see [`Value::declared_fields`].
#[derive(Debug, Clone)]
pub struct DeclaredField<'a> {
    /// The label, unquoted.
    pub label: String,
    /// Its value (an optional field's constraint, not an error).
    pub value: Value<'a>,
    /// Regular (`a:`), optional (`a?:`) or required (`a!:`).
    pub constraint: Constraint,
}

const KIND_BITS: [(u16, Kind); 8] = [
    (kind::NULL, Kind::Null),
    (kind::BOOL, Kind::Bool),
    (kind::INT, Kind::Int),
    (kind::FLOAT, Kind::Float),
    (kind::STRING, Kind::String),
    (kind::BYTES, Kind::Bytes),
    (kind::STRUCT, Kind::Struct),
    (kind::LIST, Kind::List),
];

/// The kind bits CUE reports: as [`Val::kind`], except that `=~`, `!~` and `!=` take the
/// kind of their operand (`=~"a"` and `!=""` are string constraints).
fn cue_kind(v: &Val) -> u16 {
    match v {
        Val::Bound(Op::Match | Op::NotMatch | Op::Ne, x) => x.kind(),
        Val::Conj(cs) => cs.iter().fold(kind::TOP, |k, c| k & cue_kind(c)),
        Val::Disj(d) => d.alts.iter().fold(0, |k, a| k | cue_kind(a)),
        v => v.kind(),
    }
}

impl<'a> Value<'a> {
    fn with(&self, val: Val, path: String) -> Value<'a> {
        Value {
            inst: self.inst,
            val,
            path,
            parent: None,
        }
    }

    /// The value itself (a struct whose only content is an embedded scalar or disjunction is
    /// that value), without selecting a default.
    fn raw(&self) -> Val {
        match &self.val {
            v @ Val::Struct(_) => self.inst.ctx.norm(v.clone()),
            v => v.clone(),
        }
    }

    /// Every kind the value may still take, defaults not selected (CUE's `IncompleteKind`):
    /// `[Int]` for `int & >=1`, `[Int, Float]` for `number`, `[Null, String]` for
    /// `*null | string`, all eight for `_`, none for an error.
    ///
    /// ```
    /// use vela_cue::{Kind, Program};
    /// let inst = Program::compile("k.cue", "a: *null | string\nb: int & >=1").unwrap().eval().unwrap();
    /// assert_eq!(inst.lookup("a").unwrap().possible_kinds(), vec![Kind::Null, Kind::String]);
    /// assert_eq!(inst.lookup("b").unwrap().possible_kinds(), vec![Kind::Int]);
    /// ```
    pub fn possible_kinds(&self) -> Vec<Kind> {
        let bits = cue_kind(&self.raw());
        KIND_BITS
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, k)| *k)
            .collect()
    }

    /// The alternatives of a disjunction in order, with their default marks; empty when the
    /// value is not a disjunction.
    ///
    /// ```
    /// use vela_cue::Program;
    /// let inst = Program::compile("d.cue", r#"a: *"x" | "y" | string"#).unwrap().eval().unwrap();
    /// let alts = inst.lookup("a").unwrap().disjuncts();
    /// assert_eq!(alts.len(), 3);
    /// assert!(alts[0].is_default && !alts[2].is_default);
    /// assert_eq!(alts[1].value.to_json().unwrap(), "y");
    /// ```
    pub fn disjuncts(&self) -> Vec<Disjunct<'a>> {
        match self.raw() {
            Val::Disj(d) => d
                .alts
                .iter()
                .zip(d.dflt.iter())
                .map(|(v, dflt)| Disjunct {
                    value: self.with(v.clone(), self.path.clone()),
                    is_default: *dflt,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The default of a disjunction with default marks (`*1 | int` gives `1`); `None` when the
    /// value has no default.
    pub fn default_value(&self) -> Option<Value<'a>> {
        match self.raw() {
            v @ Val::Disj(_) if matches!(&v, Val::Disj(d) if d.has_default()) => {
                Some(self.with(self.inst.ctx.default_of(&v), self.path.clone()))
            }
            _ => None,
        }
    }

    /// The parts of a conjunction of constraints that did not reduce to one value, e.g.
    /// `int`, `>=1` and `<=10` for `int & >=1 & <=10`; empty for anything else.
    pub fn conjuncts(&self) -> Vec<Value<'a>> {
        match self.raw() {
            Val::Conj(cs) => cs
                .iter()
                .map(|c| self.with(c.clone(), self.path.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A bound or regular-expression constraint (`>=1`, `<10`, `!=""`, `=~"^a"`, `!~"b"`):
    /// its operator and operand.
    ///
    /// ```
    /// use vela_cue::{Bound, Program};
    /// let inst = Program::compile("b.cue", "a: >=1").unwrap().eval().unwrap();
    /// let (op, n) = inst.lookup("a").unwrap().bound().unwrap();
    /// assert_eq!((op, n.to_json().unwrap()), (Bound::Ge, serde_json::json!(1)));
    /// ```
    pub fn bound(&self) -> Option<(Bound, Value<'a>)> {
        match self.raw() {
            Val::Bound(op, v) => Some((Bound::from_op(op)?, self.with((*v).clone(), self.path.clone()))),
            _ => None,
        }
    }

    /// A builtin used as a validator (`list.MinItems(2)`, `strings.MaxRunes(5)`): its
    /// qualified name and the arguments after the validated value.
    pub fn validator(&self) -> Option<(String, Vec<Value<'a>>)> {
        match self.raw() {
            Val::Validator(v) => Some((
                v.name.to_string(),
                v.args
                    .iter()
                    .map(|a| self.with(a.clone(), self.path.clone()))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The builtin validators unified into a struct (`struct.MinFields(1) & {...}`): their
    /// qualified names and the arguments after the validated value.
    pub fn struct_validators(&self) -> Vec<(String, Vec<Value<'a>>)> {
        let Val::Struct(id) = self.raw() else {
            return Vec::new();
        };
        let node = self.inst.ctx.node(id);
        let conjs = node.conjs.borrow();
        conjs
            .iter()
            .filter_map(|c| match &c.src {
                ConjSrc::Validator(Val::Validator(v)) => Some((
                    v.name.to_string(),
                    v.args
                        .iter()
                        .map(|a| self.with(a.clone(), self.path.clone()))
                        .collect(),
                )),
                _ => None,
            })
            .collect()
    }

    /// The element type of an open list (`string` for `[...string]` or `[1, ...string]`);
    /// `None` for a closed list or a value that is not a list (CUE's `LookupPath(AnyIndex)`).
    ///
    /// ```
    /// use vela_cue::Program;
    /// let inst = Program::compile("l.cue", "a: [...{n: int}]\nb: [1]").unwrap().eval().unwrap();
    /// let tail = inst.lookup("a").unwrap().list_tail().unwrap();
    /// assert_eq!(tail.declared_fields()[0].label, "n");
    /// assert!(inst.lookup("b").unwrap().list_tail().is_none());
    /// ```
    pub fn list_tail(&self) -> Option<Value<'a>> {
        match self.inst.ctx.resolve(self.val.clone()) {
            Val::List(l) => l
                .tail
                .as_ref()
                .map(|t| self.with(t.clone(), format!("{}[_]", self.path))),
            _ => None,
        }
    }

    /// The value a field with any string label gets from the struct's pattern constraints
    /// that accept every string (`T` for `[string]: T` or `[_]: T`, `_` for an explicit `...`);
    /// `None` when there is no such pattern (CUE's `LookupPath(AnyString)`).
    ///
    /// ```
    /// use vela_cue::{Kind, Program};
    /// let inst = Program::compile("p.cue", "a: [string]: int\nb: {x: 1}\nc: {...}").unwrap().eval().unwrap();
    /// assert_eq!(inst.lookup("a").unwrap().any_field().unwrap().possible_kinds(), vec![Kind::Int]);
    /// assert!(inst.lookup("b").unwrap().any_field().is_none());
    /// assert_eq!(inst.lookup("c").unwrap().any_field().unwrap().possible_kinds().len(), 8);
    /// ```
    pub fn any_field(&self) -> Option<Value<'a>> {
        let ctx = &self.inst.ctx;
        let Val::Struct(id) = ctx.resolve(self.val.clone()) else {
            return None;
        };
        ctx.expand(id);
        let conjs: Vec<FieldConj> = {
            let node = ctx.node(id);
            let st = node.st.borrow();
            st.patterns
                .iter()
                .filter(|p| match &p.pattern {
                    Val::Top => true,
                    Val::Kind(k) => k & kind::STRING != 0,
                    _ => false,
                })
                .map(|p| {
                    let env = match p.lit.decls.get(p.idx as usize) {
                        Some(Decl::Field(f)) => match &f.label {
                            Label::Pattern(Some(alias), _) => ctx.push(
                                &p.env,
                                FrameKind::Var {
                                    name: alias.clone(),
                                    val: Val::Kind(kind::STRING),
                                },
                            ),
                            _ => p.env.clone(),
                        },
                        _ => p.env.clone(),
                    };
                    FieldConj::Decl {
                        lit: p.lit.clone(),
                        idx: p.idx,
                        env,
                        gid: p.gid,
                        rpos: None,
                    }
                })
                .collect()
        };
        if conjs.is_empty() {
            let node = ctx.node(id);
            let open = node.conjs.borrow().iter().any(|c| match &c.src {
                ConjSrc::Lit(lit, _) => lit.decls.iter().any(|d| matches!(d, Decl::Ellipsis(_))),
                _ => false,
            });
            return open.then(|| self.with(Val::Top, format!("{}[string]", self.path)));
        }
        let v = ctx.eval_field(id, &Name::from("[string]"), &conjs);
        Some(self.with(v, format!("{}[string]", self.path)))
    }

    /// Regular, optional and required fields (not hidden fields or definitions) in CUE order,
    /// with their constraint.
    ///
    /// ```
    /// use vela_cue::{Constraint, Program};
    /// let inst = Program::compile("f.cue", "a: {x: int, y?: string, _h: 1, #d: 2}").unwrap().eval().unwrap();
    /// let f = inst.lookup("a").unwrap().declared_fields();
    /// assert_eq!(f.iter().map(|f| (f.label.as_str(), f.constraint)).collect::<Vec<_>>(),
    ///            vec![("x", Constraint::Regular), ("y", Constraint::Optional)]);
    /// ```
    pub fn declared_fields(&self) -> Vec<DeclaredField<'a>> {
        let ctx = &self.inst.ctx;
        let Val::Struct(id) = ctx.resolve(self.val.clone()) else {
            return Vec::new();
        };
        ctx.expand(id);
        let names: Vec<(Name, Constraint)> = ctx
            .node(id)
            .st
            .borrow()
            .fields
            .iter()
            .filter(|(n, _)| !(n.starts_with('_') || n.starts_with('#')))
            .map(|(k, s)| (k.clone(), s.constraint))
            .collect();
        let me = self.with(Val::Struct(id), self.path.clone());
        names
            .into_iter()
            .map(|(n, constraint)| {
                let mut value = me.child(&n);
                if constraint != Constraint::Regular
                    && let Some((v, _)) = ctx.field(id, &n)
                {
                    value.val = v;
                }
                DeclaredField {
                    label: crate::ast::label_text(&n).to_string(),
                    value,
                    constraint,
                }
            })
            .collect()
    }

    /// The doc comments of this field as CUE's `Value.Doc` gives them: per declaration, the
    /// comment group that ends on the line right before it, and the group that ends right
    /// before the `}` of its struct when it is the struct's last field (text after `//`, one
    /// entry per line). [`Value::comments`] has every comment line instead.
    pub fn doc_comments(&self) -> Vec<Vec<String>> {
        let Some((id, name)) = &self.parent else {
            return Vec::new();
        };
        let node = self.inst.ctx.node(*id);
        let st = node.st.borrow();
        st.fields
            .get(name)
            .map(|s| s.comment_groups(true).map(|c| c.to_vec()).collect())
            .unwrap_or_default()
    }

    /// Whether every declaration of this field is in the body of a comprehension
    /// (`if cond { field: ... }`, `for ... { field: ... }`) of its struct. CUE reports the
    /// expressions of such fields from their evaluated value rather than their syntax.
    ///
    /// ```
    /// use vela_cue::Program;
    /// let inst = Program::compile("c.cue", "a: {if true {x: 1}, y: 2}").unwrap().eval().unwrap();
    /// assert!(inst.lookup("a.x").unwrap().from_comprehension());
    /// assert!(!inst.lookup("a.y").unwrap().from_comprehension());
    /// ```
    pub fn from_comprehension(&self) -> bool {
        let Some((id, name)) = &self.parent else {
            return false;
        };
        let node = self.inst.ctx.node(*id);
        let mut bodies: Vec<*const StructLit> = Vec::new();
        for c in node.conjs.borrow().iter() {
            if let ConjSrc::Lit(lit, _) = &c.src {
                collect_bodies(lit, &mut bodies, 0);
            }
        }
        let st = node.st.borrow();
        let Some(slot) = st.fields.get(name) else {
            return false;
        };
        let mut any = false;
        for c in &slot.conjs {
            match c {
                FieldConj::Decl { lit, .. } if bodies.contains(&Arc::as_ptr(lit)) => any = true,
                _ => return false,
            }
        }
        any
    }

    /// Whether the struct is declared by a single struct literal that embeds a reference
    /// (`#A: {base, x: 1}` or `{#Base, ...}`). CUE's `Value.Expr` reports such a struct as the
    /// conjunction of the embedded reference and the other fields.
    ///
    /// ```
    /// use vela_cue::Program;
    /// let inst = Program::compile("e.cue", "b: {x: 1}\na: {b, y: 2}\nc: {y: 2}").unwrap().eval().unwrap();
    /// assert!(inst.lookup("a").unwrap().embeds_reference());
    /// assert!(!inst.lookup("c").unwrap().embeds_reference());
    /// ```
    pub fn embeds_reference(&self) -> bool {
        let ctx = &self.inst.ctx;
        let Val::Struct(id) = self.raw() else {
            return false;
        };
        ctx.expand(id);
        let node = ctx.node(id);
        let conjs = node.conjs.borrow();
        let lits: Vec<&Arc<StructLit>> = conjs
            .iter()
            .take(node.orig.get())
            .filter_map(|c| match &c.src {
                ConjSrc::Lit(lit, _) => Some(lit),
                _ => None,
            })
            .collect();
        let [lit] = lits.as_slice() else {
            return false;
        };
        lit.decls.iter().any(|d| match d {
            Decl::Embed(e) => match &e.kind {
                ExprKind::Ident(n) => !matches!(
                    &**n,
                    "_" | "null" | "bool" | "int" | "float" | "number" | "string" | "bytes"
                ),
                ExprKind::Select(..) => true,
                _ => false,
            },
            _ => false,
        })
    }

    /// The unification of two values of the same evaluation (CUE's `Value.Unify`).
    ///
    /// ```
    /// use vela_cue::Program;
    /// let inst = Program::compile("u.cue", "a: int\nb: 1\nc: \"x\"").unwrap().eval().unwrap();
    /// let (a, b, c) = (inst.lookup("a").unwrap(), inst.lookup("b").unwrap(), inst.lookup("c").unwrap());
    /// assert_eq!(a.unify(&b).to_json().unwrap(), 1);
    /// assert!(!a.unify(&c).exists());
    /// ```
    pub fn unify(&self, other: &Value<'a>) -> Value<'a> {
        let v = self.inst.ctx.unify(self.val.clone(), other.val.clone());
        self.with(v, self.path.clone())
    }
}

/// The bodies of the comprehensions declared in `lit` (and in those bodies).
fn collect_bodies(lit: &Arc<StructLit>, out: &mut Vec<*const StructLit>, depth: usize) {
    if depth > 16 {
        return;
    }
    for d in &lit.decls {
        if let Decl::Comprehension(c) = d {
            out.push(Arc::as_ptr(&c.body));
            collect_bodies(&c.body, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bound;
    use crate::Program;
    use crate::api::Kind;
    use crate::ast::Constraint;
    use serde_json::json;

    #[test]
    fn shape_of_parameter_fields() {
        let p = Program::compile(
            "s.cue",
            r#"import "list"
parameter: {
	// +usage=Replicas
	replicas: *1 | int & >=0
	policy?: *"Always" | "Never"
	ports: [...{port: int}]
	labels: [string]: string
	name: =~"^[a-z]+$"
	m: list.MinItems(1)
}
parameter: replicas: int
"#,
        )
        .unwrap();
        let inst = p.eval().unwrap();
        let par = inst.lookup("parameter").unwrap();
        let fields = par.declared_fields();
        let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["replicas", "policy", "ports", "labels", "name", "m"]);
        assert_eq!(fields[1].constraint, Constraint::Optional);
        let policy = &fields[1].value;
        assert_eq!(policy.disjuncts().len(), 2);
        assert_eq!(
            policy.default_value().unwrap().to_json().unwrap(),
            json!("Always")
        );

        let replicas = par.lookup("replicas").unwrap();
        assert_eq!(
            replicas.doc_comments(),
            vec![vec![" +usage=Replicas".to_string()]]
        );
        assert_eq!(replicas.default_value().unwrap().to_json().unwrap(), json!(1));
        assert_eq!(replicas.possible_kinds(), vec![Kind::Int]);
        let alts = replicas.disjuncts();
        let bounds: Vec<_> = alts[1]
            .value
            .conjuncts()
            .iter()
            .filter_map(|c| c.bound())
            .map(|(op, v)| (op, v.to_json().unwrap()))
            .collect();
        assert_eq!(bounds, vec![(Bound::Ge, json!(0))]);

        let tail = par.lookup("ports").unwrap().list_tail().unwrap();
        assert_eq!(tail.declared_fields()[0].value.possible_kinds(), vec![Kind::Int]);
        let any = par.lookup("labels").unwrap().any_field().unwrap();
        assert_eq!(any.possible_kinds(), vec![Kind::String]);
        let (op, re) = par.lookup("name").unwrap().bound().unwrap();
        assert_eq!((op, re.to_json().unwrap()), (Bound::Match, json!("^[a-z]+$")));
        let (name, args) = par.lookup("m").unwrap().validator().unwrap();
        assert_eq!(
            (name.as_str(), args[0].to_json().unwrap()),
            ("list.MinItems", json!(1))
        );
        assert!(par.lookup("replicas").unwrap().validator().is_none());
        assert!(par.lookup("ports").unwrap().bound().is_none());
    }

    #[test]
    fn comment_group_before_closing_brace_documents_the_last_field() {
        let inst = Program::compile(
            "c.cue",
            "s: {\n\t// A\n\ta: 1\n\t// B\n\tb: 2\n\t// tail\n}\nt: {\n\tc: 1\n\t// loose\n\n}\n",
        )
        .unwrap()
        .eval()
        .unwrap();
        let groups = |p: &str| inst.lookup(p).unwrap().doc_comments();
        assert_eq!(groups("s.a"), vec![vec![" A".to_string()]]);
        assert_eq!(
            groups("s.b"),
            vec![vec![" B".to_string()], vec![" tail".to_string()]]
        );
        assert!(
            groups("t.c").is_empty(),
            "a blank line before the closing brace detaches the group"
        );
    }
}
