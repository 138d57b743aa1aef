//! The webhook's HTTPS endpoint: TLS (rustls with ring) with the certificate and key of
//! `--webhook-cert-dir` (`tls.crt`, `tls.key`; read again when they change, see
//! [`CertificateFiles`]), HTTP/1.1 (hyper), `POST` [`PATH`] only, a body of at most
//! [`MAX_BODY`] read within [`READ_TIMEOUT`], at most [`MAX_CONNECTIONS`] at
//! once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

use super::{ALT_PATH, Error, MAX_BODY, Mutator, PATH};

/// How long a client may take for the TLS handshake, for a request head, and for a body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once (more wait to be accepted).
pub const MAX_CONNECTIONS: usize = 256;

/// How often, at most, the certificate files are checked for a change.
pub const RELOAD_CHECK: Duration = Duration::from_secs(10);

fn crypto() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificate chain `dir/tls.crt` and its key `dir/tls.key` (PEM), checked to match.
fn load(dir: &Path) -> Result<Arc<CertifiedKey>, Error> {
    let (crt, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Certificate {
            path: path.to_owned(),
            message: e.to_string(),
        })
    };
    let pem = read(&crt)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Certificate {
            path: crt.clone(),
            message: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(Error::Certificate {
            path: crt,
            message: "no PEM CERTIFICATE block".into(),
        });
    }
    let key_pem = read(&key)?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| Error::Certificate {
        path: key.clone(),
        message: format!("no PEM private key: {e}"),
    })?;
    CertifiedKey::from_der(chain, key_der, &crypto())
        .map(Arc::new)
        .map_err(|source| Error::Tls {
            dir: dir.to_owned(),
            source,
        })
}

/// When the two files were last changed (`None`: unknown), to notice a new certificate.
fn stamps(dir: &Path) -> [Option<SystemTime>; 2] {
    ["tls.crt", "tls.key"].map(|f| std::fs::metadata(dir.join(f)).and_then(|m| m.modified()).ok())
}

/// The serving certificate of a directory, read again when its files change (a renewed
/// Secret mounted into the pod, cert-manager's rotation): at most every [`RELOAD_CHECK`], on a
/// handshake, the files' modification times are compared, and a changed pair is loaded. A pair
/// that does not load (half written, not matching) is logged and the previous one kept.
#[derive(Debug)]
pub struct CertificateFiles {
    dir: PathBuf,
    current: Mutex<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    key: Arc<CertifiedKey>,
    stamps: [Option<SystemTime>; 2],
    checked: Instant,
}

impl CertificateFiles {
    /// The certificate of `dir`, loaded now.
    ///
    /// # Errors
    /// [`Error::Certificate`] when a file cannot be read or holds no certificate or key;
    /// [`Error::Tls`] when the key is not usable or does not match the certificate.
    pub fn new(dir: &Path) -> Result<Self, Error> {
        let stamps = stamps(dir);
        let key = load(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            current: Mutex::new(Loaded {
                key,
                stamps,
                checked: Instant::now(),
            }),
        })
    }

    /// The certificate to serve now, after reading the files again if they changed.
    fn current(&self) -> Arc<CertifiedKey> {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.checked.elapsed() >= RELOAD_CHECK {
            current.checked = Instant::now();
            let now = stamps(&self.dir);
            if now != current.stamps {
                match load(&self.dir) {
                    Ok(key) => {
                        tracing::info!(dir = %self.dir.display(), "admission webhook: serving the renewed certificate");
                        current.key = key;
                        current.stamps = now;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "admission webhook: the changed certificate does not load; keeping the previous one");
                    }
                }
            }
        }
        current.key.clone()
    }
}

impl ResolvesServerCert for CertificateFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The rustls server configuration serving the certificate chain `dir/tls.crt` and the key
/// `dir/tls.key` (PEM, read again when they change: [`CertificateFiles`]), offering HTTP/1.1.
///
/// # Errors
/// What [`CertificateFiles::new`] returns.
pub fn tls_config(dir: &Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    let files = CertificateFiles::new(dir)?;
    let mut config = rustls::ServerConfig::builder_with_provider(crypto())
        .with_safe_default_protocol_versions()
        .map_err(|source| Error::Tls {
            dir: dir.to_owned(),
            source,
        })?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(files));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Binds `addr` (port 0 picks a free port).
///
/// # Errors
/// [`Error::Listen`] when the address cannot be bound.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen { addr, source })
}

