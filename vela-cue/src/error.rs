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
/// Rust errors. Messages and paths are at most [`MAX_MESSAGE_BYTES`] long.
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

/// The longest error message (and field path) an [`Error`] carries, in bytes; longer text is cut
/// at a character boundary and ends with how much was left out. A hostile program can make a
/// message of any size (a disjunction of 50,000 failing alternatives, a 16 MiB string quoted in
/// a conflict); a caller printing or logging it should not have to bound it.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// `text` cut to [`MAX_MESSAGE_BYTES`].
pub(crate) fn cap_message(text: String) -> String {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut cut = MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} more bytes)", &text[..cut], text.len() - cut)
}

/// `parts` joined by `sep`, stopping at about [`MAX_MESSAGE_BYTES`] with the number of parts
/// left out (so a message listing thousands of errors is not built in full).
pub(crate) fn join_capped(parts: &[&str], sep: &str) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if out.len() + p.len() > MAX_MESSAGE_BYTES && i > 0 {
            out.push_str(&format!("{sep}… and {} more", parts.len() - i));
            break;
        }
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p);
    }
    out
}

impl Error {
    /// The error with its message and path cut to [`MAX_MESSAGE_BYTES`].
    pub(crate) fn capped(self) -> Error {
        match self {
            Error::Parse { pos, msg } => Error::Parse {
                pos,
                msg: cap_message(msg),
            },
            Error::Eval {
                pos,
                path,
                msg,
                incomplete,
            } => Error::Eval {
                pos,
                path: cap_message(path),
                msg: cap_message(msg),
                incomplete,
            },
            Error::Scope { pos, msg } => Error::Scope {
                pos,
                msg: cap_message(msg),
            },
            Error::Limit(msg) => Error::Limit(cap_message(msg)),
            Error::Path { path, msg } => Error::Path {
                path: cap_message(path),
                msg: cap_message(msg),
            },
            e @ Error::Decode { .. } => e,
        }
    }
}

fn pos_prefix(p: &Pos) -> String {
    match p {
        Pos::None => String::new(),
        p => format!("{p}: "),
    }
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
