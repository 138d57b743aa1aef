//! Arithmetic on [`Num`]: the 34-digit, round-half-up context of CUE v0.14.

use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

use super::{Error, Num, PRECISION, digits, pow10};

/// How to round a number to a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward negative infinity (`math.Floor`).
    Floor,
    /// Toward positive infinity (`math.Ceil`).
    Ceil,
    /// Toward zero (`math.Trunc`).
    Down,
    /// To nearest, ties away from zero (`math.Round`).
    HalfUp,
    /// To nearest, ties to even (`math.RoundToEven`).
    HalfEven,
}

/// Integer division operators (Go's `big.Int` methods): `div`/`mod` are Euclidean (the modulus
/// is never negative), `quo`/`rem` truncate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOp {
    /// `div`
    Div,
    /// `mod`
    Mod,
    /// `quo`
    Quo,
    /// `rem`
    Rem,
}

/// Divide `c` by `10^k`, rounding the dropped digits with `mode` (sign `neg` for the directed
/// modes). Returns the quotient and whether anything non-zero was dropped.
fn shift_round(c: &BigUint, k: u64, neg: bool, mode: Rounding) -> (BigUint, bool) {
    if k == 0 {
        return (c.clone(), false);
    }
    let p = pow10(k);
    let (q, r) = c.div_rem(&p);
    if r.is_zero() {
        return (q, false);
    }
    let twice = &r * 2u32;
    let up = match mode {
        Rounding::Down => false,
        Rounding::Floor => neg,
        Rounding::Ceil => !neg,
        Rounding::HalfUp => twice >= p,
        Rounding::HalfEven => twice > p || (twice == p && q.is_odd()),
    };
    (if up { q + 1u32 } else { q }, true)
}

impl Num {
    /// Round the coefficient to [`PRECISION`] digits (half up) and check the exponent.
    pub(crate) fn rounded(self) -> Result<Num, Error> {
        self.rounded_to(PRECISION)
    }

    /// Round the coefficient to `prec` digits (half up) and check the exponent.
    fn rounded_to(mut self, prec: u64) -> Result<Num, Error> {
        let d = digits(&self.coeff);
        if d > prec {
            let k = d - prec;
            let (mut q, _) = shift_round(&self.coeff, k, self.neg, Rounding::HalfUp);
            self.exp += k as i64;
            if digits(&q) > prec {
                q /= 10u32;
                self.exp += 1;
            }
            self.coeff = q;
        }
        self.check_range()?;
        Ok(self)
    }

    /// `self + other` (kind: int only when both are ints).
    pub fn add(&self, other: &Num) -> Result<Num, Error> {
        // (apd refuses to align exponents further apart than its exponent range)
        if (self.exp - other.exp).abs() > super::MAX_EXPONENT {
            return Err(Error::ExponentRange);
        }
        let (a, b) = far_apart(self, other);
        let (x, y) = (a.as_ref().unwrap_or(self), b.as_ref().unwrap_or(other));
        let e = x.exp.min(y.exp);
        let a = &x.coeff * pow10((x.exp - e) as u64);
        let b = &y.coeff * pow10((y.exp - e) as u64);
        let (coeff, neg) = if x.neg == y.neg {
            (a + b, x.neg)
        } else if a >= b {
            let c = a - b;
            let neg = !c.is_zero() && x.neg;
            (c, neg)
        } else {
            (b - a, y.neg)
        };
        Num {
            int: self.int && other.int,
            neg,
            coeff,
            exp: e,
        }
        .rounded()
    }

    /// `self - other`.
    pub fn sub(&self, other: &Num) -> Result<Num, Error> {
        let mut o = other.clone();
        o.neg = !o.neg;
        self.add(&o)
    }

    /// The exact product (no rounding).
    pub(crate) fn mul_exact(&self, other: &Num) -> Num {
        Num {
            int: self.int && other.int,
            neg: self.neg != other.neg,
            coeff: &self.coeff * &other.coeff,
            exp: self.exp + other.exp,
        }
    }

    /// `self * other` (`0 * -1` is `-0`, as in CUE).
    pub fn mul(&self, other: &Num) -> Result<Num, Error> {
        self.mul_exact(other).rounded()
    }

