//! Syntax tree of a CUE file. Every node carries the byte offset where it starts.

use std::sync::Arc;

/// Shared, immutable string used for identifiers and labels.
pub type Name = Arc<str>;

/// First character of the internal name of a regular field whose text starts with `_` or `#`.
///
/// The identifiers `_x` and `#X` name a hidden field and a definition, but a quoted label
/// `"_x"`, a dynamic label and a JSON key are regular fields with that text; the mark keeps
/// the two apart inside the evaluator. [`label_text`] removes it wherever a name leaves it.
pub(crate) const REGULAR_MARK: char = '\u{E000}';

/// Internal name of a regular field labelled `text` (quoted, dynamic or JSON).
pub(crate) fn regular_name(text: &str) -> Name {
    if text.starts_with(['_', '#']) {
        format!("{REGULAR_MARK}{text}").into()
    } else {
        text.into()
    }
}

/// The label text of an internal field name.
pub(crate) fn label_text(name: &str) -> &str {
    name.strip_prefix(REGULAR_MARK).unwrap_or(name)
}

/// Binary and unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `|`
    Or,
    /// `&`
    And,
    /// `||`
    LOr,
    /// `&&`
    LAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    Match,
    /// `!~`
    NotMatch,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `div` (Euclidean integer division)
    IntDiv,
    /// `mod` (Euclidean modulus)
    IntMod,
    /// `quo` (truncated integer division)
    IntQuo,
    /// `rem` (truncated remainder)
    IntRem,
    /// `!`
    Not,
}

impl Op {
    /// Source text of the operator.
    pub fn text(self) -> &'static str {
        match self {
            Op::Or => "|",
            Op::And => "&",
            Op::LOr => "||",
            Op::LAnd => "&&",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Match => "=~",
            Op::NotMatch => "!~",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::IntDiv => "div",
            Op::IntMod => "mod",
            Op::IntQuo => "quo",
            Op::IntRem => "rem",
            Op::Not => "!",
        }
    }
}

/// An expression with its position.
#[derive(Debug, Clone)]
pub struct Expr {
    /// Byte offset of the start.
    pub pos: u32,
    /// The expression.
    pub kind: ExprKind,
}

/// Part of an interpolated string.
#[derive(Debug, Clone)]
pub enum InterpPart {
    /// Literal text.
    Lit(String),
    /// Interpolated expression.
    Expr(Expr),
}

/// The kinds of expressions.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// Identifier reference (also predeclared names like `string` and `_`).
    Ident(Name),
    /// `_|_`
    Bottom,
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Integer literal.
    Int(i128),
    /// Any other number literal: a float, or an integer beyond `i128`.
    Num(std::sync::Arc<crate::num::Num>),
    /// String literal without interpolation.
    Str(Name),
    /// Bytes literal.
    Bytes(Arc<[u8]>),
    /// Interpolated string (bool: is bytes).
    Interp(Vec<InterpPart>, bool),
    /// Struct literal `{...}`.
    Struct(Arc<StructLit>),
    /// List literal `[...]`.
    List(Arc<ListLit>),
    /// Unary operator (including bounds `>=1` and `!x`, `-x`).
    Unary(Op, Box<Expr>),
    /// Binary operator.
    Binary(Op, Box<Expr>, Box<Expr>),
    /// Default marker `*x` (only meaningful inside a disjunction).
    Default(Box<Expr>),
    /// Selector `x.name`.
    Select(Box<Expr>, Name),
    /// Index `x[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// Slice `x[a:b]`.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// Call `f(args)`.
    Call(Box<Expr>, Vec<Expr>),
    /// Parenthesised expression (kept to stop default markers from leaking).
    Paren(Box<Expr>),
}

/// A label of a field.
#[derive(Debug, Clone)]
pub enum Label {
    /// Identifier or quoted string: the field name.
    Name(Name),
    /// Interpolated string label `"a-\(x)"` or dynamic `(expr)`.
    Dynamic(Expr),
    /// Pattern constraint `[expr]`, with optional alias `[X=expr]`.
    Pattern(Option<Name>, Expr),
}

