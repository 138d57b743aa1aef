//! The one guarded HTTP client every outbound call goes through (request, webhook,
//! notification steps and the `vela/http` provider).
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
//!   installs rustls' ring provider as the process default if none is installed).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

/// An outbound call failed or was refused.
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
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An allow-list entry: a host name, an address or a CIDR block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    /// A host name (any address it resolves to is allowed).
    Host(String),
    /// An address block.
    Net(IpAddr, u8),
}

impl std::str::FromStr for Allow {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if let Some((ip, bits)) = s.split_once('/') {
            let ip: IpAddr = ip.parse().map_err(|_| format!("{s:?}: invalid address"))?;
            let bits: u8 = bits
                .parse()
                .map_err(|_| format!("{s:?}: invalid prefix length"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(format!("{s:?}: prefix longer than {max}"));
            }
            return Ok(Self::Net(ip, bits));
        }
        if let Ok(ip) = s.trim_matches(['[', ']']).parse::<IpAddr>() {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            return Ok(Self::Net(ip, bits));
        }
        if s.is_empty() || s.contains(['/', ' ', ':']) {
            return Err(format!("{s:?}: expected a host name, an address or a CIDR block"));
        }
        Ok(Self::Host(s.to_ascii_lowercase()))
    }
}

fn in_net(addr: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// IPv6 blocks refused by default, each with the kind named in [`Error::Blocked`]. Most of them
/// embed or tunnel to an IPv4 address (or another network) that the IPv4 rules cannot see.
const BLOCKED_V6: [(u128, u8, &str); 9] = [
    // `::a.b.c.d` (deprecated): some stacks still route it to the IPv4 address.
    (0, 96, "IPv4-compatible"),
    // `::ffff:0:a.b.c.d` (SIIT, RFC 6145/2765).
    (0xffff << 48, 96, "IPv4-translated"),
    // RFC 6052 well-known NAT64 prefix and RFC 8215 local-use NAT64.
    (0x0064_ff9b << 96, 96, "NAT64"),
    (0x0064_ff9b_0001 << 80, 48, "NAT64 (local)"),
    // 6to4 (RFC 3056) and Teredo (RFC 4380) tunnel to an embedded IPv4 address.
    (0x2002 << 112, 16, "6to4"),
    (0x2001_0000 << 96, 32, "Teredo"),
    (0xfc00 << 112, 7, "private (unique local)"),
    (0xfe80 << 112, 10, "link-local"),
    // Site-local (RFC 3879 deprecated it, routers may still honour it).
    (0xfec0 << 112, 10, "site-local"),
];

/// Why `addr` is blocked by default, or `None` for a public address.
#[must_use]
pub fn blocked_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4);
            }
            if v6.is_loopback() {
                return Some("loopback");
            }
            if v6.is_unspecified() {
                return Some("unspecified");
            }
            if v6.is_multicast() {
                return Some("multicast");
            }
            BLOCKED_V6
                .iter()
                .find(|(net, bits, _)| in_net(IpAddr::V6(v6), IpAddr::V6(Ipv6Addr::from(*net)), *bits))
                .map(|(_, _, why)| *why)
        }
    }
}

fn blocked_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let o = v4.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] {
        Some("cloud metadata")
    } else if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_private() {
        Some("private")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("shared (CGNAT)")
    } else if o[0] == 0 || v4.is_broadcast() || o[0] >= 240 {
        Some("reserved")
    } else if v4.is_multicast() {
        Some("multicast")
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        Some("benchmarking")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("IETF protocol")
    } else {
        None
    }
}

/// Settings of the guarded client.
///
/// New settings may be added in a minor release, so the struct is `#[non_exhaustive]`: start
/// from [`Config::default`] and change what you need with [`Config::allowing`] and the `with_*`
/// methods.
///
/// ```
/// let config = vela_workflow::http::Config::default()
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
        }
    }
}

impl Config {
    /// Adds allow-list entries (`"127.0.0.1"`, `"10.0.0.0/8"`, `"hooks.internal"`).
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
    #[must_use]
    pub fn with_max_redirects(mut self, max_redirects: usize) -> Self {
        self.max_redirects = max_redirects;
        self
    }

    /// Sets [`Config::max_response_bytes`].
    #[must_use]
    pub fn with_max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// Sets [`Config::timeout`].
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`Config::rate_limit`]: at most `requests` per `period` (`None`: no limit).
    #[must_use]
    pub fn with_rate_limit(mut self, rate_limit: Option<(u32, Duration)>) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Sets [`Config::extra_root_certificates`] (PEM).
    #[must_use]
    pub fn with_extra_root_certificates(mut self, pem: Vec<String>) -> Self {
        self.extra_root_certificates = pem;
        self
    }
}

#[derive(Debug)]
struct Guard {
    allow: Vec<Allow>,
}

