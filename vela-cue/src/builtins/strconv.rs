//! The `strconv` package: Go's integer and float syntax, `Quote`'s escapes, CUE's `Unquote`.

use num_bigint::{BigInt, Sign};

use super::R;
use super::args::{Args, s};
use super::go_unicode::{Keep, is_graphic, is_print, quote};
use super::math::float_result;
use crate::eval::Ctx;
use crate::num::{GoFormat, format_go_float};
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "strconv.Atoi",
    "strconv.FormatBool",
    "strconv.FormatFloat",
    "strconv.FormatInt",
    "strconv.FormatUint",
    "strconv.IsGraphic",
    "strconv.IsPrint",
    "strconv.ParseBool",
    "strconv.ParseFloat",
    "strconv.ParseInt",
    "strconv.ParseUint",
    "strconv.Quote",
    "strconv.QuoteRune",
    "strconv.QuoteRuneToASCII",
    "strconv.QuoteRuneToGraphic",
    "strconv.QuoteToASCII",
    "strconv.QuoteToGraphic",
    "strconv.Unquote",
];

/// Go's `big.Int.Text(base)`: digits `0-9a-zA-Z`, base 2 to 62.
fn big_text(i: &BigInt, base: i128) -> Result<String, String> {
    if !(2..=62).contains(&base) {
        return Err(format!("invalid base {base}"));
    }
    if base <= 36 {
        return Ok(i.to_str_radix(base as u32));
    }
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut d: Vec<u8> = i
        .magnitude()
        .to_radix_le(base as u32)
        .into_iter()
        .map(|x| DIGITS[x as usize])
        .collect();
    if i.sign() == Sign::Minus {
        d.push(b'-');
    }
    d.reverse();
    Ok(String::from_utf8(d).unwrap_or_default())
}

enum ParseErr {
    Syntax,
    Range,
    Base(i128),
    BitSize(i128),
}

/// Go's `strconv.ParseUint` without the error text: base 0 reads a `0x`/`0o`/`0b`/`0`
/// prefix and allows underscores between digits.
fn parse_uint(x: &str, base: i128, bits: i128) -> Result<u64, ParseErr> {
    if x.is_empty() {
        return Err(ParseErr::Syntax);
    }
    let (mut digits, mut base, base0) = (x, base, base == 0);
    if base0 {
        base = 10;
        if let Some(rest) = x.strip_prefix('0') {
            let prefixed = |b: u8| x.len() >= 3 && rest.as_bytes()[0].eq_ignore_ascii_case(&b);
            (base, digits) = if prefixed(b'x') {
                (16, &rest[1..])
            } else if prefixed(b'o') {
                (8, &rest[1..])
            } else if prefixed(b'b') {
                (2, &rest[1..])
            } else {
                (8, rest)
            };
        }
    } else if !(2..=36).contains(&base) {
        return Err(ParseErr::Base(base));
    }
    let bits = if bits == 0 { 64 } else { bits };
    if !(1..=64).contains(&bits) {
        return Err(ParseErr::BitSize(bits));
    }
    let max: u128 = (1u128 << bits) - 1;
    let mut n: u128 = 0;
    let mut overflow = false;
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' && base0 {
            underscores = true;
            continue;
        }
        let d = c
            .to_digit(36)
            .filter(|d| (*d as i128) < base)
            .ok_or(ParseErr::Syntax)?;
        n = n * base as u128 + d as u128;
        if n > max {
            overflow = true;
            n = max;
        }
    }
    if underscores && !underscore_ok(x) {
        return Err(ParseErr::Syntax);
    }
    if overflow {
        return Err(ParseErr::Range);
    }
    Ok(n as u64)
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut saw = b'^';
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'x' | b'o' | b'b') {
        i = 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            return false;
        }
        i += 1;
    }
    saw != b'_'
}

fn parse_int(x: &str, base: i128, bits: i128) -> Result<i64, ParseErr> {
    if x.is_empty() {
        return Err(ParseErr::Syntax);
    }
    let (neg, digits) = match x.as_bytes()[0] {
        b'+' => (false, &x[1..]),
        b'-' => (true, &x[1..]),
        _ => (false, x),
    };
    let un = parse_uint(digits, base, bits)?;
    let bits = if bits == 0 { 64 } else { bits };
    let cutoff: u64 = 1u64 << (bits - 1);
    if !neg && un >= cutoff {
        return Err(ParseErr::Range);
    }
    if neg && un > cutoff {
        return Err(ParseErr::Range);
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

fn parse_error(func: &str, x: &str, e: ParseErr) -> String {
    let why = match e {
        ParseErr::Syntax => "invalid syntax".to_string(),
        ParseErr::Range => "value out of range".to_string(),
        ParseErr::Base(b) => format!("invalid base {b}"),
        ParseErr::BitSize(b) => format!("invalid bit size {b}"),
    };
    format!("strconv.{func}: parsing {}: {why}", quote(x, '"', Keep::Print))
}

/// CUE's `literal.Unquote`: one CUE string or bytes literal without interpolation.
fn unquote(x: &str) -> Result<String, String> {
    let toks = crate::lexer::tokenize(x, 0).map_err(|_| "invalid syntax".to_string())?;
    let mut it = toks
        .into_iter()
        .filter(|t| !matches!(t.tok, crate::lexer::Tok::Comma | crate::lexer::Tok::Eof));
    match (it.next().map(|t| t.tok), it.next()) {
        (Some(crate::lexer::Tok::Str(parts, _)), None) if x.starts_with(['"', '\'', '#']) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    crate::lexer::StrPart::Lit(l) => out.push_str(&l),
                    crate::lexer::StrPart::Expr(..) => return Err("invalid syntax".into()),
                }
            }
            Ok(out)
        }
        _ => Err("invalid syntax".into()),
    }
}

