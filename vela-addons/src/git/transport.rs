//! The transports a git registry is fetched over: git's smart HTTP protocol through the guarded
//! HTTP client (so a git registry obeys the same SSRF rules, size caps and timeouts as a helm
//! one), and the `git://` daemon protocol over a TCP connection to an address the guard allowed.
//!
//! gitoxide speaks the protocol; this module only moves its bytes.

use std::io::{BufRead, Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use gix_transport::client::blocking_io::http::{GetResponse, Http, PostBodyDataKind, PostResponse};

/// The HTTP half of gitoxide's transport, answered by [`vela_http::Client`].
///
/// A `POST` is sent when its response is first read: gitoxide writes the whole request body
/// first and drops the writer before it reads.
pub(crate) struct GuardedHttp {
    exchange: Arc<Exchanger>,
}

/// What a request needs: the client, a runtime to drive it on, the credentials.
pub(crate) struct Exchanger {
    client: vela_http::Client,
    runtime: tokio::runtime::Runtime,
    authorization: Option<String>,
    timeout: Duration,
}

impl Exchanger {
    /// An exchanger over `client`, sending `token` (if any) as the password of basic auth.
    pub(crate) fn new(
        client: vela_http::Client,
        token: Option<&str>,
        timeout: Duration,
    ) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let authorization = token.filter(|t| !t.is_empty()).map(|t| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{t}"))
            )
        });
        Ok(Exchanger {
            client,
            runtime,
            authorization,
            timeout,
        })
    }

    /// Sends one request and returns the response's header lines and body; an error status is an
    /// error naming the URL.
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: Vec<String>,
        body: Option<Vec<u8>>,
    ) -> std::io::Result<Exchanged> {
        let mut req = vela_http::Request {
            method: method.to_string(),
            url: url.to_string(),
            body_bytes: body,
            timeout: Some(self.timeout),
            ..vela_http::Request::default()
        };
        for h in headers {
            if let Some((name, value)) = h.split_once(':') {
                req.headers
                    .insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        if let Some(a) = &self.authorization {
            req.headers.insert("Authorization".into(), a.clone());
        }
        // the runtime is driven on a thread of its own: the caller may itself run inside one
        let response = std::thread::scope(|s| {
            s.spawn(|| self.runtime.block_on(self.client.send_binary(req)))
                .join()
                .map_err(|_| std::io::Error::other("the HTTP request panicked"))
        })?
        .map_err(|e| std::io::Error::other(format!("{method} {url}: {e}")))?;
        if !(200..300).contains(&response.status) {
            let hint = match response.status {
                401 | 403 => " (check the registry's token)",
                404 => " (no git repository there)",
                _ => "",
            };
            return Err(std::io::Error::other(format!(
                "{method} {url}: HTTP {}{hint}",
                response.status
            )));
        }
        let mut head = Vec::new();
        for (name, values) in &response.headers {
            for v in values {
                head.extend_from_slice(format!("{name}: {v}\n").as_bytes());
            }
        }
        Ok((head, response.body))
    }
}

impl GuardedHttp {
    pub(crate) fn new(exchange: Exchanger) -> Self {
        GuardedHttp {
            exchange: Arc::new(exchange),
        }
    }
}

/// A response's header lines and body.
type Exchanged = (Vec<u8>, Vec<u8>);

/// A `POST` waiting for its body, then its response.
pub(crate) struct Pending {
    exchange: Arc<Exchanger>,
    url: String,
    headers: Vec<String>,
    body: Vec<u8>,
    response: Option<std::result::Result<Exchanged, String>>,
}

impl Pending {
    /// The response, sending the request the first time.
    fn response(&mut self) -> std::io::Result<&Exchanged> {
        if self.response.is_none() {
            let body = std::mem::take(&mut self.body);
            let r = self
                .exchange
                .send("POST", &self.url, std::mem::take(&mut self.headers), Some(body))
                .map_err(|e| e.to_string());
            self.response = Some(r);
        }
        match self.response.as_ref() {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(std::io::Error::other(e.clone())),
            None => Err(std::io::Error::other("no response")),
        }
    }
}

/// The headers or the body of a response, ready or waiting for a `POST` to be sent.
pub(crate) enum Part {
    Ready(Cursor<Vec<u8>>),
    Waiting(Arc<Mutex<Pending>>, bool),
}

impl Part {
    fn ready(&mut self) -> std::io::Result<&mut Cursor<Vec<u8>>> {
        if let Part::Waiting(pending, headers) = self {
            let bytes = {
                let mut p = pending.lock().map_err(|_| std::io::Error::other("poisoned"))?;
                let (h, b) = p.response()?;
                if *headers { h.clone() } else { b.clone() }
            };
            *self = Part::Ready(Cursor::new(bytes));
        }
        match self {
            Part::Ready(c) => Ok(c),
            Part::Waiting(..) => Err(std::io::Error::other("response not ready")),
        }
    }
}

impl Read for Part {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.ready()?.read(buf)
    }
}

