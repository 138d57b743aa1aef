//! End-to-end tests of the `vela` binary.

use std::path::PathBuf;
use std::process::Command;

fn vela(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vela"))
        .args(args)
        .output()
        .expect("run vela");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vela-render/tests/data")
        .join(name)
        .display()
        .to_string()
}

fn conformance_dir() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
        })
}

#[test]
fn dry_run_prints_kubevela_layout() {
    let (ok, out, err) = vela(&["dry-run", "-f", &data("bench-app.yaml"), "--offline"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("---\n# Application(bench) -- Component(web)\n---\n\n"));
    assert!(out.contains("## From the trait expose\n"));
    assert!(out.contains("# Application(bench) -- Component(job)\n"));
    let (ok, json, _) = vela(&["dry-run", "-f", &data("bench-app.yaml"), "-o", "json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["components"][0]["objects"][0]["kind"], "Deployment");
}

/// The README's main job: the repository's example Application renders with the built-ins.
#[test]
fn readme_main_job_renders_the_hello_app() {
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/apps/hello.yaml");
    let (ok, out, err) = vela(&["dry-run", "-f", &app.display().to_string()]);
    assert!(ok, "{err}");
    assert!(out.starts_with("---\n# Application(hello with topology local) -- Component(hello-web)\n"));
    let docs: Vec<serde_yaml::Value> = out
        .split("\n---\n")
        .filter_map(|d| serde_yaml::from_str::<serde_yaml::Value>(d).ok())
        .filter(|v| v.get("kind").is_some())
        .collect();
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["Deployment", "Service"]);
    assert_eq!(
        docs[0]["spec"]["replicas"].as_i64(),
        Some(2),
        "the scaler trait patched replicas"
    );
    assert_eq!(
        docs[0]["spec"]["template"]["spec"]["containers"][0]["image"].as_str(),
        Some("nginx:1.27")
    );
}

#[test]
fn dry_run_reports_bad_input_with_path() {
    let dir = std::env::temp_dir().join(format!("vela-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(
        &f,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: w, type: worker, properties: {image: x}, traits: [{type: scaler, properties: {replicas: many}}]}\n",
    )
    .unwrap();
    let (ok, _, err) = vela(&["dry-run", "-f", f.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("components[0].traits[0].properties.replicas: expected integer, got string"),
        "{err}"
    );
}

#[test]
fn dry_run_reports_malformed_application_with_line() {
    let dir = std::env::temp_dir().join(format!("vela-cli-parse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("malformed.yaml");
    std::fs::write(
        &f,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: w\n      type: worker\n      traits: {type: scaler}\n",
    )
    .unwrap();
    let (ok, _, err) = vela(&["dry-run", "-f", f.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("invalid value at `spec.components[0].traits` (line 8"),
        "{err}"
    );
}

#[test]
fn def_render_round_trips_through_vet() {
    let cue = conformance_dir().join("definitions/trait/scaler.cue");
    let (ok, cr, err) = vela(&["def", "render", cue.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(cr.contains("kind: TraitDefinition"));
    assert!(cr.contains("      template: |\n        parameter: {\n"));
    let dir = std::env::temp_dir().join(format!("vela-cli-cr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("scaler.yaml");
    std::fs::write(&f, &cr).unwrap();
    let (ok, out, err) = vela(&["def", "vet", f.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("ok (1 definition(s))"));
}

#[test]
fn def_show_and_list() {
    let (ok, out, _) = vela(&["def", "show", "scaler"]);
    assert!(ok);
    assert!(
        out.contains("replicas  Specify the number of workload.  integer  false     1"),
        "{out}"
    );
    // a CUE definition: descriptions, enums and defaults come from its OpenAPI schema
    let web = conformance_dir().join("definitions/component/webservice.cue");
    let (ok, out, err) = vela(&["def", "show", "webservice", "-d", web.to_str().unwrap()]);
    assert!(ok, "{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("exposeType "))
        .unwrap_or_default();
    for want in [
        "Specify what kind of Service you want.",
        "\"ClusterIP\" or \"NodePort\" or \"LoadBalancer\"",
        "true",
        "\"ClusterIP\"",
    ] {
        assert!(row.contains(want), "{want} missing in {row:?}");
    }
    assert!(out.lines().any(|l| l.starts_with("ports[].protocol ")), "{out}");
    let (ok, out, _) = vela(&[
        "def",
        "show",
        "webservice",
        "--schema",
        "-d",
        web.to_str().unwrap(),
    ]);
    assert!(ok);
    let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema["properties"]["cpu"]["title"], "cpu");
    let (ok, out, _) = vela(&["def", "list", "-t", "policy"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 10, "{out}");
}
