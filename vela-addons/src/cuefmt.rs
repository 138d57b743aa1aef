//! The template text KubeVela stores for a `vela def` CUE file.
//!
//! KubeVela's `Definition.FromCUEString` prints the template's fields again with CUE's formatter
//! (`format.Node` with `format.Simplify()`), after the file's imports. [`stored_template`] does
//! what that formatter does to the templates of the kubevela/catalog addons, on tokens rather
//! than on a syntax tree:
//!
//! * each line indented with tabs, one level per line that left brackets open (`}, {` keeps the
//!   level), one more for an expression continued after an operator;
//! * a label whose value starts on the next line joined to it, and a field whose value is a
//!   struct of exactly one field, with no comment on either, written as a chain
//!   (`metadata: {name: x}` is `metadata: name: x`); a quoted label that is an identifier
//!   unquoted;
//! * spaces: none inside brackets or before `,` and `:`, one after them, around `|`, `&`,
//!   comparisons and, at the top of an expression, `+ - * /` (CUE's precedence cutoff: none
//!   around those nested in another operator's operand, or the tighter ones when both kinds
//!   mix), none after a unary operator;
//! * the values of consecutive one-line fields of the same nesting depth aligned (CUE's tab
//!   writer), the run broken by blank and comment lines, by a struct or list value and by a
//!   declaration that is not such a field.
//!
//! Not done: the inside of string interpolations, trailing comments and multi-line strings are
//! kept as written; comment placement is not changed.

use crate::error::{Error, Result};

/// The template text KubeVela stores for the `vela def` file `src` (`path` names it in errors):
/// the imports, then the template's fields without their common indentation and with every
/// single-field struct written as a chain, ending in one newline.
///
/// ```
/// let src = "import (\n\t\"strings\"\n)\n\nx: {type: \"trait\"}\ntemplate: {\n\tpatch: {\n\t\tmetadata: {\n\t\t\tname: strings.ToLower(\"A\")\n\t\t}\n\t\tspec: {\n\t\t\ta: 1\n\t\t\tb: 2\n\t\t}\n\t}\n}\n";
/// let t = vela_addons::cuefmt::stored_template("x.cue", src).unwrap();
/// assert_eq!(t, "import (\n\t\"strings\"\n)\npatch: {\n\tmetadata: name: strings.ToLower(\"A\")\n\tspec: {\n\t\ta: 1\n\t\tb: 2\n\t}\n}\n");
/// ```
///
/// # Errors
/// [`Error::Cue`] when the file has no `template: {...}`.
pub fn stored_template(path: &str, src: &str) -> Result<String> {
    let parts = vela_cue::definition::split_header(src).map_err(|e| Error::cue(path, e))?;
    let body = align(&simplify(&relayout(&join_chains(&dedent(&parts.template_body)))));
    let body = body.trim();
    let imports = parts.imports.trim();
    Ok(if imports.is_empty() {
        format!("{body}\n")
    } else {
        format!("{imports}\n{body}\n")
    })
}

