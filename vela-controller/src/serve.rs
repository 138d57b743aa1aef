//! The controller's HTTP endpoint: `/metrics` (Prometheus text), `/healthz` (the process
//! answers) and `/readyz` (the Application cache is filled). A deliberately small HTTP/1.1
//! responder: `GET` only, one request per connection, bounded reads and a read timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::metrics::Metrics;
use crate::{Error, Result};

/// The largest request head read (longer requests get `431`).
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A response: status code, content type, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

/// The response to `method path`.
///
/// ```
/// use vela_controller::metrics::Metrics;
/// use vela_controller::serve::respond;
///
/// let m = Metrics::default();
/// assert_eq!(respond("GET", "/healthz", &m).status, 200);
/// assert_eq!(respond("GET", "/readyz", &m).status, 503);
/// m.set_ready(true);
/// assert_eq!(respond("GET", "/readyz", &m).status, 200);
/// assert!(respond("GET", "/metrics", &m).body.contains("vela_controller_ready 1"));
/// ```
#[must_use]
pub fn respond(method: &str, path: &str, metrics: &Metrics) -> Response {
    let text = |status, body: &str| Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.to_owned(),
    };
    if method != "GET" && method != "HEAD" {
        return text(405, "only GET is served\n");
    }
    // a query string does not change the answer
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    match path {
        "/metrics" => Response {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: metrics.render(),
        },
        "/healthz" | "/livez" => text(200, "ok\n"),
        "/readyz" if metrics.is_ready() => text(200, "ok\n"),
        "/readyz" => text(503, "not ready: the Application cache is being filled\n"),
        _ => text(404, "not found: try /metrics, /healthz or /readyz\n"),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Binds `addr` (port 0 picks a free port; [`TcpListener::local_addr`] tells which).
///
/// # Errors
/// [`Error::Listen`] when the address cannot be bound.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen { addr, source })
}

/// Serves the endpoint on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let metrics = metrics.clone();
                    tokio::spawn(async move { answer(stream, &metrics).await });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection to the metrics endpoint");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

/// Reads one request head and writes the response.
async fn answer(mut stream: TcpStream, metrics: &Metrics) {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let response = loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            let text = String::from_utf8_lossy(&head);
            let mut parts = text.lines().next().unwrap_or_default().split_whitespace();
            let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            let mut r = respond(method, path, metrics);
            if method == "HEAD" {
                r.body.clear();
            }
            break r;
        }
        if head.len() > MAX_HEAD {
            break error_response(431, "request head too large\n");
        }
        match tokio::time::timeout(READ_TIMEOUT, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(n)) => head.extend_from_slice(&buf[..n]),
            Err(_) => break error_response(408, "request timeout\n"),
        }
    };
    let bytes = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len(),
        response.body
    );
    let _ = stream.write_all(bytes.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn error_response(status: u16, body: &str) -> Response {
    Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_paths_are_404_and_other_methods_405() {
        let m = Metrics::default();
        assert_eq!(respond("GET", "/", &m).status, 404);
        assert_eq!(respond("POST", "/metrics", &m).status, 405);
        assert_eq!(respond("GET", "/metrics?x=1", &m).status, 200);
        assert_eq!(
            respond("GET", "/metrics", &m).content_type,
            "text/plain; version=0.0.4; charset=utf-8"
        );
    }

    #[tokio::test]
    async fn a_real_connection_gets_the_metrics_and_a_garbage_request_gets_an_answer() {
        let listener = bind("127.0.0.1:0".parse().expect("an address"))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("the address");
        let metrics = Arc::new(Metrics::default());
        metrics.set_ready(true);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, metrics, async {
            let _ = stopped.await;
        }));
        let ask = |request: &'static [u8]| async move {
            let mut s = TcpStream::connect(addr).await.expect("connect");
            s.write_all(request).await.expect("write");
            let mut out = String::new();
            s.read_to_string(&mut out).await.expect("read");
            out
        };
        let out = ask(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\nok\n"), "{out}");
        let out = ask(b"GET /metrics HTTP/1.1\r\n\r\n").await;
        assert!(out.contains("vela_controller_ready 1\n"), "{out}");
        let out = ask(b"\x00\x01garbage\r\n\r\n").await;
        assert!(out.starts_with("HTTP/1.1 405 "), "{out}");
        let _ = stop.send(());
        server.await.expect("the server stops");
    }
}
