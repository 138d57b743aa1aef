//! The crate's error type.

use crate::definition::Kind;
use crate::schema::Issue;

/// Everything that can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A native definition's object did not serialize to JSON ([`crate::Rendered::output`]).
    #[error("serialize {field}")]
    Serialize {
        /// `output` or `outputs.<name>`.
        field: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// The parameters do not match the definition's schema.
    #[error("invalid parameters:{}", Issue::list(.0))]
    Invalid(Vec<Issue>),
    /// No definition with this kind and name (and version) is registered.
    #[error("{kind} definition {name:?} not found")]
    NotFound {
        /// The definition kind.
        kind: Kind,
        /// The requested `type` (maybe with `@vN`).
        name: String,
    },
    /// The definition reported errors through `errs` (KubeVela's "User Errors").
    #[error("validation failed for {kind} {name}:\n\nUser Errors:\n  {}", .errors.join("\n  "))]
    User {
        /// The definition kind.
        kind: Kind,
        /// The definition name.
        name: String,
        /// The messages.
        errors: Vec<String>,
    },
    /// The definition failed to render.
    #[error("{kind} {name}: {message}")]
    Render {
        /// The definition kind.
        kind: Kind,
        /// The definition name.
        name: String,
        /// What failed.
        message: String,
    },
    /// A trait's patch could not be applied.
    #[error("invalid patch trait {name} into {target}")]
    Patch {
        /// The trait type.
        name: String,
        /// `workload` or `outputs.<name>`.
        target: String,
        /// The patch engine's error.
        #[source]
        source: Box<crate::patch::Error>,
    },
    /// A component of the application failed; wraps the cause with the component path.
    #[error("{path} ({name})")]
    Component {
        /// `components[i]` or `components[i].traits[j]`.
        path: String,
        /// The component name.
        name: String,
        /// The cause.
        #[source]
        source: Box<Error>,
    },
    /// A CUE definition's template failed to evaluate (or its output is not concrete).
    #[error("{kind} {name}")]
    Evaluate {
        /// The definition kind.
        kind: Kind,
        /// The definition name.
        name: String,
        /// vela-cue's error (position and CUE's message).
        #[source]
        source: Box<vela_cue::Error>,
    },
    /// A CUE definition's template failed to evaluate in several places: every error (up to
    /// 20), in field order, each with its position and CUE path.
    #[error("{kind} {name}: {} errors:\n  {}", .errors.len(), list_errors(.errors))]
    EvaluateMany {
        /// The definition kind.
        kind: Kind,
        /// The definition name.
        name: String,
        /// vela-cue's errors.
        errors: Vec<vela_cue::Error>,
    },
    /// A definition's CUE (file, CR template or status program) does not compile.
    #[error("load definition from {origin}")]
    Compile {
        /// The file or object the definition came from.
        origin: String,
        /// vela-cue's error.
        #[source]
        source: Box<vela_cue::Error>,
    },
    /// A definition file or directory could not be read.
    #[error("load definition from {origin}")]
    Read {
        /// The path.
        origin: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A definition file or directory could not be read within the input limits (not a
    /// regular file, too large, not UTF-8; see [`crate::ops::input`]).
    #[error("load definition from {origin}")]
    Input {
        /// The path given.
        origin: String,
        /// What the bounded reader reported.
        #[source]
        source: crate::ops::input::Error,
    },
    /// A definition CR file is not valid YAML or JSON for its kind.
    #[error("load definition from {origin}")]
    ParseDefinition {
        /// The path.
        origin: String,
        /// vela-model's parse error (document, line, column, field path).
        #[source]
        source: Box<vela_model::parse::Error>,
    },
    /// A definition source (file, CR, CUE) could not be loaded.
    #[error("load definition from {origin}: {message}")]
    Load {
        /// The file or object the definition came from.
        origin: String,
        /// What failed.
        message: String,
    },
    /// The application text could not be parsed (vela-model's parser: document, line,
    /// column and field path).
    #[error("parse application: {0}")]
    Parse(vela_model::parse::Error),
    /// The application is not valid for rendering (e.g. a `deploy` step names a policy the
    /// application does not declare); the message starts with the field path.
    #[error("invalid application: {0}")]
    Application(String),
}

// Not `#[from]`: that would make the parse error the source too, and `chain()` would print
// its message twice.
impl From<vela_model::parse::Error> for Error {
    fn from(e: vela_model::parse::Error) -> Self {
        Error::Parse(e)
    }
}

fn list_errors(errors: &[vela_cue::Error]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The chain of messages, outermost first, joined with `: `.
    pub fn chain(&self) -> String {
        let mut s = self.to_string();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(self);
        while let Some(e) = cur {
            s.push_str(": ");
            s.push_str(&e.to_string());
            cur = e.source();
        }
        s
    }
}
