//! The one guarded HTTP client of Vela-rs: every outbound call goes through it (the workflow's
//! request, webhook and notification steps and its `vela/http` provider, re-exported as
//! `vela_workflow::http`; the helm-repository addon registries of `vela-addons`).
//!
//! Secure by default:
//! - private, loopback, link-local, CGNAT, multicast and cloud-metadata addresses are refused
//!   unless allow-listed ([`Config::allow`]), and so are the IPv6 forms that embed or tunnel to
//!   an IPv4 address (IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo) and site-local
//!   `fec0::/10`; the check runs on every resolved address, so a public name that resolves to a
//!   private address is refused too; numeric hosts in any spelling (`2130706433`, `0x7f.1`,
//!   `0177.0.0.1`, `127.1`) are normalised by the URL parser before the check;
//! - redirects are not followed unless enabled, and every hop is checked again;
//! - the response body is capped ([`Config::max_response_bytes`]);
//! - every request has a timeout; an optional rate limit spaces requests out;
//! - `https://` is verified against the system roots and any extra roots (feature `tls`, which
//!   installs rustls' ring provider as the process default if none is installed); skipping
//!   verification is an explicit, per-client choice ([`Config::insecure_skip_tls_verify`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), vela_http::Error> {
//! use vela_http::{Client, Config, Request};
//! let client = Client::new(Config::default())?;
//! let resp = client.send(Request::get("https://example.com/index.yaml")).await?;
//! println!("{} {}", resp.status, resp.body.len());
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tls` | yes | `https://` (rustls with ring; the system's roots through the platform verifier, plus extra roots) |

#![cfg_attr(docsrs, feature(doc_cfg))]

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

mod guard;

pub use guard::{Allow, blocked_kind};
use guard::{Guard, GuardedResolver};

/// An outbound call failed or was refused.
///
/// ```
/// let e = vela_http::Error::TooLarge { url: "http://x/a.tgz".into(), limit: 10 };
/// assert_eq!(e.to_string(), "response from http://x/a.tgz is larger than 10 bytes");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is invalid.
    #[error("invalid url {url:?}: {message}")]
    Url {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The destination is not allowed (SSRF guard).
    #[error("refused to connect to {host} ({addr}): {why} addresses are blocked unless allow-listed")]
    Blocked {
        /// Host as written in the URL.
        host: String,
        /// The address it resolved to.
        addr: IpAddr,
        /// Which kind of address.
        why: &'static str,
    },
    /// The response body is larger than allowed.
    #[error("response from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The request failed (connect, timeout, protocol, redirect refused).
    #[error("{method} {url} failed")]
    Request {
        /// Method.
        method: String,
        /// The URL.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },
    /// The client could not be built.
    #[error("building the HTTP client failed")]
    Build(#[source] reqwest::Error),
    /// A request's TLS settings are invalid (or TLS is not compiled in).
    #[error("invalid TLS settings: {0}")]
    Tls(String),
}

/// Result of HTTP calls.
///
/// ```
/// fn f() -> vela_http::Result<u16> { Ok(200) }
/// assert_eq!(f().unwrap(), 200);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Settings of the guarded client.
///
/// New settings may be added in a minor release, so the struct is `#[non_exhaustive]`: start
/// from [`Config::default`] and change what you need with [`Config::allowing`] and the `with_*`
/// methods.
///
/// ```
/// let config = vela_http::Config::default()
///     .allowing(["hooks.internal"])
///     .with_max_redirects(2)
///     .with_timeout(std::time::Duration::from_secs(5));
/// assert_eq!(config.max_redirects, 2);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Destinations allowed even though they are private, loopback, link-local or metadata.
    pub allow: Vec<Allow>,
    /// Redirects to follow (0 = none, the default).
    pub max_redirects: usize,
    /// Largest accepted response body (default 4 MiB).
    pub max_response_bytes: usize,
    /// Timeout of a whole request (default 30 s); a request may ask for less.
    pub timeout: Duration,
    /// At most `n` requests per period, spaced evenly (default: no limit).
    pub rate_limit: Option<(u32, Duration)>,
    /// Extra trusted root certificates (PEM), in addition to the system's (feature `tls`).
    pub extra_root_certificates: Vec<String>,
    /// Accept any server certificate (KubeVela's `insecureSkipTLS`; default `false`). The
    /// address guard still applies.
    pub insecure_skip_tls_verify: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            max_redirects: 0,
            max_response_bytes: 4 << 20,
            timeout: Duration::from_secs(30),
            rate_limit: None,
            extra_root_certificates: Vec::new(),
            insecure_skip_tls_verify: false,
        }
    }
}

