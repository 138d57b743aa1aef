//! `encoding/toml`: `Unmarshal` reads TOML as CUE v0.14.1's decoder does (fields in document
//! order, numbers with the digits written, date-times as strings checked by `time.Format` with
//! the layout of their kind, keys starting with `#` as definitions, which export nothing), and
//! `Marshal` writes what CUE's encoder, go-toml v2.2.4 over a Go map, writes (keys sorted,
//! key-values before tables, `[[array]]` tables, literal `'strings'` where possible).

use base64::Engine;
use toml_edit::{Item, Table, Value};

use super::R;
use super::args::{list, record};
use super::yaml_emit::Node;
use crate::ast::Name;
use crate::eval::Ctx;
use crate::num::Num;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &["toml.Marshal", "toml.Unmarshal"];

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let args = super::args::Args::new(ctx, a);
    match name {
        "toml.Unmarshal" => {
            let data = args.bytes(0)?;
            let text = std::str::from_utf8(&data).map_err(|_| "invalid UTF-8 in TOML input".to_string())?;
            unmarshal(ctx, text)
        }
        "toml.Marshal" => {
            let mut budget = ctx.limits.max_output;
            let node = ctx
                .export_node(args.val(0)?, "", &mut budget)
                .map_err(|e| e.to_string())?;
            let mut out = String::new();
            encode(&mut out, &node, &mut Vec::new(), Place::Root)?;
            if out.len() > ctx.limits.max_output {
                return Err(format!("output larger than {} bytes", ctx.limits.max_output));
            }
            Ok(Val::Str(out.into()))
        }
        _ => Err(format!("unknown function {name}")),
    }
}

// ---- Unmarshal ----

fn unmarshal(ctx: &Ctx, text: &str) -> R {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let msg = e.message().trim_end().to_string();
        match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                format!("{msg} (line {line}, column {col})")
            }
            None => msg,
        }
    })?;
    table(ctx, text, doc.as_table())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Where a table entry first appears in the source: CUE's decoder adds a field when it meets
/// the first header or key that names it (toml_edit moves a table defined after its subtables).
fn first_offset(t: &Table, key: &str, item: &Item) -> usize {
    let own = t.key(key).and_then(|k| k.span()).map_or(usize::MAX, |s| s.start);
    let inner = match item {
        Item::Table(sub) => sub.iter().map(|(k, i)| first_offset(sub, k, i)).min(),
        Item::ArrayOfTables(a) => a.span().map(|s| s.start),
        _ => None,
    };
    own.min(inner.unwrap_or(usize::MAX))
}

fn table(ctx: &Ctx, src: &str, t: &Table) -> R {
    let mut fields: Vec<(Name, Val)> = Vec::new();
    let mut entries: Vec<(&str, &Item)> = t.iter().collect();
    entries.sort_by_key(|(k, item)| first_offset(t, k, item));
    for (k, item) in entries {
        let v = match item {
            Item::None => continue,
            Item::Value(v) => value(ctx, src, v)?,
            Item::Table(t) => table(ctx, src, t)?,
            Item::ArrayOfTables(a) => list(a.iter().map(|t| table(ctx, src, t)).collect::<Result<_, _>>()?),
        };
        push_field(&mut fields, k, v);
    }
    Ok(record(ctx, fields))
}

/// CUE's decoder labels a field with a quoted string when its key starts with `_` (a regular
/// field), and with an identifier otherwise, so a key starting with `#` is a definition.
fn push_field(fields: &mut Vec<(Name, Val)>, key: &str, v: Val) {
    let name = if key.starts_with('#') {
        key.into()
    } else {
        crate::ast::regular_name(key)
    };
    fields.push((name, v));
}

