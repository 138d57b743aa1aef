//! Handles to the running test clusters, read from the environment.
//!
//! `scripts/test-clusters.sh up N` prints `VELA_TEST_KUBECONFIGS`, a `:`-separated list of
//! kubeconfig files, one per cluster; the first one is the hub.

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Namespace;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

use crate::namespace::TestNamespace;
use crate::{Error, Result};

/// The environment variable naming the kubeconfigs of the running test clusters.
pub const KUBECONFIGS_ENV: &str = "VELA_TEST_KUBECONFIGS";

/// All test clusters named by the environment; the first is the hub.
#[derive(Clone)]
pub struct Clusters {
    clusters: Vec<Cluster>,
}

impl Clusters {
    /// Connects to every cluster named by [`KUBECONFIGS_ENV`] and checks that each answers.
    ///
    /// Fails with [`Error::NotConfigured`] when the variable is unset or empty, and with
    /// [`Error::Unreachable`] when a named cluster does not answer: a test that expects
    /// clusters must fail, never pass silently, when they are missing.
    pub async fn from_env() -> Result<Self> {
        let value = std::env::var(KUBECONFIGS_ENV).unwrap_or_default();
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if paths.is_empty() {
            return Err(Error::NotConfigured { var: KUBECONFIGS_ENV });
        }
        let mut clusters = Vec::with_capacity(paths.len());
        for path in paths {
            let cluster = Cluster::connect(&path).await?;
            cluster.ping().await?;
            clusters.push(cluster);
        }
        Ok(Self { clusters })
    }

    /// Like [`Clusters::from_env`], and fails unless at least `needed` clusters are running.
    pub async fn at_least(needed: usize) -> Result<Self> {
        let clusters = Self::from_env().await?;
        if clusters.len() < needed {
            return Err(Error::TooFewClusters {
                needed,
                available: clusters.len(),
            });
        }
        Ok(clusters)
    }

    /// The hub: the first cluster.
    pub fn hub(&self) -> &Cluster {
        &self.clusters[0]
    }

    /// Every cluster but the hub.
    pub fn members(&self) -> &[Cluster] {
        &self.clusters[1..]
    }

    /// Every cluster, hub first.
    pub fn all(&self) -> &[Cluster] {
        &self.clusters
    }

    /// How many clusters there are (never zero).
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// Always false: [`Clusters::from_env`] refuses an empty list.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }
}

/// One test cluster: its kubeconfig and a client for it.
#[derive(Clone)]
pub struct Cluster {
    name: String,
    kubeconfig: PathBuf,
    client: Client,
}

impl Cluster {
    /// Builds a client from a kubeconfig file (its current context).
    pub async fn connect(kubeconfig: &Path) -> Result<Self> {
        let (name, client) = client_from_kubeconfig(kubeconfig).await?;
        Ok(Self {
            name,
            kubeconfig: kubeconfig.to_path_buf(),
            client,
        })
    }

    /// The cluster's name: its kubeconfig context.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kubeconfig file of this cluster.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// A client for this cluster, with cluster-admin rights.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Checks that the API server answers.
    pub async fn ping(&self) -> Result<()> {
        self.client
            .apiserver_version()
            .await
            .map_err(|source| Error::Unreachable {
                cluster: self.name.clone(),
                path: self.kubeconfig.clone(),
                source,
            })?;
        Ok(())
    }

    /// Creates a fresh namespace `<prefix>-<random suffix>`, deleted when the returned guard drops.
    pub async fn test_namespace(&self, prefix: &str) -> Result<TestNamespace> {
        TestNamespace::create(self, prefix).await
    }

    /// `Api<Namespace>` for this cluster.
    pub fn namespaces(&self) -> Api<Namespace> {
        Api::all(self.client())
    }
}

pub(crate) async fn client_from_kubeconfig(path: &Path) -> Result<(String, Client)> {
    let kubeconfig = Kubeconfig::read_from(path).map_err(|source| Error::Kubeconfig {
        path: path.to_path_buf(),
        source,
    })?;
    let name = kubeconfig
        .current_context
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|source| Error::Kubeconfig {
            path: path.to_path_buf(),
            source,
        })?;
    let client = Client::try_from(config).map_err(|source| Error::Client {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((name, client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_kubeconfig_is_a_clear_error() {
        let err = Cluster::connect(Path::new("/nonexistent/kubeconfig"))
            .await
            .err()
            .unwrap();
        assert!(matches!(err, Error::Kubeconfig { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/kubeconfig"), "{err}");
    }

    #[tokio::test]
    async fn a_cluster_that_does_not_answer_is_unreachable() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let dir = std::env::temp_dir().join(format!("vela-unreachable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\n\
             clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1'}}]\n\
             users: [{name: gone, user: {token: abc}}]\n\
             contexts: [{name: gone, context: {cluster: gone, user: gone}}]\n\
             current-context: gone\n",
        )
        .unwrap();
        let cluster = Cluster::connect(&path).await.unwrap();
        assert_eq!(cluster.name(), "gone");
        let err = cluster.ping().await.unwrap_err();
        assert!(matches!(err, Error::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("gone"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
