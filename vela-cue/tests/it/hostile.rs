//! The hostile-input corpus (`tests/hostile/*.cue`): programs built to exhaust time or memory
//! (comprehension, string, list and disjunction bombs, quadratic builtins, deep YAML). Each
//! must end with the error its first line names (`// expect: limit`, or `// expect: eval:
//! <words of the message>`), with the evaluator's own counters within the default [`Limits`]
//! and an error message of at most [`MAX_MESSAGE_BYTES`].
//!
//! Each case runs in its own thread with the default limits; no time is measured here (the
//! evaluator enforces its limits itself). `scripts/hostile-corpus.sh` measures the time and peak
//! memory of each case through the `vela` binary for the book.

use std::path::{Path, PathBuf};

use vela_cue::{Error, Limits, MAX_MESSAGE_BYTES, Program, Usage};

/// What a case must end with.
#[derive(Debug)]
enum Expect {
    /// [`Error::Limit`].
    Limit,
    /// [`Error::Eval`] whose message contains the text.
    Eval(String),
}

fn corpus() -> Vec<(PathBuf, String, Expect)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .map(|p| {
            let src = std::fs::read_to_string(&p).unwrap();
            let first = src.lines().next().unwrap_or_default();
            let expect = match first.strip_prefix("// expect: ") {
                Some("limit") => Expect::Limit,
                Some(e) if e.starts_with("eval: ") => Expect::Eval(e["eval: ".len()..].to_owned()),
                _ => panic!("{}: the first line must be `// expect: ...`", p.display()),
            };
            (p, src, expect)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// Compiles, evaluates, validates and exports the program, as a render does; the first error
/// and what the evaluation used.
fn run(src: &str) -> (Result<(), Error>, Option<Usage>) {
    let p = match Program::compile("hostile.cue", src) {
        Ok(p) => p,
        Err(e) => return (Err(e), None),
    };
    let inst = match p.eval() {
        Ok(i) => i,
        Err(e) => return (Err(e), None),
    };
    let result = inst.validate().and_then(|()| inst.root().to_json().map(drop));
    (result, Some(inst.usage()))
}

#[test]
fn every_hostile_case_ends_with_its_error_within_the_limits() {
    let cases = corpus();
    assert_eq!(
        cases.len(),
        16,
        "the corpus in tests/hostile changed: update this count"
    );
    let limits = Limits::default();
    let mut failures = Vec::new();
    for (path, src, expect) in cases {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // (a thread of its own: the default 2 MiB test stack, and nothing shared with others)
        let (result, usage) = std::thread::spawn(move || run(&src)).join().unwrap();
        let Err(err) = result else {
            failures.push(format!("{name}: evaluated without an error"));
            continue;
        };
        match (&expect, &err) {
            (Expect::Limit, Error::Limit(_)) => {}
            (Expect::Eval(words), Error::Eval { msg, .. }) if msg.contains(words.as_str()) => {}
            _ => failures.push(format!("{name}: expected {expect:?}, got {err:?}")),
        }
        let text = err.to_string();
        if text.len() > MAX_MESSAGE_BYTES + 200 {
            failures.push(format!("{name}: a {} byte message", text.len()));
        }
        if let Some(u) = usage {
            // (the step, node or charge that went over is counted before it is refused)
            if u.steps > limits.max_steps + 1
                || u.nodes > limits.max_nodes + 1
                || u.bytes > limits.max_bytes + limits.max_output
                || u.max_depth > limits.max_depth
            {
                failures.push(format!("{name}: used {u:?}, beyond {limits:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_passed_deadline_stops_the_evaluation() {
    let src = "import \"list\"\nr: list.Range(0, 500, 1)\nx: [for a in r for b in r if b < 0 {}]";
    let mut p = Program::compile("deadline.cue", src).unwrap();
    p.set_limits(Limits::default().with_deadline(Some(std::time::Instant::now())));
    let inst = p.eval().unwrap();
    let err = inst.root().to_json().unwrap_err();
    assert!(
        matches!(&err, Error::Limit(m) if m.starts_with("deadline passed")),
        "{err}"
    );
    // the deadline is checked every few hundred steps, not once per evaluation
    assert!(inst.usage().steps < 10_000, "{:?}", inst.usage());
    // without it the same program finishes: 250,000 iterations are within the default limits
    let p = Program::compile("deadline.cue", src).unwrap();
    assert_eq!(
        p.eval().unwrap().root().to_json().unwrap()["x"],
        serde_json::json!([])
    );
}

#[test]
fn ordinary_programs_stay_far_below_the_limits() {
    // a KubeVela-like template: the limits are for hostile input, not for real definitions
    let src = r#"
parameter: {image: string, ports: [...int], env: [string]: string}
output: {
	apiVersion: "apps/v1"
	kind: "Deployment"
	spec: template: spec: containers: [{
		name: "main"
		image: parameter.image
		ports: [for p in parameter.ports {containerPort: p, name: "port-\(p)"}]
		env: [for k, v in parameter.env {name: k, value: v}]
	}]
}
"#;
    let p = Program::compile("ok.cue", src).unwrap();
    let params = serde_json::json!({"image": "nginx", "ports": [80, 443], "env": {"A": "1", "B": "2"}});
    let inst = p.eval_with(&[("parameter", &params)]).unwrap();
    let out = inst.lookup("output").unwrap().to_json().unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["ports"][1]["name"],
        "port-443"
    );
    let used = inst.usage();
    let limits = Limits::default();
    assert!(used.steps > 0 && used.steps < limits.max_steps / 1000, "{used:?}");
    assert!(used.bytes > 0 && used.bytes < limits.max_bytes / 1000, "{used:?}");
}
