//! Rendering vela-model types directly: an Application built in Rust, a TraitDefinition held
//! as a typed custom resource (as a controller or API server would read it from a cluster),
//! and an Application parsed from text with vela-model's parser.
//!
//! `cargo run -p vela-render --example typed_app`

use serde_json::json;
use vela_model::application::{Application, Component, Spec};
use vela_model::definition::{Schematic, TraitDefinition, TraitSpec};
use vela_render::ops::output;
use vela_render::{Registry, Renderer, app};

// ANCHOR: definition_cr
/// A trait a platform team keeps as a `TraitDefinition` CR.
fn team_label_trait() -> TraitDefinition {
    let mut cr = TraitDefinition::new(
        "team",
        TraitSpec::builder()
            .applies_to_workloads(vec!["deployments.apps".to_string()])
            .schematic(Schematic::cue(
                r#"
patch: metadata: labels: "example.com/team": parameter.name
parameter: name: string
"#,
            ))
            .build(),
    );
    cr.metadata.namespace = Some("vela-system".into());
    cr
}
// ANCHOR_END: definition_cr

// ANCHOR: render
/// Renders a typed Application with the built-ins plus one typed definition CR.
fn render() -> vela_render::Result<String> {
    let mut registry = Registry::builtin();
    registry.insert_resource(&team_label_trait())?;

    let app = Application::new(
        "shop",
        Spec::with_components(vec![
            Component::new("web", "webservice", json!({"image": "nginx:1.27", "port": 80}))
                .with_trait("scaler", json!({"replicas": 2}))
                .with_trait("team", json!({"name": "payments"})),
        ]),
    );
    let components = Renderer::new(registry).render(&app)?;
    Ok(output::dry_run_text(app::name(&app), &components))
}
// ANCHOR_END: render

fn main() {
    match render() {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {}", e.chain());
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_app_and_typed_trait_render() {
        let text = render().unwrap();
        assert!(
            text.starts_with("---\n# Application(shop) -- Component(web)\n"),
            "{text}"
        );
        assert!(text.contains("replicas: 2"), "{text}");
        assert!(text.contains("example.com/team: payments"), "{text}");
    }

    // ANCHOR: errors
    #[test]
    fn errors_name_the_field_and_the_line() {
        let renderer = Renderer::new(Registry::builtin());
        // A render error names the field path inside the Application ...
        let app = Application::new(
            "shop",
            Spec::with_components(vec![
                Component::new("web", "webservice", json!({"image": "nginx"}))
                    .with_trait("scaler", json!({"replicas": "many"})),
            ]),
        );
        let err = renderer.render(&app).unwrap_err().to_string();
        assert!(
            err.contains("components[0].traits[0].properties.replicas: expected integer, got string"),
            "{err}"
        );
        // ... and a parse error (vela-model's parser) names the line and column too.
        let err = app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop}\nspec:\n  components: {web: 1}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`spec.components` (line 5, column 15)"), "{err}");
    }
    // ANCHOR_END: errors
}