    /// `self / other`: always a float, rounded to 34 digits; trailing zeros are removed except
    /// one after the point when the quotient had decimals (`6 / 3` is `2.0`).
    pub fn quo(&self, other: &Num) -> Result<Num, Error> {
        let mut n = self.quo_digits(other, PRECISION)?;
        // (CUE's reduction of the quotient drops the sign of a zero)
        n.neg &= !n.is_zero();
        n.reduce_keeping_float();
        n.check_range()?;
        Ok(n)
    }

    /// The quotient rounded (half up) to exactly `prec` significant digits.
    fn quo_digits(&self, other: &Num, prec: u64) -> Result<Num, Error> {
        if other.is_zero() {
            return Err(if self.is_zero() {
                Error::DivisionUndefined
            } else {
                Error::DivisionByZero
            });
        }
        let neg = self.neg != other.neg;
        let (coeff, exp) = if self.is_zero() {
            (BigUint::zero(), self.exp - other.exp)
        } else {
            // scale the dividend so the integer quotient has at least prec + 1 digits; the
            // remainder only matters for exact halves, which half-up rounds up anyway
            let (dx, dy) = (digits(&self.coeff), digits(&other.coeff));
            let s = (prec + 1 + dy).saturating_sub(dx);
            let q = (&self.coeff * pow10(s)) / &other.coeff;
            let mut exp = self.exp - other.exp - s as i64;
            let k = digits(&q) - prec;
            let (mut c, _) = shift_round(&q, k, neg, Rounding::HalfUp);
            exp += k as i64;
            if digits(&c) > prec {
                c /= 10u32;
                exp += 1;
            }
            (c, exp)
        };
        Ok(Num {
            int: false,
            neg,
            coeff,
            exp,
        })
    }

    /// Remove trailing zeros, keeping one decimal place when there were decimals (CUE's
    /// treatment of quotients and square roots).
    pub(crate) fn reduce_keeping_float(&mut self) {
        let old = self.exp;
        if self.coeff.is_zero() {
            self.exp = 0;
        } else {
            while (&self.coeff % 10u32).is_zero() {
                self.coeff /= 10u32;
                self.exp += 1;
            }
        }
        if old < 0 && self.exp >= 0 {
            self.exp -= 1;
            self.coeff *= 10u32;
        }
    }

    /// `-self` (a zero stays positive, as in CUE).
    pub fn neg(&self) -> Num {
        let mut n = self.clone();
        n.neg = !n.neg && !n.is_zero();
        n
    }

    /// `|self|`.
    pub fn abs(&self) -> Num {
        let mut n = self.clone();
        n.neg = false;
        n
    }

    /// Round to a whole number (an int, exponent 0): `math.Floor`, `Ceil`, `Trunc`, `Round`,
    /// `RoundToEven`.
    pub fn round_integral(&self, mode: Rounding) -> Result<Num, Error> {
        let (coeff, neg) = if self.exp >= 0 {
            if self.exp > 2 * super::MAX_EXPONENT {
                return Err(Error::ExponentRange);
            }
            (&self.coeff * pow10(self.exp as u64), self.neg)
        } else {
            let k = (-self.exp) as u64;
            if k > digits(&self.coeff) + 1 {
                // |x| < 0.1: only the directed modes move away from zero
                let one = match mode {
                    Rounding::Floor => self.neg && !self.is_zero(),
                    Rounding::Ceil => !self.neg && !self.is_zero(),
                    _ => false,
                };
                (if one { BigUint::one() } else { BigUint::zero() }, self.neg)
            } else {
                (shift_round(&self.coeff, k, self.neg, mode).0, self.neg)
            }
        };
        // CUE's Floor and Ceil work in the 34-digit context: a result with more digits cannot
        // be written with exponent 0 there, and CUE then returns 0
        let lost = matches!(mode, Rounding::Floor | Rounding::Ceil) && digits(&coeff) > PRECISION;
        let coeff = if lost { BigUint::zero() } else { coeff };
        // a zero result keeps the sign (`math.Round(-0.2)` is `-0`)
        Ok(Num {
            int: true,
            neg: neg && !lost,
            coeff,
            exp: 0,
        })
    }

    /// The whole number with exactly this value (`None` when it has a fraction).
    pub(crate) fn to_integral_exact(&self) -> Option<Num> {
        let i = self.to_bigint()?;
        Some(Num::from_bigint(&i))
    }

