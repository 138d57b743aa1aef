//! Go's reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`, `2006-01-02T15:04:05Z07:00`):
//! formatting and parsing instants in UTC exactly as Go's `time` package does. CUE's `time`
//! package (`time.Parse`, `time.FormatString`, `time.Unix`, ...) is built on it, and
//! vela-workflow's `vela/time` provider (KubeVela's `time.Parse` and
//! `time.Unix(ts, 0).UTC().Format`) calls it too.
//!
//! No Rust crate formats or parses Go's layouts (chrono and jiff use strftime directives); a
//! table of cases recorded with Go (`tests/data/go_time_layouts.json`) holds this module to Go's
//! behaviour, error messages included.
//!
//! ```
//! use vela_cue::time::{self, UnixTime};
//!
//! let t = time::parse("Mon, 02 Jan 2006 15:04:05 -0700", "Fri, 01 Mar 2019 08:00:00 -0700")?;
//! assert_eq!(t, UnixTime::from_seconds(1_551_452_400));
//! assert_eq!(time::format(t, time::RFC3339)?, "2019-03-01T15:00:00Z");
//!
//! let t = time::parse(time::RFC3339_NANO, "2024-03-07T04:05:06.25+01:00")?;
//! assert_eq!((t.seconds(), t.nanos()), (1_709_780_706, 250_000_000));
//! assert_eq!(time::format(t, "Jan _2 3:04:05.000PM")?, "Mar  7 3:05:06.250AM");
//!
//! let err = time::parse(time::RFC3339, "2023-02-29T00:00:00Z").unwrap_err();
//! assert_eq!(err.to_string(), r#"parsing time "2023-02-29T00:00:00Z": day out of range"#);
//! # Ok::<(), time::Error>(())
//! ```
//!
//! Go's time zones are not modelled: every instant is formatted in UTC (`MST` prints `UTC`,
//! `Z07:00` prints `Z`), and parsing reads a zone name as Go does when the local zone is UTC
//! (the clock reading is kept, the name does not move the instant); numeric offsets are applied.

mod parse;

pub use parse::parse;

/// Go's `time.RFC3339`.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// Go's `time.RFC3339Nano`: RFC 3339 with the fraction of a second, trailing zeros trimmed.
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

/// The furthest instant from 1970 that [`format()`] accepts, in seconds (about 3 million years).
pub const MAX_SECONDS: i64 = 100_000_000_000_000;

/// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds within that second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    seconds: i64,
    nanos: u32,
}

impl UnixTime {
    /// The instant `seconds` after the epoch plus `nanos` nanoseconds; nanoseconds beyond one
    /// second carry into the seconds (saturating at the ends of `i64`).
    ///
    /// ```
    /// # use vela_cue::time::UnixTime;
    /// let t = UnixTime::new(1, 2_500_000_000);
    /// assert_eq!((t.seconds(), t.nanos()), (3, 500_000_000));
    /// ```
    #[must_use]
    pub const fn new(seconds: i64, nanos: u32) -> Self {
        Self {
            seconds: seconds.saturating_add((nanos / 1_000_000_000) as i64),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// The instant `seconds` after the epoch (whole seconds).
    #[must_use]
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds, nanos: 0 }
    }

    /// Seconds since the epoch (negative before 1970).
    #[must_use]
    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds within the second (0 to 999,999,999).
    #[must_use]
    pub const fn nanos(self) -> u32 {
        self.nanos
    }
}

