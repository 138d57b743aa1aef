//! `vela/http`: `#HTTPDo` (and `#HTTPGet`/`Post`/`Put`/`Delete`) through the guarded client,
//! as KubeVela's `http` provider: headers and trailers, a per-URL rate limiter, headers read
//! from Secrets and a TLS configuration (CA and client certificate) read from a Secret.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};

use super::s;
use crate::cluster::{Key, Objects};
use crate::cue_step::{Call, Provider};
use crate::http;
use crate::step::{self, Context};
use crate::time::parse_duration;

/// `vela/http`: `#HTTPDo` through the guarded client, reading Secrets through [`Objects`].
#[derive(Clone)]
pub struct Http {
    http: http::Client,
    objects: Arc<dyn Objects>,
    limiter: Arc<Mutex<RateLimiter>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl Http {
    /// The provider over the guarded client; Secrets (`headersFromSecret`, `tls_config`) are
    /// read from `objects`.
    #[must_use]
    pub fn new(http: http::Client, objects: Arc<dyn Objects>) -> Self {
        Self {
            http,
            objects,
            limiter: Arc::default(),
        }
    }
}

/// How many `(method, URL)` limiters are kept (least recently used dropped), as KubeVela.
const LIMITERS: usize = 128;

/// KubeVela's rate limiter: per `METHOD-url-without-query`, a token bucket holding `limit`
/// tokens that refills one token every `period` (Go's `rate.NewLimiter(rate.Every(period),
/// limit)`); a limiter is replaced when the step asks for other numbers.
#[derive(Debug, Default)]
struct RateLimiter {
    buckets: HashMap<String, Bucket>,
    tick: u64,
}

#[derive(Debug)]
struct Bucket {
    limit: u32,
    period: Duration,
    tokens: f64,
    at: tokio::time::Instant,
    used: u64,
}

impl RateLimiter {
    fn allow(&mut self, id: &str, limit: u32, period: Duration, now: tokio::time::Instant) -> bool {
        self.tick += 1;
        let tick = self.tick;
        let fresh = || Bucket {
            limit,
            period,
            tokens: f64::from(limit),
            at: now,
            used: tick,
        };
        let b = self.buckets.entry(id.to_owned()).or_insert_with(fresh);
        if b.limit != limit || b.period != period {
            *b = fresh();
        }
        b.used = tick;
        if !b.period.is_zero() {
            let refill = now.duration_since(b.at).as_secs_f64() / b.period.as_secs_f64();
            b.tokens = (b.tokens + refill).min(f64::from(b.limit));
        } else {
            b.tokens = f64::from(b.limit);
        }
        b.at = now;
        let ok = b.tokens >= 1.0;
        if ok {
            b.tokens -= 1.0;
        }
        if self.buckets.len() > LIMITERS
            && let Some(oldest) = self
                .buckets
                .iter()
                .min_by_key(|(_, b)| b.used)
                .map(|(k, _)| k.clone())
        {
            self.buckets.remove(&oldest);
        }
        ok
    }
}

fn strings(v: Option<&Value>, field: &str) -> step::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                    other => other.to_string(),
                };
                out.insert(k.clone(), v);
            }
        }
        Some(_) => return Err(step::Error::msg(format!("{field}: expected a map of strings"))),
    }
    Ok(out)
}

/// Reads a Secret's `data` (base64-decoded) or `stringData` value.
async fn secret_key(
    objects: &dyn Objects,
    ns: &str,
    name: &str,
    key: &str,
    field: &str,
) -> step::Result<Vec<u8>> {
    let secret = read_secret(objects, ns, name, field).await?;
    if let Some(s) = secret
        .pointer(&format!("/stringData/{key}"))
        .and_then(Value::as_str)
    {
        return Ok(s.as_bytes().to_vec());
    }
    let data = secret
        .pointer(&format!("/data/{key}"))
        .and_then(Value::as_str)
        .ok_or_else(|| step::Error::msg(format!("{field}: secret {ns}/{name} has no key {key:?}")))?;
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| {
            step::Error::new(
                format!("{field}: secret {ns}/{name} key {key:?} is not base64"),
                e,
            )
        })
}

async fn read_secret(objects: &dyn Objects, ns: &str, name: &str, field: &str) -> step::Result<Value> {
    let k = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: ns.into(),
        name: name.into(),
    };
    objects
        .get(&k)
        .await
        .map_err(|e| step::Error::new(format!("{field}: read secret {ns}/{name}"), e))?
        .ok_or_else(|| step::Error::msg(format!("{field}: secret {ns}/{name} not found")))
}

