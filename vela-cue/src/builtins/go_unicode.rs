//! Go's per-rune Unicode functions (`unicode.ToUpper`/`ToLower`/`ToTitle`, `strconv.IsPrint`/
//! `IsGraphic`) over the tables in `unicode_tables.rs`, and `strconv.Quote`'s escaping.

use super::unicode_tables::{GRAPHIC, LOWER, PRINT, TITLE, UPPER};
use std::fmt::Write;

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn mapped(table: &[(u32, u32, i32)], c: char) -> char {
    let u = c as u32;
    let i = table.partition_point(|&(_, hi, _)| hi < u);
    match table.get(i) {
        Some(&(lo, _, d)) if lo <= u => char::from_u32(u.wrapping_add_signed(d)).unwrap_or(c),
        _ => c,
    }
}

/// Go's `unicode.ToUpper` (simple case mapping: `ß` stays `ß`).
pub(crate) fn to_upper(c: char) -> char {
    mapped(UPPER, c)
}

/// Go's `unicode.ToLower`.
pub(crate) fn to_lower(c: char) -> char {
    mapped(LOWER, c)
}

/// Go's `unicode.ToTitle` (`ǆ` becomes `ǅ`).
pub(crate) fn to_title(c: char) -> char {
    mapped(TITLE, c)
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    in_ranges(PRINT, c)
}

/// Go's `strconv.IsGraphic`: `IsPrint` plus the other Unicode spaces.
pub(crate) fn is_graphic(c: char) -> bool {
    in_ranges(GRAPHIC, c)
}

/// Which runes `quote` writes as they are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// `strconv.Quote`: printable runes.
    Print,
    /// `strconv.QuoteToASCII`: printable ASCII only.
    Ascii,
    /// `strconv.QuoteToGraphic`: graphic runes.
    Graphic,
}

/// Go's `strconv.Quote` family: `s` between `quote` characters with Go's escapes.
pub(crate) fn quote(s: &str, quote: char, keep: Keep) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        quote_char(&mut out, c, quote, keep);
    }
    out.push(quote);
    out
}

fn quote_char(out: &mut String, c: char, quote: char, keep: Keep) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let printable = match keep {
        Keep::Ascii => (c as u32) < 0x80 && is_print(c),
        Keep::Print => is_print(c),
        Keep::Graphic => is_graphic(c),
    };
    if printable {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0C' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0B' => out.push_str("\\v"),
        c if (c as u32) < ' ' as u32 || c as u32 == 0x7F => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_case_mapping_and_quoting_follow_go() {
        assert_eq!(to_upper('ß'), 'ß');
        assert_eq!(to_upper('a'), 'A');
        assert_eq!(to_lower('İ'), 'i');
        assert_eq!(to_title('ǆ'), 'ǅ');
        assert_eq!(to_upper('ǆ'), 'Ǆ');
        assert!(is_print(' ') && !is_print('\u{a0}') && is_graphic('\u{a0}'));
        assert_eq!(
            quote("a\"\n\u{7f}\u{200b}😀", '"', Keep::Print),
            "\"a\\\"\\n\\x7f\\u200b😀\""
        );
        assert_eq!(quote("😀é", '"', Keep::Ascii), "\"\\U0001f600\\u00e9\"");
    }
}
