//! Indentation and the spaces between tokens, line by line.

use super::operators::{compact_operators, is_operand, is_unary};
use super::tokens::{Kind, line_index, matches, tokens};

/// Lays the text out again as CUE's formatter does: each line indented with tabs by the lines
/// whose brackets are still open (one more for the continuation of an expression ending in an
/// operator), one space between tokens that were apart, none inside brackets or before a
/// comma or colon, one after them; blank lines at most one, none after an opening or before a
/// closing bracket. A line inside a multi-line string is kept as it is.
pub(super) fn relayout(text: &str) -> String {
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
    let compact = matches(text, &toks)
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
