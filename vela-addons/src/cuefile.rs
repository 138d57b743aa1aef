//! Several CUE files of one package evaluated together, as KubeVela builds an addon's
//! `template.cue` with its `parameter.cue` and the `package main` files of `resources/`.
//!
//! The files' headers (`package`, `import`) are read lexically; the program is one file: the
//! union of the imports, then every body. Each file is first checked alone, so a syntax error
//! names its own file, line and column.

use crate::error::{Error, Result};

/// The header of a CUE file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Header {
    /// `package` name.
    pub package: Option<String>,
    /// Import specs: (explicit alias, path).
    pub imports: Vec<(Option<String>, String)>,
    /// The bytes to blank to remove each import (the spec in an `import (...)` block, the
    /// whole declaration otherwise).
    pub spans: Vec<std::ops::Range<usize>>,
    /// Where the declarations start.
    pub body_start: usize,
}

/// Reads the `package` clause and the `import` declarations of a CUE file.
pub(crate) fn header(src: &str) -> Header {
    let b = src.as_bytes();
    let mut h = Header::default();
    let mut i = skip_blank(b, 0);
    if let Some(j) = keyword(b, i, "package") {
        let (name, end) = ident(b, skip_inline(b, j));
        if !name.is_empty() {
            h.package = Some(name.to_string());
            i = skip_blank(b, end);
        }
    }
    h.body_start = i;
    while let Some(j) = keyword(b, i, "import") {
        let decl_start = i;
        let j = skip_inline(b, j);
        if b.get(j) == Some(&b'(') {
            let mut k = j + 1;
            loop {
                k = skip_blank(b, k);
                match b.get(k) {
                    Some(b')') => {
                        k += 1;
                        break;
                    }
                    Some(b';') => k += 1,
                    None => return h,
                    _ => match spec(b, k) {
                        Some((alias, path, end)) => {
                            h.imports.push((alias, path));
                            h.spans.push(k..end);
                            k = end;
                        }
                        None => return h,
                    },
                }
            }
            i = skip_blank(b, k);
        } else {
            match spec(b, j) {
                Some((alias, path, end)) => {
                    h.imports.push((alias, path));
                    h.spans.push(decl_start..end);
                    i = skip_blank(b, end);
                }
                None => return h,
            }
        }
        h.body_start = i;
    }
    h
}

/// One import spec at `i`: `[alias] "path"`.
fn spec(b: &[u8], i: usize) -> Option<(Option<String>, String, usize)> {
    let (alias, j) = ident(b, i);
    let j = skip_inline(b, j);
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let close = j + 1 + b[j + 1..].iter().position(|c| *c == b'"' || *c == b'\n')?;
    if b[close] != b'"' {
        return None;
    }
    let path = std::str::from_utf8(&b[j + 1..close]).ok()?.to_string();
    let alias = (!alias.is_empty()).then(|| alias.to_string());
    Some((alias, path, close + 1))
}

fn keyword(b: &[u8], i: usize, word: &str) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end) == Some(word.as_bytes()) && !b.get(end).is_some_and(|c| is_ident(*c))).then_some(end)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'#'
}

fn ident(b: &[u8], i: usize) -> (&str, usize) {
    let mut j = i;
    while b.get(j).is_some_and(|c| is_ident(*c)) {
        j += 1;
    }
    (std::str::from_utf8(&b[i..j]).unwrap_or(""), j)
}

/// Skips spaces, tabs, newlines and `//` comments.
fn skip_blank(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'/') if b.get(i + 1) == Some(&b'/') => {
                while b.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
}

