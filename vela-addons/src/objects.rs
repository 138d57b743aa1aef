//! The objects an addon applies beside its Application: X-Definitions, config templates, UI
//! schemas, VelaQL views and the Secret of its arguments.

use serde_json::{Map, Value, json};
use vela_render::Definition as _;

use crate::error::{Error, Result};
use crate::load::{Addon, File, yaml_value};
use crate::render::VELA_SYSTEM;

/// The key of the arguments in the Secret `addon-secret-<name>` (KubeVela's
/// `AddonParameterDataKey`).
pub const ARGS_KEY: &str = "addonParameterDataKey";

/// `definitions/`: `*.yaml` as written, `*.cue` converted as `vela def render` does; every one
/// in `vela-system`.
pub(crate) fn definitions(addon: &Addon) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for f in &addon.yaml_definitions {
        let mut obj = yaml_object(f)?;
        set_namespace(&mut obj);
        out.push(obj);
    }
    for f in &addon.cue_definitions {
        let (text, dropped) = crate::cuefile::drop_unused_imports(&f.text);
        if !dropped.is_empty() {
            tracing::warn!(file = %f.path, imports = ?dropped, "unused imports dropped");
        }
        let bad = |e: vela_render::Error| Error::Definition {
            file: f.path.clone(),
            cause: chain(&e),
        };
        let def = vela_render::cue::CueDefinition::from_cue(&f.path, &text).map_err(bad)?;
        // the template must compile (KubeVela's FromCUEString compiles it)
        def.compile().map_err(bad)?;
        let mut obj = def.to_cr();
        if def.meta().name.is_empty() {
            return Err(Error::field(&f.path, "(header)", "the definition has no name"));
        }
        kubevela_metadata(f, &mut obj)?;
        obj["spec"]["schematic"]["cue"]["template"] =
            json!(crate::cuefmt::stored_template(&f.path, &f.text)?);
        set_namespace(&mut obj);
        out.push(obj);
    }
    Ok(out)
}

/// The prefix KubeVela gives the header's annotation and label keys that do not contain
/// `oam.dev` (`UserPrefix`).
pub const USER_PREFIX: &str = vela_render::cue::USER_PREFIX;

/// Sets a CUE definition's metadata as KubeVela's `Definition.FromCUE` does from the header
/// `<name>: {...}`: `alias` and `description` become the `definition.oam.dev/alias` and
/// `definition.oam.dev/description` annotations only when the header has them; the header's
/// `annotations` and `labels` keep a key containing `oam.dev` and get [`USER_PREFIX`] before
/// any other; both maps are always written (`{}` when empty).
fn kubevela_metadata(f: &File, obj: &mut Value) -> Result<()> {
    let header = definition_header(f)?;
    let mut annotations = Map::new();
    for (key, annotation) in [
        ("alias", "definition.oam.dev/alias"),
        ("description", "definition.oam.dev/description"),
    ] {
        if let Some(v) = header.get(key) {
            let text = v
                .as_str()
                .ok_or_else(|| Error::field(&f.path, key, "expected a string"))?;
            annotations.insert(annotation.into(), json!(text));
        }
    }
    let prefixed = |key: &str| -> Result<Map<String, Value>> {
        let mut out = Map::new();
        if let Some(m) = header.get(key) {
            let m = m
                .as_object()
                .ok_or_else(|| Error::field(&f.path, key, "expected a map of strings"))?;
            for (k, v) in m {
                let v = v
                    .as_str()
                    .ok_or_else(|| Error::field(&f.path, format!("{key}.{k}"), "expected a string"))?;
                let k = if k.contains("oam.dev") {
                    k.clone()
                } else {
                    format!("{USER_PREFIX}{k}")
                };
                out.insert(k, json!(v));
            }
        }
        Ok(out)
    };
    annotations.extend(prefixed("annotations")?);
    let labels = prefixed("labels")?;
    let meta = crate::render::ensure_object(obj, "metadata");
    meta.insert("annotations".into(), Value::Object(annotations));
    meta.insert("labels".into(), Value::Object(labels));
    Ok(())
}

