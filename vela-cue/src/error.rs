//! Errors returned by the parser, the evaluator and the API.

use std::fmt;
use std::sync::Arc;

/// A source position: a byte offset while parsing, resolved to `file:line:col` for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pos {
    /// Byte offset into the source text.
    Offset(usize),
    /// Resolved position.
    Line {
        /// File name given to the compiler.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in bytes).
        col: usize,
    },
    /// No position is known.
    None,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pos::Offset(o) => write!(f, "offset {o}"),
            Pos::Line { file, line, col } => write!(f, "{file}:{line}:{col}"),
            Pos::None => write!(f, "-"),
        }
    }
}

impl Pos {
    /// Resolve an offset position against the source text it points into.
    pub fn resolve(&self, file: &str, src: &str) -> Pos {
        match self {
            Pos::Offset(o) => {
                let o = (*o).min(src.len());
                let before = &src.as_bytes()[..o];
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                let col = o - before
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map(|p| p + 1)
                    .unwrap_or(0)
                    + 1;
                Pos::Line {
                    file: file.to_string(),
                    line,
                    col,
                }
            }
            other => other.clone(),
        }
    }
}

/// Everything that can go wrong in this crate.
///
/// It is `Clone` (an error value is kept in the evaluated tree and reported from every path that
/// reaches it), so the one foreign source error it keeps, serde's, is shared through an `Arc`.
/// Evaluation errors carry CUE's message text and no source: they are CUE values (`_|_`), not
/// Rust errors.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The source text is not valid CUE syntax.
    #[error("{pos}: syntax error: {msg}")]
    Parse {
        /// Where.
        pos: Pos,
        /// What was expected.
        msg: String,
    },
    /// Evaluation produced an error value (`_|_`) where a value was required.
    #[error("{}{path}: {msg}", pos_prefix(pos))]
    Eval {
        /// Where the failing expression is.
        pos: Pos,
        /// CUE path of the field, e.g. `output.spec.replicas`.
        path: String,
        /// What went wrong, including both conflicting values for a conflict.
        msg: String,
        /// True when the value is only incomplete (not concrete yet, missing reference).
        incomplete: bool,
    },
    /// An identifier breaks CUE's scoping rules: it refers to nothing, or a `let` or alias
    /// clashes with a field in scope, is declared twice or is never referenced.
    #[error("{pos}: {msg}")]
    Scope {
        /// Where the identifier or declaration is.
        pos: Pos,
        /// Which rule it breaks, naming the identifier.
        msg: String,
    },
    /// An evaluation limit (steps, depth, output size) was exceeded.
    #[error("evaluation limit exceeded: {0}")]
    Limit(String),
    /// A path given to the API is malformed or does not exist.
    #[error("path {path:?}: {msg}")]
    Path {
        /// The path as given.
        path: String,
        /// Why it failed.
        msg: String,
    },
    /// A value could not be decoded into the requested Rust type.
    #[error("decoding {path}: {source}")]
    Decode {
        /// Path of the decoded value.
        path: String,
        /// What serde reported.
        #[source]
        source: Arc<serde_json::Error>,
    },
}

fn pos_prefix(p: &Pos) -> String {
    match p {
        Pos::None => String::new(),
        p => format!("{p}: "),
    }
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
