//! The `time` package: Go's layouts (`2006-01-02T15:04:05Z07:00`) for parsing and formatting
//! instants in UTC, durations as Go writes and reads them, and the package constants.

use super::R;
use super::args::{Args, int, record, s};
use crate::eval::Ctx;
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

const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// An instant: seconds since the Unix epoch and nanoseconds (CUE's functions parse into and
/// format in UTC only).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Instant {
    secs: i64,
    nanos: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in(m: u32, y: i64) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// One element of a Go layout.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'l> {
    Lit(&'l str),
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM(bool),
    TZ,
    /// Numeric zone: `Z` for UTC when the bool is set; the layout text (`-07:00`).
    Zone(bool, &'l str),
    /// Fractional seconds: digits, and whether trailing zeros are trimmed (`.999`).
    Frac(usize, bool),
}

/// Go's `nextStdChunk`, applied to the whole layout.
fn tokens(layout: &str) -> Vec<Tok<'_>> {
    let b = layout.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut lit) = (0, 0);
    while i < b.len() {
        let rest = &layout[i..];
        let (tok, len) = match b[i] {
            b'J' if rest.starts_with("January") => (Some(Tok::LongMonth), 7),
            b'J' if rest.starts_with("Jan") => (Some(Tok::Month), 3),
            b'M' if rest.starts_with("Monday") => (Some(Tok::LongWeekDay), 6),
            b'M' if rest.starts_with("Mon") => (Some(Tok::WeekDay), 3),
            b'M' if rest.starts_with("MST") => (Some(Tok::TZ), 3),
            b'0' if rest.len() > 1 && (b'1'..=b'6').contains(&b[i + 1]) => (
                Some(match b[i + 1] {
                    b'1' => Tok::ZeroMonth,
                    b'2' => Tok::ZeroDay,
                    b'3' => Tok::ZeroHour12,
                    b'4' => Tok::ZeroMinute,
                    b'5' => Tok::ZeroSecond,
                    _ => Tok::Year,
                }),
                2,
            ),
            b'1' if rest.starts_with("15") => (Some(Tok::Hour), 2),
            b'1' => (Some(Tok::NumMonth), 1),
            b'2' if rest.starts_with("2006") => (Some(Tok::LongYear), 4),
            b'2' => (Some(Tok::Day), 1),
            b'_' if rest.starts_with("_2") && !rest.starts_with("_2006") => (Some(Tok::UnderDay), 2),
            b'3' => (Some(Tok::Hour12), 1),
            b'4' => (Some(Tok::Minute), 1),
            b'5' => (Some(Tok::Second), 1),
            b'P' if rest.starts_with("PM") => (Some(Tok::PM(true)), 2),
            b'p' if rest.starts_with("pm") => (Some(Tok::PM(false)), 2),
            b'-' | b'Z' => {
                let z = b[i] == b'Z';
                let forms = ["070000", "07:00:00", "0700", "07:00", "07"];
                match forms.iter().find(|f| rest[1..].starts_with(**f)) {
                    Some(f) => (Some(Tok::Zone(z, &rest[..1 + f.len()])), 1 + f.len()),
                    None => (None, 1),
                }
            }
            b'.' | b',' if rest.len() > 1 && matches!(b[i + 1], b'0' | b'9') => {
                let d = b[i + 1];
                let n = rest[1..].bytes().take_while(|c| *c == d).count();
                if rest.as_bytes().get(1 + n).is_some_and(u8::is_ascii_digit) {
                    (None, 1)
                } else {
                    (Some(Tok::Frac(n, d == b'9')), 1 + n)
                }
            }
            _ => (None, 1),
        };
        if let Some(t) = tok {
            if lit < i {
                out.push(Tok::Lit(&layout[lit..i]));
            }
            out.push(t);
            i += len;
            lit = i;
        } else {
            i += len;
        }
    }
    if lit < b.len() {
        out.push(Tok::Lit(&layout[lit..]));
    }
    out
}

