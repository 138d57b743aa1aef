//! A small SMTP client for the email notification: EHLO, AUTH PLAIN, MAIL, RCPT, DATA.
//!
//! The connection goes through the HTTP client's address guard. When the server offers STARTTLS
//! the session is upgraded (feature `tls`; the certificate is verified against the system roots
//! and the client's extra roots). A password is never sent in clear, except to a loopback server.
//!
//! Why not an SMTP crate such as lettre: the SSRF guard must check the address a name resolves to
//! and then connect to exactly that address (no second lookup that a hostile DNS server could
//! answer differently), so the connection has to be ours; what is left on top of it is four
//! commands and STARTTLS, small enough to keep here.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::http;

/// Sending an email failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server address is refused or does not resolve.
    #[error("email server refused")]
    Address(#[source] http::Error),
    /// Network failure.
    #[error("talking to the email server failed")]
    Io(#[source] std::io::Error),
    /// The server answered with an error.
    #[error("email server answered {code} to {command}: {text}")]
    Reply {
        /// The command.
        command: String,
        /// Reply code.
        code: u16,
        /// Reply text.
        text: String,
    },
    /// The exchange cannot be done securely.
    #[error("{0}")]
    Insecure(String),
    /// The server did not answer in time.
    #[error("email server timed out")]
    Timeout,
}

/// An email.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// Sender address.
    pub from: String,
    /// Sender display name.
    pub alias: Option<String>,
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// HTML body.
    pub body: String,
}

/// Where and how to send.
#[derive(Clone, Debug, Default)]
pub struct Server {
    /// Host name or address.
    pub host: String,
    /// Port (KubeVela's default is 587).
    pub port: u16,
    /// User name for AUTH (KubeVela uses the sender address).
    pub username: String,
    /// Password; empty means no AUTH.
    pub password: String,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Conn {
    s: BufReader<Box<dyn Io>>,
}

impl Conn {
    async fn reply(&mut self, command: &str) -> Result<(u16, Vec<String>), Error> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if self.s.read_line(&mut line).await.map_err(Error::Io)? == 0 {
                return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            let line = line.trim_end().to_owned();
            let code: u16 = line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| Error::Reply {
                    command: command.to_owned(),
                    code: 0,
                    text: format!("malformed reply {line:?}"),
                })?;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_owned());
            if last {
                if code >= 400 {
                    return Err(Error::Reply {
                        command: command.to_owned(),
                        code,
                        text: lines.join(" "),
                    });
                }
                return Ok((code, lines));
            }
        }
    }

    async fn cmd(&mut self, line: &str, shown: &str) -> Result<(u16, Vec<String>), Error> {
        self.s
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(Error::Io)?;
        self.reply(shown).await
    }
}

fn encode_header(s: &str) -> String {
    if s.is_ascii() {
        s.to_owned()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    }
}

/// The message as sent in DATA (CRLF lines, base64 HTML body).
#[must_use]
pub fn format_message(msg: &Message) -> String {
    let from = match &msg.alias {
        Some(a) if !a.is_empty() => format!("{} <{}>", encode_header(a), msg.from),
        _ => msg.from.clone(),
    };
    let body = base64::engine::general_purpose::STANDARD.encode(msg.body.as_bytes());
    let mut out = format!(
        "From: {from}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        msg.to.join(", "),
        encode_header(&msg.subject)
    );
    for chunk in body.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// Sends `msg` through `server`, connecting only where `guard` allows.
///
/// # Errors
/// See [`Error`].
pub async fn send(
    guard: &http::Client,
    server: &Server,
    msg: &Message,
    timeout: Duration,
) -> Result<(), Error> {
    tokio::time::timeout(timeout, send_inner(guard, server, msg))
        .await
        .map_err(|_| Error::Timeout)?
}

async fn send_inner(guard: &http::Client, server: &Server, msg: &Message) -> Result<(), Error> {
    let addrs = guard
        .resolve_allowed(&server.host, server.port)
        .await
        .map_err(Error::Address)?;
    let stream = TcpStream::connect(&addrs[..]).await.map_err(Error::Io)?;
    let peer_loopback = stream.peer_addr().map(|a| a.ip().is_loopback()).unwrap_or(false);
    let mut c = Conn {
        s: BufReader::new(Box::new(stream)),
    };
    c.reply("connect").await?;
    let (_, caps) = c.cmd("EHLO vela-workflow", "EHLO").await?;
    let has = |cap: &str| caps.iter().any(|l| l.to_ascii_uppercase().starts_with(cap));
    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    let mut secure = false;
    if has("STARTTLS") {
        #[cfg(feature = "tls")]
        {
            c.cmd("STARTTLS", "STARTTLS").await?;
            let plain = c.s.into_inner();
            let tls = tls_connect(plain, &server.host, guard.extra_root_certificates()).await?;
            c = Conn {
                s: BufReader::new(Box::new(tls)),
            };
            c.cmd("EHLO vela-workflow", "EHLO").await?;
            secure = true;
        }
    }
    if !server.password.is_empty() {
        if !secure && !peer_loopback {
            return Err(Error::Insecure(format!(
                "refusing to send the password for {} to {} without TLS (the server offers no STARTTLS, or this build lacks the tls feature)",
                server.username, server.host
            )));
        }
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("\0{}\0{}", server.username, server.password));
        c.cmd(&format!("AUTH PLAIN {token}"), "AUTH PLAIN").await?;
    }
    c.cmd(&format!("MAIL FROM:<{}>", msg.from), "MAIL FROM").await?;
    for to in &msg.to {
        c.cmd(&format!("RCPT TO:<{to}>"), "RCPT TO").await?;
    }
    c.cmd("DATA", "DATA").await?;
    c.s.get_mut()
        .write_all(format_message(msg).as_bytes())
        .await
        .map_err(Error::Io)?;
    c.cmd(".", "end of DATA").await?;
    let _ = c.cmd("QUIT", "QUIT").await;
    Ok(())
}

#[cfg(feature = "tls")]
async fn tls_connect(
    plain: Box<dyn Io>,
    host: &str,
    extra_roots: &[String],
) -> Result<tokio_rustls::client::TlsStream<Box<dyn Io>>, Error> {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};

    let insecure = |m: String| Error::Insecure(m);
    let mut roots = Vec::new();
    for pem in extra_roots {
        roots.push(
            CertificateDer::from_pem_slice(pem.as_bytes())
                .map_err(|e| insecure(format!("extra root certificate: {e}")))?,
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
        .map_err(|e| insecure(format!("certificate verifier: {e}")))?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| insecure(format!("TLS versions: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name =
        ServerName::try_from(host.to_owned()).map_err(|e| insecure(format!("server name {host:?}: {e}")))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, plain)
        .await
        .map_err(Error::Io)
}