/// Removes the indentation common to every non-blank line.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| if l.trim().is_empty() { "" } else { &l[indent..] })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Joins a label whose value starts on the next line to it (`a:` then `b: 1` on the next line
/// is the chain `a: b: 1`).
fn join_chains(text: &str) -> String {
    let Some(toks) = tokens(text) else {
        return text.to_string();
    };
    let line_of = line_index(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for w in toks.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let colon = a.kind == Kind::Punct && &text[a.start..a.end] == ":";
        if colon && b.kind != Kind::Comment && line_of(a.end) != line_of(b.start) {
            out.push_str(&text[copied..a.end]);
            out.push(' ');
            copied = b.start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Lays the text out again as CUE's formatter does: each line indented with tabs by the lines
/// whose brackets are still open (one more for the continuation of an expression ending in an
/// operator), one space between tokens that were apart, none inside brackets or before a
/// comma or colon, one after them; blank lines at most one, none after an opening or before a
/// closing bracket. A line inside a multi-line string is kept as it is.
fn relayout(text: &str) -> String {
    let Some(toks) = tokens(text) else {
        return text.to_string();
    };
    let line_of = line_index(text);
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    let src_lines: Vec<&str> = text.split('\n').collect();
    // the tokens starting each line, and the lines a multi-line string covers
    let mut by_line: Vec<Vec<usize>> = vec![Vec::new(); src_lines.len()];
    let mut inside_string = vec![false; src_lines.len()];
    for (k, t) in toks.iter().enumerate() {
        by_line[line_of(t.start)].push(k);
        let (from, to) = (line_of(t.start) + 1, line_of(t.end.saturating_sub(1)));
        if to >= from {
            inside_string[from..=to].fill(true);
        }
    }
    let compact = pairs_of(text, &toks)
        .map(|p| compact_operators(text, &toks, &p))
        .unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    // one indentation level per line that left brackets open: how many each level holds
    let mut levels: Vec<usize> = Vec::new();
    let mut continued = false;
    for (l, ks) in by_line.iter().enumerate() {
        if inside_string[l] {
            // written with the string's first line
            continue;
        }
        if ks.is_empty() {
            let prev_opens = out.last().is_some_and(|p| p.ends_with(['{', '[', '(']));
            if !out.is_empty() && !out.last().is_some_and(|p| p.is_empty()) && !prev_opens {
                out.push(String::new());
            }
            continue;
        }
        let starts_closing = matches!(s(ks[0]), "}" | "]" | ")");
        let depth = levels.len() - usize::from(starts_closing && !levels.is_empty())
            + usize::from(continued && toks[ks[0]].kind != Kind::Comment);
        let mut line = "\t".repeat(depth);
        // the level this line's opening brackets go to
        let mut line_level: Option<usize> = None;
        let mut leading = true;
        let mut unary = false;
        let mut joinable: Option<usize> = None;
        for (n, &k) in ks.iter().enumerate() {
            if n > 0 {
                let prev = ks[n - 1];
                let gap = &text[toks[prev].end..toks[k].start];
                let binary_before = toks[prev].kind == Kind::Punct && is_binary(s(prev)) && !unary;
                let binary_here =
                    toks[k].kind == Kind::Punct && is_binary(s(k)) && is_operand(&toks[prev], s(prev));
                line.push_str(if unary {
                    ""
                } else if binary_before || binary_here {
                    let op = if binary_here { k } else { prev };
                    if compact.contains(&op) { "" } else { " " }
                } else {
                    spacing(s(prev), s(k), toks[k].kind, gap)
                });
            }
            let operand_before = n > 0 && is_operand(&toks[ks[n - 1]], s(ks[n - 1]));
            line.push_str(&label_text(s(k), toks[k].kind, ks.get(n + 1).map(|&x| s(x))));
            unary = !operand_before && toks[k].kind == Kind::Punct && is_unary(s(k));
            match s(k) {
                "{" | "[" | "(" => {
                    match line_level {
                        Some(i) if i < levels.len() => levels[i] += 1,
                        _ if joinable.is_some_and(|i| i < levels.len()) => {
                            // `}, {`: the level the line's first brackets closed into goes on
                            let i = joinable.expect("checked");
                            levels[i] += 1;
                            line_level = Some(i);
                        }
                        _ => {
                            levels.push(1);
                            line_level = Some(levels.len() - 1);
                        }
                    }
                    leading = false;
                }
                "}" | "]" | ")" => {
                    if let Some(top) = levels.last_mut() {
                        *top -= 1;
                        let still_open = *top > 0;
                        if !still_open {
                            levels.pop();
                            if line_level == Some(levels.len()) {
                                line_level = None;
                            }
                        }
                        if leading {
                            joinable = still_open.then(|| levels.len() - 1);
                        }
                    }
                }
                _ => leading = false,
            }
        }
        let last = ks.iter().rev().find(|&&k| toks[k].kind != Kind::Comment);
        if let Some(&k) = last {
            continued = toks[k].kind == Kind::Punct && is_binary(s(k));
        }
        out.push(line);
    }
    out.join("\n")
}

fn pairs_of(text: &str, toks: &[Tok]) -> Option<Vec<Option<usize>>> {
    matches(text, toks)
}

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
fn compact_operators(text: &str, toks: &[Tok], pairs: &[Option<usize>]) -> std::collections::HashSet<usize> {
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
fn is_operand(t: &Tok, text: &str) -> bool {
    matches!(t.kind, Kind::Ident | Kind::Str | Kind::Num) || matches!(text, ")" | "]" | "}" | "_|_")
}

/// Operators that may be unary (a default marker, a bound, a negation).
fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "*" | "-" | "+" | "!" | "<" | "<=" | ">" | ">=" | "!=" | "=~" | "!~"
    )
}

/// A quoted label that is a plain identifier loses its quotes (CUE's formatter, simplifying);
/// any other token is written as it is.
fn label_text<'a>(tok: &'a str, kind: Kind, next: Option<&str>) -> std::borrow::Cow<'a, str> {
    let is_label = next.is_some_and(|n| matches!(n, ":" | "?" | "!"));
    if kind == Kind::Str && is_label && tok.len() > 2 && tok.starts_with('"') && !tok.starts_with("\"\"\"") {
        let inner = &tok[1..tok.len() - 1];
        let ident = inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        let keyword = matches!(
            inner,
            "if" | "for"
                | "in"
                | "let"
                | "true"
                | "false"
                | "null"
                | "import"
                | "package"
                | "div"
                | "mod"
                | "quo"
                | "rem"
        );
        if ident && !keyword {
            return inner.into();
        }
    }
    tok.into()
}