/// Go's `Time.Format` of an instant in UTC.
fn format(t: Instant, layout: &str) -> String {
    let days = t.secs.div_euclid(86_400);
    let sod = t.secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, se) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let wd = (days + 4).rem_euclid(7) as usize;
    let mut out = String::new();
    for tok in tokens(layout) {
        match tok {
            Tok::Lit(l) => out.push_str(l),
            Tok::LongMonth => out.push_str(MONTHS[m as usize - 1]),
            Tok::Month => out.push_str(&MONTHS[m as usize - 1][..3]),
            Tok::NumMonth => out.push_str(&m.to_string()),
            Tok::ZeroMonth => out.push_str(&format!("{m:02}")),
            Tok::LongWeekDay => out.push_str(DAYS[wd]),
            Tok::WeekDay => out.push_str(&DAYS[wd][..3]),
            Tok::Day => out.push_str(&d.to_string()),
            Tok::UnderDay => out.push_str(&format!("{d:>2}")),
            Tok::ZeroDay => out.push_str(&format!("{d:02}")),
            Tok::Hour => out.push_str(&format!("{h:02}")),
            Tok::Hour12 => out.push_str(&(if h % 12 == 0 { 12 } else { h % 12 }).to_string()),
            Tok::ZeroHour12 => out.push_str(&format!("{:02}", if h % 12 == 0 { 12 } else { h % 12 })),
            Tok::Minute => out.push_str(&mi.to_string()),
            Tok::ZeroMinute => out.push_str(&format!("{mi:02}")),
            Tok::Second => out.push_str(&se.to_string()),
            Tok::ZeroSecond => out.push_str(&format!("{se:02}")),
            Tok::LongYear => out.push_str(&format!("{y:04}")),
            Tok::Year => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            Tok::PM(upper) => out.push_str(match (h >= 12, upper) {
                (true, true) => "PM",
                (false, true) => "AM",
                (true, false) => "pm",
                (false, false) => "am",
            }),
            Tok::TZ => out.push_str("UTC"),
            Tok::Zone(z, l) => {
                if z {
                    out.push('Z');
                } else {
                    // a zero offset in the layout's shape
                    out.push_str(&l.replace("07", "00").replace("-00", "+00"));
                }
            }
            Tok::Frac(n, trim) => {
                let digits = format!("{:09}", t.nanos);
                let mut f = &digits[..n.min(9)];
                if trim {
                    f = f.trim_end_matches('0');
                    if !f.is_empty() {
                        out.push('.');
                        out.push_str(f);
                    }
                } else {
                    out.push('.');
                    out.push_str(f);
                    for _ in 9..n {
                        out.push('0');
                    }
                }
            }
        }
    }
    out
}

fn parse_error(layout: &str, value: &str) -> String {
    format!("parsing time {value:?} as {layout:?}: cannot parse {value:?} as {layout:?}")
}

/// Takes between `min` and `max` leading digits of `v`.
fn digits(v: &mut &str, min: usize, max: usize) -> Option<i64> {
    let n = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    let x = v[..n].parse().ok()?;
    *v = &v[n..];
    Some(x)
}

fn name_index(v: &mut &str, names: &[&str], short: bool) -> Option<usize> {
    for (i, n) in names.iter().enumerate() {
        let n = if short { &n[..3] } else { n };
        if v.len() >= n.len() && v[..n.len()].eq_ignore_ascii_case(n) {
            *v = &v[n.len()..];
            return Some(i);
        }
    }
    None
}

