//! CUE text as tokens: strings (interpolations included) and comments whole, brackets paired.

/// A token: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Ident,
    Str,
    Num,
    Comment,
    Punct,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Splits CUE text into tokens (strings, interpolations included, and comments whole). `None`
/// when the text does not tokenise (an unterminated string): then nothing is simplified.
pub(super) fn tokens(text: &str) -> Option<Vec<Tok>> {
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
pub(super) fn matches(text: &str, toks: &[Tok]) -> Option<Vec<Option<usize>>> {
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
pub(super) fn ends_decl(text: &str, t: &Tok) -> bool {
    match t.kind {
        Kind::Ident | Kind::Str | Kind::Num => true,
        Kind::Comment => false,
        Kind::Punct => matches!(&text[t.start..t.end], "}" | "]" | ")" | "_|_" | "..."),
    }
}

/// The line index of a byte offset, for a text.
pub(super) fn line_index(text: &str) -> impl Fn(usize) -> usize + '_ {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    move |pos| starts.partition_point(|&st| st <= pos) - 1
}
