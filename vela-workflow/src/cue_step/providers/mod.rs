//! The standard providers: `vela/builtin`, `vela/kube`, `vela/util`, `vela/email` here;
//! `vela/http`, `vela/time`, `vela/config` and `vela/metrics` in their modules.

mod config;
mod http_do;
mod metrics;
pub mod time;

pub use config::Config;
pub use http_do::Http;
pub use metrics::Metrics;
pub use time::Time;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};

use super::{Call, Provider};
use crate::cluster::{Key, Objects};
use crate::step::{self, Context};
use crate::time::parse_duration;
use crate::{http, smtp};

pub(super) fn s<'a>(p: &'a Value, field: &str) -> Option<&'a str> {
    p.get(field).and_then(Value::as_str)
}

fn msg(p: &Value) -> String {
    s(p, "message").unwrap_or_default().to_owned()
}

/// `vela/builtin` (and the builtin actions of the legacy `vela/op`): `#Suspend`,
/// `#ConditionalWait`, `#Break`, `#Fail`, `#Message`, `#DoVar`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Builtin;

#[async_trait]
impl Provider for Builtin {
    async fn call(&self, action: &str, p: Value, label: &str, ctx: &mut Context<'_>) -> step::Result<Call> {
        match action {
            "suspend" => {
                let duration = match s(&p, "duration") {
                    Some(d) => Some(parse_duration(d).map_err(|e| step::Error::new("$params.duration", e))?),
                    None => None,
                };
                let message =
                    s(&p, "message").map_or_else(|| format!("Suspended by field {label}"), str::to_owned);
                crate::steps::suspend_action(ctx, duration, message, label)?;
                Ok(if ctx.phase() == Some(crate::status::StepPhase::Suspending) {
                    Call::Stop
                } else {
                    Call::Done
                })
            }
            "wait" => {
                if p.get("continue").and_then(Value::as_bool).unwrap_or(false) {
                    Ok(Call::Done)
                } else {
                    ctx.wait(msg(&p));
                    Ok(Call::Stop)
                }
            }
            "break" => {
                ctx.terminate(msg(&p));
                Ok(Call::Stop)
            }
            "fail" => {
                ctx.fail(msg(&p));
                Ok(Call::Stop)
            }
            "message" => {
                ctx.message(msg(&p));
                Ok(Call::Done)
            }
            "var" => {
                let path = s(&p, "path")
                    .ok_or_else(|| step::Error::msg("$params.path: expected a string"))?
                    .to_owned();
                match s(&p, "method").unwrap_or("Get") {
                    "Put" => {
                        ctx.set_var(&path, p.get("value").cloned().unwrap_or(Value::Null));
                        Ok(Call::Done)
                    }
                    _ => {
                        let v = ctx
                            .var(&path)
                            .cloned()
                            .ok_or_else(|| step::Error::msg(format!("var {path} not found")))?;
                        Ok(Call::Returns(json!({"value": v})))
                    }
                }
            }
            "steps" => Ok(Call::Done),
            other => Err(step::Error::msg(format!(
                "builtin provider has no action {other:?}"
            ))),
        }
    }
}

/// `vela/kube`: `#Apply`, `#ApplyInParallel`, `#Patch`, `#Read`, `#List`, `#Delete` (by name
/// or filter) over [`Objects`].
#[derive(Clone)]
pub struct Kube {
    objects: Arc<dyn Objects>,
}

