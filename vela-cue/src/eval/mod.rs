//! The evaluator: struct nodes in an arena, lazy memoised fields, scopes.
//!
//! A struct value is a [`Node`]: a list of conjuncts (struct literals with the environment they
//! were written in, or already evaluated fields) that is expanded on first use into ordered field
//! slots. A slot keeps the conjuncts of its field and evaluates them lazily to one value, once.
//! Unifying two structs makes a new node with the conjuncts of both, so references inside a
//! definition see the fields of the instance they were unified into.
//!
//! - [`node`]: nodes, their conjuncts and field slots; [`fields`]: the slots by name;
//! - [`scope`]: environments (a frame arena) and identifier resolution;
//! - [`expand`]: a node's fields from its conjuncts; [`order`]: their export order;
//!   [`embed`]: embeddings and closedness; [`groups`]: closedness groups;
//! - [`field`]: a field's value from its conjuncts; [`expr`]: expressions;
//!   [`disj`]: disjunctions; [`ops`]: operators; [`unify`]: unification.

mod disj;
mod embed;
mod expand;
mod expr;
mod field;
mod fields;
mod groups;
mod node;
mod ops;
mod order;
mod scope;
mod unify;

use order::{Infos, Scratch};

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::Name;
use crate::hash::FxHashMap;
use crate::value::NodeId;

pub(crate) use expr::VAL_BYTES;
pub(crate) use node::{Conj, ConjSrc, Conjs, FieldConj, NO_HOST, Node, NodeState, Slot, Status, derived};
pub(crate) use ops::compare_eq;
pub(crate) use scope::{Env, Frame, FrameKind};

/// Limits applied to one evaluation: every unit of work (expression, comprehension iteration,
/// disjunct comparison) is a step, and every string, byte string, list and scope built is
/// charged to a byte budget, so a hostile program ends with [`crate::Error::Limit`] instead of
/// exhausting the machine.
///
/// ```
/// use vela_cue::{Error, Limits, Program};
/// let mut p = Program::compile("bomb.cue", "import \"list\"\nx: [for a in list.Range(0, 10000, 1) for b in list.Range(0, 10000, 1) {}]").unwrap();
/// p.set_limits(Limits::default().with_max_steps(100_000));
/// let err = p.eval().unwrap().root().to_json().unwrap_err();
/// assert!(matches!(err, Error::Limit(_)), "{err}");
/// ```
///
/// The fields can be read; new limits may be added in a minor release, so the struct is
/// `#[non_exhaustive]`: start from [`Limits::default`] and change what you need with the
/// `with_*` methods.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum number of steps: expression evaluations, comprehension iterations, disjunct and
    /// equality comparisons.
    pub max_steps: u64,
    /// Maximum evaluation nesting depth.
    pub max_depth: u32,
    /// Maximum size in bytes of exported output, and of any one string or list built.
    pub max_output: usize,
    /// Maximum number of struct nodes created.
    pub max_nodes: usize,
    /// Maximum bytes of strings, byte strings, list elements, scopes and struct nodes built by
    /// one evaluation, counted cumulatively (what is built and dropped counts too).
    pub max_bytes: usize,
    /// A wall-clock deadline: evaluation stops with a limit error once it has passed (checked
    /// every few hundred steps). `None` (the default) waits as long as the other limits allow.
    pub deadline: Option<std::time::Instant>,
    /// List arithmetic as CUE had it before v0.11: `[1] + [2]` is `[1, 2]` and `[1] * 2` is
    /// `[1, 1]` (what `list.Concat` and `list.Repeat` do, and what KubeVela's CUE upgrade
    /// rewrites old templates to). Off by default: CUE v0.11 and later reject list arithmetic.
    pub list_arithmetic: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 5_000_000,
            max_depth: 400,
            max_output: 16 << 20,
            max_nodes: 500_000,
            max_bytes: 64 << 20,
            deadline: None,
            list_arithmetic: false,
        }
    }
}

impl Limits {
    /// Sets [`Limits::list_arithmetic`].
    ///
    /// ```
    /// let mut p = vela_cue::Program::compile("l.cue", "a: [1] + [2]\nb: [\"x\"] * 2").unwrap();
    /// assert!(p.eval().unwrap().export("a").is_err());
    /// p.set_limits(p.limits().with_list_arithmetic(true));
    /// let inst = p.eval().unwrap();
    /// assert_eq!(inst.export("a").unwrap(), serde_json::json!([1, 2]));
    /// assert_eq!(inst.export("b").unwrap(), serde_json::json!(["x", "x"]));
    /// ```
    #[must_use]
    pub fn with_list_arithmetic(mut self, on: bool) -> Self {
        self.list_arithmetic = on;
        self
    }

    /// Sets [`Limits::max_steps`].
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: u64) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Sets [`Limits::max_depth`].
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: u32) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets [`Limits::max_output`].
    #[must_use]
    pub fn with_max_output(mut self, max_output: usize) -> Self {
        self.max_output = max_output;
        self
    }

    /// Sets [`Limits::max_nodes`].
    #[must_use]
    pub fn with_max_nodes(mut self, max_nodes: usize) -> Self {
        self.max_nodes = max_nodes;
        self
    }

    /// Sets [`Limits::max_bytes`].
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`Limits::deadline`] (`None`: no deadline).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let limits = vela_cue::Limits::default()
    ///     .with_max_steps(1_000_000)
    ///     .with_deadline(Some(Instant::now() + Duration::from_secs(2)));
    /// assert_eq!(limits.max_steps, 1_000_000);
    /// assert!(limits.deadline.is_some());
    /// ```
    #[must_use]
    pub fn with_deadline(mut self, deadline: Option<std::time::Instant>) -> Self {
        self.deadline = deadline;
        self
    }
}

