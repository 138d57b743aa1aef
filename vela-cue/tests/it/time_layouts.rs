//! `vela_cue::time` against Go: every (timestamp, layout) formatted and every (layout, date)
//! parsed as Go's `time` package does, from a table recorded once with Go
//! (`tests/data/go_time_layouts.json`; vela-workflow's `vela/time` provider works in these
//! whole seconds).

use serde_json::Value;
use vela_cue::time::{self, UnixTime};

fn table() -> Value {
    serde_json::from_str(include_str!("../data/go_time_layouts.json")).unwrap()
}

#[test]
fn formatting_matches_go() {
    let t = table();
    let cases = t["format"].as_array().unwrap();
    let mut wrong = Vec::new();
    for c in cases {
        let (ts, layout, want) = (
            c["ts"].as_i64().unwrap(),
            c["layout"].as_str().unwrap(),
            c["date"].as_str().unwrap(),
        );
        let got = time::format(UnixTime::from_seconds(ts), layout).unwrap();
        if got != want {
            wrong.push(format!("{ts} as {layout:?}: got {got:?}, Go {want:?}"));
        }
    }
    assert_eq!(cases.len(), 184, "format cases recorded with Go");
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn parsing_matches_go() {
    let t = table();
    let cases = t["parse"].as_array().unwrap();
    assert_eq!(cases.len(), 208, "parse cases recorded with Go");
    let mut wrong = Vec::new();
    for c in cases {
        let (layout, date) = (c["layout"].as_str().unwrap(), c["date"].as_str().unwrap());
        let got = time::parse(layout, date).map(UnixTime::seconds);
        let ok = match c.get("err").and_then(Value::as_str) {
            Some(err) => got.as_ref().is_err_and(|e| e.to_string() == err),
            None => got == Ok(c["ts"].as_i64().unwrap()),
        };
        if !ok {
            wrong.push(format!("{date:?} as {layout:?}: got {got:?}, Go {c}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
