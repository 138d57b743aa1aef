//! Expressions: operators by precedence, unary and primary expressions, operands, string
//! interpolations, struct and list literals.

use std::sync::Arc;

use super::{MAX_DEPTH, Parser, sym};
use crate::ast::*;
use crate::error::Result;
use crate::lexer::{StrPart, Tok, tokenize};

impl Parser<'_> {
    pub(super) fn interp(&mut self, pos: u32, parts: &[StrPart], bytes: bool) -> Result<Expr> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                StrPart::Lit(s) => out.push(InterpPart::Lit(s.clone())),
                StrPart::Expr(a, b) => {
                    let text = self
                        .src
                        .get(*a..*b)
                        .ok_or_else(|| self.err("bad interpolation"))?;
                    let toks = tokenize(text, *a)?;
                    let mut sub = Parser {
                        src: self.src,
                        toks,
                        i: 0,
                        depth: self.depth + 1,
                    };
                    if sub.depth > MAX_DEPTH {
                        return Err(self.err("nesting too deep"));
                    }
                    let e = sub.expr()?;
                    sub.skip_commas();
                    if sub.peek() != &Tok::Eof {
                        return Err(sub.err("unexpected token in interpolation"));
                    }
                    out.push(InterpPart::Expr(e));
                }
            }
        }
        Ok(Expr {
            pos,
            kind: ExprKind::Interp(out, bytes),
        })
    }

    /// Full expression (binary operators by precedence).
    pub(crate) fn expr(&mut self) -> Result<Expr> {
        self.enter()?;
        let r = self.binary(1);
        self.depth -= 1;
        r
    }

    pub(super) fn binop(&self) -> Option<(Op, u8)> {
        let s = match self.peek() {
            Tok::Sym(s) => *s,
            // CUE's infix integer operators
            Tok::Ident(w) => match w.as_str() {
                "div" => return Some((Op::IntDiv, 7)),
                "mod" => return Some((Op::IntMod, 7)),
                "quo" => return Some((Op::IntQuo, 7)),
                "rem" => return Some((Op::IntRem, 7)),
                _ => return None,
            },
            _ => return None,
        };
        Some(match s {
            "|" => (Op::Or, 1),
            "&" => (Op::And, 2),
            "||" => (Op::LOr, 3),
            "&&" => (Op::LAnd, 4),
            "==" => (Op::Eq, 5),
            "!=" => (Op::Ne, 5),
            "<" => (Op::Lt, 5),
            "<=" => (Op::Le, 5),
            ">" => (Op::Gt, 5),
            ">=" => (Op::Ge, 5),
            "=~" => (Op::Match, 5),
            "!~" => (Op::NotMatch, 5),
            "+" => (Op::Add, 6),
            "-" => (Op::Sub, 6),
            "*" => (Op::Mul, 7),
            "/" => (Op::Div, 7),
            _ => return None,
        })
    }

    pub(super) fn binary(&mut self, min: u8) -> Result<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.binop() {
            if prec < min {
                break;
            }
            let pos = self.pos();
            self.bump();
            self.enter()?;
            let rhs = self.binary(prec + 1)?;
            self.depth -= 1;
            lhs = Expr {
                pos,
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            };
        }
        Ok(lhs)
    }

    pub(super) fn unary(&mut self) -> Result<Expr> {
        let pos = self.pos();
        let op = match self.peek() {
            Tok::Sym("!") => Some(Op::Not),
            Tok::Sym("-") => Some(Op::Sub),
            Tok::Sym("+") => Some(Op::Add),
            Tok::Sym("!=") => Some(Op::Ne),
            Tok::Sym("==") => Some(Op::Eq),
            Tok::Sym("<") => Some(Op::Lt),
            Tok::Sym("<=") => Some(Op::Le),
            Tok::Sym(">") => Some(Op::Gt),
            Tok::Sym(">=") => Some(Op::Ge),
            Tok::Sym("=~") => Some(Op::Match),
            Tok::Sym("!~") => Some(Op::NotMatch),
            Tok::Sym("*") => {
                self.bump();
                self.enter()?;
                let e = self.unary()?;
                self.depth -= 1;
                return Ok(Expr {
                    pos,
                    kind: ExprKind::Default(Box::new(e)),
                });
            }
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr {
                pos,
                kind: ExprKind::Unary(op, Box::new(e)),
            });
        }
        self.primary()
    }

    pub(super) fn primary(&mut self) -> Result<Expr> {
        let mut e = self.operand()?;
        loop {
            let pos = self.pos();
            match self.peek() {
                Tok::Sym(".") => {
                    self.bump();
                    let name: Name = match self.bump().tok {
                        Tok::Ident(n) => n.into(),
                        Tok::Str(parts, false) => match parts.as_slice() {
                            [StrPart::Lit(s)] => s.as_str().into(),
                            _ => return Err(self.err("expected selector")),
                        },
                        Tok::Sym(k) if k.chars().all(|c| c.is_ascii_alphabetic()) => k.into(),
                        _ => return Err(self.err("expected selector after '.'")),
                    };
                    e = Expr {
                        pos,
                        kind: ExprKind::Select(Box::new(e), name),
                    };
                }
                Tok::Sym("[") => {
                    self.bump();
                    if sym(self.peek(), ":") {
                        self.bump();
                        let hi = if sym(self.peek(), "]") {
                            None
                        } else {
                            Some(Box::new(self.expr()?))
                        };
                        self.expect("]")?;
                        e = Expr {
                            pos,
                            kind: ExprKind::Slice(Box::new(e), None, hi),
                        };
                        continue;
                    }
                    let idx = self.expr()?;
                    if sym(self.peek(), ":") {
                        self.bump();
                        let hi = if sym(self.peek(), "]") {
                            None
                        } else {
                            Some(Box::new(self.expr()?))
                        };
                        self.expect("]")?;
                        e = Expr {
                            pos,
                            kind: ExprKind::Slice(Box::new(e), Some(Box::new(idx)), hi),
                        };
                        continue;
                    }
                    self.expect("]")?;
                    e = Expr {
                        pos,
                        kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                    };
                }
                Tok::Sym("(") => {
                    self.bump();
                    let mut args = Vec::new();
                    self.skip_commas();
                    while !sym(self.peek(), ")") {
                        args.push(self.expr()?);
                        if self.peek() == &Tok::Comma {
                            self.skip_commas();
                        } else if !sym(self.peek(), ")") {
                            return Err(self.err("expected ',' or ')' in call"));
                        }
                    }
                    self.bump();
                    e = Expr {
                        pos,
                        kind: ExprKind::Call(Box::new(e), args),
                    };
                }
                _ => return Ok(e),
            }
        }
    }

    pub(super) fn operand(&mut self) -> Result<Expr> {
        let pos = self.pos();
        let t = self.peek().clone();
        let kind = match t {
            Tok::Ident(n) => {
                self.bump();
                ExprKind::Ident(n.into())
            }
            Tok::Int(i) => {
                self.bump();
                ExprKind::Int(i)
            }
            Tok::Num(n) => {
                self.bump();
                ExprKind::Num(n)
            }
            Tok::Bottom => {
                self.bump();
                ExprKind::Bottom
            }
            Tok::Sym("null") => {
                self.bump();
                ExprKind::Null
            }
            Tok::Sym("true") => {
                self.bump();
                ExprKind::Bool(true)
            }
            Tok::Sym("false") => {
                self.bump();
                ExprKind::Bool(false)
            }
            Tok::Str(parts, bytes) => {
                self.bump();
                match parts.as_slice() {
                    [StrPart::Lit(s)] if bytes => {
                        ExprKind::Bytes(s.chars().map(|c| c as u32 as u8).collect())
                    }
                    [StrPart::Lit(s)] => ExprKind::Str(s.as_str().into()),
                    _ => return self.interp(pos, &parts, bytes),
                }
            }
            Tok::Sym("(") => {
                self.bump();
                let e = self.expr()?;
                self.expect(")")?;
                ExprKind::Paren(Box::new(e))
            }
            Tok::Sym("{") => ExprKind::Struct(self.struct_lit()?),
            Tok::Sym("[") => ExprKind::List(self.list_lit()?),
            _ => return Err(self.err("expected expression")),
        };
        Ok(Expr { pos, kind })
    }

    pub(super) fn struct_lit(&mut self) -> Result<Arc<StructLit>> {
        let pos = self.pos();
        self.expect("{")?;
        self.enter()?;
        let decls = self.decls(false)?;
        self.depth -= 1;
        let end = self.pos();
        self.expect("}")?;
        Ok(Arc::new(StructLit::new(decls, pos, end)))
    }

    pub(super) fn list_lit(&mut self) -> Result<Arc<ListLit>> {
        let pos = self.pos();
        self.expect("[")?;
        self.enter()?;
        let mut elems = Vec::new();
        let mut ellipsis = None;
        loop {
            self.skip_commas();
            match self.peek() {
                Tok::Sym("]") => break,
                Tok::Sym("...") => {
                    self.bump();
                    if matches!(self.peek(), Tok::Comma | Tok::Sym("]")) {
                        ellipsis = Some(None);
                    } else {
                        ellipsis = Some(Some(self.expr()?));
                    }
                    self.skip_commas();
                    if !sym(self.peek(), "]") {
                        return Err(self.err("expected ']' after '...'"));
                    }
                    break;
                }
                Tok::Sym("for") | Tok::Sym("if") | Tok::Sym("let") => {
                    elems.push(ListElem::Comprehension(self.comprehension()?));
                }
                _ => elems.push(ListElem::Expr(self.expr()?)),
            }
            match self.peek() {
                Tok::Comma | Tok::Sym("]") => {}
                _ => return Err(self.err("expected ',' or ']' in list")),
            }
        }
        self.depth -= 1;
        self.expect("]")?;
        Ok(Arc::new(ListLit { elems, ellipsis, pos }))
    }
}
