//! The crate's error type: every failure names the addon file and, where there is one, the field.

use std::path::PathBuf;

/// Everything that can go wrong while loading or rendering an addon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("read {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The addon's path is not a directory (nor a `.tgz` package).
    #[error("{}: not an addon directory or .tgz package", path.display())]
    NotAnAddon {
        /// The path.
        path: PathBuf,
    },
    /// A file of the addon is missing (`metadata.yaml`).
    #[error("{file}: required file is missing")]
    Missing {
        /// The file, relative to the addon.
        file: String,
    },
    /// A field of a YAML or CUE file is missing or has the wrong type.
    #[error("{file}: {field}: {message}")]
    Field {
        /// The file, relative to the addon (`metadata.yaml`).
        file: String,
        /// The field path (`deployTo.runtimeCluster`, `dependencies[1].name`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A YAML file does not parse.
    #[error("{file}: {message}")]
    Yaml {
        /// The file, relative to the addon.
        file: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The addon has both `template.cue` and `template.yaml` (KubeVela's `ErrBothCueAndYamlTmpl`).
    #[error("template.cue and template.yaml: an addon has one application template, not both")]
    BothTemplates,
    /// A symbolic link points outside the addon directory.
    #[error("{file}: symbolic link to {} leaves the addon directory", target.display())]
    SymlinkEscape {
        /// The link, relative to the addon.
        file: String,
        /// Where it points.
        target: PathBuf,
    },
    /// The addon is larger than the loader's bound ([`crate::load::Limits`]).
    #[error("{file}: the addon exceeds its bound of {limit} {what}")]
    TooLarge {
        /// The file at which the bound was crossed.
        file: String,
        /// `bytes`, `files` or `directory levels`.
        what: &'static str,
        /// The bound.
        limit: u64,
    },
    /// A `.tgz` package could not be read.
    #[error("{file}: {message}")]
    Package {
        /// The package file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A file is not valid UTF-8 text.
    #[error("{file}: not UTF-8 text")]
    NotText {
        /// The file, relative to the addon.
        file: String,
    },
    /// A CUE file failed to compile or evaluate.
    #[error("{file}: {cause}")]
    Cue {
        /// The file(s), relative to the addon.
        file: String,
        /// The evaluator's error (with line and column).
        cause: Box<vela_cue::Error>,
    },
    /// A definition file could not be converted to its definition object.
    #[error("{file}: {cause}")]
    Definition {
        /// The file, relative to the addon.
        file: String,
        /// The renderer's error (with its causes).
        cause: String,
    },
    /// The rendered Application is not a valid Application.
    #[error("addon-{addon}: the rendered Application is invalid: {cause}")]
    Application {
        /// The addon's name.
        addon: String,
        /// The model's error (with the field path).
        cause: Box<vela_model::parse::Error>,
    },
    /// An enable argument (`k=v`) is malformed.
    #[error("argument {arg:?}: {message}")]
    Argument {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// The `clusters` argument names a cluster that is not registered.
    #[error("cluster {0} not exist")]
    UnknownCluster(String),
    /// A version or version constraint does not parse.
    #[error("version {text:?}: {message}")]
    Version {
        /// The text.
        text: String,
        /// The parser's message.
        message: String,
    },
    /// A dependency cannot be resolved ([`crate::resolve::plan`]).
    #[error("dependency {chain}: {message}")]
    Dependency {
        /// The chain of addons, `a -> b -> c`.
        chain: String,
        /// What is wrong.
        message: String,
    },
    /// A `system` requirement of the addon is not met ([`crate::resolve::check_system`]).
    #[error(
        "addon {addon} requires {what} {required}, found {found} (--skip-version-validating skips the check)"
    )]
    System {
        /// The addon.
        addon: String,
        /// `vela` or `kubernetes`.
        what: &'static str,
        /// The constraint.
        required: String,
        /// The version found.
        found: String,
    },
    /// The addon depends on addons that are not enabled.
    #[error("addon {addon}: you must first enable dependencies: {}", missing.join(", "))]
    Dependencies {
        /// The addon.
        addon: String,
        /// The dependencies that are not enabled.
        missing: Vec<String>,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn field(file: &str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Field {
            file: file.to_string(),
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn cue(file: impl Into<String>, source: vela_cue::Error) -> Self {
        Error::Cue {
            file: file.into(),
            cause: Box::new(source),
        }
    }
}
