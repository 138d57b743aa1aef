//! Differential test of CUE's semantic rules: random programs, one class of rule each, are
//! evaluated by vela-cue and by CUE v0.14.1 (see `differential.rs`, which runs them the same
//! way). The classes: definitions embedding definitions, `_|_` tests on values that are not
//! concrete, disjuncts that become equal, multi-line string indentation, bytes literals, which
//! labels bind identifiers (quoted labels, `let`, aliases, clause variables), the field order of
//! a disjunction of definitions, operations CUE rejects (list arithmetic, string slicing,
//! undefined names where they are never evaluated) and integers too large for an index or count.
//!
//! `VELA_CUE_ORACLE=$(tools/cue-oracle/build.sh) cargo test -p vela-cue --test it -- --include-ignored differential_semantics::`

use crate::differential::{agree_with_cue, cases_and_seed};
use crate::oracle::Rng;

/// One generator per class of rule.
const CLASSES: &[fn(&mut Rng) -> String] = &[
    definition_embedding,
    existence_test,
    equal_disjuncts,
    multiline_string,
    bytes_literal,
    scoping,
    definition_disjunction_order,
    rejected_operation,
    integer_conversion,
];

fn int(rng: &mut Rng) -> String {
    format!("{}", rng.below(4))
}

/// `#S` embeds `#B` (and sometimes `#C`) in various places; the instance adds fields that are or
/// are not allowed.
fn definition_embedding(rng: &mut Rng) -> String {
    let n = int(rng);
    let b_body = rng.pick(&[
        "a: int",
        "a: int, b?: string",
        "a: int, ...",
        "a: {x: int}",
        "[=~\"^a\"]: int",
        "a: *1 | int",
    ]);
    let s_body = rng.pick(&[
        "#B",
        "#B, c: 1",
        "c: 1, #B",
        "#B, #C",
        "#B & {c: 1}",
        "#B, ...",
        "x: {#B}",
        "#C & #B",
    ]);
    let outer = rng.pick(&["#S", "_S", "#T"]);
    let inst = rng
        .pick(&[
            "{}",
            "{a: N}",
            "{c: 1}",
            "{zz: 1}",
            "{b: \"x\"}",
            "{d: 2}",
            "{x: {a: N}}",
            "{x: {zz: 1}}",
            "{a: {x: N}}",
            "{a: {y: N}}",
            "{a1: N}",
        ])
        .replace('N', &n);
    let head = match outer {
        "#S" => format!("#S: {{{s_body}}}"),
        "_S" => format!("_S: {{{s_body}}}"),
        _ => format!("#S: {{{s_body}}}\n#T: {{#S}}"),
    };
    format!("#B: {{{b_body}}}\n#C: {{d: 2}}\n{head}\ns: {outer} & {inst}\nt: {outer}")
}

/// `x == _|_` / `x != _|_` on values of every kind of concreteness, directly, through a
/// selector or an index, and as an `if` guard.
fn existence_test(rng: &mut Rng) -> String {
    let t = rng.pick(&[
        "string",
        "int",
        ">0",
        "int | string",
        "*1 | int",
        "{a: int}",
        "{a: 1}",
        "[...int]",
        "[string]",
        "[1]",
        "_",
        "=~\"a\"",
        "number",
        "null | string",
        "bytes",
        ">0 & <10",
        "\"x\"",
        "1",
        "{}",
        "[string]: int",
        "1 & 2",
        "int & 1",
        "string | *\"d\"",
    ]);
    let hidden = rng.pick(&["_t", "#t"]);
    let decl = match rng.below(3) {
        0 => format!("{hidden}: {t}"),
        1 => format!("{hidden}: {{image: {t}, opt?: {t}}}"),
        _ => format!("{hidden}: [{t}]"),
    };
    let target = match rng.below(3) {
        0 if decl.contains("image") => format!("{hidden}.{}", rng.pick(&["image", "opt", "none"])),
        1 if decl.contains(": [") => format!("{hidden}[{}]", rng.pick(&["0", "1"])),
        _ => hidden.to_string(),
    };
    let op = rng.pick(&["!=", "=="]);
    match rng.below(3) {
        0 => format!("{decl}\nf: {target} {op} _|_"),
        1 => format!("{decl}\nf: !({target} {op} _|_)"),
        _ => format!("{decl}\nout: {{\n\tif {target} != _|_ {{yes: 1}}\n\tif {target} == _|_ {{no: 1}}\n}}"),
    }
}

