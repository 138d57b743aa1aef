//! A fresh namespace per test, deleted afterwards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::{Api, Client};

use crate::cluster::{Cluster, client_from_kubeconfig};
use crate::{Result, api_err, wait};

/// Label put on every test namespace, so leftovers are easy to find.
pub const TEST_LABEL: &str = "vela.dev/e2e-test";

/// A namespace created for one test. Dropping it deletes the namespace (the namespace controller
/// then removes everything in it); [`TestNamespace::delete`] does the same and can wait.
pub struct TestNamespace {
    name: String,
    cluster: String,
    kubeconfig: PathBuf,
    client: Client,
    deleted: bool,
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 20) ^ n.wrapping_mul(0x9e37_79b9);
    format!("{:08x}", mixed & 0xffff_ffff)
}

/// Builds a valid namespace name `<prefix>-<suffix>` (lowercase, at most 63 characters).
pub fn namespace_name(prefix: &str) -> String {
    let mut clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    clean.truncate(40);
    let clean = clean.trim_matches('-');
    let clean = if clean.is_empty() { "test" } else { clean };
    format!("{clean}-{}", unique_suffix())
}

impl TestNamespace {
    pub(crate) async fn create(cluster: &Cluster, prefix: &str) -> Result<Self> {
        let name = namespace_name(prefix);
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": { "name": name, "labels": { TEST_LABEL: "true" } }
        }))
        .expect("a namespace literal is a valid Namespace");
        cluster
            .namespaces()
            .create(&PostParams::default(), &ns)
            .await
            .map_err(api_err(format!(
                "creating namespace {name} in {}",
                cluster.name()
            )))?;
        Ok(Self {
            name,
            cluster: cluster.name().to_string(),
            kubeconfig: cluster.kubeconfig().to_path_buf(),
            client: cluster.client(),
            deleted: false,
        })
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `Api<K>` for a namespaced kind in this namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.name)
    }

    /// Deletes the namespace and, when `wait_for` is given, waits until it is gone (the namespace
    /// controller has removed its content and the finalizer).
    pub async fn delete(mut self, wait_for: Option<Duration>) -> Result<()> {
        self.deleted = true;
        let api: Api<Namespace> = Api::all(self.client.clone());
        delete_namespace(&api, &self.name).await?;
        if let Some(timeout) = wait_for {
            wait::for_deletion(&api, &self.name, timeout).await?;
        }
        Ok(())
    }
}

async fn delete_namespace(api: &Api<Namespace>, name: &str) -> Result<()> {
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(api_err(format!("deleting namespace {name}"))(e)),
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        // The test's runtime may be shutting down (or be the very thread we are on), so delete
        // from a thread of our own with a client of its own.
        let name = self.name.clone();
        let cluster = self.cluster.clone();
        let kubeconfig = self.kubeconfig.clone();
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let runtime = match runtime {
                Ok(rt) => rt,
                Err(e) => return Err(e.to_string()),
            };
            runtime.block_on(async {
                let (_, client) = client_from_kubeconfig(&kubeconfig)
                    .await
                    .map_err(|e| e.to_string())?;
                delete_namespace(&Api::all(client), &name)
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!(
                "warning: test namespace {} in {cluster} not deleted: {e}",
                self.name
            ),
            Err(_) => eprintln!(
                "warning: deleting test namespace {} in {cluster} panicked",
                self.name
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_unique() {
        let a = namespace_name("Smoke_Test/Deploy");
        let b = namespace_name("Smoke_Test/Deploy");
        assert_ne!(a, b);
        assert!(a.starts_with("smoke-test-deploy-"), "{a}");
        assert!(a.len() <= 63);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{a}"
        );
        assert!(namespace_name("---").starts_with("test-"));
        assert!(namespace_name(&"x".repeat(100)).len() <= 63);
    }
}
