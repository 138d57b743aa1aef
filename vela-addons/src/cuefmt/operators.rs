//! Which binary operators lose their spaces: CUE's precedence-driven cutoff.

use super::align::decls;
use super::tokens::{Kind, Tok, ends_decl, line_index};

/// A parsed expression, as far as the spacing of its operators goes.
enum Expr {
    Binary(usize, u8, Box<Expr>, Box<Expr>),
    Unary(Box<Expr>),
    /// A primary: the bracketed groups in it (an argument list, a parenthesised expression, a
    /// list or struct literal, an index) are walked on their own.
    Primary,
}

/// The binary operators CUE's formatter writes without spaces around them (`+ - * /` in a
/// nested expression, or `+ -` mixed with `* /`: its precedence-driven cutoff).
pub(super) fn compact_operators(
    text: &str,
    toks: &[Tok],
    pairs: &[Option<usize>],
) -> std::collections::HashSet<usize> {
    let mut w = OpWalker {
        text,
        toks,
        pairs,
        compact: std::collections::HashSet::new(),
    };
    w.decls(0, toks.len());
    w.compact
}

struct OpWalker<'a> {
    text: &'a str,
    toks: &'a [Tok],
    pairs: &'a [Option<usize>],
    compact: std::collections::HashSet<usize>,
}

fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "|" => 1,
        "&" => 2,
        "||" => 3,
        "&&" => 4,
        "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~" => 5,
        "+" | "-" => 6,
        "*" | "/" => 7,
        _ => return None,
    })
}