fn skip_inline(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// One file of a package: its name in errors and its text.
pub(crate) struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// The CUE files of one package combined into one program text; each file is checked alone
/// first.
pub(crate) fn combine(files: &[Source<'_>]) -> Result<String> {
    let mut imports: Vec<(Option<String>, String)> = Vec::new();
    let mut bodies = String::new();
    for f in files {
        vela_cue::syntax::check_file(f.name, f.text).map_err(|e| Error::cue(f.name, e))?;
        let h = header(f.text);
        for (alias, path) in h.imports {
            let name = import_name(alias.as_deref(), &path);
            if let Some((_, other)) = imports.iter().find(|(a, p)| import_name(a.as_deref(), p) == name) {
                if *other != path {
                    return Err(Error::field(
                        f.name,
                        format!("import {path:?}"),
                        format!("the name {name} is imported as {other:?} by another file of the package"),
                    ));
                }
                continue;
            }
            imports.push((alias, path));
        }
        bodies.push_str(&f.text[h.body_start.min(f.text.len())..]);
        bodies.push('\n');
    }
    let mut out = String::new();
    if !imports.is_empty() {
        out.push_str("import (\n");
        for (alias, path) in &imports {
            match alias {
                Some(a) => out.push_str(&format!("\t{a} {path:?}\n")),
                None => out.push_str(&format!("\t{path:?}\n")),
            }
        }
        out.push_str(")\n");
    }
    out.push_str(&bodies);
    Ok(out)
}

fn import_name<'a>(alias: Option<&'a str>, path: &'a str) -> &'a str {
    alias.unwrap_or_else(|| {
        let last = path.rsplit('/').next().unwrap_or(path);
        last.split(':').next().unwrap_or(last)
    })
}

/// The file without the imports its body never uses (`name.` never follows the import's
/// name), and the paths removed. KubeVela before CUE v0.11 (`fix.File` when it formats a
/// definition) dropped them; CUE rejects them.
pub(crate) fn drop_unused_imports(src: &str) -> (String, Vec<String>) {
    let h = header(src);
    let body = &src[h.body_start.min(src.len())..];
    let mut out = src.to_string();
    let mut dropped = Vec::new();
    for ((alias, path), span) in h.imports.iter().zip(&h.spans) {
        let name = import_name(alias.as_deref(), path);
        let used = body.match_indices(name).any(|(i, _)| {
            let before = body[..i].chars().next_back();
            let after = body[i + name.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '#' || c == '$' || c == '.')
                && after == Some('.')
        });
        if !used && out.is_char_boundary(span.start) && out.is_char_boundary(span.end) {
            out.replace_range(span.clone(), &" ".repeat(span.len()));
            dropped.push(path.clone());
        }
    }
    (out, dropped)
}

/// The package name of a file (`None` when it has no `package` clause).
pub(crate) fn package(src: &str) -> Option<String> {
    header(src).package
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read() {
        let h = header(
            "// c\npackage main\n\nimport \"strings\"\nimport (\n\tj \"encoding/json\"\n\t\"list\"\n)\nx: 1\n",
        );
        assert_eq!(h.package.as_deref(), Some("main"));
        assert_eq!(
            h.imports,
            [
                (None, "strings".to_string()),
                (Some("j".to_string()), "encoding/json".to_string()),
                (None, "list".to_string())
            ]
        );
        assert_eq!(
            &"// c\npackage main\n\nimport \"strings\"\nimport (\n\tj \"encoding/json\"\n\t\"list\"\n)\nx: 1\n"
                [h.body_start..],
            "x: 1\n"
        );
        let h = header("packagex: 1\n");
        assert_eq!((h.package, h.body_start), (None, 0));
    }

    #[test]
    fn unused_imports_are_dropped() {
        let src = "import (\n\t\"strings\"\n\t\"strconv\"\n)\nimport y \"encoding/yaml\"\nx: strings.ToUpper(\"a\")\n";
        let (out, dropped) = drop_unused_imports(src);
        assert_eq!(dropped, ["strconv", "encoding/yaml"]);
        assert_eq!(out.len(), src.len());
        let inst = vela_cue::Program::compile("t", &out).unwrap().eval().unwrap();
        assert_eq!(inst.export("x").unwrap(), serde_json::json!("A"));
    }

    #[test]
    fn files_combine_with_one_import_block() {
        let out = combine(&[
            Source {
                name: "a.cue",
                text: "package main\nimport \"strings\"\na: strings.ToUpper(\"x\")\n",
            },
            Source {
                name: "b.cue",
                text: "package main\nimport (\"strings\"\n\"list\")\nb: list.Concat([[1],[2]])\nc: strings.ToLower(a)\n",
            },
        ])
        .unwrap();
        let p = vela_cue::Program::compile("combined", &out).unwrap();
        let inst = p.eval().unwrap();
        assert_eq!(inst.export("c").unwrap(), serde_json::json!("x"));
        let err = combine(&[Source {
            name: "bad.cue",
            text: "a: {",
        }])
        .unwrap_err();
        assert!(err.to_string().starts_with("bad.cue: bad.cue:1:"), "{err}");
        let err = combine(&[
            Source {
                name: "a.cue",
                text: "import x \"strings\"\na: x.ToUpper(\"\")",
            },
            Source {
                name: "b.cue",
                text: "import x \"list\"\nb: x.Concat([])",
            },
        ])
        .unwrap_err();
        assert!(
            err.to_string().starts_with("b.cue: import \"list\": the name x"),
            "{err}"
        );
    }
}
