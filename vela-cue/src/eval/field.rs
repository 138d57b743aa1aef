//! Field values: the conjuncts of a slot (and matching patterns) evaluated once, lazily.

use std::rc::Rc;

use super::Ctx;
use super::node::{Conj, Conjs, FieldConj, derived};
use super::scope::FrameKind;
use crate::ast::{Constraint, Decl, ExprKind, Label, Name};
use crate::value::{NodeId, Val};

impl Ctx {
    /// The value of field `name` of node `id` (expanding the node first).
    /// Returns `None` when the node has no such field.
    pub(crate) fn field(&self, id: NodeId, name: &str) -> Option<(Val, Constraint)> {
        self.expand(id);
        let node = self.node(id);
        let (conjs, constraint, name, at) = {
            let mut st = node.st.borrow_mut();
            let (at, key, slot) = st.fields.get_full_mut(name)?;
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
            (std::mem::take(&mut slot.conjs), slot.constraint, key, at)
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
        // fields are only appended while the node is in use: the slot is where it was found
        let slot = match st.fields.at_mut(at, &name) {
            Some(s) => Some(s),
            None => st.fields.get_mut(&name),
        };
        if let Some(slot) = slot {
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
                    let aliased;
                    let env = match &f.value_alias {
                        Some(a) => {
                            aliased = self.push(
                                env,
                                FrameKind::FieldAlias {
                                    name: a.clone(),
                                    node: parent,
                                    label: name.clone(),
                                },
                            );
                            &aliased
                        }
                        None => env,
                    };
                    let g = gid.map(|g| self.child_gid(g, name)).or(def_gid);
                    if let ExprKind::Struct(sl) = &f.value.kind {
                        lits.push(derived(Conj::lit(sl.clone(), env.clone(), g), *rpos));
                        continue;
                    }
                    let saved = self.cur_rpos.replace(*rpos);
                    let v = self.eval_closed(&f.value, env, g, Some((parent, name)));
                    self.cur_rpos.set(saved);
                    // (`at_ref` only changes structs: skip the scope walk for other values)
                    let v = if !v.is_struct() {
                        v
                    } else if self.is_let_ref(&f.value, env) {
                        self.at_ref(v, &f.value, f.value.pos, false)
                    } else if conjs.len() == 1
                        && matches!(f.value.kind, ExprKind::Ident(_) | ExprKind::Select(..))
                    {
                        // a field whose sole conjunct is a reference shares the referenced
                        // struct, field order included (CUE's structure sharing)
                        v
                    } else if let Some(p) = rpos {
                        // inside a struct reached through a reference, referenced values take
                        // that reference's position too
                        self.at_ref(v, &f.value, *p, false)
                    } else if conjs.len() > 1 {
                        // a referenced struct unified with other conjuncts sits where the
                        // reference is
                        self.at_ref(v, &f.value, f.value.pos, false)
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
}