impl Guard {
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allow
            .iter()
            .any(|a| matches!(a, Allow::Host(h) if *h == host))
    }

    fn check(&self, host: &str, addr: IpAddr) -> Result<()> {
        if self.host_allowed(host)
            || self
                .allow
                .iter()
                .any(|a| matches!(a, Allow::Net(n, b) if in_net(addr, *n, *b)))
        {
            return Ok(());
        }
        match blocked_kind(addr) {
            Some(why) => Err(Error::Blocked {
                host: host.to_owned(),
                addr,
                why,
            }),
            None => Ok(()),
        }
    }
}

/// Resolves names and drops addresses the guard refuses; fails when none is left.
struct GuardedResolver(Arc<Guard>);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut first_err = None;
            let ok: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match guard.check(&host, a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        first_err.get_or_insert(e);
                        false
                    }
                })
                .collect();
            if ok.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> = match first_err {
                    Some(e) => Box::new(e),
                    None => format!("{host} has no address").into(),
                };
                return Err(e);
            }
            Ok(Box::new(ok.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An outbound request.
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
    /// A shorter timeout for this request.
    pub timeout: Option<Duration>,
    /// Request trailers, sent after a chunked body (announced in a `Trailer` header).
    pub trailers: BTreeMap<String, String>,
    /// Custom TLS settings for this request (a private CA, a client certificate).
    pub tls: Option<Tls>,
}

/// TLS settings of one request (feature `tls`): PEM text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tls {
    /// Extra trusted CA certificates, in addition to the client's roots.
    pub ca: Option<String>,
    /// A client certificate (chain) and its private key, presented to the server.
    pub client_identity: Option<(String, String)>,
}

/// A response (body capped and read as UTF-8, lossy).
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
        if certs.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(certs)
        }
    };
    #[cfg(not(feature = "tls"))]
    if tls.is_some() {
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

    /// Sends `req` through the guard.
    ///
    /// # Errors
    /// [`Error::Url`], [`Error::Blocked`], [`Error::Request`] (connect, timeout, refused
    /// redirect), [`Error::TooLarge`].
    pub async fn send(&self, req: Request) -> Result<Response> {
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
            if let Some(body) = &req.body {
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
        Ok(Response {
            status,
            headers,
            trailers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// The extra trusted roots (PEM) of this client.
    #[cfg(feature = "tls")]
    pub(crate) fn extra_root_certificates(&self) -> &[String] {
        &self.config.extra_root_certificates
    }

    /// Checks that `host:port` may be connected to (for non-HTTP clients such as SMTP) and
    /// returns the allowed addresses.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_blocklist_covers_private_loopback_link_local_and_metadata() {
        for (a, why) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("0.0.0.0", "reserved"),
            ("::1", "loopback"),
            ("fd00:ec2::254", "private (unique local)"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("::ffff:0:127.0.0.1", "IPv4-translated"),
            ("::ffff:0:a9fe:a9fe", "IPv4-translated"),
            ("64:ff9b::7f00:1", "NAT64"),
            ("64:ff9b:1::a00:1", "NAT64 (local)"),
            ("64:ff9b:1:ffff::1", "NAT64 (local)"),
            ("2002:7f00:1::", "6to4"),
            ("2002:a9fe:a9fe::1", "6to4"),
            ("2001::1", "Teredo"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("::", "unspecified"),
        ] {
            assert_eq!(blocked_kind(a.parse().unwrap()), Some(why), "{a}");
        }
        // Public, including the neighbours of the blocked IPv6 blocks.
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "2001:1::1",
            "2001:db8::1",
            "2003::1",
            "64:ff9b:2::1",
            "fbff::1",
            "::1:0:0:1",
        ] {
            assert_eq!(blocked_kind(a.parse().unwrap()), None, "{a}");
        }
    }

    #[test]
    fn allow_list_entries_parse() {
        assert_eq!(
            "10.0.0.0/8".parse::<Allow>().unwrap(),
            Allow::Net("10.0.0.0".parse().unwrap(), 8)
        );
        assert_eq!(
            "::1".parse::<Allow>().unwrap(),
            Allow::Net("::1".parse().unwrap(), 128)
        );
        assert_eq!(
            "Hooks.Internal".parse::<Allow>().unwrap(),
            Allow::Host("hooks.internal".into())
        );
        assert!("10.0.0.0/40".parse::<Allow>().is_err());
        let g = Guard {
            allow: vec!["10.0.0.0/8".parse().unwrap()],
        };
        assert!(g.check("x", "10.9.9.9".parse().unwrap()).is_ok());
        assert!(g.check("x", "11.0.0.1".parse().unwrap()).is_ok());
        assert!(g.check("x", "192.168.0.1".parse().unwrap()).is_err());
    }
}
