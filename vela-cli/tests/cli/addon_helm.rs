//! `vela addon registry add --type helm`, `addon list`, `enable --version` and `upgrade` (with
//! dependencies of dependencies) against a helm-style registry served by a real HTTP server on
//! loopback (behind basic auth).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use super::{State, run};

/// Serves `root` on loopback, every request needing `auth` as its `Authorization` header.
fn serve(root: PathBuf, auth: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    authorized |= k.eq_ignore_ascii_case("authorization") && v.trim() == auth;
                }
            }
            let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = match std::fs::read(root.join(path.trim_start_matches('/'))) {
                _ if !authorized => ("401 Unauthorized", Vec::new()),
                _ if path.contains("..") => ("400 Bad Request", Vec::new()),
                Ok(b) => ("200 OK", b),
                Err(_) => ("404 Not Found", Vec::new()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

/// Writes an addon directory, packages it into `repo` with `vela addon package` and returns
/// its index entry.
fn publish(work: &Path, repo: &Path, name: &str, version: &str, deps: &str) -> String {
    let dir = work.join(format!("{name}-{version}"));
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    std::fs::write(
        dir.join("metadata.yaml"),
        format!("name: {name}\nversion: {version}\ndescription: {name} from helm\n{deps}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("resources/cm.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: vela-system}}\ndata: {{version: '{version}'}}\n"),
    )
    .unwrap();
    let out = run(
        &[
            "addon",
            "package",
            dir.to_str().unwrap(),
            "-o",
            repo.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = format!("{name}-{version}.tgz");
    let bytes = std::fs::read(repo.join(&file)).unwrap();
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "  - name: {name}\n    version: {version}\n    description: {name} from helm\n    digest: {digest}\n    urls: [{file}]\n"
    )
}

#[test]
fn helm_registries_list_enable_and_upgrade_versions() {
    let state = State::new("addon-helm");
    let s = state.arg();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let mut index = String::from("apiVersion: v1\nentries:\n  helmy:\n");
    index += &publish(work.path(), &repo, "helmy", "1.0.0", "");
    index += &publish(
        work.path(),
        &repo,
        "helmy",
        "1.1.0",
        "dependencies: [{name: base, version: '>=0.1.0'}]\n",
    );
    index += "  base:\n";
    // base depends on root: a helm index does not say so, its package does
    index += &publish(
        work.path(),
        &repo,
        "base",
        "0.1.0",
        "dependencies: [{name: root}]\n",
    );
    index += "  root:\n";
    index += &publish(work.path(), &repo, "root", "1.0.0", "");
    std::fs::write(repo.join("index.yaml"), index).unwrap();
    // "Basic base64(ops:hunter2)"
    let url = serve(repo.clone(), "Basic b3BzOmh1bnRlcjI=");
    let add = |extra: &[&str]| {
        let mut args = vec![
            "addon",
            "registry",
            "add",
            "hub",
            "--type",
            "helm",
            "--endpoint",
            &url,
            &s,
        ];
        args.extend_from_slice(extra);
        run(&args, None, &[])
    };
    // loopback is refused unless allowed; then the credentials are needed
    let refused = add(&[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("fail to add registry hub"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("loopback addresses are blocked unless allow-listed"),
        "{}",
        refused.stderr
    );
    let anonymous = add(&["--allow-private-registry"]);
    assert_eq!(anonymous.code, 1);
    assert!(anonymous.stderr.contains("HTTP 401"), "{}", anonymous.stderr);
    let added = add(&[
        "--allow-private-registry",
        "--username",
        "ops",
        "--password",
        "hunter2",
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(
        added.stdout,
        format!("Registry hub added: helm {url} (3 addons)\n")
    );
    let get = run(&["addon", "registry", "get", "hub", "-o", "json", &s], None, &[]);
    assert!(
        get.stdout.contains("\"password\": \"********\""),
        "{}",
        get.stdout
    );
    assert!(!get.stdout.contains("hunter2"), "{}", get.stdout);

    let allow = "--allow-private-registry";
    let list = run(&["addon", "list", allow, &s], None, &[]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let helmy = list
        .stdout
        .lines()
        .find(|l| l.starts_with("helmy"))
        .unwrap_or_default();
    let cols: Vec<&str> = helmy
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cols,
        ["helmy", "hub", "helmy from helm", "[1.1.0, 1.0.0]", "disabled"],
        "{}",
        list.stdout
    );
    // without the allow the registry is skipped with the guard's reason
    let blocked = run(&["addon", "enable", "helmy", &s], None, &[]);
    assert_eq!(blocked.code, 1);
    assert!(
        blocked.stderr.contains("blocked unless allow-listed"),
        "{}",
        blocked.stderr
    );
    assert!(
        blocked.stderr.contains("not in the registries hub"),
        "{}",
        blocked.stderr
    );

    let enable = run(
        &["addon", "enable", "helmy", "--version", "1.0.0", allow, &s],
        None,
        &[],
    );
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    assert!(
        enable.stderr.contains(&format!(
            "Fetched addon helmy 1.0.0 from registry hub ({url}/helmy-1.0.0.tgz)"
        )),
        "{}",
        enable.stderr
    );
    let status = run(&["addon", "status", "helmy", &s], None, &[]);
    assert_eq!(
        status.stdout,
        "addon helmy status is enabled\ninstalledVersion: 1.0.0\nregistry: hub\n"
    );
    let missing = run(
        &["addon", "enable", "helmy", "--version", "9.0.0", allow, &s],
        None,
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("registry hub: addon helmy has no version 9.0.0 (available: 1.1.0, 1.0.0)"),
        "{}",
        missing.stderr
    );
    // upgrade to the highest version, enabling its new dependency first
    let upgrade = run(&["addon", "upgrade", "helmy", allow, &s], None, &[]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    let enabled: Vec<&str> = upgrade
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Addon "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(enabled, ["root", "base", "helmy"], "{}", upgrade.stdout);
    let status = run(&["addon", "status", "helmy", &s], None, &[]);
    assert!(
        status.stdout.contains("installedVersion: 1.1.0\nregistry: hub\n"),
        "{}",
        status.stdout
    );
    let list = run(&["addon", "list", allow, &s], None, &[]);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("base") && l.ends_with("enabled (0.1.0)")),
        "{}",
        list.stdout
    );
    // a package whose bytes are not what the index says is refused, naming the file
    let index = std::fs::read_to_string(repo.join("index.yaml")).unwrap();
    let entry = index.find("version: 1.0.0").unwrap();
    let digest = entry + index[entry..].find("digest: ").unwrap() + "digest: ".len();
    let tampered = format!("{}{}{}", &index[..digest], "0".repeat(64), &index[digest + 64..]);
    std::fs::write(repo.join("index.yaml"), tampered).unwrap();
    let refused = run(
        &["addon", "upgrade", "helmy", "--version", "1.0.0", allow, &s],
        None,
        &[],
    );
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("registry hub: helmy-1.0.0.tgz: sha256 digest is ")
            && refused.stderr.contains("(refused)"),
        "{}",
        refused.stderr
    );
}

#[test]
fn the_first_registry_wins_unless_it_lacks_the_requested_version() {
    let state = State::new("addon-helm-order");
    let s = state.arg();
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    let local = work.path().join("local");
    std::fs::create_dir_all(&repo).unwrap();
    let mut index = String::from("apiVersion: v1\nentries:\n  helmy:\n");
    index += &publish(work.path(), &repo, "helmy", "1.0.0", "");
    std::fs::write(repo.join("index.yaml"), index).unwrap();
    // a local registry, added first, holds helmy 0.9.0
    std::fs::create_dir_all(local.join("helmy")).unwrap();
    std::fs::write(local.join("helmy/metadata.yaml"), "name: helmy\nversion: 0.9.0\n").unwrap();
    let url = serve(repo, "Basic b3BzOmh1bnRlcjI=");
    let allow = "--allow-private-registry";
    let l = local.to_str().unwrap();
    let add = run(&["addon", "registry", "add", "mine", "--path", l, &s], None, &[]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let add = run(
        &[
            "addon",
            "registry",
            "add",
            "hub",
            "--type",
            "helm",
            "--endpoint",
            &url,
            "--username",
            "ops",
            "--password",
            "hunter2",
            allow,
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    let first = run(&["addon", "enable", "helmy", "--dry-run", allow, &s], None, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains("addons.oam.dev/version: 0.9.0"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("addons.oam.dev/registry: local"),
        "{}",
        first.stdout
    );
    let asked = run(
        &[
            "addon",
            "enable",
            "helmy",
            "--version",
            "1.0.0",
            "--dry-run",
            allow,
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    assert!(
        asked.stdout.contains("addons.oam.dev/version: 1.0.0"),
        "{}",
        asked.stdout
    );
    assert!(
        asked.stdout.contains("addons.oam.dev/registry: hub"),
        "{}",
        asked.stdout
    );
    let list = run(&["addon", "list", allow, &s], None, &[]);
    let helmy = list
        .stdout
        .lines()
        .find(|l| l.starts_with("helmy"))
        .unwrap_or_default();
    assert!(
        helmy.contains(" local ") && helmy.contains("[0.9.0]"),
        "{}",
        list.stdout
    );
}
