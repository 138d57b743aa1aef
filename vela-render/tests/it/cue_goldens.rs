//! Per-definition conformance against the CUE v0.14.1 goldens of `conformance/cue`: for each
//! component and trait case, render with our native built-in and with KubeVela's CUE
//! definition (through `vela-cue`), apply trait patches with our patch engine, and compare
//! `output`, `outputs` and `patchedOutput` (KubeVela's own `sets.StrategyUnify` result) as
//! JSON values. Error cases must fail. Pass rates are printed (`-- --nocapture`).

use crate::conformance_dir;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use vela_render::cue::CueDefinition;
use vela_render::{Context, Definition, Kind, Registry};

fn goldens_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/cue")
}

fn context_from(c: &Value) -> Context {
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let m = |k: &str| -> std::collections::BTreeMap<String, String> {
        c.get(k)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    };
    let mut ctx = Context::new(&s("appName"), &s("namespace"), &s("name"));
    ctx.app_revision = s("appRevision");
    ctx.app_labels = m("appLabels");
    ctx.app_annotations = m("appAnnotations");
    ctx.revision = s("revision");
    ctx.components = Arc::new(c.get("components").cloned().unwrap_or(Value::Array(vec![])));
    ctx.cluster = s("cluster");
    if let Some(cv) = c.get("clusterVersion") {
        ctx.cluster_version = cv.clone();
    }
    ctx.replica_key = s("replicaKey");
    ctx.workflow_name = s("workflowName");
    ctx.publish_version = s("publishVersion");
    ctx.component_type = s("componentType");
    ctx.output = c.get("output").cloned();
    ctx
}

/// Renders one case; `Err` means our render failed.
fn run(def: &dyn Definition, input: &Value) -> Result<Map<String, Value>, String> {
    let ctx = context_from(&input["context"]);
    if def.validates_schema() {
        let issues: Vec<String> =
            vela_render::schema::validate(def.schema(), &input["parameter"], "parameter")
                .into_iter()
                .filter(|i| !vela_render::schema::is_unknown_field(i))
                .map(|i| i.to_string())
                .collect();
        if !issues.is_empty() {
            return Err(issues.join("; "));
        }
    }
    // as the renderer does: undeclared fields are ignored (KubeVela's parameters are open)
    let mut params = input["parameter"].clone();
    if def.validates_schema() {
        vela_render::schema::prune_unknown(def.schema(), &mut params);
    }
    let r = def.render(&ctx, &params).map_err(|e| e.chain())?;
    let mut out = Map::new();
    if let Some(o) = r.output {
        out.insert("output".into(), o);
    }
    if !r.outputs.is_empty() {
        // the goldens list outputs as `[name, object]` pairs, in CUE's order
        out.insert(
            "outputs".into(),
            Value::Array(
                r.outputs
                    .into_iter()
                    .map(|(k, v)| Value::Array(vec![Value::String(k), v]))
                    .collect(),
            ),
        );
    }
    if let Some(p) = r.patch {
        let mut base = ctx.output.clone().unwrap_or_default();
        p.apply(&mut base).map_err(|e| e.to_string())?;
        out.insert("patchedOutput".into(), base);
    }
    Ok(out)
}

fn matches(golden: &Value, ours: &Result<Map<String, Value>, String>) -> bool {
    let expect_error = golden.get("errors").is_some()
        || golden
            .get("errs")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty());
    match ours {
        Err(_) => expect_error,
        Ok(got) => {
            !expect_error
                && ["output", "outputs", "patchedOutput"].iter().all(|k| {
                    let empty = Value::Array(Vec::new());
                    let norm = |v: Option<&Value>| match v {
                        Some(v) if *v == empty => None,
                        v => v.cloned(),
                    };
                    norm(golden.get(*k)) == norm(got.get(*k))
                })
        }
    }
}

fn first_difference(golden: &Value, got: &Result<Map<String, Value>, String>) -> String {
    let got = match got {
        Err(e) => return format!("our error: {}", e.chars().take(300).collect::<String>()),
        Ok(g) => Value::Object(g.clone()),
    };
    fn walk(a: &Value, b: &Value, path: &str) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys()) {
                    if let Some(d) = walk(
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                        &format!("{path}.{k}"),
                    ) {
                        return Some(d);
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| walk(p, q, &format!("{path}[{i}]"))),
            _ if a == b => None,
            _ => Some(
                format!("{path}: golden {a} vs ours {b}")
                    .chars()
                    .take(200)
                    .collect(),
            ),
        }
    }
    let mut g = golden.clone();
    if let Value::Object(m) = &mut g {
        m.remove("parameter");
    }
    walk(&g, &got, "").unwrap_or_else(|| "error expectation differs".into())
}

/// The `(case, input, golden)` triples of one definition's directory; a case without its golden
/// or with invalid JSON fails the test.
fn cases(dir: &Path) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let read = |p: &Path| -> Value {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let Some(case) = name.strip_suffix(".input.json") else {
            continue;
        };
        let golden = dir.join(format!("{case}.golden.json"));
        out.push((case.to_string(), read(&f), read(&golden)));
    }
    out
}

