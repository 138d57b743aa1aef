//! The mutating admission webhook that records who created or last changed an Application, as
//! KubeVela's: on `CREATE` and `UPDATE` of a `core.oam.dev/v1beta1` Application the API server
//! sends an `admission.k8s.io/v1` AdmissionReview to
//! [`PATH`] and the answer is a JSON Patch that sets the annotations
//! [`USERNAME`] (the request's user) and [`GROUP`] (its groups that match the group pattern,
//! `,`-joined), overwriting whatever the request carried. With `--authentication-with-user` the
//! controller then delivers the Application's objects as that user and those groups
//! ([`crate::impersonation`]).
//!
//! Why the annotations can be trusted: the API server calls the webhook on every create and
//! update of an Application, *after* authenticating the request, and applies the patch before
//! the object is stored, so whatever a user writes into the two annotations is replaced by
//! their real identity. That holds only while the webhook is registered (a
//! MutatingWebhookConfiguration with `failurePolicy: Fail`): without it the annotations are
//! whatever the user wrote, which is why the controller reads them only with
//! `--authentication-with-user`, a flag to set only where the webhook is installed.
//!
//! Two kinds of request are left alone:
//! - those of the controller itself (its own user, asked from the API server at start): the
//!   controller adds and removes its finalizer, and must not stamp its own identity over the
//!   user's;
//! - anything but a `CREATE` or `UPDATE` of an Application.
//!
//! An Application carrying `app.oam.dev/service-account-name` is refused (KubeVela's rule):
//! with authentication, a user could otherwise deliver as any service account of the
//! namespace.
//!
//! - [`review`]: the decision, a pure function of the AdmissionReview;
//! - [`server`]: the HTTPS endpoint (rustls; certificates from `--webhook-cert-dir`).

pub mod review;
pub mod server;

pub use review::{GroupPattern, Mutator};

/// The annotation holding the user who created or last changed an Application (KubeVela's).
pub const USERNAME: &str = "app.oam.dev/username";
/// The annotation holding that user's groups that match the group pattern, `,`-separated
/// (KubeVela's).
pub const GROUP: &str = "app.oam.dev/group";
/// The path the webhook answers on (KubeVela's).
pub const PATH: &str = "/mutating-core-oam-dev-v1beta1-applications";
/// Another path answered the same way (`mutate-…`, the kubebuilder convention).
pub const ALT_PATH: &str = "/mutate-core-oam-dev-v1beta1-applications";
/// The largest request body read: an AdmissionReview carries the object and, on update, its
/// old version; the API server stores objects of up to about 1.5 MiB.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// What can go wrong in the webhook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request body is not an `admission.k8s.io/v1` AdmissionReview with a request.
    #[error("decode the AdmissionReview: {0}")]
    Decode(String),
    /// The request body is larger than [`MAX_BODY`].
    #[error("read the request body: larger than {MAX_BODY} bytes")]
    TooLarge,
    /// The answer could not be encoded (never expected).
    #[error("encode the AdmissionReview response: {0}")]
    Encode(String),
    /// A certificate or key file could not be read or holds no PEM certificate or key.
    #[error("read {path}: {message}")]
    Certificate {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the certificate and key (e.g. they do not match) or the protocol
    /// versions.
    #[error("configure TLS with {dir}: {source}")]
    Tls {
        /// The certificate directory.
        dir: std::path::PathBuf,
        /// rustls' error.
        #[source]
        source: tokio_rustls::rustls::Error,
    },
    /// The group pattern is not a valid pattern.
    #[error("--authentication-group-pattern {pattern:?}: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// What is wrong.
        message: String,
    },
    /// The webhook could not listen on its address.
    #[error("listen on {addr} for the admission webhook: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}