/// Disjunctions whose alternatives are, or become, equal structs or lists.
fn equal_disjuncts(rng: &mut Rng) -> String {
    let n = int(rng);
    let shapes = [
        "{k: int}",
        "{k: N}",
        "{k: N, l: 2}",
        "{l: 2, k: N}",
        "{k: N, l?: int}",
        "{k: N, ...}",
        "close({k: N})",
        "#A",
        "#B",
        "{k: *N | int}",
        "{k: [N]}",
        "{k: {j: N}}",
        "{k: N, _h: 1}",
        "{k: N, [string]: int}",
    ];
    let a = rng.pick(&shapes).replace('N', &n);
    let b = rng.pick(&shapes).replace('N', &n);
    let variant = rng.below(7);
    // (for the product of two disjunctions mixing closed and open structs CUE's answer depends
    // on the order of the alternatives, `(#A | {k: 2}) & (#A | {k: 2})` is `{k: 2}` and
    // `({k: 2} | #A) & ({k: 2} | #A)` is ambiguous: a known difference, not generated)
    let closed = |s: &str| s.starts_with('#') || s.starts_with("close");
    let variant = if variant == 3 && closed(&a) != closed(&b) {
        0
    } else {
        variant
    };
    let body = match variant {
        0 => format!("{a} | {b}"),
        1 => format!("({a} | {b}) & {{k: {n}}}"),
        2 => format!("*{a} | {b}"),
        3 => format!("({a} | {b}) & ({a} | {b})"),
        4 => format!("[{n}] | [{n}]"),
        5 => format!("([int] | [{n}]) & [{n}]"),
        _ => format!("[{n}, ...] | [{n}]"),
    };
    format!("#A: {{k: {n}}}\n#B: {{k: int}}\nx: {body}")
}

/// Multi-line strings: indentation, text before the closing quote, empty lines, escapes,
/// interpolations, raw strings and bytes.
fn multiline_string(rng: &mut Rng) -> String {
    let indent = rng.pick(&["", "  ", "\t", "    "]);
    let mut lines = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let extra = rng.pick(&["", "", " ", "  "]);
        let text = rng.pick(&["abc", "x\\ty", "\\(1 + 1)z", "é", "", "a\\nb", "\"q\""]);
        lines.push(if text.is_empty() && rng.below(2) == 0 {
            String::new()
        } else {
            format!("{indent}{extra}{text}")
        });
    }
    // a line with less indentation than the closing quote
    if rng.below(8) == 0 {
        lines.push("x".into());
    }
    let close_line = match rng.below(3) {
        0 => format!("{indent}{}", rng.pick(&["x", "tail", "\\(2)"])),
        _ => indent.to_string(),
    };
    let (open, close) = match rng.below(4) {
        0 => ("'''", "'''"),
        1 => ("#\"\"\"", "\"\"\"#"),
        _ => ("\"\"\"", "\"\"\""),
    };
    let after_open = if rng.below(10) == 0 { " " } else { "" };
    format!(
        "s: {open}{after_open}\n{}\n{close_line}{close}\nn: len(s)",
        lines.join("\n")
    )
}

/// Bytes literals: their length counts bytes, escapes are bytes, interpolation and slicing.
fn bytes_literal(rng: &mut Rng) -> String {
    let parts = [
        "é",
        "a",
        "\\xff",
        "\\x00",
        "\\u00e9",
        "\\377",
        "ü€",
        "\\(\"é\")",
        "\\(1)",
    ];
    let mut lit = String::new();
    for _ in 0..1 + rng.below(4) {
        lit.push_str(rng.pick(&parts));
    }
    match rng.below(4) {
        0 => format!("b: '{lit}'\nn: len(b)"),
        1 => format!("b: '{lit}' + 'é'\nn: len(b)"),
        2 => format!("b: '{lit}'[0:1]\nn: len('{lit}')"),
        _ => format!(
            "s: \"{}\"\nn: len(s)",
            lit.replace("\\x", "x").replace("\\377", "3")
        ),
    }
}

/// A name declared (or not) in an outer and an inner scope as a field, quoted label, `let`,
/// label or value alias, comprehension variable or pattern alias, and referenced from either.
fn scoping(rng: &mut Rng) -> String {
    let outer = match rng.below(9) {
        0 => "x: 1",
        1 => "\"x\": 1",
        2 => "let x = 1",
        3 => "X=x: 1",
        4 => "_x: 1",
        5 => "#x: 1",
        6 => "x: X={q: 1, w: X.q}",
        7 => "v: X={x: 1, w: X.x}",
        _ => "",
    };
    let inner = match rng.below(11) {
        0 => "x: 2",
        1 => "\"x\": 2",
        2 => "let x = 2",
        3 => "X=y: 2",
        4 => "[x=string]: int",
        5 => "for x in [3] {z: x}",
        6 => "let y = x",
        7 => "x: 3, let x = 4",
        8 => "y: X={q: 2, w: X.q}",
        9 => "y: X=2",
        _ => "",
    };
    let name = match outer {
        "X=x: 1" => rng.pick(&["X", "x"]),
        "_x: 1" => "_x",
        "#x: 1" => "#x",
        _ => "x",
    };
    let inner_ref = rng.pick(&["", "r: x", "r: X", "r: y", "r: \"x\""]);
    let outer_ref = rng
        .pick(&["", "o: NAME", "o: a.r", "o: [for k, v in a {k}]"])
        .replace("NAME", name);
    let wrap = match rng.below(3) {
        0 => format!("a: {{\n\t{inner}\n\t{inner_ref}\n}}"),
        1 => format!("a: [for q in [1] let x = q {{x}}]\nb: {{{inner}}}"),
        _ => format!("a: {{{inner}, {inner_ref}}}"),
    };
    format!("{outer}\n{wrap}\n{outer_ref}")
}

