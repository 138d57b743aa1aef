//! JSON text as Go's `encoding/json` writes it (what `cue export` and `json.Marshal` print).

use serde_json::Value as Json;

/// Write JSON like Go's `encoding/json` (`json.Marshal` when `indent` is empty, otherwise
/// `json.MarshalIndent` with that indent): keys in the given order, `<`, `>`, `&`, U+2028 and U+2029
/// escaped when `html` is set.
pub fn write_json(v: &Json, html: bool, indent: &str) -> String {
    let mut out = String::new();
    write_value(&mut out, v, html, indent, 0);
    out
}

fn newline(out: &mut String, indent: &str, level: usize) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

fn write_value(out: &mut String, v: &Json, html: bool, indent: &str, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                out.push_str(&go_float(f));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Json::String(s) => write_str(out, s, html),
        Json::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_value(out, e, html, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Json::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_str(out, k, html);
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                write_value(out, e, html, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// Go's float formatting in encoding/json.
pub(super) fn go_float(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format!("{f:e}");
        // Go prints e+XX / e-XX with at least two exponent digits
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = if let Some(d) = e.strip_prefix('-') {
            ('-', d)
        } else {
            ('+', e)
        };
        let digits = if digits.len() < 2 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        format!("{m}e{sign}{digits}")
    } else {
        format!("{f}")
    }
}

pub(super) fn write_str(out: &mut String, s: &str, html: bool) {
    out.push('"');
    // copy runs of bytes that need no escaping in one go
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let special =
            b < 0x20 || b == b'"' || b == b'\\' || b == 0xE2 || (html && matches!(b, b'<' | b'>' | b'&'));
        if !special {
            continue;
        }
        if b == 0xE2 && !(s[i..].starts_with('\u{2028}') || s[i..].starts_with('\u{2029}')) {
            continue;
        }
        out.push_str(&s[run..i]);
        let c = s[i..].chars().next().unwrap_or('\0');
        run = i + c.len_utf8();
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Go's encoding/json (1.22 and later) writes these two short escapes too
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
    }
    out.push_str(&s[run..]);
    out.push('"');
}
