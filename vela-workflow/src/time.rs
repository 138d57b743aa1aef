//! Time: timestamps in run state, Go-style durations and the injectable clock.
//!
//! The engine never reads the system clock directly. It asks a [`Clock`], so tests drive time
//! with tokio's paused clock ([`TokioClock`]) and never sleep.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time with millisecond precision, stored as RFC 3339 (`2026-01-02T03:04:05.678Z`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `ms` milliseconds after the Unix epoch.
    #[must_use]
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// This timestamp plus `d` (saturating).
    #[must_use]
    pub fn plus(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// The time from `self` until `later`, zero if `later` is not after `self`.
    #[must_use]
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(later.0 - self.0).unwrap_or(0))
    }

    /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff]Z` or with a `+HH:MM` offset), with jiff;
    /// digits below the millisecond are dropped.
    ///
    /// # Errors
    /// Returns [`ParseError`] when `s` is not such a timestamp.
    pub fn parse_rfc3339(s: &str) -> Result<Self, ParseError> {
        let ts: jiff::Timestamp = s.parse().map_err(|source| ParseError::Timestamp {
            text: s.to_owned(),
            source,
        })?;
        Ok(Self(ts.as_millisecond()))
    }
}

/// RFC 3339 in UTC with milliseconds when there are any (`2026-01-02T03:04:05.678Z`,
/// `2026-01-02T03:04:05Z`), as KubeVela writes step times. A timestamp beyond jiff's range
/// (years -9999 to 9999, reached only by saturating arithmetic) prints as that range's end.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ts = jiff::Timestamp::from_millisecond(self.0).unwrap_or(if self.0 < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        let precision = if ts.subsec_millisecond() == 0 { 0 } else { 3 };
        let printer = jiff::fmt::temporal::DateTimePrinter::new().precision(Some(precision));
        f.write_str(&printer.timestamp_to_string(&ts))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// A value that could not be parsed as a time or a duration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not an RFC 3339 timestamp.
    #[error("invalid timestamp {text:?}: expected RFC 3339 such as 2026-01-02T03:04:05Z")]
    Timestamp {
        /// The text.
        text: String,
        /// What jiff found wrong.
        #[source]
        source: jiff::Error,
    },
    /// Not a Go duration.
    #[error("invalid duration {text:?}: expected a Go duration such as 30s, 1m, 2h45m or 1.5h")]
    Duration {
        /// The text.
        text: String,
        /// What the parser found wrong.
        #[source]
        source: vela_model::duration::Error,
    },
}

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`, units ns/us/µs/ms/s/m/h), as KubeVela's
/// `timeout` and `suspend.duration` fields use: [`vela_model::duration::parse`], the one parser
/// of the workspace (validation and the engine read durations alike).
///
/// # Errors
/// Returns [`ParseError::Duration`] for anything else, including negative durations.
pub fn parse_duration(s: &str) -> Result<Duration, ParseError> {
    vela_model::duration::parse(s).map_err(|source| ParseError::Duration {
        text: s.to_owned(),
        source,
    })
}

/// Where the engine gets "now" from, and how it waits.
pub trait Clock: Send + Sync + 'static {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Wall-clock time that follows tokio's clock: a fixed origin plus the tokio time elapsed since
/// the clock was made. Under `#[tokio::test(start_paused = true)]` time only moves when the test
/// advances it, so timeouts, backoff and suspend durations are tested without sleeping.
#[derive(Clone, Debug)]
pub struct TokioClock {
    origin: Timestamp,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `origin` now and moves with tokio's clock.
    #[must_use]
    pub fn starting_at(origin: Timestamp) -> Self {
        Self {
            origin,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::starting_at(SystemClock.now())
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        self.origin.plus(self.start.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2026-11-28T04:46:41.123Z",
            "2000-02-29T23:59:59Z",
        ] {
            let t = Timestamp::parse_rfc3339(s).unwrap();
            assert_eq!(t.to_string(), s);
        }
        let t = Timestamp::parse_rfc3339("2026-11-28T06:46:41+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-28T04:46:41Z");
        assert_eq!(
            Timestamp::parse_rfc3339("1970-01-01T00:00:01Z")
                .unwrap()
                .as_millis(),
            1000
        );
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn go_durations_parse_like_go() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2h45m").unwrap(), Duration::from_secs(9900));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "1", "1min", "-1s", "s", "1x"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
