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

fn first_decl_pos(decls: &[Decl]) -> usize {
    match decls.first() {
        Some(Decl::Field(f)) => {
            // the field's position is its label; include a preceding comment block
            f.pos as usize
        }
        _ => 0,
    }
}
