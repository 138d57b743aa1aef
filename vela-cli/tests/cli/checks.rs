//! `vela dry-run` checks the Application and its `-d` definitions before it renders anything.

use std::path::PathBuf;

use super::{Run, conformance_dir, run};

/// Runs `vela dry-run -f -` on an Application whose `spec` is `spec`, with extra arguments.
fn dry_run(spec: &str, args: &[&str]) -> Run {
    let app = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: shop}}\nspec:\n{spec}"
    );
    let mut all = vec!["dry-run", "-f", "-"];
    all.extend_from_slice(args);
    run(&all, Some(&app), &[])
}

/// Asserts that the run failed with exit code 1, printed nothing on stdout and named every
/// `(path, message part)` on stderr.
fn assert_refused(out: &Run, expected: &[(&str, &str)]) {
    assert_eq!(out.code, 1, "stdout: {}\nstderr: {}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "", "nothing may be rendered");
    for (path, message) in expected {
        let line = out
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{path}: ")))
            .unwrap_or_else(|| panic!("no problem at {path} in:\n{}", out.stderr));
        assert!(line.contains(message), "{line:?} should say {message:?}");
    }
    let listed = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("  spec.") || l.starts_with("  metadata."))
        .count();
    assert_eq!(listed, expected.len(), "{}", out.stderr);
}

/// A class of problems: its name, an Application `spec` with such problems, and each expected
/// `(path, message part)`.
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[test]
fn each_validation_class_is_refused_with_its_path() {
    let cases: &[Case] = &[
        (
            "invalid names",
            "  components:\n    - {name: front end, type: webservice, properties: {image: nginx}}\n    - {name: api/v1, type: worker, properties: {image: x}}\n",
            &[
                (
                    "spec.components[0].name",
                    "\"front end\" is not a valid label value",
                ),
                ("spec.components[1].name", "\"api/v1\" is not a valid label value"),
            ],
        ),
        (
            "duplicate component names",
            "  components:\n    - {name: web, type: webservice, properties: {image: a}}\n    - {name: web, type: worker, properties: {image: b}}\n",
            &[("spec.components[1].name", "duplicate component name \"web\"")],
        ),
        (
            "duplicate step names",
            "  components:\n    - {name: web, type: webservice, properties: {image: a}}\n  workflow:\n    steps:\n      - {name: s, type: suspend}\n      - {name: g, type: step-group, subSteps: [{name: s, type: suspend}]}\n",
            &[(
                "spec.workflow.steps[1].subSteps[0].name",
                "duplicate step name \"s\"",
            )],
        ),
        (
            "dependsOn cycles",
            "  components:\n    - {name: a, type: worker, properties: {image: x}, dependsOn: [b]}\n    - {name: b, type: worker, properties: {image: x}, dependsOn: [a]}\n    - {name: c, type: worker, properties: {image: x}, dependsOn: [ghost]}\n",
            &[
                ("spec.components[2].dependsOn[0]", "depends on \"ghost\""),
                (
                    "spec.components[0].dependsOn",
                    "dependency cycle between components: a -> b -> a",
                ),
            ],
        ),
        (
            "bad timeouts",
            "  components:\n    - {name: web, type: webservice, properties: {image: a}}\n  workflow:\n    steps:\n      - {name: wait, type: suspend, timeout: soon}\n      - {name: g, type: step-group, subSteps: [{name: g1, type: suspend, timeout: 10}]}\n",
            &[
                ("spec.workflow.steps[0].timeout", "invalid timeout"),
                ("spec.workflow.steps[1].subSteps[0].timeout", "invalid timeout"),
            ],
        ),
        (
            "unknown definitions",
            "  components:\n    - {name: web, type: websrvice, properties: {image: a}, traits: [{type: scaler}, {type: scalr}]}\n  policies:\n    - {name: p, type: topolgy}\n  workflow:\n    steps:\n      - {name: d, type: deploy}\n      - {name: t, type: teleport}\n",
            &[
                ("spec.components[0].type", "unknown component type \"websrvice\""),
                (
                    "spec.components[0].traits[1].type",
                    "unknown trait type \"scalr\"",
                ),
                ("spec.policies[0].type", "unknown policy type \"topolgy\""),
                (
                    "spec.workflow.steps[1].type",
                    "unknown workflow-step type \"teleport\"",
                ),
            ],
        ),
    ];
    for (class, spec, expected) in cases {
        let out = dry_run(spec, &[]);
        assert!(
            out.stderr.starts_with("Error: check application file <stdin>: "),
            "{class}: {}",
            out.stderr
        );
        assert_refused(&out, expected);
    }
}

