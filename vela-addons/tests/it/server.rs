//! A tiny static file server on loopback (std only): what a helm-repository registry is to
//! its clients, optionally behind basic auth.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

/// Serves the files of `root` on `127.0.0.1:<port>` until the process ends; `auth` is the
/// `Authorization` header value every request must carry (else 401).
pub struct Server {
    pub url: String,
}

impl Server {
    pub fn start(root: PathBuf, auth: Option<String>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                let mut authorized = auth.is_none();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                        && Some(v.trim()) == auth.as_deref()
                    {
                        authorized = true;
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let file = root.join(path.trim_start_matches('/'));
                let (status, body) = if !authorized {
                    ("401 Unauthorized", b"unauthorized".to_vec())
                } else if path.contains("..") {
                    ("400 Bad Request", Vec::new())
                } else {
                    match std::fs::read(&file) {
                        Ok(b) => ("200 OK", b),
                        Err(_) => ("404 Not Found", b"not found".to_vec()),
                    }
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { url }
    }
}
