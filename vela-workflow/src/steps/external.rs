//! External integration steps: `request`, `webhook`, `notification`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};

use super::objects::{param_str, required_str};
use crate::cluster::{Key, Objects};
use crate::http::{self, Request};
use crate::smtp;
use crate::step::{self, Context, StepType};

fn returns(resp: &http::Response) -> Value {
    json!({"body": resp.body, "header": resp.headers, "statusCode": resp.status})
}

/// `request`: sends `parameter.method` (default GET) to `parameter.url` with an optional JSON
/// `body` and `header`; fails the step (reason `Action`) on a status above 400; the response
/// body, parsed as JSON, is `response`.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    http: http::Client,
}

impl HttpRequest {
    /// The step over the guarded client.
    #[must_use]
    pub fn new(http: http::Client) -> Self {
        Self { http }
    }
}

#[async_trait]
impl StepType for HttpRequest {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let url = required_str(&p, "url")?.to_owned();
        let method = param_str(&p, "method")?.unwrap_or("GET");
        if !matches!(method, "GET" | "POST" | "PUT" | "DELETE") {
            return Err(step::Error::msg(format!(
                "parameter.method: expected GET, POST, PUT or DELETE, found {method:?}"
            )));
        }
        let mut req = Request {
            method: method.to_owned(),
            url: url.clone(),
            ..Request::default()
        };
        match p.get("body") {
            None | Some(Value::Null) => {}
            Some(b @ Value::Object(_)) => req.body = Some(b.to_string()),
            Some(_) => return Err(step::Error::msg("parameter.body: expected an object")),
        }
        match p.get("header") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (k, v) in h {
                    let v = v.as_str().ok_or_else(|| {
                        step::Error::msg(format!("parameter.header.{k}: expected a string"))
                    })?;
                    req.headers.insert(k.clone(), v.to_owned());
                }
            }
            Some(_) => return Err(step::Error::msg("parameter.header: expected a map of strings")),
        }
        let resp = self
            .http
            .send(req)
            .await
            .map_err(|e| step::Error::new("request", e))?;
        if resp.status > 400 {
            ctx.fail(format!("request of {url} is fail: {}", resp.status));
            return Ok(json!({"req": {"$returns": returns(&resp)}}));
        }
        let response: Value = serde_json::from_str(&resp.body)
            .map_err(|e| step::Error::new(format!("response of {url} is not JSON"), e))?;
        Ok(json!({"req": {"$returns": returns(&resp)}, "response": response}))
    }
}

/// Resolves `{value: url}` or `{secretRef: {name, key}}` (a Secret in the run's namespace).
async fn url_or_secret(
    objects: &dyn Objects,
    ctx: &Context<'_>,
    v: Option<&Value>,
    field: &str,
) -> step::Result<String> {
    let v = v.ok_or_else(|| step::Error::msg(format!("{field}: expected {{value}} or {{secretRef}}")))?;
    if let Some(s) = v.get("value").and_then(Value::as_str) {
        return Ok(s.to_owned());
    }
    let r = v
        .get("secretRef")
        .ok_or_else(|| step::Error::msg(format!("{field}: expected {{value}} or {{secretRef}}")))?;
    let name = required_str(r, "name")
        .map_err(|_| step::Error::msg(format!("{field}.secretRef.name: required string is missing")))?;
    let key = required_str(r, "key")
        .map_err(|_| step::Error::msg(format!("{field}.secretRef.key: required string is missing")))?;
    let ns = ctx
        .context()
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let k = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: ns.into(),
        name: name.into(),
    };
    let secret = objects
        .get(&k)
        .await
        .map_err(|e| step::Error::new("read secret", e))?;
    let secret = secret.ok_or_else(|| step::Error::msg(format!("secret {ns}/{name} not found")))?;
    if let Some(s) = secret
        .pointer(&format!("/stringData/{key}"))
        .and_then(Value::as_str)
    {
        return Ok(s.to_owned());
    }
    let data = secret
        .pointer(&format!("/data/{key}"))
        .and_then(Value::as_str)
        .ok_or_else(|| step::Error::msg(format!("secret {ns}/{name} has no key {key:?}")))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| step::Error::new(format!("secret {ns}/{name} key {key:?} is not base64"), e))?;
    String::from_utf8(bytes).map_err(|e| step::Error::new(format!("secret {ns}/{name} key {key:?}"), e))
}

async fn post_json(http: &http::Client, url: String, body: String) -> step::Result<http::Response> {
    let headers = BTreeMap::from([("Content-Type".to_owned(), "application/json".to_owned())]);
    http.send(Request {
        method: "POST".into(),
        url,
        headers,
        body: Some(body),
        timeout: None,
        ..Request::default()
    })
    .await
    .map_err(|e| step::Error::new("post", e))
}

/// `webhook`: POSTs `parameter.data` (default: the Application named by `context.name`) as
/// JSON to `parameter.url` (`{value}` or `{secretRef}`).
#[derive(Clone)]
pub struct Webhook {
    http: http::Client,
    objects: Arc<dyn Objects>,
}

