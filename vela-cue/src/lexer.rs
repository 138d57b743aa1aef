//! Tokeniser for CUE source text: positions, comments, automatic comma insertion.

use crate::error::{Error, Pos, Result};

/// One part of a string literal that may contain interpolations.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text (escapes already decoded); in a bytes literal one `char` per byte
    /// (U+0000 to U+00FF, see [`literal_bytes`]).
    Lit(String),
    /// An interpolated expression: byte range of its source text.
    Expr(usize, usize),
}

/// The token for a number: [`Tok::Int`] when it is an integer that fits `i128`.
fn num_tok(n: crate::num::Num) -> Tok {
    match n.to_i128() {
        Some(i) if n.int && n.exp == 0 && !(n.neg && i == 0) => Tok::Int(i),
        _ => Tok::Num(std::sync::Arc::new(n)),
    }
}

/// CUE allows `_` only between digits (after a radix prefix, also right after it).
fn underscores_ok(raw: &str, radix: bool) -> bool {
    let b = raw.as_bytes();
    b.iter().enumerate().all(|(i, c)| {
        *c != b'_'
            || ((i > 0 || radix)
                && i + 1 < b.len()
                && b[i + 1].is_ascii_alphanumeric()
                && (radix || b[i - 1].is_ascii_digit()))
    })
}

/// The kind of a token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Identifier (including `_x`, `#X`, `$x`, `_#x` and `_`).
    Ident(String),
    /// Integer literal (value already scaled by any multiplier suffix).
    Int(i128),
    /// Any other number literal: a float, or an integer beyond `i128`.
    Num(std::sync::Arc<crate::num::Num>),
    /// String literal: parts (a single `Lit` when there is no interpolation); bool = bytes literal.
    Str(Vec<StrPart>, bool),
    /// `_|_`
    Bottom,
    /// Keyword or operator text, e.g. `for`, `&&`, `{`.
    Sym(&'static str),
    /// Attribute `@name(...)`, text kept verbatim.
    Attr(String),
    /// Automatically inserted or explicit comma.
    Comma,
    /// End of input.
    Eof,
}

/// A token with its position and the comments that precede it.
#[derive(Debug, Clone)]
pub struct Token {
    /// What the token is.
    pub tok: Tok,
    /// Byte offset of the first character.
    pub offset: usize,
    /// Comments between the previous token and this one (text without `//`), one per line.
    pub comments: Vec<String>,
    /// Index in `comments` where the comment group (comment lines on consecutive lines) that
    /// ends on the line right before this token starts; `comments.len()` when there is none.
    pub doc_start: usize,
    /// True when the token is the first on its line.
    #[expect(
        dead_code,
        reason = "recorded by the parser for tools over the syntax tree; the evaluator does not read it"
    )]
    pub line_start: bool,
}

const KEYWORDS: &[&str] = &[
    "package", "import", "for", "in", "if", "let", "true", "false", "null",
];

const OPS: &[&str] = &[
    "...", "&&", "||", "==", "!=", "<=", ">=", "=~", "!~", "<-", "+", "-", "*", "/", "&", "|", "<", ">", "=",
    "!", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?",
];

