//! `vela def apply` and the hub's stored definitions in `vela up`, on the embedded hub.

use super::{State, run};

const NOTE: &str = r#"
"note": {
	type: "component"
	description: "A ConfigMap holding a note"
	attributes: status: healthPolicy: "isHealth: true"
}
template: {
	output: {apiVersion: "v1", kind: "ConfigMap", data: {text: parameter.text, from: "hub"}}
	parameter: text: string
}
"#;

const APP: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: noted}
spec:
  components:
    - {name: hello, type: note, properties: {text: hi}}
";

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `data.text` and `data.from` of a ConfigMap in the state's `default` namespace.
fn config_map(state: &State, name: &str) -> (String, String) {
    use vela_multicluster::{Embedded, Key, Objects};
    let cluster = Embedded::open(&state.0).unwrap();
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "default".into(),
        name: name.into(),
    };
    let cm = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(cluster.get(&key))
        .unwrap()
        .expect("the ConfigMap");
    let s = |f: &str| cm["data"][f].as_str().unwrap_or_default().to_owned();
    (s("text"), s("from"))
}

#[test]
fn up_renders_with_definitions_stored_by_def_apply_and_d_overrides_them() {
    let state = State::new("def-apply");
    let s = state.arg();
    let dir = std::env::temp_dir().join(format!("vela-cli-def-apply-files-{}", std::process::id()));
    let note = write(&dir, "note.cue", NOTE);

    // unknown until stored
    let up = run(&["up", "-f", "-", &s], Some(APP), &[]);
    assert_eq!(up.code, 1, "{}", up.stdout);
    assert!(
        up.stderr.contains("component definition \"note\" not found"),
        "{}",
        up.stderr
    );

    let dry = run(&["def", "apply", &note, "--dry-run", &s], None, &[]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .starts_with("---\napiVersion: core.oam.dev/v1beta1\nkind: ComponentDefinition\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("  namespace: vela-system\n"),
        "{}",
        dry.stdout
    );
    let apply = run(&["def", "apply", &note, &s], None, &[]);
    assert_eq!(
        (apply.code, apply.stdout.as_str()),
        (0, "ComponentDefinition vela-system/note created\n"),
        "{}",
        apply.stderr
    );
    let again = run(&["def", "apply", &note, &s], None, &[]);
    assert_eq!(again.stdout, "ComponentDefinition vela-system/note unchanged\n");

    let up = run(&["up", "-f", "-", &s], Some(APP), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(config_map(&state, "hello"), ("hi".to_owned(), "hub".to_owned()));
    let shown = run(&["status", "noted", &s], None, &[]);
    assert!(
        shown.stdout.starts_with("Application default/noted: running\n"),
        "{}",
        shown.stdout
    );
    let tree = run(&["status", "noted", "--tree", &s], None, &[]);
    assert!(tree.stdout.contains("ConfigMap/hello"), "{}", tree.stdout);

    // `-d` is stronger than the hub: a local edit of the definition renders instead
    let local = write(
        &dir.join("local"),
        "note.cue",
        &NOTE.replace("from: \"hub\"", "from: \"local\""),
    );
    let up = run(
        &["up", "-f", "-", "-d", &local, &s],
        Some(&APP.replace("text: hi", "text: ho")),
        &[],
    );
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(config_map(&state, "hello"), ("ho".to_owned(), "local".to_owned()));

    // a broken file is refused before anything is written
    let broken = write(
        &dir,
        "broken.cue",
        "\"broken\": {type: \"component\"}\ntemplate: {\n\toutput: {apiVersion: \"v1\"\n\tparameter: {}\n}\n",
    );
    let refused = run(&["def", "apply", &note, &broken, &s], None, &[]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("broken.cue"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}
