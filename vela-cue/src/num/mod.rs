//! CUE's numbers: exact decimals (`coefficient × 10^exponent`, a sign and a kind), with the
//! arithmetic of the 34-digit decimal context CUE v0.14 evaluates with.
//!
//! Integer literals are exact at any size and float literals keep the digits they were written
//! with (`2.50` stays `2.50`). `+`, `-` and `*` are exact up to 34 significant digits and round
//! half up beyond; `/` always gives a float rounded to 34 digits, with trailing zeros removed
//! except one after the point (`6 / 3` is `2.0`). The evaluator keeps small integers in
//! [`crate::value::Val::Int`] and uses [`Num`] for everything else.
//! (`0.1 + 0.2` is exactly `0.3`, `1e10` prints as `1E+10`, `1 / 3` has 34 threes: see the
//! `decimal_context` unit test.)

mod format;
mod ops;

pub use format::{GoFormat, format_go_float};
pub use ops::{IntOp, Rounding};

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{ToPrimitive, Zero};

/// Significant digits of CUE's decimal context.
pub const PRECISION: u64 = 34;

/// Largest adjusted exponent the decimal context allows (and smallest, negated).
pub const MAX_EXPONENT: i64 = 100_000;

/// A failed number operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Division (or `div`, `mod`, ...) by zero.
    #[error("failed arithmetic: division by zero")]
    DivisionByZero,
    /// `0 / 0`.
    #[error("failed arithmetic: division undefined")]
    DivisionUndefined,
    /// The result's exponent is outside the decimal context.
    #[error("failed arithmetic: exponent out of range")]
    ExponentRange,
    /// A number literal CUE does not accept.
    #[error("invalid number {0:?}")]
    Literal(String),
    /// A literal with a multiplier (`1.5K`) that is not an integer.
    #[error("number cannot be represented as int")]
    NotInt,
    /// The operation is defined only for finite values or small arguments.
    #[error("{0}")]
    Unsupported(String),
}

/// A CUE number: `(-1)^neg × coeff × 10^exp`, of kind `int` or `float`.
///
/// Two numbers with the same value but different digits (`2.0`, `2.00`) compare equal with
/// [`Num::cmp_value`] and print differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Num {
    /// `int` (true) or `float` kind.
    pub int: bool,
    /// Sign (a negative zero is possible, as in CUE: `0 * -1` is `-0`).
    pub neg: bool,
    /// Coefficient.
    pub coeff: BigUint,
    /// Exponent of ten.
    pub exp: i64,
}

/// Number of decimal digits of `c` (1 for zero).
pub(crate) fn digits(c: &BigUint) -> u64 {
    if let Some(x) = c.to_u64() {
        return x.checked_ilog10().unwrap_or(0) as u64 + 1;
    }
    // c is in [2^(b-1), 2^b): its digit count is `lo` or `lo + 1`
    let b = c.bits();
    let lo = ((b - 1) as f64 * std::f64::consts::LOG10_2) as u64 + 1;
    if *c >= pow10(lo) { lo + 1 } else { lo }
}

/// `10^n`.
pub(crate) fn pow10(n: u64) -> BigUint {
    num_traits::pow(BigUint::from(10u32), n as usize)
}

impl Num {
    /// An exact integer.
    pub fn from_i128(i: i128) -> Num {
        Num {
            int: true,
            neg: i < 0,
            coeff: BigUint::from(i.unsigned_abs()),
            exp: 0,
        }
    }

    /// An exact integer of any size.
    pub fn from_bigint(i: &BigInt) -> Num {
        Num {
            int: true,
            neg: i.sign() == Sign::Minus,
            coeff: i.magnitude().clone(),
            exp: 0,
        }
    }

    /// The float CUE makes of a Go `float64` result (a builtin's): its shortest digits.
    /// `None` for NaN and infinities.
    pub fn from_f64(f: f64) -> Option<Num> {
        if !f.is_finite() {
            return None;
        }
        let s = format!("{:e}", f.abs());
        let (m, e) = s.split_once('e')?;
        let e: i64 = e.parse().ok()?;
        let (ip, fp) = m.split_once('.').unwrap_or((m, ""));
        let coeff: BigUint = format!("{ip}{fp}").parse().ok()?;
        Some(Num {
            int: false,
            neg: f.is_sign_negative() && f != 0.0,
            coeff,
            exp: e - fp.len() as i64,
        })
    }

    /// The float for a JSON number that only survives as an `f64` (input data): its shortest
    /// digits, with one decimal place for integral values below `1e21` (`1.0`, as JSON texts
    /// usually write them).
    pub fn from_json_f64(f: f64) -> Option<Num> {
        let mut n = Num::from_f64(f)?;
        if n.exp >= 0 && f.abs() < 1e21 {
            n.coeff *= pow10(n.exp as u64 + 1);
            n.exp = -1;
        }
        Some(n)
    }