/// The header `<name>: {...}` of a `vela def` CUE file, as JSON.
fn definition_header(f: &File) -> Result<Map<String, Value>> {
    let parts = vela_cue::definition::split_header(&f.text).map_err(|e| Error::cue(&f.path, e))?;
    let inst = vela_cue::Program::compile(&f.path, &parts.metadata)
        .and_then(|p| p.eval())
        .map_err(|e| Error::cue(&f.path, e))?;
    let (_, header) = inst
        .root()
        .fields()
        .into_iter()
        .find(|(k, _)| k != "template")
        .ok_or_else(|| Error::field(&f.path, "(header)", "the definition has no name"))?;
    match header.to_json().map_err(|e| Error::cue(&f.path, e))? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::field(&f.path, "(header)", "expected a struct")),
    }
}

/// `config-templates/*.cue`: ConfigMaps `config-template-<metadata.name>`.
pub(crate) fn config_templates(addon: &Addon) -> Result<Vec<Value>> {
    addon.config_templates.iter().map(config_template).collect()
}

fn config_template(f: &File) -> Result<Value> {
    let parts = vela_cue::definition::split_header(&f.text).map_err(|e| Error::cue(&f.path, e))?;
    let inst = vela_cue::Program::compile(&f.path, &parts.metadata)
        .and_then(|p| p.eval())
        .map_err(|e| Error::cue(&f.path, e))?;
    let meta = inst
        .root()
        .fields()
        .into_iter()
        .find(|(k, _)| k == "metadata")
        .ok_or_else(|| Error::field(&f.path, "metadata", "not found"))?;
    let meta = meta.1.to_json().map_err(|e| Error::cue(&f.path, e))?;
    let name = meta["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::field(&f.path, "metadata.name", "required field is missing"))?;
    let text_of = |k: &str| meta[k].as_str().unwrap_or_default().to_string();
    let sensitive = meta["sensitive"].as_bool().unwrap_or(false);
    let mut data = Map::new();
    // KubeVela stores the file followed by the default context it evaluates it with
    let stored = format!("{}\n{CONFIG_DEFAULT_CONTEXT}", f.text);
    data.insert("template".into(), json!(stored));
    match vela_render::openapi::parameter_schema(&parts.template()) {
        Ok(schema) => {
            data.insert("schema".into(), json!(vela_render::ops::output::to_yaml(&schema)));
        }
        Err(e) => tracing::warn!(file = %f.path, error = %e, "config template: no parameter schema"),
    }
    let writer = json!({"nacos": nacos_writer(f, &stored)});
    data.insert(
        "expanded-writer".into(),
        json!(vela_render::ops::output::to_yaml(&writer)),
    );
    Ok(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": format!("config-template-{name}"),
            "namespace": VELA_SYSTEM,
            "creationTimestamp": null,
            "labels": {"config.oam.dev/catalog": "velacore-config", "config.oam.dev/scope": text_of("scope")},
            "annotations": {
                // KubeVela v1.11 never copies the metadata's description here
                "config.oam.dev/description": "",
                "config.oam.dev/alias": text_of("alias"),
                "config.oam.dev/sensitive": sensitive.to_string(),
            },
        },
        "data": data,
    }))
}

/// The context KubeVela appends to a config template before evaluating and storing it.
const CONFIG_DEFAULT_CONTEXT: &str = "\n\tcontext: {\n\t\tname: string\n\t\tnamespace: string\n\t}\n";

/// The `nacos` expanded writer of a config template (`template.nacos`), as KubeVela decodes
/// it into its Go type: each field the value given or its default, `""` when not concrete
/// (the parameters are not known yet); `null` without `template.nacos`.
fn nacos_writer(f: &File, text: &str) -> Value {
    if !text.contains("nacos") {
        return Value::Null;
    }
    let inst = match vela_cue::Program::compile(&f.path, text).and_then(|p| p.eval()) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(file = %f.path, error = %e, "config template: no expanded writer");
            return Value::Null;
        }
    };
    if !inst.lookup("template.nacos").is_ok_and(|v| v.exists()) {
        return Value::Null;
    }
    let text_at = |path: &str| -> Option<String> {
        let v = inst.lookup(&format!("template.nacos.{path}")).ok()?;
        v.to_json().ok()?.as_str().map(str::to_string)
    };
    let mut metadata = Map::new();
    for (key, omit_empty) in [
        ("dataId", false),
        ("group", false),
        ("namespaceId", false),
        ("appName", true),
        ("tenant", true),
        ("tag", true),
    ] {
        let v = text_at(&format!("metadata.{key}")).unwrap_or_default();
        if !(omit_empty && v.is_empty()) {
            metadata.insert(key.into(), json!(v));
        }
    }
    json!({
        "endpoint": {
            "name": text_at("endpoint.name").unwrap_or_default(),
            "namespace": text_at("endpoint.namespace").unwrap_or_default(),
        },
        "format": text_at("format").unwrap_or_default(),
        "metadata": metadata,
    })
}

