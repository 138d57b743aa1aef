//! The registry's storage format: a [`Cluster`] to and from KubeVela's cluster Secret.
//!
//! Every check names the field of the Secret it failed on (`data.endpoint: expected an https
//! URL`); nothing here panics, whatever the input (the `registry` fuzz target checks it).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{
    ALIAS_ANNOTATION, CREDENTIAL_TYPE_LABEL, Cluster, CredentialType, Credentials, ENDPOINT_TYPE_LABEL,
    LOCAL, NAMESPACE, ParseError, RESERVED_PREFIX, data_key,
};

fn error(field: impl Into<String>, message: impl Into<String>) -> ParseError {
    ParseError {
        field: field.into(),
        message: message.into(),
    }
}

/// `parent["key"]` for keys with dots or slashes, `parent.key` otherwise (kubectl's style).
pub(super) fn path(parent: &str, key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{key:?}]")
    }
}

/// The string map at `field` (labels, annotations): absent is empty.
fn string_map(meta: &Map<String, Value>, key: &str) -> Result<BTreeMap<String, String>, ParseError> {
    let field = format!("metadata.{key}");
    match meta.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(error(path(&field, k), "expected a string")),
            })
            .collect(),
        Some(_) => Err(error(field, "expected a map of strings")),
    }
}

/// Checks a cluster name: a DNS-1123 subdomain (a Secret's name), not the hub's.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("expected a cluster name".into());
    }
    if name == LOCAL {
        return Err(format!("{LOCAL:?} is the hub's name and cannot be registered"));
    }
    if name.len() > 253 {
        return Err("expected at most 253 characters".into());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !name.split('.').all(label_ok) {
        return Err(format!(
            "{name:?} is not a valid cluster name (lowercase letters, digits, '-' and '.', starting \
             and ending with a letter or digit)"
        ));
    }
    Ok(())
}

