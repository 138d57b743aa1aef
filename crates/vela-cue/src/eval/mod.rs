//! The evaluator: struct nodes in an arena, lazy memoised fields, scopes.
//!
//! A struct value is a [`Node`]: a list of conjuncts (struct literals with the environment they
//! were written in, or already evaluated fields) that is expanded on first use into ordered field
//! slots. A slot keeps the conjuncts of its field and evaluates them lazily to one value, once.
//! Unifying two structs makes a new node with the conjuncts of both, so references inside a
//! definition see the fields of the instance they were unified into.

mod embed;
mod expr;
mod fields;
mod groups;
mod ops;
mod order;
mod unify;

use order::{Infos, Scratch};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::ast::{Constraint, Decl, Expr, ExprKind, Field, Label, Name, StructLit};
use crate::hash::FxHashMap;
use crate::value::{NodeId, Val};

pub(crate) use ops::{compare_eq, order_vals};

/// Limits applied to one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum number of expression evaluations.
    pub max_steps: u64,
    /// Maximum evaluation nesting depth.
    pub max_depth: u32,
    /// Maximum size of exported output in bytes.
    pub max_output: usize,
    /// Maximum number of struct nodes created.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 5_000_000,
            max_depth: 400,
            max_output: 16 << 20,
            max_nodes: 500_000,
        }
    }
}

/// Lexical environment: the innermost of a linked list of frames, an index into the frame
/// arena of the [`Ctx`] (`Env::default()`: no frame). Frames live as long as the context, so an
/// environment is a plain number: no reference count, no allocation per scope.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Env(u32);

/// One scope.
pub(crate) struct Frame {
    pub parent: Env,
    pub kind: FrameKind,
}

pub(crate) enum FrameKind {
    /// Fields and lets of `lit`, values looked up in `node`.
    Struct { lit: Arc<StructLit>, node: NodeId },
    /// A variable bound by `for`, `let` clause or pattern alias.
    Var { name: Name, val: Val },
    /// File scope: imports.
    File {
        imports: Rc<HashMap<Name, Val>>,
        root: Option<NodeId>,
    },
}

/// Queued dynamic declaration: literal, declaration index, scope, closedness group, struct-info
/// index, reference position.
type Work = (Arc<StructLit>, u32, Env, Option<u32>, usize, Option<u32>);

/// The conjuncts of a node (most nodes have one or two).
pub(crate) type Conjs = SmallVec<[Conj; 2]>;

/// A struct conjunct.
#[derive(Clone)]
pub(crate) struct Conj {
    pub src: ConjSrc,
    /// Closedness group the conjunct belongs to (definitions, `close()`).
    pub gid: Option<u32>,
    /// Source position used for field ordering (struct literal, or the reference that reached it).
    pub pos: u32,
    /// `pos` is the position of a reference.
    pub ref_pos: bool,
    /// Part of an explicit unification `a & b` (field ordering).
    pub explicit: bool,
}

/// Position base of values injected from JSON (after any source text).
pub(crate) const FILL_POS: u32 = 1 << 30;

impl Conj {
    pub(crate) fn validator(v: Val) -> Conj {
        Conj {
            src: ConjSrc::Validator(v),
            gid: None,
            pos: FILL_POS,
            ref_pos: false,
            explicit: false,
        }
    }

    pub(crate) fn lit(lit: Arc<StructLit>, env: Env, gid: Option<u32>) -> Conj {
        let pos = lit.pos;
        Conj {
            src: ConjSrc::Lit(lit, env),
            gid,
            pos,
            ref_pos: false,
            explicit: false,
        }
    }
    pub(crate) fn fields(fields: impl Into<Rc<[(Name, Val)]>>) -> Conj {
        Conj {
            src: ConjSrc::Fields(fields.into()),
            gid: None,
            pos: FILL_POS,
            ref_pos: false,
            explicit: false,
        }
    }
}

#[derive(Clone)]
pub(crate) enum ConjSrc {
    Lit(Arc<StructLit>, Env),
    /// The already evaluated fields of another node (e.g. decoded JSON).
    Fields(Rc<[(Name, Val)]>),
    /// A struct validator (`struct.MinFields(1)`), checked when the node is expanded.
    Validator(Val),
}