/// How much of its [`Limits`] an evaluation has used so far ([`crate::Instance::usage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Usage {
    /// Steps taken (see [`Limits::max_steps`]).
    pub steps: u64,
    /// Struct nodes created (see [`Limits::max_nodes`]).
    pub nodes: usize,
    /// Bytes charged (see [`Limits::max_bytes`]).
    pub bytes: usize,
    /// Deepest evaluation nesting reached (see [`Limits::max_depth`]).
    pub max_depth: u32,
}

/// How often (in steps) the deadline is compared with the clock.
const DEADLINE_CHECK_EVERY: u64 = 256;

/// The evaluation context: arena of nodes, counters, limits.
pub(crate) struct Ctx {
    pub nodes: RefCell<Vec<Rc<Node>>>,
    /// Frame arena of the environments ([`Env`]).
    frames: RefCell<Vec<Frame>>,
    pub steps: Cell<u64>,
    pub depth: Cell<u32>,
    /// Deepest `depth` reached.
    pub depth_high: Cell<u32>,
    /// Bytes charged against [`Limits::max_bytes`].
    pub bytes: Cell<usize>,
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
    /// The roots of the imported CUE packages: nothing can add a member to one, so selecting
    /// a member it lacks is an error, not an incomplete value.
    pub package_roots: RefCell<crate::hash::FxHashSet<NodeId>>,
}

impl Ctx {
    pub(crate) fn new(limits: Limits) -> Ctx {
        Ctx {
            nodes: RefCell::new(Vec::new()),
            frames: RefCell::new(Vec::new()),
            steps: Cell::new(0),
            depth: Cell::new(0),
            depth_high: Cell::new(0),
            bytes: Cell::new(0),
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
            package_roots: RefCell::new(crate::hash::FxHashSet::default()),
        }
    }

    pub(crate) fn node(&self, id: NodeId) -> Rc<Node> {
        self.nodes.borrow()[id as usize].clone()
    }

    pub(crate) fn new_node(&self, conjs: Conjs, parent: Option<NodeId>, label: Option<Name>) -> NodeId {
        let mut nodes = self.nodes.borrow_mut();
        if nodes.len() >= self.limits.max_nodes {
            self.hit_limit(format!("more than {} struct values", self.limits.max_nodes));
        }
        // a node's own memory counts against the byte budget (its fields come later)
        self.charge(std::mem::size_of::<Node>());
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
                arc_order: None,
            }),
            parent,
            label,
        }));
        (nodes.len() - 1) as NodeId
    }

    /// Counts one step; false (and the limit is recorded) when the step budget is spent or the
    /// deadline has passed.
    pub(crate) fn tick(&self) -> bool {
        let s = self.steps.get() + 1;
        self.steps.set(s);
        if s > self.limits.max_steps {
            self.hit_limit(format!("more than {} evaluation steps", self.limits.max_steps));
            return false;
        }
        if s.is_multiple_of(DEADLINE_CHECK_EVERY)
            && let Some(deadline) = self.limits.deadline
            && std::time::Instant::now() >= deadline
        {
            self.hit_limit(format!("deadline passed after {s} evaluation steps"));
            return false;
        }
        !self.limited()
    }

    /// Charges `n` bytes built (a string, a list, a scope); false (and the limit is recorded)
    /// when the byte budget is spent.
    pub(crate) fn charge(&self, n: usize) -> bool {
        let total = self.bytes.get().saturating_add(n);
        self.bytes.set(total);
        if total > self.limits.max_bytes {
            self.hit_limit(format!(
                "more than {} bytes of strings, lists, scopes and structs built",
                self.limits.max_bytes
            ));
            return false;
        }
        !self.limited()
    }

    /// Checks that one string or list of `n` bytes may be built (at most
    /// [`Limits::max_output`]), then charges it; the error value names what was being built.
    pub(crate) fn charge_value(&self, n: usize, what: &str, pos: u32) -> Result<(), crate::value::Val> {
        self.charge_growth(n, n, what, pos)
    }

    /// Charges `added` bytes to a string or list growing to `total` bytes (at most
    /// [`Limits::max_output`]); the error value names what was being built.
    pub(crate) fn charge_growth(
        &self,
        total: usize,
        added: usize,
        what: &str,
        pos: u32,
    ) -> Result<(), crate::value::Val> {
        self.check_len(total, what, pos)?;
        if !self.charge(added) {
            return Err(crate::value::Val::bottom("evaluation limit exceeded", pos));
        }
        Ok(())
    }

    /// An error value when one string or list of `n` bytes would exceed
    /// [`Limits::max_output`] (nothing is charged).
    pub(crate) fn check_len(&self, n: usize, what: &str, pos: u32) -> Result<(), crate::value::Val> {
        if n > self.limits.max_output {
            return Err(crate::value::Val::bottom(
                format!("{what} longer than {} bytes", self.limits.max_output),
                pos,
            ));
        }
        Ok(())
    }

    /// What this evaluation has used of its limits.
    pub(crate) fn usage(&self) -> Usage {
        Usage {
            steps: self.steps.get(),
            nodes: self.nodes.borrow().len(),
            bytes: self.bytes.get(),
            max_depth: self.depth_high.get(),
        }
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
}
