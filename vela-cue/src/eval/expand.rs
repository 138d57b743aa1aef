//! Expansion of a struct node: the fields of every conjunct, then embeddings, comprehensions,
//! dynamic fields and patterns, then the export order and closedness.

use std::sync::Arc;

use smallvec::SmallVec;

use super::Ctx;
use super::node::{Conj, ConjSrc, FieldConj, Node, NodeState, Pattern, Status, derived, inherited_host};
use super::order::{self, Infos};
use super::scope::{Env, FrameKind};
use crate::ast::{Constraint, Decl, Label, Name, StructLit};
use crate::value::{NodeId, Val};

/// Queued dynamic declaration: literal, declaration index, scope, closedness group, struct-info
/// index, reference position.
type Work = (Arc<StructLit>, u32, Env, Option<u32>, usize, Option<u32>);

impl Ctx {
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
            ConjSrc::Data(d) => d.len(),
            ConjSrc::Lit(lit, _) => lit.decls.len(),
            ConjSrc::Validator(_) => 0,
        };
        let info_idx = infos.begin(&c, labels);
        match c.src {
            // checked by `check_validators` once the node is complete
            ConjSrc::Validator(_) => {}
            ConjSrc::Data(members) => {
                // the values first: injecting makes nodes
                let vals: Vec<Val> = members.iter().map(|(_, d)| self.inject(d)).collect();
                let mut guard = node.st.borrow_mut();
                let st = &mut *guard;
                st.fields.reserve(members.len());
                for (i, ((name, _), v)) in members.iter().zip(vals).enumerate() {
                    let (fi, _, slot) = st.fields.slot(name.clone());
                    infos.push_label(info_idx, fi, c.pos.saturating_add(i as u32 + 1));
                    slot.conjs.push(FieldConj::Val(v));
                    slot.value = None;
                    if slot.constraint != Constraint::Regular {
                        slot.constraint = Constraint::Regular;
                    }
                }
            }
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
                // the first literal of a node, without repeated labels, adds each label anew
                let new = st.fields.len() == 0 && lit.distinct_labels();
                st.fields.reserve(lit.decls.len());
                for (idx, d) in lit.decls.iter().enumerate() {
                    match d {
                        Decl::Field(f) => match &f.label {
                            Label::Name(n) => {
                                let fi = add_field_conj(
                                    &mut st,
                                    (n.clone(), new),
                                    f.constraint,
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
                                (s, false),
                                f.constraint,
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
                let inherited = inherited_host(infos, info, rpos);
                self.embed(id, node, e, fenv, gid, (info, inherited, rpos, lit));
            }
            Decl::Comprehension(c) => {
                let mut envs = super::expr::Envs::new();
                if let Err(b) = self.clauses(&c.clauses, 0, fenv.clone(), &mut envs) {
                    self.set_error(node, b);
                    return;
                }
                let host = inherited_host(infos, info, rpos);
                // (a spent budget stops the evaluation at its next step)
                self.charge(envs.len() * std::mem::size_of::<Conj>());
                let mut conjs = node.conjs.borrow_mut();
                for env in envs {
                    let mut c = derived(Conj::lit(c.body.clone(), env, gid), rpos);
                    c.host = host;
                    conjs.push(c);
                }
                node.st.borrow_mut().has_regular_decl = true;
            }
            _ => {}
        }
    }
}

/// Add a conjunct to field `name` (`new`: known not to be a field yet).
fn add_field_conj(
    st: &mut NodeState,
    (name, new): (Name, bool),
    constraint: Constraint,
    conj: FieldConj,
    gid: Option<u32>,
) -> usize {
    let (fi, fresh, slot) = if new {
        let (fi, slot) = st.fields.push_new(name);
        (fi, true, slot)
    } else {
        st.fields.slot(name)
    };
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
    if let Some(g) = gid
        && !slot.groups.contains(&g)
    {
        slot.groups.push(g);
    }
    fi
}
