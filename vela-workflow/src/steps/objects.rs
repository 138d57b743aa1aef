//! Resource steps: `apply-object`, `read-object`, `export2config`, `export2secret`.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::cluster::{Key, Objects};
use crate::step::{self, Context, StepType};

pub(crate) fn param_str<'a>(p: &'a Value, field: &str) -> step::Result<Option<&'a str>> {
    match p.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(step::Error::msg(format!(
            "parameter.{field}: expected a string, found {other}"
        ))),
    }
}

pub(crate) fn required_str<'a>(p: &'a Value, field: &str) -> step::Result<&'a str> {
    param_str(p, field)?
        .ok_or_else(|| step::Error::msg(format!("parameter.{field}: required string is missing")))
}

fn context_namespace(ctx: &Context<'_>) -> String {
    ctx.context()
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_owned()
}

async fn apply(
    objects: &dyn Objects,
    ctx: &Context<'_>,
    cluster: &str,
    mut obj: Value,
) -> step::Result<Value> {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut)
        && meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        meta.insert("namespace".into(), Value::String(context_namespace(ctx)));
    }
    objects
        .apply(cluster, obj)
        .await
        .map_err(|e| step::Error::new("apply", e))
}

/// `apply-object`: applies `parameter.value` to `parameter.cluster` (KubeVela's `kube.#Apply`).
/// Returns `{apply: {$returns: {value: <applied object>}}}`.
#[derive(Clone)]
pub struct ApplyObject {
    objects: Arc<dyn Objects>,
}

impl ApplyObject {
    /// The step over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

#[async_trait]
impl StepType for ApplyObject {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let value = match p.get("value") {
            Some(v @ Value::Object(_)) => v.clone(),
            _ => return Err(step::Error::msg("parameter.value: expected a Kubernetes object")),
        };
        let cluster = param_str(&p, "cluster")?.unwrap_or("");
        let applied = apply(self.objects.as_ref(), ctx, cluster, value).await?;
        Ok(json!({"apply": {"$params": p, "$returns": {"value": applied}}}))
    }
}

/// `read-object`: reads an object (defaults: `core.oam.dev/v1beta1` `Application` in
/// `default`). Returns `{output: {$returns: {value: <object>}}}`, so `valueFrom:
/// output.value.status` works. A missing object is an error, retried with backoff.
#[derive(Clone)]
pub struct ReadObject {
    objects: Arc<dyn Objects>,
}

impl ReadObject {
    /// The step over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

#[async_trait]
impl StepType for ReadObject {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter();
        let key = Key {
            cluster: param_str(p, "cluster")?.unwrap_or("").to_owned(),
            api_version: param_str(p, "apiVersion")?
                .unwrap_or("core.oam.dev/v1beta1")
                .to_owned(),
            kind: param_str(p, "kind")?.unwrap_or("Application").to_owned(),
            namespace: param_str(p, "namespace")?.unwrap_or("default").to_owned(),
            name: required_str(p, "name")?.to_owned(),
        };
        let obj = self
            .objects
            .get(&key)
            .await
            .map_err(|e| step::Error::new("read", e))?;
        let obj = obj.ok_or_else(|| {
            step::Error::msg(format!("{} {}/{} not found", key.kind, key.namespace, key.name))
        })?;
        Ok(json!({"output": {"$returns": {"value": obj}}}))
    }
}

/// `export2config`: writes `parameter.data` to ConfigMap `parameter.configName`.
#[derive(Clone)]
pub struct Export2Config {
    objects: Arc<dyn Objects>,
}

impl Export2Config {
    /// The step over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

#[async_trait]
impl StepType for Export2Config {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let name = required_str(&p, "configName")?;
        let data = match p.get("data") {
            Some(d @ Value::Object(_)) => d.clone(),
            _ => return Err(step::Error::msg("parameter.data: expected an object")),
        };
        let ns = param_str(&p, "namespace")?.map_or_else(|| context_namespace(ctx), str::to_owned);
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns}, "data": data});
        let cluster = param_str(&p, "cluster")?.unwrap_or("");
        let applied = apply(self.objects.as_ref(), ctx, cluster, cm).await?;
        Ok(json!({"apply": {"$returns": {"value": applied}}}))
    }
}

/// `export2secret`: writes `parameter.data` (or docker registry credentials with
/// `kind: docker-registry`) to Secret `parameter.secretName`.
#[derive(Clone)]
pub struct Export2Secret {
    objects: Arc<dyn Objects>,
}

impl Export2Secret {
    /// The step over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

#[async_trait]
impl StepType for Export2Secret {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let p = ctx.parameter().clone();
        let name = required_str(&p, "secretName")?;
        let mut data = match p.get("data") {
            Some(Value::Object(d)) => d.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(step::Error::msg("parameter.data: expected an object")),
        };
        let kind = param_str(&p, "kind")?.unwrap_or("generic");
        if kind != "generic" && kind != "docker-registry" {
            return Err(step::Error::msg(format!(
                "parameter.kind: expected \"generic\" or \"docker-registry\", found {kind:?}"
            )));
        }
        let mut type_ = param_str(&p, "type")?.map(str::to_owned);
        if let (Some(reg), "docker-registry") = (p.get("dockerRegistry").filter(|v| !v.is_null()), kind) {
            let user = required_str(reg, "username").map_err(|_| {
                step::Error::msg("parameter.dockerRegistry.username: required string is missing")
            })?;
            let pass = required_str(reg, "password").map_err(|_| {
                step::Error::msg("parameter.dockerRegistry.password: required string is missing")
            })?;
            let server = param_str(reg, "server")?.unwrap_or("https://index.docker.io/v1/");
            let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            let config = json!({"auths": {server: {"username": user, "password": pass, "auth": auth}}});
            data = Map::new();
            data.insert(".dockerconfigjson".into(), Value::String(config.to_string()));
            if type_.is_none() {
                type_ = Some("kubernetes.io/dockerconfigjson".into());
            }
        }
        let ns = param_str(&p, "namespace")?.map_or_else(|| context_namespace(ctx), str::to_owned);
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": ns}, "stringData": data});
        if let Some(t) = type_ {
            secret["type"] = Value::String(t);
        }
        let cluster = param_str(&p, "cluster")?.unwrap_or("");
        let applied = apply(self.objects.as_ref(), ctx, cluster, secret).await?;
        Ok(json!({"secret": {"apply": {"$returns": {"value": applied}}}}))
    }
}
