//! Finding the tasks of a workflow-step template: every struct with a `#do` field.

use serde_json::Value as Json;

use super::Value;
use crate::value::{NodeId, Val};

/// A task found by [`Instance::tasks`](super::Instance::tasks): a struct with `#do` (and usually `#provider`).
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Path of the task struct.
    pub path: String,
    /// Value of `#do`.
    pub action: String,
    /// Value of `#provider`, if any.
    pub provider: Option<String>,
}

pub(super) fn collect_tasks(
    v: &Value<'_>,
    out: &mut Vec<Task>,
    depth: usize,
    seen: &mut std::collections::HashSet<NodeId>,
) {
    if depth > 64 || seen.len() > 100_000 {
        return;
    }
    let Val::Struct(id) = v.inst.ctx.resolve(v.val.clone()) else {
        return;
    };
    // a struct shared by several fields (or a cycle) is searched once
    if !seen.insert(id) {
        return;
    }
    if let Ok(d) = v.lookup("#do")
        && let Ok(Json::String(action)) = d.to_json()
    {
        let provider = v.lookup("#provider").ok().and_then(|p| match p.to_json() {
            Ok(Json::String(s)) => Some(s),
            _ => None,
        });
        out.push(Task {
            path: v.path.clone(),
            action,
            provider,
        });
        return;
    }
    for (name, f) in v.all_fields() {
        if name.starts_with('#') || name == "$params" || name == "$returns" {
            continue;
        }
        collect_tasks(&f, out, depth + 1, seen);
    }
}
