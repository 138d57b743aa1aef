//! Scopes: environments are indices into the context's frame arena; identifiers are resolved
//! by walking the frames outwards.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::Ctx;
use crate::ast::{Decl, Expr, ExprKind, Name, StructLit};
use crate::value::{NodeId, Val};

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
    /// The scope of a `let` declaration's own expression: the `let` of that name in the next
    /// struct frame is out of scope (`let x = x` refers outwards, as in CUE).
    HideLet { name: Name },
    /// A value alias (`a: X={...}`) inside the value: field `label` of `node`.
    FieldAlias { name: Name, node: NodeId, label: Name },
    /// File scope: imports.
    File {
        imports: Rc<HashMap<Name, Val>>,
        root: Option<NodeId>,
    },
}

impl Ctx {
    /// A new frame `kind` inside `env`.
    pub(crate) fn push(&self, env: &Env, kind: FrameKind) -> Env {
        // (a spent budget stops the evaluation at its next step)
        self.charge(std::mem::size_of::<Frame>());
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

    pub(super) fn lookup(&self, name: &Name, env: &Env, pos: u32) -> Val {
        match self.find(name, env) {
            Found::Field(node, label) => self.ref_field(node, &label, pos),
            Found::Let(lit, node, idx, fenv) => match lit.decls.get(idx as usize) {
                Some(Decl::Let(n, x)) => self.let_value(&lit, node, n, x, &fenv),
                _ => Val::bottom(format!("reference {name:?} not found"), pos),
            },
            Found::Val(v) => v,
            Found::Root(r) => self.ref_field(r, name, pos),
            Found::None => crate::builtins::predeclared(name)
                .unwrap_or_else(|| Val::bottom(format!("reference {name:?} not found"), pos)),
        }
    }

    /// What the identifier `name` refers to in `env`: the innermost frame declaring it.
    pub(crate) fn find(&self, name: &Name, env: &Env) -> Found {
        let mut cur = env.clone();
        let mut hide_let = false;
        loop {
            let (parent, root) = {
                let Some(f) = self.frame(&cur) else {
                    return Found::None;
                };
                match &f.kind {
                    FrameKind::HideLet { name: n } => {
                        hide_let |= n == name;
                        (f.parent.clone(), None)
                    }
                    FrameKind::Struct { lit, node } => match lit.declared(name) {
                        Some((_, Decl::Let(..))) if hide_let => {
                            hide_let = false;
                            (f.parent.clone(), None)
                        }
                        Some((_, Decl::Field(fd))) => {
                            let label = match &fd.label {
                                crate::ast::Label::Name(l) => l.clone(),
                                _ => name.clone(),
                            };
                            return Found::Field(*node, label);
                        }
                        Some((i, Decl::Let(..))) => return Found::Let(lit.clone(), *node, i, cur.clone()),
                        _ => (f.parent.clone(), None),
                    },
                    FrameKind::Var { name: n, val } => {
                        if n == name {
                            return Found::Val(val.clone());
                        }
                        (f.parent.clone(), None)
                    }
                    FrameKind::FieldAlias { name: n, node, label } => {
                        if n == name {
                            return Found::Field(*node, label.clone());
                        }
                        (f.parent.clone(), None)
                    }
                    FrameKind::File { imports, root } => {
                        if let Some(v) = imports.get(name) {
                            return Found::Val(v.clone());
                        }
                        (f.parent.clone(), *root)
                    }
                }
            };
            if let Some(r) = root
                && self.field(r, name).is_some()
            {
                return Found::Root(r);
            }
            cur = parent;
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
        let own = self.push(env, FrameKind::HideLet { name: name.clone() });
        let v = self.eval(e, &own);
        n.st.borrow_mut().lets.insert(key, v.clone());
        v
    }
    /// Whether `e` is an identifier naming a `let` (struct-level or comprehension clause).
    pub(crate) fn is_let_ref(&self, e: &Expr, env: &Env) -> bool {
        let ExprKind::Ident(name) = &e.kind else {
            return false;
        };
        let mut cur = env.clone();
        let mut hide_let = false;
        while let Some(f) = self.frame(&cur) {
            match &f.kind {
                FrameKind::HideLet { name: n } => hide_let |= n == name,
                FrameKind::Struct { lit, .. } => match lit.declares(name) {
                    Some(Decl::Let(..)) if hide_let => hide_let = false,
                    Some(d) => return matches!(d, Decl::Let(..)),
                    None => {}
                },
                FrameKind::Var { name: n, .. } | FrameKind::FieldAlias { name: n, .. } if n == name => {
                    return false;
                }
                _ => {}
            }
            let parent = f.parent.clone();
            drop(f);
            cur = parent;
        }
        false
    }
}

/// The declaration an identifier refers to (see `Ctx::find`).
pub(crate) enum Found {
    /// Field `label` of a struct node.
    Field(NodeId, Name),
    /// The `let` declaration `idx` of a literal expanded in a node, with the literal's scope.
    Let(Arc<StructLit>, NodeId, u32, Env),
    /// A variable (`for`, `let` clause, pattern alias) or an import.
    Val(Val),
    /// A field of the root of another file of the package.
    Root(NodeId),
    /// Nothing: a predeclared identifier or an error.
    None,
}
