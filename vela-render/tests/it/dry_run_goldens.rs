//! `vela dry-run` against KubeVela v1.11.0's own (`conformance/dry-run`, recorded by
//! `tools/kubevela-oracle`): every example Application of the corpus, rendered with our native
//! built-ins and with KubeVela's CUE definitions (evaluated by `vela-cue`).
//!
//! * A `<case>.yaml` golden must be reproduced byte for byte, by both.
//! * A `<case>.error` golden must be refused by both, with the same kind of error
//!   ([`Category`]) and naming the same things (the unknown type, the parameter) with our field
//!   path; the wording is ours.
//!
//! The counts are exact: a missing corpus, a missing golden or an example that cannot be found
//! fails the test.

use std::path::{Path, PathBuf};

use vela_render::ops::dryrun;
use vela_render::ops::output::dry_run_text;
use vela_render::{Kind, Registry, Renderer};

use crate::conformance_dir;

/// Rows of `index.tsv`: every Application of the examples corpus.
const CASES: usize = 202;
/// Rows whose golden is an error (`<case>.error`).
const ERROR_CASES: usize = 87;

fn goldens_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/dry-run")
}

/// The Application `#n` of an example file (`.eg.md` YAML blocks or multi-document YAML), as
/// the oracle split it.
fn example_app(source: &str) -> Option<String> {
    let (path, nth) = match source.split_once('#') {
        Some((p, n)) => (p, n.parse::<usize>().ok()?),
        None => (source, 1),
    };
    let text = std::fs::read_to_string(conformance_dir().join("examples").join(path)).ok()?;
    let blocks: Vec<String> = if path.ends_with(".md") {
        text.split("```yaml")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .map(|b| {
                b.trim_start_matches([' ', '\t'])
                    .trim_start_matches('\n')
                    .to_string()
            })
            .collect()
    } else {
        vec![text]
    };
    blocks
        .iter()
        .flat_map(|b| split_documents(b))
        .filter(|d| {
            d.lines()
                .any(|l| l.trim_end() == "kind: Application" || l.starts_with("kind: Application "))
        })
        .nth(nth - 1)
}

/// Splits a YAML stream at `---` lines, as the oracle does.
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs
}

/// The kinds of refusal KubeVela's dry-run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    /// The Application text is not YAML.
    AppText,
    /// A component type with no definition.
    UnknownComponent,
    /// A trait type with no definition.
    UnknownTrait,
    /// A workflow step type with no definition.
    UnknownStep,
    /// A `ref-objects` component, whose objects only a cluster can provide.
    ReferredObjects,
    /// Parameters that do not fit the definition's schema.
    InvalidParameters,
    /// A definition that calls a provider that is not available offline (`helm.#Render`
    /// needs a cluster in KubeVela; `vela-cue` has no `vela/helm` package).
    ProviderUnavailable,
}

/// KubeVela's error text: its category and the names it mentions (which ours must mention).
fn kubevela_category(text: &str) -> (Category, Vec<String>) {
    let quoted_after = |marker: &str| -> Option<String> {
        let rest = &text[text.find(marker)? + marker.len()..];
        let end = rest.find(['"', ':', ' ', ')', ']'])?;
        Some(rest[..end].to_string())
    };
    if text.starts_with("yaml:") || text.contains("error converting YAML to JSON") {
        return (Category::AppText, vec![]);
    }
    if let Some(t) = quoted_after("failed to get workflow step definition ") {
        return (Category::UnknownStep, vec![t]);
    }
    if let Some(t) = quoted_after("trait definition of ") {
        return (Category::UnknownTrait, vec![t]);
    }
    if text.contains("cannot load template") {
        return (
            Category::UnknownComponent,
            quoted_after("cannot load template \"").into_iter().collect(),
        );
    }
    if text.contains("failed to parseReferredObjects") {
        return (Category::ReferredObjects, vec![]);
    }
    if text.contains("Parameter errors:") {
        // `parameter.ports: ...` lines name the fields
        let fields = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("parameter."))
            .filter_map(|l| l.split(':').next())
            .map(|f| format!("properties.{f}"))
            .collect();
        return (Category::InvalidParameters, fields);
    }
    if text.contains("function call") || text.contains("127.0.0.1:9") || text.contains("connection refused") {
        return (Category::ProviderUnavailable, vec![]);
    }
    panic!("an error golden of a kind this test does not know: {text}");
}

