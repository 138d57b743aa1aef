//! Helpers for KubeVela definition files (`vela def` format): split a `.cue` definition into its
//! metadata and its `template` program.

use crate::ast::{Decl, ExprKind, Label};
use crate::error::{Error, Pos, Result};

/// The parts of a definition file.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionSource {
    /// The `import` declarations, verbatim (empty when there are none).
    pub imports: String,
    /// The body of the `template: { ... }` struct, verbatim (without the braces).
    pub template_body: String,
    /// The metadata program (`<name>: {type, description, attributes, ...}`): the file with its
    /// imports and its `template` field blanked out (so positions still point into the file),
    /// compiled on its own as KubeVela does; the template's references to `context` are not
    /// part of it.
    pub metadata: String,
}

impl DefinitionSource {
    /// The template program as KubeVela compiles it: imports followed by the template fields.
    pub fn template(&self) -> String {
        if self.imports.is_empty() {
            self.template_body.clone()
        } else {
            format!("{}\n{}", self.imports, self.template_body)
        }
    }
}

/// Split a definition file into imports and template body.
///
/// ```
/// let d = vela_cue::definition::split("import \"strings\"\nx: {type: \"trait\"}\ntemplate: {\n\tpatch: {}\n}\n").unwrap();
/// assert_eq!(d.imports, "import \"strings\"");
/// assert!(d.template().contains("patch: {}"));
/// assert!(d.metadata.contains("x: {type: \"trait\"}") && !d.metadata.contains("patch"));
/// ```
pub fn split(src: &str) -> Result<DefinitionSource> {
    let file = crate::parser::parse_file(src).map_err(|e| match e {
        Error::Parse { pos, msg } => Error::Parse {
            pos: pos.resolve("definition", src),
            msg,
        },
        e => e,
    })?;
    // the byte range of the import block, blanked out of the metadata
    let mut import_range = 0..0;
    let imports = match (file.imports.first(), file.imports.last()) {
        (Some(first), Some(_)) => {
            // from the `import` keyword before the first spec to the end of the import block
            let start = src[..first.pos as usize]
                .rfind("import")
                .unwrap_or(first.pos as usize);
            let body_start = file
                .root
                .decls
                .first()
                .map(|_| first_decl_pos(&file.root.decls))
                .unwrap_or(src.len());
            import_range = start..body_start.min(src.len());
            src[import_range.clone()].trim_end().to_string()
        }
        _ => String::new(),
    };
    for d in &file.root.decls {
        if let Decl::Field(f) = d
            && let Label::Name(n) = &f.label
            && &**n == "template"
            && let ExprKind::Struct(lit) = &f.value.kind
        {
            let body = src
                .get(lit.pos as usize + 1..lit.end as usize)
                .unwrap_or("")
                .to_string();
            let template_range = f.pos as usize..(lit.end as usize + 1).min(src.len());
            let metadata = blank_out(src, &[import_range, template_range]);
            return Ok(DefinitionSource {
                imports,
                template_body: body,
                metadata,
            });
        }
    }
    Err(Error::Parse {
        pos: Pos::None,
        msg: "definition has no `template: { ... }` block".into(),
    })
}

/// `src` with the characters in `ranges` replaced by a space per byte, line breaks kept.
fn blank_out(src: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(src.len());
    for (i, c) in src.char_indices() {
        if c != '\n' && ranges.iter().any(|r| r.contains(&i)) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits like [`split`] without parsing the template: a lexical scan (strings, interpolations,
/// comments and brackets) finds the top-level `template: { ... }` struct and only the rest of the
/// file, its metadata, is parsed. A syntax error inside the template shows when the template is
/// compiled, not here. When the scan finds no template, or the metadata does not parse, this is
/// [`split`] (whose errors name the position in the whole file).
///
/// Loading many definitions to learn their names is what this is for: KubeVela's `webservice`
/// metadata is a tenth of the file.
///
/// ```
/// let src = "import \"strings\"\nx: {type: \"trait\"}\ntemplate: {\n\tpatch: {a: \"}\\(strings.ToUpper(\"{\"))\"}\n}\n";
/// let fast = vela_cue::definition::split_header(src).unwrap();
/// assert_eq!(fast, vela_cue::definition::split(src).unwrap());
/// ```
///
/// # Errors
/// Those of [`split`], when the scan does not find the template.
pub fn split_header(src: &str) -> Result<DefinitionSource> {
    scan_split(src).map_or_else(|| split(src), Ok)
}

fn scan_split(src: &str) -> Option<DefinitionSource> {
    let (label, open, close) = find_template(src.as_bytes())?;
    let template_range = label..close + 1;
    // blanking keeps every position, so the parse of the rest points into `src`
    let rest = blank_out(src, std::slice::from_ref(&template_range));
    let file = crate::parser::parse_file(&rest).ok()?;
    let mut import_range = 0..0;
    let imports = match file.imports.first() {
        Some(first) => {
            let start = rest[..first.pos as usize]
                .rfind("import")
                .unwrap_or(first.pos as usize);
            let body_start = match file.root.decls.first() {
                Some(_) => first_decl_pos(&file.root.decls).min(label),
                None => label,
            };
            import_range = start..body_start;
            src.get(import_range.clone())?.trim_end().to_string()
        }
        None => String::new(),
    };
    Some(DefinitionSource {
        imports,
        template_body: src.get(open + 1..close)?.to_string(),
        metadata: blank_out(src, &[import_range, template_range]),
    })
}

/// The label start, `{` and `}` of the top-level `template: {...}` field.
fn find_template(b: &[u8]) -> Option<(usize, usize, usize)> {
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i),
            b'"' | b'\'' => i = skip_string(b, i)?,
            b'#' if starts_raw_string(b, i) => i = skip_string(b, i)?,
            b'{' | b'[' | b'(' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            _ if depth == 0 && b[i..].starts_with(b"template") && !is_ident(b, i.wrapping_sub(1)) => {
                let mut j = i + "template".len();
                if is_ident(b, j) {
                    i = j;
                    continue;
                }
                j = skip_blanks(b, j);
                if b.get(j) != Some(&b':') {
                    i = j.max(i + 1);
                    continue;
                }
                j = skip_blanks(b, j + 1);
                if b.get(j) != Some(&b'{') {
                    return None;
                }
                let close = matching_close(b, j + 1)?;
                return Some((i, j, close));
            }
            _ => i += 1,
        }
    }
    None
}