fn is_binary(op: &str) -> bool {
    matches!(
        op,
        "+" | "-" | "*" | "/" | "&" | "|" | "&&" | "||" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "=~" | "!~"
    )
}

/// The space between two tokens of a line, `gap` being what the source had.
fn spacing(a: &str, b: &str, b_kind: Kind, gap: &str) -> &'static str {
    if b_kind == Kind::Comment {
        return " ";
    }
    if matches!(a, "(" | "[" | "{") || matches!(b, ")" | "]" | "}" | "," | ":") {
        return "";
    }
    if matches!(a, "," | ":") {
        return " ";
    }
    if gap.is_empty() { "" } else { " " }
}

/// The line index of a byte offset, for a text.
fn line_index(text: &str) -> impl Fn(usize) -> usize + '_ {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    move |pos| starts.partition_point(|&st| st <= pos) - 1
}

/// Aligns the values of consecutive one-line fields as CUE's formatter does (its tab writer:
/// each field up to its last colon padded to the widest plus one). A run of fields breaks at a
/// blank or comment line, at a field or declaration that is not a field of the same nesting
/// depth (`a: b: c` is two deep), before a field whose value is a struct in braces or a list,
/// and after a field whose value holds a struct or list literal (which is not aligned).
fn align(text: &str) -> String {
    let Some(toks) = tokens(text) else {
        return text.to_string();
    };
    let Some(pairs) = matches(text, &toks) else {
        return text.to_string();
    };
    let line_of = line_index(text);
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    // every group of declarations: the top level and each brace pair
    let mut groups = vec![(0, toks.len())];
    for (k, t) in toks.iter().enumerate() {
        if t.kind == Kind::Punct
            && &text[t.start..t.end] == "{"
            && let Some(c) = pairs[k]
        {
            groups.push((k + 1, c));
        }
    }
    for (from, to) in groups {
        let decls = decls(text, &toks, &pairs, from, to);
        let mut run: Vec<(usize, usize)> = Vec::new(); // (line, cell width in chars)
        let mut prev: Option<Decl> = None;
        let flush = |run: &mut Vec<(usize, usize)>, lines: &mut Vec<String>| {
            let width = run.iter().map(|r| r.1).max().unwrap_or(0);
            for &(l, w) in run.iter() {
                let line = &lines[l];
                let indent = line.len() - line.trim_start_matches('\t').len();
                let cell_end = indent + byte_len(&line[indent..], w);
                let rest = line[cell_end..].trim_start().to_string();
                lines[l] = format!("{}{}{}", &line[..cell_end], " ".repeat(width - w + 1), rest);
            }
            run.clear();
        };
        for d in decls {
            let first_line = line_of(toks[d.first].start);
            let breaks = match &prev {
                None => true,
                Some(p) => {
                    !p.field
                        || p.depth == 0
                        || p.depth != d.depth
                        || !d.field
                        || d.braced_or_list
                        || p.needs_formfeed
                        || p.multi_line
                        || first_line != p.last_line + 1
                }
            };
            if breaks {
                flush(&mut run, &mut lines);
            }
            if d.field
                && !d.needs_formfeed
                && d.depth > 0
                && let Some(colon) = d.cell_colon
            {
                let line = &lines[first_line];
                let indent = line.len() - line.trim_start_matches('\t').len();
                let content_start = line_of_start(text, toks[d.first].start) + indent;
                let width = text[content_start..toks[colon].end].chars().count();
                run.push((first_line, width));
            }
            prev = Some(d);
        }
        flush(&mut run, &mut lines);
    }
    lines.join("\n")
}