/// Checks a label key and value as Kubernetes does (`prefix/name`, values of at most 63 chars).
pub(super) fn check_label(key: &str, value: &str) -> Result<(), String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
    };
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && (p.is_empty()
            || p.len() > 253
            || !p.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            }))
    {
        return Err(format!("label key {key:?}: the prefix must be a DNS subdomain"));
    }
    if !name_ok(name) {
        return Err(format!(
            "label key {key:?}: expected at most 63 letters, digits, '-', '_' or '.', starting and \
             ending with a letter or digit"
        ));
    }
    if !value.is_empty() && !name_ok(value) {
        return Err(format!(
            "label {key}: value {value:?}: expected at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Checks a URL with one of `schemes` and a host, without user info (credentials do not go
/// into URLs here).
fn check_url(text: &str, schemes: &[&str]) -> Result<(), String> {
    let expected = match schemes {
        ["https"] => "an https URL".to_owned(),
        _ => format!("a URL with scheme {}", schemes.join(", ")),
    };
    let url = url::Url::parse(text).map_err(|e| format!("expected {expected} ({e})"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!("expected {expected} (got scheme {:?})", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("expected {expected} with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("expected {expected} without user information"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("expected {expected} without a query or fragment"));
    }
    Ok(())
}

/// The PEM blocks of `data`: `(label, DER bytes)`.
pub(crate) fn pem_blocks(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8 text".to_owned())?;
    let mut rest = text;
    let mut blocks = Vec::new();
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err("a -----BEGIN line does not end with -----".into());
        };
        let label = &after[..label_end];
        let body_and_rest = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_and_rest.find(&end_marker) else {
            return Err(format!("no {end_marker} line"));
        };
        let body: String = body_and_rest[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(&body)
            .ok()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| format!("the {label} block is not base64"))?;
        blocks.push((label.to_owned(), der));
        rest = &body_and_rest[end + end_marker.len()..];
    }
    Ok(blocks)
}

/// Checks that `data` holds PEM blocks and at least one whose label satisfies `wanted`.
fn check_pem(data: &[u8], what: &str, wanted: impl Fn(&str) -> bool) -> Result<(), String> {
    let expected = format!("expected {what} in PEM (-----BEGIN ...-----)");
    let blocks = pem_blocks(data).map_err(|e| format!("{expected}: {e}"))?;
    if blocks.iter().any(|(label, _)| wanted(label)) {
        Ok(())
    } else {
        Err(expected)
    }
}

/// Checks the credentials of `cluster` (what `parse` and `join` accept). Field names are those
/// of the Secret.
pub(super) fn check(cluster: &Cluster) -> Result<(), ParseError> {
    check_name(&cluster.name).map_err(|m| error("metadata.name", m))?;
    for (k, v) in &cluster.labels {
        if k.starts_with(RESERVED_PREFIX) {
            return Err(error(
                path("metadata.labels", k),
                format!("keys starting with {RESERVED_PREFIX} are reserved for the registry"),
            ));
        }
        check_label(k, v).map_err(|m| error(path("metadata.labels", k), m))?;
    }
    let c = &cluster.credentials;
    let field = |key: &str| path("data", key);
    if let Some(ca) = &c.ca {
        check_pem(ca, "a CA certificate", |l| l == "CERTIFICATE")
            .map_err(|m| error(field(data_key::CA), m))?;
    }
    if let Some(proxy) = &c.proxy_url {
        check_url(proxy, &["http", "https", "socks5"]).map_err(|m| error(field(data_key::PROXY_URL), m))?;
    }
    match cluster.credential_type {
        CredentialType::Embedded => {
            if cluster.endpoint.is_some() {
                return Err(error(
                    field(data_key::ENDPOINT),
                    "an Embedded cluster lives in the embedded state and has no endpoint",
                ));
            }
            return Ok(());
        }
        CredentialType::Internal => {
            return Err(error(
                path("metadata.labels", CREDENTIAL_TYPE_LABEL),
                "Internal is the hub's type (local) and is never stored",
            ));
        }
        CredentialType::X509Certificate | CredentialType::ServiceAccountToken => {}
    }
    let endpoint = cluster
        .endpoint
        .as_deref()
        .ok_or_else(|| error(field(data_key::ENDPOINT), "missing (expected an https URL)"))?;
    check_url(endpoint, &["https"]).map_err(|m| error(field(data_key::ENDPOINT), m))?;
    if cluster.credential_type == CredentialType::X509Certificate {
        let cert = c.client_certificate.as_deref().ok_or_else(|| {
            error(
                field(data_key::CERT),
                "missing (expected the client certificate in PEM)",
            )
        })?;
        check_pem(cert, "a client certificate", |l| l == "CERTIFICATE")
            .map_err(|m| error(field(data_key::CERT), m))?;
        let key = c
            .client_key
            .as_deref()
            .ok_or_else(|| error(field(data_key::KEY), "missing (expected the client key in PEM)"))?;
        check_pem(key, "a private key", |l| l.ends_with("PRIVATE KEY"))
            .map_err(|m| error(field(data_key::KEY), m))?;
    } else {
        let token = c
            .token
            .as_deref()
            .ok_or_else(|| error(field(data_key::TOKEN), "missing (expected a bearer token)"))?;
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(error(
                field(data_key::TOKEN),
                "expected a bearer token (printable ASCII, no spaces)",
            ));
        }
    }
    Ok(())
}

/// Decodes `data[key]` (base64, as in every Secret); `None` when absent.
fn decoded(data: &Map<String, Value>, key: &str) -> Result<Option<Vec<u8>>, ParseError> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => base64::engine::general_purpose::STANDARD
            .decode(s.trim_end())
            .map(Some)
            .map_err(|e| error(path("data", key), format!("expected base64 ({e})"))),
        Some(_) => Err(error(path("data", key), "expected a base64 string")),
    }
}

fn text(data: &Map<String, Value>, key: &str) -> Result<Option<String>, ParseError> {
    decoded(data, key)?
        .map(|b| String::from_utf8(b).map_err(|_| error(path("data", key), "expected UTF-8 text")))
        .transpose()
}

impl Cluster {
    /// Reads a cluster from its registry Secret (KubeVela's format; see the module docs).
    ///
    /// # Errors
    /// A [`ParseError`] naming the field of the Secret that is missing or wrong.
    pub fn parse(secret: &Value) -> Result<Self, ParseError> {
        let obj = secret
            .as_object()
            .ok_or_else(|| error("value", "expected a Secret object"))?;
        // the items of a list from an API server carry no apiVersion and kind: absent is fine
        if obj.get("kind").is_some_and(|k| k != "Secret") {
            return Err(error("kind", "expected Secret"));
        }
        if obj.get("apiVersion").is_some_and(|v| v != "v1") {
            return Err(error("apiVersion", "expected v1"));
        }
        let meta = match obj.get("metadata") {
            Some(Value::Object(m)) => m,
            _ => return Err(error("metadata", "expected an object")),
        };
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| error("metadata.name", "expected a cluster name"))?;
        check_name(name).map_err(|m| error("metadata.name", m))?;
        match meta.get("namespace") {
            None | Some(Value::Null) => {}
            Some(Value::String(ns)) if ns == NAMESPACE => {}
            Some(_) => {
                return Err(error(
                    "metadata.namespace",
                    format!("expected {NAMESPACE} (the registry lives there)"),
                ));
            }
        }
        let mut labels = string_map(meta, "labels")?;
        let type_field = path("metadata.labels", CREDENTIAL_TYPE_LABEL);
        let credential_type = match labels.get(CREDENTIAL_TYPE_LABEL).map(String::as_str) {
            None => {
                return Err(error(
                    type_field,
                    format!("missing (expected {})", CredentialType::STORED),
                ));
            }
            Some("X509Certificate") => CredentialType::X509Certificate,
            Some("ServiceAccountToken") => CredentialType::ServiceAccountToken,
            Some("Embedded") => CredentialType::Embedded,
            Some(other) => {
                return Err(error(
                    type_field,
                    format!("{other:?} is not supported (expected {})", CredentialType::STORED),
                ));
            }
        };
        if let Some(endpoint_type) = labels.get(ENDPOINT_TYPE_LABEL)
            && endpoint_type != "Const"
        {
            return Err(error(
                path("metadata.labels", ENDPOINT_TYPE_LABEL),
                format!("{endpoint_type:?} is not supported (expected Const: the endpoint in data.endpoint)"),
            ));
        }
        // the registry's own labels are not cluster labels (KubeVela drops them too)
        labels.retain(|k, _| !k.starts_with(RESERVED_PREFIX));
        let alias = string_map(meta, "annotations")?
            .remove(ALIAS_ANNOTATION)
            .filter(|a| !a.is_empty());
        let empty = Map::new();
        let data = match obj.get("data") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(d)) => d,
            Some(_) => return Err(error("data", "expected a map of base64 strings")),
        };
        let credentials = Credentials {
            ca: decoded(data, data_key::CA)?,
            client_certificate: decoded(data, data_key::CERT)?,
            client_key: decoded(data, data_key::KEY)?,
            token: text(data, data_key::TOKEN)?,
            proxy_url: text(data, data_key::PROXY_URL)?,
        };
        let endpoint = text(data, data_key::ENDPOINT)?;
        let cluster = Self {
            name: name.to_owned(),
            alias,
            labels,
            endpoint,
            credential_type,
            credentials,
        };
        check(&cluster)?;
        Ok(cluster)
    }

    /// The registry Secret of this cluster (namespace `vela-system`, type `Opaque`, base64 data),
    /// as `join` stores it.
    #[must_use]
    pub fn to_secret(&self) -> Value {
        let b64 = |b: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
        let mut labels: Map<String, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        labels.insert(
            CREDENTIAL_TYPE_LABEL.into(),
            Value::String(self.credential_type.as_str().into()),
        );
        let mut metadata = json!({"name": self.name, "namespace": NAMESPACE, "labels": labels});
        if let Some(alias) = &self.alias {
            metadata["annotations"] = json!({ ALIAS_ANNOTATION: alias });
        }
        let c = &self.credentials;
        let mut data = Map::new();
        let mut put = |key: &str, value: Option<&[u8]>| {
            if let Some(v) = value {
                data.insert(key.into(), b64(v));
            }
        };
        put(data_key::ENDPOINT, self.endpoint.as_deref().map(str::as_bytes));
        put(data_key::CA, c.ca.as_deref());
        put(data_key::CERT, c.client_certificate.as_deref());
        put(data_key::KEY, c.client_key.as_deref());
        put(data_key::TOKEN, c.token.as_deref().map(str::as_bytes));
        put(data_key::PROXY_URL, c.proxy_url.as_deref().map(str::as_bytes));
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": metadata, "data": data})
    }
}
