//! `vela/config`: `#CreateConfig`, `#ReadConfig`, `#ListConfig`, `#DeleteConfig`, storing
//! configs the way KubeVela does (`kubevela/workflow` `pkg/config`): a Secret per config, with
//! label `config.oam.dev/catalog: velacore-config`, the template name in
//! `config.oam.dev/type`, the properties as JSON in `data.input-properties`, and, for a config
//! made from a template (a ConfigMap `config-template-<name>` in `vela-system` or the
//! template's namespace), the Secret and extra objects rendered by the template's CUE.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::s;
use crate::cluster::{Key, Objects};
use crate::cue_step::{Call, Provider};
use crate::step::{self, Context};

/// Label marking a Secret as a config.
pub const LABEL_CATALOG: &str = "config.oam.dev/catalog";
/// Value of [`LABEL_CATALOG`].
pub const CATALOG: &str = "velacore-config";
/// Label holding the config's template name (`""` without a template).
pub const LABEL_TYPE: &str = "config.oam.dev/type";
/// Label holding the template's scope.
pub const LABEL_SCOPE: &str = "config.oam.dev/scope";
/// Secret key of the properties (JSON).
pub const DATA_PROPERTIES: &str = "input-properties";
/// Secret key of the references to the template's extra objects (JSON).
pub const DATA_OBJECT_REFERENCE: &str = "objects-reference";
const ANNO_SENSITIVE: &str = "config.oam.dev/sensitive";
const ANNO_ALIAS: &str = "config.oam.dev/alias";
const ANNO_DESCRIPTION: &str = "config.oam.dev/description";
const ANNO_TEMPLATE_NS: &str = "config.oam.dev/template-namespace";
const ANNO_LAST_APPLIED: &str = "config.oam.dev/last-applied-configuration";

/// `vela/config` over [`Objects`].
#[derive(Clone)]
pub struct Config {
    objects: Arc<dyn Objects>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").finish_non_exhaustive()
    }
}

impl Config {
    /// The provider over an object store.
    pub fn new(objects: Arc<dyn Objects>) -> Self {
        Self { objects }
    }
}

