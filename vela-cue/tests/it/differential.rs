//! Differential property test: random small CUE programs within the supported subset are
//! evaluated by vela-cue and by CUE v0.14.1 (`tools/cue-oracle serve`, path in
//! `VELA_CUE_ORACLE`); any difference is a failure.
//!
//! `VELA_CUE_ORACLE=$(tools/cue-oracle/build.sh) cargo test -p vela-cue --test it -- --include-ignored differential::`
//! (`VELA_CUE_DIFF_CASES` sets the number of programs, default 300; `VELA_CUE_DIFF_SEED` the seed).

use crate::oracle::{Oracle, Rng};
use vela_cue::export::number_tokens;

/// Generates programs from a grammar over the subset KubeVela uses: literals, defaults and
/// disjunctions, references, arithmetic and string operators, interpolation, struct unification
/// and embedding, `if`/`for` comprehensions, list comprehensions, closed definitions, `len`,
/// existence tests, field order across conjuncts, and numbers: every literal form, int and float
/// arithmetic (34-digit decimals), `div`/`mod`/`quo`/`rem`, `math` rounding, `list.Sum/Max/Min`,
/// number bounds and kinds, comparisons and interpolation. Numbers must agree digit for digit.
struct Gen {
    rng: Rng,
    ints: Vec<String>,
    strs: Vec<String>,
    structs: Vec<String>,
    lists: Vec<String>,
    /// Fields holding numbers of either kind.
    nums: Vec<String>,
    n: usize,
}

/// Number literals in every form CUE accepts, ints and floats.
const NUM_LITS: &[&str] = &[
    "0.1",
    "0.2",
    "0.3",
    "1.5",
    "2.50",
    "1.0",
    "1e3",
    "1E-7",
    ".5",
    "1.",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1Ki",
    "1.5K",
    "2M",
    "123456789012345678901234567890",
    "9223372036854775807",
    "-0.0",
    "0",
    "3",
    "7",
    "-2",
    "1e21",
    "0.000001",
    "12.345e2",
    "99999999999999999999999999999999999",
];

impl Gen {
    fn name(&mut self) -> String {
        self.n += 1;
        format!("f{}", self.n)
    }

    fn int_expr(&mut self, depth: u32) -> String {
        let r = self.rng.below(if depth == 0 { 2 } else { 7 });
        match r {
            0 => format!("{}", self.rng.below(20) as i64 - 5),
            1 if !self.ints.is_empty() => self.ints[self.rng.below(self.ints.len() as u64) as usize].clone(),
            2 => format!(
                "({} {} {})",
                self.int_expr(depth.saturating_sub(1)),
                self.rng.pick(&["+", "-"]),
                self.int_expr(depth.saturating_sub(1))
            ),
            3 => format!("(*{} | int)", self.rng.below(9)),
            4 if !self.lists.is_empty() => format!(
                "len({})",
                self.lists[self.rng.below(self.lists.len() as u64) as usize]
            ),
            5 => format!(
                "div({}, {})",
                self.int_expr(depth.saturating_sub(1)),
                self.rng.below(4) + 1
            ),
            _ => format!("{}", self.rng.below(100)),
        }
    }

    fn num_expr(&mut self, depth: u32) -> String {
        let sub = depth.saturating_sub(1);
        match self.rng.below(if depth == 0 { 3 } else { 12 }) {
            0 | 1 => self.rng.pick(NUM_LITS).to_string(),
            2 if !self.nums.is_empty() => self.nums[self.rng.below(self.nums.len() as u64) as usize].clone(),
            2 => self.int_expr(0),
            3..=5 => format!(
                "({} {} {})",
                self.num_expr(sub),
                self.rng.pick(&["+", "-", "*", "/"]),
                self.num_expr(sub)
            ),
            6 => format!(
                "{}({}, {})",
                self.rng.pick(&["div", "mod", "quo", "rem"]),
                self.int_expr(sub),
                self.rng.pick(&["2", "-3", "7", "0x10"])
            ),
            7 => format!(
                "math.{}({})",
                self.rng
                    .pick(&["Floor", "Ceil", "Round", "Trunc", "Abs", "RoundToEven"]),
                self.num_expr(sub)
            ),
            8 => format!("-{}", self.num_expr(sub)),
            9 => format!(
                "({} & {})",
                self.rng
                    .pick(&["number", ">=0.5", "<100", "int", "float", ">-1e3"]),
                self.num_expr(sub)
            ),
            10 => format!("(*{} | number)", self.num_expr(0)),
            _ => format!(
                "list.{}([{}, {}])",
                self.rng.pick(&["Sum", "Max", "Min", "Avg"]),
                self.num_expr(0),
                self.num_expr(0)
            ),
        }
    }

