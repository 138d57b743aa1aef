//! Every `kind: Application` document of the KubeVela corpus (def-doc examples, usage examples,
//! docs examples) parses, round-trips and is checked by `validate()`.
//!
//! The corpus is read from `../shared/conformance/kubevela` beside the repository (override with
//! `VELA_CONFORMANCE_DIR`). Run with `--nocapture` to see the counts and the rejected list.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use serde_json::Value;
use vela_model::{
    Application,
    parse::{self, Document, Mode},
};

fn corpus() -> PathBuf {
    match std::env::var_os("VELA_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela"),
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The YAML code blocks (and blocks without a language) of a markdown file.
/// A corpus file's text; an unreadable file fails the test.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn fences(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    // (keep, text) of the open fence
    let mut open: Option<(bool, String)> = None;
    for line in md.lines() {
        let t = line.trim_start();
        match open.as_mut() {
            Some((keep, block)) => {
                if t.starts_with("```") {
                    if *keep {
                        blocks.push(std::mem::take(block));
                    }
                    open = None;
                } else {
                    block.push_str(line);
                    block.push('\n');
                }
            }
            None => {
                if let Some(lang) = t.strip_prefix("```") {
                    let lang = lang.trim();
                    let keep = lang.is_empty() || lang.starts_with("yaml") || lang.starts_with("yml");
                    open = Some((keep, String::new()));
                }
            }
        }
    }
    blocks
}

/// Input values with the empties our serializer drops (null, [], {}) removed, so a model that
/// keeps every meaningful field serializes back to exactly this.
fn normalize(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Object(map) if map.is_empty() => None,
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .map(|i| normalize(i).unwrap_or(Value::Null))
                .collect(),
        )),
        Value::Object(map) => {
            let m: serde_json::Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| normalize(v).map(|v| (k.clone(), v)))
                .collect();
            if m.is_empty() {
                None
            } else {
                Some(Value::Object(m))
            }
        }
        other => Some(other.clone()),
    }
}

/// Like [`normalize`], also dropping `false` and `""`: the Go types omit these zero values
/// (`podDisruptive: false`, `workloadRefPath: ""`) just as ours do.
fn normalize_go_zero(v: &Value) -> Option<Value> {
    match v {
        Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if !items.is_empty() => Some(Value::Array(
            items
                .iter()
                .map(|i| normalize_go_zero(i).unwrap_or(Value::Null))
                .collect(),
        )),
        Value::Object(map) if !map.is_empty() => {
            let m: serde_json::Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| normalize_go_zero(v).map(|v| (k.clone(), v)))
                .collect();
            if m.is_empty() {
                None
            } else {
                Some(Value::Object(m))
            }
        }
        other => normalize(other),
    }
}

/// Normalizes free-form parts differently: inside `properties` an empty map is meaningful and
/// kept as it is, so only the typed skeleton is normalized.
fn normalize_app(v: &Value) -> Value {
    normalize(v).unwrap_or(Value::Null)
}

struct Case {
    source: String,
    text: String,
}

fn application_cases() -> Vec<Case> {
    let root = corpus().join("examples");
    assert!(
        root.is_dir(),
        "the KubeVela corpus is missing at {} (set VELA_CONFORMANCE_DIR)",
        root.display()
    );
    let mut paths = Vec::new();
    files(&root, &mut paths);
    let mut cases = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let texts: Vec<(String, String)> = match ext {
            "yaml" | "yml" | "json" => vec![(rel.clone(), read(&path))],
            "md" => fences(&read(&path))
                .into_iter()
                .enumerate()
                .map(|(i, b)| (format!("{rel}#block{}", i + 1), b))
                .collect(),
            _ => continue,
        };
        for (source, text) in texts {
            // Split into documents so that one Application is one case.
            for (d, doc) in split_docs(&text).into_iter().enumerate() {
                let is_app = doc.lines().any(|l| l.trim_end() == "kind: Application")
                    && doc.lines().any(|l| l.starts_with("apiVersion: core.oam.dev/"));
                if is_app {
                    cases.push(Case {
                        source: format!("{source}@doc{}", d + 1),
                        text: doc,
                    });
                }
            }
        }
    }
    cases
}

