//! The special functions of the `math` package (`Erf`, `Erfc`, `Erfinv`, `Erfcinv`, `Gamma`,
//! the Bessel functions `J0`, `J1`, `Jn`, `Y0`, `Y1`, `Yn`). CUE computes them in `float64`
//! with Go's `math` package; so does this module: the error and Bessel functions with the `libm`
//! crate (the same FreeBSD msun algorithms Go's are derived from), `Gamma` and `Erfinv` with
//! Go's own algorithms (Cephes' rational approximation with Stirling's formula above 33, and
//! Wichura's AS241). The elementary kernels inside them (`exp`, `log`, `sin`, `cos`) are Rust's,
//! where Go uses its own (amd64 assembly `Exp`/`Log`, Cephes `Sin`/`Cos`): for some arguments
//! the results differ from CUE's in the last units in the last place (the book's CUE chapter).
//! The coefficients are written with the digits Go's sources give, so that they round to the
//! same `float64`s.
#![allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    clippy::approx_constant
)]

use super::R;
use super::args::Args;
use super::math::float_result;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "math.Erf",
    "math.Erfc",
    "math.Erfinv",
    "math.Erfcinv",
    "math.Gamma",
    "math.J0",
    "math.J1",
    "math.Jn",
    "math.Y0",
    "math.Y1",
    "math.Yn",
];

/// The largest Bessel order `Jn`/`Yn` accept: their recurrences take about `n` steps, and an
/// evaluation must stay bounded (CUE has no limit and runs for as long as it takes).
const MAX_BESSEL_ORDER: i64 = 100_000;

pub(crate) fn call(ctx: &crate::eval::Ctx, name: &str, a: &[crate::value::Val]) -> R {
    let a = Args::new(ctx, a);
    let order = |name: &str| -> Result<i32, String> {
        let n = a.int64(0)?;
        if n.unsigned_abs() > MAX_BESSEL_ORDER as u64 {
            return Err(format!(
                "{name}: order {n} is beyond the supported limit of {MAX_BESSEL_ORDER}"
            ));
        }
        Ok(n as i32)
    };
    let r = match name {
        "math.Erf" => libm::erf(a.f64(0)?),
        "math.Erfc" => libm::erfc(a.f64(0)?),
        "math.Erfinv" => erfinv(a.f64(0)?),
        "math.Erfcinv" => erfinv(1.0 - a.f64(0)?),
        "math.Gamma" => gamma(a.f64(0)?),
        "math.J0" => libm::j0(a.f64(0)?),
        "math.J1" => libm::j1(a.f64(0)?),
        "math.Jn" => libm::jn(order(name)?, a.f64(1)?),
        "math.Y0" => bessel_y(libm::y0, a.f64(0)?),
        "math.Y1" => bessel_y(libm::y1, a.f64(0)?),
        "math.Yn" => {
            let n = order(name)?;
            bessel_y(|x| libm::yn(n, x), a.f64(1)?)
        }
        _ => return Err(format!("unknown function {name}")),
    };
    float_result(r)
}

/// Go's special cases of `Y0`, `Y1`, `Yn` at the edges (`-Inf` at 0, NaN below).
fn bessel_y(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else {
        f(x)
    }
}

/// Numerator and denominator coefficients (highest power first) of the rational approximation
/// of `Gamma(x+2)` on `[0, 1)`, and of Stirling's correction series (Cephes).
const GAMMA_P: [f64; 7] = [
    1.60119522476751861407e-04,
    1.19135147006586384913e-03,
    1.04213797561761569935e-02,
    4.76367800457137231464e-02,
    2.07448227648435975150e-01,
    4.94214826801497100753e-01,
    9.99999999999999996796e-01,
];
const GAMMA_Q: [f64; 8] = [
    -2.31581873324120129819e-05,
    5.39605580493303397842e-04,
    -4.45641913851797240494e-03,
    1.18139785222060435552e-02,
    3.58236398605498653373e-02,
    -2.34591795718243348568e-01,
    7.14304917030273074085e-02,
    1.00000000000000000320e+00,
];
const STIRLING: [f64; 5] = [
    7.87311395793093628397e-04,
    -2.29549961613378126380e-04,
    -2.68132617805781232825e-03,
    3.47222221605458667310e-03,
    8.33333333333482257126e-02,
];

/// Horner evaluation, coefficients highest power first.
fn poly(c: &[f64], x: f64) -> f64 {
    c.iter().fold(0.0, |acc, &k| acc * x + k)
}

/// Stirling's formula as two factors whose product is `Gamma(x)` (kept apart so that the
/// caller can avoid an intermediate overflow).
fn stirling(x: f64) -> (f64, f64) {
    const SQRT_TWO_PI: f64 = 2.506628274631000502417;
    const MAX_STIRLING: f64 = 143.01608;
    if x > 200.0 {
        return (f64::INFINITY, 1.0);
    }
    let w = 1.0 / x;
    let w = 1.0 + w * poly(&STIRLING, w);
    let e = x.exp();
    if x > MAX_STIRLING {
        let v = x.powf(0.5 * x - 0.25);
        (v, SQRT_TWO_PI * w * (v / e))
    } else {
        (x.powf(x - 0.5) / e, SQRT_TWO_PI * w)
    }
}

