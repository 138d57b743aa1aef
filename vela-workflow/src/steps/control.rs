//! Process-control steps: `suspend` and `print-message-in-status`.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::{RESUME_TIMESTAMP, SUSPEND_TIMESTAMP_KEY};
use crate::status::StepPhase;
use crate::step::{self, Context, StepType};
use crate::time::{Timestamp, parse_duration};

/// `suspend`: suspends the workflow until it is resumed, or until `duration` has passed
/// (KubeVela's `builtin.#Suspend`). Parameters: `duration?: string`, `message?: string`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Suspend;

#[async_trait]
impl StepType for Suspend {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter();
        let message = match p.get("message") {
            None | Some(Value::Null) => "Suspended by field suspend".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(step::Error::msg(format!(
                    "parameter.message: expected a string, found {other}"
                )));
            }
        };
        let duration = match p.get("duration") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                Some(parse_duration(s).map_err(|e| step::Error::new("parameter.duration", e))?)
            }
            Some(other) => {
                return Err(step::Error::msg(format!(
                    "parameter.duration: expected a string, found {other}"
                )));
            }
        };
        suspend_action(ctx, duration, message, "suspend")?;
        Ok(json!({}))
    }
}

/// KubeVela's `builtin.#Suspend` for the field `label`: suspends, or resumes once resumed by
/// the operation or once its `duration` has passed.
pub(crate) fn suspend_action(
    ctx: &mut Context<'_>,
    duration: Option<std::time::Duration>,
    message: String,
    label: &str,
) -> step::Result<()> {
    if let Some(ts) = ctx.mutable(RESUME_TIMESTAMP) {
        let t = Timestamp::parse_rfc3339(ts).map_err(|e| step::Error::new("resume timestamp", e))?;
        if ctx.now() >= t {
            ctx.resume("");
        } else {
            ctx.suspend(message);
        }
        return Ok(());
    }
    if let Some(d) = duration {
        let at = ctx.now().plus(d).to_string();
        ctx.set_mutable(RESUME_TIMESTAMP, at);
    }
    let key = format!("{label}.{SUSPEND_TIMESTAMP_KEY}");
    if ctx.mutable(&key).is_some() {
        if ctx.previous_status().phase == Some(StepPhase::Running) {
            // Suspended before and resumed since: continue.
            return Ok(());
        }
    } else {
        let now = ctx.now().to_string();
        ctx.set_mutable(&key, now);
    }
    ctx.suspend(message);
    Ok(())
}

/// `print-message-in-status`: shows `parameter.message` in the step status.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrintMessage;

#[async_trait]
impl StepType for PrintMessage {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let message = match ctx.parameter().get("message") {
            Some(Value::String(s)) => s.clone(),
            other => {
                return Err(step::Error::msg(format!(
                    "parameter.message: expected a string, found {}",
                    other.map_or("nothing".to_owned(), ToString::to_string)
                )));
            }
        };
        ctx.message(message);
        Ok(json!({}))
    }
}