/// A value did not match its layout, a field was out of range, or an instant cannot be shown.
/// The messages are Go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Part of the value does not match the layout element.
    #[error("parsing time {value:?} as {layout:?}: cannot parse {rest:?} as {elem:?}")]
    Mismatch {
        /// The whole value.
        value: String,
        /// The whole layout.
        layout: String,
        /// What was left of the value.
        rest: String,
        /// The layout element it should have matched.
        elem: String,
    },
    /// Text after the last layout element.
    #[error("parsing time {value:?}: extra text: {extra:?}")]
    ExtraText {
        /// The whole value.
        value: String,
        /// The text left over.
        extra: String,
    },
    /// A field is out of its range (`month`, `day`, `hour`, ...).
    #[error("parsing time {value:?}: {field} out of range")]
    Range {
        /// The whole value.
        value: String,
        /// The field.
        field: &'static str,
    },
    /// The instant is further than [`MAX_SECONDS`] from 1970.
    #[error("timestamp {0} is out of the supported range")]
    OutOfRange(i64),
}

/// One element of a Go layout (Go's `std*` chunks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Elem {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm,
    PmLower,
    Tz,
    /// Numeric zone offset; `z` = `Z` for UTC; `colon`; `secs` = with seconds; `hours_only`.
    Offset {
        z: bool,
        colon: bool,
        secs: bool,
        hours_only: bool,
    },
    /// `.000` (fixed digits) or `.999` (trailing zeros trimmed); `n` digits.
    Frac {
        fixed: bool,
        n: usize,
    },
}

