//! Go's `time.Parse` (a value without a zone, or with a zone name, reads as UTC).

use super::{Elem, Error, LONG_DAYS, LONG_MONTHS, UnixTime, days_from_civil, days_in, is_leap, next_elem};

/// Two digits, or one when `fixed` is not set (Go's `getnum`).
fn getnum(v: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = v.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &v[1..]));
    }
    Some((i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'), &v[2..]))
}

/// Up to three digits, exactly three when `fixed` is set (Go's `getnum3`).
fn getnum3(v: &str, fixed: bool) -> Option<(i64, &str)> {
    let n = v.bytes().take(3).take_while(u8::is_ascii_digit).count();
    if n == 0 || (fixed && n != 3) {
        return None;
    }
    Some((v[..n].parse().ok()?, &v[n..]))
}

/// Matches literal layout text, where a run of spaces matches a run of spaces.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while let Some(c) = prefix.chars().next() {
        if c == ' ' {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if !value.starts_with(c) {
            return None;
        }
        prefix = &prefix[c.len_utf8()..];
        value = &value[c.len_utf8()..];
    }
    Some(value)
}

fn lookup_name<'a>(v: &'a str, names: &[&str], short: bool) -> Option<(i64, &'a str)> {
    names.iter().enumerate().find_map(|(i, n)| {
        let n = if short { &n[..3] } else { n };
        let head = v.get(..n.len())?;
        head.eq_ignore_ascii_case(n)
            .then(|| (i64::try_from(i).unwrap_or(0), &v[n.len()..]))
    })
}

