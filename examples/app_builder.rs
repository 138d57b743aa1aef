//! Builds an Application in Rust with the typed builders, validates it and prints the YAML a
//! platform team would apply.
//!
//! ```sh
//! cargo run -p vela-examples --example app_builder
//! ```

use serde_json::json;
use vela_model::{
    Application,
    application::{Component, Policy, Spec, Trait, Workflow},
    workflow::Step,
};

// ANCHOR: build
/// The Application a team gets from its platform: a web service, scaled, deployed to two
/// clusters.
pub fn storefront(image: &str, replicas: u32) -> Application {
    let web = Component::builder()
        .name("storefront")
        .type_("webservice")
        .properties(json!({"image": image, "ports": [{"port": 8080, "expose": true}]}))
        .traits(vec![
            Trait::builder()
                .type_("scaler")
                .properties(json!({"replicas": replicas}))
                .build(),
        ])
        .build();
    let clusters = Policy::builder()
        .name("prod-clusters")
        .type_("topology")
        .properties(json!({"clusters": ["eu-1", "us-1"]}))
        .build();
    let deploy = Step::builder()
        .name("deploy-prod")
        .type_("deploy")
        .properties(json!({"policies": ["prod-clusters"]}))
        .build();
    Application::new(
        "storefront",
        Spec::builder()
            .components(vec![web])
            .policies(vec![clusters])
            .workflow(Workflow::builder().steps(vec![deploy]).build())
            .build(),
    )
}
// ANCHOR_END: build

fn main() -> anyhow::Result<()> {
    let app = storefront("ghcr.io/acme/storefront:1.4.2", 3);
    app.validate()?;
    print!("{}", vela_model::yaml::to_string(&app)?);
    Ok(())
}
