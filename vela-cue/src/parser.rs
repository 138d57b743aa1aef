//! Recursive-descent parser producing [`crate::ast`] trees.

use std::sync::Arc;

use crate::ast::*;
use crate::error::{Error, Pos, Result};
use crate::lexer::{StrPart, Tok, Token, tokenize};

mod expr;

/// Maximum nesting depth accepted by the parser (protects the stack).
const MAX_DEPTH: usize = 80;

/// Parse a whole CUE file.
pub fn parse_file(src: &str) -> Result<File> {
    let toks = tokenize(src, 0)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
    };
    p.file()
}

/// Parse a single expression.
pub fn parse_expr(src: &str) -> Result<Expr> {
    let toks = tokenize(src, 0)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        depth: 0,
    };
    let e = p.expr()?;
    p.skip_commas();
    if p.peek() != &Tok::Eof {
        return Err(p.err("unexpected token after expression"));
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    i: usize,
    depth: usize,
}

fn sym(t: &Tok, s: &str) -> bool {
    matches!(t, Tok::Sym(x) if *x == s)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.i + n).min(self.toks.len() - 1)].tok
    }
    fn pos(&self) -> u32 {
        self.toks[self.i.min(self.toks.len() - 1)].offset as u32
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i.min(self.toks.len() - 1)].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn err(&self, msg: impl Into<String>) -> Error {
        let found = match self.peek() {
            Tok::Ident(s) => format!("identifier {s}"),
            Tok::Int(i) => format!("integer {i}"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(..) => "string".to_string(),
            Tok::Bottom => "_|_".to_string(),
            Tok::Sym(s) => format!("'{s}'"),
            Tok::Attr(_) => "attribute".to_string(),
            Tok::Comma => "newline or ','".to_string(),
            Tok::Eof => "end of file".to_string(),
        };
        Error::Parse {
            pos: Pos::Offset(self.pos() as usize),
            msg: format!("{}, found {found}", msg.into()),
        }
    }
    fn expect(&mut self, s: &str) -> Result<()> {
        if sym(self.peek(), s) {
            self.bump();
            Ok(())
        } else {
            Err(self.err(format!("expected '{s}'")))
        }
    }
    fn skip_commas(&mut self) {
        while self.peek() == &Tok::Comma {
            self.bump();
        }
    }
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        Ok(())
    }

    fn file(&mut self) -> Result<File> {
        self.skip_commas();
        while matches!(self.peek(), Tok::Attr(_)) {
            self.bump();
            self.skip_commas();
        }
        let mut package = None;
        if sym(self.peek(), "package") {
            self.bump();
            match self.bump().tok {
                Tok::Ident(n) => package = Some(n),
                _ => return Err(self.err("expected package name")),
            }
            self.skip_commas();
        }
        let mut imports = Vec::new();
        while sym(self.peek(), "import") {
            self.bump();
            if sym(self.peek(), "(") {
                self.bump();
                self.skip_commas();
                while !sym(self.peek(), ")") {
                    imports.push(self.import_spec()?);
                    self.skip_commas();
                }
                self.bump();
            } else {
                imports.push(self.import_spec()?);
            }
            self.skip_commas();
        }
        let pos = self.pos();
        let decls = self.decls(true)?;
        let end = self.pos();
        Ok(File {
            package,
            imports,
            root: Arc::new(StructLit::new(decls, pos, end)),
        })
    }

    fn import_spec(&mut self) -> Result<Import> {
        let pos = self.pos();
        let alias = if let Tok::Ident(n) = self.peek() {
            let n = n.clone();
            self.bump();
            Some(n)
        } else {
            None
        };
        let path = match self.bump().tok {
            Tok::Str(parts, false) => match parts.as_slice() {
                [StrPart::Lit(s)] => s.clone(),
                _ => return Err(self.err("import path must be a plain string")),
            },
            _ => return Err(self.err("expected import path")),
        };
        let base = path.split(':').next().unwrap_or(&path);
        let name = alias.unwrap_or_else(|| {
            path.split(':')
                .nth(1)
                .unwrap_or_else(|| base.rsplit('/').next().unwrap_or(base))
                .to_string()
        });
        Ok(Import {
            name: name.into(),
            path,
            pos,
        })
    }

    /// Declarations until `}` (or end of file at the top level).
    fn decls(&mut self, top: bool) -> Result<Vec<Decl>> {
        let mut out = Vec::new();
        loop {
            self.skip_commas();
            match self.peek() {
                Tok::Eof if top => return Ok(out),
                Tok::Eof => return Err(self.err("expected '}'")),
                Tok::Sym("}") if !top => {
                    // the comment group ending right before `}` documents the last field
                    let t = &self.toks[self.i.min(self.toks.len() - 1)];
                    if t.doc_start < t.comments.len()
                        && let Some(Decl::Field(f)) = out.last_mut()
                    {
                        f.trailing = t.comments[t.doc_start..].to_vec().into();
                    }
                    return Ok(out);
                }
                _ => {}
            }
            out.push(self.decl()?);
            match self.peek() {
                Tok::Comma => {}
                Tok::Sym("}") if !top => {}
                Tok::Eof if top => {}
                _ => return Err(self.err("expected ',' or newline after declaration")),
            }
        }
    }

    fn decl(&mut self) -> Result<Decl> {
        let tok = &self.toks[self.i.min(self.toks.len() - 1)];
        let comments: Arc<[String]> = tok.comments.clone().into();
        let doc: Arc<[String]> = tok.comments[tok.doc_start.min(tok.comments.len())..]
            .to_vec()
            .into();
        match self.peek().clone() {
            Tok::Attr(a) => {
                self.bump();
                Ok(Decl::Attr(a))
            }
            Tok::Sym("...") => {
                self.bump();
                if matches!(self.peek(), Tok::Comma | Tok::Sym("}") | Tok::Eof) {
                    Ok(Decl::Ellipsis(None))
                } else {
                    Ok(Decl::Ellipsis(Some(self.expr()?)))
                }
            }
            Tok::Sym("let") if matches!(self.peek_at(1), Tok::Ident(_)) && sym(self.peek_at(2), "=") => {
                self.bump();
                let n = self.ident()?;
                self.expect("=")?;
                Ok(Decl::Let(n, self.expr()?))
            }
            // `if: 1`, `for?: x`: a keyword used as a field label
            Tok::Sym("for") | Tok::Sym("if") | Tok::Sym("let")
                if !(sym(self.peek_at(1), ":")
                    || (matches!(self.peek_at(1), Tok::Sym("?" | "!")) && sym(self.peek_at(2), ":"))) =>
            {
                Ok(Decl::Comprehension(self.comprehension()?))
            }
            _ => self.field_or_embed(comments, doc),
        }
    }

    fn comprehension(&mut self) -> Result<Comprehension> {
        let pos = self.pos();
        let mut clauses = Vec::new();
        loop {
            self.skip_clause_commas();
            match self.peek() {
                Tok::Sym("for") => {
                    self.bump();
                    let a = self.ident()?;
                    let (k, v) = if self.peek() == &Tok::Comma {
                        self.bump();
                        (Some(a), self.ident()?)
                    } else {
                        (None, a)
                    };
                    self.expect("in")?;
                    clauses.push(Clause::For(k, v, self.expr()?));
                }
                Tok::Sym("if") => {
                    self.bump();
                    clauses.push(Clause::If(self.expr()?));
                }
                Tok::Sym("let") => {
                    self.bump();
                    let n = self.ident()?;
                    self.expect("=")?;
                    clauses.push(Clause::Let(n, self.expr()?));
                }
                Tok::Sym("{") => break,
                _ => return Err(self.err("expected 'for', 'if', 'let' or '{' in comprehension")),
            }
        }
        let body = self.struct_lit()?;
        Ok(Comprehension { clauses, body, pos })
    }

    fn skip_clause_commas(&mut self) {
        // a newline between clauses inserts a comma that we tolerate
        if self.peek() == &Tok::Comma && matches!(self.peek_at(1), Tok::Sym("for" | "if" | "let" | "{")) {
            self.bump();
        }
    }

    fn ident(&mut self) -> Result<Name> {
        match self.peek().clone() {
            Tok::Ident(n) => {
                self.bump();
                Ok(n.into())
            }
            _ => Err(self.err("expected identifier")),
        }
    }

    fn field_or_embed(&mut self, comments: Arc<[String]>, doc: Arc<[String]>) -> Result<Decl> {
        let start = self.i;
        let pos = self.pos();
        // alias `X=label:`
        let mut alias = None;
        if let Tok::Ident(n) = self.peek().clone()
            && sym(self.peek_at(1), "=")
        {
            alias = Some(Name::from(n.as_str()));
            self.bump();
            self.bump();
        }
        let quoted = matches!(self.peek(), Tok::Str(..));
        if let Some(label) = self.try_label()? {
            let constraint = if sym(self.peek(), "?") {
                self.bump();
                Constraint::Optional
            } else if sym(self.peek(), "!") && sym(self.peek_at(1), ":") {
                self.bump();
                Constraint::Required
            } else {
                Constraint::Regular
            };
            if sym(self.peek(), ":") {
                self.bump();
                let value_alias = self.value_alias();
                let value = self.field_value()?;
                let mut attrs = Vec::new();
                while let Tok::Attr(a) = self.peek().clone() {
                    self.bump();
                    attrs.push(a);
                }
                return Ok(Decl::Field(Field {
                    pos,
                    value_alias,
                    binds: !quoted && matches!(label, Label::Name(_)),
                    label,
                    alias,
                    constraint,
                    value,
                    attrs,
                    comments,
                    doc,
                    trailing: Arc::from(Vec::new()),
                }));
            }
        }
        if alias.is_some() {
            return Err(self.err("expected ':' after aliased label"));
        }
        self.i = start;
        Ok(Decl::Embed(self.expr()?))
    }

    /// A value alias `X=` right after `label:` (consumed when present).
    fn value_alias(&mut self) -> Option<Name> {
        let Tok::Ident(n) = self.peek().clone() else {
            return None;
        };
        if !sym(self.peek_at(1), "=") {
            return None;
        }
        self.bump();
        self.bump();
        Some(Name::from(n.as_str()))
    }

    /// The value after `label:`, handling the `a: b: c` shorthand.
    fn field_value(&mut self) -> Result<Expr> {
        let start = self.i;
        let pos = self.pos();
        let comments: Arc<[String]> = Arc::from(Vec::new());
        let quoted = matches!(self.peek(), Tok::Str(..));
        if let Some(label) = self.try_label()? {
            let constraint = if sym(self.peek(), "?") {
                self.bump();
                Constraint::Optional
            } else if sym(self.peek(), "!") && sym(self.peek_at(1), ":") {
                self.bump();
                Constraint::Required
            } else {
                Constraint::Regular
            };
            if sym(self.peek(), ":") {
                self.bump();
                self.enter()?;
                let value_alias = self.value_alias();
                let value = self.field_value()?;
                self.depth -= 1;
                let mut attrs = Vec::new();
                while let Tok::Attr(a) = self.peek().clone() {
                    self.bump();
                    attrs.push(a);
                }
                let f = Field {
                    pos,
                    value_alias,
                    binds: !quoted && matches!(label, Label::Name(_)),
                    label,
                    alias: None,
                    constraint,
                    value,
                    attrs,
                    doc: comments.clone(),
                    comments,
                    trailing: Arc::from(Vec::new()),
                };
                let end = self.pos();
                return Ok(Expr {
                    pos,
                    kind: ExprKind::Struct(Arc::new(StructLit::new(vec![Decl::Field(f)], pos, end))),
                });
            }
        }
        self.i = start;
        self.expr()
    }

    /// Try to read a label; restores nothing on failure (caller resets `i`).
    fn try_label(&mut self) -> Result<Option<Label>> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Ident(n) => {
                self.bump();
                Ok(Some(Label::Name(n.into())))
            }
            Tok::Sym(
                k @ ("package" | "import" | "for" | "in" | "if" | "let" | "true" | "false" | "null"),
            ) => {
                self.bump();
                Ok(Some(Label::Name(k.into())))
            }
            Tok::Str(parts, false) => {
                self.bump();
                match parts.as_slice() {
                    [StrPart::Lit(s)] => Ok(Some(Label::Name(crate::ast::regular_name(s)))),
                    _ => Ok(Some(Label::Dynamic(self.interp(pos, &parts, false)?))),
                }
            }
            Tok::Sym("(") => {
                // only a label when followed by `:` after the matching paren
                let save = self.i;
                self.bump();
                let e = match self.expr() {
                    Ok(e) => e,
                    Err(_) => {
                        self.i = save;
                        return Ok(None);
                    }
                };
                if !sym(self.peek(), ")") {
                    self.i = save;
                    return Ok(None);
                }
                self.bump();
                if sym(self.peek(), ":") || sym(self.peek(), "?") || sym(self.peek(), "!") {
                    Ok(Some(Label::Dynamic(e)))
                } else {
                    self.i = save;
                    Ok(None)
                }
            }
            Tok::Sym("[") => {
                let save = self.i;
                self.bump();
                let mut alias = None;
                if let Tok::Ident(n) = self.peek().clone()
                    && sym(self.peek_at(1), "=")
                {
                    alias = Some(Name::from(n.as_str()));
                    self.bump();
                    self.bump();
                }
                let e = match self.expr() {
                    Ok(e) => e,
                    Err(_) => {
                        self.i = save;
                        return Ok(None);
                    }
                };
                if !sym(self.peek(), "]") {
                    self.i = save;
                    return Ok(None);
                }
                self.bump();
                if sym(self.peek(), ":") {
                    Ok(Some(Label::Pattern(alias, e)))
                } else {
                    self.i = save;
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two declarations, two entries (was the doc example of `parse_file` before the parser
    /// became private).
    #[test]
    fn a_file_parses_to_its_declarations() {
        let f = parse_file("a: 1\nb: a + 1").unwrap();
        assert_eq!(f.root.decls.len(), 2);
    }

    #[test]
    fn parses_fields_of_every_kind() {
        let f = parse_file(
            "package x\nimport (\n\t\"strings\"\n\tj \"encoding/json\"\n)\na: 1\n\"b-c\"?: string\nd!: int\n_h: 2\n#D: {...}\n$p: 3\n(a): 4\n[string]: int\nx=e: f: g: 1 @attr(x)\nlet l = 5\n",
        )
        .unwrap();
        assert_eq!(f.package.as_deref(), Some("x"));
        assert_eq!(f.imports.len(), 2);
        assert_eq!(&*f.imports[1].name, "j");
        assert_eq!(f.root.decls.len(), 10);
    }

    #[test]
    fn parses_comprehensions_and_defaults() {
        let f =
            parse_file("a: [for k, v in x if v > 1 let y = v {y}]\nb: *1 | int\nif a != _|_ {c: 1}").unwrap();
        assert_eq!(f.root.decls.len(), 3);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for src in ["a: {", "a: [1,", "a: \"\\(\"", "}}", "a: b: ", "(((("] {
            assert!(parse_file(src).is_err(), "{src}");
        }
    }
}
