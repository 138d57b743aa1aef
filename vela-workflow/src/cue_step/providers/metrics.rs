//! `vela/metrics`: `#PromCheck`, KubeVela's Prometheus health check. The query goes to the
//! Prometheus HTTP API (`/api/v1/query`) through the guarded client; the single value it
//! returns is compared with `condition` as CUE (`if: <value> <condition>`), and the step
//! reports `result: true` once the condition held for `duration`, or `failed: true` once it
//! failed for `failDuration`.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::s;
use crate::cue_step::{Call, Provider};
use crate::http;
use crate::step::{self, Context};
use crate::time::parse_duration;

/// `vela/metrics`: `promCheck` through the guarded client.
#[derive(Clone, Debug)]
pub struct Metrics {
    http: http::Client,
}

impl Metrics {
    /// The provider over the guarded client.
    #[must_use]
    pub fn new(http: http::Client) -> Self {
        Self { http }
    }
}

/// Go's `Duration.String()` (to the millisecond): `0s`, `450ms`, `1.5s`, `2m5s`, `1h0m0s`.
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, m) = (ms / 3_600_000, ms / 60_000 % 60);
    let (sec, frac) = (ms / 1000 % 60, ms % 1000);
    let mut secs = sec.to_string();
    if frac > 0 {
        let f = format!("{frac:03}");
        secs = format!("{sec}.{}", f.trim_end_matches('0'));
    }
    if h > 0 {
        format!("{h}h{m}m{secs}s")
    } else if m > 0 {
        format!("{m}m{secs}s")
    } else {
        format!("{secs}s")
    }
}

/// A Prometheus sample value as Go's `SampleValue.String()` writes it (`strconv.FormatFloat(v,
/// 'f', -1, 64)`): shortest digits, no exponent; `NaN`, `+Inf`, `-Inf`.
fn sample_string(raw: &str) -> step::Result<String> {
    let v: f64 = raw
        .parse()
        .map_err(|_| step::Error::msg(format!("prometheus returned a non-numeric value {raw:?}")))?;
    Ok(if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    })
}

impl Metrics {
    /// Runs an instant query and returns its single value.
    async fn query(&self, endpoint: &str, query: &str, now_s: f64) -> step::Result<String> {
        let url = format!("{}/api/v1/query", endpoint.trim_end_matches('/'));
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .append_pair("time", &format!("{now_s:.3}"))
            .finish();
        // Like Prometheus' Go client: POST the form, fall back to GET on 405.
        let mut resp = self
            .http
            .send(http::Request {
                method: "POST".into(),
                url: url.clone(),
                headers: [(
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                )]
                .into(),
                body: Some(form.clone()),
                ..http::Request::default()
            })
            .await
            .map_err(|e| step::Error::new("query prometheus", e))?;
        if resp.status == 405 {
            resp = self
                .http
                .send(http::Request {
                    method: "GET".into(),
                    url: format!("{url}?{form}"),
                    ..http::Request::default()
                })
                .await
                .map_err(|e| step::Error::new("query prometheus", e))?;
        }
        let body: Value = serde_json::from_str(&resp.body).map_err(|e| {
            step::Error::new(
                format!("prometheus answered {} with a non-JSON body", resp.status),
                e,
            )
        })?;
        if s(&body, "status") != Some("success") {
            return Err(step::Error::msg(format!(
                "prometheus query failed ({}): {}: {}",
                resp.status,
                s(&body, "errorType").unwrap_or("unknown"),
                s(&body, "error").unwrap_or("no error message")
            )));
        }
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        let result = data.get("result").cloned().unwrap_or(Value::Null);
        let value_of = |pair: &Value| -> step::Result<String> {
            let raw = pair
                .get(1)
                .and_then(Value::as_str)
                .ok_or_else(|| step::Error::msg(format!("prometheus returned a malformed sample {pair}")))?;
            sample_string(raw)
        };
        match s(&data, "resultType") {
            Some("scalar") => value_of(&result),
            Some("vector") => {
                let items = result.as_array().cloned().unwrap_or_default();
                if items.len() != 1 {
                    return Err(step::Error::msg(format!(
                        "the query is returning {} results when it should only return one. Please review the query to identify and fix the issue",
                        items.len()
                    )));
                }
                value_of(items[0].get("value").unwrap_or(&Value::Null))
            }
            _ => Err(step::Error::msg("cannot handle the not query value")),
        }
    }
}

