#![no_main]
//! Parsing any text as Vela documents, in both modes, then validating and re-serialising every
//! Application, must never panic; a parsed Application must parse back from its own YAML. The
//! YAML reader underneath (`vela_model::yaml`: the flow-depth pre-scan, then serde-saphyr with
//! budgets) must return an error, never panic or overflow the stack, on any text; whatever it
//! reads writes back and reads again to the same value.

use libfuzzer_sys::fuzz_target;
use vela_model::parse::{self, Document, Mode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse::yaml11_differences(text);
    if let Ok(values) = vela_model::yaml::documents::<serde_json::Value>(text) {
        for value in values {
            let yaml = vela_model::yaml::to_string(&value).expect("a value read from YAML writes back");
            let back: serde_json::Value =
                vela_model::yaml::from_str(&yaml).expect("written YAML reads back");
            // Floats may be written in another spelling; compare them as numbers.
            assert!(same(&value, &back), "YAML round trip changed {value} into {back}");
        }
    }
    for mode in [Mode::Lenient, Mode::Strict] {
        let Ok(docs) = parse::documents_with(text, mode) else {
            continue;
        };
        for doc in docs {
            if let Document::Application(app) = doc {
                let _ = app.validate();
                let _ = app.problems();
                let yaml = vela_model::yaml::to_string(&app).expect("a parsed Application serialises");
                let back = parse::application_with(&yaml, Mode::Lenient)
                    .expect("an Application parses back from its own YAML");
                assert_eq!(*app, back, "round trip changed the Application");
            }
        }
    }
});

/// Equality, with numbers compared as `f64` (a float may come back as an integer or vice versa).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
