//! One case per validation rule, each asserting the exact problems (rule and field path).

use vela_model::{
    parse,
    validate::{self, Rule},
};

fn app(metadata_extra: &str, spec: &str) -> vela_model::Application {
    let text = format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: demo\n{metadata_extra}spec:\n{spec}"
    );
    parse::application(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn problems(app: &vela_model::Application) -> Vec<(Rule, String)> {
    app.problems().into_iter().map(|p| (p.rule, p.path)).collect()
}

/// (case name, extra metadata lines, spec lines, expected problems)
type Case = (&'static str, String, String, Vec<(Rule, &'static str)>);

const WEB: &str = "  components:\n    - name: web\n      type: webservice\n";

#[test]
fn validation_table() {
    let cases: Vec<Case> = vec![
        (
            "valid application has no problems",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - name: a\n        type: apply-component\n        timeout: 1m30s\n"),
            vec![],
        ),
        (
            "component name is not a label value",
            String::new(),
            "  components:\n    - name: Web 1\n      type: webservice\n".into(),
            vec![(Rule::InvalidName, "spec.components[0].name")],
        ),
        (
            "duplicate component names",
            String::new(),
            format!("{WEB}    - name: web\n      type: worker\n"),
            vec![(Rule::DuplicateName, "spec.components[1].name")],
        ),
        (
            "duplicate policy names",
            String::new(),
            format!("{WEB}  policies:\n    - {{name: p, type: topology}}\n    - {{name: p, type: override}}\n"),
            vec![(Rule::DuplicateName, "spec.policies[1].name")],
        ),
        (
            "trait without type",
            String::new(),
            "  components:\n    - name: web\n      type: webservice\n      traits:\n        - properties: {replicas: 2}\n".into(),
            vec![(Rule::MissingType, "spec.components[0].traits[0].type")],
        ),
        (
            "properties that are not an object",
            String::new(),
            "  components:\n    - name: web\n      type: webservice\n      properties: [1, 2]\n".into(),
            vec![(Rule::PropertiesNotObject, "spec.components[0].properties")],
        ),
        (
            "component depends on an unknown component",
            String::new(),
            "  components:\n    - name: web\n      type: webservice\n      dependsOn: [db]\n".into(),
            vec![(Rule::UnknownDependency, "spec.components[0].dependsOn[0]")],
        ),
        (
            "component dependency cycle",
            String::new(),
            "  components:\n    - {name: a, type: worker, dependsOn: [c]}\n    - {name: b, type: worker, dependsOn: [a]}\n    - {name: c, type: worker, dependsOn: [b]}\n".into(),
            vec![(Rule::DependencyCycle, "spec.components[0].dependsOn")],
        ),
        (
            "step depends on an unknown step",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - {{name: a, type: suspend, dependsOn: [nope]}}\n"),
            vec![(Rule::UnknownDependency, "spec.workflow.steps[0].dependsOn[0]")],
        ),
        (
            "step dependency cycle inside a group",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - name: g\n        type: step-group\n        subSteps:\n          - {{name: x, type: suspend, dependsOn: [y]}}\n          - {{name: y, type: suspend, dependsOn: [x]}}\n"),
            vec![(Rule::DependencyCycle, "spec.workflow.steps[0].subSteps[0].dependsOn")],
        ),
        (
            "duplicate step names across sub-steps",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - {{name: a, type: suspend}}\n      - name: g\n        type: step-group\n        subSteps:\n          - {{name: a, type: suspend}}\n"),
            vec![(Rule::DuplicateStepName, "spec.workflow.steps[1].subSteps[0].name")],
        ),
        (
            "unparsable timeout",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - {{name: a, type: suspend, timeout: 10}}\n"),
            vec![(Rule::InvalidTimeout, "spec.workflow.steps[0].timeout")],
        ),
        (
            "unparsable sub-step timeout",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - name: g\n        type: step-group\n        subSteps:\n          - {{name: a, type: suspend, timeout: 5days}}\n"),
            vec![(Rule::InvalidTimeout, "spec.workflow.steps[0].subSteps[0].timeout")],
        ),
        (
            "workflow ref together with steps",
            String::new(),
            format!("{WEB}  workflow:\n    ref: shared\n    steps:\n      - {{name: a, type: suspend}}\n"),
            vec![(Rule::RefWithSteps, "spec.workflow.ref")],
        ),
        (
            "step group without sub-steps",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - {{name: g, type: step-group}}\n"),
            vec![(Rule::EmptyStepGroup, "spec.workflow.steps[0].subSteps")],
        ),
        (
            "input without from, output without valueFrom",
            String::new(),
            format!("{WEB}  workflow:\n    steps:\n      - name: a\n        type: suspend\n        inputs: [{{parameterKey: x}}]\n        outputs: [{{name: y}}]\n"),
            vec![
                (Rule::MissingInputOutputField, "spec.workflow.steps[0].inputs[0].from"),
                (Rule::MissingInputOutputField, "spec.workflow.steps[0].outputs[0].valueFrom"),
            ],
        ),
        (
            "publishVersion together with autoUpdate",
            "  annotations:\n    app.oam.dev/publishVersion: alpha\n    app.oam.dev/autoUpdate: \"true\"\n".into(),
            WEB.into(),
            vec![(Rule::PublishVersionWithAutoUpdate, "metadata.annotations[\"app.oam.dev/autoUpdate\"]")],
        ),
        (
            "deploy step names an undeclared policy",
            String::new(),
            format!("{WEB}  policies:\n    - {{name: eu, type: topology, properties: {{clusters: [eu-1]}}}}\n  workflow:\n    steps:\n      - name: d\n        type: deploy\n        properties:\n          policies: [eu, us]\n"),
            vec![(Rule::UnknownPolicy, "spec.workflow.steps[0].properties.policies[1]")],
        ),
        (
            "deploy step may name an auto-generated policy name",
            String::new(),
            format!("{WEB}  policies:\n    - {{type: topology, properties: {{clusters: [eu-1]}}}}\n  workflow:\n    steps:\n      - {{name: d, type: deploy, properties: {{policies: [topology-auto-gen-0]}}}}\n"),
            vec![],
        ),
        (
            "built-in policy with properties of the wrong shape",
            String::new(),
            format!("{WEB}  policies:\n    - {{name: eu, type: topology, properties: {{clusters: eu-1}}}}\n"),
            vec![(Rule::InvalidPolicyProperties, "spec.policies[0].properties.clusters")],
        ),
        (
            "all problems are reported, not just the first",
            String::new(),
            "  components:\n    - {name: A!, type: worker, dependsOn: [x]}\n  workflow:\n    steps:\n      - {name: s, type: suspend, timeout: soon}\n      - {name: s, type: step-group}\n".into(),
            vec![
                (Rule::InvalidName, "spec.components[0].name"),
                (Rule::UnknownDependency, "spec.components[0].dependsOn[0]"),
                (Rule::InvalidTimeout, "spec.workflow.steps[0].timeout"),
                (Rule::DuplicateStepName, "spec.workflow.steps[1].name"),
                (Rule::EmptyStepGroup, "spec.workflow.steps[1].subSteps"),
            ],
        ),
    ];
    for (name, meta, spec, want) in cases {
        let got = problems(&app(&meta, &spec));
        let want: Vec<(Rule, String)> = want.into_iter().map(|(r, p)| (r, p.to_string())).collect();
        assert_eq!(got, want, "case: {name}");
    }
}