/// Tokenise `src`; `base` is added to every offset (used for interpolated sub-expressions).
pub fn tokenize(src: &str, base: usize) -> Result<Vec<Token>> {
    // CUE skips a byte order mark at the start of a file and rejects one anywhere else
    let start = if base == 0 && src.starts_with('\u{FEFF}') {
        3
    } else {
        0
    };
    if let Some(at) = src[start..].find('\u{FEFF}') {
        return Err(Error::Parse {
            pos: Pos::Offset(base + start + at),
            msg: "illegal byte order mark".into(),
        });
    }
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        i: start,
        base,
        out: Vec::new(),
        pending: Vec::new(),
        group_start: 0,
        newlines: 0,
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    base: usize,
    out: Vec<Token>,
    pending: Vec<String>,
    /// Index in `pending` where the last comment group starts.
    group_start: usize,
    /// Newlines seen since the last comment line.
    newlines: u32,
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'#' || c >= 0x80
}
fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl<'a> Lexer<'a> {
    fn err(&self, at: usize, msg: impl Into<String>) -> Error {
        Error::Parse {
            pos: Pos::Offset(self.base + at),
            msg: msg.into(),
        }
    }

    fn needs_comma(&self) -> bool {
        match self.out.last() {
            Some(t) => match &t.tok {
                Tok::Ident(_) | Tok::Int(_) | Tok::Num(_) | Tok::Str(..) | Tok::Bottom | Tok::Attr(_) => true,
                Tok::Sym(s) => matches!(*s, ")" | "]" | "}" | "..." | "true" | "false" | "null"),
                _ => false,
            },
            None => false,
        }
    }

    fn push(&mut self, tok: Tok, offset: usize, line_start: bool) {
        let comments = std::mem::take(&mut self.pending);
        let doc_start = if self.newlines == 1 {
            self.group_start.min(comments.len())
        } else {
            comments.len()
        };
        self.group_start = 0;
        self.out.push(Token {
            tok,
            offset: self.base + offset,
            comments,
            doc_start,
            line_start,
        });
    }

    fn run(&mut self) -> Result<()> {
        let mut line_start = true;
        loop {
            // skip whitespace, handle newlines (comma insertion) and comments
            while self.i < self.b.len() {
                let c = self.b[self.i];
                if c == b'\n' {
                    if self.needs_comma() {
                        self.out.push(Token {
                            tok: Tok::Comma,
                            offset: self.base + self.i,
                            comments: vec![],
                            doc_start: 0,
                            line_start: false,
                        });
                    }
                    line_start = true;
                    self.newlines += 1;
                    self.i += 1;
                } else if c == b' ' || c == b'\t' || c == b'\r' {
                    self.i += 1;
                } else if c == b'/' && self.b.get(self.i + 1) == Some(&b'/') {
                    let start = self.i + 2;
                    let end = self.src[self.i..]
                        .find('\n')
                        .map(|n| self.i + n)
                        .unwrap_or(self.b.len());
                    let text = self.src[start..end].to_string();
                    if !line_start && self.needs_comma() {
                        // trailing comment of the previous line: not a doc comment for what follows
                        self.out.push(Token {
                            tok: Tok::Comma,
                            offset: self.base + self.i,
                            comments: vec![],
                            doc_start: 0,
                            line_start: false,
                        });
                    } else {
                        if self.newlines != 1 || self.pending.is_empty() {
                            self.group_start = self.pending.len();
                        }
                        self.newlines = 0;
                        self.pending.push(text);
                    }
                    self.i = end;
                } else {
                    break;
                }
            }
            if self.i >= self.b.len() {
                if self.needs_comma() {
                    self.push(Tok::Comma, self.i, false);
                }
                self.push(Tok::Eof, self.i, true);
                return Ok(());
            }
            let ls = line_start;
            line_start = false;
            let start = self.i;
            let c = self.b[self.i];
            if c == b'_' && self.src[self.i..].starts_with("_|_") {
                self.i += 3;
                self.push(Tok::Bottom, start, ls);
            } else if c == b'#' && matches!(self.b.get(self.i + 1), Some(b'"') | Some(b'#')) {
                self.string(ls)?;
            } else if ident_start(c) {
                self.i += 1;
                while self.i < self.b.len()
                    && (ident_char(self.b[self.i]) || self.b[self.i] == b'#' && self.i == start + 1)
                {
                    self.i += 1;
                }
                let word = &self.src[start..self.i];
                if let Some(k) = KEYWORDS.iter().find(|k| **k == word) {
                    self.push(Tok::Sym(k), start, ls);
                } else {
                    self.push(Tok::Ident(word.to_string()), start, ls);
                }
            } else if c.is_ascii_digit()
                || (c == b'.' && self.b.get(self.i + 1).is_some_and(|d| d.is_ascii_digit()))
            {
                let t = self.number()?;
                self.push(t, start, ls);
            } else if c == b'"' || c == b'\'' {
                self.string(ls)?;
            } else if c == b'@' {
                self.attr()?;
                self.push(Tok::Attr(self.src[start..self.i].to_string()), start, ls);
            } else {
                let rest = &self.src[self.i..];
                let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
                    return Err(self.err(
                        start,
                        format!("illegal character {:?}", rest.chars().next().unwrap_or(' ')),
                    ));
                };
                self.i += op.len();
                if *op == "," {
                    // a comma ends an element: never after another comma or an opening bracket
                    if matches!(
                        self.out.last().map(|t| &t.tok),
                        None | Some(Tok::Comma | Tok::Sym("{" | "[" | "("))
                    ) {
                        return Err(self.err(start, "expected operand, found ','"));
                    }
                    self.push(Tok::Comma, start, ls);
                } else {
                    self.push(Tok::Sym(op), start, ls);
                }
            }
        }
    }

    fn attr(&mut self) -> Result<()> {
        let start = self.i;
        self.i += 1;
        while self.i < self.b.len() && ident_char(self.b[self.i]) {
            self.i += 1;
        }
        if self.b.get(self.i) != Some(&b'(') {
            return Err(self.err(start, "invalid attribute: expected ("));
        }
        let mut depth = 0i32;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                b'"' => {
                    self.i += 1;
                    while self.i < self.b.len() && self.b[self.i] != b'"' {
                        if self.b[self.i] == b'\\' {
                            self.i += 1;
                        }
                        self.i += 1;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Err(self.err(start, "unterminated attribute"))
    }

    fn number(&mut self) -> Result<Tok> {
        let start = self.i;
        let b = self.b;
        if b[self.i] == b'0' && matches!(b.get(self.i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
            let radix = match b[self.i + 1] {
                b'x' | b'X' => 16,
                b'o' | b'O' => 8,
                _ => 2,
            };
            self.i += 2;
            let ds = self.i;
            while self.i < b.len() && (b[self.i].is_ascii_alphanumeric() || b[self.i] == b'_') {
                self.i += 1;
            }
            let digits: String = self.src[ds..self.i].chars().filter(|c| *c != '_').collect();
            let bad = || self.err(start, format!("invalid number {:?}", &self.src[start..self.i]));
            if digits.is_empty() || !underscores_ok(&self.src[ds..self.i], true) {
                return Err(bad());
            }
            return crate::num::Num::parse_radix(&digits, radix)
                .map(num_tok)
                .map_err(|_| bad());
        }
        let mut is_float = false;
        while self.i < b.len() && (b[self.i].is_ascii_digit() || b[self.i] == b'_') {
            self.i += 1;
        }
        if self.i < b.len() && b[self.i] == b'.' && b.get(self.i + 1).is_some_and(|d| d.is_ascii_digit()) {
            is_float = true;
            self.i += 1;
            while self.i < b.len() && (b[self.i].is_ascii_digit() || b[self.i] == b'_') {
                self.i += 1;
            }
        } else if self.i < b.len() && b[self.i] == b'.' && b.get(self.i + 1).is_none_or(|d| *d != b'.') {
            // `1.` is a float (and `1.e3`)
            let exp_next = matches!(b.get(self.i + 1), Some(b'e' | b'E'))
                && (b.get(self.i + 2).is_some_and(|d| d.is_ascii_digit())
                    || (matches!(b.get(self.i + 2), Some(b'+' | b'-'))
                        && b.get(self.i + 3).is_some_and(|d| d.is_ascii_digit())));
            if exp_next || !b.get(self.i + 1).is_some_and(|c| ident_start(*c)) {
                is_float = true;
                self.i += 1;
            }
        }
        if self.i < b.len() && (b[self.i] == b'e' || b[self.i] == b'E') {
            let save = self.i;
            self.i += 1;
            if self.i < b.len() && (b[self.i] == b'+' || b[self.i] == b'-') {
                self.i += 1;
            }
            if self.i < b.len() && b[self.i].is_ascii_digit() {
                is_float = true;
                while self.i < b.len() && b[self.i].is_ascii_digit() {
                    self.i += 1;
                }
            } else {
                self.i = save;
            }
        }
        let raw = &self.src[start..self.i];
        let text: String = raw.chars().filter(|c| *c != '_').collect();
        // multiplier suffix
        let mut mult: Option<(u32, u32)> = None;
        for (suf, m) in [
            ("Ki", (1024, 1)),
            ("Mi", (1024, 2)),
            ("Gi", (1024, 3)),
            ("Ti", (1024, 4)),
            ("Pi", (1024, 5)),
            ("K", (1000, 1)),
            ("M", (1000, 2)),
            ("G", (1000, 3)),
            ("T", (1000, 4)),
            ("P", (1000, 5)),
        ] {
            if self.src[self.i..].starts_with(suf)
                && !self.b.get(self.i + suf.len()).is_some_and(|c| ident_char(*c))
            {
                mult = Some(m);
                self.i += suf.len();
                break;
            }
        }
        let bad = || self.err(start, format!("invalid number {:?}", &self.src[start..self.i]));
        if !underscores_ok(raw, false) {
            return Err(bad());
        }
        if let Some((base, power)) = mult {
            return crate::num::Num::parse_with_multiplier(&text, base, power)
                .map(num_tok)
                .map_err(|e| self.err(start, format!("{e}: {:?}", &self.src[start..self.i])));
        }
        if !is_float && text.len() > 1 && text.starts_with('0') {
            // legacy octal is not allowed
            return Err(bad());
        }
        if let Some(i) = text.parse::<i128>().ok().filter(|_| !is_float) {
            return Ok(Tok::Int(i));
        }
        crate::num::Num::parse(&text).map(num_tok).map_err(|_| bad())
    }

    fn string(&mut self, ls: bool) -> Result<()> {
        let start = self.i;
        let mut hashes = 0;
        while self.b.get(self.i) == Some(&b'#') {
            hashes += 1;
            self.i += 1;
        }
        let q = match self.b.get(self.i) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return Err(self.err(start, "expected string after #")),
        };
        let multi = self.b.get(self.i + 1) == Some(&q) && self.b.get(self.i + 2) == Some(&q);
        let mut close = String::new();
        for _ in 0..if multi { 3 } else { 1 } {
            close.push(q as char);
        }
        close.push_str(&"#".repeat(hashes));
        self.i += if multi { 3 } else { 1 };
        let lit = StrLit {
            start,
            close,
            hashes,
            bytes: q == b'\'',
            multi,
        };
        let parts = if multi {
            // CUE: the opening quote is directly followed by a newline
            match (self.b.get(self.i), self.b.get(self.i + 1)) {
                (Some(b'\n'), _) => self.i += 1,
                (Some(b'\r'), Some(b'\n')) => self.i += 2,
                _ => return Err(self.err(start, "expected newline after multiline quote")),
            }
            // a first pass finds the closing quote: the whitespace before it on its line is the
            // indentation every line must start with (CUE's literal.ParseQuotes)
            let body_start = self.i;
            self.string_body(&lit, None)?;
            let body = &self.src[body_start..self.i - lit.close.len()];
            let line = &body[body.rfind('\n').map_or(0, |n| n + 1)..];
            let text_end = line.trim_end_matches(|c: char| c.is_whitespace()).len();
            let indent = line[text_end..].to_string();
            self.i = body_start;
            self.string_body(&lit, Some(&indent))?
        } else {
            self.string_body(&lit, None)?
        };
        self.push(Tok::Str(parts, lit.bytes), start, ls);
        Ok(())
    }

    /// After a literal newline of a multi-line string: skip the indentation, which every line but
    /// an empty one must start with.
    fn skip_indent(&mut self, indent: &str) -> Result<()> {
        let rest = &self.src[self.i..];
        if rest.starts_with(indent) {
            self.i += indent.len();
        } else if !rest.starts_with('\n') && !rest.starts_with("\r\n") {
            return Err(self.err(
                self.i,
                format!(
                    "invalid whitespace in multi-line string: a line does not start with the {:?} \
                     before the closing quote",
                    indent
                ),
            ));
        }
        Ok(())
    }

    /// The parts of a string literal's body, from just after its opening quote to just after its
    /// closing one. `indent` (multi-line strings, second pass) is stripped after each literal
    /// newline, and a newline right before the closing quote is dropped. Bytes literals hold one
    /// `char` per byte (U+0000 to U+00FF).
    fn string_body(&mut self, lit: &StrLit, indent: Option<&str>) -> Result<Vec<StrPart>> {
        let start = lit.start;
        let mut parts: Vec<StrPart> = Vec::new();
        let mut cur = String::new();
        let esc: String = format!("\\{}", "#".repeat(lit.hashes));
        // the last thing added was a literal newline (dropped if the closing quote follows)
        let mut after_newline = false;
        if let Some(indent) = indent {
            self.skip_indent(indent)?;
        }
        loop {
            if self.i >= self.b.len() {
                return Err(self.err(start, "string literal not terminated"));
            }
            if self.src[self.i..].starts_with(lit.close.as_str()) {
                self.i += lit.close.len();
                if after_newline && indent.is_some() {
                    cur.pop();
                }
                break;
            }
            let c = self.b[self.i];
            if c == b'\n' || c == b'\r' {
                if !lit.multi {
                    return Err(self.err(start, "string literal not terminated"));
                }
                self.i += 1;
                if c == b'\n' {
                    cur.push('\n');
                    after_newline = true;
                    if let Some(indent) = indent {
                        self.skip_indent(indent)?;
                    }
                }
                continue;
            }
            after_newline = false;
            if self.src[self.i..].starts_with(esc.as_str()) {
                self.i += esc.len();
                let Some(&e) = self.b.get(self.i) else {
                    return Err(self.err(start, "string literal not terminated"));
                };
                self.i += 1;
                match e {
                    b'n' => cur.push('\n'),
                    b't' => cur.push('\t'),
                    b'r' => cur.push('\r'),
                    b'a' => cur.push('\x07'),
                    b'b' => cur.push('\x08'),
                    b'f' => cur.push('\x0c'),
                    b'v' => cur.push('\x0b'),
                    b'\\' => cur.push('\\'),
                    b'/' => cur.push('/'),
                    b'"' => cur.push('"'),
                    b'\'' => cur.push('\''),
                    b'u' | b'U' => {
                        let n = if e == b'u' { 4 } else { 8 };
                        let hex = self
                            .src
                            .get(self.i..self.i + n)
                            .ok_or_else(|| self.err(self.i, "bad escape"))?;
                        let v = u32::from_str_radix(hex, 16)
                            .map_err(|_| self.err(self.i, "bad unicode escape"))?;
                        let ch = char::from_u32(v).ok_or_else(|| self.err(self.i, "bad unicode escape"))?;
                        push_char(&mut cur, ch, lit.bytes);
                        self.i += n;
                    }
                    b'x' if lit.bytes => {
                        let hex = self
                            .src
                            .get(self.i..self.i + 2)
                            .ok_or_else(|| self.err(self.i, "bad escape"))?;
                        let v =
                            u8::from_str_radix(hex, 16).map_err(|_| self.err(self.i, "bad hex escape"))?;
                        cur.push(char::from(v));
                        self.i += 2;
                    }
                    b'0'..=b'7' if lit.bytes => {
                        let oct = self
                            .src
                            .get(self.i - 1..self.i + 2)
                            .ok_or_else(|| self.err(self.i, "bad escape"))?;
                        let v =
                            u8::from_str_radix(oct, 8).map_err(|_| self.err(self.i, "bad octal escape"))?;
                        cur.push(char::from(v));
                        self.i += 2;
                    }
                    b'(' => {
                        let (from, to) = self.interpolation()?;
                        if !cur.is_empty() {
                            parts.push(StrPart::Lit(std::mem::take(&mut cur)));
                        }
                        parts.push(StrPart::Expr(self.base + from, self.base + to));
                    }
                    other => {
                        return Err(
                            self.err(self.i - 1, format!("unknown escape sequence \\{}", other as char))
                        );
                    }
                }
                continue;
            }
            let ch = self.src[self.i..].chars().next().unwrap_or('\0');
            push_char(&mut cur, ch, lit.bytes);
            self.i += ch.len_utf8();
        }
        if !cur.is_empty() || parts.is_empty() {
            parts.push(StrPart::Lit(cur));
        }
        Ok(parts)
    }

    /// The source range of an interpolation's expression; `self.i` is just after its `(` and ends
    /// just after the matching `)`.
    fn interpolation(&mut self) -> Result<(usize, usize)> {
        let es = self.i;
        let mut depth = 1i32;
        let mut in_str: Option<u8> = None;
        while self.i < self.b.len() {
            let ch = self.b[self.i];
            if let Some(qq) = in_str {
                if ch == b'\\' {
                    self.i += 1;
                } else if ch == qq {
                    in_str = None;
                }
            } else if ch == b'"' || ch == b'\'' {
                in_str = Some(ch);
            } else if ch == b'(' {
                depth += 1;
            } else if ch == b')' {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            self.i += 1;
        }
        if depth != 0 {
            return Err(self.err(es, "unterminated interpolation"));
        }
        let end = self.i;
        self.i += 1;
        Ok((es, end))
    }
}

/// The delimiters of a string literal being scanned.
struct StrLit {
    /// Offset of the literal's first byte (for errors).
    start: usize,
    /// The closing delimiter: quotes then `#`s.
    close: String,
    hashes: usize,
    /// A bytes literal (`'...'`).
    bytes: bool,
    /// A multi-line literal (`"""` / `'''`).
    multi: bool,
}

/// Append a character: as itself to a string literal, as its UTF-8 bytes (one `char` per byte)
/// to a bytes literal.
fn push_char(out: &mut String, ch: char, bytes: bool) {
    if bytes && !ch.is_ascii() {
        let mut buf = [0u8; 4];
        out.extend(ch.encode_utf8(&mut buf).bytes().map(char::from));
    } else {
        out.push(ch);
    }
}

/// The bytes a bytes-literal part stands for (one `char` per byte, see [`StrPart::Lit`]).
pub(crate) fn literal_bytes(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.chars().map(|c| c as u32 as u8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_order_mark_only_at_the_start() {
        assert!(super::tokenize("\u{FEFF}a: 1", 0).is_ok());
        let err = super::tokenize("a: \"x\u{FEFF}\"", 0).unwrap_err().to_string();
        assert!(err.contains("illegal byte order mark"), "{err}");
    }

    use super::*;

    #[test]
    fn commas_are_inserted_at_line_ends() {
        let toks = tokenize("a: 1\nb: \"x\"\n", 0).unwrap();
        let kinds: Vec<_> = toks.iter().map(|t| t.tok.clone()).collect();
        assert_eq!(kinds[3], Tok::Comma);
        assert_eq!(*kinds.last().unwrap(), Tok::Eof);
    }

    #[test]
    fn doc_comments_attach_to_next_token() {
        let toks = tokenize("a: 1 // trailing\n// +patchKey=name\nb: 2", 0).unwrap();
        let b = toks.iter().find(|t| t.tok == Tok::Ident("b".into())).unwrap();
        assert_eq!(b.comments, vec![" +patchKey=name".to_string()]);
    }

    #[test]
    fn doc_group_is_the_one_ending_on_the_line_before() {
        let toks = tokenize("// a\n\n// b\n// c\nx: 1\n// d\n\ny: 2", 0).unwrap();
        let x = toks.iter().find(|t| t.tok == Tok::Ident("x".into())).unwrap();
        assert_eq!(x.comments.len(), 3);
        assert_eq!(x.doc_start, 1, "the group `b c`");
        let y = toks.iter().find(|t| t.tok == Tok::Ident("y".into())).unwrap();
        assert_eq!(y.doc_start, y.comments.len(), "a blank line ends the group");
    }

    #[test]
    fn multiline_raw_string_is_dedented() {
        let toks = tokenize("x: #\"\"\"\n\t\ta: \"\\(b)\"\n\t\t\"\"\"#", 0).unwrap();
        match &toks[2].tok {
            Tok::Str(p, false) => assert_eq!(p, &vec![StrPart::Lit("a: \"\\(b)\"".into())]),
            t => panic!("{t:?}"),
        }
    }

    fn string_lit(src: &str) -> std::result::Result<Vec<StrPart>, String> {
        match tokenize(src, 0)
            .map_err(|e| e.to_string())?
            .into_iter()
            .nth(2)
            .map(|t| t.tok)
        {
            Some(Tok::Str(p, _)) => Ok(p),
            t => Err(format!("{t:?}")),
        }
    }

    #[test]
    fn multiline_indentation_is_the_whitespace_before_the_closing_quote() {
        let lit = |s: &str| vec![StrPart::Lit(s.into())];
        assert_eq!(
            string_lit("x: \"\"\"\n\tabc\n\t  d\n\t\"\"\"").unwrap(),
            lit("abc\n  d")
        );
        // text before the closing quote: no indentation, no final newline dropped
        assert_eq!(
            string_lit("x: \"\"\"\n  abc\n  x\"\"\"").unwrap(),
            lit("  abc\n  x")
        );
        assert_eq!(
            string_lit("x: \"\"\"\n  abc\n  x  \"\"\"").unwrap(),
            lit("abc\nx  ")
        );
        // an escaped newline is not a line start
        assert_eq!(
            string_lit("x: \"\"\"\n  a\\n  b\n  \"\"\"").unwrap(),
            lit("a\n  b")
        );
        // a line without the indentation, text after the opening quote, `\` before a newline
        assert!(string_lit("x: \"\"\"\n  a\n b\n  \"\"\"").is_err());
        assert!(string_lit("x: \"\"\" \n  a\n  \"\"\"").is_err());
        assert!(string_lit("x: \"\"\"\n  a\\\n  \"\"\"").is_err());
    }

    #[test]
    fn bytes_literals_hold_one_char_per_byte() {
        let bytes = |s: &str| match string_lit(s).unwrap().as_slice() {
            [StrPart::Lit(l)] => literal_bytes(l).collect::<Vec<u8>>(),
            p => panic!("{p:?}"),
        };
        assert_eq!(bytes("x: 'é'"), "é".as_bytes());
        assert_eq!(bytes("x: '\\u00e9\\xff\\000'"), [0xC3, 0xA9, 0xFF, 0]);
    }

    #[test]
    fn a_comma_only_ends_an_element() {
        assert!(tokenize("a: {b: 1,}", 0).is_ok());
        for bad in ["a: {, b: 1}", "a: [1,,2]", "a: {b: 1\n, c: 2}", ", a: 1"] {
            assert!(tokenize(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_with_suffixes() {
        let toks = tokenize("1Ki 0x10 1_000 1.5", 0).unwrap();
        assert_eq!(toks[0].tok, Tok::Int(1024));
        assert_eq!(toks[1].tok, Tok::Int(16));
        assert_eq!(toks[2].tok, Tok::Int(1000));
        assert!(matches!(&toks[3].tok, Tok::Num(n) if n.to_string() == "1.5"));
    }
}