fn value(ctx: &Ctx, src: &str, v: &Value) -> R {
    let raw = |span: Option<std::ops::Range<usize>>| -> Result<String, String> {
        span.and_then(|s| src.get(s))
            .map(|s| s.replace('_', ""))
            .ok_or_else(|| "TOML value without its source text".to_string())
    };
    Ok(match v {
        Value::String(s) => Val::Str(s.value().as_str().into()),
        Value::Boolean(b) => Val::Bool(*b.value()),
        Value::Integer(i) => {
            let text = raw(i.span())?;
            let (sign, digits) = match text.strip_prefix(['+', '-']) {
                Some(d) => (&text[..1], d),
                None => ("", text.as_str()),
            };
            let radix = match digits.get(..2) {
                Some("0x") => 16,
                Some("0o") => 8,
                Some("0b") => 2,
                _ => 10,
            };
            let n = if radix == 10 {
                Num::parse(&format!("{sign}{digits}"))
            } else {
                Num::parse_radix(&digits[2..], radix)
            };
            Val::num(n.map_err(|e| format!("parse error: {e}"))?)
        }
        Value::Float(f) => {
            let text = raw(f.span())?;
            let n = Num::parse(&text).map_err(|_| {
                format!(
                    "parse error: illegal number start {:?}",
                    text.trim_start_matches(['+', '-'])
                )
            })?;
            Val::num(n.with_kind(false))
        }
        Value::Datetime(d) => {
            let text = raw(d.span())?;
            let dt = d.value();
            let layout = match (dt.date.is_some(), dt.time.is_some(), dt.offset.is_some()) {
                (true, false, _) => "2006-01-02",
                (false, true, _) => "15:04:05",
                (true, true, false) => "2006-01-02T15:04:05",
                _ => "2006-01-02T15:04:05Z07:00",
            };
            let s = Val::Str(text.as_str().into());
            super::time::call(ctx, "time.Format", &[s.clone(), Val::Str(layout.into())]).map_err(|e| {
                format!("invalid value {text:?} (does not satisfy time.Format({layout:?})): {e}")
            })?;
            s
        }
        Value::Array(a) => list(a.iter().map(|e| value(ctx, src, e)).collect::<Result<_, _>>()?),
        Value::InlineTable(t) => {
            let mut fields = Vec::new();
            for (k, v) in t.iter() {
                push_field(&mut fields, k, value(ctx, src, v)?);
            }
            record(ctx, fields)
        }
    })
}

// ---- Marshal (go-toml v2's encoder over the map CUE's `Decode` gives) ----

/// Where a value is written: the document root, a table's body, or inside a key-value (where
/// every map is an inline table and every list an inline array).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Root,
    Table,
    Inline,
}

/// Whether go-toml writes `n` as a table or an array of tables (not as a key-value).
fn is_table_like(n: &Node) -> bool {
    match n {
        Node::Map(_) => true,
        Node::Seq(items) => !items.is_empty() && items.iter().all(|i| matches!(i, Node::Map(_))),
        _ => false,
    }
}

/// One field of a map being written.
type Entry<'a> = &'a (String, Node);

/// The entries of a map as go-toml orders them: nulls dropped, key-values then tables, each
/// group sorted by key bytes.
fn entries(fields: &[(String, Node)], place: Place) -> (Vec<Entry<'_>>, Vec<Entry<'_>>) {
    let mut kvs: Vec<Entry<'_>> = Vec::new();
    let mut tables: Vec<Entry<'_>> = Vec::new();
    for f in fields.iter().filter(|(_, v)| *v != Node::Null) {
        if place != Place::Inline && is_table_like(&f.1) {
            tables.push(f);
        } else {
            kvs.push(f);
        }
    }
    kvs.sort_by(|a, b| a.0.cmp(&b.0));
    tables.sort_by(|a, b| a.0.cmp(&b.0));
    (kvs, tables)
}

fn encode(out: &mut String, n: &Node, path: &mut Vec<String>, place: Place) -> Result<(), String> {
    match n {
        Node::Null => return Err("toml: cannot encode a nil interface".into()),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Num(text) => number(out, text)?,
        Node::Str(s) => string(out, s),
        Node::Binary(b64) => {
            // Go's []byte is a slice of integers to go-toml
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| e.to_string())?;
            let items: Vec<Node> = bytes.iter().map(|b| Node::Num(b.to_string())).collect();
            encode(out, &Node::Seq(items), path, place)?;
        }
        Node::Seq(items) => {
            if items.is_empty() {
                out.push_str("[]");
            } else if place != Place::Inline && is_table_like(n) {
                let mut header = String::from("[[");
                header.push_str(&dotted(path));
                header.push_str("]]\n");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&header);
                    let Node::Map(fields) = item else {
                        unreachable!("checked by is_table_like")
                    };
                    table_body(out, fields, path)?;
                }
            } else {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if *item == Node::Null {
                        return Err("toml: encoding a nil interface is not supported".into());
                    }
                    encode(out, item, path, Place::Inline)?;
                }
                out.push(']');
            }
        }
        Node::Map(fields) => match place {
            Place::Inline => {
                let (kvs, _) = entries(fields, Place::Inline);
                out.push('{');
                for (i, (k, v)) in kvs.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    key(out, k);
                    out.push_str(" = ");
                    encode(out, v, path, Place::Inline)?;
                }
                out.push('}');
            }
            Place::Root | Place::Table => {
                if !path.is_empty() {
                    out.push('[');
                    out.push_str(&dotted(path));
                    out.push_str("]\n");
                }
                table_body(out, fields, path)?;
            }
        },
    }
    Ok(())
}