/// A rune argument as Go converts it (`U+FFFD` for an invalid code point).
fn rune(a: &Args, i: usize) -> Result<char, String> {
    let r = a.int(i)?;
    Ok(u32::try_from(r)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}'))
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let f = name.strip_prefix("strconv.").unwrap_or(name);
    Ok(match f {
        "Atoi" => {
            let x = a.str(0)?;
            Val::Int(
                parse_int(&x, 10, 0)
                    .map_err(|e| parse_error("Atoi", &x, e))?
                    .into(),
            )
        }
        "FormatBool" => s(a.bool(0)?.to_string()),
        "FormatFloat" => {
            let x = a.f64(0)?;
            let (fmt, prec, bits) = (a.int(1)?, a.int(2)?, a.int(3)?);
            let fmt = u8::try_from(fmt)
                .ok()
                .and_then(GoFormat::from_byte)
                .ok_or_else(|| format!("strconv.FormatFloat: unsupported format {fmt}"))?;
            let prec = i32::try_from(prec.clamp(-1, 10_000)).unwrap_or(-1);
            s(format_go_float(x, fmt, prec, bits == 32))
        }
        "FormatInt" | "FormatUint" => {
            let n = a.num(0)?;
            let what = ctx.describe(a.val(0)?);
            let i = n
                .to_bigint()
                .filter(|_| n.int)
                .ok_or_else(|| format!("cannot use {what} as int"))?;
            if f == "FormatUint" && i.sign() == Sign::Minus {
                return Err(format!("cannot use {i} (type int) as uint64"));
            }
            let base = a.int(1)?;
            s(big_text(&i, base)?)
        }
        "IsGraphic" => Val::Bool(is_graphic(rune(&a, 0)?)),
        "IsPrint" => Val::Bool(is_print(rune(&a, 0)?)),
        "ParseBool" => Val::Bool(match &*a.str(0)? {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
            "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
            x => return Err(parse_error("ParseBool", x, ParseErr::Syntax)),
        }),
        "ParseFloat" => {
            let x = a.str(0)?;
            let v = x
                .parse::<f64>()
                .ok()
                .filter(|_| !x.contains(['_', 'x', 'X']))
                .ok_or_else(|| parse_error("ParseFloat", &x, ParseErr::Syntax))?;
            let v = if a.int(1)? == 32 { v as f32 as f64 } else { v };
            float_result(v)?
        }
        "ParseInt" => {
            let x = a.str(0)?;
            let v = parse_int(&x, a.int(1)?, a.int(2)?).map_err(|e| parse_error("ParseInt", &x, e))?;
            Val::Int(v.into())
        }
        "ParseUint" => {
            let x = a.str(0)?;
            let v = parse_uint(&x, a.int(1)?, a.int(2)?).map_err(|e| parse_error("ParseUint", &x, e))?;
            Val::Int(v.into())
        }
        "Quote" => s(quote(&a.str(0)?, '"', Keep::Print)),
        "QuoteToASCII" => s(quote(&a.str(0)?, '"', Keep::Ascii)),
        "QuoteToGraphic" => s(quote(&a.str(0)?, '"', Keep::Graphic)),
        "QuoteRune" => s(quote(&rune(&a, 0)?.to_string(), '\'', Keep::Print)),
        "QuoteRuneToASCII" => s(quote(&rune(&a, 0)?.to_string(), '\'', Keep::Ascii)),
        "QuoteRuneToGraphic" => s(quote(&rune(&a, 0)?.to_string(), '\'', Keep::Graphic)),
        "Unquote" => s(unquote(&a.str(0)?)?),
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_and_format_like_go() {
        assert_eq!(parse_int("-0x_1F", 0, 64).ok(), Some(-31));
        assert!(matches!(parse_int("128", 10, 8), Err(ParseErr::Range)));
        assert_eq!(parse_int("-128", 10, 8).ok(), Some(-128));
        assert!(matches!(parse_uint("1__0", 0, 0), Err(ParseErr::Syntax)));
        assert_eq!(parse_uint("0755", 0, 0).ok(), Some(0o755));
        assert_eq!(big_text(&BigInt::from(-61), 62).unwrap(), "-Z");
        assert_eq!(unquote("\"a\\tb\"").unwrap(), "a\tb");
        assert!(unquote("abc").is_err());
    }
}
