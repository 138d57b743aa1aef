//! Real git servers on loopback for tests of git addon registries, built on the `git` program:
//! [`git`] runs it in a directory, [`Daemon`] is `git daemon` (the `git://` protocol), and
//! [`http_backend`] serves `git http-backend` (git's smart HTTP protocol) behind an optional
//! token.
//!
//! ```no_run
//! let root = std::path::Path::new("/tmp/repos");
//! vela_test_support::git::git(root, &["init", "-q", "--bare", "catalog.git"]);
//! let daemon = vela_test_support::git::Daemon::start(root);
//! println!("git://127.0.0.1:{}/catalog.git", daemon.port);
//! let url = vela_test_support::git::http_backend(root.to_path_buf(), Some("t0ken"));
//! println!("{url}/catalog.git");
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Runs `git ARGS` in `dir` (author `t`, default branch `main`); panics with git's message.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the git program (needed to build test repositories)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Commits everything under `work` (a new repository) and clones it bare as `<parent>/<name>`.
pub fn publish(work: &Path, name: &str) -> PathBuf {
    git(work, &["init", "-q"]);
    git(work, &["add", "-A"]);
    git(work, &["commit", "-q", "-m", "addons"]);
    let parent = work.parent().expect("a work tree inside a directory");
    let dir = work.file_name().and_then(|n| n.to_str()).unwrap_or("work");
    git(parent, &["clone", "-q", "--bare", dir, name]);
    parent.join(name)
}

/// `git daemon` exporting every repository under a directory on `127.0.0.1:<port>`, stopped
/// when dropped.
pub struct Daemon {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Daemon {
    /// Starts it over `root` and waits until it accepts connections.
    pub fn start(root: &Path) -> Daemon {
        let exec = Command::new("git").arg("--exec-path").output().expect("git");
        let exec = PathBuf::from(String::from_utf8_lossy(&exec.stdout).trim());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // git-daemon itself: `git daemon` would leave it running when killed
        let child = Command::new(exec.join("git-daemon"))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", root.display()))
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon");
        let daemon = Daemon { child, port };
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return daemon;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("git daemon did not listen on 127.0.0.1:{port}");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `Authorization` header a git client sends for `token` (basic auth, user
/// `x-access-token`).
pub fn token_header(token: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let raw = format!("x-access-token:{token}");
    let mut out = String::new();
    for chunk in raw.as_bytes().chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// Serves the repositories under `root` with `git http-backend` on `http://127.0.0.1:<port>`
/// (one request per connection) until the process ends; with `token`, a request without the
/// matching basic auth gets 401. Returns the URL.
pub fn http_backend(root: PathBuf, token: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let root = root.clone();
            std::thread::spawn(move || serve(stream, &root, token));
        }
    });
    url
}

fn serve(mut stream: TcpStream, root: &Path, token: Option<&str>) {
    let Ok(read) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let len: usize = header("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    if let Some(t) = token
        && header("authorization") != Some(token_header(t))
    {
        let _ =
            stream.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let Ok(mut cgi) = Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", len.to_string())
        .env("HTTP_GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return;
    };
    if let Some(mut stdin) = cgi.stdin.take() {
        let _ = stdin.write_all(&body);
    }
    let Ok(out) = cgi.wait_with_output() else { return };
    let out = out.stdout;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((at, sep)) = split else { return };
    let head = String::from_utf8_lossy(&out[..at]).to_string();
    let payload = &out[at + sep..];
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some(_) => response.push_str(&format!("{line}\r\n")),
            None => {}
        }
    }
    let _ = stream.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
            payload.len()
        )
        .as_bytes(),
    );
    let _ = stream.write_all(payload);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_token_header_is_basic_auth_of_x_access_token() {
        // printf 'x-access-token:s3cret' | base64
        assert_eq!(
            super::token_header("s3cret"),
            "Basic eC1hY2Nlc3MtdG9rZW46czNjcmV0"
        );
        assert_eq!(super::token_header("ab"), "Basic eC1hY2Nlc3MtdG9rZW46YWI=");
    }
}