/// Go's `time.ParseInLocation(layout, value, time.UTC)`.
fn parse(layout: &str, value: &str) -> Result<Instant, String> {
    let err = || parse_error(layout, value);
    let mut v = value;
    let (mut y, mut m, mut d) = (0i64, 1u32, 1u32);
    let (mut h, mut mi, mut se, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let (mut pm, mut hour12, mut offset) = (None, false, 0i64);
    let toks = tokens(layout);
    for (k, tok) in toks.iter().enumerate() {
        match *tok {
            Tok::Lit(l) => v = v.strip_prefix(l).ok_or_else(err)?,
            Tok::LongMonth => m = name_index(&mut v, &MONTHS, false).ok_or_else(err)? as u32 + 1,
            Tok::Month => m = name_index(&mut v, &MONTHS, true).ok_or_else(err)? as u32 + 1,
            Tok::NumMonth | Tok::ZeroMonth => {
                let min = if *tok == Tok::ZeroMonth { 2 } else { 1 };
                m = digits(&mut v, min, 2)
                    .filter(|x| (1..=12).contains(x))
                    .ok_or_else(err)? as u32;
            }
            Tok::LongWeekDay => drop(name_index(&mut v, &DAYS, false).ok_or_else(err)?),
            Tok::WeekDay => drop(name_index(&mut v, &DAYS, true).ok_or_else(err)?),
            Tok::Day | Tok::ZeroDay | Tok::UnderDay => {
                if *tok == Tok::UnderDay && v.starts_with(' ') {
                    v = &v[1..];
                }
                let min = if *tok == Tok::ZeroDay { 2 } else { 1 };
                d = digits(&mut v, min, 2).ok_or_else(err)? as u32;
            }
            Tok::Hour => h = digits(&mut v, 2, 2).filter(|x| *x < 24).ok_or_else(err)?,
            Tok::Hour12 | Tok::ZeroHour12 => {
                let min = if *tok == Tok::ZeroHour12 { 2 } else { 1 };
                h = digits(&mut v, min, 2).filter(|x| *x <= 12).ok_or_else(err)?;
                hour12 = true;
            }
            Tok::Minute | Tok::ZeroMinute => {
                let min = if *tok == Tok::ZeroMinute { 2 } else { 1 };
                mi = digits(&mut v, min, 2).filter(|x| *x < 60).ok_or_else(err)?;
            }
            Tok::Second | Tok::ZeroSecond => {
                let min = if *tok == Tok::ZeroSecond { 2 } else { 1 };
                se = digits(&mut v, min, 2).filter(|x| *x < 60).ok_or_else(err)?;
                // a fractional second the layout does not mention is accepted (as in Go)
                let next_is_frac = matches!(toks.get(k + 1), Some(Tok::Frac(..)));
                if !next_is_frac && v.len() > 1 && (v.starts_with('.') || v.starts_with(',')) {
                    let n = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                    if n > 0 {
                        nanos = frac(&v[1..1 + n]);
                        v = &v[1 + n..];
                    }
                }
            }
            Tok::LongYear => y = digits(&mut v, 4, 4).ok_or_else(err)?,
            Tok::Year => {
                let yy = digits(&mut v, 2, 2).ok_or_else(err)?;
                y = if yy >= 69 { 1900 + yy } else { 2000 + yy };
            }
            Tok::PM(upper) => {
                let (a, p) = if upper { ("AM", "PM") } else { ("am", "pm") };
                pm = Some(if let Some(r) = v.strip_prefix(p) {
                    v = r;
                    true
                } else {
                    v = v.strip_prefix(a).ok_or_else(err)?;
                    false
                });
            }
            Tok::TZ => {
                let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                if !(3..=5).contains(&n) && !v.starts_with("UTC") {
                    return Err(err());
                }
                v = &v[n..];
            }
            Tok::Zone(z, shape) => {
                if z && v.starts_with('Z') {
                    v = &v[1..];
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(err()),
                };
                v = &v[1..];
                let colon = shape.contains(':');
                let hh = digits(&mut v, 2, 2).ok_or_else(err)?;
                let mut mm = 0;
                let mut ss = 0;
                if shape.len() > 3 {
                    if colon {
                        v = v.strip_prefix(':').ok_or_else(err)?;
                    }
                    mm = digits(&mut v, 2, 2).ok_or_else(err)?;
                }
                if shape.ends_with("0000") || shape.ends_with(":00:00") {
                    if colon {
                        v = v.strip_prefix(':').ok_or_else(err)?;
                    }
                    ss = digits(&mut v, 2, 2).ok_or_else(err)?;
                }
                offset = sign * (hh * 3600 + mm * 60 + ss);
            }
            Tok::Frac(n, trim) => {
                if !(v.starts_with('.') || v.starts_with(',')) {
                    if trim {
                        continue;
                    }
                    return Err(err());
                }
                let got = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                if (!trim && got != n) || got == 0 {
                    return Err(err());
                }
                nanos = frac(&v[1..1 + got]);
                v = &v[1 + got..];
            }
        }
    }
    if !v.is_empty() {
        return Err(format!("parsing time {value:?}: extra text: {v:?}"));
    }
    if hour12 {
        match pm {
            Some(true) if h < 12 => h += 12,
            Some(false) if h == 12 => h = 0,
            _ => {}
        }
    }
    if d < 1 || d > days_in(m, y) {
        return Err(format!("parsing time {value:?}: day out of range"));
    }
    let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + se - offset;
    Ok(Instant { secs, nanos })
}

/// Nanoseconds of a fraction's digits (beyond nine: truncated).
fn frac(digits: &str) -> u32 {
    let mut s: String = digits.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().unwrap_or(0)
}

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
        "time.FormatString" => s(format(parse(RFC3339_NANO, &a.str(1)?)?, &a.str(0)?)),
        "time.Parse" => s(format(parse(&a.str(0)?, &a.str(1)?)?, RFC3339_NANO)),
        "time.Unix" => {
            let (sec, nsec) = (a.int64(0)?, a.int64(1)?);
            let secs = sec
                .checked_add(nsec.div_euclid(1_000_000_000))
                .ok_or("time out of range")?;
            s(format(
                Instant {
                    secs,
                    nanos: nsec.rem_euclid(1_000_000_000) as u32,
                },
                RFC3339_NANO,
            ))
        }
        "time.Split" => {
            let t = parse(RFC3339_NANO, &a.str(0)?)?;
            let (y, m, d) = civil_from_days(t.secs.div_euclid(86_400));
            let sod = t.secs.rem_euclid(86_400);
            record(
                ctx,
                vec![
                    ("year".into(), int(y)),
                    ("month".into(), int(m)),
                    ("day".into(), int(d)),
                    ("hour".into(), int(sod / 3600)),
                    ("minute".into(), int(sod % 3600 / 60)),
                    ("second".into(), int(sod % 60)),
                    ("nanosecond".into(), int(t.nanos)),
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
    fn layouts_and_durations_follow_go() {
        let t = parse("2006-01-02T15:04:05Z07:00", "2024-02-29T23:30:00+01:30").unwrap();
        assert_eq!(format(t, RFC3339_NANO), "2024-02-29T22:00:00Z");
        let t = parse("Mon Jan _2 15:04:05 2006", "Thu Mar  7 04:05:06 2024").unwrap();
        assert_eq!(
            format(t, "Monday, 02-Jan-06 3:04PM .000"),
            "Thursday, 07-Mar-24 4:05AM .000"
        );
        assert!(parse("2006-01-02", "2023-02-29").is_err());
        assert_eq!(
            format(
                Instant {
                    secs: 0,
                    nanos: 1_500
                },
                RFC3339_NANO
            ),
            "1970-01-01T00:00:00.0000015Z"
        );
        assert_eq!(format_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(format_duration(1_500), "1.5µs");
        assert_eq!(parse_duration("1h2m3.5s").unwrap(), 3_723_500_000_000);
        assert_eq!(parse_duration("-1.5us").unwrap(), -1_500);
        assert!(parse_duration("1").is_err());
    }
}
