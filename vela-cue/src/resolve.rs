//! Static scope checks, made on the syntax tree before anything is evaluated, as CUE's resolver
//! (`astutil.Resolve`) and compiler do:
//!
//! - which labels bind identifiers: an identifier label (`x:`, `_x:`, `#x:`), a label alias
//!   (`X=x:`), a `let`, an import, the variables of a comprehension clause and a pattern alias
//!   (`[X=string]:`); a quoted label (`"x":`) does not;
//! - a `let` or an alias must not share its name with a field, import or comprehension variable
//!   of the same or an enclosing scope, and two of them must not share a scope;
//! - a `let` or a label alias must be referenced;
//! - every identifier must resolve: to one of the above or a predeclared name (`int`, `len`);
//! - every import must be used.
//!
//! The first three are errors of the program; references that resolve to nothing are returned,
//! because the caller may still provide them (values injected at top-level paths).

use crate::ast::{
    Clause, Comprehension, Decl, Expr, ExprKind, File, InterpPart, Label, ListElem, Name, StructLit,
};
use crate::error::{Error, Pos, Result};

/// An identifier that resolves to no declaration: its name and the offset of its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved {
    /// The identifier.
    pub name: Name,
    /// Byte offset of the reference.
    pub pos: u32,
}

/// Check the scoping rules of `file`; the references that resolve to nothing are returned.
///
/// # Errors
/// [`Error::Scope`] (at the declaration) for a name clash, a redeclared alias or an unreferenced
/// alias or `let`.
pub(crate) fn check(file: &File) -> Result<Vec<Unresolved>> {
    let mut r = Resolver::default();
    r.scopes.push(Scope::default());
    for imp in &file.imports {
        r.insert(&imp.name, false, imp.pos, false)?;
    }
    // CUE: a top-level field cannot have the name of an import
    for d in &file.root.decls {
        if let Decl::Field(f) = d
            && f.binds
            && let Label::Name(n) = &f.label
            && let Some(imp) = file.imports.iter().find(|i| i.name == *n)
        {
            return Err(at(
                f.pos,
                format!("{n} redeclared as imported package name {:?}", imp.path),
            ));
        }
    }
    r.struct_lit(&file.root)?;
    Ok(r.unresolved)
}

/// CUE rejects a file that imports a package it never uses.
pub(crate) fn check_imports_used(file: &File, src: &str) -> Result<()> {
    let body_start = file
        .root
        .decls
        .first()
        .map(|_| file.root.pos as usize)
        .unwrap_or(src.len());
    let body = src.get(body_start..).unwrap_or("");
    for imp in &file.imports {
        let name: &str = &imp.name;
        let used = body.match_indices(name).any(|(i, _)| {
            let before = body[..i].chars().next_back();
            let after = body[i + name.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '#' || c == '$' || c == '.')
                && after == Some('.')
        });
        if !used {
            return Err(Error::Parse {
                pos: Pos::Offset(imp.pos as usize),
                msg: format!("imported and not used: {:?}", imp.path),
            });
        }
    }
    Ok(())
}

fn at(pos: u32, msg: String) -> Error {
    Error::Scope {
        pos: Pos::Offset(pos as usize),
        msg,
    }
}

/// A name declared in a scope.
struct Entry {
    name: Name,
    /// A `let` or an alias (CUE's "alias"); otherwise a field, import or clause variable.
    let_like: bool,
    pos: u32,
    /// Must be referenced (a `let` declaration or a label alias).
    must_use: bool,
    used: bool,
    /// Out of scope while its own definition is checked (`let x = x` refers outwards).
    hidden: bool,
}

#[derive(Default)]
struct Scope {
    entries: Vec<Entry>,
}

#[derive(Default)]
struct Resolver {
    scopes: Vec<Scope>,
    unresolved: Vec<Unresolved>,
}

impl Resolver {
    /// The innermost visible declaration of `name`: (scope index, entry index).
    fn find(&self, name: &str) -> Option<(usize, usize)> {
        for (si, s) in self.scopes.iter().enumerate().rev() {
            if let Some(ei) = s.entries.iter().rposition(|e| !e.hidden && *e.name == *name) {
                return Some((si, ei));
            }
        }
        None
    }

    /// Declare `name` in the innermost scope (CUE's `scope.insert`).
    fn insert(&mut self, name: &Name, let_like: bool, pos: u32, must_use: bool) -> Result<()> {
        if let Some((si, ei)) = self.find(name) {
            let existing = &self.scopes[si].entries[ei];
            if existing.let_like != let_like {
                return Err(at(
                    pos,
                    format!("cannot have both alias and field with name {name:?} in same scope"),
                ));
            }
            if let_like && si + 1 == self.scopes.len() {
                return Err(at(pos, format!("alias {name:?} redeclared in same scope")));
            }
        }
        if let Some(s) = self.scopes.last_mut() {
            s.entries.push(Entry {
                name: name.clone(),
                let_like,
                pos,
                must_use,
                used: false,
                hidden: false,
            });
        }
        Ok(())
    }

