//! Test support for Vela-rs end-to-end tests against real Kubernetes API servers.
//!
//! `scripts/test-clusters.sh up N` starts N real control planes (etcd + kube-apiserver +
//! the garbage-collector, namespace and service-account controllers of kube-controller-manager)
//! on loopback ports and prints the environment to export. This crate turns that environment
//! into handles:
//!
//! - [`cluster::Clusters`] / [`cluster::Cluster`]: one `kube::Client` per cluster, the first
//!   one being the hub;
//! - [`namespace::TestNamespace`]: a fresh namespace per test, deleted when dropped;
//! - [`wait`]: wait for a condition (or a deletion) with a timeout and a useful error;
//! - [`readiness::Simulator`]: there is no kubelet, so nothing becomes ready by itself; the
//!   simulator fills workload status the way the real controllers would once pods ran;
//! - [`manifests`]: install the project's CRDs from YAML files.
//! - [`git`]: `git daemon` and `git http-backend` on loopback, for git addon registries.
//!
//! ```no_run
//! # async fn demo() -> vela_test_support::Result<()> {
//! use vela_test_support::cluster::Clusters;
//!
//! let clusters = Clusters::from_env().await?;
//! let ns = clusters.hub().test_namespace("demo").await?;
//! println!("testing in {}", ns.name());
//! # Ok(())
//! # }
//! ```

pub mod cluster;
pub mod git;
pub mod manifests;
pub mod namespace;
pub mod readiness;
pub mod wait;

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while preparing or observing a test cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The environment does not name any test cluster.
    #[error(
        "no test clusters configured: {var} is not set; run `scripts/test-clusters.sh up 3` and \
         export what it prints (or `eval \"$(scripts/test-clusters.sh env)\"`)"
    )]
    NotConfigured {
        /// The environment variable that was looked up.
        var: &'static str,
    },
    /// Fewer clusters are running than the test needs.
    #[error("the test needs {needed} clusters but the environment names {available}")]
    TooFewClusters {
        /// Clusters the test asked for.
        needed: usize,
        /// Clusters named by the environment.
        available: usize,
    },
    /// A kubeconfig could not be read or understood.
    #[error("reading kubeconfig {path}")]
    Kubeconfig {
        /// The kubeconfig file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// A client could not be built from a kubeconfig.
    #[error("building a client for {path}")]
    Client {
        /// The kubeconfig file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: kube::Error,
    },
    /// A cluster named by the environment did not answer.
    #[error("test cluster {cluster} ({path}) is not reachable; were the clusters stopped?")]
    Unreachable {
        /// The cluster's name (its kubeconfig context).
        cluster: String,
        /// Its kubeconfig.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: kube::Error,
    },
    /// A request to the API server failed.
    #[error("{action}")]
    Api {
        /// What was being done, e.g. `creating namespace e2e-x`.
        action: String,
        /// What went wrong.
        #[source]
        source: kube::Error,
    },
    /// A condition did not hold before the timeout.
    #[error("timed out after {after:?} waiting for {what}; last seen: {last}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        after: Duration,
        /// The last state observed, for the failure message.
        last: String,
    },
    /// A manifest file could not be read.
    #[error("reading manifest {path}")]
    ReadManifest {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A manifest file is not the YAML that was expected.
    #[error("parsing manifest {path} (document {document}): {message}")]
    ParseManifest {
        /// The file.
        path: PathBuf,
        /// Zero-based index of the YAML document in the file.
        document: usize,
        /// What was expected.
        message: String,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn api_err(action: impl Into<String>) -> impl FnOnce(kube::Error) -> Error {
    let action = action.into();
    move |source| Error::Api { action, source }
}