/// A PEM value of a `tls_config` Secret. KubeVela base64-decodes the Secret's (already
/// decoded) data once more, so its Secrets hold base64 of the PEM; plain PEM is accepted too.
fn pem(bytes: &[u8], field: &str) -> step::Result<String> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    if text.trim_start().starts_with("-----BEGIN") {
        return Ok(text);
    }
    let compact: String = text.split_whitespace().collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| step::Error::new(format!("{field}: expected PEM or base64 of PEM"), e))?;
    let text = String::from_utf8(decoded)
        .map_err(|e| step::Error::new(format!("{field}: expected PEM or base64 of PEM"), e))?;
    if !text.trim_start().starts_with("-----BEGIN") {
        return Err(step::Error::msg(format!(
            "{field}: expected PEM or base64 of PEM"
        )));
    }
    Ok(text)
}

impl Http {
    async fn tls(&self, p: &Value, ns: &str) -> step::Result<Option<http::Tls>> {
        let Some(cfg) = p.get("tls_config").filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let secret = s(cfg, "secret")
            .filter(|x| !x.is_empty())
            .ok_or_else(|| step::Error::msg("$params.tls_config.secret: expected a Secret name"))?;
        let (ns, name) = match secret.split_once('/') {
            Some((n, name)) if !n.is_empty() => (n.to_owned(), name.to_owned()),
            _ => (
                s(cfg, "namespace")
                    .filter(|x| !x.is_empty())
                    .unwrap_or(ns)
                    .to_owned(),
                secret.to_owned(),
            ),
        };
        let field = "$params.tls_config";
        let obj = read_secret(&*self.objects, &ns, &name, field).await?;
        let get = |key: &str| -> step::Result<Option<String>> {
            let Some(data) = obj
                .pointer(&format!("/data/{}", key.replace('/', "~1")))
                .and_then(Value::as_str)
            else {
                return obj
                    .pointer(&format!("/stringData/{key}"))
                    .and_then(Value::as_str)
                    .map(|s| pem(s.as_bytes(), &format!("{field}: secret {ns}/{name} {key}")))
                    .transpose();
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| {
                    step::Error::new(
                        format!("{field}: secret {ns}/{name} key {key:?} is not base64"),
                        e,
                    )
                })?;
            Ok(Some(pem(&raw, &format!("{field}: secret {ns}/{name} {key}"))?))
        };
        let ca = get("ca.crt")?;
        let client_identity = match (get("client.crt")?, get("client.key")?) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => {
                return Err(step::Error::msg(format!(
                    "{field}: secret {ns}/{name} must hold both client.crt and client.key, or neither"
                )));
            }
        };
        Ok(Some(http::Tls { ca, client_identity }))
    }
}