/// Evaluates `<value> <condition>` as CUE (KubeVela compiles `if: <value> <condition>`; the
/// label is `ok` here because vela-cue does not take the keyword `if` as a label yet).
fn compare(value: &str, condition: &str) -> step::Result<bool> {
    let src = format!("ok: {value} {condition}");
    let err = |e: vela_cue::Error| step::Error::new(format!("$params.condition: evaluate {src:?}"), e);
    let inst = vela_cue::Program::compile("condition.cue", &src)
        .and_then(|p| p.eval())
        .map_err(err)?;
    match inst.lookup("ok").and_then(|v| v.to_json()).map_err(err)? {
        Value::Bool(b) => Ok(b),
        other => Err(step::Error::msg(format!(
            "$params.condition: {src:?} is {other}, expected a boolean"
        ))),
    }
}

const SUCCESS: &str = "metrics.success.time";
const FAIL: &str = "metrics.fail.time";

#[async_trait]
impl Provider for Metrics {
    async fn call(&self, action: &str, p: Value, _label: &str, ctx: &mut Context<'_>) -> step::Result<Call> {
        if action != "promCheck" {
            return Err(step::Error::msg(format!(
                "metrics provider has no action {action:?}"
            )));
        }
        let need = |f: &str| {
            s(&p, f)
                .map(str::to_owned)
                .ok_or_else(|| step::Error::msg(format!("$params.{f}: expected a string")))
        };
        let query = need("query")?;
        let endpoint = s(&p, "metricEndpoint")
            .unwrap_or("http://prometheus-server.o11y-system.svc:9090")
            .to_owned();
        let condition = need("condition")?;
        let duration_s = s(&p, "duration").unwrap_or("5m").to_owned();
        let fail_duration_s = s(&p, "failDuration").unwrap_or("2m").to_owned();
        let duration = parse_duration(&duration_s).map_err(|e| step::Error::new("$params.duration", e))?;
        let fail_duration =
            parse_duration(&fail_duration_s).map_err(|e| step::Error::new("$params.failDuration", e))?;
        let now = ctx.now().as_millis();
        #[allow(clippy::cast_precision_loss)]
        let value = self.query(&endpoint, &query, now as f64 / 1000.0).await?;
        let ok = compare(&value, &condition)?;
        let since = |key: &str, ctx: &Context<'_>| {
            ctx.mutable(key)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|t| *t != 0)
        };
        let elapsed = |t: i64| Duration::from_millis(u64::try_from(now - t).unwrap_or(0));
        let out = if ok {
            ctx.set_mutable(FAIL, "0");
            match since(SUCCESS, ctx) {
                None => {
                    ctx.set_mutable(SUCCESS, now.to_string());
                    json!({"result": false, "failed": false, "message": format!(
                        "The healthy condition should be {condition}, and the query result is {value}, indicating success."
                    )})
                }
                Some(t) if elapsed(t) > duration => json!({
                    "result": true, "failed": false,
                    "message": "The metric check has passed successfully."
                }),
                Some(t) => json!({"result": false, "failed": false, "message": format!(
                    "The healthy condition should be {condition}, and the query result is {value}, indicating success. The success has persisted for {}, with success duration being {duration_s}.",
                    go_duration(elapsed(t))
                )}),
            }
        } else {
            ctx.set_mutable(SUCCESS, "0");
            match since(FAIL, ctx) {
                None => {
                    ctx.set_mutable(FAIL, now.to_string());
                    json!({"result": false, "failed": false, "message": format!(
                        "The healthy condition should be {condition}, but the query result is {value}, indicating failure, with the failure duration being {fail_duration_s}. This is first failed checking."
                    )})
                }
                Some(t) if elapsed(t) > fail_duration => {
                    json!({"result": false, "failed": true, "message": format!(
                        "The healthy condition should be {condition}, but the query result is {value}, indicating failure. The failure has persisted for {}, with the failure duration being {fail_duration_s}. The check has terminated.",
                        go_duration(elapsed(t))
                    )})
                }
                Some(t) => json!({"result": false, "failed": false, "message": format!(
                    "The healthy condition should be {condition}, but the query result is {value}, indicating failure. The failure has persisted for {}, with the failure duration being {fail_duration_s}.",
                    go_duration(elapsed(t))
                )}),
            }
        };
        Ok(Call::Returns(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_durations_print_like_go() {
        assert_eq!(sample_string("1.50").unwrap(), "1.5");
        assert_eq!(sample_string("1e6").unwrap(), "1000000");
        assert_eq!(sample_string("0.000001").unwrap(), "0.000001");
        assert_eq!(sample_string("NaN").unwrap(), "NaN");
        assert_eq!(sample_string("+Inf").unwrap(), "+Inf");
        assert!(sample_string("x").is_err());
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_millis(450)), "450ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(125)), "2m5s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn conditions_are_cue_comparisons() {
        assert!(compare("3", ">=3").unwrap());
        assert!(!compare("2.5", ">=3").unwrap());
        assert!(compare("0.99", "> 0.95").unwrap());
        assert!(compare("5", "== 5").unwrap());
        assert!(compare("1", "+ 1").is_err(), "not a boolean");
    }
}