impl BufRead for Part {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.ready()?.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Part::Ready(c) = self {
            c.consume(amt);
        }
    }
}

/// The body of a `POST`, collected in memory (bounded by the protocol: wants, haves, done).
pub(crate) struct PostBody(Arc<Mutex<Pending>>);

impl Write for PostBody {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut p = self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        p.body.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn gix_err(e: std::io::Error) -> gix::Error {
    gix::Error::from_error(e)
}

fn header_lines(headers: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    headers.into_iter().map(|h| h.as_ref().to_string()).collect()
}

impl Http for GuardedHttp {
    type Headers = Part;
    type ResponseBody = Part;
    type PostBody = PostBody;

    fn get(
        &mut self,
        url: &str,
        _base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> gix::Result<GetResponse<Part, Part>> {
        let (head, body) = self
            .exchange
            .send("GET", url, header_lines(headers), None)
            .map_err(gix_err)?;
        Ok(GetResponse {
            headers: Part::Ready(Cursor::new(head)),
            body: Part::Ready(Cursor::new(body)),
        })
    }

    fn post(
        &mut self,
        url: &str,
        _base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
        _body: PostBodyDataKind,
    ) -> gix::Result<PostResponse<Part, Part, PostBody>> {
        let pending = Arc::new(Mutex::new(Pending {
            exchange: self.exchange.clone(),
            url: url.to_string(),
            headers: header_lines(headers),
            body: Vec::new(),
            response: None,
        }));
        Ok(PostResponse {
            post_body: PostBody(pending.clone()),
            headers: Part::Waiting(pending.clone(), true),
            body: Part::Waiting(pending, false),
        })
    }

    fn configure(&mut self, _config: &dyn std::any::Any) -> gix::Result<()> {
        Ok(())
    }
}

/// A TCP stream that fails once more than `left` bytes were read, with read and write
/// timeouts: a `git://` server cannot make a fetch unbounded.
pub(crate) struct Capped {
    stream: TcpStream,
    left: u64,
}

impl Capped {
    /// Connects to the first of `addrs` that answers within `timeout`.
    pub(crate) fn connect(
        addrs: &[SocketAddr],
        timeout: Duration,
        max_bytes: u64,
    ) -> std::io::Result<(Capped, TcpStream)> {
        let mut last = None;
        for a in addrs {
            match TcpStream::connect_timeout(a, timeout) {
                Ok(s) => {
                    s.set_read_timeout(Some(timeout))?;
                    s.set_write_timeout(Some(timeout))?;
                    let w = s.try_clone()?;
                    return Ok((
                        Capped {
                            stream: s,
                            left: max_bytes,
                        },
                        w,
                    ));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no address to connect to")))
    }
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stream.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other("the git server sent more than the registry's size limit")
        })?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_sent_only_when_its_response_is_read() {
        let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
        let mut http = GuardedHttp::new(Exchanger::new(client, Some("t"), Duration::from_secs(1)).unwrap());
        let PostResponse {
            mut post_body,
            mut headers,
            ..
        } = http
            .post(
                "http://127.0.0.1:9/x",
                "http://127.0.0.1:9",
                ["Content-Type: a"],
                PostBodyDataKind::Unbounded,
            )
            .unwrap();
        post_body.write_all(b"0000").unwrap();
        drop(post_body);
        // loopback is refused by the default guard: the error surfaces on the first read
        let err = headers.fill_buf().unwrap_err().to_string();
        assert!(err.contains("POST http://127.0.0.1:9/x"), "{err}");
    }

    #[test]
    fn the_token_is_the_basic_auth_password() {
        let client = vela_http::Client::new(vela_http::Config::default()).unwrap();
        let e = Exchanger::new(client, Some("s3cret"), Duration::from_secs(1)).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(e.authorization.unwrap().trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(decoded, b"x-access-token:s3cret");
    }

    #[test]
    fn a_capped_stream_stops_at_its_limit() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(&[7u8; 100]).unwrap();
        });
        let (mut c, _w) = Capped::connect(&[addr], Duration::from_secs(5), 10).unwrap();
        let mut buf = Vec::new();
        let err = c.read_to_end(&mut buf).unwrap_err();
        assert!(err.to_string().contains("size limit"), "{err}");
        t.join().unwrap();
    }
}
