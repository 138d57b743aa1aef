//! Clients for member clusters from their stored credentials (feature `kube`). Only the
//! Secret's inline data is used: no file is read, no program (exec plugin) is run, and no
//! proxy is taken from the environment.

use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use crate::registry::{Cluster, secret_pem_certificates};
use crate::{Error, Result};

/// Connection and response timeouts of a member's client.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timeouts {
    pub(super) connect: Duration,
    pub(super) read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(60),
        }
    }
}

fn failed(cluster: &str, message: String) -> Error {
    Error::Backend {
        cluster: cluster.to_owned(),
        source: message.into(),
    }
}

/// The kube-rs configuration of a registered cluster (rustls; its CA, client certificate or
/// token, and proxy).
pub(super) fn config(entry: &Cluster, timeouts: Timeouts) -> Result<kube::Config> {
    let name = &entry.name;
    let endpoint = entry
        .endpoint
        .as_deref()
        .ok_or_else(|| failed(name, "the registry entry has no endpoint".into()))?;
    let mut config = kube::Config::new(
        endpoint
            .parse()
            .map_err(|e| failed(name, format!("data.endpoint {endpoint:?}: {e}")))?,
    );
    let c = &entry.credentials;
    if let Some(ca) = &c.ca {
        let certs =
            secret_pem_certificates(ca).map_err(|e| failed(name, format!("data[\"ca.crt\"]: {e}")))?;
        config.root_cert = Some(certs);
    }
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut user = serde_json::Map::new();
    if let (Some(cert), Some(key)) = (&c.client_certificate, &c.client_key) {
        user.insert("client-certificate-data".into(), json!(b64(cert)));
        user.insert("client-key-data".into(), json!(b64(key)));
    }
    if let Some(token) = &c.token {
        user.insert("token".into(), json!(token));
    }
    config.auth_info = serde_json::from_value(serde_json::Value::Object(user))
        .map_err(|e| failed(name, format!("credentials: {e}")))?;
    if let Some(proxy) = &c.proxy_url {
        config.proxy_url = Some(
            proxy
                .parse()
                .map_err(|e| failed(name, format!("data.proxy-url {proxy:?}: {e}")))?,
        );
    }
    config.connect_timeout = Some(timeouts.connect);
    config.read_timeout = Some(timeouts.read);
    Ok(config)
}

/// A client for a registered cluster, impersonating (user, groups) when given. Must run inside
/// a tokio runtime.
pub(super) fn client(
    entry: &Cluster,
    timeouts: Timeouts,
    impersonate: Option<&(String, Vec<String>)>,
) -> Result<kube::Client> {
    let mut config = config(entry, timeouts)?;
    if let Some((user, groups)) = impersonate {
        config.auth_info.impersonate = Some(user.clone());
        config.auth_info.impersonate_groups = (!groups.is_empty()).then(|| groups.clone());
    }
    kube::Client::try_from(config).map_err(|e| Error::Backend {
        cluster: entry.name.clone(),
        source: Box::new(e),
    })
}

/// The API server's `gitVersion`, within `timeout`.
pub(super) async fn version(client: &kube::Client, cluster: &str, timeout: Duration) -> Result<String> {
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(e)) => Err(Error::Backend {
            cluster: cluster.to_owned(),
            source: Box::new(e),
        }),
        Err(_) => Err(failed(
            cluster,
            format!("no answer from /version within {timeout:?}"),
        )),
    }
}
