//! `vela cue export|eval`: CUE's own commands over the language vela-cue evaluates, so a
//! definition can be debugged without Go. The output is `cue export`'s byte for byte (JSON with
//! four-space indentation, CUE's YAML, raw text); `eval` prints concrete values in CUE syntax
//! the way `cue eval` lays them out. Errors are CUE's message with the field path and
//! `file:line:col`, and exit with 1.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vela_cue::{Kind, Program, Value};

use crate::cli::CueOutput;

/// Name of the field that holds `-e EXPR` (hidden: it never shows in the root's fields).
const EXPR_FIELD: &str = "_vela_cue_expression";

/// A failed `vela cue` command: the message CUE would print (without `Error:`).
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One input file: its display name (`./x.cue` as CUE prints a relative path) and text.
struct Source {
    name: String,
    text: String,
}

fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        return "-".into();
    }
    let s = path.display().to_string();
    if path.is_absolute() || s.starts_with("./") || s.starts_with("../") {
        s
    } else {
        format!("./{s}")
    }
}

/// Reads a CUE file, or standard input for `-`, within the input limits (a regular file of at
/// most 8 MiB: `vela_render::ops::input`).
fn read(path: &Path) -> Result<Source, Failure> {
    use vela_render::ops::input;
    let r = if path == Path::new("-") {
        input::read_stdin(input::MAX_FILE_BYTES)
    } else {
        input::read_file(path, input::MAX_FILE_BYTES)
    };
    let text = r.map_err(|e| match &e {
        // as Go reports it
        input::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Failure(format!(
            "stat {}: no such file or directory\n",
            std::env::current_dir().unwrap_or_default().join(path).display()
        )),
        _ => Failure(format!("read {}: {e}\n", path.display())),
    })?;
    Ok(Source {
        name: display_name(path),
        text,
    })
}

/// A file split into its package name, import lines and the rest.
struct Parts<'s> {
    package: Option<&'s str>,
    imports: Vec<&'s str>,
    /// 0-based line where the body starts.
    body_line: usize,
    body: &'s str,
}

/// Splits the header (comments, `package`, `import` lines and blocks) from the body.
fn split_header(text: &str) -> Parts<'_> {
    let mut parts = Parts {
        package: None,
        imports: Vec::new(),
        body_line: 0,
        body: text,
    };
    let mut offset = 0;
    let mut in_block = false;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim();
        let header = if in_block {
            if t.starts_with(')') {
                in_block = false;
            } else if !t.is_empty() && !t.starts_with("//") {
                parts.imports.push(t);
            }
            true
        } else if t.is_empty() || t.starts_with("//") {
            true
        } else if let Some(name) = t.strip_prefix("package ") {
            parts.package = Some(name.trim());
            true
        } else if let Some(spec) = t.strip_prefix("import") {
            let spec = spec.trim();
            if spec.starts_with('(') {
                in_block = !spec.ends_with(')');
                let inner = spec.trim_start_matches('(').trim_end_matches(')').trim();
                if !inner.is_empty() {
                    parts.imports.push(inner);
                }
            } else {
                parts.imports.push(spec);
            }
            true
        } else {
            false
        };
        if !header {
            parts.body_line = n;
            parts.body = &text[offset..];
            return parts;
        }
        offset += line.len();
    }
    parts.body_line = text.lines().count();
    parts.body = "";
    parts
}

/// The program of one or more files of one package: a single file as it is; several files
/// with their imports merged and their bodies one after the other (they share the package
/// scope, as in CUE). `segments` maps lines of the program back to (first line, file, line).
struct Combined {
    text: String,
    name: String,
    segments: Vec<(usize, String, usize)>,
    expr_line: Option<usize>,
    /// Files without a package clause, unified as separate structs: `-e` must be a path.
    separate: bool,
}