/// One conjunct of a field value.
#[derive(Clone)]
pub(crate) enum FieldConj {
    /// The value expression of the field declaration `lit.decls[idx]` (or the pattern value).
    Decl {
        lit: Arc<StructLit>,
        idx: u32,
        env: Env,
        gid: Option<u32>,
        rpos: Option<u32>,
    },
    /// A value.
    Val(Val),
}

/// A field slot of an expanded node.
pub(crate) struct Slot {
    pub conjs: SmallVec<[FieldConj; 1]>,
    pub constraint: Constraint,
    pub comments: SmallVec<[Arc<[String]>; 1]>,
    /// Doc comment groups of the declarations (see `ast::Field::doc`, `ast::Field::trailing`).
    pub docs: SmallVec<[Arc<[String]>; 1]>,
    pub value: Option<Val>,
    pub busy: bool,
    /// Closedness groups that declared this label.
    pub groups: SmallVec<[u32; 2]>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Fresh,
    Expanding,
    Done,
}

pub(crate) struct Pattern {
    pub pattern: Val,
    pub lit: Arc<StructLit>,
    pub idx: u32,
    pub env: Env,
    pub gid: Option<u32>,
}

/// Closedness group info gathered during expansion.
#[derive(Default)]
pub(crate) struct Group {
    pub open: bool,
    pub patterns: Vec<Val>,
    /// Labels of an open struct that embeds this closed one (allowed too).
    pub extra: Vec<Name>,
}

pub(crate) struct NodeState {
    pub status: Status,
    pub fields: fields::FieldMap,
    pub patterns: Vec<Pattern>,
    pub embedded: Vec<Val>,
    pub groups: groups::GroupMap,
    pub error: Option<Val>,
    pub lets: FxHashMap<(usize, Name), Val>,
    /// Set when a comprehension or embedding was processed (struct is not a plain literal).
    pub has_regular_decl: bool,
    pub closed_checked: bool,
}

pub(crate) struct Node {
    pub conjs: RefCell<Conjs>,
    /// Number of conjuncts the node was created with (expansion appends embedded ones).
    pub orig: Cell<usize>,
    pub st: RefCell<NodeState>,
    pub parent: Option<NodeId>,
    pub label: Option<Name>,
}

/// The evaluation context: arena of nodes, counters, limits.
pub(crate) struct Ctx {
    pub nodes: RefCell<Vec<Rc<Node>>>,
    /// Frame arena of the environments ([`Env`]).
    frames: RefCell<Vec<Frame>>,
    pub steps: Cell<u64>,
    pub depth: Cell<u32>,
    pub limits: Limits,
    pub limit_hit: RefCell<Option<String>>,
    pub next_gid: Cell<u32>,
    pub child_gids: RefCell<FxHashMap<(u32, Name), u32>>,
    pub regex_cache: RefCell<HashMap<String, Option<Rc<regex::Regex>>>>,
    /// Total number of struct conjuncts allocated.
    pub conj_total: Cell<usize>,
    /// Reference position of the field value being evaluated (see `derived`).
    pub cur_rpos: Cell<Option<u32>>,
    /// Structs being exported (structural cycle detection).
    pub export_stack: RefCell<Vec<NodeId>>,
    /// Buffers of the field sort.
    order_scratch: RefCell<Scratch>,
    /// Struct-info buffers of finished expansions, for reuse.
    infos_pool: RefCell<Vec<Infos>>,
}

impl Ctx {
    pub(crate) fn new(limits: Limits) -> Ctx {
        Ctx {
            nodes: RefCell::new(Vec::new()),
            frames: RefCell::new(Vec::new()),
            steps: Cell::new(0),
            depth: Cell::new(0),
            limits,
            limit_hit: RefCell::new(None),
            next_gid: Cell::new(1),
            child_gids: RefCell::new(FxHashMap::default()),
            regex_cache: RefCell::new(HashMap::new()),
            export_stack: RefCell::new(Vec::new()),
            cur_rpos: Cell::new(None),
            conj_total: Cell::new(0),
            order_scratch: RefCell::new(Scratch::default()),
            infos_pool: RefCell::new(Vec::new()),
        }
    }

