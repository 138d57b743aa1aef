//! The addon registries a hub knows: the ConfigMap `vela-system/vela-addon-registry`, key
//! `registries`, a JSON object from registry name to its settings, as KubeVela keeps it.
//!
//! Local registries (`{"name", "local": {"path"}}`: a directory of addon directories), helm
//! repositories (`{"name", "helm": {"url", "username", "password", "insecureSkipTLS"}}`, read
//! by [`crate::helm`]) and git repositories (`{"name", "git": {"url", "path", "token"}}`, also
//! `gitee` and `gitlab` entries, read by [`crate::git`]) are supported; KubeVela's `oss`
//! entries are kept as they are and reported as not supported yet.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::render::VELA_SYSTEM;

/// The ConfigMap's name.
pub const CONFIGMAP: &str = "vela-addon-registry";
/// The ConfigMap's key.
pub const KEY: &str = "registries";
/// The prefix of the Secret (in `vela-system`) that keeps a git registry's token, key `token`:
/// `addon-registry-<name>`, named by the entry's `tokenSecretRef`.
pub const TOKEN_SECRET_PREFIX: &str = "addon-registry-";

/// The Secret that keeps registry `registry`'s `token`, as KubeVela writes it.
///
/// ```
/// let s = vela_addons::registry::token_secret("cat", "t0ken");
/// assert_eq!(s["metadata"]["name"], "addon-registry-cat");
/// assert_eq!(s["data"]["token"], "dDBrZW4=");
/// ```
pub fn token_secret(registry: &str, token: &str) -> Value {
    use base64::Engine as _;
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": format!("{TOKEN_SECRET_PREFIX}{registry}"), "namespace": VELA_SYSTEM},
        "type": "Opaque",
        "data": {"token": base64::engine::general_purpose::STANDARD.encode(token)},
    })
}

/// The `token` of a Secret [`token_secret`] wrote (`None` when it has none or it is not base64
/// text).
///
/// ```
/// use vela_addons::registry::{token_from_secret, token_secret};
/// assert_eq!(token_from_secret(&token_secret("cat", "t0ken")).as_deref(), Some("t0ken"));
/// ```
pub fn token_from_secret(secret: &Value) -> Option<String> {
    use base64::Engine as _;
    let data = secret["data"]["token"].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
    String::from_utf8(bytes).ok()
}

/// One registry entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    /// Its name.
    pub name: String,
    /// The entry as stored (`{"name", "local": {"path"}}`, `{"name", "helm": {"url"}}`, ...).
    pub settings: Value,
}

impl Registry {
    /// A local registry: a directory of addon directories.
    ///
    /// ```
    /// let r = vela_addons::registry::Registry::local("mine", "/srv/addons");
    /// assert_eq!(r.local_path(), Some("/srv/addons"));
    /// assert_eq!(r.kind(), "local");
    /// ```
    pub fn local(name: &str, path: &str) -> Registry {
        Registry {
            name: name.to_string(),
            settings: json!({"name": name, "local": {"path": path}}),
        }
    }

    /// A helm-repository registry, stored as KubeVela stores it.
    ///
    /// ```
    /// use vela_addons::{helm::HelmSource, registry::Registry};
    /// let r = Registry::helm("kv", &HelmSource::new("https://kubevela.github.io/catalog/official"));
    /// assert_eq!(r.kind(), "helm");
    /// assert_eq!(r.helm_source().unwrap().unwrap().url, "https://kubevela.github.io/catalog/official");
    /// ```
    pub fn helm(name: &str, source: &crate::helm::HelmSource) -> Registry {
        Registry {
            name: name.to_string(),
            settings: json!({"name": name, "helm": source.to_settings()}),
        }
    }

    /// The `helm` settings of a helm-repository registry (`None` for another type).
    ///
    /// ```
    /// let r = vela_addons::registry::Registry::local("mine", "/srv/addons");
    /// assert!(r.helm_source().is_none());
    /// ```
    ///
    /// # Errors
    /// Those of [`crate::helm::HelmSource::from_settings`].
    pub fn helm_source(&self) -> Option<crate::helm::Result<crate::helm::HelmSource>> {
        let helm = self.settings.get("helm").filter(|v| !v.is_null())?;
        Some(crate::helm::HelmSource::from_settings(&self.name, helm))
    }