/// The byte length of the first `chars` characters of `s`.
fn byte_len(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

/// The byte offset where the line holding `pos` starts.
fn line_of_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// A declaration of a struct, as [`align`] sees it.
#[derive(Debug, Clone)]
struct Decl {
    first: usize,
    last_line: usize,
    field: bool,
    /// CUE's `nestDepth`: 1 for `a: x`, one more per chained label, 0 when the value is a
    /// struct of several declarations.
    depth: usize,
    /// The value is a struct in braces or a list: the run breaks before it.
    braced_or_list: bool,
    /// The (innermost) value holds a struct or list literal: not aligned, the run breaks after.
    needs_formfeed: bool,
    multi_line: bool,
    /// The last colon of the label chain.
    cell_colon: Option<usize>,
}

/// The declarations between the tokens `from` and `to`.
fn decls(text: &str, toks: &[Tok], pairs: &[Option<usize>], from: usize, to: usize) -> Vec<Decl> {
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    let line_of = line_index(text);
    // top-level tokens (a bracketed group stands for its first and last token)
    let mut top = Vec::new();
    let mut k = from;
    while k < to {
        if toks[k].kind == Kind::Comment {
            k += 1;
            continue;
        }
        top.push(k);
        k = match s(k) {
            "{" | "[" | "(" => match pairs[k] {
                Some(c) => {
                    top.push(c);
                    c + 1
                }
                None => return Vec::new(),
            },
            _ => k + 1,
        };
    }
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=top.len() {
        let end_here = i == top.len()
            || s(top[i]) == ","
            || (i > start
                && line_of(toks[top[i - 1]].end) != line_of(toks[top[i]].start)
                && ends_decl(text, &toks[top[i - 1]])
                && !matches!(s(top[i]), "." | "&" | "|"));
        if !end_here {
            continue;
        }
        if i > start {
            out.push(decl(text, toks, pairs, &top[start..i]));
        }
        start = if i < top.len() && s(top[i]) == "," {
            i + 1
        } else {
            i
        };
    }
    out
}

fn decl(text: &str, toks: &[Tok], pairs: &[Option<usize>], top: &[usize]) -> Decl {
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    let line_of = line_index(text);
    let first = top[0];
    let last = *top.last().expect("a declaration has tokens");
    let mut d = Decl {
        first,
        last_line: line_of(toks[last].end),
        field: false,
        depth: 0,
        braced_or_list: false,
        needs_formfeed: false,
        multi_line: line_of(toks[first].start) != line_of(toks[last].end),
        cell_colon: None,
    };
    // the label chain
    let mut i = 0;
    let mut labels = 0;
    while let Some(&k) = top.get(i) {
        let label_len = match (toks[k].kind, s(k)) {
            (Kind::Ident, "if" | "for" | "let") => break,
            (Kind::Ident | Kind::Str, _) => 1,
            (Kind::Punct, "(" | "[") => 2,
            _ => break,
        };
        let mut j = i + label_len;
        if top.get(j).is_some_and(|&k| matches!(s(k), "?" | "!")) {
            j += 1;
        }
        if top.get(j).is_none_or(|&k| s(k) != ":") {
            break;
        }
        labels += 1;
        d.cell_colon = Some(top[j]);
        i = j + 1;
    }
    if labels == 0 {
        return d;
    }
    d.field = true;
    let value = &top[i..];
    let braced = value.len() == 2 && s(value[0]) == "{";
    let list = value.len() == 2 && s(value[0]) == "[";
    let base = if braced {
        let inner = decls(text, toks, pairs, value[0] + 1, value[1]);
        usize::from(inner.len() == 1)
    } else {
        1
    };
    d.depth = if base == 0 { labels - 1 } else { labels - 1 + base };
    // the direct value of the first label is a struct in braces or a list only without a chain
    d.braced_or_list = labels == 1 && (braced || list);
    d.needs_formfeed = value_needs_formfeed(text, toks, value);
    d
}

/// CUE's `nextNeedsFormfeed` over the top-level tokens of a value: a struct or list literal
/// (not an index), directly or as an operand or call argument, or a multi-line string.
fn value_needs_formfeed(text: &str, toks: &[Tok], value: &[usize]) -> bool {
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    let mut prev: Option<usize> = None;
    let mut n = 0;
    while n < value.len() {
        let k = value[n];
        let operand_before = prev.is_some_and(|p| {
            matches!(toks[p].kind, Kind::Ident | Kind::Str | Kind::Num) || matches!(s(p), ")" | "]" | "}")
        });
        match s(k) {
            "{" => return true,
            "[" if !operand_before => return true,
            // a call's arguments or a parenthesised expression (roughly: a bracket in it)
            "(" if value
                .get(n + 1)
                .is_some_and(|&c| text[toks[k].end..toks[c].start].contains(['{', '['])) =>
            {
                return true;
            }
            _ if toks[k].kind == Kind::Str && s(k).contains('\n') => return true,
            _ => {}
        }
        if matches!(s(k), "{" | "[" | "(") {
            // skip to the closing token (the next in `value`)
            prev = value.get(n + 1).copied();
            n += 2;
            continue;
        }
        prev = Some(k);
        n += 1;
    }
    false
}

/// Writes every single-field struct value as a chain, until none is left.
fn simplify(text: &str) -> String {
    let mut text = text.to_string();
    // each round removes one pair of braces, so this ends
    while let Some(next) = collapse_one(&text) {
        text = next;
    }
    text
}

/// A token: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ident,
    Str,
    Num,
    Comment,
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits CUE text into tokens (strings, interpolations included, and comments whole). `None`
/// when the text does not tokenise (an unterminated string): then nothing is simplified.
fn tokens(text: &str) -> Option<Vec<Tok>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(b.len(), |n| i + n);
            Kind::Comment
        } else if text[i..].starts_with("_|_") {
            i += 3;
            Kind::Punct
        } else if c == b'"' || c == b'\'' || (c == b'#' && matches!(b.get(i + 1), Some(b'"' | b'\'' | b'#')))
        {
            i = string_end(b, i)?;
            Kind::Str
        } else if c.is_ascii_alphabetic() || matches!(c, b'_' | b'$' | b'#') {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'#')) {
                i += 1;
            }
            Kind::Ident
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.')) {
                i += 1;
            }
            Kind::Num
        } else {
            i += ["...", "&&", "||", "==", "!=", "<=", ">=", "=~", "!~"]
                .iter()
                .find(|op| text[i..].starts_with(*op))
                .map_or(1, |op| op.len());
            Kind::Punct
        };
        out.push(Tok { kind, start, end: i });
    }
    Some(out)
}

