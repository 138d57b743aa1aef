//! Helm-repository addon registries (KubeVela's versioned registries): a registry entry
//! `{"name", "helm": {"url", "username"?, "password"?, "insecureSkipTLS"?}}` is a Helm chart
//! repository whose `<url>/index.yaml` lists the addons and their versions ([`Index`]); a version
//! is a `.tgz` package (as `vela addon package` makes) downloaded from its `urls` (relative ones
//! resolve against the repository URL) and loaded by the `.tgz` loader with its bounds.
//!
//! Every request goes through the one guarded client ([`vela_http`]): private, loopback,
//! link-local and metadata addresses are refused unless [`Options::allow_private`] is set, and
//! then only the registry's own host is allowed (not other private hosts an index points to);
//! the index and packages are size-capped ([`Options`]); redirects are followed a few hops,
//! each checked again. When the index gives a package's `digest`, its sha256 must match.
//!
//! Credentials are KubeVela's: `username` and `password` in the registry entry, sent as basic
//! auth to the registry's own origin only (a package URL on another server gets none).
//! KubeVela's `token` and `tokenSecretRef` belong to `oci://` registries only and are refused on
//! an `http(s)://` one ([`HelmSource::from_settings`]).
//!
//! ```no_run
//! # async fn demo() -> vela_addons::helm::Result<()> {
//! use vela_addons::helm::{HelmRegistry, HelmSource, Options};
//! let source = HelmSource::new("https://kubevela.github.io/catalog/official");
//! let registry = HelmRegistry::new("KubeVela", &source, &Options::default())?;
//! let index = registry.index().await?;
//! let fetched = registry.fetch(&index, "fluxcd", None).await?;
//! println!("{} {}", fetched.addon.meta.name, fetched.version.version);
//! # Ok(()) }
//! ```

mod error;
mod index;

use std::time::Duration;

use serde_json::{Value, json};
use sha2::Digest as _;

pub use error::{Error, Result};
pub use index::{ChartVersion, Index};

use crate::load::{Addon, Limits};

/// The `helm` settings of a registry entry (KubeVela's `HelmSource`).
///
/// ```
/// let s = vela_addons::helm::HelmSource::new("https://charts.example.com/addons").with_basic_auth("u", "p");
/// assert_eq!(s.to_settings()["username"], "u");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelmSource {
    /// `url`: the chart repository (`index.yaml` is under it).
    pub url: String,
    /// `username` for basic auth.
    pub username: String,
    /// `password` for basic auth.
    pub password: String,
    /// `insecureSkipTLS`: accept any server certificate.
    pub insecure_skip_tls: bool,
}

impl HelmSource {
    /// A repository without credentials.
    ///
    /// ```
    /// assert_eq!(vela_addons::helm::HelmSource::new("https://x").url, "https://x");
    /// ```
    pub fn new(url: &str) -> HelmSource {
        HelmSource {
            url: url.to_string(),
            ..HelmSource::default()
        }
    }

    /// With basic-auth credentials.
    ///
    /// ```
    /// let s = vela_addons::helm::HelmSource::new("https://x").with_basic_auth("me", "secret");
    /// assert_eq!((s.username.as_str(), s.password.as_str()), ("me", "secret"));
    /// ```
    #[must_use]
    pub fn with_basic_auth(mut self, username: &str, password: &str) -> HelmSource {
        self.username = username.to_string();
        self.password = password.to_string();
        self
    }

