//! `strings`, `strconv`, `regexp`, `math` and `struct` packages.

use super::{R, arg, arg_int, arg_list, arg_str, not_concrete, want_args};
use crate::eval::Ctx;
use crate::num::{GoFormat, Num, Rounding, format_go_float};
use crate::value::{List, Val};
use std::rc::Rc;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "strings.ToLower",
    "strings.ToUpper",
    "strings.TrimPrefix",
    "strings.TrimSuffix",
    "strings.TrimSpace",
    "strings.Trim",
    "strings.HasPrefix",
    "strings.HasSuffix",
    "strings.Contains",
    "strings.Split",
    "strings.SplitN",
    "strings.Join",
    "strings.Replace",
    "strings.ReplaceAll",
    "strings.Index",
    "strings.LastIndex",
    "strings.Repeat",
    "strings.Fields",
    "strings.Count",
    "strings.MinRunes",
    "strings.MaxRunes",
    "strings.ToTitle",
    "strconv.FormatInt",
    "strconv.Itoa",
    "strconv.Atoi",
    "strconv.ParseInt",
    "strconv.ParseBool",
    "strconv.FormatBool",
    "strconv.Quote",
    "strconv.Unquote",
    "strconv.FormatFloat",
    "strconv.ParseFloat",
    "regexp.Match",
    "regexp.Find",
    "regexp.FindAll",
    "regexp.FindSubmatch",
    "regexp.ReplaceAll",
    "regexp.ReplaceAllLiteral",
    "regexp.Valid",
    "math.Floor",
    "math.Ceil",
    "math.Round",
    "math.Trunc",
    "math.RoundToEven",
    "math.Abs",
    "math.Sqrt",
    "math.Pow",
    "math.Log",
    "math.Exp",
    "math.MultipleOf",
    "struct.MinFields",
    "struct.MaxFields",
];

fn s(x: String) -> Val {
    Val::Str(x.into())
}

fn strs(v: Vec<String>) -> Val {
    Val::List(Rc::new(List {
        elems: v.into_iter().map(s).collect(),
        tail: None,
    }))
}

/// A number argument.
pub(crate) fn num_arg<'v>(ctx: &Ctx, v: &'v Val) -> Result<std::borrow::Cow<'v, Num>, String> {
    match v.as_num() {
        Some(n) => Ok(n),
        None if !ctx.is_concrete(v) => Err(not_concrete(ctx, v)),
        None => Err(format!("cannot use {} as number", ctx.describe(v))),
    }
}

/// A number argument as Go's `float64` (CUE converts such arguments the same way).
fn f64_arg(ctx: &Ctx, v: &Val) -> Result<f64, String> {
    Ok(num_arg(ctx, v)?.to_f64())
}

/// The value of a builtin's decimal result: CUE makes a whole number an int.
pub(crate) fn decimal_result(n: Num) -> Val {
    match n.to_integral_exact() {
        Some(i) => Val::num(i),
        None => Val::num(n.with_kind(false)),
    }
}

/// The float of a builtin's `float64` result (an error for NaN and infinities).
fn float_result(f: f64) -> R {
    Num::from_f64(f)
        .map(|n| Val::Num(std::sync::Arc::new(n)))
        .ok_or_else(|| format!("invalid float result {f}"))
}

/// Go's `strconv.ParseFloat` syntax (decimal forms, `inf`, `nan`).
fn go_parse_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