#[test]
fn application_name_must_be_a_subdomain() {
    let text = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: Demo_App\nspec:\n  components: []\n";
    let app = parse::application(text).unwrap();
    assert_eq!(
        problems(&app),
        vec![(Rule::InvalidName, "metadata.name".to_string())]
    );
}

#[test]
fn every_problem_has_a_message_and_a_hint() {
    let a = app(
        "",
        "  components:\n    - {name: A, type: \"\", dependsOn: [x]}\n  workflow:\n    ref: r\n    steps:\n      - {name: s, type: step-group, timeout: x}\n",
    );
    let ps = a.validate().unwrap_err();
    assert!(ps.len() >= 5, "{ps:?}");
    for p in ps {
        assert!(!p.message.is_empty() && !p.hint.is_empty(), "{p:?}");
        assert!(p.to_string().starts_with(&p.path));
    }
}

#[test]
fn workflow_run_needs_exactly_one_source() {
    let both = "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\nspec:\n  workflowRef: w\n  workflowSpec:\n    steps:\n      - {name: a, type: suspend, timeout: bad}\n";
    let run: vela_model::WorkflowRun = parse::from_str(both, parse::Mode::Strict).unwrap();
    let got: Vec<(Rule, String)> = validate::workflow_run(&run)
        .into_iter()
        .map(|p| (p.rule, p.path))
        .collect();
    assert_eq!(
        got,
        vec![
            (Rule::WorkflowRunSource, "spec.workflowRef".to_string()),
            (
                Rule::InvalidTimeout,
                "spec.workflowSpec.steps[0].timeout".to_string()
            ),
        ]
    );
    let neither = "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\nspec: {}\n";
    let run: vela_model::WorkflowRun = parse::from_str(neither, parse::Mode::Strict).unwrap();
    assert_eq!(validate::workflow_run(&run)[0].path, "spec");
}
