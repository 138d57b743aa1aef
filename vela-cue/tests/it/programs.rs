//! Small CUE programs with the output CUE v0.14.1 produced for them (`tests/programs/*.golden`,
//! generated with `cue` v0.14.1's `Value.MarshalJSON`): we must produce the same bytes, or fail
//! where CUE fails.

use std::path::Path;

#[test]
fn programs_match_cue_v0_14_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in names.iter().filter(|p| p.extension().is_some_and(|e| e == "cue")) {
        let src = std::fs::read_to_string(path).unwrap();
        let want = std::fs::read_to_string(path.with_extension("golden")).unwrap();
        let want = want.trim_end();
        let got = vela_cue::Program::compile(&path.display().to_string(), &src)
            .and_then(|p| p.eval())
            .and_then(|i| i.root().to_json_string());
        checked += 1;
        match (want.strip_prefix("ERR: "), got) {
            (Some(_), Err(_)) => {}
            (Some(msg), Ok(out)) => failures.push(format!(
                "{}: CUE fails ({msg}) but we produced {out}",
                path.display()
            )),
            (None, Ok(out)) if out == want => {}
            (None, Ok(out)) => failures.push(format!("{}:\n want {want}\n got  {out}", path.display())),
            (None, Err(e)) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(checked >= 10, "expected the program corpus, found {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
