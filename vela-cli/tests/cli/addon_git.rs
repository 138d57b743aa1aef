//! `vela addon registry add|update|delete --type git`, `addon list` and `enable NAME` (a
//! dependency included) against git repositories served on loopback by `git daemon` and by
//! `git http-backend` behind a token (`vela_test_support::git`), and one on the local disk.

use std::path::Path;

use serde_json::{Value, json};
use vela_multicluster::{Key, Objects as _};
use vela_test_support::git::{Daemon, http_backend, publish};

use super::{State, run};

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

/// The object `vela-system/<name>` of `kind` in the embedded state.
fn stored(state: &State, kind: &str, name: &str) -> Option<Value> {
    let db = vela_multicluster::embedded::Embedded::open(&state.0).unwrap();
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: "vela-system".into(),
        name: name.into(),
    };
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(db.get(&key))
        .unwrap()
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn git_registries_list_enable_with_dependencies_update_and_delete() {
    let state = State::new("addon-git");
    let s = state.arg();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    addon(&work.join("addons"), "gitty", "dependencies: [{name: base}]\n");
    addon(&work.join("addons"), "base", "");
    addon(&work.join("more"), "other", "");
    let bare = publish(&work, "catalog.git");
    let daemon = Daemon::start(tmp.path());
    let url = format!("git://127.0.0.1:{}/catalog.git", daemon.port);
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
    let get = run(&["addon", "registry", "get", "cat", "-o", "json", &s], None, &[]);
    assert_eq!(
        json_of(&get.stdout),
        json!({"name": "cat", "git": {"url": url, "path": "addons"}})
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
    // update: a new path, the URL kept
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
    assert_eq!(json_of(&get.stdout)["git"]["path"], "more");
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

#[test]
fn a_git_token_lives_in_a_secret_and_is_sent_over_http() {
    let state = State::new("addon-git-token");
    let s = state.arg();
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    addon(&work.join("addons"), "secretive", "");
    publish(&work, "catalog.git");
    let url = format!(
        "{}/catalog.git",
        http_backend(tmp.path().to_path_buf(), Some("t0ken"))
    );
    let add = |token: &str| {
        run(
            &[
                "addon",
                "registry",
                "add",
                "priv",
                "--type",
                "git",
                "--endpoint",
                &url,
                "--path",
                "addons",
                "--gitToken",
                token,
                "--allow-private-registry",
                &s,
            ],
            None,
            &[],
        )
    };
    let wrong = add("nope");
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("HTTP 401 (check the registry's token)"),
        "{}",
        wrong.stderr
    );
    let added = add("t0ken");
    assert_eq!(added.code, 0, "{}", added.stderr);
    // as KubeVela stores it: the ConfigMap names the Secret, the Secret holds the token
    let cm = stored(&state, "ConfigMap", "vela-addon-registry").expect("the registry ConfigMap");
    let registries = json_of(cm["data"]["registries"].as_str().unwrap());
    assert_eq!(
        registries["priv"]["git"],
        json!({"url": url, "path": "addons", "tokenSecretRef": "addon-registry-priv"})
    );
    let secret = stored(&state, "Secret", "addon-registry-priv").expect("the token's Secret");
    assert_eq!(secret["data"]["token"], "dDBrZW4=");
    let get = run(&["addon", "registry", "get", "priv", "-o", "json", &s], None, &[]);
    assert!(!get.stdout.contains("t0ken"), "{}", get.stdout);
    // the token is read back from the Secret to list and enable
    let addons = run(&["addon", "list", "--allow-private-registry", &s], None, &[]);
    assert_eq!(addons.code, 0, "{}", addons.stderr);
    assert!(addons.stdout.contains("secretive"), "{}", addons.stdout);
    let enable = run(
        &["addon", "enable", "secretive", "--allow-private-registry", &s],
        None,
        &[],
    );
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    // deleting the registry deletes its Secret
    let delete = run(&["addon", "registry", "delete", "priv", &s], None, &[]);
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert!(stored(&state, "Secret", "addon-registry-priv").is_none());
}
