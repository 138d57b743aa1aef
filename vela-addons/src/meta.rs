//! `metadata.yaml`: the addon's [`Meta`], read as KubeVela reads it.
//!
//! KubeVela reads the file with `sigs.k8s.io/yaml` into a Go struct, so keys match their field
//! case-insensitively (`deployto` is `deployTo`), unknown keys are ignored, `null` is the zero
//! value and a value of the wrong type is an error. The legacy key `deployTo.runtime_cluster` is
//! the same switch as `runtimeCluster`. YAML 1.1 booleans (`yes`, `on`, ...) are booleans, as
//! Go's YAML parser reads them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

const FILE: &str = "metadata.yaml";

/// An addon's metadata (KubeVela's `Meta`).
///
/// ```
/// let meta = vela_addons::Meta::parse("name: demo\nversion: 1.0.0\ndeployTo: {runtime_cluster: true}\n").unwrap();
/// assert_eq!(meta.name, "demo");
/// assert!(meta.deploy_to.unwrap().runtime());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// `name` (required to enable).
    pub name: String,
    /// `version` (required to enable).
    pub version: String,
    /// `description`.
    pub description: String,
    /// `icon` (a URL).
    pub icon: String,
    /// `url`.
    pub url: String,
    /// `tags`.
    pub tags: Vec<String>,
    /// `uxPlugins`: VelaUX plugin name to download URL.
    pub ux_plugins: BTreeMap<String, String>,
    /// `deployTo`.
    pub deploy_to: Option<DeployTo>,
    /// `dependencies`.
    pub dependencies: Vec<Dependency>,
    /// `needNamespace`: namespaces created by the addon's Application.
    pub need_namespace: Vec<String>,
    /// `invisible`: hidden from listings.
    pub invisible: bool,
    /// `system`: version requirements.
    pub system: Option<SystemRequirements>,
    /// `annotations`: the maintainers' own extensions.
    pub annotations: BTreeMap<String, String>,
}

/// `deployTo`: where the addon's resources go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployTo {
    /// `runtime_cluster` (the legacy spelling).
    pub legacy_runtime_cluster: bool,
    /// `disableControlPlane`.
    pub disable_control_plane: bool,
    /// `runtimeCluster`.
    pub runtime_cluster: bool,
}

impl DeployTo {
    /// Whether the addon deploys to the runtime clusters (either spelling).
    pub fn runtime(&self) -> bool {
        self.runtime_cluster || self.legacy_runtime_cluster
    }
}

/// One entry of `dependencies`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dependency {
    /// The addon's name.
    pub name: String,
    /// A version constraint (`>=1.2.0`), or empty.
    pub version: String,
}

/// `system`: the versions the addon requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemRequirements {
    /// `vela`: a constraint on KubeVela's version.
    pub vela: String,
    /// `kubernetes`: a constraint on the Kubernetes version.
    pub kubernetes: String,
}

