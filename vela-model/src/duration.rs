//! Go-style durations (`300ms`, `1m30s`, `2h`), as used by step `timeout`, `suspend.duration`
//! and several annotations.
//!
//! ```
//! use std::time::Duration;
//! assert_eq!(vela_model::duration::parse("1m30s").unwrap(), Duration::from_secs(90));
//! assert!(vela_model::duration::parse("90").is_err());
//! ```

use std::time::Duration;

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is empty.
    #[error("empty duration")]
    Empty,
    /// A number has no unit after it.
    #[error("missing unit in duration {0:?} (use ns, us, ms, s, m or h)")]
    MissingUnit(String),
    /// The unit is not one of Go's.
    #[error("unknown unit {unit:?} in duration {text:?} (use ns, us, ms, s, m or h)")]
    UnknownUnit {
        /// The duration text.
        text: String,
        /// The unit found.
        unit: String,
    },
    /// Something other than a number where one was expected.
    #[error("invalid duration {0:?}")]
    Invalid(String),
    /// A negative duration, which is meaningless for timeouts.
    #[error("negative duration {0:?}")]
    Negative(String),
    /// Too large.
    #[error("duration {0:?} is too large")]
    Overflow(String),
}

/// Parses a Go duration (`time.ParseDuration`) that is not negative: a sequence of decimal
/// numbers, each with an optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`).
/// `0` alone is allowed.
pub fn parse(text: &str) -> Result<Duration, Error> {
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::Empty);
    }
    let s = match s.strip_prefix('+') {
        Some(rest) => rest,
        None => match s.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| c == '0') => rest,
            Some(_) => return Err(Error::Negative(text.to_string())),
            None => s,
        },
    };
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(Error::Invalid(text.to_string()));
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..num_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(Error::Invalid(text.to_string()));
        }
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let nanos_per_unit: u128 = match unit {
            "" => return Err(Error::MissingUnit(text.to_string())),
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            other => {
                return Err(Error::UnknownUnit {
                    text: text.to_string(),
                    unit: other.to_string(),
                });
            }
        };
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| Error::Overflow(text.to_string()))?
        };
        let mut value = whole
            .checked_mul(nanos_per_unit)
            .ok_or_else(|| Error::Overflow(text.to_string()))?;
        let mut scale = nanos_per_unit;
        for digit in frac.chars().take(30) {
            scale /= 10;
            value += u128::from(digit.to_digit(10).unwrap_or(0)) * scale;
        }
        total = total
            .checked_add(value)
            .ok_or_else(|| Error::Overflow(text.to_string()))?;
    }
    // Go durations are int64 nanoseconds.
    if total > i64::MAX as u128 {
        return Err(Error::Overflow(text.to_string()));
    }
    Ok(Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert_eq!(parse("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse("1h2m3s").unwrap(), Duration::from_secs(3723));
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse(".5m").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("10us").unwrap(), Duration::from_micros(10));
        assert_eq!(parse("2µs").unwrap(), Duration::from_micros(2));
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert_eq!(parse(""), Err(Error::Empty));
        assert_eq!(parse("10"), Err(Error::MissingUnit("10".into())));
        assert!(matches!(parse("10d"), Err(Error::UnknownUnit { .. })));
        assert!(matches!(parse("s"), Err(Error::Invalid(_))));
        assert!(matches!(parse("1..2s"), Err(Error::Invalid(_))));
        assert!(matches!(parse("-1s"), Err(Error::Negative(_))));
        assert!(matches!(parse("3000000h"), Err(Error::Overflow(_))));
    }
}
