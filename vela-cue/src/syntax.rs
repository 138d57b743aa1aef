//! Syntax checks without evaluation: what a linter, an editor or a fuzzer needs.
//!
//! ```
//! assert!(vela_cue::syntax::check_file("ok.cue", "a: 1\nb: a + 1").is_ok());
//! let err = vela_cue::syntax::check_file("bad.cue", "a: {").unwrap_err();
//! assert!(err.to_string().starts_with("bad.cue:1:"), "{err}");
//! assert!(vela_cue::syntax::check_expression("*1 | int").is_ok());
//! ```

use crate::error::Result;

/// Parse `src` as a CUE file (named `file_name` in error positions) and report the first
/// syntax error, resolved to `file:line:col`.
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) when `src` is not valid CUE syntax.
pub fn check_file(file_name: &str, src: &str) -> Result<()> {
    let _span = tracing::trace_span!("cue.syntax", file = file_name).entered();
    crate::parser::parse_file(src)
        .map(drop)
        .map_err(|e| crate::api::resolve_err(e, file_name, src))
}

/// Parse `src` as a single CUE expression (`*1 | int`, `[for x in y {x}]`).
///
/// # Errors
/// [`Error::Parse`](crate::Error::Parse) when `src` is not one valid expression; positions are
/// byte offsets.
pub fn check_expression(src: &str) -> Result<()> {
    crate::parser::parse_expr(src).map(drop)
}