/// Optional / required marker on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Constraint {
    /// Regular field `a:`.
    Regular,
    /// Optional field `a?:`.
    Optional,
    /// Required field `a!:`.
    Required,
}

/// A field declaration `label: value`.
#[derive(Debug, Clone)]
pub struct Field {
    /// Position of the label.
    pub pos: u32,
    /// The label.
    pub label: Label,
    /// Alias `X=label`.
    pub alias: Option<Name>,
    /// Alias of the value (`a: X={b: 1, c: X.b}`): inside the value, the field itself.
    pub value_alias: Option<Name>,
    /// Whether the label is an identifier, which references can name (`x:`); a quoted label
    /// (`"x":`) binds no identifier.
    pub binds: bool,
    /// `?` / `!`.
    pub constraint: Constraint,
    /// The value (for `a: b: c` the nested fields are nested struct literals).
    pub value: Expr,
    /// Attributes `@x(...)`, verbatim.
    #[expect(
        dead_code,
        reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
    )]
    pub attrs: Vec<String>,
    /// Comments before the field (text after `//`, one entry per line), every group.
    pub comments: Arc<[String]>,
    /// The doc comment: the last group of `comments` when it ends on the line right before
    /// the field (CUE's doc comment), else empty.
    pub doc: Arc<[String]>,
    /// The comment group right before the `}` that closes the struct, when this is the
    /// struct's last declaration and the group ends on the line before the `}`: CUE attaches
    /// it to this field as a second doc comment.
    pub trailing: Arc<[String]>,
}

/// A clause of a comprehension.
#[derive(Debug, Clone)]
pub enum Clause {
    /// `for k, v in expr` (key optional).
    For(Option<Name>, Name, Expr),
    /// `if expr`.
    If(Expr),
    /// `let x = expr`.
    Let(Name, Expr),
}

/// A comprehension: clauses then a struct body.
#[derive(Debug, Clone)]
pub struct Comprehension {
    /// The clauses in order.
    pub clauses: Vec<Clause>,
    /// The body.
    pub body: Arc<StructLit>,
    /// Position of the first clause.
    #[expect(
        dead_code,
        reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
    )]
    pub pos: u32,
}

/// A declaration inside a struct.
#[derive(Debug, Clone)]
pub enum Decl {
    /// A field.
    Field(Field),
    /// `let x = expr`.
    Let(Name, Expr),
    /// `...` (optionally typed).
    Ellipsis(Option<Expr>),
    /// An embedded expression.
    Embed(Expr),
    /// A comprehension.
    Comprehension(Comprehension),
    /// A declaration-level attribute.
    #[expect(
        dead_code,
        reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
    )]
    Attr(String),
}

/// A struct literal.
#[derive(Debug, Clone, Default)]
pub struct StructLit {
    /// Declarations in source order.
    pub decls: Vec<Decl>,
    /// Position of `{`.
    pub pos: u32,
    /// Position of the closing `}` (end of input for a file).
    pub end: u32,
    /// Declaration index of every field label / `let` name (first declaration wins).
    pub index: std::collections::HashMap<Name, u32, crate::hash::FxBuild>,
    /// The entries of `index` in declaration order when there are at most [`LINEAR_NAMES`]:
    /// comparing a few names is cheaper than hashing one.
    names: Vec<(Name, u32)>,
    /// No field label is declared twice (set by [`StructLit::new`]).
    distinct: bool,
}

/// Struct literals with at most this many names are searched without hashing.
const LINEAR_NAMES: usize = 8;

impl StructLit {
    /// Whether no field label is declared twice in this literal (known for literals built by
    /// [`StructLit::new`]; false otherwise).
    pub fn distinct_labels(&self) -> bool {
        self.distinct
    }

    /// Whether this literal declares `name` as a field label or `let` (used for scoping).
    pub fn declares(&self, name: &str) -> Option<&Decl> {
        self.declared(name).map(|(_, d)| d)
    }