#[async_trait]
impl Provider for Http {
    async fn call(&self, action: &str, p: Value, _label: &str, ctx: &mut Context<'_>) -> step::Result<Call> {
        if action != "do" {
            return Err(step::Error::msg(format!(
                "http provider has no action {action:?}"
            )));
        }
        let ns = ctx
            .context()
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        let method = s(&p, "method").unwrap_or("GET").to_owned();
        let url = s(&p, "url")
            .ok_or_else(|| step::Error::msg("$params.url: expected a string"))?
            .to_owned();
        let req = p.get("request").cloned().unwrap_or(Value::Null);
        let timeout = match s(&req, "timeout") {
            Some(t) => Some(parse_duration(t).map_err(|e| step::Error::new("$params.request.timeout", e))?),
            None => None,
        };
        // Go decodes JSON field names case-insensitively: `ratelimiter` or `rateLimiter`.
        let limiter = req
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("ratelimiter")))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_null());
        if let Some(rl) = limiter {
            let field = "$params.request.ratelimiter";
            let limit = rl
                .get("limit")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| step::Error::msg(format!("{field}.limit: expected a non-negative int")))?;
            let period_s = s(&rl, "period")
                .ok_or_else(|| step::Error::msg(format!("{field}.period: expected a duration")))?;
            let period =
                parse_duration(period_s).map_err(|e| step::Error::new(format!("{field}.period"), e))?;
            let id = format!("{method}-{}", url.split('?').next().unwrap_or(&url));
            let allowed = self.limiter.lock().expect("rate limiter poisoned").allow(
                &id,
                limit,
                period,
                tokio::time::Instant::now(),
            );
            if !allowed {
                return Err(step::Error::msg(format!(
                    "request exceeds the rate limiter: {method} {} allows {limit} request(s), then one every {period_s}",
                    url.split('?').next().unwrap_or(&url)
                )));
            }
        }
        let mut headers = strings(req.get("header"), "$params.request.header")?;
        if let Some(list) = req.get("headersFromSecret").filter(|v| !v.is_null()) {
            let list = list
                .as_array()
                .ok_or_else(|| step::Error::msg("$params.request.headersFromSecret: expected a list"))?;
            for (i, h) in list.iter().enumerate() {
                let field = format!("$params.request.headersFromSecret[{i}]");
                let need = |f: &str| {
                    s(h, f)
                        .filter(|x| !x.is_empty())
                        .ok_or_else(|| step::Error::msg(format!("{field}.{f}: expected a string")))
                };
                let (header, secret, key) = (need("header")?, need("secret")?, need("key")?);
                let value = secret_key(&*self.objects, &ns, secret, key, &field).await?;
                let value = String::from_utf8(value)
                    .map_err(|e| step::Error::new(format!("{field}: value of {secret}/{key}"), e))?;
                headers.insert(header.to_owned(), value.trim_end_matches(['\r', '\n']).to_owned());
            }
        }
        if headers.is_empty() {
            headers.insert("Content-Type".into(), "application/json".into());
        }
        let trailers = strings(req.get("trailer"), "$params.request.trailer")?;
        let tls = self.tls(&p, &ns).await?;
        let r = http::Request {
            method,
            url,
            headers,
            body: s(&req, "body").map(str::to_owned),
            body_bytes: None,
            timeout,
            trailers,
            tls,
        };
        let resp = self.http.send(r).await.map_err(|e| step::Error::new("http", e))?;
        let mut out =
            json!({"body": resp.body, "header": canonical(resp.headers), "statusCode": resp.status});
        if !resp.trailers.is_empty() {
            out["trailer"] = json!(canonical(resp.trailers));
        }
        Ok(Call::Returns(out))
    }
}

/// Header names as Go's `http.Header` keys them (`CanonicalMIMEHeaderKey`: `content-type` is
/// `Content-Type`), so templates read `header["Content-Type"]` as with KubeVela.
fn canonical(h: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let key = |k: &str| {
        if k.bytes()
            .any(|c| !(c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)))
        {
            return k.to_owned();
        }
        let mut upper = true;
        k.chars()
            .map(|c| {
                let c = if upper {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                upper = c == '-';
                c
            })
            .collect()
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in h {
        out.entry(key(&k)).or_default().extend(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_canonical_like_go() {
        let h = BTreeMap::from([
            ("content-type".to_owned(), vec!["a".to_owned()]),
            ("x-request-id".to_owned(), vec!["b".to_owned()]),
            ("bad key".to_owned(), vec!["c".to_owned()]),
        ]);
        let keys: Vec<_> = canonical(h).into_keys().collect();
        assert_eq!(keys, ["Content-Type", "X-Request-Id", "bad key"]);
    }

    #[test]
    fn rate_limiter_is_a_token_bucket_per_method_and_url() {
        let mut rl = RateLimiter::default();
        let t0 = tokio::time::Instant::now();
        let min = Duration::from_secs(60);
        assert!(rl.allow("GET-u", 2, min, t0));
        assert!(rl.allow("GET-u", 2, min, t0));
        assert!(!rl.allow("GET-u", 2, min, t0));
        assert!(
            rl.allow("POST-u", 2, min, t0),
            "another method has its own bucket"
        );
        assert!(!rl.allow("GET-u", 2, min, t0 + Duration::from_secs(59)));
        assert!(rl.allow("GET-u", 2, min, t0 + Duration::from_secs(61)));
        assert!(!rl.allow("GET-u", 2, min, t0 + Duration::from_secs(62)));
        // Other numbers replace the limiter.
        assert!(rl.allow("GET-u", 3, min, t0 + Duration::from_secs(62)));
        for i in 0..200 {
            rl.allow(&format!("GET-{i}"), 1, min, t0);
        }
        assert_eq!(rl.buckets.len(), LIMITERS);
    }
}