fn is_ident(b: &[u8], i: usize) -> bool {
    b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'#' || *c == b'$')
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t')) {
        i += 1;
    }
    i
}

fn skip_line(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |p| i + p + 1)
}

fn starts_raw_string(b: &[u8], mut i: usize) -> bool {
    while b.get(i) == Some(&b'#') {
        i += 1;
    }
    matches!(b.get(i), Some(b'"' | b'\''))
}

/// The index of the bracket closing the one opened just before `i`.
fn matching_close(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 1usize;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i),
            b'"' | b'\'' => i = skip_string(b, i)?,
            b'#' if starts_raw_string(b, i) => i = skip_string(b, i)?,
            b'{' | b'[' | b'(' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string literal starting at `i` (`"..."`, `'...'`, their `"""`
/// forms, raw `#"..."#`), interpolations `\(...)` included.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    let hashes = j - i;
    let quote = *b.get(j)?;
    let multi = b.get(j + 1) == Some(&quote) && b.get(j + 2) == Some(&quote);
    let mut k = if multi { j + 3 } else { j + 1 };
    if !multi && b.get(j + 1) == Some(&quote) {
        // the empty string `""`
        return (0..hashes)
            .all(|h| b.get(j + 2 + h) == Some(&b'#'))
            .then_some(j + 2 + hashes);
    }
    loop {
        let c = *b.get(k)?;
        if c == b'\\' && (0..hashes).all(|h| b.get(k + 1 + h) == Some(&b'#')) {
            let after = k + 1 + hashes;
            k = if b.get(after) == Some(&b'(') {
                matching_close(b, after + 1)? + 1
            } else {
                after + 1
            };
            continue;
        }
        if c == quote && (!multi || (b.get(k + 1) == Some(&quote) && b.get(k + 2) == Some(&quote))) {
            let end = if multi { k + 3 } else { k + 1 };
            if (0..hashes).all(|h| b.get(end + h) == Some(&b'#')) {
                return Some(end + hashes);
            }
        }
        if c == b'\n' && !multi {
            return None;
        }
        k += 1;
    }
}

fn first_decl_pos(decls: &[Decl]) -> usize {
    match decls.first() {
        Some(Decl::Field(f)) => {
            // the field's position is its label; include a preceding comment block
            f.pos as usize
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_skips_strings_interpolations_and_comments() {
        let src = r##"import "strings"
// template: {
x: {type: "trait", description: "a } and a \"{\"", r: #"raw } "quoted" "#}
template: {
	a: "\(strings.ToUpper("}"))"
	b: """
		{ not a brace
		"""
	c: #"\#(1 + (2))"#
	d: '}' // }
}
y: 1
"##;
        let fast = scan_split(src).expect("the scan finds the template");
        assert_eq!(fast, split(src).unwrap());
        assert!(
            fast.metadata.contains("y: 1") && !fast.metadata.contains("ToUpper"),
            "{}",
            fast.metadata
        );
        assert!(scan_split("x: {type: \"trait\"}\n").is_none());
        assert!(scan_split("template: \"a\"\n").is_none());
    }

    /// Every `vela def` file of KubeVela's corpus takes the scan, and it finds what the parser
    /// finds.
    #[test]
    fn the_scan_splits_every_kubevela_definition_as_the_parser_does() {
        let root = std::env::var_os("VELA_CONFORMANCE_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
            })
            .join("definitions");
        let mut checked = 0;
        for kind in ["component", "trait", "policy", "workflowstep"] {
            let dir = root.join(kind);
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", dir.display()));
            for e in entries {
                let p = e.unwrap().path();
                if p.extension().is_none_or(|x| x != "cue") {
                    continue;
                }
                let src = std::fs::read_to_string(&p).unwrap();
                let full = split(&src).unwrap();
                let fast = scan_split(&src).unwrap_or_else(|| panic!("{}: the scan failed", p.display()));
                assert_eq!(fast.imports, full.imports, "{}", p.display());
                assert_eq!(fast.template_body, full.template_body, "{}", p.display());
                assert_eq!(fast.metadata, full.metadata, "{}", p.display());
                checked += 1;
            }
        }
        assert_eq!(checked, 78);
    }
}