fn combine(sources: &[Source], expr: Option<&str>) -> Result<Combined, Failure> {
    let mut c = Combined {
        text: String::new(),
        name: String::new(),
        segments: Vec::new(),
        expr_line: None,
        separate: false,
    };
    if let [one] = sources {
        c.text = one.text.clone();
        c.name = one.name.clone();
    } else {
        let parts: Vec<Parts> = sources.iter().map(|s| split_header(&s.text)).collect();
        let packages: Vec<&str> = parts.iter().filter_map(|p| p.package).collect();
        if let Some(other) = packages.iter().find(|p| **p != packages[0]) {
            return Err(Failure(format!("found packages {} and {other}", packages[0])));
        }
        if let Some(p) = packages.first() {
            let _ = writeln!(c.text, "package {p}");
        }
        let mut seen = std::collections::BTreeSet::new();
        for imp in parts.iter().flat_map(|p| p.imports.iter()) {
            if seen.insert(*imp) {
                let _ = writeln!(c.text, "import {imp}");
            }
        }
        // Files of a package share its scope: their bodies follow each other. Files without a
        // package clause are separate instances, unified: `{file 1} & {file 2}`.
        let shared = !packages.is_empty();
        for (k, (src, p)) in sources.iter().zip(&parts).enumerate() {
            if !shared {
                c.text.push_str(if k == 0 { "{\n" } else { "} & {\n" });
            }
            let first = c.text.lines().count();
            c.segments.push((first, src.name.clone(), p.body_line));
            c.text.push_str(p.body);
            if !c.text.ends_with('\n') {
                c.text.push('\n');
            }
        }
        if !shared {
            c.text.push_str("}\n");
            c.separate = true;
        }
        c.name = sources.first().map(|s| s.name.clone()).unwrap_or_default();
    }
    if let Some(e) = expr.filter(|_| !c.separate) {
        if !c.text.ends_with('\n') {
            c.text.push('\n');
        }
        c.expr_line = Some(c.text.lines().count() + 1);
        let _ = writeln!(c.text, "{EXPR_FIELD}: ({e})");
    }
    Ok(c)
}

impl Combined {
    /// `file:line:col` of a position in the program, in terms of the input files.
    fn position(&self, pos: &vela_cue::Pos) -> Option<String> {
        let vela_cue::Pos::Line { line, col, .. } = pos else {
            return None;
        };
        if Some(*line) == self.expr_line {
            let col = col.saturating_sub(EXPR_FIELD.len() + 3);
            return Some(format!("--expression:1:{col}"));
        }
        match self.segments.iter().rev().find(|(first, ..)| *first < *line) {
            Some((first, file, body_line)) => Some(format!("{file}:{}:{col}", line - first + body_line)),
            None => Some(format!("{}:{line}:{col}", self.name)),
        }
    }

    /// CUE's report of an error: `path: message:` and the position on the next line.
    fn report(&self, e: vela_cue::Error, expr: Option<&str>) -> Failure {
        let (pos, head) = match &e {
            vela_cue::Error::Eval { pos, path, msg, .. } => {
                let path = match (path.strip_prefix(EXPR_FIELD), expr) {
                    // an error of the expression itself has no path
                    (Some(""), Some(_)) => String::new(),
                    (Some(rest), Some(expr)) => format!("{expr}{rest}"),
                    _ => path.clone(),
                };
                let head = if path.is_empty() {
                    msg.clone()
                } else {
                    format!("{path}: {msg}")
                };
                (Some(pos.clone()), head)
            }
            vela_cue::Error::Parse { pos, msg } | vela_cue::Error::Scope { pos, msg } => {
                (Some(pos.clone()), msg.clone())
            }
            other => (None, other.to_string()),
        };
        match pos.as_ref().and_then(|p| self.position(p)) {
            Some(at) => Failure(format!("{head}:\n    {at}\n")),
            None => Failure(format!("{head}\n")),
        }
    }
}