/// Length of a time zone abbreviation at the start of `v`, like Go's `parseTimeZone`. Go keeps
/// the clock reading as UTC under a made-up zone of that name (even `GMT+3`), so a zone name
/// never moves the instant (with the local zone being UTC).
fn time_zone(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if v.starts_with("ChST") || v.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = v.strip_prefix("GMT") {
        let rb = rest.as_bytes();
        if matches!(rb.first(), Some(b'+' | b'-')) {
            let n = rb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 && rest[1..=n].parse::<i64>().is_ok_and(|h| h <= 23) {
                return Some(4 + n);
            }
        }
        return Some(3);
    }
    let upper = b.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        5 if b[4] == b'T' => Some(5),
        4 if b[3] == b'T' || v.starts_with("WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Nanoseconds of a fraction's digits (Go's `parseNanoseconds`: digits beyond nine are
/// dropped).
fn nanoseconds(digits: &str) -> u32 {
    (digits.bytes().chain(std::iter::repeat(b'0')))
        .take(9)
        .fold(0, |nanos, c| nanos * 10 + u32::from(c - b'0'))
}

/// Parses `value` with a Go layout, as Go's `time.Parse` does (a value without a zone, or with a
/// zone name, reads as UTC; a numeric offset is applied).
///
/// ```
/// # use vela_cue::time::{self, UnixTime};
/// let t = time::parse("02 Jan 06 15:04 -0700", "07 Mar 24 04:05 -0700")?;
/// assert_eq!(time::format(t, time::RFC3339)?, "2024-03-07T11:05:00Z");
/// # Ok::<(), time::Error>(())
/// ```
///
/// # Errors
/// [`Error::Mismatch`], [`Error::ExtraText`] or [`Error::Range`], worded like Go's.
#[allow(clippy::too_many_lines)]
pub fn parse(layout: &str, value: &str) -> Result<UnixTime, Error> {
    let (orig_layout, orig_value) = (layout, value);
    let mismatch = |rest: &str, elem: &str| Error::Mismatch {
        value: orig_value.to_owned(),
        layout: orig_layout.to_owned(),
        rest: rest.to_owned(),
        elem: elem.to_owned(),
    };
    let range = |field| Error::Range {
        value: orig_value.to_owned(),
        field,
    };
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let (mut pm, mut am) = (false, false);
    let mut offset: i64 = 0;
    let mut layout = layout;
    let mut value = value;
    loop {
        let (prefix, elem, tail) = next_elem(layout);
        value = skip(value, prefix).ok_or_else(|| mismatch(value, prefix))?;
        let Some((elem, text)) = elem else {
            if !value.is_empty() {
                return Err(Error::ExtraText {
                    value: orig_value.to_owned(),
                    extra: value.to_owned(),
                });
            }
            break;
        };
        layout = tail;
        let here = value;
        let bad = || mismatch(here, text);
        value = match elem {
            Elem::LongYear => {
                let y = value.get(..4).filter(|y| y.bytes().all(|c| c.is_ascii_digit()));
                year = y.and_then(|y| y.parse().ok()).ok_or_else(bad)?;
                &value[4..]
            }
            Elem::Year => {
                let (y, rest) = getnum(value, true).ok_or_else(bad)?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                rest
            }
            Elem::LongMonth | Elem::Month => {
                let (m, rest) = lookup_name(value, &LONG_MONTHS, elem == Elem::Month).ok_or_else(bad)?;
                month = m + 1;
                rest
            }
            Elem::NumMonth | Elem::ZeroMonth => {
                let (m, rest) = getnum(value, elem == Elem::ZeroMonth).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(range("month"));
                }
                month = m;
                rest
            }
            Elem::LongWeekDay | Elem::WeekDay => {
                lookup_name(value, &LONG_DAYS, elem == Elem::WeekDay)
                    .ok_or_else(bad)?
                    .1
            }
            Elem::Day | Elem::UnderDay | Elem::ZeroDay => {
                let v = if elem == Elem::UnderDay {
                    value.strip_prefix(' ').unwrap_or(value)
                } else {
                    value
                };
                let (d, rest) = getnum(v, elem == Elem::ZeroDay).ok_or_else(bad)?;
                day = d;
                rest
            }
            Elem::UnderYearDay | Elem::ZeroYearDay => {
                let v = if elem == Elem::UnderYearDay {
                    value.trim_start_matches(' ')
                } else {
                    value
                };
                let (d, rest) = getnum3(v, elem == Elem::ZeroYearDay).ok_or_else(bad)?;
                yday = d;
                rest
            }
            Elem::Hour => {
                let (h, rest) = getnum(value, false).ok_or_else(bad)?;
                if h > 23 {
                    return Err(range("hour"));
                }
                hour = h;
                rest
            }
            Elem::Hour12 | Elem::ZeroHour12 => {
                let (h, rest) = getnum(value, elem == Elem::ZeroHour12).ok_or_else(bad)?;
                if h > 12 {
                    return Err(range("hour"));
                }
                hour = h;
                rest
            }
            Elem::Minute | Elem::ZeroMinute => {
                let (m, rest) = getnum(value, elem == Elem::ZeroMinute).ok_or_else(bad)?;
                if m > 59 {
                    return Err(range("minute"));
                }
                min = m;
                rest
            }
            Elem::Second | Elem::ZeroSecond => {
                let (s, mut rest) = getnum(value, elem == Elem::ZeroSecond).ok_or_else(bad)?;
                if s > 59 {
                    return Err(range("second"));
                }
                sec = s;
                // Go reads a fraction after the seconds even when the layout has none there
                // (unless its next element is one).
                let rb = rest.as_bytes();
                if rb.len() >= 2
                    && matches!(rb[0], b'.' | b',')
                    && rb[1].is_ascii_digit()
                    && !matches!(next_elem(layout), (_, Some((Elem::Frac { .. }, _)), _))
                {
                    let n = rb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nanos = nanoseconds(&rest[1..=n]);
                    rest = &rest[1 + n..];
                }
                rest
            }
            Elem::Pm | Elem::PmLower => {
                let p = value.get(..2).ok_or_else(bad)?;
                let (pm_s, am_s) = if elem == Elem::Pm {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                if p == pm_s {
                    pm = true;
                } else if p == am_s {
                    am = true;
                } else {
                    return Err(bad());
                }
                &value[2..]
            }
            Elem::Offset { z: true, .. } if value.starts_with('Z') => {
                offset = 0;
                &value[1..]
            }
            Elem::Offset {
                colon,
                secs,
                hours_only,
                ..
            } => {
                let sign = match value.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let mut rest = &value[1..];
                let part = |rest: &mut &str, sep: bool| -> Option<i64> {
                    if sep {
                        *rest = rest.strip_prefix(':')?;
                    }
                    let (n, r) = getnum(rest, true)?;
                    *rest = r;
                    Some(n)
                };
                let h = part(&mut rest, false).ok_or_else(bad)?;
                let m = if hours_only {
                    0
                } else {
                    part(&mut rest, colon).ok_or_else(bad)?
                };
                let s = if secs {
                    part(&mut rest, colon).ok_or_else(bad)?
                } else {
                    0
                };
                if h > 24 || m > 60 || s > 60 {
                    return Err(range("time zone offset"));
                }
                offset = sign * (h * 3600 + m * 60 + s);
                rest
            }
            Elem::Tz => {
                if let Some(rest) = value.strip_prefix("UTC") {
                    offset = 0;
                    rest
                } else {
                    let n = time_zone(value).ok_or_else(bad)?;
                    offset = 0;
                    &value[n..]
                }
            }
            Elem::Frac { fixed: true, n } => {
                // exactly the layout's number of digits
                let vb = value.as_bytes();
                if vb.len() < n + 1
                    || !matches!(vb[0], b'.' | b',')
                    || !vb[1..=n].iter().all(u8::is_ascii_digit)
                {
                    return Err(bad());
                }
                nanos = nanoseconds(&value[1..=n]);
                &value[n + 1..]
            }
            Elem::Frac { fixed: false, .. } => {
                // optional, and of any length
                let vb = value.as_bytes();
                if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && vb[1].is_ascii_digit() {
                    let k = vb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nanos = nanoseconds(&value[1..=k]);
                    &value[1 + k..]
                } else {
                    value
                }
            }
        };
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        if yday < 1 || yday > 365 + i64::from(is_leap(year)) {
            return Err(range("day-of-year"));
        }
        let (mut m, mut d) = (1, yday);
        while d > days_in(m, year) {
            d -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return Err(range("day-of-year"));
        }
        month = m;
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(range("day"));
    }
    let days = days_from_civil(year, month, day);
    Ok(UnixTime::new(
        days * 86_400 + hour * 3600 + min * 60 + sec - offset,
        nanos,
    ))
}
