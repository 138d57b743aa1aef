//! End-to-end tests of the `vela` binary.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[path = "cli/addon.rs"]
mod addon;
#[path = "cli/addon_cluster.rs"]
mod addon_cluster;
#[path = "cli/addon_git.rs"]
mod addon_git;
#[path = "cli/addon_helm.rs"]
mod addon_helm;
#[path = "cli/addon_push.rs"]
mod addon_push;
#[path = "cli/checks.rs"]
mod checks;
#[path = "cli/cluster.rs"]
mod cluster;
#[path = "cli/definitions.rs"]
mod definitions;
#[path = "cli/lifecycle.rs"]
mod lifecycle;
#[path = "cli/runs.rs"]
mod runs;

fn vela(args: &[&str]) -> (bool, String, String) {
    let out = run(args, None, &[]);
    (out.code == 0, out.stdout, out.stderr)
}

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `vela` with `args`, feeding `stdin` and setting `env` (`RUST_LOG` is cleared first so the
/// caller's environment does not change what is logged).
fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vela"));
    cmd.args(args)
        .env_remove("RUST_LOG")
        // the hub is the embedded cluster unless a test says otherwise
        .env_remove("KUBECONFIG")
        .env_remove("VELA_STATE")
        // registries are read as configured by the test (and private ones refused by default)
        .env_remove("VELA_ADDON_REGISTRY")
        .env_remove("VELA_ALLOW_PRIVATE_REGISTRY")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run vela");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("vela exited with a code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn hello_app() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/apps/hello.yaml")
        .display()
        .to_string()
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

/// `vela dry-run` prints what KubeVela v1.11.0's `vela dry-run --offline` prints, byte for byte
/// (`conformance/dry-run/bench/app.golden.yaml` is its buffer, which the CLI ends with one more
/// newline), with the native built-ins and with KubeVela's CUE definitions (`-d`).
#[test]
fn dry_run_output_is_byte_identical_to_kubevela() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/dry-run/bench");
    let golden = std::fs::read_to_string(dir.join("app.golden.yaml")).unwrap();
    let app = dir.join("app.yaml").display().to_string();
    let (ok, out, err) = vela(&["dry-run", "-f", &app]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{golden}\n"));
    let defs = conformance_dir().join("definitions");
    let mut args = vec!["dry-run".to_string(), "-f".into(), app.clone()];
    for kind in ["component", "trait", "policy"] {
        args.extend(["-d".into(), defs.join(kind).display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out, err) = vela(&args);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{golden}\n"));
}

/// The README's main job: the repository's example Application renders with the built-ins.
#[test]
fn readme_main_job_renders_the_hello_app() {
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/apps/hello.yaml");
    let (ok, out, err) = vela(&["dry-run", "-f", &app.display().to_string()]);
    assert!(ok, "{err}");
    assert!(out.starts_with("---\n# Application(hello with topology local) -- Component(hello-web)\n"));
    let docs: Vec<serde_json::Value> = out
        .split("\n---\n")
        .filter_map(|d| vela_render::vela_model::yaml::from_str::<serde_json::Value>(d).ok())
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

/// An Application whose file names no namespace.
const NO_NAMESPACE_APP: &str = "\
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - {name: api, type: worker, properties: {image: shop:1}}
";

/// The `metadata.namespace` of every object `-o json` printed.
fn namespaces(json: &str) -> Vec<String> {
    let sections: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut found = Vec::new();
    for section in sections.as_array().unwrap() {
        for component in section["components"].as_array().unwrap() {
            for object in component["objects"].as_array().unwrap() {
                found.push(object["metadata"]["namespace"].as_str().unwrap_or("").to_owned());
            }
        }
    }
    found
}

#[test]
fn help_documents_the_exit_codes_and_the_global_flags() {
    let out = run(&["--help"], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for want in [
        "Exit codes:\n  0  success\n  1  the command failed",
        "  2  usage error",
        "-n, --namespace <NAMESPACE>",
        "-v, --verbose...",
        "--log-format <LOG_FORMAT>",
        "completion",
    ] {
        assert!(out.stdout.contains(want), "{want:?} missing in\n{}", out.stdout);
    }
    // `-o json` is described as what it prints (the help said `{component, objects}`).
    let out = run(&["dry-run", "--help"], None, &[]);
    assert!(
        out.stdout
            .contains("[{title, components: [{component, objects}]}]"),
        "{}",
        out.stdout
    );
}

#[test]
fn usage_errors_exit_with_2_and_failures_with_1() {
    for args in [
        &["dry-run", "-o", "xml"][..],
        &["no-such-command"],
        &["def", "show"],
        &["def", "list", "-o", "wide"],
        &["completion", "tcsh"],
        &["def", "show", "scaler", "--schema", "-o", "table"],
    ] {
        let out = run(args, None, &[]);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?} printed {}", out.stdout);
    }
    let out = run(&["def", "show", "scaler", "--schema", "-o", "table"], None, &[]);
    assert!(
        out.stderr.contains("`--schema` prints a document"),
        "{}",
        out.stderr
    );

    let missing = run(&["dry-run", "-f", "/nonexistent/app.yaml"], None, &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Error: read application file /nonexistent/app.yaml"),
        "{}",
        missing.stderr
    );
    let unknown = run(&["def", "show", "no-such-definition"], None, &[]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("definition \"no-such-definition\" not found")
    );

    // one of KubeVela's own definitions that does not vet (see the book's cli chapter)
    let bad = conformance_dir().join("definitions/trait/k8s-update-strategy.cue");
    let vet = run(&["def", "vet", bad.to_str().unwrap()], None, &[]);
    assert_eq!(vet.code, 1, "{}", vet.stderr);
    assert!(
        vet.stderr
            .contains("cannot reference optional field: rollingStrategy"),
        "{}",
        vet.stderr
    );
    assert!(
        vet.stderr.contains("1 file(s) failed validation"),
        "{}",
        vet.stderr
    );
}

#[test]
fn dry_run_reads_the_application_from_stdin() {
    let from_file = run(&["dry-run", "-f", &hello_app()], None, &[]);
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    let text = std::fs::read_to_string(hello_app()).unwrap();
    let from_stdin = run(&["dry-run", "-f", "-"], Some(&text), &[]);
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);

    let broken = run(&["dry-run", "-f", "-"], Some("kind: Application\nspec: ["), &[]);
    assert_eq!(broken.code, 1);
    assert!(
        broken.stderr.contains("Error: read application file <stdin>"),
        "{}",
        broken.stderr
    );
}

#[test]
fn namespace_flag_fills_in_a_missing_namespace_and_refuses_a_different_one() {
    let default = run(&["dry-run", "-f", "-", "-o", "json"], Some(NO_NAMESPACE_APP), &[]);
    assert_eq!(default.code, 0, "{}", default.stderr);
    assert_eq!(namespaces(&default.stdout), ["default"]);

    // global: before or after the subcommand
    for args in [
        &["-n", "dev", "dry-run", "-f", "-", "-o", "json"][..],
        &["dry-run", "-f", "-", "-o", "json", "--namespace", "dev"],
    ] {
        let out = run(args, Some(NO_NAMESPACE_APP), &[]);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(namespaces(&out.stdout), ["dev"], "{args:?}");
    }

    // hello.yaml says `namespace: default`
    let same = run(&["dry-run", "-f", &hello_app(), "-n", "default"], None, &[]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    let conflict = run(&["dry-run", "-f", &hello_app(), "-n", "dev"], None, &[]);
    assert_eq!(conflict.code, 1);
    assert!(
        conflict.stderr.contains(
            "metadata.namespace: the application file says \"default\" but --namespace says \"dev\""
        ),
        "{}",
        conflict.stderr
    );
}

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    for (shell, want) in [
        ("bash", "complete -F _vela"),
        ("zsh", "#compdef vela"),
        ("fish", "complete -c vela"),
    ] {
        let out = run(&["completion", shell], None, &[]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(want), "{shell}: {want:?} missing");
        for word in ["dry-run", "namespace", "log-format"] {
            assert!(out.stdout.contains(word), "{shell}: {word} missing");
        }
    }
}

#[test]
fn def_list_and_show_print_json_and_yaml() {
    let table = run(&["def", "list", "-t", "policy"], None, &[]);
    let json = run(&["def", "list", "-t", "policy", "-o", "json"], None, &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let items: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let items = items.as_array().unwrap();
    // the table has a header line
    assert_eq!(items.len(), table.stdout.lines().count() - 1);
    assert!(items.iter().all(|i| i["type"] == "policy"));
    let topology = items.iter().find(|i| i["name"] == "topology").unwrap();
    assert_eq!(topology["source"], "native");
    assert_eq!(
        topology.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["name", "type", "source", "description"]
    );
    let yaml = run(&["def", "list", "-t", "policy", "-o", "yaml"], None, &[]);
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    let from_yaml: serde_json::Value = vela_render::vela_model::yaml::from_str(&yaml.stdout).unwrap();
    assert_eq!(from_yaml.as_array().unwrap().len(), items.len());

    let shown = run(&["def", "show", "scaler", "-o", "json"], None, &[]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["name"], "scaler");
    assert_eq!(shown["type"], "trait");
    assert_eq!(
        shown["parameters"],
        serde_json::json!([{"name": "replicas", "description": "Specify the number of workload.",
            "type": "integer", "required": false, "default": 1}])
    );
    let schema = run(&["def", "show", "scaler", "--schema", "-o", "yaml"], None, &[]);
    assert_eq!(schema.code, 0, "{}", schema.stderr);
    let schema: serde_json::Value = vela_render::vela_model::yaml::from_str(&schema.stdout).unwrap();
    assert_eq!(schema["properties"]["replicas"]["default"], 1);
}

#[test]
fn def_render_reads_stdin_and_prints_json() {
    let cue = conformance_dir().join("definitions/trait/scaler.cue");
    let text = std::fs::read_to_string(&cue).unwrap();
    let yaml = run(&["def", "render", cue.to_str().unwrap()], None, &[]);
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    let from_stdin = run(&["def", "render", "-"], Some(&text), &[]);
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, yaml.stdout);
    let json = run(&["def", "render", cue.to_str().unwrap(), "-o", "json"], None, &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let cr: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(cr["kind"], "TraitDefinition");
    assert_eq!(cr["metadata"]["name"], "scaler");
    let from_yaml: serde_json::Value = vela_render::vela_model::yaml::from_str(&yaml.stdout).unwrap();
    assert_eq!(from_yaml, cr, "the YAML and the JSON are the same CR");
}

#[test]
fn logs_go_to_stderr_at_the_chosen_level_and_format() {
    let args = ["dry-run", "-f", &hello_app(), "-o", "json"];
    let quiet = run(&args, None, &[]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "", "no logs by default");

    let verbose = run(&[&["-v"][..], &args].concat(), None, &[]);
    assert_eq!(verbose.code, 0);
    assert_eq!(verbose.stdout, quiet.stdout, "stdout is the same with logs on");
    assert!(verbose.stderr.contains("INFO"), "{}", verbose.stderr);
    assert!(verbose.stderr.contains("rendered"), "{}", verbose.stderr);
    assert!(!verbose.stderr.contains("DEBUG"), "{}", verbose.stderr);

    let debug = run(&[&["-vv"][..], &args].concat(), None, &[]);
    assert!(debug.stderr.contains("DEBUG"), "{}", debug.stderr);

    // RUST_LOG replaces the level of -v
    let env = run(&args, None, &[("RUST_LOG", "debug")]);
    assert!(env.stderr.contains("DEBUG"), "{}", env.stderr);
    let env = run(&[&["-vv"][..], &args].concat(), None, &[("RUST_LOG", "error")]);
    assert_eq!(env.stderr, "");

    let json = run(&[&["-v", "--log-format", "json"][..], &args].concat(), None, &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(json.stdout, quiet.stdout);
    let events: Vec<serde_json::Value> = json
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let rendered = events
        .iter()
        .find(|e| e["fields"]["message"] == "rendered")
        .expect("a `rendered` event");
    assert_eq!(rendered["level"], "INFO");
    assert_eq!(rendered["fields"]["application"], "hello");
    assert_eq!(rendered["fields"]["sections"], 1);
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vela"))
        .args(["completion", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// `vela cue` against the real `cue` v0.14.1 (`tools/cue-cli/build.sh`, path in `VELA_CUE_BIN`):
/// the same stdout byte for byte and the same exit code for every command below.
/// `.ci/suites/20-cue-differential.sh` runs it; locally:
/// `VELA_CUE_BIN=$(tools/cue-cli/build.sh) cargo test -p vela-cli --test cli -- --ignored cue_`.
#[test]
#[ignore = "needs the real cue binary (VELA_CUE_BIN)"]
fn cue_commands_print_what_cue_prints() {
    let cue = std::env::var("VELA_CUE_BIN").expect("VELA_CUE_BIN must point to cue v0.14.1");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cue");
    let commands: &[&[&str]] = &[
        &["export", "values.cue"],
        &["export", "values.cue", "--out", "yaml"],
        &["eval", "values.cue"],
        &["export", "webservice.cue"],
        &["export", "webservice.cue", "--out", "yaml"],
        &["eval", "webservice.cue"],
        &["export", "webservice.cue", "-e", "output.spec.template"],
        &[
            "export",
            "webservice.cue",
            "-e",
            "outputs.service",
            "--out",
            "yaml",
        ],
        &["export", "webservice.cue", "-e", "parameter.port + 1"],
        &["export", "webservice.cue", "-e", "output.kind", "--out", "text"],
        &["eval", "webservice.cue", "-e", "output.metadata"],
        &["export", "scalars.cue"],
        &["export", "scalars.cue", "--out", "yaml"],
        &["eval", "scalars.cue"],
        &["export", "order.cue"],
        &["export", "order.cue", "--out", "yaml"],
        &["eval", "order.cue"],
        &["export", "scalars.cue", "order.cue"],
        &["export", "scalars.cue", "order.cue", "-e", "b"],
        // failures: the exit code must agree (the message text may differ)
        &["export", "incomplete.cue"],
        &["export", "conflict.cue"],
        &["export", "syntax.cue"],
        &["export", "webservice.cue", "-e", "nope"],
        &["export", "webservice.cue", "-e", "parameter", "--out", "text"],
        &["export", "missing.cue"],
    ];
    let mut differences = Vec::new();
    for args in commands {
        let theirs = Command::new(&cue)
            .args(*args)
            .current_dir(&dir)
            .output()
            .expect("run cue");
        let ours = Command::new(env!("CARGO_BIN_EXE_vela"))
            .arg("cue")
            .args(*args)
            .current_dir(&dir)
            .output()
            .expect("run vela");
        if theirs.status.code() != ours.status.code() || theirs.stdout != ours.stdout {
            differences.push(format!(
                "cue {}: exit {:?} vs {:?}\n--- cue\n{}--- vela\n{}",
                args.join(" "),
                theirs.status.code(),
                ours.status.code(),
                String::from_utf8_lossy(&theirs.stdout),
                String::from_utf8_lossy(&ours.stdout)
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn cue_export_prints_json_yaml_and_fails_with_the_field_path() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cue/webservice.cue");
    let file = file.display().to_string();
    let (ok, out, _) = vela(&["cue", "export", &file, "-e", "output.metadata"]);
    assert!(ok);
    assert_eq!(out, "{\n    \"name\": \"web\"\n}\n");
    let (ok, out, _) = vela(&[
        "cue",
        "export",
        &file,
        "-e",
        "outputs.service.spec",
        "--out",
        "yaml",
    ]);
    assert!(ok);
    assert_eq!(out, "ports:\n  - port: 80\n    targetPort: 80\n");
    let (ok, out, _) = vela(&["cue", "eval", &file, "-e", "context"]);
    assert!(ok);
    assert_eq!(out, "name:      \"web\"\nnamespace: \"default\"\n");
    let bad = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cue/incomplete.cue");
    let r = run(&["cue", "export", &bad.display().to_string()], None, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("x: incomplete value int"), "{}", r.stderr);
    let r = run(
        &["cue", "export", &file, "-e", "parameter", "--out", "text"],
        None,
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("as string"), "{}", r.stderr);
}

/// A fresh state file for the embedded cluster, removed when dropped.
struct State(PathBuf);

impl State {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("vela-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        State(dir.join("state.db"))
    }

    fn arg(&self) -> String {
        format!("--state={}", self.0.display())
    }
}

impl Drop for State {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn up_status_ls_delete_on_the_embedded_cluster() {
    let state = State::new("up");
    let app = hello_app();
    let up = run(&["up", "-f", &app, &state.arg()], None, &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stderr.contains("delivering to the embedded cluster at"),
        "{}",
        up.stderr
    );
    assert!(
        up.stdout.starts_with(
            "Application default/hello delivered (generation 1, revision hello-v1): 2 objects ("
        ),
        "{}",
        up.stdout
    );

    let status = run(&["status", "hello", &state.arg()], None, &[]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.starts_with("Application default/hello: running\n"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("hello-web  local    healthy"),
        "{}",
        status.stdout
    );

    let json = run(&["status", "hello", "-o", "json", &state.arg()], None, &[]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).expect("json status");
    assert_eq!(parsed["status"], "running");

    // VELA_STATE is the same as --state
    let ls = run(&["ls"], None, &[("VELA_STATE", state.0.to_str().unwrap())]);
    assert_eq!(
        ls.stdout,
        "NAMESPACE  NAME   COMPONENTS  PHASE\ndefault    hello  hello-web   running\n"
    );

    let missing = run(&["status", "nope", &state.arg()], None, &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("application default/nope not found"),
        "{}",
        missing.stderr
    );

    let delete = run(&["delete", "hello", &state.arg()], None, &[]);
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert_eq!(
        delete.stdout,
        "Application default/hello deleted; 2 objects deleted\n"
    );
    let empty = run(&["ls", "-A", &state.arg()], None, &[]);
    assert_eq!(empty.stdout, "NAMESPACE  NAME  COMPONENTS  PHASE\n");
}

#[test]
fn up_refuses_an_invalid_application_and_stores_nothing() {
    let state = State::new("invalid");
    let bad = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: Bad}\nspec:\n  components: [{name: web, type: webservice, properties: {image: nginx}}]\n";
    let up = run(&["up", "-f", "-", &state.arg()], Some(bad), &[]);
    assert_eq!(up.code, 1);
    assert!(up.stderr.contains("metadata.name"), "{}", up.stderr);
    let ls = run(&["ls", "-A", &state.arg()], None, &[]);
    assert_eq!(ls.stdout, "NAMESPACE  NAME  COMPONENTS  PHASE\n");
}

/// `vela up` killed with SIGKILL at 50 random instants: each time the state stays readable and
/// the next `vela up` completes with the same objects as an uninterrupted run.
#[test]
fn up_killed_at_random_instants_leaves_a_state_the_next_up_completes() {
    let state = State::new("kill");
    let app = hello_app();
    // a deterministic spread of delays (xorshift), 0..40 ms
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed_mid_run = 0;
    for _ in 0..50 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_micros(seed % 40_000);
        let mut child = Command::new(env!("CARGO_BIN_EXE_vela"))
            .args(["up", "-f", &app, &state.arg()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run vela");
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        let again = run(&["up", "-f", &app, &state.arg()], None, &[]);
        assert_eq!(again.code, 0, "after a kill after {delay:?}: {}", again.stderr);
        // the same spec stays generation 1: nothing was stored twice with different content
        assert!(
            again
                .stdout
                .contains("(generation 1, revision hello-v1): 2 objects"),
            "{}",
            again.stdout
        );
    }
    assert!(
        killed_mid_run > 10,
        "only {killed_mid_run} of 50 runs were killed before they finished"
    );
    let ls = run(&["ls", "-A", &state.arg()], None, &[]);
    assert_eq!(
        ls.stdout,
        "NAMESPACE  NAME   COMPONENTS  PHASE\ndefault    hello  hello-web   running\n"
    );
}

#[cfg(unix)]
#[test]
fn inputs_that_are_not_regular_files_or_too_large_are_refused_before_reading() {
    // `/dev/zero` never ends: it must be refused from its file type, not read
    let (ok, _, err) = vela(&["dry-run", "-f", "/dev/zero"]);
    assert!(!ok);
    assert!(err.contains("not a regular file (a character device)"), "{err}");
    let (ok, _, err) = vela(&["dry-run", "-f", &hello_app(), "-d", "/dev/zero"]);
    assert!(!ok);
    assert!(err.contains("not a regular file"), "{err}");
    let dir = std::env::temp_dir().join(format!("vela-cli-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // a FIFO with no writer would block a read forever
    let fifo = dir.join("app.yaml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (ok, _, err) = vela(&["dry-run", "-f", fifo.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("not a regular file (a FIFO)"), "{err}");
    let big = dir.join("big.yaml");
    std::fs::File::create(&big).unwrap().set_len(64 << 20).unwrap();
    let (ok, _, err) = vela(&["dry-run", "-f", big.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("larger than 8388608 bytes"), "{err}");
    // standard input stops one byte past the limit (the writer then sees a closed pipe)
    let mut child = Command::new(env!("CARGO_BIN_EXE_vela"))
        .args(["dry-run", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all("#".repeat(9 << 20).as_bytes());
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("from standard input: larger than 8388608 bytes"),
        "{err}"
    );
}

#[test]
fn an_approval_step_holds_the_workflow_until_vela_workflow_resume() {
    let state = State::new("approval");
    let gated = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: gated}
spec:
  components: [{name: gated-web, type: webservice, properties: {image: nginx}}]
  workflow:
    steps:
      - {name: approve, type: suspend}
      - {name: deploy, type: apply-component, properties: {component: gated-web}}
";
    let up = run(&["up", "-f", "-", &state.arg()], Some(gated), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stdout.contains("0 objects; phase workflowSuspending"),
        "{}",
        up.stdout
    );
    let status = run(&["status", "gated", &state.arg()], None, &[]);
    assert!(
        status.stdout.contains("approve  suspend  suspending"),
        "{}",
        status.stdout
    );
    let wrong = run(
        &["workflow", "resume", "gated", "--step", "nope", &state.arg()],
        None,
        &[],
    );
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("can not find step \"nope\""),
        "{}",
        wrong.stderr
    );
    let resumed = run(&["workflow", "resume", "gated", &state.arg()], None, &[]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(resumed.stdout, "Application default/gated: running\n");
    let terminated = run(&["workflow", "terminate", "gated", &state.arg()], None, &[]);
    assert_eq!(terminated.code, 0, "{}", terminated.stderr);
    let missing = run(&["workflow", "suspend", "nobody", &state.arg()], None, &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("application default/nobody not found"),
        "{}",
        missing.stderr
    );
}

#[test]
fn version_names_the_compatible_apis() {
    let out = run(&["version"], None, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(&format!(
            "vela {}\nApplication API: core.oam.dev/v1beta1",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        out.stdout
    );
}