impl OpWalker<'_> {
    fn s(&self, k: usize) -> &str {
        &self.text[self.toks[k].start..self.toks[k].end]
    }

    /// Top-level tokens of `from..to` (a group stands for its first and last token).
    fn top(&self, from: usize, to: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut k = from;
        while k < to {
            if self.toks[k].kind == Kind::Comment {
                k += 1;
                continue;
            }
            out.push(k);
            k = match (self.s(k), self.pairs[k]) {
                ("{" | "[" | "(", Some(c)) => {
                    out.push(c);
                    c + 1
                }
                _ => k + 1,
            };
        }
        out
    }

    /// The declarations of a struct body.
    fn decls(&mut self, from: usize, to: usize) {
        for d in decls(self.text, self.toks, self.pairs, from, to) {
            let line_end = self.decl_end(d.first, to);
            let top = self.top(d.first, line_end);
            self.clause_or_field(&top);
        }
    }

    /// The token after the declaration starting at `first`.
    fn decl_end(&self, first: usize, to: usize) -> usize {
        let top = self.top(first, to);
        let line_of = line_index(self.text);
        for w in top.windows(2) {
            let (a, b) = (w[0], w[1]);
            if self.s(b) == "," {
                return b;
            }
            if line_of(self.toks[a].end) != line_of(self.toks[b].start) && ends_decl(self.text, &self.toks[a])
            {
                return b;
            }
        }
        top.last().map_or(to, |&l| l + 1)
    }

    /// A declaration or list element: a comprehension, a `let`, a field or an expression.
    fn clause_or_field(&mut self, top: &[usize]) {
        let Some(&first) = top.first() else { return };
        match self.s(first) {
            "if" | "for" => {
                // clauses up to the body, the last group
                let body = top.len().checked_sub(2).filter(|&i| self.s(top[i]) == "{");
                let end = body.unwrap_or(top.len());
                let mut i = 0;
                while i < end {
                    match self.s(top[i]) {
                        "if" => {
                            let j = (i + 1..end)
                                .find(|&j| matches!(self.s(top[j]), "if" | "for"))
                                .unwrap_or(end);
                            self.expr_root(&top[i + 1..j]);
                            i = j;
                        }
                        "for" => {
                            let src = (i + 1..end)
                                .find(|&j| self.s(top[j]) == "in")
                                .map_or(end, |j| j + 1);
                            let j = (src..end)
                                .find(|&j| matches!(self.s(top[j]), "if" | "for"))
                                .unwrap_or(end);
                            self.expr_root(&top[src.min(j)..j]);
                            i = j;
                        }
                        _ => i += 1,
                    }
                }
                if let Some(b) = body {
                    self.decls(top[b] + 1, top[b + 1]);
                }
            }
            "let" => {
                if let Some(eq) = top.iter().position(|&k| self.s(k) == "=") {
                    self.expr_root(&top[eq + 1..]);
                }
            }
            _ => {
                // a label chain, then the value
                let mut i = 0;
                while let Some(&k) = top.get(i) {
                    let n = match (self.toks[k].kind, self.s(k)) {
                        (Kind::Ident | Kind::Str, _) => 1,
                        (Kind::Punct, "(" | "[") => 2,
                        _ => break,
                    };
                    let mut j = i + n;
                    if top.get(j).is_some_and(|&k| matches!(self.s(k), "?" | "!")) {
                        j += 1;
                    }
                    if top.get(j).is_none_or(|&k| self.s(k) != ":") {
                        break;
                    }
                    i = j + 1;
                }
                let end = top.iter().position(|&k| self.s(k) == "@").unwrap_or(top.len());
                if i <= end {
                    self.expr_root(&top[i..end]);
                }
            }
        }
    }

    fn expr_root(&mut self, top: &[usize]) {
        if top.is_empty() {
            return;
        }
        let mut pos = 0;
        let e = self.binary(top, &mut pos, 1);
        self.assign(&e, 1);
    }

    /// Precedence climbing over top-level tokens; groups are walked as they are met.
    fn binary(&mut self, top: &[usize], pos: &mut usize, min: u8) -> Expr {
        let mut left = self.unary(top, pos);
        while let Some(&k) = top.get(*pos) {
            let Some(p) = precedence(self.s(k)).filter(|&p| p >= min) else {
                break;
            };
            *pos += 1;
            let right = self.binary(top, pos, p + 1);
            left = Expr::Binary(k, p, Box::new(left), Box::new(right));
        }
        left
    }

    fn unary(&mut self, top: &[usize], pos: &mut usize) -> Expr {
        if let Some(&k) = top.get(*pos)
            && self.toks[k].kind == Kind::Punct
            && is_unary(self.s(k))
        {
            *pos += 1;
            return Expr::Unary(Box::new(self.unary(top, pos)));
        }
        // an operand and its selectors, calls and indexes
        let mut first = true;
        while let Some(&k) = top.get(*pos) {
            let text = self.s(k);
            match text {
                "(" | "[" | "{" => {
                    let close = top.get(*pos + 1).copied().unwrap_or(k);
                    let call = !first;
                    self.group(k, close, call);
                    *pos += 2;
                }
                "." => *pos += 1,
                _ if first || self.s(top[*pos - 1]) == "." => *pos += 1,
                _ => break,
            }
            first = false;
        }
        Expr::Primary
    }

    /// A bracketed group inside an expression.
    fn group(&mut self, open: usize, close: usize, suffix: bool) {
        let inner = self.top(open + 1, close);
        match self.s(open) {
            "{" => self.decls(open + 1, close),
            "[" if !suffix => {
                // elements split at commas, but not at the one of `for k, v in`
                let mut elems: Vec<Vec<usize>> = vec![Vec::new()];
                let mut in_for_clause = false;
                for &k in &inner {
                    let t = self.s(k);
                    let current = elems.last_mut().expect("one element at least");
                    if t == "," && !in_for_clause {
                        elems.push(Vec::new());
                        continue;
                    }
                    if t == "for" && current.is_empty() {
                        in_for_clause = true;
                    } else if t == "in" {
                        in_for_clause = false;
                    }
                    current.push(k);
                }
                for elem in elems {
                    self.clause_or_field(&elem);
                }
            }
            "(" if suffix => {
                let (text, toks) = (self.text, self.toks);
                let args: Vec<&[usize]> = inner
                    .split(|&k| &text[toks[k].start..toks[k].end] == ",")
                    .filter(|a| !a.is_empty())
                    .collect();
                let depth = 1 + usize::from(args.len() > 1);
                for a in args {
                    let mut pos = 0;
                    let e = self.binary(a, &mut pos, 1);
                    self.assign(&e, depth);
                }
            }
            _ => {
                // a parenthesised expression or an index
                let mut pos = 0;
                let e = self.binary(&inner, &mut pos, 1);
                self.assign(&e, if suffix { 2 } else { 1 });
            }
        }
    }

    /// CUE's `binaryExpr`: which operators get no spaces at `depth`.
    fn assign(&mut self, e: &Expr, depth: usize) {
        match e {
            Expr::Binary(op, prec, l, r) => {
                let (has6, has7) = walk_binary(e);
                let cutoff = match (has6 && has7, depth == 1) {
                    (true, true) => 7,
                    (true, false) => 6,
                    (false, true) => 8,
                    (false, false) => 6,
                };
                if *prec >= cutoff {
                    self.compact.insert(*op);
                }
                let same = matches!(**l, Expr::Binary(_, p, _, _) if p == *prec);
                self.assign(l, depth + usize::from(!same));
                self.assign(r, depth + 1);
            }
            Expr::Unary(x) => self.assign(x, depth),
            Expr::Primary => {}
        }
    }
}

fn walk_binary(e: &Expr) -> (bool, bool) {
    match e {
        Expr::Binary(_, p, l, r) => {
            let (l6, l7) = walk_binary(l);
            let (r6, r7) = walk_binary(r);
            (*p == 6 || l6 || r6, *p == 7 || l7 || r7)
        }
        _ => (false, false),
    }
}

/// Whether a token ends an operand (so an operator after it is binary).
pub(super) fn is_operand(t: &Tok, text: &str) -> bool {
    matches!(t.kind, Kind::Ident | Kind::Str | Kind::Num) || matches!(text, ")" | "]" | "}" | "_|_")
}

/// Operators that may be unary (a default marker, a bound, a negation).
pub(super) fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "*" | "-" | "+" | "!" | "<" | "<=" | ">" | ">=" | "!=" | "=~" | "!~"
    )
}
