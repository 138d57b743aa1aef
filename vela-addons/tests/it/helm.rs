//! Helm-repository registries read from a real HTTP server on loopback: the index, version
//! choice, digests, size caps, basic auth and the address guard.

use std::path::Path;

use sha2::Digest as _;
use vela_addons::helm::{Error, HelmRegistry, HelmSource, Options};

use crate::server::Server;

/// Packages `name` at each version into `repo` and writes an `index.yaml` listing them (with
/// their sha256 digests); `tamper` replaces the digest of that version.
fn repo(repo: &Path, addons: &[(&str, &[&str])], tamper: Option<&str>) {
    let mut index = String::from("apiVersion: v1\nentries:\n");
    for (name, versions) in addons {
        index.push_str(&format!("  {name}:\n"));
        for v in *versions {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("resources")).unwrap();
            std::fs::write(
                dir.path().join("metadata.yaml"),
                format!(
                    "name: {name}\nversion: {v}\ndescription: the {name} addon\nsystem: {{vela: '>=1.0.0'}}\n"
                ),
            )
            .unwrap();
            std::fs::write(
                dir.path().join("resources/cm.yaml"),
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{version: '{v}'}}\n"
                ),
            )
            .unwrap();
            let (file, bytes) = vela_addons::package(dir.path()).unwrap();
            std::fs::write(repo.join(&file), &bytes).unwrap();
            let digest: String = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let digest = if tamper == Some(*v) {
                "0".repeat(64)
            } else {
                digest
            };
            index.push_str(&format!(
                "  - name: {name}\n    version: {v}\n    description: the {name} addon\n    annotations: {{system.vela: '>=1.0.0'}}\n    digest: {digest}\n    urls: [{file}]\n"
            ));
        }
    }
    std::fs::write(repo.join("index.yaml"), index).unwrap();
}

fn local(url: &str) -> (HelmSource, Options) {
    (HelmSource::new(url), Options::default().allowing_private(true))
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_helm_registry_lists_its_addons_and_fetches_the_chosen_version() {
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[
            ("demo", &["1.0.0", "1.2.0", "2.0.0-rc.1"]),
            ("other", &["v0.1.0"]),
        ],
        None,
    );
    let server = Server::start(dir.path().to_path_buf(), None);
    let (source, options) = local(&server.url);
    let registry = HelmRegistry::new("mine", &source, &options).unwrap();
    block_on(async {
        let index = registry.index().await.unwrap();
        assert_eq!(index.entries.keys().collect::<Vec<_>>(), ["demo", "other"]);
        let versions: Vec<&str> = index
            .versions("demo")
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(versions, ["2.0.0-rc.1", "1.2.0", "1.0.0"]);
        // the highest release by default
        let latest = registry.fetch(&index, "demo", None).await.unwrap();
        assert_eq!(
            (
                latest.addon.meta.name.as_str(),
                latest.addon.meta.version.as_str()
            ),
            ("demo", "1.2.0")
        );
        assert_eq!(latest.url, format!("{}/demo-1.2.0.tgz", server.url));
        assert!(latest.addon.yaml_resources[0].text.contains("version: '1.2.0'"));
        // a requested version, a pre-release included
        let old = registry.fetch(&index, "demo", Some("1.0.0")).await.unwrap();
        assert_eq!(old.addon.meta.version, "1.0.0");
        let rc = registry.fetch(&index, "demo", Some("2.0.0-rc.1")).await.unwrap();
        assert_eq!(rc.version.version, "2.0.0-rc.1");
        let missing = registry.fetch(&index, "demo", Some("3.0.0")).await.unwrap_err();
        assert_eq!(
            missing.to_string(),
            "registry mine: addon demo has no version 3.0.0 (available: 2.0.0-rc.1, 1.2.0, 1.0.0)"
        );
        assert!(matches!(
            registry.fetch(&index, "nope", None).await,
            Err(Error::NotFound { .. })
        ));
    });
}

#[test]
fn a_digest_mismatch_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[("demo", &["1.0.0"])], Some("1.0.0"));
    let server = Server::start(dir.path().to_path_buf(), None);
    let (source, options) = local(&server.url);
    let registry = HelmRegistry::new("mine", &source, &options).unwrap();
    let err = block_on(async {
        let index = registry.index().await.unwrap();
        registry.fetch(&index, "demo", None).await.unwrap_err()
    });
    assert!(matches!(err, Error::Digest { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("registry mine: demo-1.0.0.tgz: sha256 digest is ")
            && msg.ends_with(&format!(", the index says {} (refused)", "0".repeat(64))),
        "{msg}"
    );
}

#[test]
fn an_oversized_package_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[("demo", &["1.0.0"])], None);
    let server = Server::start(dir.path().to_path_buf(), None);
    let (source, options) = local(&server.url);
    let registry = HelmRegistry::new("mine", &source, &options.with_max_package_bytes(64)).unwrap();
    let err = block_on(async {
        let index = registry.index().await.unwrap();
        registry.fetch(&index, "demo", None).await.unwrap_err()
    });
    assert_eq!(
        err.to_string(),
        format!(
            "registry mine: download {u}/demo-1.0.0.tgz: response from {u}/demo-1.0.0.tgz is larger than 64 bytes",
            u = server.url
        )
    );
}

#[test]
fn basic_auth_is_sent_when_the_registry_has_credentials() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[("demo", &["1.0.0"])], None);
    // "Basic base64(admin:s3cret)"
    let server = Server::start(dir.path().to_path_buf(), Some("Basic YWRtaW46czNjcmV0".into()));
    let (source, options) = local(&server.url);
    let anonymous = HelmRegistry::new("mine", &source, &options).unwrap();
    let err = block_on(anonymous.index()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "registry mine: fetch the index {}/index.yaml: HTTP 401: check the registry's username and password",
            server.url
        )
    );
    let with = HelmRegistry::new("mine", &source.with_basic_auth("admin", "s3cret"), &options).unwrap();
    let fetched = block_on(async {
        let index = with.index().await.unwrap();
        with.fetch(&index, "demo", None).await.unwrap()
    });
    assert_eq!(fetched.addon.meta.name, "demo");
}

#[test]
fn a_private_address_is_refused_without_the_allow() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[("demo", &["1.0.0"])], None);
    let server = Server::start(dir.path().to_path_buf(), None);
    let registry = HelmRegistry::new("mine", &HelmSource::new(&server.url), &Options::default()).unwrap();
    let err = block_on(registry.index()).unwrap_err();
    assert!(
        matches!(&err, Error::Fetch { source, .. }
            if matches!(**source, vela_http::Error::Blocked { why: "loopback", .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("loopback addresses are blocked unless allow-listed"),
        "{err}"
    );
    // the allow covers the registry's own host only: a package elsewhere on loopback is refused
    let index = std::fs::read_to_string(dir.path().join("index.yaml"))
        .unwrap()
        .replace("urls: [demo", "urls: [http://127.0.0.2:1/demo");
    std::fs::write(dir.path().join("index.yaml"), index).unwrap();
    let (source, options) = local(&server.url);
    let allowed = HelmRegistry::new("mine", &source, &options).unwrap();
    let err = block_on(async {
        let index = allowed.index().await.unwrap();
        allowed.fetch(&index, "demo", None).await.unwrap_err()
    });
    assert!(
        matches!(&err, Error::Fetch { source, step: "download", .. }
            if matches!(**source, vela_http::Error::Blocked { .. })),
        "{err}"
    );
}