#[test]
fn cue_goldens_per_definition() {
    let native = Registry::builtin();
    let defs = conformance_dir().join("definitions");
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    let (mut nn, mut pn, mut nc, mut pc) = (0, 0, 0, 0);
    for (kind_dir, kind) in [("component", Kind::Component), ("trait", Kind::Trait)] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(goldens_dir().join(kind_dir))
            .unwrap_or_else(|e| panic!("read conformance/cue/{kind_dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        for dir in names {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let path = defs.join(kind_dir).join(format!("{name}.cue"));
            let src = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", path.display()));
            // a definition that does not load is a failure, not a skip
            let cue_def = CueDefinition::from_cue(&name, &src)
                .unwrap_or_else(|e| panic!("{kind_dir}/{name}: the definition does not load: {}", e.chain()));
            let native_def = native.get(kind, &name).ok();
            for (case, input, golden) in cases(&dir) {
                if let Some(d) = &native_def {
                    nn += 1;
                    let got = run(d.as_ref(), &input);
                    let id = format!("{kind_dir}/{name}/{case}");
                    if matches(&golden, &got) {
                        pn += 1;
                        if KNOWN_NATIVE_DIFFERENCES.contains(&id.as_str()) {
                            unexpected.push(format!(
                                "native {id} now passes: remove it from KNOWN_NATIVE_DIFFERENCES"
                            ));
                        }
                    } else {
                        if !KNOWN_NATIVE_DIFFERENCES.contains(&id.as_str()) {
                            unexpected.push(format!("native {id}"));
                        }
                        report.push(format!(
                            "  NATIVE {kind_dir}/{name}/{case}: {}",
                            first_difference(&golden, &got).replace('\n', " ")
                        ));
                    }
                }
                {
                    let d = &cue_def;
                    nc += 1;
                    if matches(&golden, &run(d, &input)) {
                        pc += 1;
                    } else {
                        unexpected.push(format!("CUE {kind_dir}/{name}/{case}"));
                        let got = run(d, &input);
                        report.push(format!(
                            "  CUE    {kind_dir}/{name}/{case}: {}",
                            first_difference(&golden, &got).replace('\n', " ")
                        ));
                    }
                }
            }
        }
    }
    println!(
        "conformance/cue goldens: native built-ins {pn}/{nn}, KubeVela CUE definitions via vela-cue + our patch engine {pc}/{nc}"
    );
    for r in &report {
        println!("{r}");
    }
    assert_eq!(
        (nn, nc),
        (NATIVE_CASES, CUE_CASES),
        "cases compared (native, CUE): the goldens or the built-ins changed? update the counts"
    );
    assert!(unexpected.is_empty(), "unexpected differences: {unexpected:#?}");
}

/// Component and trait cases of `conformance/cue` whose definition has a native built-in.
const NATIVE_CASES: usize = 207;
/// Every component and trait case of `conformance/cue`.
const CUE_CASES: usize = 208;

/// Cases where the native built-ins deliberately differ from KubeVela, with the reason; any
/// other difference fails the test (KubeVela's own CUE definitions must match every golden).
const KNOWN_NATIVE_DIFFERENCES: &[&str] = &[];

/// The evaluated `parameter` of every component and trait case (the user's properties with the
/// template's defaults applied, in CUE's field order) must be the one CUE v0.14.1 recorded in
/// the golden, as text; where CUE could not evaluate it (a compile, validation or `parameter`
/// error in the golden, so no `parameter` key), ours must fail too.
#[test]
fn cue_goldens_evaluated_parameters() {
    let defs = conformance_dir().join("definitions");
    let (mut equal, mut both_fail) = (0, 0);
    let mut failures = Vec::new();
    for kind_dir in ["component", "trait"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(goldens_dir().join(kind_dir))
            .unwrap_or_else(|e| panic!("read conformance/cue/{kind_dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        names.sort();
        for dir in names {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let path = defs.join(kind_dir).join(format!("{name}.cue"));
            let src = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e} (set VELA_CONFORMANCE_DIR)", path.display()));
            let def = CueDefinition::from_cue(&name, &src)
                .unwrap_or_else(|e| panic!("{kind_dir}/{name}: the definition does not load: {}", e.chain()));
            for (case, input, golden) in cases(&dir) {
                let id = format!("{kind_dir}/{name}/{case}");
                let ctx = context_from(&input["context"]);
                let ours = def.evaluated_parameter(&ctx, &input["parameter"]);
                match (golden.get("parameter"), ours) {
                    (Some(want), Ok(got)) => {
                        let (want, got) = (want.to_string(), got.to_string());
                        if want == got {
                            equal += 1;
                        } else {
                            failures.push(format!("{id}:\n  CUE  {want}\n  ours {got}"));
                        }
                    }
                    (None, Err(_)) => {
                        let phases: Vec<&str> = golden["errors"]
                            .as_array()
                            .map(|e| e.iter().filter_map(|e| e["phase"].as_str()).collect())
                            .unwrap_or_default();
                        if phases
                            .iter()
                            .any(|p| matches!(*p, "compile" | "validate" | "parameter"))
                        {
                            both_fail += 1;
                        } else {
                            failures.push(format!(
                                "{id}: the golden has no parameter and no error that explains it"
                            ));
                        }
                    }
                    (Some(want), Err(e)) => {
                        failures.push(format!("{id}: CUE {want}, ours error: {}", e.chain()))
                    }
                    (None, Ok(got)) => failures.push(format!("{id}: CUE fails, ours {got}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} evaluated parameters differ from CUE's:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        (equal, both_fail),
        (PARAMETER_CASES_EQUAL, PARAMETER_CASES_REFUSED),
        "cases compared (equal, refused by both)"
    );
}

/// Cases whose golden records the evaluated `parameter` (all compared as text).
const PARAMETER_CASES_EQUAL: usize = 196;
/// Cases where CUE cannot evaluate `parameter` (compile or validation error, or a value that is
/// not concrete): ours must refuse them too.
const PARAMETER_CASES_REFUSED: usize = 12;
