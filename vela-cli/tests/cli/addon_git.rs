//! `vela addon registry add|update --type git`, `addon list` and `enable NAME` (a dependency
//! included) against a git repository served by `git daemon` on loopback, and one on the
//! local disk.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{State, run};

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
        .expect("the git program (needed to build the test repository)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An addon directory `<dir>/<name>` with one ConfigMap.
fn addon(dir: &Path, name: &str, deps: &str) {
    let d = dir.join(name);
    std::fs::create_dir_all(d.join("resources")).unwrap();
    std::fs::write(
        d.join("metadata.yaml"),
        format!("name: {name}\nversion: 1.0.0\ndescription: {name} from git\n{deps}"),
    )
    .unwrap();
    std::fs::write(
        d.join("resources/cm.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: vela-system}}\n"),
    )
    .unwrap();
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `git-daemon` (itself, so that killing it stops it) exporting `root` on loopback.
fn daemon(root: &Path) -> (Daemon, u16) {
    let exec = Command::new("git").arg("--exec-path").output().unwrap();
    let exec = PathBuf::from(String::from_utf8(exec.stdout).unwrap().trim());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(exec.join("git-daemon"))
        .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", root.display()))
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon");
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (Daemon(child), port);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("git daemon did not listen on {port}");
}

#[test]
fn git_registries_list_enable_with_dependencies_and_update() {
    let state = State::new("addon-git");
    let s = state.arg();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    addon(&work.join("addons"), "gitty", "dependencies: [{name: base}]\n");
    addon(&work.join("addons"), "base", "");
    addon(&work.join("more"), "other", "");
    git(&work, &["init", "-q"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "addons"]);
    git(tmp.path(), &["clone", "-q", "--bare", "work", "catalog.git"]);
    let (_daemon, port) = daemon(tmp.path());
    let url = format!("git://127.0.0.1:{port}/catalog.git");
    let add = |extra: &[&str]| {
        let mut args = vec![
            "addon",
            "registry",
            "add",
            "cat",
            "--type",
            "git",
            "--endpoint",
            &url,
            "--path",
            "addons",
            "--gitToken",
            "t0ken",
            &s,
        ];
        args.extend_from_slice(extra);
        run(&args, None, &[])
    };
    // loopback is refused unless allowed, and nothing is stored
    let refused = add(&[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("fail to add registry cat"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("127.0.0.1"), "{}", refused.stderr);
    let list = run(&["addon", "registry", "list", &s], None, &[]);
    assert_eq!(list.stdout.lines().count(), 1, "{}", list.stdout);
    let added = add(&["--allow-private-registry"]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(
        added.stdout,
        format!("Registry cat added: git {url} (2 addons)\n")
    );
    // the token is stored as KubeVela stores it, and hidden when shown
    let get = run(&["addon", "registry", "get", "cat", "-o", "json", &s], None, &[]);
    let shown: serde_json::Value = serde_json::from_str(&get.stdout).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({"name": "cat", "git": {"url": url, "path": "addons", "token": "********"}})
    );
    let addons = run(&["addon", "list", "--allow-private-registry", &s], None, &[]);
    assert_eq!(addons.code, 0, "{}", addons.stderr);
    let rows: Vec<Vec<&str>> = addons
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{}", addons.stdout);
    assert_eq!(rows[0][..2], ["base", "cat"]);
    assert_eq!(rows[1][..2], ["gitty", "cat"]);
    // enable by name: the dependency comes first, from the same registry
    let enable = run(
        &["addon", "enable", "gitty", "--allow-private-registry", &s],
        None,
        &[],
    );
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let base_at = enable.stdout.find("base").expect("base enabled");
    let gitty_at = enable.stdout.find("gitty").expect("gitty enabled");
    assert!(base_at < gitty_at, "{}", enable.stdout);
    let status = run(&["addon", "status", "base", &s], None, &[]);
    assert!(status.stdout.contains("registry: cat"), "{}", status.stdout);
    // update: a new path, the URL and token kept
    let update = run(
        &[
            "addon",
            "registry",
            "update",
            "cat",
            "--path",
            "more",
            "--allow-private-registry",
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(update.code, 0, "{}", update.stderr);
    assert_eq!(
        update.stdout,
        format!("Registry cat updated: git {url} (1 addons)\n")
    );
    let get = run(&["addon", "registry", "get", "cat", "-o", "json", &s], None, &[]);
    let shown: serde_json::Value = serde_json::from_str(&get.stdout).unwrap();
    assert_eq!(shown["git"]["path"], "more");
    assert_eq!(shown["git"]["token"], "********");
    let missing = run(
        &["addon", "registry", "update", "nope", "--path", "x", &s],
        None,
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("no addon registry named nope"),
        "{}",
        missing.stderr
    );
    // a repository on the local disk needs no network; a wrong path is named
    let bare = tmp.path().join("catalog.git");
    let local = run(
        &[
            "addon",
            "registry",
            "add",
            "disk",
            "--type",
            "git",
            "--endpoint",
            bare.to_str().unwrap(),
            "--path",
            "nope",
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(local.code, 1);
    assert!(
        local
            .stderr
            .contains("registry disk: path nope: no such directory"),
        "{}",
        local.stderr
    );
    // `-v` is `--version`, as in KubeVela
    let dry = run(
        &[
            "addon",
            "enable",
            "other",
            "-v",
            "9.9.9",
            "--dry-run",
            "--allow-private-registry",
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(dry.code, 1);
    assert!(
        dry.stderr.contains("version 9.9.9 was requested"),
        "{}",
        dry.stderr
    );
}
