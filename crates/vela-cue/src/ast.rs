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
    /// Float literal.
    Float(f64),
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
    /// `?` / `!`.
    pub constraint: Constraint,
    /// The value (for `a: b: c` the nested fields are nested struct literals).
    pub value: Expr,
    /// Attributes `@x(...)`, verbatim.
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
}

impl StructLit {
    /// Whether this literal declares `name` as a field label or `let` (used for scoping).
    pub fn declares(&self, name: &str) -> Option<&Decl> {
        self.declared(name).map(|(_, d)| d)
    }

    /// The declaration of `name` as a field label or `let`, with its index in `decls`.
    pub fn declared(&self, name: &str) -> Option<(u32, &Decl)> {
        if !self.index.is_empty() || self.decls.is_empty() {
            let i = *self.index.get(name)?;
            return self.decls.get(i as usize).map(|d| (i, d));
        }
        self.decls
            .iter()
            .enumerate()
            .find(|(_, d)| match d {
                Decl::Field(f) => match &f.label {
                    Label::Name(n) => &**n == name || f.alias.as_deref() == Some(name),
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
        for (i, d) in decls.iter().enumerate() {
            let names: [Option<&Name>; 2] = match d {
                Decl::Field(f) => [
                    match &f.label {
                        Label::Name(n) => Some(n),
                        _ => None,
                    },
                    f.alias.as_ref(),
                ],
                Decl::Let(n, _) => [Some(n), None],
                _ => [None, None],
            };
            for n in names.into_iter().flatten() {
                index.entry(n.clone()).or_insert(i as u32);
            }
        }
        StructLit {
            decls,
            pos,
            end,
            index,
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
    pub package: Option<String>,
    /// Imports.
    pub imports: Vec<Import>,
    /// Top-level declarations as a struct literal.
    pub root: Arc<StructLit>,
}