impl Meta {
    /// Parses the text of a `metadata.yaml`.
    ///
    /// An empty file is the empty [`Meta`] (KubeVela refuses to enable it for its missing name
    /// and version; [`crate::Addon::load`] refuses to load it).
    ///
    /// ```
    /// let err = vela_addons::Meta::parse("name: x\ndependencies: [{name: 3}]\n").unwrap_err();
    /// assert_eq!(err.to_string(), "metadata.yaml: dependencies[0].name: expected a string, found a number");
    /// ```
    ///
    /// # Errors
    /// [`Error::Yaml`] when the text is not one YAML document, [`Error::Field`] naming the field
    /// whose value has the wrong type.
    pub fn parse(text: &str) -> Result<Meta> {
        let value: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            vela_model::parse::from_str(text, vela_model::parse::Mode::Lenient).map_err(|e| Error::Yaml {
                file: FILE.into(),
                message: e.to_string(),
            })?
        };
        Meta::from_json(&value)
    }

    /// Reads the metadata from its JSON form (what [`Meta::parse`] does after the YAML).
    ///
    /// # Errors
    /// [`Error::Field`] naming the field whose value has the wrong type.
    pub fn from_json(value: &Value) -> Result<Meta> {
        let mut meta = Meta::default();
        let Some(obj) = object(value, "")? else {
            return Ok(meta);
        };
        for (key, v) in obj {
            match fold(key, &META_FIELDS) {
                Some("name") => meta.name = string(v, "name")?,
                Some("version") => meta.version = string(v, "version")?,
                Some("description") => meta.description = string(v, "description")?,
                Some("icon") => meta.icon = string(v, "icon")?,
                Some("url") => meta.url = string(v, "url")?,
                Some("tags") => meta.tags = strings(v, "tags")?,
                Some("uxPlugins") => meta.ux_plugins = string_map(v, "uxPlugins")?,
                Some("deployTo") => meta.deploy_to = deploy_to(v)?,
                Some("dependencies") => meta.dependencies = dependencies(v)?,
                Some("needNamespace") => meta.need_namespace = strings(v, "needNamespace")?,
                Some("invisible") => meta.invisible = boolean(v, "invisible")?,
                Some("system") => meta.system = system(v)?,
                Some("annotations") => meta.annotations = string_map(v, "annotations")?,
                _ => {}
            }
        }
        Ok(meta)
    }

    /// The metadata as KubeVela serializes it (Go's `json.Marshal` of `Meta`: its field order,
    /// `omitempty` rules and sorted maps): the value of `context.metadata` in the addon's CUE.
    ///
    /// ```
    /// let meta = vela_addons::Meta::parse("name: demo\nversion: 1.0.0\n").unwrap();
    /// assert_eq!(
    ///     meta.to_json().to_string(),
    ///     r#"{"name":"demo","version":"1.0.0","description":"","icon":"","invisible":false}"#
    /// );
    /// ```
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("version".into(), json!(self.version));
        m.insert("description".into(), json!(self.description));
        m.insert("icon".into(), json!(self.icon));
        if !self.url.is_empty() {
            m.insert("url".into(), json!(self.url));
        }
        if !self.tags.is_empty() {
            m.insert("tags".into(), json!(self.tags));
        }
        if !self.ux_plugins.is_empty() {
            m.insert("uxPlugins".into(), json!(self.ux_plugins));
        }
        if let Some(d) = &self.deploy_to {
            let mut dm = Map::new();
            if d.legacy_runtime_cluster {
                dm.insert("runtime_cluster".into(), json!(true));
            }
            dm.insert("disableControlPlane".into(), json!(d.disable_control_plane));
            dm.insert("runtimeCluster".into(), json!(d.runtime_cluster));
            m.insert("deployTo".into(), Value::Object(dm));
        }
        if !self.dependencies.is_empty() {
            let deps: Vec<Value> = self
                .dependencies
                .iter()
                .map(|d| {
                    let mut dm = Map::new();
                    if !d.name.is_empty() {
                        dm.insert("name".into(), json!(d.name));
                    }
                    if !d.version.is_empty() {
                        dm.insert("version".into(), json!(d.version));
                    }
                    Value::Object(dm)
                })
                .collect();
            m.insert("dependencies".into(), Value::Array(deps));
        }
        if !self.need_namespace.is_empty() {
            m.insert("needNamespace".into(), json!(self.need_namespace));
        }
        m.insert("invisible".into(), json!(self.invisible));
        if let Some(s) = &self.system {
            let mut sm = Map::new();
            if !s.vela.is_empty() {
                sm.insert("vela".into(), json!(s.vela));
            }
            if !s.kubernetes.is_empty() {
                sm.insert("kubernetes".into(), json!(s.kubernetes));
            }
            m.insert("system".into(), Value::Object(sm));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), json!(self.annotations));
        }
        Value::Object(m)
    }

    /// Whether the addon deploys to the runtime clusters (`deployTo.runtimeCluster` or the legacy
    /// `deployTo.runtime_cluster`).
    pub fn deploys_to_runtime(&self) -> bool {
        self.deploy_to.as_ref().is_some_and(DeployTo::runtime)
    }
}

const META_FIELDS: [&str; 13] = [
    "name",
    "version",
    "description",
    "icon",
    "url",
    "tags",
    "uxPlugins",
    "deployTo",
    "dependencies",
    "needNamespace",
    "invisible",
    "system",
    "annotations",
];

/// The field a key names: exactly, else ignoring ASCII case (as Go's `encoding/json`).
fn fold(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn wrong(path: &str, expected: &str, v: &Value) -> Error {
    Error::field(FILE, path, format!("expected {expected}, found {}", kind(v)))
}

fn object<'a>(v: &'a Value, path: &str) -> Result<Option<&'a Map<String, Value>>> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        other if path.is_empty() => Err(Error::field(
            FILE,
            "(document)",
            format!("expected a mapping, found {}", kind(other)),
        )),
        other => Err(wrong(path, "a mapping", other)),
    }
}

fn string(v: &Value, path: &str) -> Result<String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong(path, "a string", other)),
    }
}

fn boolean(v: &Value, path: &str) -> Result<bool> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        // YAML 1.1, which Go's YAML parser reads
        Value::String(s) => match s.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Ok(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Ok(false),
            _ => Err(wrong(path, "a boolean", v)),
        },
        other => Err(wrong(path, "a boolean", other)),
    }
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, s)| string(s, &format!("{path}[{i}]")))
            .collect(),
        other => Err(wrong(path, "a list", other)),
    }
}

fn string_map(v: &Value, path: &str) -> Result<BTreeMap<String, String>> {
    let Some(m) = object(v, path)? else {
        return Ok(BTreeMap::new());
    };
    m.iter()
        .map(|(k, s)| Ok((k.clone(), string(s, &format!("{path}.{k}"))?)))
        .collect()
}