fn key(kind: &str, api_version: &str, ns: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

/// Go's `json.Marshal` of a map: keys sorted, at every level.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// JSON text as Go's `json.Marshal` writes it: keys sorted, `<`, `>`, `&`, U+2028 and U+2029
/// escaped (they only occur inside strings, so replacing them in the text is exact).
fn go_json(v: &Value) -> String {
    sorted(v)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn properties(secret: &Value, ns: &str, name: &str) -> step::Result<Option<Value>> {
    let Some(raw) = secret
        .pointer(&format!("/data/{DATA_PROPERTIES}"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .map_err(|e| step::Error::new(format!("config {ns}/{name}: {DATA_PROPERTIES} is not base64"), e))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        step::Error::new(
            format!("config {ns}/{name}: failed to unmarshal config properties"),
            e,
        )
    })
}

fn string_map(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

impl Config {
    /// Loads `config-template-<name>` and renders it: (Secret, extra objects).
    async fn render(
        &self,
        template: &str,
        template_ns: &str,
        name: &str,
        namespace: &str,
        props: &Value,
    ) -> step::Result<(Value, Vec<Value>)> {
        let cm_name = format!("config-template-{template}");
        let cm = self
            .objects
            .get(&key("ConfigMap", "v1", template_ns, &cm_name))
            .await
            .map_err(|e| step::Error::new(format!("read config template {template_ns}/{cm_name}"), e))?
            .ok_or_else(|| {
                step::Error::msg(format!(
                    "$params.template: the template does not exist (no ConfigMap {template_ns}/{cm_name})"
                ))
            })?;
        let script = cm
            .pointer("/data/template")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                step::Error::msg(format!(
                    "config template {template_ns}/{template} has no template data"
                ))
            })?;
        let sensitive = cm.pointer(&format!(
            "/metadata/annotations/{}",
            ANNO_SENSITIVE.replace('/', "~1")
        )) == Some(&json!("true"));
        let scope = cm
            .pointer(&format!("/metadata/labels/{}", LABEL_SCOPE.replace('/', "~1")))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let src = format!("{script}\ncontext: {{\n\tname: string\n\tnamespace: string\n}}\n");
        let err = |what: &str, e: vela_cue::Error| {
            step::Error::new(format!("config template {template_ns}/{template}: {what}"), e)
        };
        let inst = vela_cue::Program::compile(&format!("config-template-{template}.cue"), &src)
            .and_then(|p| {
                p.eval_with(&[
                    ("context", &json!({"name": name, "namespace": namespace})),
                    ("template.parameter", props),
                ])
            })
            .map_err(|e| err("failed to compile config template", e))?;
        let export = |path: &str| -> step::Result<Option<Value>> {
            match inst.lookup(path) {
                Ok(v) if v.exists() => v.to_json().map(Some).map_err(|e| err(path, e)),
                _ => Ok(None),
            }
        };
        if let Some(v) = export("template.validation.$returns")? {
            let message = s(&v, "message").unwrap_or_default();
            if !message.is_empty() {
                return Err(step::Error::msg(format!("failed to validate config: {message}")));
            }
        }
        let mut secret = export("template.output")?.unwrap_or_else(|| json!({}));
        if !secret.is_object() {
            return Err(step::Error::msg(format!(
                "config template {template_ns}/{template}: the output format must be secret"
            )));
        }
        if s(&secret, "type").is_none_or(str::is_empty) {
            secret["type"] = json!(format!("/{template}"));
        }
        let mut labels = string_map(secret.pointer("/metadata/labels"));
        labels.insert(LABEL_CATALOG.into(), json!(CATALOG));
        labels.insert(LABEL_TYPE.into(), json!(template));
        labels.insert(LABEL_SCOPE.into(), json!(scope));
        let mut annotations = string_map(secret.pointer("/metadata/annotations"));
        annotations.insert(ANNO_SENSITIVE.into(), json!(sensitive.to_string()));
        annotations.insert(ANNO_TEMPLATE_NS.into(), json!(template_ns));
        if !secret.get("metadata").is_some_and(Value::is_object) {
            secret["metadata"] = json!({});
        }
        secret["metadata"]["labels"] = Value::Object(labels);
        secret["metadata"]["annotations"] = Value::Object(annotations);
        let mut objects = Vec::new();
        if let Some(outputs) = export("template.outputs")? {
            let outputs = outputs.as_object().cloned().unwrap_or_default();
            let mut refs = Vec::new();
            for (_, obj) in outputs {
                if !obj.is_object() {
                    continue;
                }
                refs.push(json!({
                    "kind": s(&obj, "kind").unwrap_or(""),
                    "namespace": obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(""),
                    "name": obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or(""),
                    "apiVersion": s(&obj, "apiVersion").unwrap_or(""),
                }));
                objects.push(obj);
            }
            let data = secret
                .get_mut("data")
                .filter(|d| d.is_object())
                .map(std::mem::take)
                .unwrap_or_else(|| json!({}));
            secret["data"] = data;
            secret["data"][DATA_OBJECT_REFERENCE] = json!(b64(&go_json(&Value::Array(refs))));
        }
        Ok((secret, objects))
    }

    async fn create(&self, p: &Value) -> step::Result<()> {
        let need = |f: &str| {
            s(p, f)
                .filter(|x| !x.is_empty())
                .ok_or_else(|| step::Error::msg(format!("$params.{f}: expected a non-empty string")))
        };
        let (name, namespace) = (need("name")?, need("namespace")?);
        let props = sorted(p.get("config").unwrap_or(&Value::Null));
        let template = s(p, "template").unwrap_or("");
        let (template_ns, template) = match template.split_once('/') {
            Some((ns, t)) => (ns, t),
            None => ("vela-system", template),
        };
        let (mut secret, objects) = if template.is_empty() {
            (
                json!({"metadata": {
                    "labels": {LABEL_CATALOG: CATALOG, LABEL_TYPE: ""},
                    "annotations": {},
                }}),
                Vec::new(),
            )
        } else {
            self.render(template, template_ns, name, namespace, &props)
                .await?
        };
        secret["apiVersion"] = json!("v1");
        secret["kind"] = json!("Secret");
        secret["metadata"]["namespace"] = json!(namespace);
        if secret
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            secret["metadata"]["name"] = json!(name);
        }
        secret["metadata"]["annotations"][ANNO_ALIAS] = json!("");
        secret["metadata"]["annotations"][ANNO_DESCRIPTION] = json!("");
        if !secret.get("data").is_some_and(Value::is_object) {
            secret["data"] = json!({});
        }
        secret["data"][DATA_PROPERTIES] = json!(b64(&go_json(&props)));
        let secret_name = secret["metadata"]["name"].as_str().unwrap_or(name).to_owned();
        let existing = self
            .objects
            .get(&key("Secret", "v1", namespace, &secret_name))
            .await
            .map_err(|e| step::Error::new(format!("read config {namespace}/{secret_name}"), e))?;
        if let Some(existing) = existing {
            let label = |v: &Value| {
                v.pointer(&format!("/metadata/labels/{}", LABEL_TYPE.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let old = label(&existing);
            if !old.is_empty() && old != label(&secret) {
                return Err(step::Error::msg(format!(
                    "config {namespace}/{secret_name}: the template of the config can not be changed ({old:?} to {:?})",
                    label(&secret)
                )));
            }
            let new_type = s(&secret, "type").unwrap_or("");
            if !new_type.is_empty() && s(&existing, "type").unwrap_or("") != new_type {
                return Err(step::Error::msg(format!(
                    "config {namespace}/{secret_name}: the secret type of the config can not be changed"
                )));
            }
        }
        let applied = go_json(&secret);
        secret["metadata"]["annotations"][ANNO_LAST_APPLIED] = json!(applied);
        self.objects.apply("", secret).await.map_err(|e| {
            step::Error::new(format!("fail to apply the config {namespace}/{secret_name}"), e)
        })?;
        for obj in objects {
            self.objects.apply("", obj).await.map_err(|e| {
                step::Error::new(format!("config {namespace}/{name}: apply an output object"), e)
            })?;
        }
        Ok(())
    }

    async fn read(&self, p: &Value) -> step::Result<Value> {
        let (name, ns) = (s(p, "name").unwrap_or(""), s(p, "namespace").unwrap_or(""));
        let secret = self
            .objects
            .get(&key("Secret", "v1", ns, name))
            .await
            .map_err(|e| step::Error::new(format!("read config {ns}/{name}"), e))?
            .ok_or_else(|| step::Error::msg(format!("config {ns}/{name} not found")))?;
        if secret.pointer(&format!(
            "/metadata/annotations/{}",
            ANNO_SENSITIVE.replace('/', "~1")
        )) == Some(&json!("true"))
        {
            return Err(step::Error::msg(format!(
                "config {ns}/{name}: the config is sensitive"
            )));
        }
        properties(&secret, ns, name)?
            .ok_or_else(|| step::Error::msg(format!("config {ns}/{name} has no properties data")))
    }

    async fn list(&self, p: &Value) -> step::Result<Value> {
        let (template, ns) = (s(p, "template").unwrap_or(""), s(p, "namespace").unwrap_or(""));
        if template.is_empty() || ns.is_empty() {
            return Err(step::Error::msg(
                "the request is invalid: $params.template and $params.namespace are required",
            ));
        }
        let template = template.split_once('/').map_or(template, |(_, t)| t);
        let labels = BTreeMap::from([
            (LABEL_CATALOG.to_owned(), CATALOG.to_owned()),
            (LABEL_TYPE.to_owned(), template.to_owned()),
        ]);
        let items = self
            .objects
            .list("", "v1", "Secret", ns, &labels)
            .await
            .map_err(|e| step::Error::new(format!("list configs in {ns}"), e))?;
        let mut configs = Vec::new();
        for secret in items {
            let name = secret
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            // KubeVela skips Secrets whose properties are missing or not JSON.
            let Ok(Some(props)) = properties(&secret, ns, name) else {
                continue;
            };
            let anno = |k: &str| {
                secret
                    .pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            configs.push(json!({
                "name": name,
                "alias": anno(ANNO_ALIAS),
                "description": anno(ANNO_DESCRIPTION),
                "config": props,
            }));
        }
        Ok(Value::Array(configs))
    }

    async fn delete(&self, p: &Value) -> step::Result<()> {
        let (name, ns) = (s(p, "name").unwrap_or(""), s(p, "namespace").unwrap_or(""));
        let secret = self
            .objects
            .get(&key("Secret", "v1", ns, name))
            .await
            .map_err(|e| step::Error::new(format!("fail to delete the config {name}"), e))?
            .ok_or_else(|| step::Error::msg(format!("the config {name} not found")))?;
        if secret.pointer(&format!("/metadata/labels/{}", LABEL_CATALOG.replace('/', "~1")))
            != Some(&json!(CATALOG))
        {
            return Err(step::Error::msg(format!(
                "secret {ns}/{name} is not a workflow config"
            )));
        }
        if let Some(raw) = secret
            .pointer(&format!("/data/{DATA_OBJECT_REFERENCE}"))
            .and_then(Value::as_str)
        {
            let refs: Vec<Value> = base64::engine::general_purpose::STANDARD
                .decode(raw)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| {
                    step::Error::msg(format!("config {ns}/{name}: invalid {DATA_OBJECT_REFERENCE}"))
                })?;
            for r in refs {
                let k = key(
                    s(&r, "kind").unwrap_or(""),
                    s(&r, "apiVersion").unwrap_or(""),
                    s(&r, "namespace").unwrap_or(""),
                    s(&r, "name").unwrap_or(""),
                );
                self.objects
                    .delete(&k)
                    .await
                    .map_err(|e| step::Error::new(format!("fail to clear the object {}", k.name), e))?;
            }
        }
        self.objects
            .delete(&key("Secret", "v1", ns, name))
            .await
            .map_err(|e| step::Error::new(format!("delete config {ns}/{name}"), e))?;
        Ok(())
    }
}

#[async_trait]
impl Provider for Config {
    async fn call(&self, action: &str, p: Value, _label: &str, _ctx: &mut Context<'_>) -> step::Result<Call> {
        // `vela/op` names the actions `create-config`, ...
        match action.strip_suffix("-config").unwrap_or(action) {
            "create" => self.create(&p).await.map(|()| Call::Done),
            "read" => Ok(Call::Returns(json!({"config": self.read(&p).await?}))),
            "list" => Ok(Call::Returns(json!({"configs": self.list(&p).await?}))),
            "delete" => self.delete(&p).await.map(|()| Call::Done),
            other => Err(step::Error::msg(format!(
                "config provider has no action {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_are_written_like_go_json_marshal() {
        let v = json!({"z": 1, "a": {"y": [{"b": 2, "a": 1}], "x": "<a&b>\u{2028}"}});
        assert_eq!(
            go_json(&v),
            r#"{"a":{"x":"\u003ca\u0026b\u003e\u2028","y":[{"a":1,"b":2}]},"z":1}"#
        );
        let back: Value = serde_json::from_str(&go_json(&v)).unwrap();
        assert_eq!(back, v);
    }
}