fn split_docs(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

/// Applications in the corpus that KubeVela itself would reject, with the rule that catches them.
/// Kept in sync with the corpus by the test: a new rejection or a fixed one fails it.
const EXPECTED_REJECTED: &[(&str, &str)] = &[
    // A tab in the indentation: not YAML.
    ("def-doc/component/task.eg.md#block1@doc1", "Syntax"),
    // `outputs: [{fromKey: config, name: ..}]`: `fromKey` is no output field and the required
    // `valueFrom` is missing, so the CRD schema rejects it.
    (
        "def-doc/workflowstep/create-config.eg.md#block1@doc1",
        "MissingInputOutputField",
    ),
    (
        "def-doc/workflowstep/read-config.eg.md#block1@doc1",
        "MissingInputOutputField",
    ),
    // `kubectl get` output with `...` elisions, not YAML.
    ("docs-examples/application/Demo.md#block3@doc1", "Syntax"),
    // A trait list item indented under the previous item's properties: not YAML.
    (
        "docs-examples/canary-rollout-use-case/rollback.yaml@doc1",
        "Syntax",
    ),
];

#[test]
fn every_corpus_application_parses_round_trips_and_validates() {
    let cases = application_cases();
    let mut parse_failures = Vec::new();
    let mut round_trip_failures = Vec::new();
    let mut lossy = Vec::new();
    let mut strict_unknown = Vec::new();
    let mut rejected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut by_dir: BTreeMap<String, usize> = BTreeMap::new();
    let mut syntax_errors = 0;
    for case in &cases {
        *by_dir
            .entry(case.source.split('/').next().unwrap_or("").to_string())
            .or_default() += 1;
        let app: Application = match parse::application(&case.text) {
            Ok(app) => app,
            // Not YAML at all: KubeVela (and kubectl) reject these too.
            Err(e @ parse::Error::Syntax { .. }) => {
                syntax_errors += 1;
                rejected.insert(case.source.clone(), vec![format!("Syntax {e}")]);
                continue;
            }
            Err(e) => {
                parse_failures.push(format!("{}: {e}", case.source));
                continue;
            }
        };
        // parse -> serialize (YAML and JSON) -> parse: equal.
        let yaml = vela_model::yaml::to_string(&app).expect("serialize yaml");
        let again = parse::application(&yaml);
        let json = serde_json::to_string(&app).expect("serialize json");
        let again_json = parse::application(&json);
        if again.as_ref() != Ok(&app) || again_json.as_ref() != Ok(&app) {
            round_trip_failures.push(case.source.clone());
        }
        // Nothing meaningful is dropped: the serialized form equals the input minus empties.
        let input: Value = vela_model::yaml::from_str(&case.text).expect("input yaml");
        let output = serde_json::to_value(&app).expect("to value");
        let rejected_already = app.validate().is_err();
        if !rejected_already && normalize_app(&input) != normalize_app(&output) {
            lossy.push(format!(
                "{}\n  input:  {}\n  output: {}",
                case.source,
                normalize_app(&input),
                normalize_app(&output)
            ));
        }
        if let Err(e) = parse::application_with(&case.text, Mode::Strict) {
            strict_unknown.push(format!("{}: {e}", case.source));
        }
        if let Err(problems) = app.validate() {
            rejected.insert(
                case.source.clone(),
                problems.iter().map(|p| format!("{:?} {p}", p.rule)).collect(),
            );
        }
    }
    println!("corpus Applications: {} ({by_dir:?})", cases.len());
    let parsed = cases.len() - parse_failures.len() - syntax_errors;
    println!("parsed: {parsed} (not YAML: {syntax_errors})");
    println!(
        "round-tripped (YAML and JSON): {}",
        parsed - round_trip_failures.len()
    );
    println!("lossless against the input: {}", parsed - lossy.len());
    println!("unknown fields in strict mode: {}", strict_unknown.len());
    for s in &strict_unknown {
        println!("  {s}");
    }
    println!(
        "valid: {}; rejected as KubeVela would: {}",
        cases.len() - parse_failures.len() - rejected.len(),
        rejected.len()
    );
    for (source, problems) in &rejected {
        println!("  {source}");
        for p in problems {
            println!("    {p}");
        }
    }
    assert_eq!(cases.len(), 228, "Applications of the corpus");
    assert!(
        parse_failures.is_empty(),
        "parse failures:\n{}",
        parse_failures.join("\n")
    );
    assert!(
        round_trip_failures.is_empty(),
        "round-trip failures:\n{}",
        round_trip_failures.join("\n")
    );
    assert!(lossy.is_empty(), "lossy parses:\n{}", lossy.join("\n"));
    let got: Vec<(String, String)> = rejected
        .iter()
        .map(|(s, ps)| {
            (
                s.clone(),
                ps.iter()
                    .map(|p| p.split(' ').next().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        })
        .collect();
    let want: Vec<(String, String)> = EXPECTED_REJECTED
        .iter()
        .map(|(s, r)| (s.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want, "the set of rejected corpus Applications changed");
}

#[test]
fn every_corpus_document_of_an_oam_kind_parses() {
    // Definitions, Workflows, Policies in the docs examples parse too.
    let root = corpus().join("examples");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut syntax = 0;
    for path in paths {
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            continue;
        }
        let text = read(&path);
        for doc in split_docs(&text) {
            if !doc.lines().any(|l| l.starts_with("apiVersion: core.oam.dev/")) {
                continue;
            }
            match parse::documents(&doc) {
                Ok(docs) => {
                    for d in docs {
                        if !matches!(d, Document::Other(_)) {
                            *counts.entry(d.kind().to_string()).or_default() += 1;
                        }
                    }
                }
                // Not YAML; listed by the Application test above.
                Err(parse::Error::Syntax { .. }) => syntax += 1,
                Err(e) => failures.push(format!("{}: {e}", path.display())),
            }
        }
    }
    println!("OAM documents by kind: {counts:?}; not YAML: {syntax}");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    let want: BTreeMap<String, usize> = [
        ("Application", 97),
        ("ComponentDefinition", 14),
        ("TraitDefinition", 13),
        ("WorkflowStepDefinition", 8),
        ("WorkloadDefinition", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(counts, want, "OAM documents of the corpus examples by kind");
    assert_eq!(syntax, 1, "documents that are not YAML");
}

#[test]
fn every_built_in_definition_cr_parses_strictly_and_round_trips() {
    // KubeVela's 91 built-in definitions in CR form, with the Helm namespace placeholder filled.
    let dir = corpus().join("definitions-cr");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path)
            .expect("read")
            .replace("{{ include \"systemDefinitionNamespace\" . }}", "vela-system");
        let docs = match parse::documents_with(&text, Mode::Strict) {
            Ok(docs) => docs,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let inputs: Vec<Value> = split_docs(&text)
            .iter()
            .map(|d| vela_model::yaml::from_str(d).expect("yaml"))
            .filter(|v: &Value| !v.is_null())
            .collect();
        assert_eq!(inputs.len(), docs.len(), "{}", path.display());
        for (doc, input) in docs.iter().zip(&inputs) {
            let output = match doc {
                Document::ComponentDefinition(d) => serde_json::to_value(d),
                Document::TraitDefinition(d) => serde_json::to_value(d),
                Document::PolicyDefinition(d) => serde_json::to_value(d),
                Document::WorkflowStepDefinition(d) => serde_json::to_value(d),
                Document::WorkloadDefinition(d) => serde_json::to_value(d),
                other => panic!("{}: unexpected kind {}", path.display(), other.kind()),
            }
            .expect("to value");
            if normalize_go_zero(input) != normalize_go_zero(&output) {
                failures.push(format!("{}: lossy", path.display()));
            }
            let yaml = match doc {
                Document::ComponentDefinition(d) => vela_model::yaml::to_string(d),
                Document::TraitDefinition(d) => vela_model::yaml::to_string(d),
                Document::PolicyDefinition(d) => vela_model::yaml::to_string(d),
                Document::WorkflowStepDefinition(d) => vela_model::yaml::to_string(d),
                Document::WorkloadDefinition(d) => vela_model::yaml::to_string(d),
                _ => unreachable!("checked above"),
            }
            .expect("to yaml");
            let back = parse::documents_with(&yaml, Mode::Strict).expect("reparse");
            if back.first() != Some(doc) {
                failures.push(format!("{}: round trip differs", path.display()));
            }
            *counts.entry(doc.kind().to_string()).or_default() += 1;
        }
    }
    println!("built-in definition CRs: {counts:?}");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert_eq!(counts.values().sum::<usize>(), 91, "{counts:?}");
}
