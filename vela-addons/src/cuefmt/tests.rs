//! Unit tests of the layout steps.

use super::align::align;
use super::chains::{join_chains, simplify};
use super::layout::relayout;
use super::tokens::{Kind, tokens};

#[test]
fn collapses_nested_single_fields_and_keeps_the_rest() {
    let src = "spec: {\n\tselector: {\n\t\tmatchLabels: {\n\t\t\ta: 1\n\t\t\tb: 2\n\t\t}\n\t}\n\ttemplate: {\n\t\tspec: {\n\t\t\tx: [\n\t\t\t\t1,\n\t\t\t]\n\t\t}\n\t}\n}";
    assert_eq!(
        simplify(src),
        "spec: {\n\tselector: matchLabels: {\n\t\ta: 1\n\t\tb: 2\n\t}\n\ttemplate: spec: x: [\n\t\t1,\n\t]\n}"
    );
}

#[test]
fn comments_comprehensions_and_expressions_stay() {
    for src in [
        "a: {\n\t// doc\n\tb: 1\n}",
        "// doc\na: {\n\tb: 1\n}",
        "a: {\n\tif x {\n\t\tb: 1\n\t}\n}",
        "a: {\n\tb: 1\n} & c",
        "a: {\n\tb: 1\n\tc: 2\n}",
        "a: {b: 1, c: 2}",
        "a: {\n\tb: 1 // trailing\n}",
        "a: {\n\tb: 1\n} @attr()",
    ] {
        assert_eq!(simplify(src), src);
    }
    assert_eq!(simplify("a: {b: {c: \"}\"}}"), "a: b: c: \"}\"");
}

fn format(src: &str) -> String {
    align(&simplify(&relayout(&join_chains(src))))
}

#[test]
fn lays_out_indentation_and_spaces_again() {
    let src =
        "a: {\n  b:   [ for x in y {\n      c: x+1\n  }]\n  env: [{\n    n: 1\n  }, {\n    n: 2\n  }]\n}";
    assert_eq!(
        format(src),
        "a: {\n\tb: [for x in y {\n\t\tc: x + 1\n\t}]\n\tenv: [{\n\t\tn: 1\n\t}, {\n\t\tn: 2\n\t}]\n}"
    );
}

#[test]
fn aligns_runs_of_fields_of_one_depth() {
    let src = "kind: \"A\"\napiVersion: \"v1\"\nmetadata: name: x\nlabels: \"a\": \"b\"\nlist: *[] | [...string]\nx: 1";
    assert_eq!(
        format(src),
        "kind:       \"A\"\napiVersion: \"v1\"\nmetadata: name: x\nlabels: a:      \"b\"\nlist: *[] | [...string]\nx: 1"
    );
}

#[test]
fn operators_nested_in_an_operand_lose_their_spaces() {
    assert_eq!(
        format("if k <= a.b - 1 {\n\tx: 1\n}"),
        "if k <= a.b-1 {\n\tx: 1\n}"
    );
    assert_eq!(format("a: \"x\"+b + c"), "a: \"x\" + b + c");
    assert_eq!(format("a: x*2+1"), "a: x*2 + 1");
    assert_eq!(format("a: *1|int"), "a: *1 | int");
    assert_eq!(
        format("\"Authorization\": \"x\"\n\"a.b\": 1"),
        "Authorization: \"x\"\n\"a.b\":         1"
    );
}

#[test]
fn strings_with_braces_and_interpolations_are_one_token() {
    let toks = tokens("a: \"x\\(b + \"}\")\" + #\"y\"# + \"\"\"\n\t{\n\t\"\"\"").unwrap();
    let kinds: Vec<Kind> = toks.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Ident,
            Kind::Punct,
            Kind::Str,
            Kind::Punct,
            Kind::Str,
            Kind::Punct,
            Kind::Str
        ]
    );
}