/// Our error's category and text.
fn our_category(err: &Failure) -> Option<Category> {
    let text = &err.0;
    Some(if text.starts_with("parse application") {
        Category::AppText
    } else if text.contains("workflow step type") {
        Category::UnknownStep
    } else if text.contains("trait definition") && text.contains("not found") {
        Category::UnknownTrait
    } else if text.contains("component definition") && text.contains("not found") {
        Category::UnknownComponent
    } else if text.contains("ref-objects") && text.contains("cluster") {
        Category::ReferredObjects
    } else if text.contains("package \"vela/") && text.contains("not found") {
        Category::ProviderUnavailable
    } else if text.contains("invalid parameters") {
        Category::InvalidParameters
    } else {
        return None;
    })
}

/// Our refusal: the error chain.
struct Failure(String);

fn dry_run(renderer: &Renderer, yaml: &str) -> Result<String, Failure> {
    let app = vela_render::app::parse(yaml).map_err(|e| Failure(e.chain()))?;
    let sections = dryrun::run(renderer, &app).map_err(|e| Failure(e.chain()))?;
    Ok(sections.iter().map(|(t, c)| dry_run_text(t, c)).collect())
}

fn cue_renderer() -> Renderer {
    let defs = conformance_dir().join("definitions");
    let mut reg = Registry::new();
    for k in ["component", "trait", "policy", "workflowstep"] {
        reg.load_path(&defs.join(k))
            .unwrap_or_else(|e| panic!("load {k} definitions: {}", e.chain()));
    }
    Renderer::new(reg)
}

/// The first line that differs, for the report.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split('\n').collect(), got.split('\n').collect());
    for i in 0..w.len().max(g.len()) {
        if w.get(i) != g.get(i) {
            return format!("line {}: want {:?}, got {:?}", i + 1, w.get(i), g.get(i));
        }
    }
    "equal".into()
}

/// Compares one renderer's answer with the golden; `None` when it matches.
fn compare(golden: &Golden, got: Result<String, Failure>) -> Option<String> {
    match (golden, got) {
        (Golden::Output(want), Ok(got)) if *want == got => None,
        (Golden::Output(want), Ok(got)) => Some(first_difference(want, &got)),
        (Golden::Output(_), Err(e)) => Some(format!("refused: {}", e.0.lines().next().unwrap_or_default())),
        (Golden::Error(text), Ok(_)) => Some(format!(
            "rendered, KubeVela refuses: {}",
            text.lines().next().unwrap_or_default()
        )),
        (Golden::Error(text), Err(e)) => {
            let (want, names) = kubevela_category(text);
            let got = our_category(&e);
            if got != Some(want) {
                return Some(format!("error category {got:?}, KubeVela's is {want:?}: {}", e.0));
            }
            let missing: Vec<&String> = names.iter().filter(|n| !e.0.contains(n.as_str())).collect();
            if !missing.is_empty() {
                return Some(format!("our error does not name {missing:?}: {}", e.0));
            }
            let paths = ["components[", "spec.", "workflow.steps["];
            if !paths.iter().any(|p| e.0.contains(p)) && want != Category::AppText {
                return Some(format!("our error names no field path: {}", e.0));
            }
            None
        }
    }
}

enum Golden {
    Output(String),
    Error(String),
}