/// Compiles and evaluates the files, and runs `f` on the value to print (the root or `-e`).
fn with_value<T>(
    files: &[PathBuf],
    expr: Option<&str>,
    f: impl FnOnce(&Value<'_>) -> Result<T, vela_cue::Error>,
) -> Result<T, Failure> {
    let sources = files.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let c = combine(&sources, expr)?;
    let program = Program::compile(&c.name, &c.text).map_err(|e| c.report(e, expr))?;
    let inst = program.eval().map_err(|e| c.report(e, expr))?;
    let value = match expr {
        Some(e) if c.separate => inst.lookup(e).map_err(|e| c.report(e, expr))?,
        Some(_) => inst.lookup(EXPR_FIELD).map_err(|e| c.report(e, expr))?,
        None => inst.root(),
    };
    f(&value).map_err(|e| c.report(e, expr))
}

/// `vela cue export`.
pub fn export(files: &[PathBuf], expr: Option<&str>, out: CueOutput) -> Result<String, Failure> {
    with_value(files, expr, |v| render(v, out))?
}

/// `vela cue eval`: the value in CUE syntax.
pub fn eval(files: &[PathBuf], expr: Option<&str>) -> Result<String, Failure> {
    export(files, expr, CueOutput::Cue)
}

/// The text of `v` in format `out`; the inner error is a value of the wrong kind for `text`.
fn render(v: &Value<'_>, out: CueOutput) -> Result<Result<String, Failure>, vela_cue::Error> {
    Ok(Ok(match out {
        CueOutput::Json => {
            let compact = v.to_json_string()?;
            let mut text = vela_cue::export::indent_json(&compact, "", "    ").unwrap_or(compact);
            text.push('\n');
            text
        }
        CueOutput::Yaml => v.to_yaml_string()?,
        CueOutput::Text if v.kind() == Kind::String => v.decode::<String>()? + "\n",
        CueOutput::Text => {
            let compact = v.to_json_string()?;
            return Ok(Err(Failure(format!(
                "cannot use value {compact} (type {}) as string\n",
                kind_name(v.kind())
            ))));
        }
        CueOutput::Cue => {
            let mut text = String::new();
            if v.kind() == Kind::Struct {
                print_fields(v, 0, &mut text)?;
            } else {
                print_value(v, 0, &mut text)?;
                text.push('\n');
            }
            text
        }
    }))
}

/// A regular field's label as CUE writes it: quoted unless it is an identifier that does not
/// start with `#` or `_` (those would be a definition or a hidden field).
fn label(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$'));
    if ident {
        name.to_string()
    } else {
        serde_json::to_string(name).unwrap_or_default()
    }
}

/// The fields `cue eval` prints, in order: regular fields and definitions (`#D`); hidden
/// (`_x`), optional and required fields are left out, as CUE v0.14.1 does.
fn printed_fields<'a>(v: &Value<'a>) -> Vec<(String, Value<'a>)> {
    let regular: std::collections::HashSet<String> = v.fields().into_iter().map(|(n, _)| n).collect();
    let optional: std::collections::HashSet<String> = v
        .declared_fields()
        .into_iter()
        .filter(|d| d.constraint != vela_cue::Constraint::Regular)
        .map(|d| d.label)
        .collect();
    v.all_fields()
        .into_iter()
        .filter_map(|(name, value)| {
            if regular.contains(&name) {
                Some((label(&name), value))
            } else if name.starts_with('#') && !optional.contains(&name) {
                Some((name, value))
            } else {
                None
            }
        })
        .collect()
}

/// Whether a value prints on one line and takes part in the column alignment of its neighbours.
fn is_simple(v: &Value<'_>) -> bool {
    match v.kind() {
        Kind::Struct | Kind::List => false,
        Kind::String => !v.decode::<String>().is_ok_and(|s| s.contains('\n')),
        _ => true,
    }
}

/// The fields of a struct at nesting `depth`, one per line; runs of one-line values are
/// aligned in a column (CUE's formatter uses a tab writer with padding 1).
fn print_fields(v: &Value<'_>, depth: usize, out: &mut String) -> Result<(), vela_cue::Error> {
    let fields = printed_fields(v);
    let pad = "    ".repeat(depth);
    let mut i = 0;
    while i < fields.len() {
        let (end, width) = if is_simple(&fields[i].1) {
            let end = (i..fields.len())
                .find(|&k| !is_simple(&fields[k].1))
                .unwrap_or(fields.len());
            (
                end,
                fields[i..end].iter().map(|(l, _)| l.len() + 1).max().unwrap_or(0),
            )
        } else {
            (i + 1, 0)
        };
        for (l, fv) in &fields[i..end] {
            let key = format!("{l}:");
            let _ = write!(out, "{pad}{key:<width$} ");
            print_value(fv, depth, out)?;
            out.push('\n');
        }
        i = end;
    }
    Ok(())
}