    /// A new frame `kind` inside `env`.
    pub(crate) fn push(&self, env: &Env, kind: FrameKind) -> Env {
        let mut frames = self.frames.borrow_mut();
        frames.push(Frame {
            parent: env.clone(),
            kind,
        });
        Env(frames.len() as u32)
    }

    /// The innermost frame of `env`; the borrow must end before any evaluation.
    pub(crate) fn frame(&self, env: &Env) -> Option<std::cell::Ref<'_, Frame>> {
        let i = env.0.checked_sub(1)?;
        Some(std::cell::Ref::map(self.frames.borrow(), |f| &f[i as usize]))
    }

    pub(crate) fn node(&self, id: NodeId) -> Rc<Node> {
        self.nodes.borrow()[id as usize].clone()
    }

    pub(crate) fn new_node(&self, conjs: Conjs, parent: Option<NodeId>, label: Option<Name>) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        if nodes.len() >= self.limits.max_nodes {
            self.hit_limit(format!("more than {} struct values", self.limits.max_nodes));
        }
        // conjunct lists are copied when structs unify; bound their total size too
        let total = self.conj_total.get() + conjs.len();
        self.conj_total.set(total);
        if total > self.limits.max_nodes.saturating_mul(8) {
            self.hit_limit(format!(
                "more than {} struct conjuncts",
                self.limits.max_nodes.saturating_mul(8)
            ));
        }
        let conjs = if self.limited() { Conjs::new() } else { conjs };
        let orig = conjs.len();
        nodes.push(Rc::new(Node {
            orig: Cell::new(orig),
            conjs: RefCell::new(conjs),
            st: RefCell::new(NodeState {
                status: Status::Fresh,
                fields: fields::FieldMap::default(),
                patterns: Vec::new(),
                embedded: Vec::new(),
                groups: groups::GroupMap::default(),
                error: None,
                lets: FxHashMap::default(),
                has_regular_decl: false,
                closed_checked: false,
            }),
            parent,
            label,
        }));
        (nodes.len() - 1) as NodeId
    }

    pub(crate) fn hit_limit(&self, msg: String) {
        let mut l = self.limit_hit.borrow_mut();
        if l.is_none() {
            *l = Some(msg);
        }
    }

    pub(crate) fn limited(&self) -> bool {
        self.limit_hit.borrow().is_some()
    }

    pub(crate) fn fresh_gid(&self) -> u32 {
        let g = self.next_gid.get();
        self.next_gid.set(g + 1);
        g
    }

    pub(crate) fn child_gid(&self, g: u32, label: &Name) -> u32 {
        if let Some(c) = self.child_gids.borrow().get(&(g, label.clone())) {
            return *c;
        }
        let c = self.fresh_gid();
        self.child_gids.borrow_mut().insert((g, label.clone()), c);
        c
    }

    /// Path of a node for error messages.
    pub(crate) fn path_of(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(c) = cur {
            guard += 1;
            if guard > 200 {
                break;
            }
            let n = self.node(c);
            if let Some(l) = &n.label {
                parts.push(l.to_string());
            }
            cur = n.parent;
        }
        parts.reverse();
        parts.join(".")
    }

    /// Expand a node: gather its fields from all conjuncts, run embeddings and comprehensions.
    pub(crate) fn expand(&self, id: NodeId) {
        let node = self.node(id);
        {
            let mut st = node.st.borrow_mut();
            if st.status != Status::Fresh {
                return;
            }
            st.status = Status::Expanding;
            node.orig.set(node.conjs.borrow().len());
        }
        let mut i = 0;
        // Pass 1 adds static fields of every literal; dynamic work is queued and run afterwards so
        // that comprehensions see the fields declared after them.
        let mut work: SmallVec<[Work; 4]> = SmallVec::new();
        let mut infos = self.infos_pool.borrow_mut().pop().unwrap_or_default();
        let mut wi = 0;
        loop {
            let conj = {
                let conjs = node.conjs.borrow();
                if i < conjs.len() {
                    Some(conjs[i].clone())
                } else {
                    None
                }
            };
            if let Some(c) = conj {
                i += 1;
                if !matches!(c.src, ConjSrc::Validator(_)) {
                    self.add_static(id, &node, c, &mut work, &mut infos);
                }
                continue;
            }
            if wi < work.len() {
                let (lit, idx, env, gid, info, rpos) = work[wi].clone();
                wi += 1;
                if self.limited() {
                    break;
                }
                self.run_dynamic(id, &node, &lit, idx, &env, gid, (info, rpos), &mut infos);
                continue;
            }
            break;
        }
        {
            let mut st = node.st.borrow_mut();
            st.status = Status::Done;
            order::sort_fields(&mut st, &infos, &mut self.order_scratch.borrow_mut());
        }
        infos.clear();
        self.infos_pool.borrow_mut().push(infos);
        self.check_closed(id);
    }

    /// The first failing struct validator among the node's conjuncts. Like CUE, validators are
    /// checked when a struct is finalised (exported or validated), not while other values
    /// still refer to it: `#S: struct.MinFields(1)` holds for `#S & {a: 1}`, not for `#S`.
    pub(crate) fn validator_error(&self, id: NodeId) -> Option<Val> {
        let node = self.node(id);
        let validators: Vec<Val> = node
            .conjs
            .borrow()
            .iter()
            .filter_map(|c| match &c.src {
                ConjSrc::Validator(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        validators.into_iter().find_map(|v| match v {
            Val::Validator(v) => match self.run_validator(&v, Val::Struct(id)) {
                b @ Val::Bottom(_) => Some(b),
                _ => None,
            },
            _ => None,
        })
    }

    fn add_static(
        &self,
        id: NodeId,
        node: &Node,
        c: Conj,
        work: &mut SmallVec<[Work; 4]>,
        infos: &mut Infos,
    ) {
        let rpos = if c.ref_pos { Some(c.pos) } else { None };
        let labels = match &c.src {
            ConjSrc::Fields(f) => f.len(),
            ConjSrc::Lit(lit, _) => lit.decls.len(),
            ConjSrc::Validator(_) => 0,
        };
        let info_idx = infos.begin(&c, labels);
        match c.src {
            // checked by `check_validators` once the node is complete
            ConjSrc::Validator(_) => {}
            ConjSrc::Fields(fields) => {
                let mut guard = node.st.borrow_mut();
                let st = &mut *guard;
                st.fields.reserve(fields.len());
                for (i, (name, v)) in fields.iter().enumerate() {
                    let (fi, _, slot) = st.fields.slot(name.clone());
                    infos.push_label(info_idx, fi, c.pos.saturating_add(i as u32 + 1));
                    slot.conjs.push(FieldConj::Val(v.clone()));
                    slot.value = None;
                    if slot.constraint != Constraint::Regular {
                        slot.constraint = Constraint::Regular;
                    }
                }
            }
            ConjSrc::Lit(lit, env) => {
                let fenv = self.push(
                    &env,
                    FrameKind::Struct {
                        lit: lit.clone(),
                        node: id,
                    },
                );
                let mut st = node.st.borrow_mut();
                if let Some(g) = c.gid {
                    st.groups.get_or_default(g);
                }
                st.fields.reserve(lit.decls.len());
                for (idx, d) in lit.decls.iter().enumerate() {
                    match d {
                        Decl::Field(f) => match &f.label {
                            Label::Name(n) => {
                                let fi = add_field_conj(
                                    &mut st,
                                    n.clone(),
                                    f.constraint,
                                    f,
                                    FieldConj::Decl {
                                        lit: lit.clone(),
                                        idx: idx as u32,
                                        env: fenv.clone(),
                                        gid: c.gid,
                                        rpos,
                                    },
                                    c.gid,
                                );
                                infos.push_label(info_idx, fi, f.pos);
                            }
                            Label::Dynamic(_) => {
                                infos.push_dynamic(info_idx, idx as u32, f.pos);
                                work.push((lit.clone(), idx as u32, fenv.clone(), c.gid, info_idx, rpos))
                            }
                            Label::Pattern(..) => {
                                work.push((lit.clone(), idx as u32, fenv.clone(), c.gid, info_idx, rpos))
                            }
                        },
                        Decl::Ellipsis(_) => {
                            if let Some(g) = c.gid {
                                st.groups.get_or_default(g).open = true;
                            }
                        }
                        Decl::Embed(_) | Decl::Comprehension(_) => {
                            work.push((lit.clone(), idx as u32, fenv.clone(), c.gid, info_idx, rpos));
                        }
                        Decl::Let(..) | Decl::Attr(_) => {}
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_dynamic(
        &self,
        id: NodeId,
        node: &Node,
        lit: &Arc<StructLit>,
        idx: u32,
        fenv: &Env,
        gid: Option<u32>,
        (info, rpos): (usize, Option<u32>),
        infos: &mut Infos,
    ) {
        let Some(d) = lit.decls.get(idx as usize) else {
            return;
        };
        match d {
            Decl::Field(f) => match &f.label {
                Label::Dynamic(e) => {
                    let v = self.resolve(self.eval(e, fenv));
                    match v {
                        Val::Str(s) => {
                            let s = crate::ast::regular_name(&s);
                            let mut st = node.st.borrow_mut();
                            let fi = add_field_conj(
                                &mut st,
                                s,
                                f.constraint,
                                f,
                                FieldConj::Decl {
                                    lit: lit.clone(),
                                    idx,
                                    env: fenv.clone(),
                                    gid,
                                    rpos,
                                },
                                gid,
                            );
                            infos.set_dynamic(info, idx, fi);
                        }
                        Val::Bottom(b) => {
                            self.set_error(node, Val::Bottom(b));
                        }
                        other => {
                            self.set_error(
                                node,
                                Val::bottom(format!("invalid label type {}", self.describe(&other)), e.pos),
                            );
                        }
                    }
                }
                Label::Pattern(alias, e) => {
                    let pv = self.eval(e, fenv);
                    let env = match alias {
                        Some(_) => fenv.clone(),
                        None => fenv.clone(),
                    };
                    let mut st = node.st.borrow_mut();
                    if let Some(g) = gid {
                        st.groups.get_or_default(g).patterns.push(pv.clone());
                    }
                    st.patterns.push(Pattern {
                        pattern: pv,
                        lit: lit.clone(),
                        idx,
                        env,
                        gid,
                    });
                    // apply to existing fields lazily: invalidate caches
                    for s in st.fields.values_mut() {
                        s.value = None;
                    }
                }
                Label::Name(_) => {}
            },
            Decl::Embed(e) => {
                self.embed(id, node, e, fenv, gid, (lit.end, rpos, lit));
            }
            Decl::Comprehension(c) => {
                let mut envs = expr::Envs::new();
                if let Err(b) = self.clauses(&c.clauses, 0, fenv.clone(), &mut envs) {
                    self.set_error(node, b);
                    return;
                }
                let mut conjs = node.conjs.borrow_mut();
                for env in envs {
                    conjs.push(derived(Conj::lit(c.body.clone(), env, gid), rpos));
                }
                node.st.borrow_mut().has_regular_decl = true;
            }
            _ => {}
        }
    }

    /// The value of field `name` of node `id` (expanding the node first).
    /// Returns `None` when the node has no such field.
    pub(crate) fn field(&self, id: NodeId, name: &str) -> Option<(Val, Constraint)> {
        self.expand(id);
        let node = self.node(id);
        let (conjs, constraint, name) = {
            let mut st = node.st.borrow_mut();
            let (_, key, slot) = st.fields.get_full_mut(name)?;
            let key = key.clone();
            if let Some(v) = &slot.value {
                return Some((v.clone(), slot.constraint));
            }
            if slot.busy {
                return Some((
                    Val::incomplete(format!("cycle in field {name}"), u32::MAX),
                    slot.constraint,
                ));
            }
            slot.busy = true;
            // moved out while evaluating (no copy); put back below
            (std::mem::take(&mut slot.conjs), slot.constraint, key)
        };
        // pattern constraints apply to regular labels
        let mut extra = Vec::new();
        if !name.starts_with('#') && !name.starts_with('_') {
            let st = node.st.borrow();
            for p in st.patterns.iter() {
                extra.push((p.pattern.clone(), p.lit.clone(), p.idx, p.env.clone(), p.gid));
            }
        }
        let mut all = conjs;
        let own = all.len();
        for (pat, lit, idx, env, gid) in extra {
            if self.label_matches(&pat, &name) {
                let env = match lit.decls.get(idx as usize) {
                    Some(Decl::Field(f)) => match &f.label {
                        Label::Pattern(Some(alias), _) => self.push(
                            &env,
                            FrameKind::Var {
                                name: alias.clone(),
                                val: Val::Str(name.as_ref().into()),
                            },
                        ),
                        _ => env,
                    },
                    _ => env,
                };
                all.push(FieldConj::Decl {
                    lit,
                    idx,
                    env,
                    gid,
                    rpos: None,
                });
            }
        }
        let v = self.eval_field(id, &name, &all);
        let mut st = node.st.borrow_mut();
        if let Some(slot) = st.fields.get_mut(&name) {
            slot.busy = false;
            all.truncate(own);
            let added = std::mem::take(&mut slot.conjs);
            let stale = !added.is_empty();
            all.extend(added);
            slot.conjs = all;
            // cached even while the node is still expanding: adding a conjunct later resets it
            if slot.value.is_none() && !stale {
                slot.value = Some(v.clone());
            }
        }
        Some((v, constraint))
    }

    /// Evaluate the conjuncts of a field into one value.
    pub(crate) fn eval_field(&self, parent: NodeId, name: &Name, conjs: &[FieldConj]) -> Val {
        let is_def = name.starts_with('#') || name.starts_with("_#");
        let def_gid = if is_def { Some(self.fresh_gid()) } else { None };
        let mut lits = Conjs::new();
        let mut acc = Val::Top;
        for c in conjs {
            match c {
                FieldConj::Val(v) => acc = self.unify(acc, v.clone()),
                FieldConj::Decl {
                    lit,
                    idx,
                    env,
                    gid,
                    rpos,
                } => {
                    let Some(Decl::Field(f)) = lit.decls.get(*idx as usize) else {
                        continue;
                    };
                    let g = gid.map(|g| self.child_gid(g, name)).or(def_gid);
                    if let ExprKind::Struct(sl) = &f.value.kind {
                        lits.push(derived(Conj::lit(sl.clone(), env.clone(), g), *rpos));
                        continue;
                    }
                    let saved = self.cur_rpos.replace(*rpos);
                    let v = self.eval_closed(&f.value, env, g, Some((parent, name)));
                    self.cur_rpos.set(saved);
                    let v = if self.is_let_ref(&f.value, env) {
                        self.at_ref(v, &f.value, f.value.pos, false)
                    } else if let Some(p) = rpos {
                        // inside a struct reached through a reference, referenced values take
                        // that reference's position too
                        self.at_ref(v, &f.value, *p, false)
                    } else {
                        v
                    };
                    acc = self.unify(acc, v);
                }
            }
            if acc.is_bottom() {
                break;
            }
        }
        if !lits.is_empty() && !acc.is_bottom() {
            let n = self.new_node(lits, Some(parent), Some(name.clone()));
            acc = self.unify(Val::Struct(n), acc);
        }
        let acc = self.norm(acc);
        self.reparent(&acc, parent, name);
        match acc {
            Val::Bottom(b) if (b.path.is_none() && b.at.is_none()) || b.pos == u32::MAX => {
                let mut b = (*b).clone();
                if b.pos == u32::MAX {
                    b.pos = conjs
                        .iter()
                        .find_map(|c| match c {
                            FieldConj::Decl { lit, idx, .. } => match lit.decls.get(*idx as usize) {
                                Some(Decl::Field(f)) => Some(f.value.pos),
                                _ => None,
                            },
                            _ => None,
                        })
                        .unwrap_or(u32::MAX);
                }
                if b.path.is_none() && b.at.is_none() {
                    b.at = Some((parent, name.clone()));
                }
                Val::Bottom(Rc::new(b))
            }
            v => v,
        }
    }

    fn reparent(&self, _v: &Val, _parent: NodeId, _name: &Name) {}

    /// A struct whose only content is embedded scalars is that scalar.
    pub(crate) fn norm(&self, v: Val) -> Val {
        match v {
            Val::Struct(id) => {
                self.expand(id);
                let node = self.node(id);
                let st = node.st.borrow();
                // an unresolved (incomplete) comprehension leaves the struct usable: its other
                // fields can be read; export and `Value::err` still report it
                if let Some(e @ Val::Bottom(b)) = &st.error
                    && !b.incomplete
                {
                    return e.clone();
                }
                if st.embedded.is_empty() {
                    return Val::Struct(id);
                }
                let emb = st.embedded.clone();
                let has_regular = st
                    .fields
                    .keys()
                    .any(|k| !k.starts_with('_') && !k.starts_with('#'));
                drop(st);
                let mut acc = Val::Top;
                for e in emb {
                    acc = self.unify(acc, e);
                }
                if has_regular {
                    match acc {
                        Val::Struct(_) | Val::Top => Val::Struct(id),
                        other => Val::bottom(
                            format!(
                                "cannot combine struct with embedded value {}",
                                self.describe(&other)
                            ),
                            u32::MAX,
                        ),
                    }
                } else {
                    acc
                }
            }
            v => v,
        }
    }

    /// Look up a `let` declared in `lit` evaluated in the scope of `node`.
    pub(crate) fn let_value(
        &self,
        lit: &Arc<StructLit>,
        node: NodeId,
        name: &Name,
        e: &Expr,
        env: &Env,
    ) -> Val {
        let key = (Arc::as_ptr(lit) as usize, name.clone());
        let n = self.node(node);
        if let Some(v) = n.st.borrow().lets.get(&key) {
            return v.clone();
        }
        let v = self.eval(e, env);
        n.st.borrow_mut().lets.insert(key, v.clone());
        v
    }
}

/// A conjunct produced while expanding one reached through a reference keeps its position.
pub(crate) fn derived(mut c: Conj, rpos: Option<u32>) -> Conj {
    if let Some(p) = rpos {
        c.pos = p;
        c.ref_pos = true;
    }
    c
}

impl Slot {
    /// An empty slot (optional until a declaration says otherwise).
    pub(crate) fn new() -> Slot {
        Slot {
            conjs: SmallVec::new(),
            constraint: Constraint::Optional,
            comments: SmallVec::new(),
            docs: SmallVec::new(),
            value: None,
            busy: false,
            groups: SmallVec::new(),
        }
    }
}

fn add_field_conj(
    st: &mut NodeState,
    name: Name,
    constraint: Constraint,
    f: &Field,
    conj: FieldConj,
    gid: Option<u32>,
) -> usize {
    let (fi, fresh, slot) = st.fields.slot(name);
    slot.conjs.push(conj);
    slot.value = None;
    match constraint {
        Constraint::Regular => slot.constraint = Constraint::Regular,
        Constraint::Required if slot.constraint != Constraint::Regular => {
            slot.constraint = Constraint::Required
        }
        _ => {}
    }
    if fresh && constraint == Constraint::Optional {
        slot.constraint = Constraint::Optional;
    }
    for c in [&f.comments, &f.trailing] {
        if !c.is_empty() {
            slot.comments.push(c.clone());
        }
    }
    for c in [&f.doc, &f.trailing] {
        if !c.is_empty() {
            slot.docs.push(c.clone());
        }
    }
    if let Some(g) = gid
        && !slot.groups.contains(&g)
    {
        slot.groups.push(g);
    }
    fi
}

impl Node {
    /// The conjuncts the node was built from (without those its expansion embedded).
    pub(crate) fn base_conjs(&self) -> Conjs {
        let c = self.conjs.borrow();
        c[..self.orig.get().min(c.len())].iter().cloned().collect()
    }
}

impl Val {
    pub(crate) fn is_struct(&self) -> bool {
        matches!(self, Val::Struct(_))
    }
}
