//! The cluster registry, in KubeVela's format: one Secret per member cluster in namespace
//! `vela-system` of the hub.
//!
//! | part of the Secret | meaning |
//! |---|---|
//! | `metadata.name` | the cluster's name (a DNS subdomain; `local` is reserved for the hub) |
//! | label `cluster.core.oam.dev/cluster-credential-type` | `X509Certificate`, `ServiceAccountToken`, or `Embedded` (a Vela-rs extension: a virtual member inside the embedded state) |
//! | annotation `cluster.core.oam.dev/cluster-alias` | an optional alias |
//! | the other labels | the cluster's labels, which `clusterLabelSelector` matches (keys starting with `cluster.core.oam.dev` are the registry's own) |
//! | `data.endpoint` | the API server's https URL |
//! | `data["ca.crt"]` | the CA certificate (PEM) that signs the API server's certificate; without it the system's trust roots are used |
//! | `data["tls.crt"]`, `data["tls.key"]` | client certificate and key (PEM), for `X509Certificate` |
//! | `data.token` | a bearer token, for `ServiceAccountToken` |
//! | `data["proxy-url"]` | an http, https or socks5 proxy to reach the API server through |
//!
//! The hub itself is always the cluster `local` (`""` means `local` too); it has no Secret.
//! Stored credentials are inline data only: nothing in a Secret can make Vela-rs run a program
//! (kubeconfig exec plugins) or read a local file.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::BTreeMap;
//! use vela_multicluster::{Embedded, registry::{self, Cluster}};
//!
//! let hub = Embedded::in_memory()?;
//! let edge = Cluster::embedded("edge-1")?
//!     .with_labels(BTreeMap::from([("region".to_owned(), "eu".to_owned())]));
//! registry::join(&hub, &edge).await?;
//! let listing = registry::list(&hub).await?;
//! let names: Vec<_> = listing.clusters.iter().map(|c| c.name.as_str()).collect();
//! assert_eq!(names, ["local", "edge-1"]);
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Key, Objects};

#[cfg(feature = "kube")]
mod kubeconfig;
mod secret;
#[cfg(test)]
mod tests;

#[cfg(feature = "kube")]
#[cfg_attr(docsrs, doc(cfg(feature = "kube")))]
pub use kubeconfig::{KubeconfigError, cluster_from_kubeconfig, hub_client};

/// The DER certificates of a PEM bundle (`ca.crt`).
#[cfg(feature = "kube")]
pub(crate) fn secret_pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let certs: Vec<Vec<u8>> = secret::pem_blocks(pem)?
        .into_iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| der)
        .collect();
    if certs.is_empty() {
        return Err("no CERTIFICATE block".into());
    }
    Ok(certs)
}

/// The hub's name. `""` means the hub too.
pub const LOCAL: &str = "local";
/// The namespace of the hub that holds the registry.
pub const NAMESPACE: &str = "vela-system";
/// The label that marks a Secret as a cluster registration and says how to authenticate.
pub const CREDENTIAL_TYPE_LABEL: &str = "cluster.core.oam.dev/cluster-credential-type";
/// cluster-gateway's endpoint-type label; only `Const` (the endpoint in `data.endpoint`) is
/// supported.
pub const ENDPOINT_TYPE_LABEL: &str = "cluster.core.oam.dev/cluster-endpoint-type";
/// The annotation with the cluster's alias.
pub const ALIAS_ANNOTATION: &str = "cluster.core.oam.dev/cluster-alias";
/// Labels and annotations with this prefix belong to the registry, not to the cluster.
pub const RESERVED_PREFIX: &str = "cluster.core.oam.dev";

/// The data keys of a registry Secret.
pub mod data_key {
    /// The API server's URL.
    pub const ENDPOINT: &str = "endpoint";
    /// The CA certificate (PEM).
    pub const CA: &str = "ca.crt";
    /// The client certificate (PEM).
    pub const CERT: &str = "tls.crt";
    /// The client key (PEM).
    pub const KEY: &str = "tls.key";
    /// A bearer token.
    pub const TOKEN: &str = "token";
    /// A proxy URL.
    pub const PROXY_URL: &str = "proxy-url";
}

/// How Vela-rs authenticates to a cluster (the credential-type label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialType {
    /// A client certificate and key (`tls.crt`, `tls.key`).
    X509Certificate,
    /// A bearer token (`token`).
    ServiceAccountToken,
    /// A virtual member inside the embedded state (a Vela-rs extension: no endpoint, no
    /// credentials; the embedded backend keeps its objects beside the hub's).
    Embedded,
    /// The hub itself (`local`); never stored.
    Internal,
}

impl CredentialType {
    const STORED: &str = "X509Certificate, ServiceAccountToken or Embedded";

