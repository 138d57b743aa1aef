//! The 34-digit functions of CUE's `math` package (`Log`, `Exp`, `Pow`, `Cbrt`, ...), which CUE
//! computes with apd in its decimal context: here in fixed point with [`WORK`] fraction digits,
//! then rounded half up to 34 significant digits.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, Zero};

use crate::num::{Num, digits, pow10};

/// Fraction digits of the fixed-point intermediate results.
const WORK: u64 = 80;

/// The largest decimal exponent a result may have (beyond it: an overflow error).
const MAX_EXP: i64 = 100_000;

fn scale() -> BigInt {
    BigInt::from(pow10(WORK))
}

/// `x` as a fixed-point number (scaled by 10^WORK), truncated.
fn to_fixed(x: &Num) -> Result<BigInt, String> {
    if x.adjusted() > 8 {
        return Err("overflow".into());
    }
    let c = BigInt::from(x.coeff.clone());
    let shift = WORK as i64 + x.exp;
    let v = if shift >= 0 {
        c * BigInt::from(pow10(shift as u64))
    } else {
        c / BigInt::from(pow10((-shift) as u64))
    };
    Ok(if x.neg { -v } else { v })
}

/// The fixed-point value `v × 10^exp10` rounded to 34 digits.
fn from_fixed(v: BigInt, exp10: i64) -> Result<Num, String> {
    let neg = v.sign() == Sign::Minus;
    let n = Num {
        int: false,
        neg,
        coeff: v.magnitude().clone(),
        exp: exp10 - WORK as i64,
    };
    n.rounded().map_err(|e| e.to_string())
}

/// `2·atanh(z)` for a fixed-point `z` with |z| < 1/2 (the series of `ln((1+z)/(1-z))`).
fn two_atanh(z: &BigInt) -> BigInt {
    let s = scale();
    let z2 = z * z / &s;
    let mut term = z.clone();
    let mut sum = BigInt::zero();
    let mut k = 1u32;
    while !term.is_zero() {
        sum += &term / k;
        term = &term * &z2 / &s;
        k += 2;
    }
    sum * 2
}

fn ln2() -> BigInt {
    two_atanh(&(scale() / 3))
}

fn ln10() -> BigInt {
    // ln 10 = 3·ln 2 + ln 1.25, ln 1.25 = 2·atanh(1/9)
    ln2() * 3 + two_atanh(&(scale() / 9))
}

/// Natural logarithm of a positive `x`, fixed point.
fn ln_fixed(x: &Num) -> Result<BigInt, String> {
    if x.neg || x.is_zero() {
        return Err(format!("cannot take the logarithm of {}", x.to_f64()));
    }
    let s = scale();
    let d = digits(&x.coeff) as i64;
    // y = coeff / 10^d in [0.1, 1)
    let shift = WORK as i64 - d;
    let mut y = BigInt::from(x.coeff.clone());
    y = if shift >= 0 {
        y * BigInt::from(pow10(shift as u64))
    } else {
        y / BigInt::from(pow10((-shift) as u64))
    };
    let mut k = 0i64;
    let half = &s / 2;
    while y < half {
        y *= 2;
        k += 1;
    }
    let z = (&y - &s) * &s / (&y + &s);
    Ok(two_atanh(&z) - ln2() * k + ln10() * (x.exp + d))
}

/// `e^x` for a fixed-point `x`: the fixed-point mantissa and its power of ten.
fn exp_fixed(x: &BigInt) -> Result<(BigInt, i64), String> {
    let s = scale();
    let l10 = ln10();
    // x = n·ln10 + r with 0 <= r < ln10
    let mut n = x / &l10;
    if x.is_negative() && !(x % &l10).is_zero() {
        n -= 1;
    }
    let n64 = i64::try_from(&n).map_err(|_| "overflow".to_string())?;
    if n64.abs() > MAX_EXP {
        return Err(if n64 > 0 { "overflow" } else { "underflow" }.into());
    }
    let r = x - &n * &l10;
    // e^r = (e^(r/1024))^1024
    const HALVINGS: u32 = 10;
    let r = r >> HALVINGS;
    let mut sum = s.clone();
    let mut term = s.clone();
    let mut k = 1u32;
    loop {
        term = &term * &r / &s / k;
        if term.is_zero() {
            break;
        }
        sum += &term;
        k += 1;
    }
    for _ in 0..HALVINGS {
        sum = &sum * &sum / &s;
    }
    Ok((sum, n64))
}

/// `math.Log`.
pub(crate) fn ln(x: &Num) -> Result<Num, String> {
    if x.coeff.is_one() && x.exp == 0 && !x.neg {
        return Ok(Num::from_i128(0));
    }
    from_fixed(ln_fixed(x)?, 0)
}

/// `math.Log10` (exact for powers of ten).
pub(crate) fn log10(x: &Num) -> Result<Num, String> {
    let l = ln_fixed(x)?;
    from_fixed(l * scale() / ln10(), 0)
}

/// `math.Exp`.
pub(crate) fn exp(x: &Num) -> Result<Num, String> {
    if x.is_zero() {
        return Ok(Num::from_i128(1));
    }
    let (m, e) = exp_fixed(&to_fixed(x)?)?;
    from_fixed(m, e)
}

/// `math.Pow` for a non-integral exponent: `e^(y·ln x)`.
pub(crate) fn pow_frac(x: &Num, y: &Num) -> Result<Num, String> {
    if x.is_zero() {
        return if y.neg {
            Err("division by zero".into())
        } else {
            Ok(Num::from_i128(0))
        };
    }
    if x.neg {
        return Err("negative number raised to a fractional power".into());
    }
    let l = ln_fixed(x)?;
    let yf = to_fixed(y)?;
    let (m, e) = exp_fixed(&(l * yf / scale()))?;
    from_fixed(m, e)
}

/// `math.Cbrt`.
pub(crate) fn cbrt(x: &Num) -> Result<Num, String> {
    if x.is_zero() {
        return Ok(Num::from_i128(0));
    }
    // coeff·10^t has at least 120 digits and exp - t is a multiple of 3
    let d = digits(&x.coeff) as i64;
    let mut t = (120 - d).max(0);
    while (x.exp - t).rem_euclid(3) != 0 {
        t += 1;
    }
    let n: BigUint = &x.coeff * pow10(t as u64);
    let r = n.cbrt();
    let out = Num {
        int: false,
        neg: x.neg,
        coeff: r,
        exp: (x.exp - t) / 3,
    };
    out.rounded().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Num {
        Num::parse(s).unwrap()
    }

    fn text(x: Num) -> String {
        x.to_string()
    }

    #[test]
    fn transcendental_functions_have_34_digits() {
        assert_eq!(text(ln(&n("10")).unwrap()), "2.302585092994045684017991454684364");
        assert_eq!(text(exp(&n("1")).unwrap()), "2.718281828459045235360287471352662");
        assert_eq!(
            text(ln(&n("0.5")).unwrap()),
            "-0.6931471805599453094172321214581766"
        );
        assert_eq!(
            text(exp(&n("-1")).unwrap()),
            "0.3678794411714423215955237701614609"
        );
        assert_eq!(
            text(pow_frac(&n("2"), &n("0.5")).unwrap()),
            "1.414213562373095048801688724209698"
        );
        assert_eq!(
            text(cbrt(&n("2")).unwrap()),
            "1.259921049894873164767210607278228"
        );
    }
}
