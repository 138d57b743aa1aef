#![no_main]
//! Parsing any text as Vela documents, in both modes, then validating and re-serialising every
//! Application, must never panic; a parsed Application must parse back from its own YAML.

use libfuzzer_sys::fuzz_target;
use vela_model::parse::{self, Document, Mode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse::yaml11_differences(text);
    for mode in [Mode::Lenient, Mode::Strict] {
        let Ok(docs) = parse::documents_with(text, mode) else {
            continue;
        };
        for doc in docs {
            if let Document::Application(app) = doc {
                let _ = app.validate();
                let yaml = serde_yaml::to_string(&app).expect("a parsed Application serialises");
                let back = parse::application_with(&yaml, Mode::Lenient)
                    .expect("an Application parses back from its own YAML");
                assert_eq!(*app, back, "round trip changed the Application");
            }
        }
    }
});
