//! Differential test of `yaml.Marshal`'s layout: random values full of the characters that
//! decide go-yaml's quoting (indicators, breaks, tabs, YAML 1.1 words, numbers, times) are
//! marshalled by vela-cue and by CUE v0.14.1 (`tools/cue-oracle serve`, path in
//! `VELA_CUE_ORACLE`); the texts must be identical.
//!
//! `VELA_CUE_ORACLE=$(tools/cue-oracle/build.sh) cargo test -p vela-cue --test it -- --include-ignored yaml_marshal::`
//! (`VELA_CUE_YAML_CASES` sets the number of values, default 400).

use crate::oracle::{Oracle, Rng};
use serde_json::{Map, Value as Json, json};

fn below(rng: &mut Rng, n: usize) -> usize {
    (rng.next() % n.max(1) as u64) as usize
}

/// Whole strings with a meaning of their own in YAML 1.1, YAML 1.2 or to CUE's quoting rule.
const WORDS: &[&str] = &[
    "",
    "y",
    "n",
    "yes",
    "No",
    "ON",
    "off",
    "true",
    "False",
    "null",
    "Null",
    "~",
    ".inf",
    "-.Inf",
    ".nan",
    ".Nan",
    "<<",
    "0",
    "-1",
    "+1",
    "007",
    "0644",
    "0x1F",
    "0xZZ",
    "0o17",
    "0b101",
    "1_000",
    "1e3",
    "1.5",
    ".5",
    "1.",
    "-",
    "--",
    "---",
    "...",
    "12:30",
    "1:2:3",
    "2001-12-14",
    "2001-12-14T21:59:43Z",
    "2001-12-14 21:59:43",
    "2001-1-2t3:4:5+01:00",
    "10-2",
    "1t2",
    "3z",
    "a b",
    "- x",
    "? x",
    ": x",
    "x:",
    "x: y",
    "x #y",
    "x#y",
    "#x",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "|x",
    ">x",
    "%x",
    "'x",
    "\"x",
    "[x]",
    "{x}",
    "x,y",
    "a'b",
    "é",
    "😀",
    "tab\tin",
    " lead",
    "trail ",
    "a\nb",
    "a\n",
    "a\n\n",
    "\nlead",
    "\n",
    " \nx",
    "x \ny",
    "x\n y",
    "\u{85}",
    "a\u{2028}b",
    "\r",
    "\u{feff}",
    "\u{a0}",
    "\u{7}",
];

/// Characters strings are built from.
const CHARS: &[char] = &[
    'a', 'b', 'Z', 'y', 'n', 'T', 'x', '0', '1', '9', ' ', ' ', '\t', '\n', '\n', ':', '#', '-', '?', '\'',
    '"', '.', '_', '+', ',', '[', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '\\', 'é', '😀',
    '\u{85}', '\u{2028}', '\r',
];

fn string(rng: &mut Rng) -> String {
    if below(rng, 3) == 0 {
        return WORDS[below(rng, WORDS.len())].to_string();
    }
    let n = 1 + below(rng, 6);
    (0..n).map(|_| CHARS[below(rng, CHARS.len())]).collect()
}

fn value(rng: &mut Rng, depth: u32) -> Json {
    match below(rng, if depth == 0 { 5 } else { 8 }) {
        0..=2 => Json::String(string(rng)),
        3 => json!(below(rng, 2000) as i64 - 1000),
        4 => [
            json!(true),
            json!(null),
            json!(1.5),
            json!(-0.25),
            json!([]),
            json!({}),
        ][below(rng, 6)]
        .clone(),
        5 | 6 => {
            let mut m = Map::new();
            for _ in 0..1 + below(rng, 4) {
                m.insert(string(rng), value(rng, depth - 1));
            }
            Json::Object(m)
        }
        _ => Json::Array((0..1 + below(rng, 3)).map(|_| value(rng, depth - 1)).collect()),
    }
}

fn ours(program: &str) -> Result<String, String> {
    let inst = vela_cue::Program::compile("yaml.cue", program)
        .and_then(|p| p.eval())
        .map_err(|e| e.to_string())?;
    match inst
        .lookup("out")
        .and_then(|v| v.to_json())
        .map_err(|e| e.to_string())?
    {
        Json::String(s) => Ok(s),
        other => Err(format!("not a string: {other}")),
    }
}

#[test]
#[ignore = "needs the Go reference oracle: set VELA_CUE_ORACLE (see tools/cue-oracle/build.sh)"]
fn yaml_marshal_layout_agrees_with_cue() {
    let cases: usize = std::env::var("VELA_CUE_YAML_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let mut oracle = Oracle::start();
    let mut rng = Rng(0x9a41_11e5);
    let mut failures = Vec::new();
    let mut both_fail = 0;
    // every word alone first, then random documents
    let mut values: Vec<Json> = WORDS.iter().map(|w| json!({ *w: *w })).collect();
    values.extend((0..cases).map(|_| value(&mut rng, 3)));
    for (i, v) in values.iter().enumerate() {
        let program = format!(
            "import \"encoding/yaml\"\nout: yaml.Marshal({})\n",
            vela_cue::export::write_json(v, false, "")
        );
        let req = json!({"id": i, "program": program, "expr": "out"});
        let resp = oracle.ask(&req);
        match (resp.get("ok"), ours(&program)) {
            (Some(Json::String(want)), Ok(got)) if *want == got => {}
            (Some(want), got) => failures.push(format!("{v}\n want {want}\n got  {got:?}")),
            (None, Err(_)) => both_fail += 1,
            (None, Ok(got)) => failures.push(format!("{v}\n CUE fails: {resp}\n we give {got:?}")),
        }
    }
    println!(
        "{} values: {} identical, {both_fail} fail on both sides, {} differ",
        values.len(),
        values.len() - both_fail - failures.len(),
        failures.len()
    );
    for f in failures.iter().take(15) {
        println!("{f}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {} yaml.Marshal texts differ from CUE v0.14.1",
        failures.len(),
        values.len()
    );
}
