//! `vela addon enable|disable` against a real API server (the first test cluster): an addon
//! with a dependency from a local registry is enabled (the dependency first), its definition is
//! installed and both Applications run; disabling them collects everything they delivered or
//! owned (the definition through the API server's garbage collector).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use vela_multicluster::{Fleet, Key};

use super::run;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Reads `vela-system/<name>` of `api_version`/`kind` from the hub until `want` holds for it
/// (`None`: absent), or fails after a minute.
fn until(
    fleet: &Fleet,
    rt: &tokio::runtime::Runtime,
    (api_version, kind, name): (&str, &str, &str),
    what: &str,
    want: impl Fn(Option<&Value>) -> bool,
) -> Option<Value> {
    let key = Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: "vela-system".into(),
        name: name.into(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = rt.block_on(fleet.hub().get(&key)).expect("read the hub");
        if want(got.as_ref()) {
            return got;
        }
        assert!(Instant::now() < deadline, "{what}: {kind} {name} is {got:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
fn e2e_cluster_addon_with_a_dependency_enabled_running_then_disabled_and_collected() {
    let kubeconfigs = std::env::var("VELA_TEST_KUBECONFIGS").expect("VELA_TEST_KUBECONFIGS is set");
    let hub = kubeconfigs
        .split(':')
        .next()
        .expect("a hub kubeconfig")
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clusters = rt
        .block_on(vela_test_support::cluster::Clusters::at_least(1))
        .expect("the test clusters");
    let fleet = Fleet::kube(clusters.hub().client());
    let id = std::process::id();
    let (base, top, label) = (
        format!("e2e-base-{id}"),
        format!("e2e-top-{id}"),
        format!("e2e-label-{id}"),
    );
    let registry = tempfile::tempdir().unwrap();
    let r = registry.path();
    write(
        &r.join(&base).join("metadata.yaml"),
        &format!("name: {base}\nversion: 1.0.0\ndescription: the dependency\n"),
    );
    write(
        &r.join(&base).join("resources/cm.yaml"),
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {base}, namespace: vela-system}}\ndata: {{from: base}}\n"
        ),
    );
    write(
        &r.join(&base).join("definitions/label.cue"),
        &format!(
            "\"{label}\": {{\n\ttype: \"trait\"\n\tannotations: {{}}\n\tlabels: {{}}\n\tdescription: \"Labels a workload.\"\n\tattributes: appliesToWorkloads: [\"deployments.apps\"]\n}}\ntemplate: {{\n\tpatch: metadata: labels: e2e: parameter.value\n\tparameter: value: *\"yes\" | string\n}}\n"
        ),
    );
    write(
        &r.join(&top).join("metadata.yaml"),
        &format!(
            "name: {top}\nversion: 2.0.0\ndescription: needs base\ndependencies: [{{name: {base}, version: '>=1.0.0'}}]\n"
        ),
    );
    write(
        &r.join(&top).join("resources/cm.yaml"),
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {top}, namespace: vela-system}}\ndata: {{from: top}}\n"
        ),
    );
    let reg = r.to_str().unwrap();

    // the CRDs and built-in definitions (idempotent: other tests install them too)
    let install = run(&["install", "--kubeconfig", &hub], None, &[]);
    assert_eq!(install.code, 0, "{}", install.stderr);
    let enable = run(
        &[
            "addon",
            "enable",
            &top,
            "greeting=hi",
            "--registry",
            reg,
            "--kubeconfig",
            &hub,
        ],
        None,
        &[],
    );
    assert_eq!(enable.code, 0, "{}", enable.stderr);
    let base_at = enable
        .stdout
        .find(&format!("Addon {base} enabled"))
        .expect("base enabled");
    let top_at = enable
        .stdout
        .find(&format!("Addon {top} enabled"))
        .expect("top enabled");
    assert!(base_at < top_at, "the dependency first: {}", enable.stdout);

    // both Applications run, their objects are there, the definition is installed and owned
    for addon in [&base, &top] {
        let app = format!("addon-{addon}");
        until(
            &fleet,
            &rt,
            ("core.oam.dev/v1beta1", "Application", &app),
            "running",
            |a| a.is_some_and(|a| a["status"]["status"] == "running"),
        );
        let cm = until(
            &fleet,
            &rt,
            ("v1", "ConfigMap", addon),
            "delivered",
            |x: Option<&Value>| x.is_some(),
        );
        assert_eq!(
            cm.unwrap()["metadata"]["labels"]["app.oam.dev/name"],
            app.as_str()
        );
        let status = run(&["addon", "status", addon, "--kubeconfig", &hub], None, &[]);
        assert!(
            status
                .stdout
                .starts_with(&format!("addon {addon} status is enabled\n")),
            "{}",
            status.stdout
        );
    }
    let def = until(
        &fleet,
        &rt,
        ("core.oam.dev/v1beta1", "TraitDefinition", &label),
        "installed",
        |x: Option<&Value>| x.is_some(),
    )
    .unwrap();
    assert_eq!(
        def["metadata"]["ownerReferences"][0]["name"],
        format!("addon-{base}").as_str()
    );
    let secret = until(
        &fleet,
        &rt,
        ("v1", "Secret", &format!("addon-secret-{top}")),
        "the arguments kept (a dependency enabled with none has no Secret, as in KubeVela)",
        |x: Option<&Value>| x.is_some(),
    );
    assert!(secret.is_some());

    // disabling collects everything, the dependent first (the dependency is in use by nothing)
    for addon in [&top, &base] {
        let disable = run(&["addon", "disable", addon, "--kubeconfig", &hub], None, &[]);
        assert_eq!(disable.code, 0, "{}", disable.stderr);
        let app = format!("addon-{addon}");
        until(
            &fleet,
            &rt,
            ("core.oam.dev/v1beta1", "Application", &app),
            "deleted",
            |a| a.is_none(),
        );
        until(&fleet, &rt, ("v1", "ConfigMap", addon), "collected", |c| {
            c.is_none()
        });
        let status = run(&["addon", "status", addon, "--kubeconfig", &hub], None, &[]);
        assert_eq!(status.stdout, format!("addon {addon} status is disabled\n"));
    }
    until(
        &fleet,
        &rt,
        ("core.oam.dev/v1beta1", "TraitDefinition", &label),
        "collected with its owner",
        |d| d.is_none(),
    );
    until(
        &fleet,
        &rt,
        ("v1", "Secret", &format!("addon-secret-{top}")),
        "collected with its owner",
        |s| s.is_none(),
    );
}
