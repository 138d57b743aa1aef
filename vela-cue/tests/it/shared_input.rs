//! A [`vela_cue::Input`] is converted once and shared: each evaluation makes fields only for
//! the objects it reads into, so an application's `context.components` does not cost every
//! component's evaluation the whole list.

use serde_json::{Value as Json, json};
use vela_cue::{Input, Program};

/// 5,000 components, each with nested properties, traits and a list of objects.
fn components() -> Json {
    Json::Array(
        (0..5000)
            .map(|i| {
                json!({"name": format!("c{i}"), "type": "webservice",
                       "properties": {"image": "nginx", "env": [{"name": "A", "value": "b"}]},
                       "traits": [{"type": "scaler", "properties": {"replicas": 2}}]})
            })
            .collect(),
    )
}

#[test]
fn a_shared_input_costs_an_evaluation_only_what_it_reads() {
    let shared = Input::from_json(&components());
    let p = Program::compile(
        "t.cue",
        "first: context.components[0].properties.env[0].value\nn: len(context.components)\nme: context.name",
    )
    .unwrap();
    for name in ["c0", "c1", "c2"] {
        let context = Input::object([
            ("name".to_string(), p.input(&json!(name))),
            ("components".to_string(), shared.clone()),
        ]);
        let inst = p.eval_with_inputs(&[("context", &context)]).unwrap();
        assert!(inst.errors(10).is_empty());
        let get = |path: &str| inst.lookup(path).unwrap().to_json().unwrap();
        assert_eq!(
            (get("first"), get("n"), get("me")),
            (json!("b"), json!(5000), json!(name))
        );
        // one struct per list element (unexpanded), plus the few read into; converting the
        // list into every evaluation made five per element (element, properties, env item,
        // trait, trait properties)
        let nodes = inst.usage().nodes;
        assert!((5000..5100).contains(&nodes), "{nodes} struct nodes");
    }
}

#[test]
fn a_shared_input_is_the_same_value_as_its_json() {
    let data = json!({"b": [1, 2.5, "x", null, true, {"c": {"d": []}}], "a": {"_x": 1, "#y": 2}});
    let p = Program::compile("t.cue", "out: context\nk: context.b[5].c").unwrap();
    let from_json = p
        .eval_with(&[("context", &data)])
        .unwrap()
        .root()
        .to_json()
        .unwrap();
    let shared = Input::from_json(&data);
    let from_input = p
        .eval_with_inputs(&[("context", &shared)])
        .unwrap()
        .root()
        .to_json()
        .unwrap();
    assert_eq!(from_json.to_string(), from_input.to_string());
    assert_eq!(from_json["out"].to_string(), data.to_string());
    // a template's constraint on injected data still applies (the data is not skipped then)
    let p = Program::compile("t.cue", "context: b: [...int]").unwrap();
    let inst = p.eval_with_inputs(&[("context", &shared)]).unwrap();
    assert!(
        !inst.errors(10).is_empty(),
        "b holds a string: the list constraint must fail"
    );
}