/// The end of the string literal starting at `i` (`"`, `"""`, `'`, `'''`, any of them behind
/// `#`s), interpolations skipped whole.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    let q = *b.get(i)?;
    let multi = b.get(i..i + 3) == Some(&[q, q, q][..]);
    i += if multi { 3 } else { 1 };
    let closes = |at: usize| {
        let n = if multi { 3 } else { 1 };
        b.get(at..at + n).is_some_and(|s| s.iter().all(|&x| x == q))
            && b.get(at + n..at + n + hashes)
                .is_some_and(|s| s.iter().all(|&x| x == b'#'))
    };
    while i < b.len() {
        if closes(i) {
            return Some(i + if multi { 3 } else { 1 } + hashes);
        }
        if b[i] == b'\\'
            && b.get(i + 1..i + 1 + hashes)
                .is_some_and(|s| s.iter().all(|&x| x == b'#'))
        {
            i += 1 + hashes;
            if b.get(i) == Some(&b'(') {
                i = interpolation_end(b, i)?;
                continue;
            }
            i += 1;
            continue;
        }
        if !multi && b[i] == b'\n' {
            return None;
        }
        i += 1;
    }
    None
}

/// The end of the interpolation whose `(` is at `i`.
fn interpolation_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' => {
                i = string_end(b, i)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// For each opening bracket, the index of its closing one (and the reverse).
