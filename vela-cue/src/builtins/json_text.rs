//! Go's `json.Compact`, `json.Indent` and `json.HTMLEscape`: whitespace changes only, every
//! string and number copied as written.

/// The tokens of valid JSON text `src`, reformatted: compact when `indent` is `None`, else each
/// element on its own line starting with `prefix` and one `indent` per nesting level.
fn reformat(src: &[u8], indent: Option<(&str, &str)>) -> Result<String, String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(src).map_err(|e| format!("json: invalid JSON: {e}"))?;
    let text = std::str::from_utf8(src).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    // just opened a container: its first element goes on a new line (if any)
    let mut need_indent = false;
    let newline = |out: &mut String, depth: usize| {
        if let Some((prefix, ind)) = indent {
            out.push('\n');
            out.push_str(prefix);
            for _ in 0..depth {
                out.push_str(ind);
            }
        }
    };
    let mut chars = text.char_indices().peekable();
    let trailing_ws_start = text.trim_end_matches([' ', '\t', '\r', '\n']).len();
    while let Some((i, c)) = chars.next() {
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if indent.is_some() && i >= trailing_ws_start && depth == 0 && !out.is_empty() {
                out.push(c);
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                out.push('"');
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                depth += 1;
                need_indent = true;
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if need_indent {
                    // an empty container stays `{}` / `[]`
                    need_indent = false;
                } else {
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => {
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Go's `json.Compact`.
pub(crate) fn compact(src: &[u8]) -> Result<String, String> {
    reformat(src, None)
}

/// Go's `json.Indent`.
pub(crate) fn indent(src: &[u8], prefix: &str, indent: &str) -> Result<String, String> {
    reformat(src, Some((prefix, indent)))
}

/// Go's `json.HTMLEscape`: `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes.
pub(crate) fn html_escape(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    for c in src.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reformats_like_go() {
        let src = br#" {"a" : [1, 2.50, {}], "b": {"c": "x y"}, "d": []} "#;
        assert_eq!(
            compact(src).unwrap(),
            r#"{"a":[1,2.50,{}],"b":{"c":"x y"},"d":[]}"#
        );
        assert_eq!(
            indent(br#"{"a":[1,{}],"b":[]}"#, ">", "  ").unwrap(),
            "{\n>  \"a\": [\n>    1,\n>    {}\n>  ],\n>  \"b\": []\n>}"
        );
        assert!(compact(b"{").is_err());
        assert_eq!(html_escape("<a&b>"), "\\u003ca\\u0026b\\u003e");
    }
}
