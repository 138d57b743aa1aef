//! Text forms of numbers: CUE's (the decimal "to-scientific-string", used by JSON and YAML
//! export and interpolation) and Go's `strconv.FormatFloat` of a `float64`.

use std::fmt;

use num_traits::Zero;

use super::Num;

impl fmt::Display for Num {
    /// `1E+10`, `0.3`, `2.50`, `1E-7`, `0.000001`, `-0`: plain notation when the exponent is
    /// not positive and the number is not below `1e-6`, scientific otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.coeff.to_string();
        // a zero with decimals prints them all (`0.0000000`), down to 2000 places
        let zero_places = if self.coeff.is_zero() && (-2000..0).contains(&self.exp) {
            -self.exp
        } else {
            0
        };
        let adj = self.exp + c.len() as i64 - 1 + zero_places;
        let mut out = String::with_capacity(c.len() + 8);
        if self.neg {
            out.push('-');
        }
        if self.exp <= 0 && adj >= -6 {
            if self.exp == 0 {
                out.push_str(&c);
            } else {
                let point = c.len() as i64 + self.exp;
                if point > 0 {
                    let (a, b) = c.split_at(point as usize);
                    out.push_str(a);
                    out.push('.');
                    out.push_str(b);
                } else {
                    out.push_str("0.");
                    out.extend(std::iter::repeat_n('0', (-point) as usize));
                    out.push_str(&c);
                }
            }
        } else {
            let (a, b) = c.split_at(1);
            out.push_str(a);
            if !b.is_empty() {
                out.push('.');
                out.push_str(b);
            }
            out.push('E');
            out.push(if adj >= 0 { '+' } else { '-' });
            out.push_str(&adj.unsigned_abs().to_string());
        }
        f.write_str(&out)
    }
}

/// A `strconv.FormatFloat` format byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoFormat {
    /// `'e'` / `'E'`: `-d.dddde±dd`.
    Exp(bool),
    /// `'f'`: `-ddd.dddd`.
    Fixed,
    /// `'g'` / `'G'`: `'e'` for large exponents, `'f'` otherwise.
    General(bool),
}

impl GoFormat {
    /// The format for a Go format byte (`'e'`, `'E'`, `'f'`, `'g'`, `'G'`).
    pub fn from_byte(b: u8) -> Option<GoFormat> {
        Some(match b {
            b'e' => GoFormat::Exp(false),
            b'E' => GoFormat::Exp(true),
            b'f' => GoFormat::Fixed,
            b'g' => GoFormat::General(false),
            b'G' => GoFormat::General(true),
            _ => return None,
        })
    }
}

/// Go's `strconv.FormatFloat(f, fmt, prec, bitSize)`: `prec` -1 is the shortest form that
/// reads back as the same float; `bits32` rounds to `float32` first.
pub fn format_go_float(f: f64, fmt: GoFormat, prec: i32, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let neg = f.is_sign_negative();
    let shortest = prec < 0;
    // decimal digits `digs` (no leading zeros) and point position: value = 0.digs × 10^dp
    let sci = match (shortest, fmt, bits32) {
        (true, _, true) => format!("{:e}", (f as f32).abs()),
        (true, _, false) => format!("{:e}", f.abs()),
        (false, GoFormat::Fixed, _) => {
            let p = prec as usize;
            return if bits32 {
                format!("{:.p$}", f as f32)
            } else {
                format!("{f:.p$}")
            };
        }
        (false, GoFormat::Exp(_), b) => sci_digits(f, prec as usize, b),
        (false, GoFormat::General(_), b) => sci_digits(f, (prec.max(1) - 1) as usize, b),
    };
    let (m, e) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mut digs: String = m.chars().filter(|c| *c != '.').collect();
    let mut dp = e.parse::<i64>().unwrap_or(0) + 1;
    if digs.bytes().all(|b| b == b'0') {
        digs.clear();
        dp = 0;
    }
    if matches!(fmt, GoFormat::General(_)) {
        while digs.ends_with('0') {
            digs.pop();
        }
    }
    let nd = digs.len() as i64;
    let mut prec = prec as i64;
    if shortest {
        prec = match fmt {
            GoFormat::Exp(_) => (nd - 1).max(0),
            GoFormat::Fixed => (nd - dp).max(0),
            GoFormat::General(_) => nd,
        };
    }
    let d = Digits {
        neg,
        digs: digs.as_bytes(),
        dp,
    };
    match fmt {
        GoFormat::Exp(upper) => d.fmt_e(prec, upper),
        GoFormat::Fixed => d.fmt_f(prec),
        GoFormat::General(upper) => {
            let mut eprec = prec;
            if eprec > nd && nd >= dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec {
                d.fmt_e(prec.min(nd) - 1, upper)
            } else {
                let p = if prec > dp { nd } else { prec };
                d.fmt_f((p - dp).max(0))
            }
        }
    }
}

/// `f` with `prec` digits after the first, in Rust's `1.234e5` form.
fn sci_digits(f: f64, prec: usize, bits32: bool) -> String {
    if bits32 {
        format!("{:.prec$e}", (f as f32).abs())
    } else {
        format!("{:.prec$e}", f.abs())
    }
}

struct Digits<'a> {
    neg: bool,
    digs: &'a [u8],
    dp: i64,
}

impl Digits<'_> {
    fn digit(&self, i: i64) -> char {
        if i >= 0 && (i as usize) < self.digs.len() {
            self.digs[i as usize] as char
        } else {
            '0'
        }
    }

    /// Go's `fmtE`.
    fn fmt_e(&self, prec: i64, upper: bool) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.push(self.digit(0));
        if prec > 0 {
            s.push('.');
            for i in 1..=prec {
                s.push(self.digit(i));
            }
        }
        s.push(if upper { 'E' } else { 'e' });
        let exp = if self.digs.is_empty() { 0 } else { self.dp - 1 };
        s.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            s.push('0');
        }
        s.push_str(&a.to_string());
        s
    }

    /// Go's `fmtF`.
    fn fmt_f(&self, prec: i64) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        if self.dp > 0 {
            for i in 0..self.dp {
                s.push(self.digit(i));
            }
        } else {
            s.push('0');
        }
        if prec > 0 {
            s.push('.');
            for i in 1..=prec {
                s.push(self.digit(self.dp + i - 1));
            }
        }
        s
    }
}