impl Config {
    /// Adds allow-list entries (`"127.0.0.1"`, `"10.0.0.0/8"`, `"hooks.internal"`).
    ///
    /// ```
    /// let config = vela_http::Config::default().allowing(["127.0.0.1", "10.0.0.0/8"]);
    /// assert_eq!(config.allow.len(), 2);
    /// ```
    ///
    /// # Panics
    /// On an entry that is not a host name, address or CIDR block (a programming error).
    #[must_use]
    pub fn allowing<'a>(mut self, entries: impl IntoIterator<Item = &'a str>) -> Self {
        for e in entries {
            self.allow
                .push(e.parse().unwrap_or_else(|m| panic!("allow-list entry {m}")));
        }
        self
    }

    /// Sets [`Config::max_redirects`].
    ///
    /// ```
    /// assert_eq!(vela_http::Config::default().with_max_redirects(3).max_redirects, 3);
    /// ```
    #[must_use]
    pub fn with_max_redirects(mut self, max_redirects: usize) -> Self {
        self.max_redirects = max_redirects;
        self
    }

    /// Sets [`Config::max_response_bytes`].
    ///
    /// ```
    /// let c = vela_http::Config::default().with_max_response_bytes(1 << 10);
    /// assert_eq!(c.max_response_bytes, 1024);
    /// ```
    #[must_use]
    pub fn with_max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// Sets [`Config::timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = vela_http::Config::default().with_timeout(Duration::from_secs(2));
    /// assert_eq!(c.timeout, Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`Config::rate_limit`]: at most `requests` per `period` (`None`: no limit).
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = vela_http::Config::default().with_rate_limit(Some((10, Duration::from_secs(1))));
    /// assert_eq!(c.rate_limit, Some((10, Duration::from_secs(1))));
    /// ```
    #[must_use]
    pub fn with_rate_limit(mut self, rate_limit: Option<(u32, Duration)>) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Sets [`Config::extra_root_certificates`] (PEM).
    ///
    /// ```
    /// let c = vela_http::Config::default().with_extra_root_certificates(vec!["-----BEGIN...".into()]);
    /// assert_eq!(c.extra_root_certificates.len(), 1);
    /// ```
    #[must_use]
    pub fn with_extra_root_certificates(mut self, pem: Vec<String>) -> Self {
        self.extra_root_certificates = pem;
        self
    }

    /// Sets [`Config::insecure_skip_tls_verify`].
    ///
    /// ```
    /// assert!(vela_http::Config::default().with_insecure_skip_tls_verify(true).insecure_skip_tls_verify);
    /// ```
    #[must_use]
    pub fn with_insecure_skip_tls_verify(mut self, skip: bool) -> Self {
        self.insecure_skip_tls_verify = skip;
        self
    }
}

/// An outbound request.
///
/// ```
/// let req = vela_http::Request::get("https://example.com/").with_header("Accept", "text/plain");
/// assert_eq!((req.method.as_str(), req.headers["Accept"].as_str()), ("GET", "text/plain"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `GET`, `POST`, `PUT`, `DELETE`, ...
    pub method: String,
    /// Absolute `http(s)://` URL.
    pub url: String,
    /// Headers.
    pub headers: BTreeMap<String, String>,
    /// Body.
    pub body: Option<String>,
    /// A binary body (an archive, a multipart form), sent instead of [`Request::body`].
    pub body_bytes: Option<Vec<u8>>,
    /// A shorter timeout for this request.
    pub timeout: Option<Duration>,
    /// Request trailers, sent after a chunked body (announced in a `Trailer` header).
    pub trailers: BTreeMap<String, String>,
    /// Custom TLS settings for this request (a private CA, a client certificate).
    pub tls: Option<Tls>,
}