    /// The label value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X509Certificate => "X509Certificate",
            Self::ServiceAccountToken => "ServiceAccountToken",
            Self::Embedded => "Embedded",
            Self::Internal => "Internal",
        }
    }
}

impl std::fmt::Display for CredentialType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The credentials of a cluster, decoded (PEM text for certificates and keys). `Debug` never
/// shows the key or the token.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// `ca.crt`: the CA certificate(s) of the API server, PEM.
    pub ca: Option<Vec<u8>>,
    /// `tls.crt`: the client certificate, PEM.
    pub client_certificate: Option<Vec<u8>>,
    /// `tls.key`: the client key, PEM.
    pub client_key: Option<Vec<u8>>,
    /// `token`: a bearer token.
    pub token: Option<String>,
    /// `proxy-url`: a proxy to reach the API server through.
    pub proxy_url: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |o: &Option<Vec<u8>>| o.as_ref().map(|b| format!("{} bytes", b.len()));
        f.debug_struct("Credentials")
            .field("ca", &shown(&self.ca))
            .field("client_certificate", &shown(&self.client_certificate))
            .field("client_key", &self.client_key.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("proxy_url", &self.proxy_url)
            .finish()
    }
}

/// A registered cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cluster {
    /// The name (the Secret's name; `local` for the hub).
    pub name: String,
    /// The alias annotation.
    pub alias: Option<String>,
    /// The cluster's labels (the Secret's labels without the registry's own).
    pub labels: BTreeMap<String, String>,
    /// The API server's URL (`None` for the hub and virtual members).
    pub endpoint: Option<String>,
    /// How to authenticate.
    pub credential_type: CredentialType,
    /// The credentials.
    pub credentials: Credentials,
}

/// A registry Secret is malformed: the field and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParseError {
    /// The field path in the Secret (`data.endpoint`, `metadata.labels["..."]`).
    pub field: String,
    /// What was expected.
    pub message: String,
}

/// A registry operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A registry Secret, or a cluster given to `join`, is malformed.
    #[error("cluster {name:?} (Secret {NAMESPACE}/{name}): {source}")]
    Invalid {
        /// The cluster.
        name: String,
        /// The field and what was expected.
        #[source]
        source: ParseError,
    },
    /// The operation does not apply to the hub.
    #[error("cluster {LOCAL:?} is the hub: it cannot be {operation}")]
    Hub {
        /// What was refused (`detached`, `labelled`).
        operation: &'static str,
    },
    /// No such cluster.
    #[error("cluster {name:?} is not registered (`vela cluster list` shows the registry)")]
    NotFound {
        /// The cluster.
        name: String,
    },
    /// A Secret of that name exists in `vela-system` and is not a cluster registration.
    #[error(
        "Secret {NAMESPACE}/{name} exists and is not a cluster registration (no label \
         {CREDENTIAL_TYPE_LABEL}); choose another name"
    )]
    NotARegistration {
        /// The Secret's name.
        name: String,
    },
    /// A label could not be set or removed.
    #[error("cluster {name:?}: {message}")]
    Label {
        /// The cluster.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// Reading or writing the registry in the hub failed.
    #[error("{step} in the hub")]
    Objects {
        /// What was being done (`list the registry Secrets`).
        step: String,
        /// The cause.
        #[source]
        source: Box<crate::Error>,
    },
}

/// What [`list`] found.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Listing {
    /// The clusters: `local` first, then by name.
    pub clusters: Vec<Cluster>,
    /// Registry Secrets that could not be read, by name (they serve no placement).
    pub invalid: Vec<(String, ParseError)>,
}

impl Cluster {
    /// The hub, `local`.
    #[must_use]
    pub fn local() -> Self {
        Self {
            name: LOCAL.to_owned(),
            alias: None,
            labels: BTreeMap::new(),
            endpoint: None,
            credential_type: CredentialType::Internal,
            credentials: Credentials::default(),
        }
    }

    fn new(
        name: &str,
        endpoint: Option<String>,
        credential_type: CredentialType,
        credentials: Credentials,
    ) -> Result<Self, Error> {
        let cluster = Self {
            name: name.to_owned(),
            alias: None,
            labels: BTreeMap::new(),
            endpoint,
            credential_type,
            credentials,
        };
        secret::check(&cluster).map_err(|source| Error::Invalid {
            name: name.to_owned(),
            source,
        })?;
        Ok(cluster)
    }

    /// A virtual member inside the embedded state (credential type `Embedded`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name (or `local`).
    pub fn embedded(name: &str) -> Result<Self, Error> {
        Self::new(name, None, CredentialType::Embedded, Credentials::default())
    }

