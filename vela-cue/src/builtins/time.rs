//! The `time` package: Go's layouts (`2006-01-02T15:04:05Z07:00`) for parsing and formatting
//! instants in UTC ([`crate::time`], public because vela-workflow's `vela/time` provider uses
//! it too), durations as Go writes and reads them, and the package constants.

use super::R;
use super::args::{Args, int, record, s};
use crate::eval::Ctx;
use crate::time::{self, RFC3339_NANO, UnixTime, format, parse};
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "time.Duration",
    "time.Format",
    "time.FormatDuration",
    "time.FormatString",
    "time.Parse",
    "time.ParseDuration",
    "time.Split",
    "time.Time",
    "time.Unix",
];

/// Constants (layouts are strings, written in quotes).
pub(crate) const CONSTS: &[(&str, &str)] = &[
    ("time.Nanosecond", "1"),
    ("time.Microsecond", "1000"),
    ("time.Millisecond", "1000000"),
    ("time.Second", "1000000000"),
    ("time.Minute", "60000000000"),
    ("time.Hour", "3600000000000"),
    ("time.ANSIC", "\"Mon Jan _2 15:04:05 2006\""),
    ("time.UnixDate", "\"Mon Jan _2 15:04:05 MST 2006\""),
    ("time.RubyDate", "\"Mon Jan 02 15:04:05 -0700 2006\""),
    ("time.RFC822", "\"02 Jan 06 15:04 MST\""),
    ("time.RFC822Z", "\"02 Jan 06 15:04 -0700\""),
    ("time.RFC850", "\"Monday, 02-Jan-06 15:04:05 MST\""),
    ("time.RFC1123", "\"Mon, 02 Jan 2006 15:04:05 MST\""),
    ("time.RFC1123Z", "\"Mon, 02 Jan 2006 15:04:05 -0700\""),
    ("time.RFC3339", "\"2006-01-02T15:04:05Z07:00\""),
    ("time.RFC3339Nano", "\"2006-01-02T15:04:05.999999999Z07:00\""),
    ("time.RFC3339Date", "\"2006-01-02\""),
    ("time.Kitchen", "\"3:04PM\""),
    ("time.Kitchen24", "\"15:04\""),
    ("time.January", "1"),
    ("time.February", "2"),
    ("time.March", "3"),
    ("time.April", "4"),
    ("time.May", "5"),
    ("time.June", "6"),
    ("time.July", "7"),
    ("time.August", "8"),
    ("time.September", "9"),
    ("time.October", "10"),
    ("time.November", "11"),
    ("time.December", "12"),
    ("time.Sunday", "0"),
    ("time.Monday", "1"),
    ("time.Tuesday", "2"),
    ("time.Wednesday", "3"),
    ("time.Thursday", "4"),
    ("time.Friday", "5"),
    ("time.Saturday", "6"),
];

/// Go's `time.Duration.String`.
fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let body = if u < 1_000_000_000 {
        let (unit, scale) = match u {
            0..1_000 => ("ns", 1u64),
            1_000..1_000_000 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        format!("{}{unit}", decimal(u, scale))
    } else {
        let (h, rest) = (u / 3_600_000_000_000, u % 3_600_000_000_000);
        let (m, ns) = (rest / 60_000_000_000, rest % 60_000_000_000);
        let secs = format!("{}s", decimal(ns, 1_000_000_000));
        match (h, m) {
            (0, 0) => secs,
            (0, m) => format!("{m}m{secs}"),
            (h, m) => format!("{h}h{m}m{secs}"),
        }
    };
    if neg { format!("-{body}") } else { body }
}

/// `x / scale` with the fraction's trailing zeros removed.
fn decimal(x: u64, scale: u64) -> String {
    let (w, f) = (x / scale, x % scale);
    if f == 0 {
        return w.to_string();
    }
    let width = scale.ilog10() as usize;
    let f = format!("{f:0width$}");
    format!("{w}.{}", f.trim_end_matches('0'))
}

