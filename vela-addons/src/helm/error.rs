//! What can go wrong while reading a helm-repository registry; every variant names the step
//! (settings, index, download, digest, load) and the registry, file or URL involved.

/// A helm-repository registry could not be read.
///
/// ```
/// let e = vela_addons::helm::Error::Digest {
///     registry: "mine".into(),
///     file: "fluxcd-1.0.0.tgz".into(),
///     expected: "ab".into(),
///     found: "cd".into(),
/// };
/// assert_eq!(
///     e.to_string(),
///     "registry mine: fluxcd-1.0.0.tgz: sha256 digest is cd, the index says ab (refused)"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry entry's `helm` settings are invalid.
    #[error("registry {registry}: helm.{field}: {message}")]
    Settings {
        /// The registry's name.
        registry: String,
        /// The field (`url`, `token`).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The guarded HTTP client could not be built (TLS settings).
    #[error("registry {registry}: building the HTTP client failed")]
    Client {
        /// The registry's name.
        registry: String,
        /// The client's error.
        #[source]
        source: Box<vela_http::Error>,
    },
    /// A request failed or was refused (blocked address, too large, timeout).
    #[error("registry {registry}: {step} {url}: {source}")]
    Fetch {
        /// The registry's name.
        registry: String,
        /// `fetch the index` or `download`.
        step: &'static str,
        /// The URL.
        url: String,
        /// The client's error.
        #[source]
        source: Box<vela_http::Error>,
    },
    /// The server answered with an error status.
    #[error("registry {registry}: {step} {url}: HTTP {status}{hint}")]
    Status {
        /// The registry's name.
        registry: String,
        /// `fetch the index` or `download`.
        step: &'static str,
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// A hint (`: check --username and --password` on 401).
        hint: &'static str,
    },
    /// `index.yaml` does not parse or a field has the wrong type.
    #[error("registry {registry}: index.yaml: {field}{}{message}", if field.is_empty() { "" } else { ": " })]
    Index {
        /// The registry's name.
        registry: String,
        /// The field path (`entries.fluxcd[0].urls`), or empty.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A push was refused: the version is in the registry already (HTTP 409); `--force`
    /// replaces it.
    #[error("registry {registry}: {file} is there already (push with --force to replace it)")]
    Exists {
        /// The registry's name.
        registry: String,
        /// The package file.
        file: String,
    },
    /// The registry has no such addon.
    #[error("registry {registry}: no addon {addon}")]
    NotFound {
        /// The registry's name.
        registry: String,
        /// The addon.
        addon: String,
    },
    /// The registry has the addon, but not the requested version (or no release version).
    #[error("registry {registry}: addon {addon} has no version {version} (available: {})", available.join(", "))]
    NoVersion {
        /// The registry's name.
        registry: String,
        /// The addon.
        addon: String,
        /// The requested version (`a release version` when none was requested).
        version: String,
        /// The versions the index lists, highest first.
        available: Vec<String>,
    },
    /// The package's sha256 is not the index's `digest`.
    #[error("registry {registry}: {file}: sha256 digest is {found}, the index says {expected} (refused)")]
    Digest {
        /// The registry's name.
        registry: String,
        /// The package file (last path element of its URL).
        file: String,
        /// The index's digest.
        expected: String,
        /// The digest of what was downloaded.
        found: String,
    },
    /// The downloaded package is not a loadable addon.
    #[error("registry {registry}: {file}: {source}")]
    Load {
        /// The registry's name.
        registry: String,
        /// The package file.
        file: String,
        /// The loader's error.
        #[source]
        source: Box<crate::Error>,
    },
}

/// Result with the helm registry's [`Error`].
///
/// ```
/// let r: vela_addons::helm::Result<()> = Ok(());
/// assert!(r.is_ok());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