impl Request {
    /// A `GET` of `url`.
    ///
    /// ```
    /// assert_eq!(vela_http::Request::get("http://x/").method, "GET");
    /// ```
    pub fn get(url: impl Into<String>) -> Self {
        Request {
            method: "GET".into(),
            url: url.into(),
            ..Request::default()
        }
    }

    /// Adds (or replaces) a header.
    ///
    /// ```
    /// let r = vela_http::Request::get("http://x/").with_header("Authorization", "Basic dTpw");
    /// assert_eq!(r.headers["Authorization"], "Basic dTpw");
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

/// TLS settings of one request (feature `tls`): PEM text.
///
/// ```
/// let tls = vela_http::Tls { ca: Some("-----BEGIN CERTIFICATE-----...".into()), client_identity: None };
/// assert!(tls.ca.is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// Extra trusted CA certificates, in addition to the client's roots.
    pub ca: Option<String>,
    /// A client certificate (chain) and its private key, presented to the server.
    pub client_identity: Option<(String, String)>,
}

/// A response (body capped and read as UTF-8, lossy).
///
/// ```
/// let r = vela_http::Response { status: 200, headers: Default::default(), trailers: Default::default(), body: "ok".into() };
/// assert_eq!(r.status, 200);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers (multi-valued).
    pub headers: BTreeMap<String, Vec<String>>,
    /// Trailers received after the body (multi-valued).
    pub trailers: BTreeMap<String, Vec<String>>,
    /// Body.
    pub body: String,
}

/// A response whose body is kept as bytes (packages, archives, images), capped like any other.
///
/// ```
/// let r = vela_http::BinaryResponse { status: 200, headers: Default::default(), trailers: Default::default(), body: vec![0x1f, 0x8b] };
/// assert_eq!(r.body.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryResponse {
    /// Status code.
    pub status: u16,
    /// Headers (multi-valued).
    pub headers: BTreeMap<String, Vec<String>>,
    /// Trailers received after the body (multi-valued).
    pub trailers: BTreeMap<String, Vec<String>>,
    /// Body.
    pub body: Vec<u8>,
}

/// A reqwest client behind `guard` (resolver and redirect policy), with `config`'s roots and
/// limits and, for one request, extra TLS settings.
fn build(config: &Config, guard: &Arc<Guard>, tls: Option<&Tls>) -> Result<reqwest::Client> {
    let redirect_guard = guard.clone();
    let max = config.max_redirects;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max {
            return attempt.error(format!("redirect refused: at most {max} redirects are followed"));
        }
        let url = attempt.url();
        if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host() {
            let host = url
                .host_str()
                .unwrap_or_default()
                .trim_matches(['[', ']'])
                .to_owned();
            if let Ok(ip) = host.parse::<IpAddr>()
                && let Err(e) = redirect_guard.check(&host, ip)
            {
                return attempt.error(e);
            }
        }
        attempt.follow()
    });
    let builder = reqwest::Client::builder();
    #[cfg(feature = "tls")]
    let builder = {
        // reqwest uses the process-wide rustls provider; install ring unless one is set.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut certs = Vec::new();
        for pem in &config.extra_root_certificates {
            certs.push(reqwest::Certificate::from_pem(pem.as_bytes()).map_err(Error::Build)?);
        }
        let mut builder = builder;
        if let Some(tls) = tls {
            if let Some(ca) = &tls.ca {
                let bundle = reqwest::Certificate::from_pem_bundle(ca.as_bytes())
                    .map_err(|e| Error::Tls(format!("ca.crt: {e}")))?;
                if bundle.is_empty() {
                    return Err(Error::Tls("ca.crt: no PEM certificate".into()));
                }
                certs.extend(bundle);
            }
            if let Some((cert, key)) = &tls.client_identity {
                let pem = format!("{}\n{}", cert.trim_end(), key);
                let id = reqwest::Identity::from_pem(pem.as_bytes())
                    .map_err(|e| Error::Tls(format!("client.crt/client.key: {e}")))?;
                builder = builder.identity(id);
            }
        }
        let builder = builder.tls_danger_accept_invalid_certs(config.insecure_skip_tls_verify);
        if certs.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(certs)
        }
    };
    #[cfg(not(feature = "tls"))]
    if tls.is_some() || config.insecure_skip_tls_verify {
        return Err(Error::Tls(
            "TLS support (feature `tls`) is not compiled in".into(),
        ));
    }
    builder
        .redirect(policy)
        .dns_resolver(Arc::new(GuardedResolver(guard.clone())))
        .timeout(config.timeout)
        .no_proxy()
        .build()
        .map_err(Error::Build)
}