    /// Reads the `helm` object of registry `registry`'s entry.
    ///
    /// ```
    /// use vela_addons::helm::HelmSource;
    /// let s = HelmSource::from_settings("r", &serde_json::json!({"url": "https://x", "insecureSkipTLS": true})).unwrap();
    /// assert!(s.insecure_skip_tls);
    /// let err = HelmSource::from_settings("r", &serde_json::json!({"url": "https://x", "token": "t"})).unwrap_err();
    /// assert_eq!(err.to_string(), "registry r: helm.token: an http(s):// addon registry authenticates with password, not token");
    /// ```
    ///
    /// # Errors
    /// [`Error::Settings`] naming the field: a missing or non-http(s) `url` (`oci://` registries
    /// are not supported), a `token` or `tokenSecretRef` (only for `oci://` in KubeVela), a
    /// field of the wrong type.
    pub fn from_settings(registry: &str, helm: &Value) -> Result<HelmSource> {
        let bad = |field: &'static str, message: &str| Error::Settings {
            registry: registry.to_string(),
            field,
            message: message.to_string(),
        };
        let text = |field: &'static str| -> Result<String> {
            match &helm[field] {
                Value::Null => Ok(String::new()),
                Value::String(s) => Ok(s.clone()),
                _ => Err(bad(field, "expected a string")),
            }
        };
        let url = text("url")?;
        if url.is_empty() {
            return Err(bad("url", "missing"));
        }
        if url.to_ascii_lowercase().starts_with("oci://") {
            return Err(bad("url", "oci:// addon registries are not supported yet"));
        }
        match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => return Err(bad("url", &format!("{url:?} is not an http(s):// URL"))),
        }
        if !text("token")?.is_empty() {
            return Err(bad(
                "token",
                "an http(s):// addon registry authenticates with password, not token",
            ));
        }
        if !text("tokenSecretRef")?.is_empty() {
            return Err(bad(
                "tokenSecretRef",
                "is only supported for an oci:// addon registry",
            ));
        }
        let insecure_skip_tls = match &helm["insecureSkipTLS"] {
            Value::Null => false,
            Value::Bool(b) => *b,
            _ => return Err(bad("insecureSkipTLS", "expected a boolean")),
        };
        Ok(HelmSource {
            url,
            username: text("username")?,
            password: text("password")?,
            insecure_skip_tls,
        })
    }

    /// The `helm` object as KubeVela stores it (empty fields left out).
    ///
    /// ```
    /// let s = vela_addons::helm::HelmSource::new("https://x");
    /// assert_eq!(s.to_settings(), serde_json::json!({"url": "https://x"}));
    /// ```
    pub fn to_settings(&self) -> Value {
        let mut v = json!({"url": self.url});
        if !self.username.is_empty() {
            v["username"] = json!(self.username);
        }
        if !self.password.is_empty() {
            v["password"] = json!(self.password);
        }
        if self.insecure_skip_tls {
            v["insecureSkipTLS"] = json!(true);
        }
        v
    }
}

/// How a helm registry is read.
///
/// ```
/// let o = vela_addons::helm::Options::default();
/// assert_eq!((o.allow_private, o.max_index_bytes, o.max_package_bytes), (false, 8 << 20, 6 << 20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Allow the registry's own host even when it is a private, loopback or link-local address
    /// (default `false`: refused by the guard).
    pub allow_private: bool,
    /// The largest `index.yaml` read (default 8 MiB).
    pub max_index_bytes: usize,
    /// The largest package downloaded (default 6 MiB, the loader's default decompressed bound).
    pub max_package_bytes: usize,
    /// The bounds of the `.tgz` loader (decompressed bytes, files, depth).
    pub limits: Limits,
    /// The timeout of each request (default 60 s).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_private: false,
            max_index_bytes: 8 << 20,
            max_package_bytes: 6 << 20,
            limits: Limits::default(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl Options {
    /// Sets [`Options::allow_private`].
    ///
    /// ```
    /// assert!(vela_addons::helm::Options::default().allowing_private(true).allow_private);
    /// ```
    #[must_use]
    pub fn allowing_private(mut self, allow: bool) -> Options {
        self.allow_private = allow;
        self
    }

    /// Sets [`Options::max_package_bytes`].
    ///
    /// ```
    /// assert_eq!(vela_addons::helm::Options::default().with_max_package_bytes(10).max_package_bytes, 10);
    /// ```
    #[must_use]
    pub fn with_max_package_bytes(mut self, max: usize) -> Options {
        self.max_package_bytes = max;
        self
    }
}

/// An addon downloaded from a helm registry: the loaded addon and the index entry it came from.
///
/// ```
/// # fn show(f: vela_addons::helm::Fetched) {
/// println!("{} {} from {}", f.addon.meta.name, f.version.version, f.url);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The addon, loaded from the package.
    pub addon: Addon,
    /// Its entry in the index.
    pub version: ChartVersion,
    /// The URL it was downloaded from.
    pub url: String,
}