/// Splits `layout` at its first element (Go's `nextStdChunk`): the literal text before it, the
/// element with its text, and the rest.
fn next_elem(layout: &str) -> (&str, Option<(Elem, &str)>, &str) {
    let b = layout.as_bytes();
    let has = |i: usize, p: &str| layout[i..].starts_with(p);
    for i in 0..b.len() {
        let found: Option<(Elem, usize)> = match b[i] {
            b'J' if has(i, "January") => Some((Elem::LongMonth, 7)),
            b'J' if has(i, "Jan") => Some((Elem::Month, 3)),
            b'M' if has(i, "Monday") => Some((Elem::LongWeekDay, 6)),
            b'M' if has(i, "Mon") => Some((Elem::WeekDay, 3)),
            b'M' if has(i, "MST") => Some((Elem::Tz, 3)),
            b'0' if has(i, "002") => Some((Elem::ZeroYearDay, 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => Some((
                [
                    Elem::ZeroMonth,
                    Elem::ZeroDay,
                    Elem::ZeroHour12,
                    Elem::ZeroMinute,
                    Elem::ZeroSecond,
                    Elem::Year,
                ][usize::from(b[i + 1] - b'1')],
                2,
            )),
            b'1' if has(i, "15") => Some((Elem::Hour, 2)),
            b'1' => Some((Elem::NumMonth, 1)),
            b'2' if has(i, "2006") => Some((Elem::LongYear, 4)),
            b'2' => Some((Elem::Day, 1)),
            b'_' if has(i, "_2006") => {
                // a literal `_` followed by the year
                return (
                    &layout[..=i],
                    Some((Elem::LongYear, &layout[i + 1..i + 5])),
                    &layout[i + 5..],
                );
            }
            b'_' if has(i, "_2") => Some((Elem::UnderDay, 2)),
            b'_' if has(i, "__2") => Some((Elem::UnderYearDay, 3)),
            b'3' => Some((Elem::Hour12, 1)),
            b'4' => Some((Elem::Minute, 1)),
            b'5' => Some((Elem::Second, 1)),
            b'P' if has(i, "PM") => Some((Elem::Pm, 2)),
            b'p' if has(i, "pm") => Some((Elem::PmLower, 2)),
            c @ (b'-' | b'Z') => {
                let z = c == b'Z';
                [
                    ("070000", false, true, false),
                    ("07:00:00", true, true, false),
                    ("0700", false, false, false),
                    ("07:00", true, false, false),
                    ("07", false, false, true),
                ]
                .into_iter()
                .find(|(p, ..)| has(i + 1, p))
                .map(|(p, colon, secs, hours_only)| {
                    (
                        Elem::Offset {
                            z,
                            colon,
                            secs,
                            hours_only,
                        },
                        p.len() + 1,
                    )
                })
            }
            b'.' | b',' if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while b.get(j) == Some(&ch) {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    Some((
                        Elem::Frac {
                            fixed: ch == b'0',
                            n: j - i - 1,
                        },
                        j - i,
                    ))
                }
            }
            _ => None,
        };
        if let Some((elem, len)) = found {
            return (
                &layout[..i],
                Some((elem, &layout[i..i + len])),
                &layout[i + len..],
            );
        }
    }
    (layout, None, "")
}

const LONG_MONTHS: [&str; 12] = [
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

const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Formats `time` in UTC with a Go layout (Go's `t.UTC().Format(layout)`).
///
/// ```
/// # use vela_cue::time::{self, UnixTime};
/// assert_eq!(
///     time::format(UnixTime::from_seconds(0), "Monday, 02-Jan-06 3:04PM MST")?,
///     "Thursday, 01-Jan-70 12:00AM UTC"
/// );
/// # Ok::<(), time::Error>(())
/// ```
///
/// # Errors
/// [`Error::OutOfRange`] for an instant further than [`MAX_SECONDS`] from 1970.
pub fn format(time: UnixTime, layout: &str) -> Result<String, Error> {
    let ts = time.seconds;
    if !(-MAX_SECONDS..=MAX_SECONDS).contains(&ts) {
        return Err(Error::OutOfRange(ts));
    }
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let yday = days - days_from_civil(year, 1, 1) + 1;
    let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
    let (hour, min, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
    let month_name = LONG_MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    let h12 = if hour % 12 == 0 { 12 } else { hour % 12 };
    let mut out = String::new();
    let mut rest = layout;
    loop {
        let (prefix, elem, tail) = next_elem(rest);
        out.push_str(prefix);
        let Some((elem, text)) = elem else { break };
        rest = tail;
        let piece = match elem {
            Elem::LongYear if year < 0 => format!("-{:04}", -year),
            Elem::LongYear => format!("{year:04}"),
            Elem::Year => format!("{:02}", year.rem_euclid(100)),
            Elem::LongMonth => month_name.to_owned(),
            Elem::Month => month_name[..3].to_owned(),
            Elem::NumMonth => month.to_string(),
            Elem::ZeroMonth => format!("{month:02}"),
            Elem::LongWeekDay => LONG_DAYS[weekday].to_owned(),
            Elem::WeekDay => LONG_DAYS[weekday][..3].to_owned(),
            Elem::Day => day.to_string(),
            Elem::UnderDay => format!("{day:>2}"),
            Elem::ZeroDay => format!("{day:02}"),
            Elem::UnderYearDay => format!("{yday:>3}"),
            Elem::ZeroYearDay => format!("{yday:03}"),
            Elem::Hour => format!("{hour:02}"),
            Elem::Hour12 => h12.to_string(),
            Elem::ZeroHour12 => format!("{h12:02}"),
            Elem::Minute => min.to_string(),
            Elem::ZeroMinute => format!("{min:02}"),
            Elem::Second => sec.to_string(),
            Elem::ZeroSecond => format!("{sec:02}"),
            Elem::Pm => (if hour >= 12 { "PM" } else { "AM" }).to_owned(),
            Elem::PmLower => (if hour >= 12 { "pm" } else { "am" }).to_owned(),
            Elem::Tz => "UTC".to_owned(),
            Elem::Offset { z: true, .. } => "Z".to_owned(),
            Elem::Offset {
                colon,
                secs,
                hours_only,
                ..
            } => {
                let sep = if colon { ":" } else { "" };
                let mut o = "+00".to_owned();
                if !hours_only {
                    o.push_str(sep);
                    o.push_str("00");
                }
                if secs {
                    o.push_str(sep);
                    o.push_str("00");
                }
                o
            }
            Elem::Frac { fixed, n } => fraction(time.nanos, &text[..1], fixed, n),
        };
        out.push_str(&piece);
    }
    Ok(out)
}

/// Go's `appendNano`: the separator and the first `n` of the nine digits of `nanos` (all nine
/// when the layout asks for more); `.999` trims trailing zeros, and the separator with them.
fn fraction(nanos: u32, separator: &str, fixed: bool, n: usize) -> String {
    if !fixed && nanos == 0 {
        return String::new();
    }
    let digits = format!("{nanos:09}");
    let shown = &digits[..n.min(9)];
    let shown = if fixed { shown } else { shown.trim_end_matches('0') };
    if shown.is_empty() {
        return String::new();
    }
    format!("{separator}{shown}")
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Calendar arithmetic: Howard Hinnant's civil-calendar algorithms (public domain), not jiff,
// because Go's `time` formats and parses years far outside jiff's -9999..=9999.

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The calendar fields of an instant in UTC: (year, month, day, hour, minute, second).
pub(crate) fn civil(time: UnixTime) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = civil_from_days(time.seconds.div_euclid(86_400));
    let sod = time.seconds.rem_euclid(86_400);
    (y, m, d, sod / 3600, sod % 3600 / 60, sod % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubevela_cases() {
        assert_eq!(
            parse(RFC3339, "2021-11-07T01:47:51Z"),
            Ok(UnixTime::from_seconds(1_636_249_671))
        );
        assert_eq!(
            parse("Mon, 02 Jan 2006 15:04:05 MST", "Fri, 01 Mar 2019 15:00:00 GMT"),
            Ok(UnixTime::from_seconds(1_551_452_400))
        );
        assert_eq!(
            parse("Mon, 02 Jan 2006 15:04:05 MST", "2021-11-07T01:47:51Z")
                .unwrap_err()
                .to_string(),
            r#"parsing time "2021-11-07T01:47:51Z" as "Mon, 02 Jan 2006 15:04:05 MST": cannot parse "2021-11-07T01:47:51Z" as "Mon""#
        );
        let t = UnixTime::from_seconds(1_636_249_671);
        assert_eq!(format(t, RFC3339).unwrap(), "2021-11-07T01:47:51Z");
        assert_eq!(
            format(UnixTime::from_seconds(0), RFC3339).unwrap(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn fractions_follow_go() {
        let t = parse("2006-01-02T15:04:05Z07:00", "2024-02-29T23:30:00+01:30").unwrap();
        assert_eq!(format(t, RFC3339_NANO).unwrap(), "2024-02-29T22:00:00Z");
        let t = parse("Mon Jan _2 15:04:05 2006", "Thu Mar  7 04:05:06 2024").unwrap();
        assert_eq!(
            format(t, "Monday, 02-Jan-06 3:04PM .000").unwrap(),
            "Thursday, 07-Mar-24 4:05AM .000"
        );
        assert!(parse("2006-01-02", "2023-02-29").is_err());
        let t = UnixTime::new(0, 1_500);
        assert_eq!(format(t, RFC3339_NANO).unwrap(), "1970-01-01T00:00:00.0000015Z");
        // `,` is kept as the separator; more than nine digits show nine (Go's appendNano)
        assert_eq!(format(t, "05,000000").unwrap(), "00,000001");
        assert_eq!(format(t, "05.000000000000").unwrap(), "00.000001500");
        assert_eq!(format(UnixTime::new(0, 100), "05.99").unwrap(), "00");
        // a fraction the layout does not name is read after the seconds, of any length
        let t = parse("15:04:05", "01:02:03.1234567891").unwrap();
        assert_eq!((t.seconds(), t.nanos()), (-62_167_215_477, 123_456_789));
        let t = parse("05.999", "03.1234567891").unwrap();
        assert_eq!(t.nanos(), 123_456_789);
        assert!(parse("05.000", "03.12").is_err());
    }

    #[test]
    fn far_instants_are_refused_not_wrapped() {
        assert_eq!(
            format(UnixTime::from_seconds(i64::MAX), RFC3339),
            Err(Error::OutOfRange(i64::MAX))
        );
        assert_eq!(
            format(UnixTime::from_seconds(-MAX_SECONDS), "2006").unwrap(),
            "-3166904"
        );
    }
}
