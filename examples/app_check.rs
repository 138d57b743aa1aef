//! Parses and validates the Applications (and other OAM objects) in YAML or JSON files and
//! prints them, or prints every problem with its field path and a hint.
//!
//! ```sh
//! cargo run -p vela-examples --example app_check -- examples/apps/hello.yaml
//! cargo run -p vela-examples --example app_check -- --strict examples/apps/broken.yaml
//! ```
//!
//! Exits with 1 when a file does not parse or an Application has problems.

use std::process::ExitCode;

use vela_model::{
    Application,
    parse::{self, Document, Mode},
    validate,
};

// ANCHOR: check
/// The outcome of checking one file.
pub struct Report {
    /// Human-readable output.
    pub text: String,
    /// Whether everything parsed and validated.
    pub ok: bool,
}

/// Parses every document of `text` and validates the Applications and WorkflowRuns in it.
pub fn check(source: &str, text: &str, mode: Mode) -> Report {
    let docs = match parse::documents_with(text, mode) {
        Ok(docs) => docs,
        Err(e) => {
            return Report {
                text: format!("{source}: {e}\n"),
                ok: false,
            };
        }
    };
    let mut out = String::new();
    let mut ok = true;
    // KubeVela reads YAML 1.1: say where that gives a different value.
    for d in parse::yaml11_differences(text) {
        out.push_str(&format!(
            "{source}:{}: warning: KubeVela reads `{}` as {} (YAML 1.1), Vela-rs as the string {:?}; \
             write {} or \"{}\" to mean the same in both\n",
            d.line, d.text, d.yaml11, d.text, d.yaml11, d.text
        ));
    }
    for doc in docs {
        let problems = match &doc {
            Document::Application(app) => app.problems(),
            Document::WorkflowRun(run) => validate::workflow_run(run),
            _ => Vec::new(),
        };
        let name = document_name(&doc);
        if problems.is_empty() {
            out.push_str(&format!("{source}: {} {name}: valid\n", doc.kind()));
            if let Document::Application(app) = &doc {
                out.push_str(&summary(app));
                out.push_str(&vela_model::yaml::to_string(app).unwrap_or_default());
            }
        } else {
            ok = false;
            out.push_str(&format!(
                "{source}: {} {name}: {} problem(s)\n",
                doc.kind(),
                problems.len()
            ));
            for p in problems {
                out.push_str(&format!("  {}: {}\n    hint: {}\n", p.path, p.message, p.hint));
            }
        }
    }
    Report { text: out, ok }
}
// ANCHOR_END: check

fn document_name(doc: &Document) -> String {
    let meta = match doc {
        Document::Application(a) => Some(&a.metadata),
        Document::WorkflowRun(r) => Some(&r.metadata),
        Document::ComponentDefinition(d) => Some(&d.metadata),
        Document::TraitDefinition(d) => Some(&d.metadata),
        Document::PolicyDefinition(d) => Some(&d.metadata),
        Document::WorkflowStepDefinition(d) => Some(&d.metadata),
        Document::Workflow(w) => Some(&w.metadata),
        Document::Policy(p) => Some(&p.metadata),
        Document::WorkloadDefinition(d) => Some(&d.metadata),
        Document::DefinitionRevision(d) => Some(&d.metadata),
        Document::ApplicationRevision(r) => Some(&r.metadata),
        Document::ResourceTracker(t) => Some(&t.metadata),
        Document::Other(_) => None,
    };
    match meta {
        Some(m) => match (&m.namespace, &m.name) {
            (Some(ns), Some(n)) => format!("{ns}/{n}"),
            (None, Some(n)) => n.clone(),
            _ => "(unnamed)".to_string(),
        },
        None => String::new(),
    }
}

fn summary(app: &Application) -> String {
    let mut s = String::new();
    for c in &app.spec.components {
        let traits: Vec<&str> = c.traits.iter().map(|t| t.type_.as_str()).collect();
        s.push_str(&format!("  component {} ({})", c.name, c.type_));
        if !traits.is_empty() {
            s.push_str(&format!(" traits: {}", traits.join(", ")));
        }
        s.push('\n');
    }
    for (i, p) in app.spec.policies.iter().enumerate() {
        s.push_str(&format!("  policy {} ({})\n", p.effective_name(i), p.type_));
    }
    if let Some(wf) = &app.spec.workflow {
        for st in &wf.steps {
            s.push_str(&format!("  step {} ({})\n", st.name, st.type_));
        }
    }
    s.push_str("---\n");
    s
}

fn main() -> anyhow::Result<ExitCode> {
    let mut mode = Mode::Lenient;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--strict" => mode = Mode::Strict,
            "-h" | "--help" => {
                println!("usage: app_check [--strict] FILE...   (FILE may be - for stdin)");
                return Ok(ExitCode::SUCCESS);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        anyhow::bail!("usage: app_check [--strict] FILE...");
    }
    let mut all_ok = true;
    for file in files {
        let text = if file == "-" {
            std::io::read_to_string(std::io::stdin())?
        } else {
            std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
        };
        let report = check(&file, &text, mode);
        print!("{}", report.text);
        all_ok &= report.ok;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