    /// The declaration of `name` as a field label or `let`, with its index in `decls`.
    pub fn declared(&self, name: &str) -> Option<(u32, &Decl)> {
        if !self.names.is_empty() {
            let (_, i) = self
                .names
                .iter()
                .find(|(n, _)| n.len() == name.len() && **n == *name)?;
            return self.decls.get(*i as usize).map(|d| (*i, d));
        }
        if !self.index.is_empty() || self.decls.is_empty() {
            let i = *self.index.get(name)?;
            return self.decls.get(i as usize).map(|d| (i, d));
        }
        self.decls
            .iter()
            .enumerate()
            .find(|(_, d)| match d {
                Decl::Field(f) => match &f.label {
                    Label::Name(n) => (f.binds && &**n == name) || f.alias.as_deref() == Some(name),
                    _ => f.alias.as_deref() == Some(name),
                },
                Decl::Let(n, _) => &**n == name,
                _ => false,
            })
            .map(|(i, d)| (i as u32, d))
    }
}

impl StructLit {
    /// Build a struct literal and its name index.
    pub fn new(decls: Vec<Decl>, pos: u32, end: u32) -> StructLit {
        let mut index = std::collections::HashMap::default();
        let mut names = Vec::new();
        let mut labels_seen = crate::hash::FxHashSet::default();
        let mut distinct = true;
        for (i, d) in decls.iter().enumerate() {
            if let Decl::Field(Field {
                label: Label::Name(n),
                ..
            }) = d
                && !labels_seen.insert(n)
            {
                distinct = false;
            }
            let labels: [Option<&Name>; 2] = match d {
                Decl::Field(f) => [
                    match &f.label {
                        Label::Name(n) if f.binds => Some(n),
                        _ => None,
                    },
                    f.alias.as_ref(),
                ],
                Decl::Let(n, _) => [Some(n), None],
                _ => [None, None],
            };
            for n in labels.into_iter().flatten() {
                if !index.contains_key(n) {
                    index.insert(n.clone(), i as u32);
                    names.push((n.clone(), i as u32));
                }
            }
        }
        if names.len() > LINEAR_NAMES {
            names = Vec::new();
        }
        StructLit {
            decls,
            pos,
            end,
            index,
            names,
            distinct,
        }
    }
}

/// An element of a list literal.
#[derive(Debug, Clone)]
pub enum ListElem {
    /// A value.
    Expr(Expr),
    /// A comprehension producing elements.
    Comprehension(Comprehension),
}

/// A list literal.
#[derive(Debug, Clone)]
pub struct ListLit {
    /// Elements.
    pub elems: Vec<ListElem>,
    /// `...` tail with optional element type.
    pub ellipsis: Option<Option<Expr>>,
    /// Position.
    #[expect(
        dead_code,
        reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
    )]
    pub pos: u32,
}

/// An import spec.
#[derive(Debug, Clone)]
pub struct Import {
    /// Local name (explicit alias or the last path element).
    pub name: Name,
    /// Import path, e.g. `strings` or `vela/op`.
    pub path: String,
    /// Position.
    pub pos: u32,
}

/// A parsed file.
#[derive(Debug, Clone)]
pub struct File {
    /// `package` name, if any.
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
        )
    )]
    pub package: Option<String>,
    /// Imports.
    pub imports: Vec<Import>,
    /// Top-level declarations as a struct literal.
    pub root: Arc<StructLit>,
}

/// Collect the name of every regular field label declared anywhere under `lit`, and of every
/// field selected by `x.name` or `x["name"]` (shared [`Name`]s that JSON keys and strings with
/// the same text can reuse instead of allocating their own).
pub(crate) fn collect_labels(lit: &StructLit, out: &mut crate::hash::FxHashSet<Name>) {
    for d in &lit.decls {
        match d {
            Decl::Field(f) => {
                if let Label::Name(n) = &f.label
                    && !n.starts_with(['_', '#'])
                    && !out.contains(n)
                {
                    out.insert(n.clone());
                }
                collect_expr_labels(&f.value, out);
            }
            Decl::Let(_, e) | Decl::Embed(e) | Decl::Ellipsis(Some(e)) => collect_expr_labels(e, out),
            Decl::Comprehension(c) => collect_comprehension_labels(c, out),
            Decl::Ellipsis(None) | Decl::Attr(_) => {}
        }
    }
}

