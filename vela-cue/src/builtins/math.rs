//! The `math` and `struct` packages: exact decimal functions (CUE's 34-digit context), Go's
//! `float64` functions where CUE uses them, and the package constants with CUE's digits.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use super::R;
use super::args::Args;
use super::decimal;
use crate::eval::Ctx;
use crate::num::{Num, Rounding};
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "math.Abs",
    "math.Acos",
    "math.Acosh",
    "math.Asin",
    "math.Asinh",
    "math.Atan",
    "math.Atan2",
    "math.Atanh",
    "math.Cbrt",
    "math.Ceil",
    "math.Copysign",
    "math.Cos",
    "math.Cosh",
    "math.Dim",
    "math.Exp",
    "math.Exp2",
    "math.Expm1",
    "math.Floor",
    "math.Hypot",
    "math.Ilogb",
    "math.Jacobi",
    "math.Ldexp",
    "math.Log",
    "math.Log10",
    "math.Log1p",
    "math.Log2",
    "math.Logb",
    "math.Mod",
    "math.MultipleOf",
    "math.Pow",
    "math.Pow10",
    "math.Remainder",
    "math.Round",
    "math.RoundToEven",
    "math.Signbit",
    "math.Sin",
    "math.Sinh",
    "math.Sqrt",
    "math.Tan",
    "math.Tanh",
    "math.Trunc",
    "struct.MaxFields",
    "struct.MinFields",
];

/// The package constants, with the digits CUE v0.14.1 prints.
pub(crate) const CONSTS: &[(&str, &str)] = &[
    (
        "math.E",
        "2.71828182845904523536028747135266249775724709369995957496696763",
    ),
    (
        "math.Pi",
        "3.14159265358979323846264338327950288419716939937510582097494459",
    ),
    (
        "math.Phi",
        "1.61803398874989484820458683436563811772030917980576286213544861",
    ),
    (
        "math.Sqrt2",
        "1.41421356237309504880168872420969807856967187537694807317667974",
    ),
    (
        "math.SqrtE",
        "1.64872127070012814684865078781416357165377610071014801157507931",
    ),
    (
        "math.SqrtPi",
        "1.77245385090551602729816748334114518279754945612238712821380779",
    ),
    (
        "math.SqrtPhi",
        "1.27201964951406896425242246173749149171560804184009624861664038",
    ),
    (
        "math.Ln2",
        "0.693147180559945309417232121458176568075500134360255254120680009",
    ),
    (
        "math.Log2E",
        "1.442695040888963407359924681001892137426645954152985934135449408",
    ),
    (
        "math.Ln10",
        "2.3025850929940456840179914546843642076011014886287729760333278",
    ),
    (
        "math.Log10E",
        "0.43429448190325182765112891891660508229439700580366656611445378",
    ),
    ("math.MaxExp", "2147483647"),
    ("math.MinExp", "-2147483648"),
    ("math.MaxPrec", "4294967295"),
    ("math.ToNearestEven", "0"),
    ("math.ToNearestAway", "1"),
    ("math.ToZero", "2"),
    ("math.AwayFromZero", "3"),
    ("math.ToNegativeInf", "4"),
    ("math.ToPositiveInf", "5"),
    ("math.Below", "-1"),
    ("math.Exact", "0"),
    ("math.Above", "1"),
    ("math.MaxBase", "62"),
];

/// The value of a builtin's decimal result: CUE makes a whole number an int.
pub(crate) fn decimal_result(n: Num) -> Val {
    if n.is_zero() && n.neg {
        // `-0` keeps its sign
        return Val::num(Num {
            exp: n.exp.min(0),
            ..n
        });
    }
    match n.to_integral_exact() {
        Some(i) => Val::num(i),
        None => Val::num(n.with_kind(false)),
    }
}

/// The float of a builtin's `float64` result (an error for NaN and infinities, as in CUE).
pub(crate) fn float_result(f: f64) -> R {
    if f == 0.0 && f.is_sign_negative() {
        return Num::parse("-0")
            .map(|n| Val::num(n.with_kind(false)))
            .map_err(|e| e.to_string());
    }
    Num::from_f64(f)
        .map(|n| Val::Num(std::sync::Arc::new(n)))
        .ok_or_else(|| format!("invalid float result {f}"))
}