#[test]
fn unknown_types_are_checked_against_the_loaded_definitions() {
    let defs = conformance_dir().join("definitions");
    let defs = defs.to_str().unwrap();
    let spec = "  components:\n    - {name: web, type: webservice, properties: {image: a}, traits: [{type: scaler, properties: {replicas: 2}}]}\n  workflow:\n    steps:\n      - {name: n, type: notification}\n      - {name: c, type: apply-terraform-config}\n";
    // the built-ins have no `apply-terraform-config` step; KubeVela's definitions do
    let out = dry_run(spec, &[]);
    assert_refused(
        &out,
        &[(
            "spec.workflow.steps[1].type",
            "unknown workflow-step type \"apply-terraform-config\"",
        )],
    );
    let out = dry_run(spec, &["-d", defs]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("# Application(shop) -- Component(web)"),
        "{}",
        out.stdout
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vela-cli-checks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_definition_path_that_adds_nothing_is_an_error() {
    let spec = "  components:\n    - {name: web, type: webservice, properties: {image: a}}\n";
    let empty = scratch("empty");
    let notes = scratch("notes").join("notes.txt");
    std::fs::write(&notes, "not a definition\n").unwrap();
    let deployment = scratch("deployment").join("deployment.yaml");
    std::fs::write(
        &deployment,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
    )
    .unwrap();
    let mixed = scratch("mixed").join("mixed.yaml");
    let scaler = std::fs::read_to_string(conformance_dir().join("definitions-cr/scaler.yaml")).unwrap();
    std::fs::write(
        &mixed,
        format!("{scaler}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n"),
    )
    .unwrap();
    let expected = "expected `vela def` files (.cue) or definition CRs (.yaml, .yml, .json)";
    let cases = [
        (&empty, "no definition found: ", expected),
        (&notes, "", expected),
        (&deployment, "document 1 is a Deployment, not a definition", ""),
        (&mixed, "document 2 is a ConfigMap, not a definition", ""),
    ];
    for (path, message, hint) in cases {
        let p = path.to_str().unwrap();
        let out = dry_run(spec, &["-d", p]);
        assert_eq!(out.code, 1, "{p}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{p}");
        let prefix = format!("Error: load definitions from {p}: load definition from {p}: {message}");
        assert!(out.stderr.starts_with(&prefix), "{p}: {}", out.stderr);
        assert!(out.stderr.contains(hint), "{p}: {}", out.stderr);
    }
    // `def vet` refuses them the same way
    let out = run(&["def", "vet", empty.to_str().unwrap()], None, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("no definition found"), "{}", out.stderr);
}

#[test]
fn enum_errors_list_every_allowed_value() {
    let spec = "  components:\n    - {name: web, type: webservice, properties: {image: nginx, imagePullPolicy: Sometimes}}\n";
    let out = dry_run(spec, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(
            "components[0].properties.imagePullPolicy: must be one of \"Always\", \"Never\", \"IfNotPresent\", null, got \"Sometimes\""
        ),
        "{}",
        out.stderr
    );
    // KubeVela's CUE definition names each value it conflicts with
    let defs = conformance_dir().join("definitions");
    let out = dry_run(spec, &["-d", defs.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for value in ["Always", "Never", "IfNotPresent"] {
        assert!(
            out.stderr
                .contains(&format!("conflicting values \"{value}\" and \"Sometimes\"")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn cue_definition_errors_list_every_problem() {
    let spec = "  components:\n    - {name: web, type: webservice, properties: {image: nginx, imagePullPolicy: Sometimes, exposeType: Nowhere}}\n";
    let defs = conformance_dir().join("definitions");
    let out = dry_run(spec, &["-d", defs.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("component webservice: 2 errors:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("parameter.imagePullPolicy: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("parameter.exposeType: "), "{}", out.stderr);
}