    /// Leave the innermost scope: every `let` and label alias of it must have been used.
    fn pop(&mut self) -> Result<()> {
        let Some(s) = self.scopes.pop() else {
            return Ok(());
        };
        match s.entries.iter().find(|e| e.must_use && !e.used) {
            Some(e) => Err(at(e.pos, format!("unreferenced alias or let clause {}", e.name))),
            None => Ok(()),
        }
    }

    fn struct_lit(&mut self, lit: &StructLit) -> Result<()> {
        self.scopes.push(Scope::default());
        // the entry of each `let` declaration, by declaration index
        let mut let_entries = vec![None; lit.decls.len()];
        for (i, d) in lit.decls.iter().enumerate() {
            match d {
                Decl::Field(f) => {
                    // an alias of a pattern label (`X=[string]:`) is declared for the value only
                    if let Some(a) = &f.alias
                        && !matches!(f.label, Label::Pattern(..))
                    {
                        self.insert(a, true, f.pos, true)?;
                    }
                    if let (Label::Name(n), true) = (&f.label, f.binds) {
                        self.insert(n, false, f.pos, false)?;
                    }
                }
                Decl::Let(n, x) => {
                    self.insert(n, true, x.pos, true)?;
                    let_entries[i] = self.scopes.last().map(|s| s.entries.len() - 1);
                }
                _ => {}
            }
        }
        for (i, d) in lit.decls.iter().enumerate() {
            match d {
                Decl::Field(f) => match &f.label {
                    Label::Pattern(pattern_alias, e) => {
                        // the field's own scope: the pattern alias and a label alias
                        self.scopes.push(Scope::default());
                        if let Some(a) = &f.alias {
                            self.insert(a, true, f.pos, true)?;
                        }
                        if let Some(a) = pattern_alias {
                            self.insert(a, true, e.pos, false)?;
                        }
                        self.expr(e)?;
                        self.field_value(f)?;
                        self.pop()?;
                    }
                    Label::Dynamic(e) => {
                        self.expr(e)?;
                        self.field_value(f)?;
                    }
                    Label::Name(_) => self.field_value(f)?,
                },
                Decl::Let(_, x) => {
                    // the let's own name is out of scope in its expression
                    let top = self.scopes.len() - 1;
                    if let Some(ei) = let_entries[i] {
                        self.scopes[top].entries[ei].hidden = true;
                    }
                    let r = self.expr(x);
                    if let Some(ei) = let_entries[i] {
                        self.scopes[top].entries[ei].hidden = false;
                    }
                    r?;
                }
                Decl::Embed(e) | Decl::Ellipsis(Some(e)) => self.expr(e)?,
                Decl::Comprehension(c) => self.comprehension(c)?,
                Decl::Ellipsis(None) | Decl::Attr(_) => {}
            }
        }
        self.pop()
    }

    /// A field's value; a value alias (`a: X={...}`) is declared for it alone and must be used.
    fn field_value(&mut self, f: &crate::ast::Field) -> Result<()> {
        let Some(a) = &f.value_alias else {
            return self.expr(&f.value);
        };
        self.scopes.push(Scope::default());
        self.insert(a, true, f.value.pos, true)?;
        self.expr(&f.value)?;
        self.pop()
    }

    /// The clauses of a comprehension each open a scope for the names they bind; the body is
    /// checked inside all of them.
    fn comprehension(&mut self, c: &Comprehension) -> Result<()> {
        let depth = self.scopes.len();
        let mut r = Ok(());
        for cl in &c.clauses {
            r = match cl {
                Clause::For(k, v, src) => self.expr(src).and_then(|()| {
                    self.scopes.push(Scope::default());
                    if let Some(k) = k {
                        self.insert(k, false, src.pos, false)?;
                    }
                    self.insert(v, false, src.pos, false)
                }),
                Clause::If(x) => self.expr(x),
                Clause::Let(n, x) => self.expr(x).and_then(|()| {
                    self.scopes.push(Scope::default());
                    self.insert(n, false, x.pos, false)
                }),
            };
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = self.struct_lit(&c.body);
        }
        // clause variables need not be used
        self.scopes.truncate(depth);
        r
    }