/// Go's `time.ParseDuration`.
fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("time: invalid duration {s:?}");
    let (neg, mut v) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if v == "0" {
        return Ok(0);
    }
    if v.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !v.is_empty() {
        let int_len = v.bytes().take_while(u8::is_ascii_digit).count();
        let whole: u128 = if int_len > 0 {
            v[..int_len].parse().map_err(|_| bad())?
        } else {
            0
        };
        v = &v[int_len..];
        let mut frac_digits = "";
        if let Some(r) = v.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_digits = &r[..n];
            v = &r[n..];
        }
        if int_len == 0 && frac_digits.is_empty() {
            return Err(bad());
        }
        let unit_len = v
            .bytes()
            .take_while(|c| !c.is_ascii_digit() && *c != b'.')
            .count();
        let unit: u128 = match &v[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            u => return Err(format!("time: unknown unit {u:?} in duration {s:?}")),
        };
        v = &v[unit_len..];
        let mut part = whole.checked_mul(unit).ok_or_else(bad)?;
        let mut scale = unit;
        for c in frac_digits.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            part += u128::from(c - b'0') * scale;
        }
        total = total.checked_add(part).ok_or_else(bad)?;
        if total > (i64::MAX as u128) + u128::from(neg) {
            return Err(bad());
        }
    }
    Ok(if neg {
        (total as i128).wrapping_neg() as i64
    } else {
        total as i64
    })
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let err = |e: time::Error| e.to_string();
    Ok(match name {
        "time.Time" => {
            let x = a.str(0)?;
            parse(RFC3339_NANO, &x).map_err(|_| format!("invalid time {x:?}"))?;
            Val::Bool(true)
        }
        "time.Format" => {
            let x = a.str(0)?;
            parse(&a.str(1)?, &x).map_err(|_| format!("invalid time {x:?}"))?;
            Val::Bool(true)
        }
        "time.FormatString" => {
            let t = parse(RFC3339_NANO, &a.str(1)?).map_err(err)?;
            s(format(t, &a.str(0)?).map_err(err)?)
        }
        "time.Parse" => {
            let t = parse(&a.str(0)?, &a.str(1)?).map_err(err)?;
            s(format(t, RFC3339_NANO).map_err(err)?)
        }
        "time.Unix" => {
            let (sec, nsec) = (a.int64(0)?, a.int64(1)?);
            let secs = sec
                .checked_add(nsec.div_euclid(1_000_000_000))
                .ok_or("time out of range")?;
            let nanos = u32::try_from(nsec.rem_euclid(1_000_000_000)).unwrap_or(0);
            s(format(UnixTime::new(secs, nanos), RFC3339_NANO).map_err(err)?)
        }
        "time.Split" => {
            let t = parse(RFC3339_NANO, &a.str(0)?).map_err(err)?;
            let (year, month, day, hour, minute, second) = time::civil(t);
            record(
                ctx,
                vec![
                    ("year".into(), int(year)),
                    ("month".into(), int(month)),
                    ("day".into(), int(day)),
                    ("hour".into(), int(hour)),
                    ("minute".into(), int(minute)),
                    ("second".into(), int(second)),
                    ("nanosecond".into(), int(t.nanos())),
                ],
            )
        }
        "time.Duration" => {
            parse_duration(&a.str(0)?)?;
            Val::Bool(true)
        }
        "time.FormatDuration" => s(format_duration(a.int64(0)?)),
        "time.ParseDuration" => int(parse_duration(&a.str(0)?)?),
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_go() {
        assert_eq!(format_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(format_duration(1_500), "1.5µs");
        assert_eq!(parse_duration("1h2m3.5s").unwrap(), 3_723_500_000_000);
        assert_eq!(parse_duration("-1.5us").unwrap(), -1_500);
        assert!(parse_duration("1").is_err());
    }
}
