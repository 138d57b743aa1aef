use super::ops::{IntOp, Rounding};
use super::*;

fn n(s: &str) -> Num {
    Num::parse(s).unwrap()
}

#[test]
fn literals_keep_their_digits() {
    for (lit, want) in [
        ("0.1", "0.1"),
        ("1e10", "1E+10"),
        ("1.0", "1.0"),
        ("2.50", "2.50"),
        ("1.", "1"),
        (".5", "0.5"),
        ("1e-7", "1E-7"),
        ("0.000001", "0.000001"),
        ("123.456e5", "1.23456E+7"),
        ("1.5e+3", "1.5E+3"),
        ("1E3", "1E+3"),
        ("0e-7", "0.0000000"),
        ("0e3", "0E+3"),
        (
            "12345678901234567890123456789012345678901234567890.5",
            "12345678901234567890123456789012345678901234567890.5",
        ),
    ] {
        assert_eq!(n(lit).to_string(), want, "{lit}");
    }
    assert!(n("12").int && !n("1.").int && !n("1e3").int);
    assert!(Num::parse("1e").is_err() && Num::parse("e1").is_err() && Num::parse(".").is_err());
    assert_eq!(Num::parse("1e100001"), Err(Error::ExponentRange));
}

#[test]
fn multipliers_and_radixes() {
    assert_eq!(
        Num::parse_with_multiplier("1.5", 1024, 1).unwrap().to_string(),
        "1536"
    );
    assert_eq!(
        Num::parse_with_multiplier(".5", 1000, 1).unwrap().to_string(),
        "500"
    );
    assert_eq!(Num::parse_with_multiplier("1.0001", 1000, 1), Err(Error::NotInt));
    assert_eq!(Num::parse_radix("1f", 16).unwrap().to_string(), "31");
}

#[test]
fn arithmetic_matches_cue() {
    let cases = [
        ("0.1", '+', "0.2", "0.3"),
        ("1.00", '+', "2.000", "3.000"),
        ("1.50", '*', "2.0", "3.000"),
        ("3.0", '-', "3", "0.0"),
        ("0", '*', "-1", "-0"),
        ("1", '/', "3", "0.3333333333333333333333333333333333"),
        ("2.0", '/', "3.0", "0.6666666666666666666666666666666667"),
        ("10", '/', "2", "5.0"),
        ("1e3", '/', "1", "1.0E+3"),
        ("1", '/', "8", "0.125"),
        ("0.0", '/', "5", "0.0"),
        ("0", '/', "5", "0"),
        ("0.0", '/', "-1", "0.0"),
        ("1e21", '+', "0.0", "1000000000000000000000.0"),
        ("1e2", '+', "1e2", "2E+2"),
        (
            "123456789012345678901234567890123456789012345678901234567890",
            '+',
            "1",
            "1.234567890123456789012345678901235E+59",
        ),
        ("1e99999", '*', "10", "1.0E+100000"),
        // far-apart operands round as if the gap were written out
        (
            "1e50000",
            '+',
            "1e-50000",
            "1.000000000000000000000000000000000E+50000",
        ),
        ("1", '-', "1e-50", "1.000000000000000000000000000000000"),
        ("1", '+', "1e-50", "1.000000000000000000000000000000000"),
        ("1", '+', "0e-50", "1.000000000000000000000000000000000"),
        (
            "0.4999999999999999999999999999999999",
            '+',
            "1e-60",
            "0.4999999999999999999999999999999999",
        ),
        (
            "12345678901234567890123456789012345678901234567890",
            '+',
            "1.5",
            "1.234567890123456789012345678901235E+49",
        ),
        (
            "99999999999999999999999999999999995",
            '+',
            "1e-90",
            "1.000000000000000000000000000000000E+35",
        ),
        (
            "99999999999999999999999999999999995",
            '-',
            "1e-90",
            "9.999999999999999999999999999999999E+34",
        ),
    ];
    for (a, op, b, want) in cases {
        let (a, b) = (n(a), n(b));
        let got = match op {
            '+' => a.add(&b),
            '-' => a.sub(&b),
            '*' => a.mul(&b),
            _ => a.quo(&b),
        }
        .unwrap();
        assert_eq!(got.to_string(), want, "{a} {op} {b}");
    }
    assert_eq!(n("1").quo(&n("0")), Err(Error::DivisionByZero));
    assert_eq!(n("1e100000").add(&n("1e-100000")), Err(Error::ExponentRange));
    assert!(n("1").add(&n("2")).unwrap().int);
    assert!(!n("1").add(&n("2.0")).unwrap().int);
    assert!(!n("4").quo(&n("2")).unwrap().int);
    assert_eq!(n("-0.0").neg().to_string(), "0.0");
    let pow = |a: &str, b: &str| n(a).pow_int(&n(b)).unwrap().unwrap().to_string();
    assert_eq!(pow("2", "10"), "1024");
    assert_eq!(pow("1.5", "2"), "2.25");
    assert_eq!(pow("2", "-1"), "0.5000000000000000000000000000000000");
    assert_eq!(pow("2", "100"), "1267650600228229401496703205376");
    assert!(
        n("10").pow_int(&n("1000000")).unwrap().is_err(),
        "exponent out of range"
    );
}

