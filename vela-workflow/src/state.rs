//! The durable state of one run: status, context variables, mutable values and counters.
//!
//! Everything the engine needs to continue after a crash is in [`RunState`], a plain serde
//! value saved through a [`Store`](crate::store::Store) after every pass. KubeVela keeps the
//! retry/backoff counters in process memory only; here they are durable, so a restarted process
//! continues the same retry count instead of starting again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::status::RunStatus;
use crate::time::Timestamp;

/// Counters and timers that KubeVela keeps per process (`failed_times`, `backoff_times`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Failures per step ID (`failed_times`); starts at 0 on the first failure.
    #[serde(default, rename = "failed", skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_times: BTreeMap<String, u32>,
    /// Backoff count per step ID (`backoff_times`).
    #[serde(default, rename = "backoff", skip_serializing_if = "BTreeMap::is_empty")]
    pub backoff_times: BTreeMap<String, u32>,
    /// The message the backoff count was counted for, per step ID (`backoff_reason`).
    #[serde(default, rename = "backoffReason", skip_serializing_if = "BTreeMap::is_empty")]
    pub backoff_reason: BTreeMap<String, String>,
    /// When a step status was last written.
    #[serde(default, rename = "last", skip_serializing_if = "Option::is_none")]
    pub last_execute_time: Option<Timestamp>,
    /// When the run should be looked at again.
    #[serde(default, rename = "next", skip_serializing_if = "Option::is_none")]
    pub next_execute_time: Option<Timestamp>,
}

impl Counters {
    /// KubeVela's `IncreaseCountValueInMemory`: 0 when absent, else +1; returns the new value.
    pub(crate) fn increase(map: &mut BTreeMap<String, u32>, id: &str) -> u32 {
        match map.get_mut(id) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                map.insert(id.to_owned(), 0);
                0
            }
        }
    }
}

/// The whole durable state of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The run status (`status.workflow`).
    pub status: RunStatus,
    /// Workflow context variables (step outputs and `#DoVar` values).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub vars: Map<String, Value>,
    /// Mutable per-step values, keyed `<stepID>.<key>` (suspend/resume timestamps).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mutable: BTreeMap<String, String>,
    /// Retry and backoff bookkeeping.
    #[serde(default, skip_serializing_if = "is_default")]
    pub counters: Counters,
    /// Incremented by every restart; part of new step IDs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub generation: u32,
}

fn is_default(c: &Counters) -> bool {
    *c == Counters::default()
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl RunState {
    /// Reads the context variable at a dotted path.
    #[must_use]
    pub fn var(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut cur = self.vars.get(parts.next()?)?;
        for p in parts {
            cur = cur.as_object()?.get(p)?;
        }
        Some(cur)
    }

    /// Writes the context variable at a dotted path, creating objects on the way.
    pub fn set_var(&mut self, path: &str, value: Value) {
        set_path(&mut self.vars, path, value);
    }

    /// Serializes to compact JSON.
    ///
    /// # Errors
    /// Only if a context variable cannot be serialized (never for JSON values).
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    /// Reads a state written by [`RunState::to_bytes`].
    ///
    /// # Errors
    /// Returns the serde error (with line and column) for corrupt input.
    pub fn from_bytes(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }
}

/// Sets `value` at a dotted `path` inside `root`, replacing non-objects on the way.
pub(crate) fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cur = root;
    for p in parts {
        let entry = cur
            .entry(p.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        cur = entry.as_object_mut().expect("just made an object");
    }
    cur.insert(last.to_owned(), value);
}

/// Looks up a dotted path in a JSON value.
#[must_use]
pub fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for p in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vars_are_read_and_written_by_dotted_path() {
        let mut s = RunState::default();
        s.set_var("a.b", json!(1));
        s.set_var("c", json!("x"));
        assert_eq!(s.var("a.b"), Some(&json!(1)));
        assert_eq!(s.var("a"), Some(&json!({"b": 1})));
        assert_eq!(s.var("a.c"), None);
        let back = RunState::from_bytes(&s.to_bytes().unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn counters_start_at_zero_like_kubevela() {
        let mut m = BTreeMap::new();
        assert_eq!(Counters::increase(&mut m, "x"), 0);
        assert_eq!(Counters::increase(&mut m, "x"), 1);
    }
}