/// Serves the webhook on `listener` with `tls` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    mutator: Arc<Mutator>,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (acceptor, mutator) = (acceptor.clone(), mutator.clone());
                    tokio::spawn(async move {
                        connection(stream, peer, acceptor, mutator).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection to the admission webhook");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    mutator: Arc<Mutator>,
) {
    let tls = match tokio::time::timeout(READ_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "admission webhook: TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(%peer, "admission webhook: TLS handshake timed out");
            return;
        }
    };
    let service = hyper::service::service_fn(move |req| {
        let mutator = mutator.clone();
        async move { Ok::<_, Infallible>(handle(req, &mutator).await) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "admission webhook connection");
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The answer to one request.
async fn handle(req: Request<Incoming>, mutator: &Mutator) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if path != PATH && path != ALT_PATH {
        return text(
            StatusCode::NOT_FOUND,
            format!("not found: the webhook answers on {PATH}\n"),
        );
    }
    if req.method() != Method::POST {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "only POST (an AdmissionReview) is served\n".into(),
        );
    }
    if usize::try_from(hyper::body::Body::size_hint(req.body()).lower()).map_or(true, |n| n > MAX_BODY) {
        return text(StatusCode::PAYLOAD_TOO_LARGE, format!("{}\n", Error::TooLarge));
    }
    let body = Limited::new(req.into_body(), MAX_BODY);
    let bytes = match tokio::time::timeout(READ_TIMEOUT, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, format!("{}\n", Error::TooLarge));
        }
        Ok(Err(e)) => return text(StatusCode::BAD_REQUEST, format!("read the request body: {e}\n")),
        Err(_) => {
            return text(
                StatusCode::REQUEST_TIMEOUT,
                "read the request body: timed out\n".into(),
            );
        }
    };
    match mutator.answer(&bytes) {
        Ok(json) => {
            let mut r = Response::new(Full::new(Bytes::from(json)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => {
            tracing::warn!(error = %e, "admission webhook: a request that is not an AdmissionReview");
            text(StatusCode::BAD_REQUEST, format!("{e}\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::GroupPattern;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A CA, and a serving certificate for 127.0.0.1 it signed, written to a directory.
    fn certs() -> (tempfile::TempDir, rustls::pki_types::CertificateDer<'static>) {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tls.crt"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).unwrap();
        (dir, ca_cert.der().clone())
    }

    async fn ask(addr: SocketAddr, ca: &CertificateDer<'static>, request: Vec<u8>) -> String {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.clone()).unwrap();
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        tls.write_all(&request).await.unwrap();
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    fn post(path: &str, body: &str) -> Vec<u8> {
        format!(
            "POST {path}?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn a_review_over_tls_is_answered_and_bad_requests_get_clear_errors() {
        let (dir, ca) = certs();
        let tls = tls_config(dir.path()).unwrap();
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mutator = Arc::new(Mutator::new(GroupPattern::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, tls, mutator, async {
            let _ = stopped.await;
        }));
        let review = serde_json::json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u-1", "operation": "CREATE", "name": "a", "namespace": "n",
                "kind": {"group": "core.oam.dev", "version": "v1beta1", "kind": "Application"},
                "resource": {"group": "core.oam.dev", "version": "v1beta1", "resource": "applications"},
                "userInfo": {"username": "alice", "groups": ["kubevela:dev", "dev"]},
                "object": {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "a"}}},
        });
        let out = ask(addr, &ca, post(PATH, &review.to_string())).await;
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        let body: serde_json::Value = serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap();
        assert_eq!(body["response"]["uid"], "u-1");
        assert_eq!(body["response"]["patchType"], "JSONPatch");
        let out = ask(addr, &ca, post(ALT_PATH, &review.to_string())).await;
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");

        let out = ask(addr, &ca, post(PATH, "{\"apiVersion\": 1}")).await;
        assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
        assert!(out.contains("decode the AdmissionReview"), "{out}");
        let out = ask(addr, &ca, post("/other", "{}")).await;
        assert!(out.starts_with("HTTP/1.1 404 "), "{out}");
        let out = ask(
            addr,
            &ca,
            format!("GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(),
        )
        .await;
        assert!(out.starts_with("HTTP/1.1 405 "), "{out}");
        let big = format!(
            "POST {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        let out = ask(addr, &ca, big.into_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 413 "), "{out}");
        // a client that does not speak TLS does not hurt the server
        let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut sink = Vec::new();
        let _ = plain.read_to_end(&mut sink).await;
        let out = ask(addr, &ca, post(PATH, &review.to_string())).await;
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        let _ = stop.send(());
        server.await.unwrap();
    }

    #[test]
    fn a_changed_certificate_is_served_after_the_check_and_a_broken_one_is_not() {
        let (dir, _) = certs();
        let files = CertificateFiles::new(dir.path()).unwrap();
        let first = files.current();
        // a new pair, written with later modification times
        let (other, _) = certs();
        std::thread::sleep(Duration::from_millis(20));
        for f in ["tls.crt", "tls.key"] {
            std::fs::copy(other.path().join(f), dir.path().join(f)).unwrap();
        }
        assert!(
            Arc::ptr_eq(&first, &files.current()),
            "not before the check is due"
        );
        let due = |files: &CertificateFiles| {
            files.current.lock().unwrap().checked = Instant::now() - RELOAD_CHECK;
        };
        due(&files);
        let second = files.current();
        assert!(!Arc::ptr_eq(&first, &second), "the renewed certificate");
        assert_ne!(first.cert, second.cert);
        // a half-written pair is not served
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(dir.path().join("tls.key"), "partial").unwrap();
        due(&files);
        assert!(Arc::ptr_eq(&second, &files.current()));
        // a key that is not the certificate's is refused at start
        std::fs::copy(other.path().join("tls.crt"), dir.path().join("tls.crt")).unwrap();
        let (third, _) = certs();
        std::fs::copy(third.path().join("tls.key"), dir.path().join("tls.key")).unwrap();
        let err = CertificateFiles::new(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("configure TLS with "), "{err}");
    }

    #[test]
    fn missing_or_wrong_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = tls_config(dir.path()).unwrap_err().to_string();
        assert!(err.contains("tls.crt"), "{err}");
        std::fs::write(dir.path().join("tls.crt"), "not pem").unwrap();
        let err = tls_config(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no PEM CERTIFICATE"), "{err}");
        let (good, _) = certs();
        std::fs::copy(good.path().join("tls.crt"), dir.path().join("tls.crt")).unwrap();
        std::fs::write(dir.path().join("tls.key"), "nope").unwrap();
        let err = tls_config(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("tls.key") && err.contains("no PEM private key"),
            "{err}"
        );
    }
}