/// A table's key-values, then its tables (a blank line before each table).
fn table_body(out: &mut String, fields: &[(String, Node)], path: &mut Vec<String>) -> Result<(), String> {
    let (kvs, tables) = entries(fields, Place::Table);
    for (k, v) in &kvs {
        key(out, k);
        out.push_str(" = ");
        encode(out, v, path, Place::Inline)?;
        out.push('\n');
    }
    for (i, (k, v)) in tables.into_iter().enumerate() {
        if i > 0 || !kvs.is_empty() {
            out.push('\n');
        }
        path.push(k.clone());
        let r = encode(out, v, path, Place::Table);
        path.pop();
        r?;
    }
    Ok(())
}

fn dotted(path: &[String]) -> String {
    let mut s = String::new();
    for (i, k) in path.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        key(&mut s, k);
    }
    s
}

/// A number as go-toml writes Go's `int64` / `float64`; an integer beyond `int64` is a
/// `*big.Int`, which go-toml writes as its text in a string.
fn number(out: &mut String, text: &str) -> Result<(), String> {
    let is_int = !text.contains(['.', 'e', 'E']);
    if is_int {
        if let Ok(i) = text.parse::<i64>() {
            out.push_str(&i.to_string());
        } else {
            string(out, text);
        }
        return Ok(());
    }
    let f: f64 = text
        .parse()
        .map_err(|_| format!("toml: cannot encode number {text}"))?;
    if !f.is_finite() {
        return Err(format!("toml: number {text} is out of float64 range"));
    }
    if f.trunc() == f {
        out.push_str(&format!("{f:.1}"));
    } else {
        out.push_str(&format!("{f}"));
    }
    Ok(())
}

/// Bytes go-toml refuses in a literal string (controls other than tab, and DEL).
fn needs_quoting(s: &str) -> bool {
    s.bytes()
        .any(|b| b == b'\'' || b == b'\r' || b == b'\n' || (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn string(out: &mut String, s: &str) {
    if needs_quoting(s) {
        quoted(out, s);
    } else {
        out.push('\'');
        out.push_str(s);
        out.push('\'');
    }
}

fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A key: bare when it is only `A-Za-z0-9_-`, else a literal string, else a quoted one.
fn key(out: &mut String, k: &str) {
    if k.is_empty() {
        out.push_str("''");
        return;
    }
    let bare = k
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        out.push_str(k);
    } else if k.contains('\'') || needs_quoting(k) {
        quoted(out, k);
    } else {
        out.push('\'');
        out.push_str(k);
        out.push('\'');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(f: &[(&str, Node)]) -> Node {
        Node::Map(f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn marshal_lays_out_like_go_toml() {
        let doc = map(&[
            ("b", Node::Num("2".into())),
            ("a", Node::Str("x'y".into())),
            ("t", map(&[("k", Node::Num("1.0".into())), ("n", Node::Null)])),
            ("arr", Node::Seq(vec![map(&[("f", Node::Bool(true))]), map(&[])])),
            ("big", Node::Num("123456789012345678901234567890".into())),
            (
                "k k",
                Node::Seq(vec![
                    Node::Num("1.5".into()),
                    map(&[("d", Node::Str("é".into()))]),
                ]),
            ),
        ]);
        let mut out = String::new();
        encode(&mut out, &doc, &mut Vec::new(), Place::Root).unwrap();
        assert_eq!(
            out,
            "a = \"x'y\"\nb = 2\nbig = '123456789012345678901234567890'\n'k k' = [1.5, {d = 'é'}]\n\n[[arr]]\nf = true\n\n[[arr]]\n\n[t]\nk = 1.0\n"
        );
    }
}
