//! `app.oam.dev/autoUpdate`: a changed definition makes a new revision that delivers again;
//! without it, the application keeps its revision until its own spec changes (as KubeVela).

use std::sync::Arc;

use vela_engine::Engine;
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::cue::CueDefinition;
use vela_render::{Registry, Renderer};

fn engine(cluster: &Arc<Embedded>, flavour: &str) -> Engine {
    let src = format!(
        "\"note\": {{type: \"component\", description: \"A note\", attributes: {{status: healthPolicy: \"isHealth: true\"}}}}\n\
         template: {{\n  output: {{apiVersion: \"v1\", kind: \"ConfigMap\", data: {{text: parameter.text, flavour: \"{flavour}\"}}}}\n  parameter: text: string\n}}\n"
    );
    let mut registry = Registry::builtin();
    registry.insert(Arc::new(CueDefinition::from_cue("note.cue", &src).unwrap()));
    Engine::new(Renderer::new(registry), cluster.clone())
}

fn app(name: &str, auto: bool) -> vela_model::application::Application {
    let annotations = if auto {
        "\n  annotations: {app.oam.dev/autoUpdate: \"true\"}"
    } else {
        ""
    };
    vela_render::app::parse(&format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: {name}{annotations}\n\
         spec:\n  components:\n    - {{name: {name}, type: note, properties: {{text: hi}}}}\n"
    ))
    .unwrap()
}

async fn flavour(cluster: &Embedded, name: &str) -> String {
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "default".into(),
        name: name.into(),
    };
    let cm = cluster.get(&key).await.unwrap().expect("the ConfigMap");
    cm["data"]["flavour"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_changed_definition_redelivers_only_auto_updating_applications() {
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let old = engine(&cluster, "plain");
    for (name, auto) in [("auto", true), ("fixed", false)] {
        let d = old.up(&app(name, auto)).await.unwrap();
        assert_eq!(d.revision, format!("{name}-v1"));
        assert_eq!(flavour(&cluster, name).await, "plain");
    }
    // the same definition: nothing moves
    let again = old.reconcile("default", "auto").await.unwrap().unwrap();
    assert_eq!(again.revision, "auto-v1");

    let new = engine(&cluster, "spicy");
    let auto = new.reconcile("default", "auto").await.unwrap().unwrap();
    assert_eq!(auto.revision, "auto-v2", "{:?}", auto.status.workflow);
    assert_eq!(flavour(&cluster, "auto").await, "spicy");
    let fixed = new.reconcile("default", "fixed").await.unwrap().unwrap();
    assert_eq!(fixed.revision, "fixed-v1");
    assert_eq!(flavour(&cluster, "fixed").await, "plain");
}
