//! Loopback servers for provider tests: plain HTTP and HTTPS requiring a client certificate,
//! both recording what they received (headers, body, trailers); certificates made by the test.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A request as the server saw it.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub trailers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub type Log = Arc<Mutex<Vec<Seen>>>;
pub type Respond = Arc<dyn Fn(&Seen) -> String + Send + Sync>;

async fn read_lines<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).await.unwrap_or(0) == 0 {
            return out;
        }
        let h = h.trim_end();
        if h.is_empty() {
            return out;
        }
        if let Some((k, v)) = h.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

/// Serves one HTTP/1.1 request (content-length or chunked with trailers) on `sock`.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(sock: S, log: Log, respond: Respond) {
    let (r, mut w) = tokio::io::split(sock);
    let mut r = BufReader::new(r);
    let mut line = String::new();
    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let mut seen = Seen {
        method: parts.next().unwrap_or("").to_owned(),
        path: parts.next().unwrap_or("").to_owned(),
        ..Seen::default()
    };
    seen.headers = read_lines(&mut r).await;
    let mut body = Vec::new();
    if seen.header("transfer-encoding") == Some("chunked") {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).await.unwrap();
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
            if n == 0 {
                seen.trailers = read_lines(&mut r).await;
                break;
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).await.unwrap();
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = seen.header("content-length") {
        body = vec![0; len.parse().unwrap()];
        r.read_exact(&mut body).await.unwrap();
    }
    seen.body = String::from_utf8(body).unwrap();
    let resp = respond(&seen);
    log.lock().unwrap().push(seen);
    let _ = w.write_all(resp.as_bytes()).await;
    let _ = w.shutdown().await;
}

pub fn ok_json(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A plain HTTP server on 127.0.0.1.
pub async fn http_server(respond: Respond) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock, l.clone(), respond.clone()));
        }
    });
    (base, log)
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all made by the test.
pub struct Pki {
    pub ca: String,
    pub server: (rcgen::Certificate, rcgen::KeyPair),
    pub client_cert: String,
    pub client_key: String,
}

pub fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["workflow-client".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca: ca_cert.pem(),
        server: (server, server_key),
        client_cert: client.pem(),
        client_key: client_key.serialize_pem(),
    }
}

/// An HTTPS server that requires a client certificate issued by the test CA.
pub async fn mtls_server(pki: &Pki) -> (String, Log) {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer, server::WebPkiClientVerifier};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let ca_der = rustls_pemfile_der(&pki.ca);
    roots.add(ca_der).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(pki.server.1.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server.0.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, l) = (acceptor.clone(), l.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    serve(tls, l, Arc::new(|_: &Seen| ok_json("{\"mutual\":true}"))).await;
                }
            });
        }
    });
    (base, log)
}

/// The DER of the first certificate of a PEM text.
fn rustls_pemfile_der(pem: &str) -> tokio_rustls::rustls::pki_types::CertificateDer<'static> {
    use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}