/// The field order of what a disjunction of definitions resolves to.
fn definition_disjunction_order(rng: &mut Rng) -> String {
    let perm = |rng: &mut Rng, kinds: &[&str]| -> String {
        let mut fields = vec![
            format!("x: {}", rng.pick(kinds)),
            format!("y: {}", rng.pick(kinds)),
            format!("z{}: {}", rng.pick(&["", "?"]), rng.pick(kinds)),
        ];
        for i in (1..fields.len()).rev() {
            fields.swap(i, rng.below(i as u64 + 1) as usize);
        }
        fields.truncate(2 + rng.below(2) as usize);
        fields.join(", ")
    };
    let a = perm(rng, &["1", "int", "2"]);
    let b = perm(rng, &["1", "int", "3"]);
    let inst = rng.pick(&["{}", "{x: 1}", "{x: 1, y: 2}", "{y: 1, x: 1}", "{z: 1}"]);
    let body = match rng.below(4) {
        0 => format!("(#A | #B) & {inst}"),
        1 => format!("(#B | #A) & {inst}"),
        2 => format!("*#A | #B & {inst}"),
        _ => format!("#A & {inst} | #B & {inst}"),
    };
    format!("#A: {{{a}}}\n#B: {{{b}}}\nv: {body}")
}

/// Operations CUE v0.14.1 rejects, next to close ones it accepts.
fn rejected_operation(rng: &mut Rng) -> String {
    rng.pick(&[
        "a: [1] + [2]",
        "a: [1] * 2",
        "a: 2 * [1]",
        "l: [1]\na: l + l",
        "a: \"abc\"[1:2]",
        "a: \"abc\"[1]",
        "a: 'abc'[1:2]",
        "a: 'abc'[1]",
        "a: [1, 2, 3][1:2]",
        "a: \"ab\" * 3",
        "a: 'ab' * 2",
        "a: \"ab\" * -1",
        "import \"math\"\na: math.MaxInt64",
        "import \"math\"\na: math.MinInt64",
        "import \"math\"\na: math.Pi > 3",
        "a: undefinedName != _|_",
        "a: undefinedName == _|_",
        "a: [for x in [] {y}]",
        "a: [for x in [] if nope {x}]",
        "_h: nope\na: 1",
        "#D: {b: nope}\na: 1",
        "a: {if false {b: nope}}",
        "a: *1 | nope",
        "_h: {x: 1}\na: _h.y != _|_",
        "let x = 1\na: 2",
        "a: {let x = 1, b: 2}",
        "X=a: 1",
        "a: [for x in [1] let y = 2 {x}]",
    ])
    .to_string()
}

/// Integers too large for an index, a slice bound or a count.
fn integer_conversion(rng: &mut Rng) -> String {
    let big = rng.pick(&[
        "18446744073709551616",
        "18446744073709551617",
        "9223372036854775808",
        "9223372036854775807",
        "4294967296",
        "340282366920938463463374607431768211457",
        "-1",
        "1",
        "1.0",
    ]);
    let expr = match rng.below(9) {
        0 | 1 => format!("l[{big}]"),
        2 => format!("l[0:{big}]"),
        3 => format!("l[{big}:]"),
        4 if big.len() >= 20 || big.starts_with('-') => format!("\"a\" * {big}"),
        5 if big.len() > 19 || big.starts_with('-') => format!("strings.Repeat(\"a\", {big})"),
        6 if big.len() > 19 || big.starts_with('-') => format!("list.Repeat([1], {big})"),
        7 => format!("list.Take(l, {big})"),
        8 => format!("list.Slice(l, 0, {big})"),
        _ => format!("'ab'[0:{big}]"),
    };
    let imports = match (expr.contains("strings."), expr.contains("list.")) {
        (true, _) => "import \"strings\"\n",
        (_, true) => "import \"list\"\n",
        _ => "",
    };
    format!("{imports}l: [1, 2]\na: {expr}")
}

#[test]
#[ignore = "needs the Go reference oracle: set VELA_CUE_ORACLE (see tools/cue-oracle/build.sh)"]
fn semantic_rules_agree_with_cue() {
    let (cases, seed) = cases_and_seed();
    // every class gets the same share of the programs
    let mut i = 0usize;
    agree_with_cue("semantic", cases.max(CLASSES.len()), seed, |mut rng| {
        let class = CLASSES[i % CLASSES.len()];
        i += 1;
        class(&mut rng)
    });
}