/// Go's `math.Gamma`.
pub(crate) fn gamma(x: f64) -> f64 {
    const EULER: f64 = 0.57721566490153286060651209008240243104215933593992;
    if (x < 0.0 && x.fract() == 0.0) || x == f64::NEG_INFINITY || x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let q = x.abs();
    let mut p = q.floor();
    if q > 33.0 {
        if x >= 0.0 {
            let (a, b) = stirling(x);
            return a * b;
        }
        // negative, not an integer: the reflection formula
        let sign = if (p as i64) & 1 == 0 { -1.0 } else { 1.0 };
        let mut z = q - p;
        if z > 0.5 {
            p += 1.0;
            z = q - p;
        }
        let z = q * (std::f64::consts::PI * z).sin();
        if z == 0.0 {
            return sign * f64::INFINITY;
        }
        let (s1, s2) = stirling(q);
        let absz = z.abs();
        let d = absz * s1 * s2;
        let z = if d.is_infinite() {
            std::f64::consts::PI / absz / s1 / s2
        } else {
            std::f64::consts::PI / d
        };
        return sign * z;
    }
    // reduce the argument into [2, 3)
    let mut x = x;
    let mut z = 1.0;
    while x >= 3.0 {
        x -= 1.0;
        z *= x;
    }
    let small = |x: f64, z: f64| {
        if x == 0.0 {
            f64::INFINITY
        } else {
            z / ((1.0 + EULER * x) * x)
        }
    };
    while x < 0.0 {
        if x > -1e-9 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    while x < 2.0 {
        if x < 1e-9 {
            return small(x, z);
        }
        z /= x;
        x += 1.0;
    }
    if x == 2.0 {
        return z;
    }
    let x = x - 2.0;
    z * poly(&GAMMA_P, x) / poly(&GAMMA_Q, x)
}

/// Go's `math.Erfinv`: Wichura's AS241 rational approximations (central region up to 0.85,
/// then two tail regions in `r = sqrt(ln 2 - ln(1-x))`), coefficients highest power first.
pub(crate) fn erfinv(x: f64) -> f64 {
    const CENTRAL_NUM: [f64; 8] = [
        8.8709406962545514830200e2,
        1.1819493347062294404278e4,
        2.3782041382114385731252e4,
        1.6235862515167575384252e4,
        4.8548868893843886794648e3,
        6.9706266534389598238465e2,
        4.7072688112383978012285e1,
        1.1975323115670912564578e0,
    ];
    const CENTRAL_DEN: [f64; 8] = [
        5.2264952788528545610e3,
        2.8729085735721942674e4,
        3.9307895800092710610e4,
        2.1213794301586595867e4,
        5.3941960214247511077e3,
        6.8718700749205790830e2,
        4.2313330701600911252e1,
        1.0000000000000000000e0,
    ];
    const NEAR_NUM: [f64; 8] = [
        7.74545014278341407640e-4,
        2.27238449892691845833e-2,
        2.41780725177450611770e-1,
        1.27045825245236838258e0,
        3.64784832476320460504e0,
        5.76949722146069140550e0,
        4.63033784615654529590e0,
        1.42343711074968357734e0,
    ];
    const NEAR_DEN: [f64; 8] = [
        1.4859850019840355905497876e-9,
        7.7441459065157709165577218e-4,
        2.1494160384252876777097297e-2,
        2.0945065210512749128288442e-1,
        9.7547832001787427186894837e-1,
        2.3707661626024532365971225e0,
        2.9036514445419946173133295e0,
        1.4142135623730950488016887e0,
    ];
    const FAR_NUM: [f64; 8] = [
        2.01033439929228813265e-7,
        2.71155556874348757815e-5,
        1.24266094738807843860e-3,
        2.65321895265761230930e-2,
        2.96560571828504891230e-1,
        1.78482653991729133580e0,
        5.46378491116411436990e0,
        6.65790464350110377720e0,
    ];
    const FAR_DEN: [f64; 8] = [
        2.891024605872965461538222e-15,
        2.010321207683943062279931e-7,
        2.611088405080593625138020e-5,
        1.112800997078859844711555e-3,
        2.103693768272068968719679e-2,
        1.936480946950659106176712e-1,
        8.482908416595164588112026e-1,
        1.414213562373095048801689e0,
    ];
    if x.is_nan() || x <= -1.0 || x >= 1.0 {
        return if x == 1.0 {
            f64::INFINITY
        } else if x == -1.0 {
            f64::NEG_INFINITY
        } else {
            f64::NAN
        };
    }
    let (neg, x) = (x < 0.0, x.abs());
    let ans = if x <= 0.85 {
        let r = 0.180625 - 0.25 * x * x;
        x * poly(&CENTRAL_NUM, r) / poly(&CENTRAL_DEN, r)
    } else {
        let r = (std::f64::consts::LN_2 - (1.0 - x).ln()).sqrt();
        if r <= 5.0 {
            let r = r - 1.6;
            poly(&NEAR_NUM, r) / poly(&NEAR_DEN, r)
        } else {
            let r = r - 5.0;
            poly(&FAR_NUM, r) / poly(&FAR_DEN, r)
        }
    };
    if neg { -ans } else { ans }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_and_erfinv_follow_go() {
        // exact in float64 arithmetic: the same bits as Go's
        assert_eq!(gamma(5.0), 24.0);
        assert_eq!(gamma(0.5).to_bits(), 1.772_453_850_905_515_9_f64.to_bits()); // CUE prints 1.7724538509055159
        assert!(gamma(-2.0).is_nan());
        assert_eq!(gamma(-0.0), f64::NEG_INFINITY);
        assert_eq!(erfinv(0.0), 0.0);
        assert_eq!(erfinv(1.0), f64::INFINITY);
        assert!((erfinv(0.5) - 0.476_936_276_204_469_9).abs() < 1e-15);
        assert!(erfinv(1.5).is_nan());
    }
}
