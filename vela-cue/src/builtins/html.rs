//! The `html` package's `Unescape`: Go's `html.UnescapeString` (HTML5 named character
//! references, the longest-prefix match of the legacy ones written without `;`, numeric
//! references with the Windows-1252 replacements of 0x80-0x9F and U+FFFD for invalid ones).

use super::html_entities::ENTITIES;

/// Code points that numeric references 0x80..=0x9F stand for (the HTML5 spec's table).
const C1_REPLACEMENTS: [u32; 32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
    0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
    0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];

/// The longest named reference that may be written without its `;`.
const LONGEST_WITHOUT_SEMICOLON: usize = 6;

/// Go's `html.UnescapeString(s)`.
pub(crate) fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'&') {
        let amp = i + off;
        out.push_str(&s[copied..amp]);
        let (text, used) = reference(&b[amp..]);
        match text {
            Some(t) => out.push_str(&t),
            None => out.push_str(&s[amp..amp + used]),
        }
        i = amp + used;
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

/// The text of the reference at the start of `s` (which starts with `&`) and the bytes it
/// uses; `None` keeps those bytes as they are.
fn reference(s: &[u8]) -> (Option<String>, usize) {
    if s.len() <= 1 {
        return (None, 1);
    }
    if s[1] == b'#' {
        return numeric(s);
    }
    let mut i = 1;
    while i < s.len() && s[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if i < s.len() && s[i] == b';' {
        i += 1;
    }
    let name = &s[1..i];
    if name.is_empty() {
        return (None, i);
    }
    if let Some(t) = lookup(name) {
        return (Some(t), i);
    }
    // a legacy reference without `;` followed by more letters: the longest that is one
    let longest = (name.len() - 1).min(LONGEST_WITHOUT_SEMICOLON);
    for j in (2..=longest).rev() {
        if let Some(t) = lookup(&name[..j]) {
            return (Some(t), j + 1);
        }
    }
    (None, i)
}

fn lookup(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    let k = ENTITIES.binary_search_by(|(n, ..)| (*n).cmp(name)).ok()?;
    let (_, first, second) = ENTITIES[k];
    Some(
        [first, second]
            .into_iter()
            .filter(|&c| c != 0)
            .filter_map(char::from_u32)
            .collect(),
    )
}

/// `&#123;` or `&#x7B;` (the `;` is optional); Go accumulates the value in a wrapping `int32`.
fn numeric(s: &[u8]) -> (Option<String>, usize) {
    if s.len() <= 3 {
        return (None, 1);
    }
    let mut i = 2;
    let hex = matches!(s[i], b'x' | b'X');
    if hex {
        i += 1;
    }
    let mut x: i32 = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        let digit = if hex {
            (c as char).to_digit(16)
        } else {
            (c as char).to_digit(10)
        };
        if let Some(d) = digit {
            x = x.wrapping_mul(if hex { 16 } else { 10 }).wrapping_add(d as i32);
            continue;
        }
        if c != b';' {
            i -= 1;
        }
        break;
    }
    if i <= 3 {
        return (None, 1);
    }
    let cp = match x {
        0x80..=0x9F => C1_REPLACEMENTS[(x - 0x80) as usize],
        0 | 0xD800..=0xDFFF => 0xFFFD,
        x if !(0..=0x10FFFF).contains(&x) => 0xFFFD,
        x => x as u32,
    };
    (Some(char::from_u32(cp).unwrap_or('\u{FFFD}').to_string()), i)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn named_numeric_and_legacy_references() {
        assert_eq!(unescape("a &lt;b&gt; &amp;amp;"), "a <b> &amp;");
        assert_eq!(unescape("&aacute;&#225;&#xE1;&#XE1"), "áááá");
        assert_eq!(unescape("&notit; &notin; &ampx &amp"), "¬it; ∉ &x &");
        assert_eq!(
            unescape("&#128;&#0;&#xD800;&#1114112;"),
            "€\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(
            unescape("&NotEqualTilde; &nope; & &# &#; &#x;"),
            "\u{2242}\u{338} &nope; & &# &#; \u{FFFD}"
        );
        assert_eq!(unescape("&#;x &#12 x& &lt &ltx &LT;"), "&#;x \u{c} x& < <x <");
        assert_eq!(unescape("&#99999999999;"), "\u{FFFD}");
    }
}
