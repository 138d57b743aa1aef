//! The values of consecutive one-line fields aligned, as CUE's tab writer does.

use super::tokens::{Kind, Tok, ends_decl, line_index, matches, tokens};

/// Aligns the values of consecutive one-line fields as CUE's formatter does (its tab writer:
/// each field up to its last colon padded to the widest plus one). A run of fields breaks at a
/// blank or comment line, at a field or declaration that is not a field of the same nesting
/// depth (`a: b: c` is two deep), before a field whose value is a struct in braces or a list,
/// and after a field whose value holds a struct or list literal (which is not aligned).
pub(super) fn align(text: &str) -> String {
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
pub(super) struct Decl {
    pub(super) first: usize,
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
pub(super) fn decls(text: &str, toks: &[Tok], pairs: &[Option<usize>], from: usize, to: usize) -> Vec<Decl> {
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
