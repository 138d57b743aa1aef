//! `vela/time`: `#DateToTimestamp` and `#TimestampToDate`, with Go's reference-time layouts
//! (`Mon Jan 2 15:04:05 MST 2006`; `layout: ""` is RFC 3339), as KubeVela's `time` provider
//! does with Go's `time.Parse` and `time.Unix(ts, 0).UTC().Format`.
//!
//! The layout engine is vela-cue's ([`vela_cue::time`], the one CUE's `time` package uses),
//! held to Go's exact behaviour by 392 cases recorded with Go (vela-cue's
//! `tests/data/go_time_layouts.json`); this module works in whole seconds, as KubeVela does.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::s;
use crate::cue_step::{Call, Provider};
use crate::step::{self, Context};

pub use vela_cue::time::Error;

/// Go's `time.RFC3339`, the layout used when `layout` is empty.
pub const RFC3339: &str = vela_cue::time::RFC3339;

/// `vela/time`: `timestamp` (date to Unix seconds) and `date` (Unix seconds to a UTC date).
#[derive(Clone, Copy, Debug, Default)]
pub struct Time;

#[async_trait]
impl Provider for Time {
    async fn call(&self, action: &str, p: Value, _label: &str, _ctx: &mut Context<'_>) -> step::Result<Call> {
        let layout = match s(&p, "layout") {
            None | Some("") => RFC3339,
            Some(l) => l,
        };
        match action {
            "timestamp" => {
                let date = s(&p, "date").unwrap_or_default();
                if date.is_empty() {
                    return Err(step::Error::msg("$params.date: empty date to convert"));
                }
                let ts = parse(layout, date).map_err(|e| step::Error::new("$params.date", e))?;
                Ok(Call::Returns(json!({"timestamp": ts})))
            }
            "date" => {
                let ts = match p.get("timestamp") {
                    None | Some(Value::Null) => 0,
                    Some(v) => v.as_i64().ok_or_else(|| {
                        step::Error::msg(format!("$params.timestamp: expected an int64, got {v}"))
                    })?,
                };
                let date = format(ts, layout).map_err(|e| step::Error::new("$params.layout", e))?;
                Ok(Call::Returns(json!({"date": date})))
            }
            other => Err(step::Error::msg(format!("time provider has no action {other:?}"))),
        }
    }
}

/// Formats `ts` (Unix seconds) in UTC with a Go layout (Go's `time.Unix(ts, 0).UTC().Format`).
///
/// # Errors
/// [`Error::OutOfRange`] for a timestamp beyond ±10^14 s.
pub fn format(ts: i64, layout: &str) -> Result<String, Error> {
    vela_cue::time::format(vela_cue::time::UnixTime::from_seconds(ts), layout)
}

/// Parses `value` with a Go layout into Unix seconds (Go's `time.Parse(...).Unix()`, which
/// reads a date without a zone, or with a zone name, as UTC; a fraction of a second is dropped).
///
/// # Errors
/// [`Error::Mismatch`], [`Error::ExtraText`] or [`Error::Range`], worded like Go's.
pub fn parse(layout: &str, value: &str) -> Result<i64, Error> {
    vela_cue::time::parse(layout, value).map(vela_cue::time::UnixTime::seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubevela_cases() {
        assert_eq!(parse(RFC3339, "2021-11-07T01:47:51Z"), Ok(1_636_249_671));
        assert_eq!(
            parse("Mon, 02 Jan 2006 15:04:05 MST", "Fri, 01 Mar 2019 15:00:00 GMT"),
            Ok(1_551_452_400)
        );
        assert_eq!(
            parse("Mon, 02 Jan 2006 15:04:05 MST", "2021-11-07T01:47:51Z")
                .unwrap_err()
                .to_string(),
            r#"parsing time "2021-11-07T01:47:51Z" as "Mon, 02 Jan 2006 15:04:05 MST": cannot parse "2021-11-07T01:47:51Z" as "Mon""#
        );
        assert_eq!(format(1_636_249_671, RFC3339).unwrap(), "2021-11-07T01:47:51Z");
        assert_eq!(
            format(1_551_452_400, "Mon, 02 Jan 2006 15:04:05 MST").unwrap(),
            "Fri, 01 Mar 2019 15:00:00 UTC"
        );
        assert_eq!(format(0, RFC3339).unwrap(), "1970-01-01T00:00:00Z");
        // whole seconds, rounded down as Go's `Unix()` does
        assert_eq!(parse(RFC3339, "1969-12-31T23:59:59.5Z"), Ok(-1));
    }
}