    fn expr(&mut self, e: &Expr) -> Result<()> {
        match &e.kind {
            ExprKind::Ident(n) => match self.find(n) {
                Some((si, ei)) => self.scopes[si].entries[ei].used = true,
                None if crate::builtins::predeclared(n).is_some() => {}
                None => self.unresolved.push(Unresolved {
                    name: n.clone(),
                    pos: e.pos,
                }),
            },
            ExprKind::Interp(parts, _) => {
                for p in parts {
                    if let InterpPart::Expr(x) = p {
                        self.expr(x)?;
                    }
                }
            }
            ExprKind::Struct(lit) => self.struct_lit(lit)?,
            ExprKind::List(l) => {
                for el in &l.elems {
                    match el {
                        ListElem::Expr(x) => self.expr(x)?,
                        ListElem::Comprehension(c) => self.comprehension(c)?,
                    }
                }
                if let Some(Some(x)) = &l.ellipsis {
                    self.expr(x)?;
                }
            }
            ExprKind::Unary(_, x) | ExprKind::Default(x) | ExprKind::Paren(x) | ExprKind::Select(x, _) => {
                self.expr(x)?
            }
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::Slice(x, lo, hi) => {
                self.expr(x)?;
                for b in [lo, hi].into_iter().flatten() {
                    self.expr(b)?;
                }
            }
            ExprKind::Call(f, args) => {
                self.expr(f)?;
                for a in args {
                    self.expr(a)?;
                }
            }
            ExprKind::Bottom
            | ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Num(_)
            | ExprKind::Str(_)
            | ExprKind::Bytes(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Result<Vec<String>> {
        let file = crate::parser::parse_file(src)?;
        check(&file).map(|u| u.into_iter().map(|u| u.name.to_string()).collect())
    }

    fn err(src: &str) -> String {
        run(src).expect_err(src).to_string()
    }

    #[test]
    fn a_quoted_label_binds_no_identifier() {
        assert_eq!(run("\"x\": 1\na: x").unwrap(), ["x"]);
        assert_eq!(run("x: 1\nf: {\"x\": 2, y: x}").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn lets_and_aliases_must_not_share_a_name_with_fields_in_scope() {
        assert!(err("x: 1\nlet x = 2\ny: x").contains("both alias and field"));
        assert!(err("let x = 2\na: {x: 1, b: x}").contains("both alias and field"));
        assert!(err("let y = 1\na: [for y in [2] {y}]\nb: y").contains("both alias and field"));
        assert!(err("X: 1\na: {[X=string]: 1}").contains("both alias and field"));
        assert!(err("let a = 1\nlet a = 2\nb: a").contains("redeclared"));
        // shadowing a let by a let, a field by a clause variable: allowed
        assert!(run("let x = 1\na: {let x = 2, b: x}\nc: x").is_ok());
        assert!(run("x: 1\nfor x in [1] {b: x}").is_ok());
    }

    #[test]
    fn lets_and_label_aliases_must_be_used() {
        assert!(err("let x = 1\na: 2").contains("unreferenced alias or let clause x"));
        assert!(err("X=a: 1").contains("unreferenced"));
        assert!(err("a: {X=[string]: 1}").contains("unreferenced"));
        // pattern aliases and comprehension lets need not be
        assert!(run("a: {[X=string]: 1}\nb: [for x in [1] let y = 2 {x}]").is_ok());
    }

    #[test]
    fn a_let_refers_outwards_to_its_own_name() {
        assert_eq!(
            run("let y = 1\nx: {let y = y, z: y}").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(run("x: {let y = y, z: y}").unwrap(), ["y"]);
    }

    #[test]
    fn unresolved_references_are_found_in_code_that_never_runs() {
        assert_eq!(run("a: undefinedName != _|_").unwrap(), ["undefinedName"]);
        assert_eq!(run("a: [for x in [] {y}]").unwrap(), ["y"]);
        assert_eq!(run("_h: nope\na: 1").unwrap(), ["nope"]);
        assert_eq!(run("a: int\nb: len(a) + c.d").unwrap(), ["c"]);
    }

    #[test]
    fn a_value_alias_is_visible_in_its_value_only() {
        assert!(run("a: X={b: 1, c: X.b}").unwrap().is_empty());
        assert_eq!(run("a: X={b: 1, c: X.b}\nd: X").unwrap(), ["X"]);
        assert!(err("a: X=1").contains("unreferenced alias or let clause X"));
        assert!(err("X: 1\na: X={b: X}").contains("both alias and field"));
    }

    #[test]
    fn a_top_level_field_cannot_take_an_import_name() {
        assert!(err("import \"strings\"\nstrings: 1\na: strings.ToUpper(\"a\")").contains("redeclared"));
    }
}
