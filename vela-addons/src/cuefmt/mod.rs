//! The template text KubeVela stores for a `vela def` CUE file.
//!
//! KubeVela's `Definition.FromCUEString` prints the template's fields again with CUE's formatter
//! (`format.Node` with `format.Simplify()`), after the file's imports. [`stored_template`] does
//! what that formatter does to the templates of the kubevela/catalog addons, on tokens rather
//! than on a syntax tree:
//!
//! * each line indented with tabs, one level per line that left brackets open (`}, {` keeps the
//!   level), one more for an expression continued after an operator;
//! * a label whose value starts on the next line joined to it, and a field whose value is a
//!   struct of exactly one field, with no comment on either, written as a chain
//!   (`metadata: {name: x}` is `metadata: name: x`); a quoted label that is an identifier
//!   unquoted;
//! * spaces: none inside brackets or before `,` and `:`, one after them, around `|`, `&`,
//!   comparisons and, at the top of an expression, `+ - * /` (CUE's precedence cutoff: none
//!   around those nested in another operator's operand, or the tighter ones when both kinds
//!   mix), none after a unary operator;
//! * the values of consecutive one-line fields of the same nesting depth aligned (CUE's tab
//!   writer), the run broken by blank and comment lines, by a struct or list value and by a
//!   declaration that is not such a field.
//!
//! Not done: the inside of string interpolations, trailing comments and multi-line strings are
//! kept as written; comment placement is not changed.

mod align;
mod chains;
mod layout;
mod operators;
#[cfg(test)]
mod tests;
mod tokens;

use crate::error::{Error, Result};

use align::align;
use chains::{join_chains, simplify};
use layout::relayout;

/// The template text KubeVela stores for the `vela def` file `src` (`path` names it in errors):
/// the imports, then the template's fields without their common indentation and with every
/// single-field struct written as a chain, ending in one newline.
///
/// ```
/// let src = "import (\n\t\"strings\"\n)\n\nx: {type: \"trait\"}\ntemplate: {\n\tpatch: {\n\t\tmetadata: {\n\t\t\tname: strings.ToLower(\"A\")\n\t\t}\n\t\tspec: {\n\t\t\ta: 1\n\t\t\tb: 2\n\t\t}\n\t}\n}\n";
/// let t = vela_addons::cuefmt::stored_template("x.cue", src).unwrap();
/// assert_eq!(t, "import (\n\t\"strings\"\n)\npatch: {\n\tmetadata: name: strings.ToLower(\"A\")\n\tspec: {\n\t\ta: 1\n\t\tb: 2\n\t}\n}\n");
/// ```
///
/// # Errors
/// [`Error::Cue`] when the file has no `template: {...}`.
pub fn stored_template(path: &str, src: &str) -> Result<String> {
    let parts = vela_cue::definition::split_header(src).map_err(|e| Error::cue(path, e))?;
    let body = align(&simplify(&relayout(&join_chains(&dedent(&parts.template_body)))));
    let body = body.trim();
    let imports = parts.imports.trim();
    Ok(if imports.is_empty() {
        format!("{body}\n")
    } else {
        format!("{imports}\n{body}\n")
    })
}

/// Removes the indentation common to every non-blank line.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| if l.trim().is_empty() { "" } else { &l[indent..] })
        .collect::<Vec<_>>()
        .join("\n")
}
