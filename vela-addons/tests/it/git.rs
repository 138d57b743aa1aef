//! Git registries against real git servers on loopback: a repository on the local disk, `git
//! daemon` (the `git://` protocol) and `git http-backend` behind a small HTTP server (git's
//! smart HTTP protocol), all built with the `git` program from the project's test data.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use vela_addons::Addon;
use vela_addons::git::{GitRegistry, GitSource, Options};

fn git(dir: &Path, args: &[&str]) {
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
        .expect("the git program (needed to build the test repositories)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A repository `<root>/catalog.git` (bare, for the servers) cloned from a work tree with
/// `addons/full`, `addons/legacy`, an addon whose `metadata.yaml` lacks its version, a
/// directory that is no addon, and a symbolic link out of an addon.
fn repository(root: &Path) -> PathBuf {
    let work = root.join("work");
    copy_dir(&data("full"), &work.join("addons/full"));
    copy_dir(&data("legacy"), &work.join("addons/legacy"));
    std::fs::create_dir_all(work.join("addons/broken")).unwrap();
    std::fs::write(work.join("addons/broken/metadata.yaml"), "name: broken\n").unwrap();
    std::fs::create_dir_all(work.join("addons/docs")).unwrap();
    std::fs::write(work.join("addons/docs/index.md"), "not an addon\n").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", work.join("addons/legacy/resources/passwd.yaml")).unwrap();
    std::fs::write(work.join("README.md"), "a registry\n").unwrap();
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "addons"]);
    git(root, &["clone", "-q", "--bare", "work", "catalog.git"]);
    root.join("catalog.git")
}

fn check(snapshot: &vela_addons::git::Snapshot) {
    let names: Vec<&str> = snapshot.addons.keys().map(String::as_str).collect();
    assert_eq!(names, ["full", "legacy"]);
    assert_eq!(snapshot.addons["full"], Addon::load(&data("full")).unwrap());
    // the symbolic link was not followed: the addon is the one on disk, without it
    assert_eq!(snapshot.addons["legacy"], Addon::load(&data("legacy")).unwrap());
    assert_eq!(snapshot.skipped.len(), 1, "{:?}", snapshot.skipped);
    assert_eq!(snapshot.skipped[0].0, "broken");
    assert!(
        snapshot.skipped[0].1.to_string().contains("version"),
        "{}",
        snapshot.skipped[0].1
    );
    assert_eq!(snapshot.commit.len(), 40);
}

#[test]
fn a_repository_on_the_local_disk_is_read_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = repository(tmp.path());
    for url in [bare.display().to_string(), format!("file://{}", bare.display())] {
        let source = GitSource::new(&url).with_path("addons/");
        let snapshot = GitRegistry::new("disk", &source, &Options::default())
            .unwrap()
            .snapshot()
            .unwrap();
        check(&snapshot);
    }
    // the work tree (not bare) reads the same; a path that is not there is named
    let source = GitSource::new(&tmp.path().join("work").display().to_string()).with_path("nope");
    let err = GitRegistry::new("disk", &source, &Options::default())
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "registry disk: path nope: no such directory in the repository"
    );
    let source = GitSource::new(&tmp.path().join("missing").display().to_string());
    let err = GitRegistry::new("disk", &source, &Options::default())
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(err.to_string().starts_with("registry disk: fetch "), "{err}");
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn exec_path() -> PathBuf {
    let out = Command::new("git").arg("--exec-path").output().unwrap();
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

#[test]
fn git_daemon_on_loopback_is_fetched_shallow() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let port = free_port();
    let daemon = Daemon(
        // git-daemon itself (not `git daemon`, which would leave it running when killed)
        Command::new(exec_path().join("git-daemon"))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", tmp.path().display()))
            .arg(tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon"),
    );
    wait_for(port);
    let source = GitSource::new(&format!("git://127.0.0.1:{port}/catalog.git")).with_path("addons");
    // loopback is private: refused by default, allowed with allow_private
    let err = GitRegistry::new("d", &source, &Options::default())
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    let allowed = Options::default().allowing_private(true);
    check(
        &GitRegistry::new("d", &source, &allowed)
            .unwrap()
            .snapshot()
            .unwrap(),
    );
    // a fetch bigger than the cap fails instead of filling the disk
    let mut tiny = allowed.clone();
    tiny.max_fetch_bytes = 512;
    let err = GitRegistry::new("d", &source, &tiny)
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(err.to_string().contains("size limit"), "{err}");
    drop(daemon);
}

/// `git http-backend` behind a one-request-per-connection HTTP/1.1 server; with `token`, a
/// request without basic auth whose password is the token gets 401.
fn http_backend(root: PathBuf, token: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
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
    use base64::Engine as _;
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
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
    reader.read_exact(&mut body).unwrap();
    if let Some(t) = token {
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{t}"))
        );
        if header("authorization").as_deref() != Some(want.as_str()) {
            let _ = stream
                .write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
    }
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git")
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
        .unwrap();
    cgi.stdin.take().unwrap().write_all(&body).unwrap();
    let out = cgi.wait_with_output().unwrap().stdout;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    let split = split.or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (at, sep) = split.expect("CGI headers");
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

#[test]
fn smart_http_on_loopback_goes_through_the_guarded_client_with_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let url = http_backend(tmp.path().to_path_buf(), Some("s3cret"));
    let source = GitSource::new(&format!("{url}/catalog.git"))
        .with_path("addons")
        .with_token("s3cret");
    let err = GitRegistry::new("h", &source, &Options::default())
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(
        err.to_string().contains("127.0.0.1"),
        "refused by the guard: {err}"
    );
    let allowed = Options::default().allowing_private(true);
    check(
        &GitRegistry::new("h", &source, &allowed)
            .unwrap()
            .snapshot()
            .unwrap(),
    );
    // a wrong token is a clear error
    let wrong = source.clone().with_token("nope");
    let err = GitRegistry::new("h", &wrong, &allowed)
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(
        err.to_string().contains("HTTP 401 (check the registry's token)"),
        "{err}"
    );
    // a repository that is not there
    let missing = GitSource::new(&format!("{url}/missing.git")).with_token("s3cret");
    let err = GitRegistry::new("h", &missing, &allowed)
        .unwrap()
        .snapshot()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("registry h: fetch {url}/missing.git: ")),
        "{err}"
    );
}