fn read_golden(dir: &Path, name: &str, result: &str) -> Golden {
    let (ext, wrap): (&str, fn(String) -> Golden) = match result {
        "ok" => ("yaml", Golden::Output),
        "error" => ("error", Golden::Error),
        r => panic!("{name}: result {r:?} in index.tsv"),
    };
    let path = dir.join(format!("{name}.{ext}"));
    wrap(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

#[test]
fn dry_run_goldens() {
    let dir = goldens_dir();
    let index = std::fs::read_to_string(dir.join("index.tsv"))
        .unwrap_or_else(|e| panic!("read {}/index.tsv: {e}", dir.display()));
    let native = Renderer::new(Registry::builtin());
    let native_registry = native.registry();
    let cue = cue_renderer();
    let (mut cases, mut errors) = (0, 0);
    let (mut same_cue, mut same_native, mut native_cases) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut uncovered = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, source, result, defs] = cols[..] else {
            panic!("index.tsv row with {} columns: {line}", cols.len());
        };
        cases += 1;
        let golden = read_golden(&dir, name, result);
        errors += usize::from(matches!(golden, Golden::Error(_)));
        let app = example_app(source).unwrap_or_else(|| panic!("{name}: example {source} not found"));
        let known = KNOWN_DIFFERENCES.iter().find(|(n, _)| *n == name);
        match (compare(&golden, dry_run(&cue, &app)), known) {
            (None, None) => same_cue += 1,
            (None, Some(_)) => failures.push(format!("{name} now matches: remove it from KNOWN_DIFFERENCES")),
            (Some(_), Some(_)) => {}
            (Some(why), None) => failures.push(format!("CUE    {name}: {why}")),
        }
        // the native built-ins cover KubeVela's built-in definitions: an example whose types
        // are built-ins (or unknown to both) must come out the same
        let cue_registry = cue.registry();
        let covered = defs
            .split(',')
            .filter(|d| !d.is_empty())
            .all(|d| match d.split_once('/') {
                Some(("component", t)) => {
                    native_registry.get(Kind::Component, t).is_ok()
                        || cue_registry.get(Kind::Component, t).is_err()
                }
                Some(("trait", t)) => {
                    native_registry.get(Kind::Trait, t).is_ok() || cue_registry.get(Kind::Trait, t).is_err()
                }
                Some(("policy", t)) => {
                    native_registry.get(Kind::Policy, t).is_ok() || cue_registry.get(Kind::Policy, t).is_err()
                }
                Some(("workflowstep", t)) => {
                    native_registry.has_workflow_step(t) || !cue_registry.has_workflow_step(t)
                }
                _ => false,
            });
        if covered {
            native_cases += 1;
            match (compare(&golden, dry_run(&native, &app)), known) {
                (None, None) => same_native += 1,
                (None, Some(_)) => failures.push(format!(
                    "{name} now matches natively: remove it from KNOWN_DIFFERENCES"
                )),
                (Some(_), Some(_)) => {}
                (Some(why), None) => failures.push(format!("NATIVE {name}: {why}")),
            }
        } else {
            uncovered.push(format!("{name} ({defs})"));
        }
    }
    println!(
        "KubeVela v1.11.0 dry-run goldens: KubeVela's CUE definitions {same_cue}/{cases}, native built-ins {same_native}/{native_cases} ({errors} error goldens)"
    );
    for f in &failures {
        println!("  {}", f.chars().take(400).collect::<String>());
    }
    for u in &uncovered {
        println!("  not built in natively: {u}");
    }
    assert_eq!(
        (cases, errors),
        (CASES, ERROR_CASES),
        "index.tsv changed: update the counts"
    );
    let uncovered_names: Vec<&str> = uncovered
        .iter()
        .map(|u| u.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        uncovered_names, NOT_BUILT_IN,
        "examples whose definitions are not all native built-ins"
    );
    assert!(
        failures.is_empty(),
        "{} differences from KubeVela v1.11.0",
        failures.len()
    );
}

/// Examples that use a built-in definition with no native counterpart: `helmchart` renders a
/// chart through the `vela/helm` provider, which needs a cluster (KubeVela's dry-run refuses
/// these examples too, and they are compared with KubeVela's CUE definitions above).
const NOT_BUILT_IN: &[&str] = &[
    "def-doc-component-helmchart",
    "docs-examples-helmchart-valuesfrom-configmap-backed",
    "docs-examples-helmchart-valuesfrom-secret-and-inline",
];

/// Examples where we deliberately differ from KubeVela, with the reason; both renderers are
/// compared for every other example.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "def-doc-trait-ingress",
        "the example has no `apiVersion`: KubeVela's dry-run does not look at it (and then reports \
         the unknown trait); vela-model refuses an Application without `apiVersion`/`kind`",
    ),
    (
        "docs-examples-argo-app",
        "an Argo CD `argoproj.io/v1alpha1` Application: KubeVela's dry-run ignores the apiVersion \
         and prints nothing for its zero components; we refuse a file with no core.oam.dev \
         Application",
    ),
];