    fn str_expr(&mut self, depth: u32) -> String {
        let r = self.rng.below(if depth == 0 { 2 } else { 6 });
        match r {
            0 => format!("\"{}\"", self.rng.pick(&["a", "web", "x-y", "<tag>", "Ünï", ""])),
            1 if !self.strs.is_empty() => self.strs[self.rng.below(self.strs.len() as u64) as usize].clone(),
            2 => format!(
                "{} + {}",
                self.str_expr(depth.saturating_sub(1)),
                self.str_expr(depth.saturating_sub(1))
            ),
            3 => format!("\"p-\\({})\"", self.int_expr(depth.saturating_sub(1))),
            // numbers in interpolations print as CUE prints them (`1E+3`, `0.3`, `-0`)
            5 if !self.nums.is_empty() && self.rng.below(2) == 0 => {
                let n = self.nums[self.rng.below(self.nums.len() as u64) as usize].clone();
                format!("\"n=\\({n})\"")
            }
            4 => format!("(*{} | string)", self.str_expr(0)),
            _ => format!("strings.ToUpper({})", self.str_expr(depth.saturating_sub(1))),
        }
    }

    fn bool_expr(&mut self, depth: u32) -> String {
        match self.rng.below(6) {
            0 => format!("{} > {}", self.int_expr(depth), self.int_expr(depth)),
            4 => format!(
                "{} {} {}",
                self.num_expr(depth),
                self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]),
                self.num_expr(depth)
            ),
            1 => format!("{} == {}", self.str_expr(depth), self.str_expr(depth)),
            2 if !self.structs.is_empty() => {
                let s = self.structs[self.rng.below(self.structs.len() as u64) as usize].clone();
                format!(
                    "{s}.{} {} _|_",
                    self.rng.pick(&["a", "b", "zz", "f1"]),
                    self.rng.pick(&["!=", "=="])
                )
            }
            3 => format!("!({} < {})", self.int_expr(depth), self.int_expr(depth)),
            _ => self.rng.pick(&["true", "false"]).to_string(),
        }
    }

    fn struct_expr(&mut self, depth: u32) -> String {
        let mut fields = Vec::new();
        let k = 1 + self.rng.below(4);
        for _ in 0..k {
            let label = self.rng.pick(&["a", "b", "c", "name", "image", "z"]);
            let v = match self.rng.below(3) {
                0 => self.int_expr(depth.saturating_sub(1)),
                1 => self.str_expr(depth.saturating_sub(1)),
                _ => self.bool_expr(0),
            };
            if fields
                .iter()
                .any(|f: &String| f.starts_with(&format!("{label}:")))
            {
                continue;
            }
            fields.push(format!("{label}: {v}"));
        }
        if depth > 0 && self.rng.below(2) == 0 {
            let cond = self.bool_expr(0);
            let v = self.int_expr(0);
            fields.push(format!("if {cond} {{ extra: {v} }}"));
        }
        let body = fields.join(", ");
        match self.rng.below(7) {
            // a field holding another field's struct
            0 if !self.structs.is_empty() => {
                let other = self.pick_struct();
                format!("{{{body}, q: {other}}}")
            }
            // embedding another field's struct, before or after the fields, alone or inside `&`
            // (field order then depends on where the reference is, as in CUE's toposort)
            2 if !self.structs.is_empty() => {
                let other = self.pick_struct();
                match self.rng.below(4) {
                    0 => format!("{{{other}, {body}}}"),
                    1 => format!("{{{body}, {other}}}"),
                    2 => format!("{{{other}, {body}}} & {{w: 1}}"),
                    _ => format!("{{{other} & {{w: 1}}, {body}}}"),
                }
            }
            1 => format!("{{{body}}} & {{w: 1}}"),
            _ => format!("{{{body}}}"),
        }
    }

    fn pick_struct(&mut self) -> String {
        self.structs[self.rng.below(self.structs.len() as u64) as usize].clone()
    }

    fn list_expr(&mut self) -> String {
        match self.rng.below(5) {
            0 => format!("[{}, {}]", self.int_expr(0), self.int_expr(0)),
            1 if !self.lists.is_empty() => {
                let l = self.lists[self.rng.below(self.lists.len() as u64) as usize].clone();
                format!("[for i, x in {l} if i >= {} {{x}}]", self.rng.below(2))
            }
            2 => format!(
                "[for k, v in {{{}: 1, {}: 2}} {{k}}]",
                self.rng.pick(&["b", "y"]),
                self.rng.pick(&["a", "z"])
            ),
            // keys of a struct that embeds another field's struct, in iteration order
            3 if !self.structs.is_empty() => {
                let other = self.pick_struct();
                format!(
                    "[for k, v in {{{other}, {}: 1}} {{k}}]",
                    self.rng.pick(&["b", "y"])
                )
            }
            _ => format!("[{}]", self.str_expr(0)),
        }
    }

    fn program(&mut self) -> String {
        let mut out: Vec<String> = Vec::new();
        let n = 3 + self.rng.below(6);
        for _ in 0..n {
            let name = self.name();
            match self.rng.below(7) {
                0 => {
                    out.push(format!("{name}: {}", self.int_expr(2)));
                    self.ints.push(name);
                }
                6 => {
                    out.push(format!("{name}: {}", self.num_expr(2)));
                    self.nums.push(name);
                }
                1 => {
                    out.push(format!("{name}: {}", self.str_expr(2)));
                    self.strs.push(name);
                }
                2 | 3 => {
                    out.push(format!("{name}: {}", self.struct_expr(2)));
                    self.structs.push(name);
                }
                4 => {
                    out.push(format!("{name}: {}", self.list_expr()));
                    self.lists.push(name);
                }
                _ => {
                    let def = format!("#D{name}");
                    out.push(format!("{def}: {{a: int, b?: string, ...}}"));
                    out.push(format!(
                        "{name}: {def} & {{a: {}, {}}}",
                        self.int_expr(1),
                        self.rng.pick(&["b: \"x\"", "c: 1", "b: 2"])
                    ));
                    self.structs.push(name);
                }
            }
        }
        let body = out.join("\n");
        let imports: Vec<&str> = ["strings", "math", "list"]
            .into_iter()
            .filter(|p| body.contains(&format!("{p}.")))
            .collect();
        if imports.is_empty() {
            body
        } else {
            let imports: Vec<String> = imports.iter().map(|p| format!("{p:?}")).collect();
            format!("import ({})\n{body}", imports.join(", "))
        }
    }
}