    /// A cluster reached with a client certificate (PEM `certificate` and `key`).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the bad part (name, endpoint, PEM).
    pub fn with_certificate(
        name: &str,
        endpoint: &str,
        ca: Option<Vec<u8>>,
        certificate: Vec<u8>,
        key: Vec<u8>,
    ) -> Result<Self, Error> {
        let credentials = Credentials {
            ca,
            client_certificate: Some(certificate),
            client_key: Some(key),
            ..Credentials::default()
        };
        Self::new(
            name,
            Some(endpoint.to_owned()),
            CredentialType::X509Certificate,
            credentials,
        )
    }

    /// A cluster reached with a bearer token.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the bad part (name, endpoint, CA, token).
    pub fn with_token(name: &str, endpoint: &str, ca: Option<Vec<u8>>, token: &str) -> Result<Self, Error> {
        let credentials = Credentials {
            ca,
            token: Some(token.to_owned()),
            ..Credentials::default()
        };
        Self::new(
            name,
            Some(endpoint.to_owned()),
            CredentialType::ServiceAccountToken,
            credentials,
        )
    }

    /// The same cluster with these labels.
    #[must_use]
    pub fn with_labels(mut self, labels: BTreeMap<String, String>) -> Self {
        self.labels = labels;
        self
    }

    /// The same cluster with this alias.
    #[must_use]
    pub fn with_alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into()).filter(|a: &String| !a.is_empty());
        self
    }

    /// The same cluster reached through this proxy (`http`, `https` or `socks5` URL).
    #[must_use]
    pub fn with_proxy_url(mut self, proxy_url: impl Into<String>) -> Self {
        self.credentials.proxy_url = Some(proxy_url.into());
        self
    }

    /// Whether this is the hub.
    #[must_use]
    pub fn is_local(&self) -> bool {
        self.name == LOCAL
    }

    /// Whether every `selector` label is one of this cluster's (`clusterLabelSelector`; an
    /// empty selector matches every cluster).
    #[must_use]
    pub fn matches(&self, selector: &BTreeMap<String, String>) -> bool {
        selector.iter().all(|(k, v)| self.labels.get(k) == Some(v))
    }
}

/// The canonical name of a cluster: `""` is `local`.
#[must_use]
pub fn canonical(name: &str) -> &str {
    if name.is_empty() { LOCAL } else { name }
}

fn secret_key(name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: NAMESPACE.into(),
        name: name.into(),
    }
}

fn hub_error(step: impl Into<String>) -> impl FnOnce(crate::Error) -> Error {
    let step = step.into();
    move |source| Error::Objects {
        step,
        source: Box::new(source),
    }
}

fn is_registration(secret: &Value) -> bool {
    secret
        .pointer("/metadata/labels")
        .and_then(|l| l.get(CREDENTIAL_TYPE_LABEL))
        .is_some()
}

