//! The code shown in the book chapter "The OAM model", compiled and run.

use serde_json::json;
use vela_model::{
    Application,
    labels::label,
    parse::{self, Mode},
    policy::{self, Typed},
    validate::Rule,
};

#[test]
fn parse_and_strict_mode() -> Result<(), parse::Error> {
    // ANCHOR: parse
    let text = r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: api
      type: webservice@v2          # pinned to DefinitionRevision webservice-v2
      properties: {image: "acme/api:1.0", cpu: "0.5"}
      trait:                        # typo: should be `traits`
        - type: scaler
"#;
    // Lenient (what KubeVela's Go types do): the typo is silently ignored.
    let app: Application = parse::application(text)?;
    assert_eq!(app.spec.components[0].definition_name(), "webservice");
    assert_eq!(
        app.spec.components[0].definition_revision_name().as_deref(),
        Some("webservice-v2")
    );

    // Strict: every unknown field is named with its path.
    let err = parse::application_with(text, Mode::Strict).unwrap_err();
    assert_eq!(
        err.to_string(),
        "document 1 (Application): unknown field(s) `spec.components[0].trait`"
    );

    // Type errors name the path, the line and the column.
    let err = parse::application(&text.replace("webservice@v2", "[webservice]")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "document 1: invalid value at `spec.components[0].type` (line 9, column 13): \
         invalid type: sequence, expected a string"
    );
    // ANCHOR_END: parse
    Ok(())
}

#[test]
fn validate_returns_every_problem() {
    // ANCHOR: validate
    let app = parse::application(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  annotations:
    app.oam.dev/publishVersion: v1
    app.oam.dev/autoUpdate: "true"
spec:
  components:
    - {name: api, type: webservice, dependsOn: [db]}
  workflow:
    steps:
      - {name: deploy, type: deploy, timeout: 5min, properties: {policies: [prod]}}
"#,
    )
    .expect("parses");
    let problems = app.validate().unwrap_err();
    let found: Vec<(Rule, &str)> = problems.iter().map(|p| (p.rule, p.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (
                Rule::PublishVersionWithAutoUpdate,
                "metadata.annotations[\"app.oam.dev/autoUpdate\"]"
            ),
            (Rule::UnknownDependency, "spec.components[0].dependsOn[0]"),
            (Rule::InvalidTimeout, "spec.workflow.steps[0].timeout"),
            (
                Rule::UnknownPolicy,
                "spec.workflow.steps[0].properties.policies[0]"
            ),
        ]
    );
    // Each problem prints as `path: message (hint: ...)`.
    println!("{}", problems[2]);
    // ANCHOR_END: validate
    assert!(problems[2].to_string().contains("hint: use a Go duration"));
}

#[test]
fn typed_policies_and_labels() {
    // ANCHOR: policy
    let generic = vela_model::application::Policy::builder()
        .name("gc")
        .type_("garbage-collect")
        .properties(json!({
            "rules": [{"selector": {"traitTypes": ["expose"]}, "strategy": "onAppDelete"}]
        }))
        .build();
    let Typed::GarbageCollect(gc) = Typed::from_policy(&generic).expect("fits") else {
        unreachable!("garbage-collect converts to Typed::GarbageCollect")
    };
    let target = policy::SelectorTarget::builder()
        .component_name("web")
        .oam_type(policy::OamType::Trait)
        .trait_type("expose")
        .kind("Service")
        .build();
    assert!(gc.rules[0].selector.matches(&target));
    assert_eq!(gc.rules[0].strategy, Some(policy::GcStrategy::OnAppDelete));

    // Well-known keys are constants, never string literals.
    assert_eq!(label::APP_NAME, "app.oam.dev/name");
    // ANCHOR_END: policy
}

#[test]
fn short_constructors() {
    use vela_model::{
        application::{Component, Policy, Spec, Workflow},
        workflow::Step,
    };
    // ANCHOR: short
    let mut spec = Spec::with_components(vec![
        Component::new("api", "webservice", json!({"image": "acme/api:1.0"}))
            .with_trait("scaler", json!({"replicas": 3})),
    ]);
    spec.policies = vec![Policy::new("prod", "topology", json!({"clusters": ["eu-1"]}))];
    spec.workflow = Some(Workflow {
        steps: vec![Step::new("deploy-prod", "deploy").with_properties(json!({"policies": ["prod"]}))],
        ..Workflow::default()
    });
    let app = Application::new("shop", spec);
    assert!(app.validate().is_ok());
    // ANCHOR_END: short
}