impl Kube {
    /// The provider over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

#[async_trait]
impl Provider for Kube {
    async fn call(&self, action: &str, p: Value, _label: &str, ctx: &mut Context<'_>) -> step::Result<Call> {
        let cluster = s(&p, "cluster").unwrap_or("").to_owned();
        let ns = ctx
            .context()
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        let mut value = p.get("value").cloned().unwrap_or(Value::Null);
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut)
            && meta
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            meta.insert("namespace".into(), Value::String(ns.clone()));
        }
        match action {
            "apply" => {
                if let Some(patch) = p.get("patch").filter(|v| v.is_object()) {
                    merge(&mut value, patch.clone());
                }
                let applied = self
                    .objects
                    .apply(&cluster, value)
                    .await
                    .map_err(|e| step::Error::new("apply", e))?;
                Ok(Call::Returns(json!({"value": applied})))
            }
            "read" => {
                let key = Key::of(&cluster, &value).map_err(|e| step::Error::new("$params.value", e))?;
                let obj = self
                    .objects
                    .get(&key)
                    .await
                    .map_err(|e| step::Error::new("read", e))?;
                let obj = obj.ok_or_else(|| {
                    step::Error::msg(format!("{} {}/{} not found", key.kind, key.namespace, key.name))
                })?;
                Ok(Call::Returns(json!({"value": obj})))
            }
            "list" => {
                let r = p.get("resource").cloned().unwrap_or(Value::Null);
                let f = p.get("filter").cloned().unwrap_or(Value::Null);
                let labels = matching_labels(&f);
                let items = self
                    .objects
                    .list(
                        &cluster,
                        s(&r, "apiVersion").unwrap_or(""),
                        s(&r, "kind").unwrap_or(""),
                        s(&f, "namespace").unwrap_or(""),
                        &labels,
                    )
                    .await
                    .map_err(|e| step::Error::new("list", e))?;
                Ok(Call::Returns(
                    json!({"values": {"apiVersion": "v1", "kind": "List", "items": items}}),
                ))
            }
            "patch" => {
                let key = Key::of(&cluster, &value).map_err(|e| step::Error::new("$params.value", e))?;
                let current = self
                    .objects
                    .get(&key)
                    .await
                    .map_err(|e| step::Error::new("read", e))?;
                let mut obj = current.ok_or_else(|| {
                    step::Error::msg(format!("{} {}/{} not found", key.kind, key.namespace, key.name))
                })?;
                if let Some(patch) = p.get("patch").filter(|v| v.is_object()) {
                    merge(&mut obj, patch.clone());
                }
                let applied = self
                    .objects
                    .apply(&cluster, obj)
                    .await
                    .map_err(|e| step::Error::new("patch", e))?;
                Ok(Call::Returns(json!({"result": applied})))
            }
            "apply-in-parallel" => {
                let items = p
                    .get("value")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut applied = Vec::with_capacity(items.len());
                for mut obj in items {
                    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut)
                        && meta
                            .get("namespace")
                            .and_then(Value::as_str)
                            .is_none_or(str::is_empty)
                    {
                        meta.insert("namespace".into(), Value::String(ns.clone()));
                    }
                    applied.push(
                        self.objects
                            .apply(&cluster, obj)
                            .await
                            .map_err(|e| step::Error::new("apply", e))?,
                    );
                }
                Ok(Call::Returns(json!({"value": applied})))
            }
            "delete" => {
                let named = value
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty());
                if named {
                    let key = Key::of(&cluster, &value).map_err(|e| step::Error::new("$params.value", e))?;
                    self.objects
                        .delete(&key)
                        .await
                        .map_err(|e| step::Error::new("delete", e))?;
                    return Ok(Call::Done);
                }
                // No name: delete what the filter selects (namespace and labels).
                let f = p.get("filter").cloned().unwrap_or(Value::Null);
                let labels = matching_labels(&f);
                let items = self
                    .objects
                    .list(
                        &cluster,
                        s(&value, "apiVersion").unwrap_or(""),
                        s(&value, "kind").unwrap_or(""),
                        s(&f, "namespace").unwrap_or(""),
                        &labels,
                    )
                    .await
                    .map_err(|e| step::Error::new("list", e))?;
                for obj in items {
                    let key = Key::of(&cluster, &obj).map_err(|e| step::Error::new("listed object", e))?;
                    self.objects
                        .delete(&key)
                        .await
                        .map_err(|e| step::Error::new("delete", e))?;
                }
                Ok(Call::Done)
            }
            other => Err(step::Error::msg(format!("kube provider has no action {other:?}"))),
        }
    }
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(x) => merge(x, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// `vela/util`: `#ConvertString` (bytes to string) and `#Log`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Util;

#[async_trait]
impl Provider for Util {
    async fn call(&self, action: &str, p: Value, _label: &str, _ctx: &mut Context<'_>) -> step::Result<Call> {
        match action {
            "string" => {
                let str_ = match p.get("bt") {
                    // CUE bytes export to JSON as base64, and Go decodes them back into []byte.
                    Some(Value::String(s)) => {
                        let bytes = base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| {
                            step::Error::new("$params.bt: expected bytes (base64 in JSON)", e)
                        })?;
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    Some(Value::Array(a)) => {
                        let bytes: Vec<u8> = a
                            .iter()
                            .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                            .collect();
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                    _ => return Err(step::Error::msg("$params.bt: expected bytes")),
                };
                Ok(Call::Returns(json!({"str": str_})))
            }
            "log" => {
                let data = p.get("data").map(ToString::to_string).unwrap_or_default();
                tracing::info!(data = %data, "workflow step log");
                Ok(Call::Done)
            }
            other => Err(step::Error::msg(format!("util provider has no action {other:?}"))),
        }
    }
}

/// `vela/email`: `#SendEmail` over SMTP, through the HTTP client's address guard.
#[derive(Clone, Debug)]
pub struct Email {
    http: http::Client,
}

impl Email {
    /// The provider (the guard of `http` decides which servers may be contacted).
    #[must_use]
    pub fn new(http: http::Client) -> Self {
        Self { http }
    }
}

#[async_trait]
impl Provider for Email {
    async fn call(&self, action: &str, p: Value, _label: &str, _ctx: &mut Context<'_>) -> step::Result<Call> {
        if action != "send" {
            return Err(step::Error::msg(format!(
                "email provider has no action {action:?}"
            )));
        }
        let from = p.get("from").cloned().unwrap_or(Value::Null);
        let content = p.get("content").cloned().unwrap_or(Value::Null);
        let need = |v: &Value, f: &str| {
            s(v, f)
                .map(str::to_owned)
                .ok_or_else(|| step::Error::msg(format!("$params.{f}: expected a string")))
        };
        let msg = smtp::Message {
            from: need(&from, "address")?,
            alias: s(&from, "alias").map(str::to_owned),
            to: p
                .get("to")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            subject: need(&content, "subject")?,
            body: need(&content, "body")?,
        };
        let server = smtp::Server {
            host: need(&from, "host")?,
            port: from
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(587),
            username: msg.from.clone(),
            password: s(&from, "password").unwrap_or_default().to_owned(),
        };
        smtp::send(&self.http, &server, &msg, Duration::from_secs(30))
            .await
            .map_err(|e| step::Error::new("send email", e))?;
        Ok(Call::Done)
    }
}

/// The `matchingLabels` of a list/delete `filter` (string values only).
fn matching_labels(filter: &Value) -> BTreeMap<String, String> {
    filter
        .get("matchingLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}