/// One value in CUE syntax; `depth` is the nesting of the line it starts on.
fn print_value(v: &Value<'_>, depth: usize, out: &mut String) -> Result<(), vela_cue::Error> {
    match v.kind() {
        Kind::Struct => {
            if printed_fields(v).is_empty() {
                out.push_str("{}");
            } else {
                out.push_str("{\n");
                print_fields(v, depth + 1, out)?;
                let _ = write!(out, "{}}}", "    ".repeat(depth));
            }
        }
        Kind::List => {
            out.push('[');
            for (k, e) in v.elements().iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                print_value(e, depth, out)?;
            }
            out.push(']');
        }
        Kind::String => {
            let s: String = v.decode()?;
            if s.contains('\n') {
                let inner = "    ".repeat(depth + 1);
                out.push_str("\"\"\"\n");
                for line in s.split('\n') {
                    if !line.is_empty() {
                        out.push_str(&inner);
                        let quoted = serde_json::to_string(line).unwrap_or_default();
                        out.push_str(&quoted[1..quoted.len() - 1].replace("\\\"", "\""));
                    }
                    out.push('\n');
                }
                let _ = write!(out, "{inner}\"\"\"");
            } else {
                out.push_str(&v.to_json_string()?);
            }
        }
        Kind::Bytes => {
            use base64::Engine as _;
            let text: String = v.decode()?;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default();
            out.push('\'');
            for b in raw {
                match b {
                    b'\'' | b'\\' => {
                        out.push('\\');
                        out.push(b as char);
                    }
                    0x20..=0x7e => out.push(b as char),
                    b'\n' => out.push_str("\\n"),
                    b'\t' => out.push_str("\\t"),
                    b => {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
            }
            out.push('\'');
        }
        Kind::Int | Kind::Float => out.push_str(&v.to_json_string()?.replace('E', "e")),
        Kind::Null | Kind::Bool => out.push_str(&v.to_json_string()?),
        Kind::Incomplete => out.push_str(&describe(v)),
        Kind::Bottom => {
            return Err(v
                .err()
                .unwrap_or_else(|| vela_cue::Error::Limit("error value".into())));
        }
    }
    Ok(())
}

/// A value that is not concrete, as CUE writes its type: the default, a bound or the kinds.
fn describe(v: &Value<'_>) -> String {
    if let Some(b) = v
        .bound()
        .and_then(|(b, x)| x.to_json_string().ok().map(|t| format!("{}{t}", b.text())))
    {
        return b;
    }
    let kinds: Vec<&str> = v.possible_kinds().into_iter().map(kind_name).collect();
    if kinds.is_empty() {
        "_".into()
    } else {
        kinds.join(" | ")
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Bottom => "_|_",
        Kind::Null => "null",
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Float => "float",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Struct => "struct",
        Kind::List => "list",
        Kind::Incomplete => "_",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_split_from_body_and_labels_are_quoted_as_in_cue() {
        let p = split_header("// c\npackage p\n\nimport \"strings\"\nimport (\n\t\"list\"\n)\na: 1\n");
        assert_eq!(p.package, Some("p"));
        assert_eq!(p.imports, ["\"strings\"", "\"list\""]);
        assert_eq!((p.body_line, p.body), (7, "a: 1\n"));
        assert_eq!(label("a_1"), "a_1");
        assert_eq!(label("#not"), "\"#not\"");
        assert_eq!(label("k-1"), "\"k-1\"");
        assert_eq!(display_name(Path::new("x.cue")), "./x.cue");
    }
}