fn rounded(ctx: &Ctx, a: &[Val], mode: Rounding) -> R {
    let n = num_arg(ctx, a.first().ok_or("missing argument")?)?;
    n.round_integral(mode).map(Val::num).map_err(|e| e.to_string())
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let str_at = |i: usize| -> Result<crate::ast::Name, String> {
        a.get(i)
            .ok_or_else(|| "missing argument".to_string())
            .and_then(|v| arg_str(ctx, v))
    };
    let int_at = |i: usize| -> Result<i128, String> {
        a.get(i)
            .ok_or_else(|| "missing argument".to_string())
            .and_then(|v| arg_int(ctx, v))
    };
    Ok(match name {
        "strings.ToLower" => s(str_at(0)?.to_lowercase()),
        "strings.ToUpper" => s(str_at(0)?.to_uppercase()),
        "strings.ToTitle" => s(str_at(0)?.to_uppercase()),
        "strings.TrimPrefix" => {
            let (x, p) = (str_at(0)?, str_at(1)?);
            s(x.strip_prefix(&*p).unwrap_or(&x).to_string())
        }
        "strings.TrimSuffix" => {
            let (x, p) = (str_at(0)?, str_at(1)?);
            s(x.strip_suffix(&*p).unwrap_or(&x).to_string())
        }
        "strings.TrimSpace" => s(str_at(0)?.trim().to_string()),
        "strings.Trim" => {
            let (x, cut) = (str_at(0)?, str_at(1)?);
            s(x.trim_matches(|c| cut.contains(c)).to_string())
        }
        "strings.HasPrefix" => Val::Bool(str_at(0)?.starts_with(&*str_at(1)?)),
        "strings.HasSuffix" => Val::Bool(str_at(0)?.ends_with(&*str_at(1)?)),
        "strings.Contains" => Val::Bool(str_at(0)?.contains(&*str_at(1)?)),
        "strings.Split" => {
            let (x, sep) = (str_at(0)?, str_at(1)?);
            if sep.is_empty() {
                strs(x.chars().map(|c| c.to_string()).collect())
            } else {
                strs(x.split(&*sep).map(|p| p.to_string()).collect())
            }
        }
        "strings.SplitN" => {
            let (x, sep, n) = (str_at(0)?, str_at(1)?, int_at(2)?);
            if n == 0 {
                strs(vec![])
            } else if n < 0 {
                strs(x.split(&*sep).map(|p| p.to_string()).collect())
            } else {
                strs(x.splitn(n as usize, &*sep).map(|p| p.to_string()).collect())
            }
        }
        "strings.Join" => {
            want_args(a, 2)?;
            let l = arg_list(ctx, arg(a, 0)?)?;
            let sep = str_at(1)?;
            let mut parts = Vec::new();
            for e in &l.elems {
                parts.push(arg_str(ctx, &ctx.resolve(e.clone()))?.to_string());
            }
            s(parts.join(&sep))
        }
        "strings.Replace" => {
            let (x, old, new, n) = (str_at(0)?, str_at(1)?, str_at(2)?, int_at(3)?);
            if n < 0 {
                s(x.replace(&*old, &new))
            } else {
                s(x.replacen(&*old, &new, n as usize))
            }
        }
        "strings.ReplaceAll" => s(str_at(0)?.replace(&*str_at(1)?, &str_at(2)?)),
        "strings.Index" => Val::Int(str_at(0)?.find(&*str_at(1)?).map(|i| i as i128).unwrap_or(-1)),
        "strings.LastIndex" => Val::Int(str_at(0)?.rfind(&*str_at(1)?).map(|i| i as i128).unwrap_or(-1)),
        "strings.Repeat" => {
            let (x, n) = (str_at(0)?, int_at(1)?);
            if n < 0 || (n as usize).saturating_mul(x.len()) > ctx.limits.max_output {
                return Err("repeat count out of range".into());
            }
            s(x.repeat(n as usize))
        }
        "strings.Fields" => strs(str_at(0)?.split_whitespace().map(|p| p.to_string()).collect()),
        "strings.Count" => {
            let (x, sub) = (str_at(0)?, str_at(1)?);
            Val::Int(if sub.is_empty() {
                x.chars().count() as i128 + 1
            } else {
                x.matches(&*sub).count() as i128
            })
        }
        "strings.MinRunes" => Val::Bool(str_at(0)?.chars().count() as i128 >= int_at(1)?),
        "strings.MaxRunes" => Val::Bool(str_at(0)?.chars().count() as i128 <= int_at(1)?),
        "strconv.FormatInt" => {
            let (i, base) = (int_at(0)?, int_at(1)?);
            if !(2..=36).contains(&base) {
                return Err(format!("invalid base {base}"));
            }
            s(format_radix(i, base as u32))
        }
        "strconv.Itoa" => s(int_at(0)?.to_string()),
        "strconv.Atoi" => Val::Int(
            str_at(0)?
                .parse::<i64>()
                .map_err(|e| format!("strconv.Atoi: {e}"))? as i128,
        ),
        "strconv.ParseInt" => {
            let (x, base) = (str_at(0)?, int_at(1)?);
            let base = if base == 0 { 10 } else { base as u32 };
            Val::Int(i64::from_str_radix(&x, base).map_err(|e| format!("strconv.ParseInt: {e}"))? as i128)
        }
        "strconv.ParseBool" => Val::Bool(match &*str_at(0)? {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
            "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
            x => return Err(format!("strconv.ParseBool: parsing {x:?}: invalid syntax")),
        }),
        "strconv.FormatBool" => match a.first() {
            Some(Val::Bool(b)) => s(b.to_string()),
            _ => return Err("expected bool".into()),
        },
        "strconv.Quote" => s(serde_json::to_string(&*str_at(0)?).unwrap_or_default()),
        "strconv.Unquote" => {
            let x = str_at(0)?;
            s(serde_json::from_str::<String>(&x).map_err(|_| "invalid syntax".to_string())?)
        }
        "strconv.FormatFloat" => {
            let f = f64_arg(ctx, a.first().ok_or("missing argument")?)?;
            let (fmt, prec, bits) = (int_at(1)?, int_at(2)?, int_at(3)?);
            let fmt = u8::try_from(fmt)
                .ok()
                .and_then(GoFormat::from_byte)
                .ok_or_else(|| format!("strconv.FormatFloat: unsupported format {fmt}"))?;
            let prec = i32::try_from(prec.clamp(-1, 10_000)).unwrap_or(-1);
            s(format_go_float(f, fmt, prec, bits == 32))
        }
        "strconv.ParseFloat" => {
            let x = str_at(0)?;
            let f = go_parse_float(&x)
                .ok_or_else(|| format!("strconv.ParseFloat: parsing {x:?}: invalid syntax"))?;
            let f = if int_at(1)? == 32 { f as f32 as f64 } else { f };
            float_result(f)?
        }
        "regexp.Match" => Val::Bool(re(ctx, &str_at(0)?)?.is_match(&str_at(1)?)),
        "regexp.Valid" => Val::Bool(ctx.regex(&str_at(0)?).is_some()),
        "regexp.Find" => {
            let x = str_at(1)?;
            match re(ctx, &str_at(0)?)?.find(&x) {
                Some(m) => s(m.as_str().to_string()),
                None => return Err("no match".into()),
            }
        }
        "regexp.FindAll" => {
            let (r, x, n) = (re(ctx, &str_at(0)?)?, str_at(1)?, int_at(2)?);
            let all: Vec<String> = r.find_iter(&x).map(|m| m.as_str().to_string()).collect();
            let all: Vec<String> = if n < 0 {
                all
            } else {
                all.into_iter().take(n as usize).collect()
            };
            if all.is_empty() {
                return Err("no match".into());
            }
            strs(all)
        }
        "regexp.FindSubmatch" => {
            let (r, x) = (re(ctx, &str_at(0)?)?, str_at(1)?);
            match r.captures(&x) {
                Some(c) => strs(
                    c.iter()
                        .map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default())
                        .collect(),
                ),
                None => return Err("no match".into()),
            }
        }
        "regexp.ReplaceAll" => {
            let (r, x, rep) = (re(ctx, &str_at(0)?)?, str_at(1)?, str_at(2)?);
            s(r.replace_all(&x, &*rep).into_owned())
        }
        "regexp.ReplaceAllLiteral" => {
            let (r, x, rep) = (re(ctx, &str_at(0)?)?, str_at(1)?, str_at(2)?);
            s(r.replace_all(&x, regex::NoExpand(&rep)).into_owned())
        }
        "math.MultipleOf" => {
            let (x, m) = (
                num_arg(ctx, arg(a, 0)?)?,
                num_arg(ctx, a.get(1).ok_or("missing argument")?)?,
            );
            let q = x.quo(&m).map_err(|e| e.to_string())?;
            Val::Bool(q.is_integral())
        }
        "math.Floor" => rounded(ctx, a, Rounding::Floor)?,
        "math.Ceil" => rounded(ctx, a, Rounding::Ceil)?,
        "math.Round" => rounded(ctx, a, Rounding::HalfUp)?,
        "math.RoundToEven" => rounded(ctx, a, Rounding::HalfEven)?,
        "math.Trunc" => rounded(ctx, a, Rounding::Down)?,
        "math.Abs" => match arg(a, 0)? {
            Val::Int(i) if i.unsigned_abs() < 10u128.pow(crate::num::PRECISION as u32) => Val::Int(i.abs()),
            // (in the 34-digit context, like CUE)
            v => decimal_result(num_arg(ctx, v)?.abs().rounded().map_err(|e| e.to_string())?),
        },
        "math.Sqrt" => float_result(f64_arg(ctx, arg(a, 0)?)?.sqrt())?,
        "math.Pow" => {
            let (x, y) = (
                num_arg(ctx, arg(a, 0)?)?,
                num_arg(ctx, a.get(1).ok_or("missing argument")?)?,
            );
            match x.pow_int(&y) {
                Some(r) => decimal_result(r.map_err(|e| e.to_string())?),
                // (CUE computes fractional powers with 34-digit logarithms; float64 here)
                None => float_result(x.to_f64().powf(y.to_f64()))?,
            }
        }
        "math.Log" => float_result(f64_arg(ctx, arg(a, 0)?)?.ln())?,
        "math.Exp" => float_result(f64_arg(ctx, arg(a, 0)?)?.exp())?,
        "struct.MinFields" | "struct.MaxFields" => {
            // the struct argument is the value the validator is applied to
            let Val::Struct(id) = arg(a, 0)? else {
                return Err(format!("cannot use {} as struct", ctx.describe(arg(a, 0)?)));
            };
            let n = ctx.regular_fields(*id).len() as i128;
            let bound = int_at(1)?;
            Val::Bool(if name == "struct.MinFields" {
                n >= bound
            } else {
                n <= bound
            })
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

fn re(ctx: &Ctx, pat: &str) -> Result<Rc<regex::Regex>, String> {
    ctx.regex(pat)
        .ok_or_else(|| format!("invalid regular expression {pat:?}"))
}

fn format_radix(i: i128, base: u32) -> String {
    if i == 0 {
        return "0".into();
    }
    let neg = i < 0;
    let mut n = i.unsigned_abs();
    let mut d = Vec::new();
    while n > 0 {
        let r = (n % base as u128) as u32;
        d.push(std::char::from_digit(r, base).unwrap_or('?'));
        n /= base as u128;
    }
    if neg {
        d.push('-');
    }
    d.iter().rev().collect()
}