/// A request body that sends its data in one chunk and then trailers (chunked encoding).
struct WithTrailers {
    data: Option<bytes::Bytes>,
    trailers: Option<http::HeaderMap>,
}

impl http_body::Body for WithTrailers {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let frame = if let Some(d) = self.data.take() {
            Some(Ok(http_body::Frame::data(d)))
        } else {
            self.trailers.take().map(|t| Ok(http_body::Frame::trailers(t)))
        };
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.trailers.is_none()
    }
}

fn header_map(h: &BTreeMap<String, String>, url_err: impl Fn(&str) -> Error) -> Result<http::HeaderMap> {
    let mut map = http::HeaderMap::new();
    for (k, v) in h {
        let name = http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| url_err(&format!("invalid trailer name {k:?}")))?;
        let value = http::HeaderValue::from_str(v)
            .map_err(|_| url_err(&format!("invalid value of trailer {k:?}")))?;
        map.append(name, value);
    }
    Ok(map)
}

fn multi_map(h: &http::HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in h {
        out.entry(k.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(v.as_bytes()).into_owned());
    }
    out
}

/// The guarded client. Cheap to clone.
///
/// ```
/// let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
/// assert!(client.extra_root_certificates().is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: reqwest::Client,
    guard: Arc<Guard>,
    config: Arc<Config>,
    next_slot: Arc<Mutex<Option<tokio::time::Instant>>>,
}

impl Client {
    /// A client with these settings.
    ///
    /// ```
    /// let client = vela_http::Client::new(vela_http::Config::default().allowing(["127.0.0.1"]));
    /// assert!(client.is_ok());
    /// ```
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP stack cannot be initialised.
    pub fn new(config: Config) -> Result<Self> {
        let guard = Arc::new(Guard {
            allow: config.allow.clone(),
        });
        let inner = build(&config, &guard, None)?;
        Ok(Self {
            inner,
            guard,
            config: Arc::new(config),
            next_slot: Arc::default(),
        })
    }

    async fn rate_limit(&self) {
        let Some((n, period)) = self.config.rate_limit else {
            return;
        };
        let interval = period / n.max(1);
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let now = tokio::time::Instant::now();
            let slot = next.map_or(now, |s| s.max(now));
            *next = Some(slot + interval);
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }

