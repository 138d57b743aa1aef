//! proptest: arbitrary Applications (spec and status) round-trip through YAML and JSON.

use std::collections::BTreeMap;

use k8s_openapi::jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Map, Value};
use vela_model::{
    Application,
    application::{self, ComponentStatus, Phase, Status, TraitStatus, WorkflowStatus},
    common::{Condition, ConditionStatus, Revision, Time},
    parse,
    workflow::{
        Input, Mode, Output, RunPhase, Step, StepMeta, StepMode, StepPhase, StepStatus, SubStep,
        SubStepStatus,
    },
};

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,10}[a-z0-9]"
}

fn text() -> impl Strategy<Value = String> {
    // Includes strings YAML would otherwise read as other types.
    prop_oneof![
        "[ -~]{0,16}",
        Just("true".to_string()),
        Just("null".to_string()),
        Just("0x1F".to_string()),
        Just("1e3".to_string()),
        Just("- item".to_string()),
        Just("key: value".to_string()),
        Just("multi\nline\n".to_string()),
        Just("ünïcødé ✓".to_string()),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(
        prop::collection::vec((text(), json()), 0..4)
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
    )
}

fn step_mode() -> impl Strategy<Value = StepMode> {
    prop_oneof![Just(StepMode::StepByStep), Just(StepMode::Dag)]
}

fn inputs() -> impl Strategy<Value = Vec<Input>> {
    prop::collection::vec((name(), prop_oneof![Just(String::new()), text()]), 0..2).prop_map(|v| {
        v.into_iter()
            .map(|(from, parameter_key)| Input { from, parameter_key })
            .collect()
    })
}

fn outputs() -> impl Strategy<Value = Vec<Output>> {
    prop::collection::vec((name(), text()), 0..2).prop_map(|v| {
        v.into_iter()
            .map(|(name, value_from)| Output { name, value_from })
            .collect()
    })
}

fn sub_step() -> impl Strategy<Value = SubStep> {
    (
        name(),
        name(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of("[0-9]{1,3}(s|m|h)"),
        prop::collection::vec(name(), 0..2),
        inputs(),
        outputs(),
        object(),
    )
        .prop_map(
            |(name, type_, alias, if_, timeout, depends_on, inputs, outputs, properties)| SubStep {
                name,
                type_,
                meta: alias.map(|alias| StepMeta { alias }),
                if_,
                timeout,
                depends_on,
                inputs,
                outputs,
                properties,
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    (
        sub_step(),
        prop::option::of(step_mode()),
        prop::collection::vec(sub_step(), 0..3),
    )
        .prop_map(|(base, mode, sub_steps)| Step {
            name: base.name,
            type_: base.type_,
            meta: base.meta,
            if_: base.if_,
            timeout: base.timeout,
            depends_on: base.depends_on,
            inputs: base.inputs,
            outputs: base.outputs,
            properties: base.properties,
            mode,
            sub_steps,
        })
}

fn component() -> impl Strategy<Value = application::Component> {
    (
        name(),
        (name(), prop::option::of("v[0-9]")),
        prop::option::of(name()),
        object(),
        prop::collection::vec(name(), 0..3),
        inputs(),
        outputs(),
        prop::collection::vec((name(), object()), 0..3),
        prop::collection::btree_map(name(), name(), 0..2),
    )
        .prop_map(
            |(name, (t, v), external_revision, properties, depends_on, inputs, outputs, traits, scopes)| {
                application::Component {
                    name,
                    type_: match v {
                        Some(v) => format!("{t}@{v}"),
                        None => t,
                    },
                    external_revision,
                    properties,
                    depends_on,
                    inputs,
                    outputs,
                    traits: traits
                        .into_iter()
                        .map(|(type_, properties)| application::Trait { type_, properties })
                        .collect(),
                    scopes,
                }
            },
        )
}

fn time() -> impl Strategy<Value = Option<Time>> {
    prop::option::of((0i64..4_000_000_000).prop_map(|s| Time(Timestamp::from_second(s).expect("in range"))))
}

fn step_phase() -> impl Strategy<Value = Option<StepPhase>> {
    prop::option::of(prop_oneof![
        Just(StepPhase::Succeeded),
        Just(StepPhase::Failed),
        Just(StepPhase::Skipped),
        Just(StepPhase::Running),
        Just(StepPhase::Pending),
        Just(StepPhase::Suspending),
    ])
}

fn status() -> impl Strategy<Value = Option<Status>> {
    let condition = (
        name(),
        prop_oneof![
            Just(ConditionStatus::True),
            Just(ConditionStatus::False),
            Just(ConditionStatus::Unknown)
        ],
        time(),
        text(),
    )
        .prop_map(|(type_, status, last_transition_time, message)| Condition {
            type_,
            status,
            last_transition_time,
            reason: String::new(),
            message,
        });
    let sub_status = (name(), name(), step_phase(), time()).prop_map(|(id, name, phase, t)| SubStepStatus {
        id,
        name,
        type_: "suspend".into(),
        phase,
        message: String::new(),
        reason: String::new(),
        first_execute_time: t.clone(),
        last_execute_time: t,
    });
    let step_status = (
        name(),
        name(),
        step_phase(),
        prop::collection::vec(sub_status, 0..2),
    )
        .prop_map(|(id, name, phase, sub_steps)| StepStatus {
            id,
            name,
            type_: "step-group".into(),
            phase,
            sub_steps,
            ..StepStatus::default()
        });
    let service = (
        name(),
        name(),
        any::<bool>(),
        prop::collection::btree_map(name(), text(), 0..2),
        prop::collection::vec((name(), any::<bool>(), any::<bool>()), 0..2),
    )
        .prop_map(|(name, cluster, healthy, details, traits)| ComponentStatus {
            name,
            cluster,
            namespace: "default".into(),
            healthy,
            details,
            traits: traits
                .into_iter()
                .map(|(type_, healthy, pending)| TraitStatus {
                    type_,
                    healthy,
                    pending,
                    ..TraitStatus::default()
                })
                .collect(),
            ..ComponentStatus::default()
        });
    prop::option::of(
        (
            prop::collection::vec(condition, 0..3),
            0i64..100,
            prop::option::of(prop_oneof![
                Just(Phase::Running),
                Just(Phase::RunningWorkflow),
                Just(Phase::WorkflowSuspending)
            ]),
            prop::collection::vec(service, 0..3),
            prop::option::of((prop::collection::vec(step_status, 0..3), any::<bool>(), time())),
            prop::option::of((name(), 1i64..50)),
        )
            .prop_map(
                |(conditions, observed_generation, phase, services, workflow, latest)| Status {
                    conditions,
                    observed_generation,
                    phase,
                    services,
                    workflow: workflow.map(|(steps, suspend, start_time)| WorkflowStatus {
                        app_revision: "app-v1".into(),
                        mode: "StepByStep-DAG".into(),
                        phase: Some(RunPhase::Executing),
                        suspend,
                        steps,
                        start_time,
                        ..WorkflowStatus::default()
                    }),
                    latest_revision: latest.map(|(name, revision)| Revision {
                        name,
                        revision,
                        revision_hash: String::new(),
                    }),
                    ..Status::default()
                },
            ),
    )
}

fn app() -> impl Strategy<Value = Application> {
    (
        name(),
        prop::option::of(name()),
        prop::collection::btree_map("[a-z.]{1,8}/[a-z]{1,8}", text(), 0..3),
        prop::collection::vec(component(), 0..4),
        prop::collection::vec((prop_oneof![Just(String::new()), name()], name(), object()), 0..3),
        prop::option::of((
            prop::option::of(name()),
            prop::option::of((prop::option::of(step_mode()), prop::option::of(step_mode()))),
            prop::collection::vec(step(), 0..4),
        )),
        status(),
    )
        .prop_map(
            |(app_name, namespace, annotations, components, policies, workflow, status)| {
                let mut app = Application::new(
                    &app_name,
                    application::Spec {
                        components,
                        policies: policies
                            .into_iter()
                            .map(|(name, type_, properties)| application::Policy {
                                name,
                                type_,
                                properties,
                            })
                            .collect(),
                        workflow: workflow.map(|(ref_, mode, steps)| application::Workflow {
                            ref_,
                            mode: mode.map(|(steps, sub_steps)| Mode { steps, sub_steps }),
                            steps,
                        }),
                    },
                );
                app.metadata.namespace = namespace;
                if !annotations.is_empty() {
                    app.metadata.annotations = Some(annotations.into_iter().collect::<BTreeMap<_, _>>());
                }
                app.status = status;
                app
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        // Integration tests have no lib.rs to put a regressions file beside.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn applications_round_trip_through_yaml(app in app()) {
        let yaml = vela_model::yaml::to_string(&app).unwrap();
        let back = parse::application_with(&yaml, parse::Mode::Strict);
        prop_assert_eq!(back.as_ref().map_err(|e| e.to_string()), Ok(&app), "yaml:\n{}", yaml);
    }

    #[test]
    fn applications_round_trip_through_json(app in app()) {
        let json = serde_json::to_string_pretty(&app).unwrap();
        let back = parse::application_with(&json, parse::Mode::Strict);
        prop_assert_eq!(back.as_ref().map_err(|e| e.to_string()), Ok(&app), "json:\n{}", json);
        // Key order of free-form properties survives.
        let again = serde_json::to_string_pretty(&back.unwrap()).unwrap();
        prop_assert_eq!(again, json);
    }
}

fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("apiVersion: core.oam.dev/v1beta1\n".to_string()),
        Just("kind: Application\n".to_string()),
        Just("kind: WorkflowRun\n".to_string()),
        Just("metadata: {name: a}\n".to_string()),
        Just("spec:\n".to_string()),
        Just("  components:\n".to_string()),
        Just("    - name: x\n".to_string()),
        Just("      type: [\n".to_string()),
        Just("---\n".to_string()),
        Just("{\"kind\": \"List\", \"items\": [1]}\n".to_string()),
        Just("\t\n".to_string()),
        Just("&a [*a]\n".to_string()),
        "[ -~\n]{0,20}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Bad input gives an error, never a panic; whatever parses also validates without panicking.
    #[test]
    fn parsing_never_panics(text in yamlish()) {
        for mode in [parse::Mode::Lenient, parse::Mode::Strict] {
            if let Ok(docs) = parse::documents_with(&text, mode) {
                for doc in docs {
                    if let parse::Document::Application(app) = doc {
                        let _ = app.validate();
                    }
                }
            }
        }
    }
}
