//! The `math/bits` package over integers of any size (Go's `big.Int`: two's complement for the
//! bitwise operations on negative numbers, shifts that round toward negative infinity).

use num_bigint::BigInt;
use num_traits::Zero;

use super::R;
use super::args::{Args, int};
use crate::eval::Ctx;
use crate::num::Num;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "bits.And",
    "bits.At",
    "bits.Clear",
    "bits.Len",
    "bits.Lsh",
    "bits.OnesCount",
    "bits.Or",
    "bits.Rsh",
    "bits.Set",
    "bits.Xor",
];

/// Largest shift accepted (a larger one would build an enormous number).
const MAX_SHIFT: i128 = 1 << 20;

fn big(a: &Args, i: usize) -> Result<BigInt, String> {
    let n = a.num(i)?;
    let what = a.ctx.describe(a.val(i)?);
    n.to_bigint()
        .filter(|_| n.int)
        .ok_or_else(|| format!("cannot use {what} as int"))
}

fn uint(a: &Args, i: usize) -> Result<u64, String> {
    let n = a.int(i)?;
    if n < 0 {
        return Err(format!("cannot use {n} (type int) as uint"));
    }
    if n > MAX_SHIFT {
        return Err(format!("shift or bit index {n} too large"));
    }
    Ok(n as u64)
}

fn val(b: BigInt) -> Val {
    Val::num(Num::from_bigint(&b))
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    Ok(match name {
        "bits.Lsh" => val(big(&a, 0)? << uint(&a, 1)?),
        "bits.Rsh" => val(big(&a, 0)? >> uint(&a, 1)?),
        "bits.At" => {
            let i = a.int(1)?;
            if i < 0 {
                return Err(format!("cannot use {i} (type int) as uint"));
            }
            if i > i32::MAX as i128 {
                return Err("bit index too large".into());
            }
            int(u8::from(big(&a, 0)?.bit(i as u64)))
        }
        "bits.Set" => {
            let (mut x, i, b) = (big(&a, 0)?, a.int(1)?, a.int(2)?);
            if !(0..=1).contains(&b) {
                return Err(format!("set bit is not 0 or 1: {b}"));
            }
            if i < 0 {
                return Err("negative bit index".into());
            }
            if i > MAX_SHIFT {
                return Err(format!("bit index {i} too large"));
            }
            x.set_bit(i as u64, b == 1);
            val(x)
        }
        "bits.And" => val(big(&a, 0)? & big(&a, 1)?),
        "bits.Or" => val(big(&a, 0)? | big(&a, 1)?),
        "bits.Xor" => val(big(&a, 0)? ^ big(&a, 1)?),
        "bits.Clear" => {
            let (x, y) = (big(&a, 0)?, big(&a, 1)?);
            val(&x & !y)
        }
        "bits.OnesCount" => int(big(&a, 0)?.magnitude().count_ones()),
        "bits.Len" => {
            let x = big(&a, 0)?;
            int(if x.is_zero() { 0 } else { x.magnitude().bits() })
        }
        _ => return Err(format!("unknown function {name}")),
    })
}
