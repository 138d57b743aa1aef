//! Every `.cue` file of the KubeVela corpus (definitions and provider packages) and every status
//! program embedded in a definition parses.

use std::path::{Path, PathBuf};

use crate::conformance_dir;

fn cue_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let rd = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", dir.display()));
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            cue_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "cue") {
            out.push(p);
        }
    }
}

/// Status programs (`customStatus`, `healthPolicy`, `details`) in the corpus definitions.
const SNIPPETS: usize = 19;

#[test]
fn every_corpus_file_and_status_snippet_parses() {
    let root = conformance_dir();
    if !root.exists() {
        panic!(
            "conformance corpus not found at {} (set VELA_CONFORMANCE_DIR)",
            root.display()
        );
    }
    let mut files = Vec::new();
    cue_files(&root.join("definitions"), &mut files);
    let defs = files.len();
    cue_files(&root.join("providers"), &mut files);
    let providers = files.len() - defs;
    let mut failures = Vec::new();
    let mut snippets = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        if let Err(e) = vela_cue::syntax::check_file(&f.display().to_string(), &src) {
            failures.push(e.to_string());
            continue;
        }
        if f.starts_with(root.join("definitions")) {
            // status programs are strings in the metadata struct: evaluate it to get them
            let meta = vela_cue::definition::split(&src).unwrap().metadata;
            let prog = vela_cue::Program::compile(&f.display().to_string(), &meta).unwrap();
            let inst = prog.eval().unwrap();
            for (_, def) in inst.root().fields() {
                if def.lookup("attributes").map(|a| a.exists()).unwrap_or(false) {
                    for key in ["customStatus", "healthPolicy", "details"] {
                        let v = def.lookup(&format!("attributes.status.{key}")).unwrap();
                        if let Ok(serde_json::Value::String(s)) = v.to_json() {
                            snippets += 1;
                            if let Err(e) = vela_cue::syntax::check_file(key, &s) {
                                failures.push(format!("{} {key}: {e}", f.display()));
                            }
                        }
                    }
                }
            }
        }
    }
    println!("parsed {defs} definition files, {providers} provider files, {snippets} status programs");
    assert!(failures.is_empty(), "parse failures:\n{}", failures.join("\n"));
    assert_eq!(defs, 78, "definition files of the corpus");
    assert_eq!(providers, 32, "provider files of the corpus");
    assert_eq!(snippets, SNIPPETS, "status programs in the definitions");
}