fn rounded(a: &Args, mode: Rounding) -> R {
    a.num(0)?
        .round_integral(mode)
        .map(Val::num)
        .map_err(|e| e.to_string())
}

/// Go's `math.Remainder`: `x - n·y` with `n` the integer nearest `x/y` (ties to even).
fn remainder(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if y.is_infinite() {
        return x;
    }
    let neg = x < 0.0;
    let (mut x, y) = (x.abs(), y.abs());
    if x == y {
        return if neg { -0.0 } else { 0.0 };
    }
    if y <= f64::MAX / 2.0 {
        x %= y + y;
    }
    if y < 2.0 * f64::MIN_POSITIVE {
        if x + x > y {
            x -= y;
            if x + x >= y {
                x -= y;
            }
        }
    } else {
        let half = 0.5 * y;
        if x > half {
            x -= y;
            if x >= half {
                x -= y;
            }
        }
    }
    if neg { -x } else { x }
}

/// Go's `math.Ilogb`: the binary exponent of `x`.
fn ilogb(x: f64) -> i64 {
    if x == 0.0 {
        return i32::MIN.into();
    }
    if x.is_nan() || x.is_infinite() {
        return i32::MAX.into();
    }
    let bits = x.abs().to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64;
    if e == 0 {
        // subnormal: normalise first, as Go does
        return ilogb(x * 2f64.powi(52)) - 52;
    }
    e - 1023
}

