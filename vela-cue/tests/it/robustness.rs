//! Hostile programs: each must end with an error value or a limit error, never a panic, a hang
//! or unbounded memory. Includes the inputs fuzzing found (structural cycles overflowed the stack).

use vela_cue::{Error, Limits, Program};

fn run(src: &str) -> Result<serde_json::Value, Error> {
    let mut p = Program::compile("hostile.cue", src)?;
    p.set_limits(
        Limits::default()
            .with_max_steps(200_000)
            .with_max_depth(300)
            .with_max_output(1 << 20)
            .with_max_nodes(50_000),
    );
    let inst = p.eval()?;
    inst.root().to_json()
}

#[test]
fn structural_cycles_are_errors() {
    // found by the `eval` fuzz target: exporting a self-containing struct recursed until the
    // stack overflowed
    for src in ["a: {b: a}", "c: [c]", "d: {e: [d]}", "x: y, y: {z: x}"] {
        let err = run(src).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{src}: {err}");
    }
}

#[test]
fn runaway_evaluation_hits_a_limit() {
    let cases = [
        // exponential disjunction of structs
        "#A: {a: 1} | {a: 2} | {a: 3}\nx: #A & #A & #A & #A & #A & #A & #A & #A & #A & #A & #A & #A & #A & #A",
        // deep recursion through a definition
        "#L: {next: #L}\nx: #L",
        // huge string
        "import \"strings\"\nx: strings.Repeat(strings.Repeat(\"abcdefgh\", 100000), 100000)",
        // found by the `eval` fuzz target: a self-referential struct whose conjunct lists doubled
        // at every level until memory ran out
        "a:a: b: \nb: a&+\na\n",
        // long list comprehension chain
        "import \"list\"\nx: [for a in list.Range(0, 1000, 1) for b in list.Range(0, 1000, 1) {a + b}]",
    ];
    for src in cases {
        let start = std::time::Instant::now();
        let r = run(src);
        assert!(r.is_err(), "{src} should fail");
        // a bound on the work, not a timing assertion: a few seconds even on a loaded machine
        assert!(start.elapsed().as_secs() < 60, "{src} took {:?}", start.elapsed());
    }
}

#[test]
fn default_limits_stop_deep_recursion_without_overflowing_a_test_thread() {
    // test threads have 2 MiB of stack; the default depth limit must trip before it runs out
    for src in ["#L: {next: #L}\nx: #L", "a: b\nb: a", "x: [x.a]"] {
        let p = Program::compile("deep.cue", src).unwrap();
        let inst = p.eval().unwrap();
        assert!(inst.root().to_json().is_err(), "{src}");
    }
}

#[test]
fn deep_nesting_is_rejected_by_the_parser() {
    let src = format!("a: {}1{}", "[".repeat(5000), "]".repeat(5000));
    assert!(matches!(
        Program::compile("deep.cue", &src),
        Err(Error::Parse { .. })
    ));
    let src = format!("a: {}", "{b: ".repeat(3000));
    assert!(Program::compile("deep.cue", &src).is_err());
}

/// Every input the fuzz targets found (tests/fuzz-regressions) goes through the same steps as the
/// `eval` fuzz target and must finish: an exponential walk over shared structs in `validate` and
/// `tasks` used to time out, a struct containing itself overflowed the stack, conjunct lists
/// doubled until memory ran out.
#[test]
fn fuzz_regressions_finish() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let src = std::fs::read_to_string(entry.path()).unwrap();
        let Ok(mut p) = Program::compile("fuzz.cue", &src) else {
            continue;
        };
        p.set_limits(
            Limits::default()
                .with_max_steps(200_000)
                .with_max_depth(200)
                .with_max_output(1 << 20)
                .with_max_nodes(100_000),
        );
        // the fuzzer's inputs refer to names they never declare: CUE rejects those, so they
        // are injected (as empty structs) to get the evaluation the regression is about
        let mut inputs = vec![("parameter".to_string(), serde_json::json!({"name": "x"}))];
        let inst = loop {
            let refs: Vec<(&str, &serde_json::Value)> = inputs.iter().map(|(k, v)| (k.as_str(), v)).collect();
            match p.eval_with(&refs) {
                Err(vela_cue::Error::Scope { msg, .. }) if inputs.len() < 50 => {
                    let name = msg.split('"').nth(1).expect("the unresolved name").to_string();
                    inputs.push((name, serde_json::json!({})));
                }
                r => break r.unwrap(),
            }
        };
        let _ = inst.validate();
        let root = inst.root();
        let _ = root.to_json();
        for (_, f) in root.all_fields() {
            let _ = f.to_json();
            let _ = f.comments();
            for (_, g) in f.all_fields() {
                let _ = g.exists();
            }
        }
        let _ = inst.tasks("");
        n += 1;
    }
    assert!(n >= 3, "regression inputs missing");
}