    /// Sends `req` through the guard; the body is read as UTF-8 (lossy).
    ///
    /// ```
    /// # async fn demo() {
    /// let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
    /// let err = client.send(vela_http::Request::get("http://127.0.0.1:1/")).await.unwrap_err();
    /// assert!(matches!(err, vela_http::Error::Blocked { why: "loopback", .. }));
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Url`], [`Error::Blocked`], [`Error::Request`] (connect, timeout, refused
    /// redirect), [`Error::TooLarge`].
    pub async fn send(&self, req: Request) -> Result<Response> {
        let r = self.send_binary(req).await?;
        Ok(Response {
            status: r.status,
            headers: r.headers,
            trailers: r.trailers,
            body: String::from_utf8_lossy(&r.body).into_owned(),
        })
    }

    /// Sends `req` through the guard and keeps the body as bytes (a `.tgz` package).
    ///
    /// ```
    /// # async fn demo() {
    /// let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
    /// let err = client.send_binary(vela_http::Request::get("http://10.0.0.1/a.tgz")).await.unwrap_err();
    /// assert!(matches!(err, vela_http::Error::Blocked { why: "private", .. }));
    /// # }
    /// ```
    ///
    /// # Errors
    /// Those of [`Client::send`].
    pub async fn send_binary(&self, req: Request) -> Result<BinaryResponse> {
        self.rate_limit().await;
        let url_err = |m: &str| Error::Url {
            url: req.url.clone(),
            message: m.to_owned(),
        };
        let url = url::Url::parse(&req.url).map_err(|e| url_err(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(url_err("expected an http or https URL"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| url_err("no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        if let Ok(ip) = host.parse::<IpAddr>() {
            self.guard.check(&host, ip)?;
        }
        let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| url_err(&format!("invalid method {:?}", req.method)))?;
        let custom;
        let client = match &req.tls {
            Some(tls) => {
                custom = build(&self.config, &self.guard, Some(tls))?;
                &custom
            }
            None => &self.inner,
        };
        let mut b = client.request(method.clone(), url);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if req.trailers.is_empty() {
            if let Some(bytes) = &req.body_bytes {
                b = b.body(bytes.clone());
            } else if let Some(body) = &req.body {
                b = b.body(body.clone());
            }
        } else {
            let trailers = header_map(&req.trailers, url_err)?;
            let names: Vec<&str> = trailers.keys().map(http::HeaderName::as_str).collect();
            b = b
                .header(http::header::TRAILER, names.join(", "))
                .header(http::header::TRANSFER_ENCODING, "chunked")
                .body(reqwest::Body::wrap(WithTrailers {
                    data: req.body.clone().filter(|b| !b.is_empty()).map(bytes::Bytes::from),
                    trailers: Some(trailers),
                }));
        }
        if let Some(t) = req.timeout {
            b = b.timeout(t.min(self.config.timeout));
        }
        let wrap = |source| Error::Request {
            method: method.to_string(),
            url: req.url.clone(),
            source,
        };
        let resp = b.send().await.map_err(wrap)?;
        let status = resp.status().as_u16();
        let headers = multi_map(resp.headers());
        let limit = self.config.max_response_bytes;
        if resp.content_length().is_some_and(|l| l > limit as u64) {
            return Err(Error::TooLarge {
                url: req.url.clone(),
                limit,
            });
        }
        let mut stream = http::Response::from(resp).into_body();
        let mut body = Vec::new();
        let mut trailers = BTreeMap::new();
        while let Some(frame) = http_body_util::BodyExt::frame(&mut stream).await {
            let frame = frame.map_err(wrap)?;
            match frame.into_data() {
                Ok(chunk) => {
                    if body.len() + chunk.len() > limit {
                        return Err(Error::TooLarge {
                            url: req.url.clone(),
                            limit,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Err(frame) => {
                    if let Ok(t) = frame.into_trailers() {
                        trailers.extend(multi_map(&t));
                    }
                }
            }
        }
        Ok(BinaryResponse {
            status,
            headers,
            trailers,
            body,
        })
    }

    /// The extra trusted roots (PEM) of this client (for TLS clients of other protocols, such
    /// as STARTTLS).
    ///
    /// ```
    /// let c = vela_http::Client::new(vela_http::Config::default().with_extra_root_certificates(vec![])).unwrap();
    /// assert!(c.extra_root_certificates().is_empty());
    /// ```
    pub fn extra_root_certificates(&self) -> &[String] {
        &self.config.extra_root_certificates
    }

    /// Checks that `host:port` may be connected to (for non-HTTP clients such as SMTP) and
    /// returns the allowed addresses.
    ///
    /// ```
    /// # async fn demo() {
    /// let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
    /// assert!(client.resolve_allowed("127.0.0.1", 25).await.is_err());
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Blocked`] when every address is refused, [`Error::Url`] when it does not resolve.
    pub async fn resolve_allowed(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Error::Url {
                url: format!("{host}:{port}"),
                message: e.to_string(),
            })?
            .collect();
        let mut first_err = None;
        let ok: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| {
                self.guard
                    .check(host, a.ip())
                    .map_err(|e| first_err.get_or_insert(e))
                    .is_ok()
            })
            .collect();
        match (ok.is_empty(), first_err) {
            (true, Some(e)) => Err(e),
            (true, None) => Err(Error::Url {
                url: format!("{host}:{port}"),
                message: "no address".into(),
            }),
            _ => Ok(ok),
        }
    }
}

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
