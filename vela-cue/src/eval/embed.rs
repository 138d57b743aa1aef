//! Embedding, reference positions for field order, and closedness checks.

use super::{Conj, Ctx, Env, Node, derived};
use crate::ast::{Decl, Expr, ExprKind, Label, Name, Op, StructLit};
use crate::value::{NodeId, Val};

impl Ctx {
    pub(super) fn embed(
        &self,
        id: NodeId,
        node: &Node,
        e: &Expr,
        fenv: &Env,
        gid: Option<u32>,
        (host, inherited, rpos, lit): (usize, u32, Option<u32>, &StructLit),
    ) {
        if let ExprKind::Struct(l) = &e.kind {
            let mut c = derived(Conj::lit(l.clone(), fenv.clone(), gid), rpos);
            c.host = inherited;
            node.conjs.borrow_mut().push(c);
            return;
        }
        // the embedded fields join the literal's closedness group (see `embed_val` and
        // `open_embed`), so the embedded value is checked on its own first: `#B & {c: 1}` is an
        // error wherever it is embedded
        let v = self.closed_embedding_error(self.eval_embedded(e, fenv));
        let v = if gid.is_none() {
            self.open_embed(node, v, lit)
        } else {
            v
        };
        // For field order, the fields of an embedded reference sit where the outermost
        // reference that reached them is; a reference embedded directly in the literal also
        // moves the literal there (CUE's toposort gives every struct reached through a
        // reference the reference's position, and the literal declares that reference).
        let is_ref = matches!(
            e.kind,
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..)
        );
        let at = match rpos {
            Some(p) => Some((p, inherited)),
            None if is_ref => Some((e.pos, host as u32)),
            None => None,
        };
        self.embed_val(id, node, v, gid, at);
    }

    /// Evaluate an embedded expression: the operands of `&` in it are explicitly unified (field
    /// order), as CUE marks every `&` operand reached from a struct's declarations.
    fn eval_embedded(&self, e: &Expr, env: &Env) -> Val {
        let ExprKind::Binary(Op::And, a, b) = &e.kind else {
            return self.eval(e, env);
        };
        let av = self.eval_embedded(a, env);
        if av.is_bottom() {
            return av;
        }
        let av = self.at_ref(av, a, a.pos, true);
        let bv = self.eval_embedded(b, env);
        let bv = self.at_ref(bv, b, b.pos, true);
        self.unify(av, bv)
    }

    /// When `e` is a reference to a struct, give the struct's conjuncts position `pos` (CUE orders
    /// the fields of a referenced struct by where it is referenced). With `explicit`, a struct literal
    /// operand of `&` is marked as explicitly unified too.
    pub(crate) fn at_ref(&self, v: Val, e: &Expr, pos: u32, explicit: bool) -> Val {
        let is_ref = matches!(e.kind, ExprKind::Ident(_) | ExprKind::Select(..));
        let is_lit = matches!(e.kind, ExprKind::Struct(_));
        if !(is_ref || (explicit && is_lit)) {
            return v;
        }
        let Val::Struct(id) = v else { return v };
        let n = self.node(id);
        let conjs: super::Conjs = n
            .base_conjs()
            .into_iter()
            .map(|mut c| {
                if is_ref {
                    c.pos = pos;
                    c.ref_pos = true;
                }
                c.explicit |= explicit;
                c
            })
            .collect();
        Val::Struct(self.new_node(conjs, n.parent, n.label.clone()))
    }

    /// The embedded value, or the closedness error of an embedded struct that fails on its own.
    fn closed_embedding_error(&self, v: Val) -> Val {
        let Val::Struct(id) = v else { return v };
        let n = self.node(id);
        if n.base_conjs().iter().all(|c| c.gid.is_none()) {
            return v;
        }
        self.expand(id);
        match &self.node(id).st.borrow().error {
            Some(e @ Val::Bottom(b)) if !b.incomplete => e.clone(),
            _ => v,
        }
    }

    /// Embedding a closed struct in an open literal: the literal's own fields are allowed too, and
    /// any field when the literal has `...`.
    pub(super) fn open_embed(&self, node: &Node, v: Val, host: &StructLit) -> Val {
        let Val::Struct(id) = v else { return v };
        let n = self.node(id);
        let base = n.base_conjs();
        if base.iter().all(|c| c.gid.is_none()) {
            return v;
        }
        // one group for every closed struct the literal embeds (`{#A, #B}` allows both's fields)
        let host_addr = std::ptr::from_ref(host) as usize;
        let shared = node
            .st
            .borrow()
            .groups
            .iter()
            .find(|(_, g)| g.embedded_in == host_addr)
            .map(|(g, _)| *g);
        let g = shared.unwrap_or_else(|| self.fresh_gid());
        let conjs: super::Conjs = base
            .into_iter()
            .map(|mut c| {
                if c.gid.is_some() {
                    c.gid = Some(g);
                }
                c
            })
            .collect();
        let labels: Vec<Name> = host
            .decls
            .iter()
            .filter_map(|d| match d {
                Decl::Field(f) => match &f.label {
                    Label::Name(n) => Some(n.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let open = host.decls.iter().any(|d| matches!(d, Decl::Ellipsis(_)));
        let mut st = node.st.borrow_mut();
        let group = st.groups.get_or_default(g);
        if shared.is_none() {
            group.extra.extend(labels);
        }
        group.embedded_in = host_addr;
        group.open |= open;
        drop(st);
        Val::Struct(self.new_node(conjs, n.parent, n.label.clone()))
    }

    /// Add the conjuncts of `v` to `node`; with `at`, they are moved to that reference position
    /// and linked to their host struct info (see [`Conj::host`]).
    pub(crate) fn embed_val(
        &self,
        _id: NodeId,
        node: &Node,
        v: Val,
        gid: Option<u32>,
        at: Option<(u32, u32)>,
    ) {
        match v {
            Val::Struct(other) => {
                let on = self.node(other);
                let oc = on.base_conjs();
                let mut conjs = node.conjs.borrow_mut();
                for mut c in oc {
                    // embedded in a closed literal (a definition), the embedded struct's fields,
                    // patterns and `...` become the literal's own: one closedness group
                    if c.gid.is_none() || gid.is_some() {
                        c.gid = gid;
                    }
                    if let Some((p, host)) = at {
                        c.pos = p;
                        c.ref_pos = true;
                        c.host = host;
                    }
                    conjs.push(c);
                }
            }
            Val::Disj(ref d) if !d.has_default() || self.default_of(&v).is_struct() => {
                let dv = self.default_of(&v);
                if let Val::Struct(_) = dv {
                    self.embed_val(_id, node, dv, gid, at)
                } else {
                    node.st.borrow_mut().embedded.push(v);
                }
            }
            Val::Top => {}
            other => node.st.borrow_mut().embedded.push(other),
        }
    }

    pub(crate) fn set_error(&self, node: &Node, b: Val) {
        let mut st = node.st.borrow_mut();
        if st.error.is_none() {
            st.error = Some(b);
        }
    }

    /// Enforce closedness: every regular field must be allowed by every closed group.
    pub(super) fn check_closed(&self, id: NodeId) {
        let node = self.node(id);
        let mut st = node.st.borrow_mut();
        if st.groups.is_empty() || st.closed_checked {
            return;
        }
        st.closed_checked = true;
        let mut bad: Option<Name> = None;
        'outer: for (name, slot) in st.fields.iter() {
            // (CUE v0.14.1 allows any optional field: it adds no value)
            if name.starts_with('_')
                || name.starts_with('#')
                || slot.constraint == crate::ast::Constraint::Optional
            {
                continue;
            }
            for (g, info) in st.groups.iter() {
                if info.open || slot.groups.contains(g) || info.extra.contains(name) {
                    continue;
                }
                let mut matched = false;
                for p in &info.patterns {
                    if self.label_matches(p, name) {
                        matched = true;
                        break;
                    }
                }
                if !matched {
                    bad = Some(name.clone());
                    break 'outer;
                }
            }
        }
        if let Some(name) = bad {
            if st.error.is_none() {
                st.error = Some(Val::bottom(
                    format!("field not allowed: {}", crate::ast::label_text(&name)),
                    u32::MAX,
                ));
            }
            if let Some(slot) = st.fields.get_mut(&name) {
                slot.value = Some(Val::bottom(
                    format!("field not allowed: {}", crate::ast::label_text(&name)),
                    u32::MAX,
                ));
            }
        }
    }

    /// Whether every closedness group of the (expanded) struct allows a regular field `name`.
    pub(crate) fn accepts(&self, id: NodeId, name: &str) -> bool {
        if name.starts_with('_') || name.starts_with('#') {
            return true;
        }
        let node = self.node(id);
        let st = node.st.borrow();
        st.groups.values().all(|info| {
            info.open
                || info.extra.iter().any(|n| n.as_ref() == name)
                || info.patterns.iter().any(|p| self.label_matches(p, name))
        })
    }

    pub(crate) fn label_matches(&self, pattern: &Val, label: &str) -> bool {
        let v = self.unify(pattern.clone(), Val::Str(crate::ast::label_text(label).into()));
        !v.is_bottom()
    }
}