#[test]
fn comparison_is_numeric() {
    use std::cmp::Ordering::*;
    assert_eq!(n("1").cmp_value(&n("1.0")), Equal);
    assert_eq!(n("0").cmp_value(&n("0").mul(&n("-1")).unwrap()), Equal);
    assert_eq!(n("0.5").cmp_value(&n("1")), Less);
    assert_eq!(n("-2").cmp_value(&n("-1.5")), Less);
    assert_eq!(n("1e3").cmp_value(&n("999.9999")), Greater);
    assert_eq!(n("1e-100000").cmp_value(&n("0")), Greater);
}

#[test]
fn rounding_and_integer_division() {
    let r = |s: &str, m| n(s).round_integral(m).unwrap().to_string();
    assert_eq!(r("-2.5", Rounding::Floor), "-3");
    assert_eq!(r("2.1", Rounding::Ceil), "3");
    assert_eq!(r("2.5", Rounding::HalfUp), "3");
    assert_eq!(r("-2.5", Rounding::HalfUp), "-3");
    assert_eq!(r("-2.7", Rounding::Down), "-2");
    assert_eq!(r("2.5", Rounding::HalfEven), "2");
    assert_eq!(r("0.001", Rounding::Ceil), "1");
    assert_eq!(r("-0.001", Rounding::Ceil), "-0");
    assert_eq!(r("-0.2", Rounding::HalfUp), "-0");
    assert_eq!(r("-0.5", Rounding::HalfUp), "-1");
    // CUE's Floor and Ceil give 0 beyond 34 digits; Round and Trunc stay exact
    assert_eq!(r("99999999999999999999999999999999999", Rounding::Floor), "0");
    assert_eq!(r("1e34", Rounding::Ceil), "0");
    assert_eq!(r("1e33", Rounding::Floor), "1000000000000000000000000000000000");
    assert_eq!(
        r("99999999999999999999999999999999999", Rounding::HalfUp),
        "99999999999999999999999999999999999"
    );
    let i = |a: &str, op, b: &str| n(a).int_op(op, &n(b)).unwrap().to_string();
    assert_eq!(i("-7", IntOp::Div, "2"), "-4");
    assert_eq!(i("-7", IntOp::Mod, "2"), "1");
    assert_eq!(i("-7", IntOp::Quo, "2"), "-3");
    assert_eq!(i("-7", IntOp::Rem, "2"), "-1");
    assert_eq!(i("7", IntOp::Div, "-2"), "-3");
    assert_eq!(i("-7", IntOp::Mod, "-2"), "1");
    assert!(n("1").int_op(IntOp::Div, &n("0")).is_err());
    // truncated zeros keep a sign
    assert_eq!(i("-4", IntOp::Quo, "7"), "-0");
    assert_eq!(i("0", IntOp::Quo, "-1"), "-0");
    assert_eq!(i("-4", IntOp::Rem, "2"), "-0");
    assert_eq!(i("4", IntOp::Rem, "-2"), "0");
    assert_eq!(i("-4", IntOp::Mod, "2"), "0");
    assert_eq!(i("0", IntOp::Div, "-3"), "0");
}

#[test]
fn floats_from_go() {
    assert_eq!(
        Num::from_f64(std::f64::consts::SQRT_2).unwrap().to_string(),
        "1.4142135623730951"
    );
    assert_eq!(Num::from_f64(1e10).unwrap().to_string(), "1E+10");
    assert_eq!(Num::from_f64(2.0).unwrap().to_string(), "2");
    assert_eq!(Num::from_json_f64(2.0).unwrap().to_string(), "2.0");
    assert_eq!(Num::from_json_f64(1e21).unwrap().to_string(), "1E+21");
    assert_eq!(n("0.3").to_f64(), 0.3);
    assert_eq!(n("1E+10").to_f64(), 1e10);
    assert_eq!(n("-1").to_i128(), Some(-1));
    assert_eq!(n("1e3").to_i128(), Some(1000));
    assert_eq!(n("1.5").to_i128(), None);
}

#[test]
fn go_format_float() {
    let g = |f, c: u8, p, b32| format_go_float(f, GoFormat::from_byte(c).unwrap(), p, b32);
    assert_eq!(g(1.5, b'f', -1, false), "1.5");
    assert_eq!(g(1e21, b'g', -1, false), "1e+21");
    assert_eq!(g(0.1, b'e', 3, false), "1.000e-01");
    assert_eq!(g(2.0, b'f', 2, false), "2.00");
    assert_eq!(g(1.0 / 3.0, b'g', 5, true), "0.33333");
    assert_eq!(g(1234567.0, b'g', -1, false), "1.234567e+06");
    assert_eq!(g(123456.0, b'g', -1, false), "123456");
    assert_eq!(g(0.00001, b'g', -1, false), "1e-05");
    assert_eq!(g(0.0, b'e', -1, false), "0e+00");
    assert_eq!(g(-2.5, b'E', -1, false), "-2.5E+00");
    assert_eq!(g(100.0, b'g', 2, false), "1e+02");
    assert_eq!(g(0.5, b'g', 5, false), "0.5");
}

/// The decimal context in three lines (was this module's doc example before `num` became private).
#[test]
fn decimal_context() {
    let a = Num::parse("0.1").unwrap();
    let b = Num::parse("0.2").unwrap();
    assert_eq!(a.add(&b).unwrap().to_string(), "0.3");
    assert_eq!(Num::parse("1e10").unwrap().to_string(), "1E+10");
    assert_eq!(
        Num::from_i128(1).quo(&Num::from_i128(3)).unwrap().to_string(),
        "0.3333333333333333333333333333333333"
    );
}