fn deploy_to(v: &Value) -> Result<Option<DeployTo>> {
    let Some(m) = object(v, "deployTo")? else {
        return Ok(None);
    };
    let mut d = DeployTo::default();
    for (k, v) in m {
        let path = format!("deployTo.{k}");
        match fold(k, &["runtime_cluster", "disableControlPlane", "runtimeCluster"]) {
            Some("runtime_cluster") => d.legacy_runtime_cluster = boolean(v, &path)?,
            Some("disableControlPlane") => d.disable_control_plane = boolean(v, &path)?,
            Some("runtimeCluster") => d.runtime_cluster = boolean(v, &path)?,
            _ => {}
        }
    }
    Ok(Some(d))
}

fn dependencies(v: &Value) -> Result<Vec<Dependency>> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => return Err(wrong("dependencies", "a list", other)),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("dependencies[{i}]");
        let m = object(item, &path)?.ok_or_else(|| wrong(&path, "a mapping", item))?;
        let mut d = Dependency::default();
        for (k, v) in m {
            let field = format!("{path}.{k}");
            match fold(k, &["name", "version"]) {
                Some("name") => d.name = string(v, &field)?,
                Some("version") => d.version = string(v, &field)?,
                _ => {}
            }
        }
        out.push(d);
    }
    Ok(out)
}

fn system(v: &Value) -> Result<Option<SystemRequirements>> {
    let Some(m) = object(v, "system")? else {
        return Ok(None);
    };
    let mut s = SystemRequirements::default();
    for (k, v) in m {
        let path = format!("system.{k}");
        match fold(k, &["vela", "kubernetes"]) {
            Some("vela") => s.vela = string(v, &path)?,
            Some("kubernetes") => s.kubernetes = string(v, &path)?,
            _ => {}
        }
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_legacy_spelling_are_read() {
        let meta = Meta::parse(
            "Name: full\nversion: 1.2.3\ndescription: d\nicon: i\nurl: u\ntags: [a, b]\n\
             uxPlugins: {p: http://x}\ndeployTo: {runtime_cluster: yes, disableControlPlane: true}\n\
             dependencies: [{name: fluxcd, version: '>=1.0.0'}]\nneedNamespace: [flux-system]\n\
             invisible: true\nsystem: {vela: '>=1.5.0', kubernetes: '>=1.20'}\nannotations: {k: v}\n\
             unknown: ignored\n",
        )
        .unwrap();
        assert_eq!(meta.name, "full");
        assert_eq!(meta.tags, ["a", "b"]);
        assert_eq!(meta.ux_plugins["p"], "http://x");
        let d = meta.deploy_to.clone().unwrap();
        assert!(d.legacy_runtime_cluster && d.disable_control_plane && !d.runtime_cluster);
        assert!(meta.deploys_to_runtime());
        assert_eq!(meta.dependencies[0].version, ">=1.0.0");
        assert_eq!(meta.need_namespace, ["flux-system"]);
        assert!(meta.invisible);
        assert_eq!(meta.system.clone().unwrap().kubernetes, ">=1.20");
        assert_eq!(
            meta.to_json().to_string(),
            r#"{"name":"full","version":"1.2.3","description":"d","icon":"i","url":"u","tags":["a","b"],"uxPlugins":{"p":"http://x"},"deployTo":{"runtime_cluster":true,"disableControlPlane":true,"runtimeCluster":false},"dependencies":[{"name":"fluxcd","version":">=1.0.0"}],"needNamespace":["flux-system"],"invisible":true,"system":{"vela":">=1.5.0","kubernetes":">=1.20"},"annotations":{"k":"v"}}"#
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let cases = [
            (
                "version: 1.0\n",
                "metadata.yaml: version: expected a string, found a number",
            ),
            (
                "tags: [a, 1]\n",
                "metadata.yaml: tags[1]: expected a string, found a number",
            ),
            (
                "deployTo: true\n",
                "metadata.yaml: deployTo: expected a mapping, found a boolean",
            ),
            (
                "deployTo: {runtimeCluster: maybe}\n",
                "metadata.yaml: deployTo.runtimeCluster: expected a boolean, found a string",
            ),
            (
                "system: {vela: [1]}\n",
                "metadata.yaml: system.vela: expected a string, found a list",
            ),
            (
                "dependencies: [x]\n",
                "metadata.yaml: dependencies[0]: expected a mapping, found a string",
            ),
            (
                "- a\n",
                "metadata.yaml: (document): expected a mapping, found a list",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Meta::parse(text).unwrap_err().to_string(), want, "{text}");
        }
    }

    #[test]
    fn empty_and_null_are_zero() {
        assert_eq!(Meta::parse("").unwrap(), Meta::default());
        assert_eq!(Meta::parse("name: ~\ntags: ~\n").unwrap(), Meta::default());
        assert!(Meta::parse("name: [unclosed\n").is_err());
    }
}
