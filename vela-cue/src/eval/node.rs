//! Struct nodes: their conjuncts, field slots and expansion state.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use smallvec::SmallVec;

use super::scope::Env;
use super::{fields, groups};
use crate::ast::{Constraint, Decl, Name, StructLit};
use crate::hash::FxHashMap;
use crate::value::{NodeId, Val};

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
    /// For a struct embedded by a reference: the index of the struct info (of the same node)
    /// whose literal declares that embedding, else [`NO_HOST`]. CUE gives that literal the
    /// reference's position too (field ordering).
    pub host: u32,
}

/// No embedding host (see [`Conj::host`]).
pub(crate) const NO_HOST: u32 = u32::MAX;

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
            host: NO_HOST,
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
            host: NO_HOST,
        }
    }
    /// The members of injected data, turned into fields when the node is expanded.
    pub(crate) fn data(members: crate::export::DataObj) -> Conj {
        Conj {
            src: ConjSrc::Data(members),
            gid: None,
            pos: FILL_POS,
            ref_pos: false,
            explicit: false,
            host: NO_HOST,
        }
    }
    pub(crate) fn fields(fields: impl Into<Rc<[(Name, Val)]>>) -> Conj {
        Conj {
            src: ConjSrc::Fields(fields.into()),
            gid: None,
            pos: FILL_POS,
            ref_pos: false,
            explicit: false,
            host: NO_HOST,
        }
    }
}

#[derive(Clone)]
pub(crate) enum ConjSrc {
    Lit(Arc<StructLit>, Env),
    /// The already evaluated fields of another node (e.g. decoded JSON).
    Fields(Rc<[(Name, Val)]>),
    /// Injected data (`parameter`, `context`), shared between evaluations: its members become
    /// fields when the node is expanded, nested objects lazily again.
    Data(crate::export::DataObj),
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
    /// The open literal (its address) whose embedded closed structs share this group: all of
    /// them together say which fields the literal allows.
    pub embedded_in: usize,
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
    /// When `order::sort_fields` moved fields: for each field in the order it was added (CUE's
    /// arc order, which `for` clauses iterate in), its index in `fields`.
    pub arc_order: Option<Box<[u32]>>,
}

pub(crate) struct Node {
    pub conjs: RefCell<Conjs>,
    /// Number of conjuncts the node was created with (expansion appends embedded ones).
    pub orig: Cell<usize>,
    pub st: RefCell<NodeState>,
    pub parent: Option<NodeId>,
    pub label: Option<Name>,
}

/// The embedding host a struct derived from struct info `info` (a comprehension body, an
/// embedded literal or reference) inherits: the same as `info`'s when `info` was reached through
/// a reference (`rpos`), since CUE tracks the outermost reference.
pub(crate) fn inherited_host(infos: &super::order::Infos, info: usize, rpos: Option<u32>) -> u32 {
    match rpos {
        Some(_) => infos.host(info),
        None => NO_HOST,
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
            value: None,
            busy: false,
            groups: SmallVec::new(),
        }
    }

    /// The non-empty comment groups of the field's declarations, in declaration order: with
    /// `doc`, the doc comments (`ast::Field::doc`), else every comment (`ast::Field::comments`);
    /// each followed by its `ast::Field::trailing` group. Read from the declarations, so
    /// expanding a node copies no comments.
    pub(crate) fn comment_groups(&self, doc: bool) -> impl Iterator<Item = &Arc<[String]>> {
        self.conjs
            .iter()
            .filter_map(|c| match c {
                FieldConj::Decl { lit, idx, .. } => match lit.decls.get(*idx as usize) {
                    Some(Decl::Field(f)) => Some(f),
                    _ => None,
                },
                FieldConj::Val(_) => None,
            })
            .flat_map(move |f| [if doc { &f.doc } else { &f.comments }, &f.trailing])
            .filter(|c| !c.is_empty())
    }
}
impl Node {
    /// The conjuncts the node was built from (without those its expansion embedded).
    pub(crate) fn base_conjs(&self) -> Conjs {
        let c = self.conjs.borrow();
        // a host index means something only in the node it was embedded into
        c[..self.orig.get().min(c.len())]
            .iter()
            .map(|c| Conj {
                host: NO_HOST,
                ..c.clone()
            })
            .collect()
    }
}

impl Val {
    pub(crate) fn is_struct(&self) -> bool {
        matches!(self, Val::Struct(_))
    }
}
