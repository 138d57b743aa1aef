//! `vela addon push` to a registry that takes uploads as ChartMuseum does, served on loopback:
//! the pushed addon is listed and enabled from it; a second push of the same version is refused
//! unless `--force`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use super::{State, run};

/// The `index.yaml` of the packages in `root` (`<name>-<version>.tgz`).
fn index(root: &Path) -> String {
    let mut entries: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for e in std::fs::read_dir(root).unwrap().flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".tgz") else {
            continue;
        };
        let (name, version) = stem.rsplit_once('-').unwrap();
        entries
            .entry(name.to_owned())
            .or_default()
            .push((version.to_owned(), file));
    }
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for (name, versions) in entries {
        out += &format!("  {name}:\n");
        for (version, file) in versions {
            out += &format!("  - name: {name}\n    version: {version}\n    urls: [{file}]\n");
        }
    }
    out
}

/// A ChartMuseum stand-in on loopback: `GET` of files and of a generated `index.yaml`, and
/// `POST /api/charts[?force=true]` of a multipart form whose `chart` part is the package.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = first.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
            let (status, reply): (&str, Vec<u8>) = match (method, path) {
                ("GET", "/index.yaml") => ("200 OK", index(&root).into_bytes()),
                ("GET", p) if !p.contains("..") => {
                    match std::fs::read(root.join(p.trim_start_matches('/'))) {
                        Ok(b) => ("200 OK", b),
                        Err(_) => ("404 Not Found", Vec::new()),
                    }
                }
                ("POST", p) if p.starts_with("/api/charts") => {
                    let text = String::from_utf8_lossy(&body).into_owned();
                    let file = text
                        .split("filename=\"")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .unwrap_or_default()
                        .to_owned();
                    let start = body.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
                    let end = body.windows(4).rposition(|w| w == b"\r\n--");
                    match (start, end) {
                        (Some(s), Some(e)) if !file.is_empty() && e > s => {
                            let target = root.join(&file);
                            if target.exists() && !p.contains("force=true") {
                                ("409 Conflict", b"{\"error\":\"file already exists\"}".to_vec())
                            } else {
                                std::fs::write(target, &body[s..e]).unwrap();
                                ("201 Created", b"{\"saved\":true}".to_vec())
                            }
                        }
                        _ => ("400 Bad Request", Vec::new()),
                    }
                }
                _ => ("405 Method Not Allowed", Vec::new()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply);
        }
    });
    url
}

#[test]
fn a_pushed_addon_is_listed_and_enabled_from_the_registry() {
    let state = State::new("addon-push");
    let s = state.arg();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let url = serve(repo.clone());
    let allow = "--allow-private-registry";
    let added = run(
        &[
            "addon",
            "registry",
            "add",
            "museum",
            "--type",
            "helm",
            "--endpoint",
            &url,
            allow,
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);

    let dir = work.path().join("pushy");
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    std::fs::write(
        dir.join("metadata.yaml"),
        "name: pushy\nversion: 0.2.0\ndescription: pushed\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("resources/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pushy, namespace: vela-system}\ndata: {k: v}\n",
    )
    .unwrap();
    let pushed = run(
        &["addon", "push", dir.to_str().unwrap(), "museum", allow, &s],
        None,
        &[],
    );
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);
    assert!(
        pushed.stdout.starts_with("Pushed pushy-0.2.0.tgz ("),
        "{}",
        pushed.stdout
    );
    assert!(
        pushed.stdout.ends_with(" bytes) to registry museum\n"),
        "{}",
        pushed.stdout
    );
    assert!(repo.join("pushy-0.2.0.tgz").exists());

    let again = run(
        &["addon", "push", dir.to_str().unwrap(), "museum", allow, &s],
        None,
        &[],
    );
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .contains("registry museum: pushy-0.2.0.tgz is there already (push with --force to replace it)"),
        "{}",
        again.stderr
    );
    let forced = run(
        &[
            "addon",
            "push",
            dir.to_str().unwrap(),
            "museum",
            "--force",
            allow,
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);

    let list = run(&["addon", "list", allow, &s], None, &[]);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("pushy") && l.contains("[0.2.0]")),
        "{}",
        list.stdout
    );
    let enabled = run(&["addon", "enable", "pushy", allow, &s], None, &[]);
    assert_eq!(enabled.code, 0, "{}", enabled.stderr);

    // only helm registries take pushes, and the registry must exist
    let missing = run(
        &["addon", "push", dir.to_str().unwrap(), "nowhere", &s],
        None,
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no addon registry \"nowhere\""),
        "{}",
        missing.stderr
    );
}