/// `big.Jacobi(x, y)` for an odd `y`.
fn jacobi(x: &BigInt, y: &BigInt) -> Result<i128, String> {
    if y.is_even() {
        return Err(format!(
            "big: invalid 2nd argument to Int.Jacobi: need odd integer but got {y}"
        ));
    }
    let (mut a, mut b) = (x.clone(), y.clone());
    let mut j = 1i128;
    if b.is_negative() {
        if a.is_negative() {
            j = -1;
        }
        b = -b;
    }
    loop {
        if b == BigInt::from(1) {
            return Ok(j);
        }
        if a.is_zero() {
            return Ok(0);
        }
        a = a.mod_floor(&b);
        if a.is_zero() {
            return Ok(0);
        }
        let s = a.trailing_zeros().unwrap_or(0);
        if s & 1 != 0 {
            let bmod8 = (&b % 8u32).to_string();
            if bmod8 == "3" || bmod8 == "5" {
                j = -j;
            }
        }
        let c = &a >> s;
        if (&b % 4u32).to_string() == "3" && (&c % 4u32).to_string() == "3" {
            j = -j;
        }
        a = b;
        b = c;
    }
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let f1 = |g: fn(f64) -> f64| -> R { float_result(g(a.f64(0)?)) };
    let dec = |r: Result<Num, String>| -> R { Ok(decimal_result(r?)) };
    Ok(match name.split_once('.').map_or(name, |(_, f)| f) {
        "Abs" => match a.val(0)? {
            Val::Int(i) if i.unsigned_abs() < 10u128.pow(crate::num::PRECISION as u32) => Val::Int(i.abs()),
            _ => decimal_result(a.num(0)?.abs().rounded().map_err(|e| e.to_string())?),
        },
        "Acos" => f1(f64::acos)?,
        "Acosh" => f1(f64::acosh)?,
        "Asin" => f1(f64::asin)?,
        "Asinh" => f1(f64::asinh)?,
        "Atan" => f1(f64::atan)?,
        "Atan2" => float_result(a.f64(0)?.atan2(a.f64(1)?))?,
        "Atanh" => f1(f64::atanh)?,
        "Cbrt" => dec(decimal::cbrt(&*a.num(0)?))?,
        "Ceil" => rounded(&a, Rounding::Ceil)?,
        "Copysign" => {
            let mut x = a.num(0)?.into_owned();
            x.neg = a.num(1)?.neg;
            decimal_result(x)
        }
        "Cos" => f1(f64::cos)?,
        "Cosh" => f1(f64::cosh)?,
        "Dim" => {
            let d = a.num(0)?.sub(&*a.num(1)?).map_err(|e| e.to_string())?;
            if d.neg && !d.is_zero() {
                Val::Int(0)
            } else {
                decimal_result(d)
            }
        }
        "Exp" => dec(decimal::exp(&*a.num(0)?))?,
        "Exp2" => pow(&Num::from_i128(2), &*a.num(0)?)?,
        "Expm1" => f1(f64::exp_m1)?,
        "Floor" => rounded(&a, Rounding::Floor)?,
        "Hypot" => float_result(a.f64(0)?.hypot(a.f64(1)?))?,
        "Ilogb" => Val::Int(ilogb(a.f64(0)?).into()),
        "Jacobi" => {
            let (x, y) = (a.num(0)?, a.num(1)?);
            let (Some(x), Some(y)) = (x.to_bigint().filter(|_| x.int), y.to_bigint().filter(|_| y.int))
            else {
                return Err("Jacobi: arguments must be integers".into());
            };
            Val::Int(jacobi(&x, &y)?)
        }
        "Ldexp" => {
            let (frac, e) = (a.f64(0)?, a.int(1)?);
            let e = i32::try_from(e.clamp(-10_000, 10_000)).unwrap_or(0);
            float_result(frac * 2f64.powi(e.clamp(-1074, 1023)) * 2f64.powi(e - e.clamp(-1074, 1023)))?
        }
        "Log" => dec(decimal::ln(&*a.num(0)?))?,
        "Log10" => dec(decimal::log10(&*a.num(0)?))?,
        "Log1p" => f1(f64::ln_1p)?,
        "Log2" => {
            let l = decimal::ln(&*a.num(0)?)?;
            let l2 = decimal::ln(&Num::from_i128(2))?;
            decimal_result(l.quo(&l2).map_err(|e| e.to_string())?)
        }
        "Logb" => {
            let x = a.f64(0)?;
            float_result(if x == 0.0 {
                f64::NEG_INFINITY
            } else {
                ilogb(x) as f64
            })?
        }
        "Mod" => float_result(a.f64(0)? % a.f64(1)?)?,
        "MultipleOf" => {
            let q = a.num(0)?.quo(&*a.num(1)?).map_err(|e| e.to_string())?;
            Val::Bool(q.is_integral())
        }
        "Pow" => pow(&*a.num(0)?, &*a.num(1)?)?,
        "Pow10" => {
            let n = a.int(0)?;
            let n = i32::try_from(n).map_err(|_| format!("cannot use {n} as int32"))?;
            let one = Num::from_i128(1);
            decimal_result(Num { exp: n.into(), ..one })
        }
        "Remainder" => float_result(remainder(a.f64(0)?, a.f64(1)?))?,
        "Round" => rounded(&a, Rounding::HalfUp)?,
        "RoundToEven" => rounded(&a, Rounding::HalfEven)?,
        "Signbit" => Val::Bool(a.num(0)?.neg),
        "Sin" => f1(f64::sin)?,
        "Sinh" => f1(f64::sinh)?,
        "Sqrt" => f1(f64::sqrt)?,
        "Tan" => f1(f64::tan)?,
        "Tanh" => f1(f64::tanh)?,
        "Trunc" => rounded(&a, Rounding::Down)?,
        "MinFields" | "MaxFields" => {
            // the struct argument is the value the validator is applied to
            let Val::Struct(id) = a.val(0)? else {
                return Err(format!("cannot use {} as struct", ctx.describe(a.val(0)?)));
            };
            let n = ctx.regular_fields(*id).len() as i128;
            let bound = a.int(1)?;
            Val::Bool(if name == "struct.MinFields" {
                n >= bound
            } else {
                n <= bound
            })
        }
        _ => return Err(format!("unknown function {name}")),
    })
}

/// apd's `Pow`: exact for integral exponents, `e^(y·ln x)` with 34 digits otherwise.
fn pow(x: &Num, y: &Num) -> R {
    match x.pow_int(y) {
        Some(r) => Ok(decimal_result(r.map_err(|e| e.to_string())?)),
        None => Ok(decimal_result(decimal::pow_frac(x, y)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_helpers_follow_go() {
        assert_eq!(remainder(5.0, 3.0), -1.0);
        assert_eq!(remainder(-5.0, 3.0), 1.0);
        assert_eq!(ilogb(8.0), 3);
        assert_eq!(ilogb(0.5), -1);
        assert_eq!(jacobi(&BigInt::from(3), &BigInt::from(7)).unwrap(), -1);
        assert_eq!(jacobi(&BigInt::from(2), &BigInt::from(7)).unwrap(), 1);
        assert!(jacobi(&BigInt::from(2), &BigInt::from(8)).is_err());
    }
}