/// Every cluster: `local` first, then the registry Secrets by name. Secrets that cannot be read
/// are in [`Listing::invalid`].
///
/// # Errors
/// [`Error::Objects`] when the hub cannot be read.
pub async fn list(hub: &dyn Objects) -> Result<Listing, Error> {
    let secrets = hub
        .list("", "v1", "Secret", NAMESPACE, &BTreeMap::new())
        .await
        .map_err(hub_error(format!("list the Secrets of {NAMESPACE}")))?;
    let mut listing = Listing {
        clusters: vec![Cluster::local()],
        invalid: Vec::new(),
    };
    let mut members = Vec::new();
    for secret in secrets.iter().filter(|s| is_registration(s)) {
        match Cluster::parse(secret) {
            Ok(cluster) => members.push(cluster),
            Err(e) => {
                let name = secret
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                tracing::warn!(cluster = %name, error = %e, "unreadable cluster registration");
                listing.invalid.push((name, e));
            }
        }
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    listing.invalid.sort_by(|a, b| a.0.cmp(&b.0));
    listing.clusters.extend(members);
    Ok(listing)
}

/// One cluster by name (`local` and `""` are the hub); `None` when it is not registered.
///
/// # Errors
/// [`Error::Invalid`] when its Secret is malformed; [`Error::Objects`] when the hub cannot be
/// read.
pub async fn get(hub: &dyn Objects, name: &str) -> Result<Option<Cluster>, Error> {
    let name = canonical(name);
    if name == LOCAL {
        return Ok(Some(Cluster::local()));
    }
    if secret::check_name(name).is_err() {
        return Ok(None);
    }
    let Some(found) = hub
        .get(&secret_key(name))
        .await
        .map_err(hub_error(format!("read Secret {NAMESPACE}/{name}")))?
    else {
        return Ok(None);
    };
    if !is_registration(&found) {
        return Ok(None);
    }
    Cluster::parse(&found).map(Some).map_err(|source| Error::Invalid {
        name: name.to_owned(),
        source,
    })
}

/// Registers `cluster` (creates or replaces its Secret in the hub, and the namespace
/// `vela-system` when the hub has none) and returns it as stored.
///
/// # Errors
/// [`Error::Invalid`] for a malformed cluster, [`Error::Hub`] for `local`,
/// [`Error::NotARegistration`] when a Secret of that name exists and is not a registration,
/// [`Error::Objects`] when the hub fails.
pub async fn join(hub: &dyn Objects, cluster: &Cluster) -> Result<Cluster, Error> {
    if cluster.is_local() || cluster.name.is_empty() {
        return Err(Error::Hub { operation: "joined" });
    }
    secret::check(cluster).map_err(|source| Error::Invalid {
        name: cluster.name.clone(),
        source,
    })?;
    let existing = hub
        .get(&secret_key(&cluster.name))
        .await
        .map_err(hub_error(format!("read Secret {NAMESPACE}/{}", cluster.name)))?;
    if existing.as_ref().is_some_and(|s| !is_registration(s)) {
        return Err(Error::NotARegistration {
            name: cluster.name.clone(),
        });
    }
    // the registry's namespace (a hub with KubeVela installed has it; a fresh one may not)
    let namespace = Key {
        api_version: "v1".into(),
        kind: "Namespace".into(),
        namespace: String::new(),
        ..secret_key(NAMESPACE)
    };
    let has_namespace = hub
        .get(&namespace)
        .await
        .map_err(hub_error(format!("read Namespace {NAMESPACE}")))?
        .is_some();
    if !has_namespace {
        hub.apply(
            "",
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}),
        )
        .await
        .map_err(hub_error(format!("create Namespace {NAMESPACE}")))?;
    }
    let stored = hub
        .apply("", cluster.to_secret())
        .await
        .map_err(hub_error(format!("write Secret {NAMESPACE}/{}", cluster.name)))?;
    Cluster::parse(&stored).map_err(|source| Error::Invalid {
        name: cluster.name.clone(),
        source,
    })
}

/// Removes a cluster from the registry and returns what it was. The hub cannot be detached.
/// (What was delivered to the cluster stays there; the engine's trackers decide about it.)
///
/// # Errors
/// [`Error::Hub`] for `local`, [`Error::NotFound`], [`Error::Objects`] when the hub fails.
pub async fn detach(hub: &dyn Objects, name: &str) -> Result<Cluster, Error> {
    let name = canonical(name);
    if name == LOCAL {
        return Err(Error::Hub {
            operation: "detached",
        });
    }
    let cluster = registered(hub, name).await?;
    hub.delete(&secret_key(name))
        .await
        .map_err(hub_error(format!("delete Secret {NAMESPACE}/{name}")))?;
    Ok(cluster)
}

async fn registered(hub: &dyn Objects, name: &str) -> Result<Cluster, Error> {
    get(hub, name).await?.ok_or_else(|| Error::NotFound {
        name: name.to_owned(),
    })
}

/// Adds the labels `add` to a cluster and removes the keys `remove`; returns the cluster as
/// stored. Keys with the registry's prefix `cluster.core.oam.dev` are refused.
///
/// # Errors
/// [`Error::Hub`] for `local`, [`Error::NotFound`], [`Error::Label`] for a bad label or one
/// another field manager keeps on the Secret, [`Error::Objects`] when the hub fails.
pub async fn set_labels(
    hub: &dyn Objects,
    name: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<Cluster, Error> {
    let name = canonical(name);
    if name == LOCAL {
        return Err(Error::Hub {
            operation: "labelled",
        });
    }
    let label_error = |message: String| Error::Label {
        name: name.to_owned(),
        message,
    };
    for (k, v) in add {
        if k.starts_with(RESERVED_PREFIX) {
            return Err(label_error(format!(
                "label {k}: keys starting with {RESERVED_PREFIX} are reserved for the registry"
            )));
        }
        secret::check_label(k, v).map_err(label_error)?;
    }
    let mut cluster = registered(hub, name).await?;
    for k in remove {
        cluster.labels.remove(k);
    }
    cluster
        .labels
        .extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    let stored = join(hub, &cluster).await?;
    // a label set by another field manager (e.g. KubeVela's own `vela cluster join`) survives
    // an apply that leaves it out: say so instead of claiming it is gone
    if let Some(kept) = remove.iter().find(|k| stored.labels.contains_key(*k)) {
        return Err(label_error(format!(
            "label {kept} is owned by another field manager of Secret {NAMESPACE}/{name}; remove \
             it with `kubectl label secret -n {NAMESPACE} {name} {kept}-`"
        )));
    }
    Ok(stored)
}