    /// `div`, `mod`, `quo`, `rem` of two integers.
    pub fn int_op(&self, op: IntOp, other: &Num) -> Result<Num, Error> {
        if other.is_zero() {
            return Err(Error::DivisionByZero);
        }
        let too_big = || Error::Unsupported("integer too large".into());
        let x = self
            .round_integral(Rounding::HalfEven)?
            .to_bigint()
            .ok_or_else(too_big)?;
        let y = other
            .round_integral(Rounding::HalfEven)?
            .to_bigint()
            .ok_or_else(too_big)?;
        let mut r = Num::from_bigint(&int_op_big(op, &x, &y));
        // CUE keeps the sign of a truncated zero: `quo(-4, 7)` and `rem(-4, 2)` are `-0`
        r.neg |= r.is_zero()
            && match op {
                IntOp::Quo => x.is_negative() != y.is_negative(),
                IntOp::Rem => x.is_negative(),
                IntOp::Div | IntOp::Mod => false,
            };
        Ok(r)
    }

    /// `self ** other` for an integer exponent (CUE's `math.Pow`); `None` when the exponent
    /// is not a small integer.
    pub fn pow_int(&self, other: &Num) -> Option<Result<Num, Error>> {
        let e = other.to_i128()?;
        Some(
            self.pow_i128(e)
                .map(|r| r.with_kind(self.int && other.int && e >= 0)),
        )
    }

    /// apd's integer power: squaring with `max(34, digits) + 10` digits, then 34.
    fn pow_i128(&self, e: i128) -> Result<Num, Error> {
        if e == 0 {
            return Ok(Num::from_i128(1));
        }
        if self.is_zero() {
            return if e > 0 {
                Ok(Num::from_i128(0))
            } else {
                Err(Error::DivisionByZero)
            };
        }
        let p = PRECISION.max(digits(&self.coeff)) + 10;
        let mut n = e.unsigned_abs();
        let mut base = self.clone();
        let mut z = Num::from_i128(1);
        while n > 0 {
            if n & 1 == 1 {
                z = z.mul_exact(&base).rounded_to(p)?;
            }
            n >>= 1;
            if n > 0 {
                base = base.mul_exact(&base).rounded_to(p)?;
            }
        }
        if e < 0 {
            z = Num::from_i128(1).quo_digits(&z, p)?;
        }
        z.rounded()
    }
}

/// For an addition whose smaller operand lies wholly below the 34 digits the result keeps (or is
/// a zero far below the other operand), a stand-in that rounds the same way without writing out
/// the gap (`1e100000 + 1e-100000`): a zero moves up, a non-zero becomes a sticky unit.
fn far_apart(a: &Num, b: &Num) -> (Option<Num>, Option<Num>) {
    let gap = PRECISION as i64 + 3;
    let stand_in = |big: &Num, small: &Num| -> Option<Num> {
        if big.is_zero() {
            return None;
        }
        let floor = big.exp.min(big.adjusted() - gap);
        // (all of the small operand must lie below every digit of the big one and below
        // the rounding position, so any value in (0, 10^floor) rounds the same)
        if small.exp >= floor || !small.is_zero() && small.adjusted() >= floor {
            return None;
        }
        Some(Num {
            int: small.int,
            neg: small.neg,
            coeff: if small.is_zero() {
                BigUint::zero()
            } else {
                BigUint::one()
            },
            exp: floor - 1,
        })
    };
    (stand_in(b, a), stand_in(a, b))
}

/// Go's `big.Int` `Div`/`Mod` (Euclidean) and `Quo`/`Rem` (truncated); `y` is not zero.
pub(crate) fn int_op_big(op: IntOp, x: &BigInt, y: &BigInt) -> BigInt {
    match op {
        IntOp::Quo => x / y,
        IntOp::Rem => x % y,
        IntOp::Div | IntOp::Mod => {
            let (mut q, mut r) = (x / y, x % y);
            if r.is_negative() {
                if y.is_positive() {
                    q -= 1;
                    r += y;
                } else {
                    q += 1;
                    r -= y;
                }
            }
            if op == IntOp::Div { q } else { r }
        }
    }
}