fn collect_comprehension_labels(c: &Comprehension, out: &mut crate::hash::FxHashSet<Name>) {
    for cl in &c.clauses {
        match cl {
            Clause::For(_, _, e) | Clause::If(e) | Clause::Let(_, e) => collect_expr_labels(e, out),
        }
    }
    collect_labels(&c.body, out);
}

fn collect_expr_labels(e: &Expr, out: &mut crate::hash::FxHashSet<Name>) {
    match &e.kind {
        ExprKind::Struct(lit) => collect_labels(lit, out),
        ExprKind::List(l) => {
            for el in &l.elems {
                match el {
                    ListElem::Expr(x) => collect_expr_labels(x, out),
                    ListElem::Comprehension(c) => collect_comprehension_labels(c, out),
                }
            }
        }
        ExprKind::Select(x, n) => {
            if !n.starts_with(['_', '#']) && !out.contains(n) {
                out.insert(n.clone());
            }
            collect_expr_labels(x, out)
        }
        ExprKind::Index(x, i) => {
            if let ExprKind::Str(n) = &i.kind
                && !n.starts_with(['_', '#'])
                && !out.contains(n)
            {
                out.insert(n.clone());
            }
            collect_expr_labels(x, out);
            collect_expr_labels(i, out);
        }
        ExprKind::Unary(_, x) | ExprKind::Default(x) | ExprKind::Paren(x) => collect_expr_labels(x, out),
        ExprKind::Binary(_, a, b) => {
            collect_expr_labels(a, out);
            collect_expr_labels(b, out);
        }
        ExprKind::Call(f, args) => {
            collect_expr_labels(f, out);
            for a in args {
                collect_expr_labels(a, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(src: &str) -> Arc<StructLit> {
        crate::parser::parse_file(src).unwrap().root
    }

    #[test]
    fn declared_finds_the_first_declaration_with_and_without_the_hash_index() {
        for extra in [0usize, 20] {
            let mut src = String::from("a: 1\nX=b: 2\nlet c = 3\na: 4\n");
            for i in 0..extra {
                src.push_str(&format!("f{i}: {i}\n"));
            }
            let l = lit(&src);
            assert_eq!(l.declared("a").map(|(i, _)| i), Some(0));
            assert_eq!(l.declared("X").map(|(i, _)| i), Some(1));
            assert_eq!(l.declared("b").map(|(i, _)| i), Some(1));
            assert!(matches!(l.declared("c"), Some((2, Decl::Let(..)))));
            assert!(l.declared("d").is_none());
            if extra > 0 {
                assert_eq!(l.declared("f19").map(|(i, _)| i), Some(23));
            }
        }
    }

    #[test]
    fn distinct_labels_is_false_when_a_label_repeats() {
        assert!(lit("a: 1\nb: 2\nX=c: 3\nlet d = 1").distinct_labels());
        assert!(!lit("a: 1\nb: 2\na: int").distinct_labels());
        assert!(!StructLit::default().distinct_labels());
    }

    #[test]
    fn labels_are_collected_from_nested_structs_lists_and_comprehensions() {
        let l = lit("a: {b: [{c: 1}]}\nif true {d: 1}\n_h: 1\n#D: {e: 1}\nx: y.z\n");
        let mut out = crate::hash::FxHashSet::default();
        collect_labels(&l, &mut out);
        let mut got: Vec<&str> = out.iter().map(|n| &**n).collect();
        got.sort();
        assert_eq!(got, ["a", "b", "c", "d", "e", "x", "z"]);
    }
}
