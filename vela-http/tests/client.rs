//! The guarded client against real servers on loopback: binary bodies, the size cap, the
//! default block, and TLS verification (and skipping it on request).

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vela_http::{Client, Config, Error, Request};

/// Answers every request with `body` (after reading its head), on plain TCP or TLS.
async fn serve<S>(stream: S, body: &'static [u8])
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (r, mut w) = tokio::io::split(stream);
    let mut r = BufReader::new(r);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 || line.trim_end().is_empty() {
            break;
        }
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = w.write_all(head.as_bytes()).await;
    let _ = w.write_all(body).await;
    let _ = w.shutdown().await;
}

const GZIP_BYTES: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x80, 0x7f];

#[tokio::test]
async fn binary_bodies_arrive_intact_and_are_capped() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/a.tgz", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock, GZIP_BYTES));
        }
    });
    let allowed = Client::new(Config::default().allowing(["127.0.0.1"])).unwrap();
    let resp = allowed.send_binary(Request::get(&url)).await.unwrap();
    assert_eq!((resp.status, resp.body.as_slice()), (200, GZIP_BYTES));
    // `send` reads the same body as (lossy) text
    let text = allowed.send(Request::get(&url)).await.unwrap();
    assert_eq!(text.body, String::from_utf8_lossy(GZIP_BYTES));
    let small = Client::new(
        Config::default()
            .allowing(["127.0.0.1"])
            .with_max_response_bytes(4),
    )
    .unwrap();
    let err = small.send_binary(Request::get(&url)).await.unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 4, .. }), "{err}");
    let guarded = Client::new(Config::default()).unwrap();
    let err = guarded.send_binary(Request::get(&url)).await.unwrap_err();
    assert!(matches!(err, Error::Blocked { why: "loopback", .. }), "{err}");
}

#[tokio::test]
async fn tls_is_verified_unless_skipping_is_asked_for() {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![ck.cert.der().clone()], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/index.yaml", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    serve(tls, b"entries: {}\n").await;
                }
            });
        }
    });
    let verifying = Client::new(Config::default().allowing(["127.0.0.1"])).unwrap();
    let err = verifying.send(Request::get(&url)).await.unwrap_err();
    assert!(matches!(err, Error::Request { .. }), "{err}");
    let skipping = Client::new(
        Config::default()
            .allowing(["127.0.0.1"])
            .with_insecure_skip_tls_verify(true),
    )
    .unwrap();
    let resp = skipping.send(Request::get(&url)).await.unwrap();
    assert_eq!((resp.status, resp.body.as_str()), (200, "entries: {}\n"));
    // skipping verification does not lift the address guard
    let guarded = Client::new(Config::default().with_insecure_skip_tls_verify(true)).unwrap();
    let err = guarded.send(Request::get(&url)).await.unwrap_err();
    assert!(matches!(err, Error::Blocked { .. }), "{err}");
}