fn matches(text: &str, toks: &[Tok]) -> Option<Vec<Option<usize>>> {
    let mut out = vec![None; toks.len()];
    let mut stack = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        match &text[t.start..t.end] {
            "{" | "[" | "(" => stack.push(k),
            "}" | "]" | ")" => {
                let open = stack.pop()?;
                out[open] = Some(k);
                out[k] = Some(open);
            }
            _ => {}
        }
    }
    stack.is_empty().then_some(out)
}

/// Whether a newline after this token ends a declaration (CUE's automatic comma).
fn ends_decl(text: &str, t: &Tok) -> bool {
    match t.kind {
        Kind::Ident | Kind::Str | Kind::Num => true,
        Kind::Comment => false,
        Kind::Punct => matches!(&text[t.start..t.end], "}" | "]" | ")" | "_|_" | "..."),
    }
}

/// The text with the first collapsible struct written as a chain, or `None` when there is none.
fn collapse_one(text: &str) -> Option<String> {
    let toks = tokens(text)?;
    let pairs = matches(text, &toks)?;
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    let line_of = |pos: usize| text[..pos].matches('\n').count();
    for open in 0..toks.len() {
        if s(open) != "{" || open < 2 || s(open - 1) != ":" {
            continue;
        }
        let close = pairs[open]?;
        // the label: an identifier or string, maybe with `?`/`!`, or a bracketed label
        let mut l = open - 2;
        if matches!(s(l), "?" | "!") && l > 0 {
            l -= 1;
        }
        let label_start = match (toks[l].kind, s(l)) {
            (Kind::Ident | Kind::Str, _) => l,
            (Kind::Punct, ")" | "]") => pairs[l]?,
            _ => continue,
        };
        // no doc comment on the field (a comment right above its line)
        if label_start > 0 {
            let before = &toks[label_start - 1];
            let label_line = line_of(toks[label_start].start);
            let own_line = label_start < 2 || line_of(toks[label_start - 2].end) != line_of(before.start);
            if before.kind == Kind::Comment && own_line && line_of(before.start) + 1 == label_line {
                continue;
            }
            // an alias (`X=label`) or a label inside an expression: leave it
            if s(label_start - 1) == "=" {
                continue;
            }
        }
        // the value is the struct alone: nothing but an end of declaration follows it
        if let Some(after) = toks.get(close + 1)
            && line_of(after.start) == line_of(toks[close].end)
            && !matches!(s(close + 1), "}" | "]" | ")" | ",")
            && after.kind != Kind::Comment
        {
            continue;
        }
        if !single_field(text, &toks, &pairs, open, close) {
            continue;
        }
        let inner_start = toks[open + 1].start;
        let inner_end = toks[close - 1].end;
        let multi_line = line_of(toks[open].start) != line_of(inner_start);
        if multi_line && line_of(toks[close].start) == line_of(inner_end) {
            continue;
        }
        let inner = &text[inner_start..inner_end];
        let inner = if multi_line {
            inner
                .split('\n')
                .enumerate()
                .map(|(n, line)| {
                    if n == 0 {
                        line
                    } else {
                        line.strip_prefix('\t').unwrap_or(line)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            inner.to_string()
        };
        return Some(format!(
            "{}: {}{}",
            &text[..toks[open - 1].start],
            inner,
            &text[toks[close].end..]
        ));
    }
    None
}

/// Whether the struct between `open` and `close` holds exactly one field and no comment at its
/// own level.
fn single_field(text: &str, toks: &[Tok], pairs: &[Option<usize>], open: usize, close: usize) -> bool {
    let s = |k: usize| &text[toks[k].start..toks[k].end];
    // the top-level tokens, each bracketed group standing for its closing token
    let mut top = Vec::new();
    let mut k = open + 1;
    while k < close {
        let t = &toks[k];
        if t.kind == Kind::Comment {
            return false;
        }
        top.push(k);
        k = match s(k) {
            "{" | "[" | "(" => match pairs[k] {
                Some(c) => {
                    top.push(c);
                    c + 1
                }
                None => return false,
            },
            _ => k + 1,
        };
    }
    let Some(&first) = top.first() else {
        return false;
    };
    // a field starts with a label and its `:`
    let is_label = match toks[first].kind {
        Kind::Ident => !matches!(s(first), "if" | "for" | "let" | "import" | "package"),
        Kind::Str => true,
        Kind::Punct => matches!(s(first), "(" | "["),
        _ => false,
    };
    if !is_label {
        return false;
    }
    let mut n = if matches!(s(first), "(" | "[") { 2 } else { 1 };
    if top.get(n).is_some_and(|&k| matches!(s(k), "?" | "!")) {
        n += 1;
    }
    if top.get(n).is_none_or(|&k| s(k) != ":") {
        return false;
    }
    // and nothing starts a second declaration: no comma, no new line after a complete one
    let line_of = |pos: usize| text[..pos].matches('\n').count();
    for w in top.windows(2) {
        let (a, b) = (&toks[w[0]], &toks[w[1]]);
        if s(w[1]) == "," || (line_of(a.end) != line_of(b.start) && ends_decl(text, a)) {
            return false;
        }
        if s(w[1]) == "@" {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_nested_single_fields_and_keeps_the_rest() {
        let src = "spec: {\n\tselector: {\n\t\tmatchLabels: {\n\t\t\ta: 1\n\t\t\tb: 2\n\t\t}\n\t}\n\ttemplate: {\n\t\tspec: {\n\t\t\tx: [\n\t\t\t\t1,\n\t\t\t]\n\t\t}\n\t}\n}";
        assert_eq!(
            simplify(src),
            "spec: {\n\tselector: matchLabels: {\n\t\ta: 1\n\t\tb: 2\n\t}\n\ttemplate: spec: x: [\n\t\t1,\n\t]\n}"
        );
    }

    #[test]
    fn comments_comprehensions_and_expressions_stay() {
        for src in [
            "a: {\n\t// doc\n\tb: 1\n}",
            "// doc\na: {\n\tb: 1\n}",
            "a: {\n\tif x {\n\t\tb: 1\n\t}\n}",
            "a: {\n\tb: 1\n} & c",
            "a: {\n\tb: 1\n\tc: 2\n}",
            "a: {b: 1, c: 2}",
            "a: {\n\tb: 1 // trailing\n}",
            "a: {\n\tb: 1\n} @attr()",
        ] {
            assert_eq!(simplify(src), src);
        }
        assert_eq!(simplify("a: {b: {c: \"}\"}}"), "a: b: c: \"}\"");
    }

    fn format(src: &str) -> String {
        align(&simplify(&relayout(&join_chains(src))))
    }

    #[test]
    fn lays_out_indentation_and_spaces_again() {
        let src =
            "a: {\n  b:   [ for x in y {\n      c: x+1\n  }]\n  env: [{\n    n: 1\n  }, {\n    n: 2\n  }]\n}";
        assert_eq!(
            format(src),
            "a: {\n\tb: [for x in y {\n\t\tc: x + 1\n\t}]\n\tenv: [{\n\t\tn: 1\n\t}, {\n\t\tn: 2\n\t}]\n}"
        );
    }

    #[test]
    fn aligns_runs_of_fields_of_one_depth() {
        let src = "kind: \"A\"\napiVersion: \"v1\"\nmetadata: name: x\nlabels: \"a\": \"b\"\nlist: *[] | [...string]\nx: 1";
        assert_eq!(
            format(src),
            "kind:       \"A\"\napiVersion: \"v1\"\nmetadata: name: x\nlabels: a:      \"b\"\nlist: *[] | [...string]\nx: 1"
        );
    }

    #[test]
    fn operators_nested_in_an_operand_lose_their_spaces() {
        assert_eq!(
            format("if k <= a.b - 1 {\n\tx: 1\n}"),
            "if k <= a.b-1 {\n\tx: 1\n}"
        );
        assert_eq!(format("a: \"x\"+b + c"), "a: \"x\" + b + c");
        assert_eq!(format("a: x*2+1"), "a: x*2 + 1");
        assert_eq!(format("a: *1|int"), "a: *1 | int");
        assert_eq!(
            format("\"Authorization\": \"x\"\n\"a.b\": 1"),
            "Authorization: \"x\"\n\"a.b\":         1"
        );
    }

    #[test]
    fn strings_with_braces_and_interpolations_are_one_token() {
        let toks = tokens("a: \"x\\(b + \"}\")\" + #\"y\"# + \"\"\"\n\t{\n\t\"\"\"").unwrap();
        let kinds: Vec<Kind> = toks.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Ident,
                Kind::Punct,
                Kind::Str,
                Kind::Punct,
                Kind::Str,
                Kind::Punct,
                Kind::Str
            ]
        );
    }
}
