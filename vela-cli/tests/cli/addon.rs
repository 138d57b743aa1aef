//! `vela addon enable|disable|list|status` on the embedded hub.

use std::path::PathBuf;

use super::{State, run};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vela-addons/tests/data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn dry_run_prints_the_application_and_the_objects() {
    let out = run(
        &[
            "addon",
            "enable",
            &data("legacy"),
            "--dry-run",
            "image=httpd",
            "--clusters",
            "{east}",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // KubeVela's CLI names the directory on the first line, then prints the documents
    let first = format!("enabling addon by local dir: {} \n", data("legacy"));
    assert!(
        out.stdout.starts_with(&format!(
            "{first}apiVersion: core.oam.dev/v1beta1\nkind: Application\n"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("  name: addon-legacy\n  namespace: vela-system\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("    properties:\n      image: httpd\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  - name: deploy-addon-to-specified-clusters\n    properties:\n      clusters:\n      - east\n      - local\n"), "{}", out.stdout);
    // the full addon: one YAML document per object after the Application
    let out = run(&["addon", "enable", &data("full"), "--dry-run"], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.matches("\n---\n").count(), 7, "{}", out.stdout);
    assert!(out.stdout.contains("kind: TraitDefinition\n"), "{}", out.stdout);
}

#[test]
fn enable_status_list_and_disable_on_the_embedded_cluster() {
    let state = State::new("addon");
    let s = state.arg();
    // a dependency that is not enabled is an error naming it
    let full = run(&["addon", "enable", &data("full"), &s], None, &[]);
    assert_eq!(full.code, 1);
    assert!(
        full.stderr
            .contains("addon full: you must first enable dependencies: fluxcd"),
        "{}",
        full.stderr
    );

    let enable = run(
        &["addon", "enable", &data("legacy"), "image=httpd", &s],
        None,
        &[],
    );
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    assert!(
        enable
            .stdout
            .starts_with("Addon legacy enabled: Application vela-system/addon-legacy running"),
        "{}",
        enable.stdout
    );
    let status = run(&["addon", "status", "legacy", &s], None, &[]);
    assert_eq!(
        status.stdout,
        "addon legacy status is enabled\ninstalledVersion: v0.1.0\nregistry: local\nparameters: {\"image\":\"httpd\"}\n"
    );
    // upgrade merges new arguments over the stored ones
    let upgrade = run(
        &["addon", "upgrade", &data("legacy"), "extra.flag=true", &s],
        None,
        &[],
    );
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    let status = run(&["addon", "status", "legacy", &s], None, &[]);
    assert!(
        status
            .stdout
            .ends_with("parameters: {\"image\":\"httpd\",\"extra\":{\"flag\":true}}\n"),
        "{}",
        status.stdout
    );
    let registry = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vela-addons/tests/data");
    let list = run(
        &["addon", "list", "--registry", registry.to_str().unwrap(), &s],
        None,
        &[],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let lines: Vec<&str> = list.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", list.stdout);
    assert!(lines[0].starts_with("NAME") && lines[1].starts_with("full") && lines[1].ends_with("disabled"));
    assert!(
        lines[2].starts_with("legacy") && lines[2].ends_with("enabled (v0.1.0)"),
        "{}",
        list.stdout
    );
    // the app delivered its components
    let tree = run(
        &["status", "addon-legacy", "-n", "vela-system", "--tree", &s],
        None,
        &[],
    );
    assert!(tree.stdout.contains("Deployment/web"), "{}", tree.stdout);

    let disable = run(&["addon", "disable", "legacy", &s], None, &[]);
    assert_eq!(disable.code, 0, "{}", disable.stderr);
    let status = run(&["addon", "status", "legacy", &s], None, &[]);
    assert_eq!(status.stdout, "addon legacy status is disabled\n");
    let again = run(&["addon", "disable", "legacy", &s], None, &[]);
    assert_eq!(again.code, 1);
    let upgrade = run(&["addon", "upgrade", &data("legacy"), &s], None, &[]);
    assert_eq!(upgrade.code, 1);
    assert!(
        upgrade.stderr.contains("addon legacy is not enabled"),
        "{}",
        upgrade.stderr
    );
}

#[test]
fn definitions_are_applied_owned_by_the_addon_and_guard_disable() {
    let state = State::new("addon-defs");
    let s = state.arg();
    let dir = tempfile::tempdir().unwrap();
    let addon = dir.path().join("labeller");
    std::fs::create_dir_all(addon.join("definitions")).unwrap();
    std::fs::write(
        addon.join("metadata.yaml"),
        "name: labeller\nversion: 1.0.0\nneedNamespace: [labeller-system]\n",
    )
    .unwrap();
    std::fs::write(
        addon.join("definitions/labeller.cue"),
        "labeller: {type: \"trait\", description: \"Adds a label.\", attributes: {}}\ntemplate: {\n\tpatch: metadata: labels: labelled: parameter.value\n\tparameter: value: *\"yes\" | string\n}\n",
    )
    .unwrap();
    let enable = run(&["addon", "enable", addon.to_str().unwrap(), &s], None, &[]);
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    assert!(
        enable.stdout.contains("1 addon objects applied"),
        "{}",
        enable.stdout
    );
    let tree = run(
        &["status", "addon-labeller", "-n", "vela-system", "--tree", &s],
        None,
        &[],
    );
    assert!(
        tree.stdout.contains("Namespace/labeller-system"),
        "{}",
        tree.stdout
    );
    // an application that uses the addon's trait
    let app = dir.path().join("app.yaml");
    std::fs::write(
        &app,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: user}\nspec:\n  components:\n  - name: web\n    type: webservice\n    properties: {image: nginx}\n    traits: [{type: labeller}]\n",
    )
    .unwrap();
    let def = dir.path().join("labeller.cue");
    std::fs::copy(addon.join("definitions/labeller.cue"), &def).unwrap();
    let up = run(
        &["up", "-f", app.to_str().unwrap(), "-d", def.to_str().unwrap(), &s],
        None,
        &[],
    );
    assert_eq!(up.code, 0, "{}", up.stderr);
    let refused = run(&["addon", "disable", "labeller", &s], None, &[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("still used by these applications: default/user"),
        "{}",
        refused.stderr
    );
    let forced = run(&["addon", "disable", "labeller", "--force", &s], None, &[]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
}

#[test]
fn dependencies_are_enabled_first_from_the_local_registry() {
    let state = State::new("addon-deps");
    let s = state.arg();
    let registry = tempfile::tempdir().unwrap();
    let write = |addon: &str, meta: &str| {
        let dir = registry.path().join(addon);
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        std::fs::write(dir.join("metadata.yaml"), meta).unwrap();
        std::fs::write(
            dir.join("resources/cm.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {addon}, namespace: vela-system}}\n"),
        )
        .unwrap();
    };
    write("base", "name: base\nversion: v1.4.0\n");
    write(
        "middle",
        "name: middle\nversion: 2.0.0\ndependencies: [{name: base, version: '>=1.2.0'}]\n",
    );
    write(
        "top",
        "name: top\nversion: 0.1.0\ndependencies: [{name: middle}, {name: base}]\n",
    );
    write(
        "picky",
        "name: picky\nversion: 0.1.0\ndependencies: [{name: base, version: '>=2'}]\n",
    );
    write(
        "future",
        "name: future\nversion: 0.1.0\nsystem: {vela: '>=v9.0.0'}\n",
    );
    let r = registry.path().to_str().unwrap();
    let enable = run(&["addon", "enable", "top", "--registry", r, &s], None, &[]);
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let enabled: Vec<&str> = enable
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Addon "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(enabled, ["base", "middle", "top"], "{}", enable.stdout);
    // base v1.4.0 is enabled and does not satisfy >=2
    let picky = run(&["addon", "enable", "picky", "--registry", r, &s], None, &[]);
    assert_eq!(picky.code, 1);
    assert!(
        picky
            .stderr
            .contains("dependency picky -> base: version v1.4.0 is enabled, the constraint is \">=2\""),
        "{}",
        picky.stderr
    );
    // system.vela is checked against KubeVela v1.11.0 unless skipped
    let future = run(&["addon", "enable", "future", "--registry", r, &s], None, &[]);
    assert_eq!(future.code, 1);
    assert!(
        future
            .stderr
            .contains("addon future requires vela >=v9.0.0, found 1.11.0"),
        "{}",
        future.stderr
    );
    let skipped = run(
        &["addon", "enable", "future", "-s", "--registry", r, &s],
        None,
        &[],
    );
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
}

#[test]
fn a_packaged_addon_enables_like_its_directory() {
    let state = State::new("addon-package");
    let s = state.arg();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let package = run(&["addon", "package", &data("legacy"), "-o", o], None, &[]);
    assert_eq!(package.code, 0, "{}", package.stderr);
    let tgz = out.path().join("legacy-v0.1.0.tgz");
    assert_eq!(package.stdout, format!("Addon packaged to {}\n", tgz.display()));
    let from_tgz = run(
        &["addon", "enable", tgz.to_str().unwrap(), "--dry-run"],
        None,
        &[],
    );
    let from_dir = run(&["addon", "enable", &data("legacy"), "--dry-run"], None, &[]);
    assert_eq!(from_tgz.code, 0, "{}", from_tgz.stderr);
    // the same documents; only a directory is named on a first line
    let (named, documents) = from_dir.stdout.split_once('\n').unwrap();
    assert!(named.starts_with("enabling addon by local dir: "), "{named}");
    assert_eq!(from_tgz.stdout, documents);
    let enable = run(&["addon", "enable", tgz.to_str().unwrap(), &s], None, &[]);
    assert_eq!(enable.code, 0, "{}", enable.stderr);
}

#[test]
fn registries_are_kept_in_the_hub_and_searched_by_name() {
    let state = State::new("addon-registry");
    let s = state.arg();
    let data_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vela-addons/tests/data");
    let d = data_dir.to_str().unwrap();
    let add = run(
        &[
            "addon", "registry", "add", "mine", "--type", "local", "--path", d, &s,
        ],
        None,
        &[],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    let oss = run(
        &["addon", "registry", "add", "kv", "--type", "oss", "--path", d, &s],
        None,
        &[],
    );
    assert_eq!(oss.code, 1);
    assert!(
        oss.stderr.contains("registry type \"oss\" is not supported"),
        "{}",
        oss.stderr
    );
    let list = run(&["addon", "registry", "list", &s], None, &[]);
    let canonical = std::fs::canonicalize(&data_dir).unwrap();
    assert_eq!(
        list.stdout
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["mine", "local", canonical.to_str().unwrap()]
    );
    let get = run(&["addon", "registry", "get", "mine", "-o", "json", &s], None, &[]);
    assert!(get.stdout.contains("\"local\""), "{}", get.stdout);
    // `enable NAME` finds the addon in the hub's registries; `list` shows their addons
    let enable = run(&["addon", "enable", "legacy", &s], None, &[]);
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let addons = run(&["addon", "list", &s], None, &[]);
    assert_eq!(addons.stdout.lines().count(), 3, "{}", addons.stdout);
    let delete = run(&["addon", "registry", "delete", "mine", &s], None, &[]);
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    let missing = run(&["addon", "registry", "delete", "mine", &s], None, &[]);
    assert_eq!(missing.code, 1);
    let by_name = run(&["addon", "enable", "full", &s], None, &[]);
    assert!(
        by_name
            .stderr
            .contains("addon full: no such directory or package"),
        "{}",
        by_name.stderr
    );
}

#[test]
fn a_new_addon_enables_as_it_is() {
    let state = State::new("addon-init");
    let s = state.arg();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello");
    let p = path.to_str().unwrap();
    let init = run(&["addon", "init", "hello", "--path", p], None, &[]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout.starts_with("Addon hello created in"),
        "{}",
        init.stdout
    );
    let again = run(&["addon", "init", "hello", "--path", p], None, &[]);
    assert_eq!(again.code, 1);
    let bad = run(&["addon", "init", "Hello_World"], None, &[]);
    assert_eq!(bad.code, 1);
    let enable = run(&["addon", "enable", p, "replicas=2", &s], None, &[]);
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    assert!(enable.stdout.contains("running"), "{}", enable.stdout);
    assert!(
        enable.stdout.contains("3 addon objects applied"),
        "{}",
        enable.stdout
    );
    let tree = run(
        &["status", "addon-hello", "-n", "vela-system", "--tree", &s],
        None,
        &[],
    );
    assert!(tree.stdout.contains("Deployment/server"), "{}", tree.stdout);
}