    /// A git registry (`kind`: `git` or `gitee`; anything else is stored as `git`), stored as
    /// KubeVela stores it. (A `gitlab` entry names its project apart: `{"url", "repo"}`.)
    ///
    /// ```
    /// use vela_addons::{git::GitSource, registry::Registry};
    /// let r = Registry::git("cat", "git", &GitSource::new("https://example.com/cat.git").with_path("addons"));
    /// assert_eq!(r.kind(), "git");
    /// let (kind, source) = r.git_source().unwrap().unwrap();
    /// assert_eq!((kind, source.path.as_str()), ("git", "addons"));
    /// ```
    pub fn git(name: &str, kind: &str, source: &crate::git::GitSource) -> Registry {
        let kind = if kind == "gitee" { kind } else { "git" };
        Registry {
            name: name.to_string(),
            settings: json!({"name": name, kind: source.to_settings()}),
        }
    }

    /// The settings of a git, gitee or gitlab registry, with its kind (`None` for another type).
    ///
    /// ```
    /// let r = vela_addons::registry::Registry::local("mine", "/srv/addons");
    /// assert!(r.git_source().is_none());
    /// ```
    ///
    /// # Errors
    /// Those of [`crate::git::GitSource::from_settings`].
    pub fn git_source(&self) -> Option<crate::git::Result<(&'static str, crate::git::GitSource)>> {
        let kind = ["git", "gitee", "gitlab"]
            .into_iter()
            .find(|k| self.settings.get(*k).is_some_and(|v| !v.is_null()))?;
        Some(crate::git::GitSource::from_settings(&self.name, kind, &self.settings[kind]).map(|s| (kind, s)))
    }

    /// The settings object of a git, gitee or gitlab entry (the ones that carry a token).
    fn token_source(&self) -> Option<&Value> {
        ["git", "gitee", "gitlab"]
            .into_iter()
            .find_map(|k| self.settings.get(k).filter(|v| v.is_object()))
    }

    fn token_source_mut(&mut self) -> Option<&mut Map<String, Value>> {
        let kind = ["git", "gitee", "gitlab"]
            .into_iter()
            .find(|k| self.settings.get(*k).is_some_and(Value::is_object))?;
        self.settings.get_mut(kind)?.as_object_mut()
    }

    /// The Secret named by the entry's `tokenSecretRef` (git, gitee and gitlab entries).
    ///
    /// ```
    /// use serde_json::json;
    /// let r = vela_addons::registry::Registry { name: "c".into(), settings: json!({"git": {"url": "u", "tokenSecretRef": "addon-registry-c"}}) };
    /// assert_eq!(r.token_secret_ref(), Some("addon-registry-c"));
    /// ```
    pub fn token_secret_ref(&self) -> Option<&str> {
        self.token_source()?["tokenSecretRef"]
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// The token written in the entry itself (KubeVela before v1.10 kept it there).
    ///
    /// ```
    /// use serde_json::json;
    /// let r = vela_addons::registry::Registry { name: "c".into(), settings: json!({"git": {"url": "u", "token": "t"}}) };
    /// assert_eq!(r.inline_token(), Some("t"));
    /// ```
    pub fn inline_token(&self) -> Option<&str> {
        self.token_source()?["token"].as_str().filter(|s| !s.is_empty())
    }

    /// Sets the token read from the entry's Secret (as KubeVela does when it reads a registry):
    /// `token` set, `tokenSecretRef` dropped.
    ///
    /// ```
    /// use serde_json::json;
    /// let mut r = vela_addons::registry::Registry { name: "c".into(), settings: json!({"git": {"url": "u", "tokenSecretRef": "addon-registry-c"}}) };
    /// r.set_token("t");
    /// assert_eq!((r.inline_token(), r.token_secret_ref()), (Some("t"), None));
    /// ```
    pub fn set_token(&mut self, token: &str) {
        if let Some(m) = self.token_source_mut() {
            m.insert("token".into(), json!(token));
            m.remove("tokenSecretRef");
        }
    }

    /// Moves an inline token out of the entry, as KubeVela stores a registry: the entry gets
    /// `tokenSecretRef: addon-registry-<name>` and the Secret to write is returned (`None`
    /// when the entry has no inline token).
    ///
    /// ```
    /// use serde_json::json;
    /// let mut r = vela_addons::registry::Registry { name: "c".into(), settings: json!({"git": {"url": "u", "token": "t"}}) };
    /// let secret = r.take_token_into_secret().unwrap();
    /// assert_eq!(r.settings, json!({"git": {"url": "u", "tokenSecretRef": "addon-registry-c"}}));
    /// assert_eq!(vela_addons::registry::token_from_secret(&secret).as_deref(), Some("t"));
    /// ```
    pub fn take_token_into_secret(&mut self) -> Option<Value> {
        let token = self.inline_token()?.to_string();
        let secret = token_secret(&self.name, &token);
        let name = format!("{TOKEN_SECRET_PREFIX}{}", self.name);
        let m = self.token_source_mut()?;
        m.remove("token");
        m.insert("tokenSecretRef".into(), json!(name));
        Some(secret)
    }

    /// The entry as shown to users: a helm password masked, a git token left out (KubeVela's
    /// `SafeCopy`), the `tokenSecretRef` kept.
    ///
    /// ```
    /// use serde_json::json;
    /// let r = vela_addons::registry::Registry { name: "c".into(), settings: json!({"git": {"url": "u", "token": "t"}}) };
    /// assert_eq!(r.shown(), json!({"git": {"url": "u"}}));
    /// ```
    pub fn shown(&self) -> Value {
        let mut v = self.settings.clone();
        if let Some(p) = v.get_mut("helm").and_then(|h| h.get_mut("password"))
            && p.as_str().is_some_and(|s| !s.is_empty())
        {
            *p = Value::String("********".into());
        }
        for kind in ["git", "gitee", "gitlab"] {
            if let Some(m) = v.get_mut(kind).and_then(Value::as_object_mut) {
                m.remove("token");
            }
        }
        v
    }

    /// The directory of a local registry.
    ///
    /// ```
    /// assert_eq!(vela_addons::registry::Registry::local("m", "/a").local_path(), Some("/a"));
    /// ```
    pub fn local_path(&self) -> Option<&str> {
        self.settings["local"]["path"].as_str()
    }

    /// The registry's type: `local`, `helm`, `git`, `gitee`, `gitlab`, `oss`, or `unknown`.
    ///
    /// ```
    /// assert_eq!(vela_addons::registry::Registry::local("m", "/a").kind(), "local");
    /// ```
    pub fn kind(&self) -> &'static str {
        ["local", "helm", "git", "gitee", "gitlab", "oss"]
            .into_iter()
            .find(|k| self.settings.get(*k).is_some_and(|v| !v.is_null()))
            .unwrap_or("unknown")
    }
}