    /// Parse a decimal literal without underscores or multipliers (`12`, `1.5`, `.5`, `1.`,
    /// `1e3`, `2.5E-3`, with an optional leading `-`): a float when it has a point or an
    /// exponent, otherwise an int.
    pub fn parse(text: &str) -> Result<Num, Error> {
        let bad = || Error::Literal(text.to_string());
        let (neg, t) = match text.strip_prefix('-') {
            Some(t) => (true, t),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mant, e) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let (ip, fp, point) = match mant.split_once('.') {
            Some((a, b)) => (a, b, true),
            None => (mant, "", false),
        };
        if ip.is_empty() && fp.is_empty()
            || !ip.bytes().all(|b| b.is_ascii_digit())
            || !fp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let mut exp: i64 = match e {
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                // clamp absurd exponents; the range check below rejects them
                let v: i64 = digits.parse().unwrap_or(i64::MAX / 4).min(i64::MAX / 4);
                if e.starts_with('-') { -v } else { v }
            }
            None => 0,
        };
        exp -= fp.len() as i64;
        let all = format!("{ip}{fp}");
        let coeff: BigUint = if all.is_empty() {
            BigUint::zero()
        } else {
            all.parse().map_err(|_| bad())?
        };
        let n = Num {
            int: !point && e.is_none(),
            neg,
            coeff,
            exp,
        };
        n.check_range()?;
        Ok(n)
    }

    /// Parse a literal with a multiplier suffix (`1K`, `1.5Ki`): the result must be an integer.
    pub fn parse_with_multiplier(text: &str, base: u32, power: u32) -> Result<Num, Error> {
        let n = Num::parse(text)?;
        let m = Num {
            int: true,
            neg: false,
            coeff: num_traits::pow(BigUint::from(base), power as usize),
            exp: 0,
        };
        let mut v = n.mul_exact(&m);
        v.int = true;
        v.to_integral_exact().ok_or(Error::NotInt)
    }

    /// Parse digits in a radix (hex, octal, binary literals): an int.
    pub fn parse_radix(digits: &str, radix: u32) -> Result<Num, Error> {
        let coeff = BigUint::parse_bytes(digits.as_bytes(), radix)
            .ok_or_else(|| Error::Literal(digits.to_string()))?;
        Ok(Num {
            int: true,
            neg: false,
            coeff,
            exp: 0,
        })
    }

    /// Reject exponents outside the decimal context.
    pub(crate) fn check_range(&self) -> Result<(), Error> {
        if self.coeff.is_zero() {
            return if self.exp.abs() > 2 * MAX_EXPONENT {
                Err(Error::ExponentRange)
            } else {
                Ok(())
            };
        }
        let adj = self.adjusted();
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&adj) {
            return Err(Error::ExponentRange);
        }
        Ok(())
    }

    /// Exponent of the most significant digit.
    pub fn adjusted(&self) -> i64 {
        self.exp + digits(&self.coeff) as i64 - 1
    }

    /// Is the value zero (of either sign)?
    pub fn is_zero(&self) -> bool {
        self.coeff.is_zero()
    }

    /// Is the value a whole number?
    pub fn is_integral(&self) -> bool {
        if self.exp >= 0 || self.coeff.is_zero() {
            return true;
        }
        let k = (-self.exp) as u64;
        if k >= digits(&self.coeff) {
            return false;
        }
        (&self.coeff % pow10(k)).is_zero()
    }

    /// The value when it is a whole number (`None` otherwise or when absurdly large).
    pub fn to_bigint(&self) -> Option<BigInt> {
        let mag = if self.exp >= 0 {
            if self.exp > 2 * MAX_EXPONENT {
                return None;
            }
            &self.coeff * pow10(self.exp as u64)
        } else {
            if !self.is_integral() {
                return None;
            }
            &self.coeff / pow10((-self.exp) as u64)
        };
        let sign = if self.neg { Sign::Minus } else { Sign::Plus };
        Some(BigInt::from_biguint(sign, mag))
    }

    /// The value as an `i128` when it is a whole number in range.
    pub fn to_i128(&self) -> Option<i128> {
        if self.exp == 0 {
            let m = self.coeff.to_u128()?;
            return if self.neg {
                0i128.checked_sub_unsigned(m)
            } else {
                i128::try_from(m).ok()
            };
        }
        self.to_bigint()?.to_i128()
    }

    /// The nearest `f64` (infinite when out of range).
    pub fn to_f64(&self) -> f64 {
        let c = self.coeff.to_string();
        let s = format!("{}{c}e{}", if self.neg { "-" } else { "" }, self.exp);
        s.parse().unwrap_or(f64::NAN)
    }

    /// Numeric comparison (`1 == 1.0`, `-0 == 0`).
    pub fn cmp_value(&self, other: &Num) -> Ordering {
        let (za, zb) = (self.is_zero(), other.is_zero());
        let sa = if za {
            0
        } else if self.neg {
            -1
        } else {
            1
        };
        let sb = if zb {
            0
        } else if other.neg {
            -1
        } else {
            1
        };
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let mag = match self.adjusted().cmp(&other.adjusted()) {
            Ordering::Equal => {
                // same adjusted exponent: align (the difference is below the digit count)
                let e = self.exp.min(other.exp);
                let a = &self.coeff * pow10((self.exp - e) as u64);
                let b = &other.coeff * pow10((other.exp - e) as u64);
                a.cmp(&b)
            }
            o => o,
        };
        if sa < 0 { mag.reverse() } else { mag }
    }

    /// The same number with another kind.
    pub fn with_kind(mut self, int: bool) -> Num {
        self.int = int;
        self
    }
}

#[cfg(test)]
mod tests;