/// The `ok` member of an oracle answer line, as the oracle wrote it.
fn raw_ok(line: &str, id: usize) -> Option<&str> {
    let rest = line.trim_end().strip_prefix(&format!("{{\"id\":{id},\"ok\":"))?;
    rest.strip_suffix('}')
}

fn json_text(v: &serde_json::Value) -> String {
    vela_cue::export::write_json(v, false, "")
}

/// The number of programs (`VELA_CUE_DIFF_CASES`, default 300) and the seed
/// (`VELA_CUE_DIFF_SEED`) of a differential run.
pub(crate) fn cases_and_seed() -> (usize, u64) {
    let cases = std::env::var("VELA_CUE_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("VELA_CUE_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe);
    (cases, seed)
}

/// Evaluate `cases` generated programs with vela-cue and with CUE v0.14.1 and fail on any
/// difference: the same JSON with the same number digits, or an error on both sides (CUE's
/// error class is not compared, only that both reject). `generate` gets each case's own PRNG.
pub(crate) fn agree_with_cue(what: &str, cases: usize, seed: u64, mut generate: impl FnMut(Rng) -> String) {
    let mut oracle = Oracle::start();
    let mut failures = Vec::new();
    let mut agreed_ok = 0;
    let mut agreed_err = 0;
    for i in 0..cases {
        let program = generate(Rng(seed ^ ((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))));
        let req = serde_json::json!({"id": i, "program": program});
        let line = oracle.ask_line(&req);
        let resp: serde_json::Value = serde_json::from_str(&line).expect("oracle answer is JSON");
        let mut our_text = String::new();
        let ours = vela_cue::Program::compile("gen.cue", &program)
            .and_then(|p| p.eval())
            .and_then(|inst| {
                inst.validate()?;
                our_text = inst.root().to_json_string()?;
                inst.root().to_json()
            });
        match (resp.get("ok"), ours) {
            (Some(want), Ok(got)) => {
                // the trees must agree, and so must every number's digits
                // (long decimals are compared as text: serde_json's fast float parser may land one
                // ulp away from the correctly rounded f64 the tree export holds)
                let want_nums = raw_ok(&line, i).map(number_tokens);
                let same_nums = want_nums.as_ref() == Some(&number_tokens(&our_text));
                let reparsed: serde_json::Value = serde_json::from_str(&our_text).unwrap_or_default();
                let same_tree = json_text(want) == json_text(&reparsed) || json_text(want) == json_text(&got);
                if same_tree && same_nums {
                    agreed_ok += 1;
                } else {
                    failures.push(format!(
                        "case {i}:\n{program}\n want {}\n got  {}\n numbers {want_nums:?} / {:?}",
                        raw_ok(&line, i).unwrap_or(&line),
                        our_text,
                        number_tokens(&our_text)
                    ));
                }
            }
            (Some(want), Err(e)) => failures.push(format!(
                "case {i}:\n{program}\n want {}\n got error {e}",
                json_text(want)
            )),
            (None, Err(_)) => agreed_err += 1,
            (None, Ok(got)) => failures.push(format!(
                "case {i}:\n{program}\n CUE fails ({}) but we produced {}",
                resp.get("error").map(|e| e.to_string()).unwrap_or_default(),
                json_text(&got)
            )),
        }
    }
    drop(oracle);
    println!(
        "{what}: {cases} programs (seed {seed:#x}): {agreed_ok} equal outputs, {agreed_err} errors on both sides, {} differences",
        failures.len()
    );
    for f in failures.iter().take(10) {
        println!("{f}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} {what} programs differ from CUE v0.14.1",
        failures.len()
    );
}

#[test]
#[ignore = "needs the Go reference oracle: set VELA_CUE_ORACLE (see tools/cue-oracle/build.sh)"]
fn random_programs_agree_with_cue() {
    let (cases, seed) = cases_and_seed();
    agree_with_cue("random", cases, seed, |rng| {
        Gen {
            rng,
            ints: vec![],
            strs: vec![],
            structs: vec![],
            lists: vec![],
            nums: vec![],
            n: 0,
        }
        .program()
    });
}

/// The committed goldens of `tests/programs` (which `tests/it/programs.rs` holds vela-cue to) must
/// be what CUE v0.14.1 answers today: same value, same number digits, or an error where CUE
/// fails.
#[test]
#[ignore = "needs the Go reference oracle: set VELA_CUE_ORACLE (see tools/cue-oracle/build.sh)"]
fn program_goldens_are_cues_answers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    names.sort();
    let mut oracle = Oracle::start();
    let mut failures = Vec::new();
    for (i, path) in names.iter().enumerate() {
        let program = std::fs::read_to_string(path).unwrap();
        let golden = std::fs::read_to_string(path.with_extension("golden")).unwrap();
        let golden = golden.trim_end();
        let line = oracle.ask_line(&serde_json::json!({"id": i, "program": program}));
        let Ok(resp) = serde_json::from_str::<serde_json::Value>(&line) else {
            // numbers beyond f64 (`1E+100000`): compare the text, HTML escapes undone
            let raw = raw_ok(&line, i).map(|r| {
                r.replace("\\u003c", "<")
                    .replace("\\u003e", ">")
                    .replace("\\u0026", "&")
            });
            if raw.as_deref() != Some(golden) {
                failures.push(format!("{}: golden {golden}\n oracle {line}", path.display()));
            }
            continue;
        };
        let ok = match (golden.starts_with("ERR: "), resp.get("ok")) {
            (true, None) => true,
            (false, Some(want)) => {
                serde_json::from_str::<serde_json::Value>(golden).ok().as_ref() == Some(want)
                    && raw_ok(&line, i).map(number_tokens) == Some(number_tokens(golden))
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: golden {golden}\n oracle {line}", path.display()));
        }
    }
    assert!(
        names.len() >= 20,
        "expected the program corpus, found {}",
        names.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
