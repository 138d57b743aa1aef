//! How go-yaml v2 reads a plain scalar (YAML 1.1: `yes`, `0777`, `1_000`, `1:20`, dates are
//! not strings), and so which strings it quotes; key order and number text.

use serde_json::Number;

use super::Style;

/// The style go-yaml's encoder asks for: a literal block for text with a newline, double
/// quotes for a string a plain scalar would not read back as, plain otherwise.
pub(super) fn requested_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// go-yaml v2's mapping key order (`keyList.Less` for string keys): letters sort after other
/// characters at the first difference, runs of digits compare by value.
pub(super) fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        // digits: compare the numbers that start here; a run continuing non-zero digits
        // before `i` counts as non-zero
        let is_digit = |c: char| c.is_numeric();
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let nonzero_before = ar[..i]
                .iter()
                .rev()
                .take_while(|c| is_digit(**c))
                .any(|&c| c != '0');
            if nonzero_before {
                (an, bn) = (1, 1);
            }
        }
        let digit_value = |c: char| i64::from(c as u32).wrapping_sub(i64::from(b'0'));
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// A number as it comes out of the JSON round trip: integers as integers, other floats in
/// Go's shortest `%g` form (`0.5`, `1e+21`, `1e-07`).
pub(super) fn number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    // Go's encoding/json writes floats without an exponent between 1e-6 and 1e21; an integral
    // one then reads back as an integer when it fits in 64 bits
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // 2^63 and 2^64 are exact in f64
        let two_63 = 9_223_372_036_854_775_808_f64;
        if (-two_63..two_63).contains(&f) {
            return format!("{}", f as i64);
        }
        if (0.0..2.0 * two_63).contains(&f) {
            return format!("{}", f as u64);
        }
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
fn go_format_g(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    // shortest round-trip digits and decimal exponent from Rust's `{:e}`
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    // shortest precision: the exponent form below 1e-4 and from 1e6 on
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let (es, ev) = if exp < 0 { ('-', -exp) } else { ('+', exp) };
        return format!("{sign}{first}{frac}e{es}{ev:02}");
    }
    let nd = digits.len() as i32;
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        format!("{sign}0.{zeros}{digits}")
    } else if exp + 1 >= nd {
        format!("{sign}{digits}{}", "0".repeat((exp + 1 - nd) as usize))
    } else {
        let (int, frac) = digits.split_at((exp + 1) as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// Whether go-yaml v2 reads `s`, written plain, back as a string.
fn resolves_to_string(s: &str) -> bool {
    const MAPPED: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO",
        "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN",
        ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ];
    let Some(first) = s.bytes().next() else {
        return false; // null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => !MAPPED.contains(&s),
        b'.' => !MAPPED.contains(&s) && !go_parse_float(s),
        b'+' | b'-' | b'0'..=b'9' => !MAPPED.contains(&s) && !is_number_or_timestamp(s),
        // go-yaml's hint table has no `<`: even `<<` (the merge key) is written plain
        _ => true,
    }
}

/// go-yaml v2's int/float/timestamp resolution of a plain scalar starting with a sign or digit.
fn is_number_or_timestamp(s: &str) -> bool {
    if is_timestamp(s) {
        return true;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if go_parse_int(&plain) || is_yaml_float(&plain) {
        return true;
    }
    let binary = |d: &str| !d.is_empty() && d.bytes().all(|c| c == b'0' || c == b'1') && d.len() <= 64;
    if let Some(d) = plain.strip_prefix("0b") {
        return binary(d);
    }
    if let Some(d) = plain.strip_prefix("-0b") {
        return binary(d) && i64::from_str_radix(&format!("-{d}"), 2).is_ok();
    }
    false
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeding.
fn go_parse_int(s: &str) -> bool {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (digits, radix) = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (o, 8)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    // ParseUint takes no sign at all; ParseInt fits i64
    match u64::from_str_radix(digits, radix) {
        Ok(v) if neg => v <= 1 << 63,
        Ok(v) if s.starts_with('+') => v < 1 << 63,
        Ok(_) => true,
        Err(_) => false,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` succeeding for a string starting with `.` (a decimal
/// fraction, optionally with an exponent; Go also accepts `_` only between digits of a
/// prefixed number, which a `.` start rules out).
fn go_parse_float(s: &str) -> bool {
    is_yaml_float(s)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, parsed by Go without a range
/// error (an overflow to infinity is a range error).
fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mant),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mant_ok && exp_ok && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// YAML 1.1 base-60 numbers (`1:20`, `-1:30:00.5`), which go-yaml v2 quotes for other readers.
fn is_base60_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !b.starts_with(|c: char| c.is_ascii_digit()) || !b.contains(':') {
        return false;
    }
    let (body, frac) = match b.split_once('.') {
        Some((body, frac)) => (body, Some(frac)),
        None => (b, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')) {
        return false;
    }
    let mut parts = body.split(':');
    let head = parts.next().unwrap_or_default();
    if head.is_empty() || !head.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
        return false;
    }
    parts.all(|p| match p.as_bytes() {
        [d] => d.is_ascii_digit(),
        [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
        _ => false,
    })
}

/// go-yaml v2's timestamp check: `YYYY-` and then one of the layouts `2006-1-2T15:4:5.999999999Z07:00`
/// (also with a lower-case `t`), `2006-1-2 15:4:5.999999999` or `2006-1-2`, as Go's `time.Parse`
/// reads them.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut p = Reader { s: b, at: 5 };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = p.number(1, 12) else {
        return false;
    };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.number(1, 31) else {
        return false;
    };
    if day > days_in(month, year) {
        return false;
    }
    if p.done() {
        return true;
    }
    let zone = match b[p.at] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    p.at += 1;
    if p.number(0, 23).is_none() || !p.eat(b':') || p.number(0, 59).is_none() || !p.eat(b':') {
        return false;
    }
    if p.number(0, 59).is_none() {
        return false;
    }
    // optional fraction: Go accepts any number of digits after a `.` for `.999999999`
    if p.at < b.len() && b[p.at] == b'.' {
        let start = p.at + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return false;
        }
        p.at = end;
    }
    if !zone {
        return p.done();
    }
    match b.get(p.at) {
        Some(b'Z') => p.at + 1 == b.len(),
        Some(b'+' | b'-') => {
            let z = &b[p.at + 1..];
            z.len() == 5
                && z[2] == b':'
                && [z[0], z[1], z[3], z[4]].iter().all(u8::is_ascii_digit)
                && (u32::from(z[0] - b'0') * 10 + u32::from(z[1] - b'0')) <= 24
                && (u32::from(z[3] - b'0') * 10 + u32::from(z[4] - b'0')) <= 60
        }
        _ => false,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over the bytes of a timestamp.
struct Reader<'a> {
    s: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// One or two digits (Go's non-fixed `getnum`) within `min..=max`.
    pub(super) fn number(&mut self, min: u32, max: u32) -> Option<u32> {
        let first = *self.s.get(self.at).filter(|c| c.is_ascii_digit())?;
        let mut v = u32::from(first - b'0');
        self.at += 1;
        if let Some(&c) = self.s.get(self.at).filter(|c| c.is_ascii_digit()) {
            v = v * 10 + u32::from(c - b'0');
            self.at += 1;
        }
        (min..=max).contains(&v).then_some(v)
    }

    fn eat(&mut self, c: u8) -> bool {
        let ok = self.s.get(self.at) == Some(&c);
        self.at += usize::from(ok);
        ok
    }

    fn done(&self) -> bool {
        self.at == self.s.len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::marshal;
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_yaml_1_1_would_misread_are_double_quoted() {
        for s in [
            "yes",
            "Yes",
            "on",
            "OFF",
            "y",
            "N",
            "~",
            "null",
            "",
            "0777",
            "1_000",
            "1:20",
            "-1:30:00.5",
            "2024-01-01",
            "2024-1-2 3:04:05",
            "2001-12-14t21:59:43.10-05:00",
            "1e3",
            ".5",
            "0x1F",
            "0o17",
            "0b101",
            "+12",
            ".inf",
            "-.INF",
            ".NaN",
        ] {
            assert_eq!(marshal(&json!([s])), format!("- \"{s}\"\n"), "{s:?}");
        }
        for s in [
            "yes please",
            "2024-13-01",
            "2023-02-29",
            "1:60",
            "0x",
            "12a",
            "o",
            "-",
            ".",
            "Y2K",
            "+-1",
            "<<",
        ] {
            let plain = format!("- {s}\n");
            let single = format!("- '{s}'\n");
            let got = marshal(&json!([s]));
            assert!(got == plain || got == single, "{s:?}: {got}");
        }
    }

    #[test]
    fn keys_sort_like_go_yaml_v2() {
        let mut keys = vec!["b", "a10", "a2", "a-b", "ab", "A", "a", "x1y", "x01y", "_z"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(
            keys,
            ["_z", "A", "a", "a-b", "a2", "a10", "ab", "b", "x1y", "x01y"]
        );
    }

    #[test]
    fn numbers_print_as_go_prints_them_after_the_json_round_trip() {
        let v = json!([
            1,
            -2,
            2.0,
            0.5,
            1e21,
            1e-7,
            123456.5,
            1e20,
            -0.0001,
            18446744073709551615u64,
            1234567.5
        ]);
        assert_eq!(
            marshal(&v),
            "- 1\n- -2\n- 2\n- 0.5\n- 1e+21\n- 1e-07\n- 123456.5\n- 1e+20\n- -0.0001\n- 18446744073709551615\n- 1.2345675e+06\n"
        );
    }
}