/// `schemas/*`: ConfigMaps named after the file (up to its first dot), the YAML as JSON under
/// `ui-schema`.
pub(crate) fn schemas(addon: &Addon) -> Result<Vec<Value>> {
    addon
        .schemas
        .iter()
        .map(|f| {
            let value = yaml_value(f)?;
            let name = f.name().split('.').next().unwrap_or_default();
            Ok(json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": VELA_SYSTEM, "creationTimestamp": null},
                "data": {"ui-schema": vela_render::ops::output::canonical_json(&value)},
            }))
        })
        .collect()
}

/// `views/`: `*.yaml` as written, `*.cue` as ConfigMaps named after the file, the view under
/// `template`.
pub(crate) fn views(addon: &Addon) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for f in &addon.yaml_views {
        out.push(yaml_object(f)?);
    }
    for f in &addon.cue_views {
        vela_cue::syntax::check_file(&f.path, &f.text).map_err(|e| Error::cue(&f.path, e))?;
        let name = f.name();
        let stem = name.rfind('.').map_or(name, |i| &name[..i]);
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": stem, "namespace": VELA_SYSTEM, "creationTimestamp": null},
            "data": {"template": f.text},
        }));
    }
    Ok(out)
}

/// The Secret `addon-secret-<name>` in `vela-system` holding the enable arguments (as JSON under
/// [`ARGS_KEY`], base64 in `data` as the API stores it).
///
/// ```
/// let args = serde_json::json!({"replicas": 2}).as_object().unwrap().clone();
/// let s = vela_addons::args_secret("demo", &args);
/// assert_eq!(s["metadata"]["name"], "addon-secret-demo");
/// assert_eq!(vela_addons::args_from_secret(&s).unwrap(), args);
/// ```
pub fn args_secret(addon: &str, args: &Map<String, Value>) -> Value {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(Value::Object(args.clone()).to_string());
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": crate::secret_name(addon), "namespace": VELA_SYSTEM},
        "type": "Opaque",
        "data": {ARGS_KEY: encoded},
    })
}

/// The arguments stored in an addon's Secret (KubeVela's `FetchArgsFromSecret`: the JSON under
/// [`ARGS_KEY`], else every key as a string for Secrets written by old versions).
///
/// # Errors
/// [`Error::Field`] when the data is not base64 or the arguments not a JSON object.
pub fn args_from_secret(secret: &Value) -> Result<Map<String, Value>> {
    use base64::Engine as _;
    let file = format!(
        "Secret {}",
        secret["metadata"]["name"].as_str().unwrap_or_default()
    );
    let decode = |k: &str, v: &Value| -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| Error::field(&file, format!("data.{k}"), e.to_string()))
    };
    let data = secret["data"].as_object().cloned().unwrap_or_default();
    if let Some(v) = data.get(ARGS_KEY) {
        let bytes = decode(ARGS_KEY, v)?;
        return match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Error::field(
                &file,
                format!("data.{ARGS_KEY}"),
                "expected a JSON object",
            )),
        };
    }
    let mut out = Map::new();
    for (k, v) in &data {
        let bytes = decode(k, v)?;
        out.insert(k.clone(), json!(String::from_utf8_lossy(&bytes)));
    }
    Ok(out)
}

/// The causes of an error (its own message when it has none).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut cur = e.source();
    while let Some(c) = cur {
        parts.push(c.to_string());
        cur = c.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

fn yaml_object(f: &File) -> Result<Value> {
    let v = yaml_value(f)?;
    if !v.is_object() {
        return Err(Error::field(
            &f.path,
            "(document)",
            "expected a Kubernetes object (a mapping)",
        ));
    }
    Ok(v)
}

fn set_namespace(obj: &mut Value) {
    crate::render::ensure_object(obj, "metadata").insert("namespace".into(), json!(VELA_SYSTEM));
}
