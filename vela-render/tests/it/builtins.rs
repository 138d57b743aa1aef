//! Snapshots of the native built-ins rendering every KubeVela `def-doc` example whose
//! definitions they cover, plus error cases with field paths.

use crate::def_doc_examples;

use serde_json::json;
use vela_render::testing::{Harness, yaml_block};
use vela_render::{Application, Kind, Registry};

fn covered(reg: &Registry, app: &Application) -> bool {
    app.spec.components.iter().all(|c| {
        reg.get(Kind::Component, &c.type_).is_ok()
            && c.traits.iter().all(|t| reg.get(Kind::Trait, &t.type_).is_ok())
    })
}

#[test]
fn def_doc_examples_render_with_builtins() {
    let reg = Registry::builtin();
    let harness = Harness::builtin();
    let mut rendered = 0;
    for kind in ["component", "trait"] {
        for f in def_doc_examples(kind) {
            let md = std::fs::read_to_string(&f).unwrap();
            let Some(yaml) = yaml_block(&md) else { continue };
            let Ok(app) = vela_render::app::parse(&yaml) else {
                continue;
            };
            if !covered(&reg, &app) {
                continue;
            }
            let name = f.file_name().unwrap().to_string_lossy().replace(".eg.md", "");
            let text = harness.dry_run_yaml(&yaml);
            insta::assert_snapshot!(format!("{kind}-{name}"), text);
            rendered += 1;
        }
    }
    assert!(rendered >= 20, "only {rendered} examples covered");
}

#[test]
fn bench_app_snapshot() {
    let text = Harness::builtin().dry_run_yaml(include_str!("../data/bench-app.yaml"));
    insta::assert_snapshot!(text);
}

#[test]
fn validation_errors_name_the_field_path() {
    let h = Harness::builtin().strict(true);
    let text = h
        .component("webservice", json!({"image": 3, "replicas": 2}))
        .with_trait("scaler", json!({"replicas": "three"}))
        .dry_run();
    insta::assert_snapshot!(text);
    let text = h.component("webservice", json!({})).dry_run();
    assert!(
        text.contains("components[0].properties.image: required field is missing"),
        "{text}"
    );
    let text = h
        .component("webservice", json!({"image": "x"}))
        .with_trait("nope", json!({}))
        .dry_run();
    assert!(
        text.contains("components[0].traits[0].type: trait definition \"nope\" not found"),
        "{text}"
    );
}

#[test]
fn undeclared_fields_are_ignored_unless_strict() {
    let lenient = Harness::builtin()
        .component("worker", json!({"image": "x", "cpuPercent": 5}))
        .dry_run();
    assert!(lenient.contains("kind: Deployment"), "{lenient}");
    assert!(!lenient.contains("cpuPercent"), "{lenient}");
    let strict = Harness::builtin()
        .strict(true)
        .component("worker", json!({"image": "x", "cpuPercent": 5}))
        .dry_run();
    assert!(
        strict.contains("components[0].properties.cpuPercent: unknown field"),
        "{strict}"
    );
}

#[test]
fn user_errors_are_reported() {
    let text = Harness::builtin()
        .component("webservice", json!({"image": "x"}))
        .with_trait("env", json!({"containerName": "missing", "env": {"A": "1"}}))
        .dry_run();
    assert!(text.contains("container missing not found"), "{text}");
}

#[test]
fn app_labels_and_filters_are_stamped() {
    let app = vela_render::app::parse(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: a
  namespace: prod
  labels: {team: x, secret: y}
  annotations: {"filter.oam.dev/label-keys": "secret", "note": "n", "filter.oam.dev/annotation-keys": "hide", "hide": "h"}
spec:
  components:
    - name: w
      type: worker
      properties: {image: busybox}
      traits: [{type: cpuscaler, properties: {}}]
"#,
    )
    .unwrap();
    let text = Harness::builtin().dry_run_app(&app);
    insta::assert_snapshot!(text);
}
