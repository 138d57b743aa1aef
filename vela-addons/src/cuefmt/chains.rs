//! Single-field structs written as label chains (`a: {b: 1}` is `a: b: 1`).

use super::tokens::{Kind, Tok, ends_decl, line_index, matches, tokens};

/// Joins a label whose value starts on the next line to it (`a:` then `b: 1` on the next line
/// is the chain `a: b: 1`).
pub(super) fn join_chains(text: &str) -> String {
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

/// Writes every single-field struct value as a chain, until none is left.
pub(super) fn simplify(text: &str) -> String {
    let mut text = text.to_string();
    // each round removes one pair of braces, so this ends
    while let Some(next) = collapse_one(&text) {
        text = next;
    }
    text
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