/// A helm-repository registry behind the guarded client.
///
/// ```
/// use vela_addons::helm::{HelmRegistry, HelmSource, Options};
/// let r = HelmRegistry::new("mine", &HelmSource::new("http://127.0.0.1:8080/addons"), &Options::default()).unwrap();
/// assert_eq!(r.index_url(), "http://127.0.0.1:8080/addons/index.yaml");
/// ```
#[derive(Debug, Clone)]
pub struct HelmRegistry {
    name: String,
    source: HelmSource,
    base: url::Url,
    options: Options,
    index_client: vela_http::Client,
    package_client: vela_http::Client,
}

impl HelmRegistry {
    /// A registry named `name` reading `source` with `options`.
    ///
    /// # Errors
    /// [`Error::Settings`] for a URL that is not http(s), [`Error::Client`] when the HTTP client
    /// cannot be built.
    pub fn new(name: &str, source: &HelmSource, options: &Options) -> Result<HelmRegistry> {
        let bad_url = || Error::Settings {
            registry: name.to_string(),
            field: "url",
            message: format!("{:?} is not an http(s):// URL", source.url),
        };
        // a trailing `/` makes relative package URLs resolve under the repository
        let base =
            url::Url::parse(&format!("{}/", source.url.trim_end_matches('/'))).map_err(|_| bad_url())?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad_url());
        }
        let host = base.host_str().ok_or_else(bad_url)?.to_string();
        let client = |max: usize| {
            let config = crate::guarded::registry_config(&host, options.allow_private, max, options.timeout)
                .map_err(|message| Error::Settings {
                    registry: name.to_string(),
                    field: "url",
                    message,
                })?
                .with_insecure_skip_tls_verify(source.insecure_skip_tls);
            vela_http::Client::new(config).map_err(|source| Error::Client {
                registry: name.to_string(),
                source: Box::new(source),
            })
        };
        Ok(HelmRegistry {
            name: name.to_string(),
            source: source.clone(),
            index_client: client(options.max_index_bytes)?,
            package_client: client(options.max_package_bytes)?,
            base,
            options: *options,
        })
    }

    /// The registry's name.
    ///
    /// ```
    /// use vela_addons::helm::{HelmRegistry, HelmSource, Options};
    /// let r = HelmRegistry::new("mine", &HelmSource::new("https://x"), &Options::default()).unwrap();
    /// assert_eq!(r.name(), "mine");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the registry's `index.yaml`.
    ///
    /// ```
    /// use vela_addons::helm::{HelmRegistry, HelmSource, Options};
    /// let r = HelmRegistry::new("r", &HelmSource::new("https://x/a/"), &Options::default()).unwrap();
    /// assert_eq!(r.index_url(), "https://x/a/index.yaml");
    /// ```
    pub fn index_url(&self) -> String {
        format!("{}index.yaml", self.base)
    }

    /// Where a package URL of the index points: absolute as it is, relative under the
    /// repository URL.
    ///
    /// ```
    /// use vela_addons::helm::{HelmRegistry, HelmSource, Options};
    /// let r = HelmRegistry::new("r", &HelmSource::new("https://x/a"), &Options::default()).unwrap();
    /// assert_eq!(r.resolve("fluxcd-1.0.0.tgz").unwrap(), "https://x/a/fluxcd-1.0.0.tgz");
    /// assert_eq!(r.resolve("https://y/b.tgz").unwrap(), "https://y/b.tgz");
    /// ```
    ///
    /// # Errors
    /// [`Error::Index`] when it is not a URL.
    pub fn resolve(&self, url: &str) -> Result<String> {
        self.base.join(url).map(String::from).map_err(|e| Error::Index {
            registry: self.name.clone(),
            field: "urls".into(),
            message: format!("{url:?}: {e}"),
        })
    }

    /// A `GET` of `url`, with the basic-auth credentials only when `url` is on the registry's
    /// own origin (scheme, host and port): an index cannot send them to another server.
    fn request(&self, url: &str) -> vela_http::Request {
        let req = vela_http::Request::get(url);
        let same_origin = url::Url::parse(url).is_ok_and(|u| u.origin() == self.base.origin());
        if !same_origin || (self.source.username.is_empty() && self.source.password.is_empty()) {
            return req;
        }
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.source.username, self.source.password));
        req.with_header("Authorization", format!("Basic {token}"))
    }

    async fn get(&self, client: &vela_http::Client, step: &'static str, url: &str) -> Result<Vec<u8>> {
        let resp = client
            .send_binary(self.request(url))
            .await
            .map_err(|source| Error::Fetch {
                registry: self.name.clone(),
                step,
                url: url.to_string(),
                source: Box::new(source),
            })?;
        if !(200..300).contains(&resp.status) {
            return Err(Error::Status {
                registry: self.name.clone(),
                step,
                url: url.to_string(),
                status: resp.status,
                hint: match resp.status {
                    401 | 403 => ": check the registry's username and password",
                    _ => "",
                },
            });
        }
        Ok(resp.body)
    }

    /// Uploads the package `file` (`<name>-<version>.tgz`) as ChartMuseum's API takes it
    /// (`POST <url>/api/charts`, a multipart form with the package as `chart`; `?force=true`
    /// replaces an existing version), as `vela addon push` does.
    ///
    /// # Errors
    /// [`Error::Exists`] when the version is there and `force` is off (HTTP 409);
    /// [`Error::Fetch`] and [`Error::Status`] for other failures.
    pub async fn push(&self, file: &str, package: &[u8], force: bool) -> Result<()> {
        let url = format!(
            "{}api/charts{}",
            self.base,
            if force { "?force=true" } else { "" }
        );
        let boundary = format!("vela-addon-push-{:016x}", {
            use sha2::Digest as _;
            let d = sha2::Sha256::digest(package);
            u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
        });
        let mut body = Vec::with_capacity(package.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"chart\"; filename=\"{file}\"\r\n\
                 Content-Type: application/gzip\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(package);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut req = self.request(&url).with_header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        req.method = "POST".into();
        req.body_bytes = Some(body);
        let resp = self.index_client.send(req).await.map_err(|source| Error::Fetch {
            registry: self.name.clone(),
            step: "push",
            url: url.clone(),
            source: Box::new(source),
        })?;
        match resp.status {
            200..=299 => Ok(()),
            409 => Err(Error::Exists {
                registry: self.name.clone(),
                file: file.to_string(),
            }),
            status => Err(Error::Status {
                registry: self.name.clone(),
                step: "push",
                url,
                status,
                hint: match status {
                    401 | 403 => ": check the registry's username and password",
                    _ => "",
                },
            }),
        }
    }

    /// Fetches and parses the registry's `index.yaml`.
    ///
    /// # Errors
    /// [`Error::Fetch`] (refused address, too large, connection), [`Error::Status`],
    /// [`Error::Index`].
    pub async fn index(&self) -> Result<Index> {
        let url = self.index_url();
        let body = self.get(&self.index_client, "fetch the index", &url).await?;
        Index::parse(&self.name, &String::from_utf8_lossy(&body))
    }

    /// Downloads version `version` of `addon` (or its highest release version), checks its
    /// digest and loads it. The package's URLs are tried in order; the first that downloads is
    /// used.
    ///
    /// # Errors
    /// Those of [`Index::choose`]; [`Error::Fetch`] or [`Error::Status`] when no URL downloads
    /// (the last failure); [`Error::Digest`]; [`Error::Load`] when the package is not an addon
    /// or exceeds the loader's bounds.
    pub async fn fetch(&self, index: &Index, addon: &str, version: Option<&str>) -> Result<Fetched> {
        let chosen = index.choose(addon, version)?;
        let mut last = None;
        for raw in &chosen.urls {
            let url = self.resolve(raw)?;
            match self.get(&self.package_client, "download", &url).await {
                Ok(bytes) => return self.load(chosen, url, &bytes),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Index {
            registry: self.name.clone(),
            field: format!("entries.{addon}[version {}].urls", chosen.version),
            message: "no package URL".into(),
        }))
    }

    fn load(&self, chosen: &ChartVersion, url: String, bytes: &[u8]) -> Result<Fetched> {
        let file = url
            .rsplit('/')
            .next()
            .filter(|f| !f.is_empty())
            .unwrap_or(url.as_str())
            .to_string();
        if let Some(expected) = &chosen.digest {
            let found = hex(&sha2::Sha256::digest(bytes));
            let expected_hex = expected.trim().trim_start_matches("sha256:").to_ascii_lowercase();
            if found != expected_hex {
                return Err(Error::Digest {
                    registry: self.name.clone(),
                    file,
                    expected: expected.clone(),
                    found,
                });
            }
        }
        let mut addon = Addon::from_tgz(bytes, &file, self.options.limits).map_err(|e| Error::Load {
            registry: self.name.clone(),
            file: file.clone(),
            source: Box::new(e),
        })?;
        // KubeVela takes the system requirements from the index's annotations
        let from_index = chosen.meta().system;
        if from_index.is_some() {
            addon.meta.system = from_index;
        }
        Ok(Fetched {
            addon,
            version: chosen.clone(),
            url,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_are_checked() {
        let s = HelmSource::new("https://x/a").with_basic_auth("u", "p");
        assert_eq!(HelmSource::from_settings("r", &s.to_settings()).unwrap(), s);
        for (v, msg) in [
            (json!({}), "registry r: helm.url: missing"),
            (json!({"url": 3}), "registry r: helm.url: expected a string"),
            (
                json!({"url": "oci://x/y"}),
                "registry r: helm.url: oci:// addon registries are not supported yet",
            ),
            (
                json!({"url": "ftp://x"}),
                "registry r: helm.url: \"ftp://x\" is not an http(s):// URL",
            ),
            (
                json!({"url": "https://x", "tokenSecretRef": "s"}),
                "registry r: helm.tokenSecretRef: is only supported for an oci:// addon registry",
            ),
            (
                json!({"url": "https://x", "insecureSkipTLS": "yes"}),
                "registry r: helm.insecureSkipTLS: expected a boolean",
            ),
        ] {
            assert_eq!(HelmSource::from_settings("r", &v).unwrap_err().to_string(), msg);
        }
    }

    #[test]
    fn package_urls_resolve_under_the_repository() {
        let r = HelmRegistry::new(
            "r",
            &HelmSource::new("http://h:8/repo/addons"),
            &Options::default(),
        )
        .unwrap();
        assert_eq!(
            r.resolve("charts/a-1.tgz").unwrap(),
            "http://h:8/repo/addons/charts/a-1.tgz"
        );
        assert_eq!(r.resolve("/top.tgz").unwrap(), "http://h:8/top.tgz");
        let auth = r.request("http://h:8/x");
        assert!(auth.headers.is_empty());
        let r = HelmRegistry::new(
            "r",
            &HelmSource::new("http://h").with_basic_auth("u", "p"),
            &Options::default(),
        )
        .unwrap();
        assert_eq!(r.request("http://h/x").headers["Authorization"], "Basic dTpw");
        // credentials stay on the registry's origin
        for elsewhere in ["http://other/x.tgz", "https://h/x.tgz", "http://h:8080/x.tgz"] {
            assert!(r.request(elsewhere).headers.is_empty(), "{elsewhere}");
        }
    }

    #[test]
    fn digests_are_compared_as_hex() {
        assert_eq!(
            hex(&sha2::Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