impl Webhook {
    /// The step over the guarded client and an object store (for secrets and the app).
    pub fn new(http: http::Client, objects: Arc<dyn Objects>) -> Self {
        Self { http, objects }
    }
}

#[async_trait]
impl StepType for Webhook {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let body = match p.get("data") {
            Some(d) if !d.is_null() => d.to_string(),
            _ => {
                let name = ctx
                    .context()
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ns = ctx
                    .context()
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default");
                let k = Key {
                    cluster: String::new(),
                    api_version: "core.oam.dev/v1beta1".into(),
                    kind: "Application".into(),
                    namespace: ns.into(),
                    name: name.into(),
                };
                let app = self
                    .objects
                    .get(&k)
                    .await
                    .map_err(|e| step::Error::new("read application", e))?;
                app.ok_or_else(|| step::Error::msg(format!("application {ns}/{name} not found")))?
                    .to_string()
            }
        };
        let url = url_or_secret(self.objects.as_ref(), ctx, p.get("url"), "parameter.url").await?;
        let resp = post_json(&self.http, url, body).await?;
        Ok(json!({"webhook": {"req": {"$returns": returns(&resp)}}}))
    }
}

/// `notification`: sends to any of `lark`, `dingding`, `slack` (their webhook payloads) and
/// `email` (SMTP).
#[derive(Clone)]
pub struct Notification {
    http: http::Client,
    objects: Arc<dyn Objects>,
    smtp_timeout: Duration,
}

impl Notification {
    /// The step over the guarded client and an object store (for secrets).
    pub fn new(http: http::Client, objects: Arc<dyn Objects>) -> Self {
        Self {
            http,
            objects,
            smtp_timeout: Duration::from_secs(30),
        }
    }
}

#[async_trait]
impl StepType for Notification {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let mut out = serde_json::Map::new();
        for (channel, field) in [("lark", "lark"), ("ding", "dingding"), ("slack", "slack")] {
            let Some(cfg) = p.get(field).filter(|v| !v.is_null()) else {
                continue;
            };
            let mut message = cfg
                .get("message")
                .filter(|m| m.is_object())
                .cloned()
                .ok_or_else(|| step::Error::msg(format!("parameter.{field}.message: expected an object")))?;
            // The definition's defaults (Slack's `mrkdwn?: *true | bool` is optional, so CUE
            // does not send it; DingTalk's `msgtype: *"text" | ...` is required, so it does).
            if field == "dingding" && message.get("msgtype").is_none() {
                message["msgtype"] = Value::String("text".into());
            }
            let url = url_or_secret(
                self.objects.as_ref(),
                ctx,
                cfg.get("url"),
                &format!("parameter.{field}.url"),
            )
            .await?;
            let resp = post_json(&self.http, url, message.to_string()).await?;
            out.insert(channel.into(), json!({"$returns": returns(&resp)}));
        }
        if let Some(email) = p.get("email").filter(|v| !v.is_null()) {
            let from = email
                .get("from")
                .ok_or_else(|| step::Error::msg("parameter.email.from: expected an object"))?;
            let address = required_str(from, "address")
                .map_err(|_| step::Error::msg("parameter.email.from.address: required string is missing"))?;
            let password = url_or_secret(
                self.objects.as_ref(),
                ctx,
                from.get("password"),
                "parameter.email.from.password",
            )
            .await?;
            let host = required_str(from, "host")
                .map_err(|_| step::Error::msg("parameter.email.from.host: required string is missing"))?;
            let port = match from.get("port") {
                None | Some(Value::Null) => 587,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| step::Error::msg("parameter.email.from.port: expected a port number"))?,
            };
            let to: Vec<String> = email
                .get("to")
                .and_then(Value::as_array)
                .ok_or_else(|| step::Error::msg("parameter.email.to: expected a list of addresses"))?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| step::Error::msg("parameter.email.to: expected a list of addresses"))?;
            let content = email
                .get("content")
                .ok_or_else(|| step::Error::msg("parameter.email.content: expected {subject, body}"))?;
            let msg = smtp::Message {
                from: address.to_owned(),
                alias: param_str(from, "alias")?.map(str::to_owned),
                to,
                subject: required_str(content, "subject")
                    .map_err(|_| {
                        step::Error::msg("parameter.email.content.subject: required string is missing")
                    })?
                    .to_owned(),
                body: required_str(content, "body")
                    .map_err(|_| {
                        step::Error::msg("parameter.email.content.body: required string is missing")
                    })?
                    .to_owned(),
            };
            let server = smtp::Server {
                host: host.to_owned(),
                port,
                username: address.to_owned(),
                password,
            };
            smtp::send(&self.http, &server, &msg, self.smtp_timeout)
                .await
                .map_err(|e| step::Error::new("send email", e))?;
            out.insert("email0".into(), json!({"sent": msg.to.len()}));
        }
        Ok(Value::Object(out))
    }
}
