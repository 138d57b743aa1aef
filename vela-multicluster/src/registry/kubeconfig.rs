//! Kubeconfig files (feature `kube`): the user's own, read when joining a cluster or choosing the
//! hub. Unlike stored credentials, a kubeconfig the user names may point at local files (they are
//! read and inlined into the registry Secret); exec plugins and auth providers are refused by
//! `join` (their tokens expire, and the registry stores only what it can use later).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::Cluster;

/// A kubeconfig could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// The file could not be read or is not a kubeconfig.
    #[error("read kubeconfig {path}")]
    Read {
        /// The file (`$KUBECONFIG` or `~/.kube/config` when none was named).
        path: String,
        /// The cause.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// A file the kubeconfig names could not be read.
    #[error("kubeconfig: read {what} {path}")]
    File {
        /// What the file holds.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The kubeconfig lacks something or has a form the registry cannot store.
    #[error("kubeconfig: {0}")]
    Unusable(String),
    /// The cluster it describes is not a valid registration (bad name, endpoint, PEM).
    #[error(transparent)]
    Invalid(#[from] super::Error),
    /// A client could not be built.
    #[error("connect to the cluster of the kubeconfig")]
    Client(#[source] kube::Error),
}

fn read(path: Option<&Path>) -> Result<Kubeconfig, KubeconfigError> {
    match path {
        Some(p) => Kubeconfig::read_from(p).map_err(|source| KubeconfigError::Read {
            path: p.display().to_string(),
            source,
        }),
        None => Kubeconfig::read().map_err(|source| KubeconfigError::Read {
            path: "$KUBECONFIG or ~/.kube/config".into(),
            source,
        }),
    }
}

/// A client for the cluster of a kubeconfig (`path`, else `$KUBECONFIG`, else
/// `~/.kube/config`), in `context` or the current one: the hub, when the user names a real
/// cluster. The kubeconfig is the user's own, so its exec plugins run as with kubectl.
///
/// # Errors
/// [`KubeconfigError`] when it cannot be read or a client cannot be built.
pub async fn hub_client(path: Option<&Path>, context: Option<&str>) -> Result<kube::Client, KubeconfigError> {
    let kubeconfig = read(path)?;
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|source| KubeconfigError::Read {
            path: path.map_or_else(
                || "$KUBECONFIG or ~/.kube/config".into(),
                |p| p.display().to_string(),
            ),
            source,
        })?;
    kube::Client::try_from(config).map_err(KubeconfigError::Client)
}

/// Reads `data` (base64) or the file `file` (relative to the kubeconfig's directory).
fn inline(
    data: Option<&str>,
    file: Option<&str>,
    base: Option<&Path>,
    what: &'static str,
) -> Result<Option<Vec<u8>>, KubeconfigError> {
    if let Some(d) = data.filter(|d| !d.is_empty()) {
        return base64::engine::general_purpose::STANDARD
            .decode(d.trim())
            .map(Some)
            .map_err(|e| KubeconfigError::Unusable(format!("{what} data: expected base64 ({e})")));
    }
    let Some(f) = file.filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let path = match base {
        Some(b) if Path::new(f).is_relative() => b.join(f),
        _ => PathBuf::from(f),
    };
    std::fs::read(&path)
        .map(Some)
        .map_err(|source| KubeconfigError::File { what, path, source })
}

/// The registry entry for the cluster of a kubeconfig file (`path`, else `$KUBECONFIG`, else
/// `~/.kube/config`) in `context` (default: the current context), named `name` (default: the
/// context's name). Files it names (CA, client certificate and key, token file) are read and
/// inlined.
///
/// # Errors
/// [`KubeconfigError::Unusable`] when the context is missing, the user authenticates with an
/// exec plugin, an auth provider or a password, or TLS verification is switched off;
/// [`KubeconfigError::Invalid`] when the result is not a valid registration.
pub fn cluster_from_kubeconfig(
    path: Option<&Path>,
    context: Option<&str>,
    name: Option<&str>,
) -> Result<Cluster, KubeconfigError> {
    let kubeconfig = read(path)?;
    let base = path.and_then(Path::parent);
    let unusable = |m: String| KubeconfigError::Unusable(m);
    let context_name = context
        .map(str::to_owned)
        .or_else(|| kubeconfig.current_context.clone())
        .ok_or_else(|| unusable("no current-context: name one with --context".into()))?;
    let ctx = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.as_ref())
        .ok_or_else(|| unusable(format!("no context {context_name:?}")))?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
        .ok_or_else(|| unusable(format!("context {context_name:?}: no cluster {:?}", ctx.cluster)))?;
    let user = ctx
        .user
        .as_ref()
        .and_then(|u| kubeconfig.auth_infos.iter().find(|a| &a.name == u))
        .and_then(|a| a.auth_info.as_ref())
        .ok_or_else(|| unusable(format!("context {context_name:?}: no user")))?;
    if cluster.insecure_skip_tls_verify == Some(true) {
        return Err(unusable(format!(
            "cluster {:?} has insecure-skip-tls-verify: the registry always verifies the API \
             server; give its CA (certificate-authority-data)",
            ctx.cluster
        )));
    }
    if user.exec.is_some() || user.auth_provider.is_some() {
        return Err(unusable(format!(
            "user of context {context_name:?} authenticates with an exec plugin or auth provider; \
             the registry stores only a client certificate or a token (create a ServiceAccount \
             token for Vela and use it)"
        )));
    }
    let endpoint = cluster
        .server
        .clone()
        .ok_or_else(|| unusable(format!("cluster {:?} has no server", ctx.cluster)))?;
    let ca = inline(
        cluster.certificate_authority_data.as_deref(),
        cluster.certificate_authority.as_deref(),
        base,
        "certificate-authority",
    )?;
    let certificate = inline(
        user.client_certificate_data.as_deref(),
        user.client_certificate.as_deref(),
        base,
        "client-certificate",
    )?;
    // kube keeps the key and token in `secrecy` strings; its serialiser writes them out
    let secrets = serde_json::to_value(user).unwrap_or_default();
    let secret = |k: &str| {
        secrets
            .get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let key = inline(
        secret("client-key-data").as_deref(),
        user.client_key.as_deref(),
        base,
        "client-key",
    )?;
    let token = match (secret("token"), &user.token_file) {
        (Some(t), _) => Some(t),
        (None, Some(f)) => {
            inline(None, Some(f), base, "tokenFile")?.map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        }
        (None, None) => None,
    };
    let name = name.unwrap_or(&context_name);
    let mut entry = match (certificate, key, token) {
        (Some(cert), Some(key), _) => Cluster::with_certificate(name, &endpoint, ca, cert, key)?,
        (_, _, Some(token)) => Cluster::with_token(name, &endpoint, ca, &token)?,
        _ => {
            return Err(unusable(format!(
                "user of context {context_name:?} has neither a client certificate and key nor a \
                 token"
            )));
        }
    };
    if let Some(proxy) = cluster.proxy_url.clone().filter(|p| !p.is_empty()) {
        entry = entry.with_proxy_url(proxy);
        super::secret::check(&entry).map_err(|source| super::Error::Invalid {
            name: entry.name.clone(),
            source,
        })?;
    }
    Ok(entry)
}
