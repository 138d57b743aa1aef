//! Git registries against real git servers on loopback (`vela_test_support::git`): a repository
//! on the local disk, `git daemon` (the `git://` protocol) and `git http-backend` behind a small
//! HTTP server (git's smart HTTP protocol), all built with the `git` program from the project's
//! test data.

use std::path::{Path, PathBuf};

use vela_addons::Addon;
use vela_addons::git::{GitRegistry, GitSource, Options};
use vela_test_support::git::{Daemon, git, http_backend};

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

#[test]
fn git_daemon_on_loopback_is_fetched_shallow() {
    let tmp = tempfile::tempdir().unwrap();
    repository(tmp.path());
    let daemon = Daemon::start(tmp.path());
    let port = daemon.port;
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
