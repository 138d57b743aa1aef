//! What can go wrong in the controller: one enum for the crate.

/// A controller failure.
///
/// Failures of one Application's reconcile never stop the controller: they become a status
/// condition on that Application (see [`crate::reconcile`]) and the Application is reconciled
/// again after a backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine failed to deliver or delete an Application.
    #[error("{app}: {source}")]
    Engine {
        /// The Application, `namespace/name`.
        app: String,
        /// What the engine said (boxed: the engine's error is large).
        #[source]
        source: Box<vela_engine::Error>,
    },
    /// A request to the Kubernetes API failed.
    #[error("{what}: {source}")]
    Kube {
        /// What was being done, e.g. `add finalizer to Application default/shop`.
        what: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// A setting is out of range (a flag, or the lease parameters).
    #[error("{setting}: {message}")]
    Setting {
        /// The flag or field, e.g. `--concurrency`.
        setting: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The metrics and health endpoint could not listen on its address.
    #[error("listen on {addr} for /metrics, /healthz and /readyz: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// This replica held the leader lease and lost it (another replica took it over, or renewing
    /// failed for longer than the lease lasts): it must stop reconciling.
    #[error("lost the leader lease {namespace}/{name}: {reason}")]
    LostLease {
        /// The Lease's namespace.
        namespace: String,
        /// The Lease's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The Application watch stopped (the API server refused the watch for good).
    #[error("the Application watch ended: {0}")]
    Watch(String),
}

impl Error {
    /// Whether the API server refused a write because the object changed since it was read
    /// (HTTP 409): a retry, not a failure to report.
    ///
    /// ```
    /// let err = vela_controller::Error::Setting { setting: "--x", message: "y".into() };
    /// assert!(!err.is_conflict());
    /// ```
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Kube { source: kube::Error::Api(status), .. } if status.code == 409)
    }
}

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message of `err` followed by each of its causes, `: `-separated (the text of a status
/// condition and of log lines).
///
/// ```
/// let err = vela_controller::Error::Setting { setting: "--concurrency", message: "must be at least 1".into() };
/// assert_eq!(vela_controller::error::chain(&err), "--concurrency: must be at least 1");
/// ```
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let next = c.to_string();
        // a wrapper whose message already ends with its cause's says it once
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_409_from_the_api_server_is_a_conflict() {
        let api = |code| Error::Kube {
            what: "set the finalizers".into(),
            source: kube::Error::Api(Box::new(
                kube::core::Status::failure("the object has been modified", "Conflict").with_code(code),
            )),
        };
        assert!(api(409).is_conflict());
        assert!(!api(404).is_conflict());
        assert!(!api(500).is_conflict());
    }

    #[test]
    fn the_chain_names_every_cause_once() {
        let err = Error::Engine {
            app: "default/shop".into(),
            source: Box::new(vela_engine::Error::Policy {
                path: "spec.policies[0].properties".into(),
                message: "expected an object".into(),
            }),
        };
        // the engine's message is repeated in the wrapper's, so the chain does not repeat it
        assert_eq!(
            chain(&err),
            "default/shop: spec.policies[0].properties: expected an object"
        );
    }
}