/// The registries of the ConfigMap (`None`: no ConfigMap), by name.
///
/// # Errors
/// [`Error::Field`] when `data.registries` is not a JSON object.
pub fn from_configmap(cm: Option<&Value>) -> Result<Vec<Registry>> {
    let Some(text) = cm.and_then(|c| c["data"][KEY].as_str()) else {
        return Ok(Vec::new());
    };
    let file = format!("ConfigMap {VELA_SYSTEM}/{CONFIGMAP}");
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m
            .into_iter()
            .map(|(name, settings)| Registry { name, settings })
            .collect()),
        Ok(_) => Err(Error::field(
            &file,
            format!("data.{KEY}"),
            "expected a JSON object",
        )),
        Err(e) => Err(Error::field(&file, format!("data.{KEY}"), e.to_string())),
    }
}

/// The ConfigMap holding `registries`.
///
/// ```
/// use vela_addons::registry::{Registry, configmap, from_configmap};
/// let cm = configmap(&[Registry::local("mine", "/srv/addons")]);
/// assert_eq!(cm["metadata"]["name"], "vela-addon-registry");
/// assert_eq!(from_configmap(Some(&cm)).unwrap(), [Registry::local("mine", "/srv/addons")]);
/// ```
pub fn configmap(registries: &[Registry]) -> Value {
    let map: Map<String, Value> = registries
        .iter()
        .map(|r| (r.name.clone(), r.settings.clone()))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIGMAP, "namespace": VELA_SYSTEM},
        "data": {KEY: Value::Object(map).to_string()},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubevela_entries_are_kept_and_typed() {
        let cm = json!({"data": {"registries": r#"{"KubeVela":{"name":"KubeVela","helm":{"url":"https://kubevela.github.io/catalog/official"}},"mine":{"name":"mine","local":{"path":"/a"}}}"#}});
        let rs = from_configmap(Some(&cm)).unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!((rs[0].name.as_str(), rs[0].kind()), ("KubeVela", "helm"));
        assert_eq!(rs[1].local_path(), Some("/a"));
        assert_eq!(from_configmap(Some(&configmap(&rs))).unwrap(), rs);
        let bad = json!({"data": {"registries": "[1]"}});
        assert_eq!(
            from_configmap(Some(&bad)).unwrap_err().to_string(),
            "ConfigMap vela-system/vela-addon-registry: data.registries: expected a JSON object"
        );
        assert!(from_configmap(None).unwrap().is_empty());
    }
}
