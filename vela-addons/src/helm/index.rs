//! A Helm chart repository's `index.yaml` as KubeVela reads it for addons: `entries.<addon>[]`,
//! each with `version`, `urls`, an optional `digest` (sha256 of the package) and KubeVela's
//! annotations (`system.vela`, `system.kubernetes`).
//!
//! Versions are kept highest first (semver; versions that do not parse sort last, as in Helm).
//! Without a requested version the highest release (not pre-release) version is chosen, as
//! KubeVela's `chooseVersion` does.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{Error, Result};
use crate::meta::{Meta, SystemRequirements};
use crate::resolve::parse_version;

/// One version of an addon in the index (Helm's `ChartVersion`, the fields addons use).
///
/// ```
/// let index = vela_addons::helm::Index::parse("r", "entries: {a: [{version: 1.0.0, urls: [a-1.0.0.tgz]}]}").unwrap();
/// let v = &index.versions("a")[0];
/// assert_eq!((v.version.as_str(), v.urls[0].as_str(), v.digest.as_deref()), ("1.0.0", "a-1.0.0.tgz", None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChartVersion {
    /// The addon's name (the entry's key).
    pub name: String,
    /// `version`.
    pub version: String,
    /// `urls`: absolute, or relative to the repository URL.
    pub urls: Vec<String>,
    /// `digest`: the sha256 (hex) of the package, when the index gives one.
    pub digest: Option<String>,
    /// `description`.
    pub description: String,
    /// `icon`.
    pub icon: String,
    /// `keywords` (the addon's tags).
    pub keywords: Vec<String>,
    /// `annotations` (`system.vela`, `system.kubernetes`, `addon.name`).
    pub annotations: BTreeMap<String, String>,
}

impl ChartVersion {
    /// The addon's metadata as far as the index knows it (name, version, description, icon,
    /// tags and the `system.*` annotations); what [`crate::resolve::plan`] needs.
    ///
    /// ```
    /// let index = vela_addons::helm::Index::parse("r", "entries: {a: [{version: 2.0.0, annotations: {system.vela: '>=1.9'}}]}").unwrap();
    /// let meta = index.versions("a")[0].meta();
    /// assert_eq!((meta.name.as_str(), meta.version.as_str()), ("a", "2.0.0"));
    /// assert_eq!(meta.system.unwrap().vela, ">=1.9");
    /// ```
    pub fn meta(&self) -> Meta {
        let vela = self.annotations.get("system.vela").cloned().unwrap_or_default();
        let kubernetes = self
            .annotations
            .get("system.kubernetes")
            .cloned()
            .unwrap_or_default();
        Meta {
            name: self.name.clone(),
            version: self.version.clone(),
            description: self.description.clone(),
            icon: self.icon.clone(),
            tags: self.keywords.clone(),
            system: (!vela.is_empty() || !kubernetes.is_empty())
                .then_some(SystemRequirements { vela, kubernetes }),
            ..Meta::default()
        }
    }
}

/// The addons of a helm-repository registry and their versions, highest first.
///
/// ```
/// let index = vela_addons::helm::Index::parse("r", "apiVersion: v1\nentries:\n  a:\n  - {version: 1.0.0}\n  - {version: 1.2.0}\n  - {version: 2.0.0-rc.1}\n").unwrap();
/// let versions: Vec<&str> = index.versions("a").iter().map(|v| v.version.as_str()).collect();
/// assert_eq!(versions, ["2.0.0-rc.1", "1.2.0", "1.0.0"]);
/// assert_eq!(index.choose("a", None).unwrap().version, "1.2.0");
/// assert_eq!(index.choose("a", Some("1.0.0")).unwrap().version, "1.0.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Index {
    /// The registry's name (for errors).
    pub registry: String,
    /// Addon name to its versions, highest first.
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
}

impl Index {
    /// Parses the text of an `index.yaml`.
    ///
    /// ```
    /// let err = vela_addons::helm::Index::parse("r", "entries: {a: [{version: 1, urls: x}]}").unwrap_err();
    /// assert_eq!(err.to_string(), "registry r: index.yaml: entries.a[0].urls: expected a list of strings");
    /// ```
    ///
    /// # Errors
    /// [`Error::Index`] naming the field that is wrong.
    pub fn parse(registry: &str, text: &str) -> Result<Index> {
        let bad = |field: String, message: &str| Error::Index {
            registry: registry.to_string(),
            field,
            message: message.to_string(),
        };
        let doc: Value = vela_model::parse::from_str(text, vela_model::parse::Mode::Lenient)
            .map_err(|e| bad(String::new(), &e.to_string()))?;
        let entries = match &doc["entries"] {
            Value::Null => {
                return Ok(Index {
                    registry: registry.to_string(),
                    ..Index::default()
                });
            }
            Value::Object(m) => m,
            _ => return Err(bad("entries".into(), "expected a mapping")),
        };
        let mut out = BTreeMap::new();
        for (name, list) in entries {
            let list = match list {
                Value::Null => continue,
                Value::Array(a) => a,
                _ => return Err(bad(format!("entries.{name}"), "expected a list")),
            };
            let mut versions = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                let at = |f: &str| format!("entries.{name}[{i}].{f}");
                if !v.is_object() {
                    return Err(bad(format!("entries.{name}[{i}]"), "expected a mapping"));
                }
                let text = |f: &str| -> Result<String> {
                    match &v[f] {
                        Value::Null => Ok(String::new()),
                        Value::String(s) => Ok(s.clone()),
                        // `version: 1` is a number in YAML, a string to Helm
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(bad(at(f), "expected a string")),
                    }
                };
                let strings = |f: &str| -> Result<Vec<String>> {
                    match &v[f] {
                        Value::Null => Ok(Vec::new()),
                        Value::Array(a) => a
                            .iter()
                            .map(|x| x.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| bad(at(f), "expected a list of strings")),
                        _ => Err(bad(at(f), "expected a list of strings")),
                    }
                };
                let annotations = match &v["annotations"] {
                    Value::Null => BTreeMap::new(),
                    Value::Object(m) => m
                        .iter()
                        .map(|(k, x)| match x {
                            Value::String(s) => Ok((k.clone(), s.clone())),
                            _ => Err(bad(at(&format!("annotations.{k}")), "expected a string")),
                        })
                        .collect::<Result<_>>()?,
                    _ => return Err(bad(at("annotations"), "expected a mapping")),
                };
                let version = text("version")?;
                if version.is_empty() {
                    return Err(bad(at("version"), "missing"));
                }
                let digest = text("digest")?;
                versions.push(ChartVersion {
                    name: name.clone(),
                    version,
                    urls: strings("urls")?,
                    digest: (!digest.is_empty()).then_some(digest),
                    description: text("description")?,
                    icon: text("icon")?,
                    keywords: strings("keywords")?,
                    annotations,
                });
            }
            // highest first; versions that are not semver last, in index order
            versions.sort_by(
                |a, b| match (parse_version(&a.version).ok(), parse_version(&b.version).ok()) {
                    (Some(x), Some(y)) => y.cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                },
            );
            if !versions.is_empty() {
                out.insert(name.clone(), versions);
            }
        }
        Ok(Index {
            registry: registry.to_string(),
            entries: out,
        })
    }

    /// The versions of `addon`, highest first (empty when the registry does not have it).
    ///
    /// ```
    /// let index = vela_addons::helm::Index::parse("r", "entries: {}").unwrap();
    /// assert!(index.versions("a").is_empty());
    /// ```
    pub fn versions(&self, addon: &str) -> &[ChartVersion] {
        self.entries.get(addon).map_or(&[], Vec::as_slice)
    }

    /// The version to install: `version` when given (exactly, or the same semver: `v1.0.0` is
    /// `1.0.0`), else the highest release version.
    ///
    /// ```
    /// let index = vela_addons::helm::Index::parse("r", "entries: {a: [{version: 1.0.0}]}").unwrap();
    /// assert_eq!(index.choose("a", Some("v1.0.0")).unwrap().version, "1.0.0");
    /// assert_eq!(
    ///     index.choose("a", Some("9.9.9")).unwrap_err().to_string(),
    ///     "registry r: addon a has no version 9.9.9 (available: 1.0.0)"
    /// );
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the registry does not have the addon, [`Error::NoVersion`] when
    /// it has not that version (or, with none requested, no release version).
    pub fn choose(&self, addon: &str, version: Option<&str>) -> Result<&ChartVersion> {
        let versions = self.versions(addon);
        if versions.is_empty() {
            return Err(Error::NotFound {
                registry: self.registry.clone(),
                addon: addon.to_string(),
            });
        }
        let found = match version {
            Some(want) => versions.iter().find(|v| v.version == want).or_else(|| {
                let want = parse_version(want).ok()?;
                versions
                    .iter()
                    .find(|v| parse_version(&v.version).ok().as_ref() == Some(&want))
            }),
            None => versions
                .iter()
                .find(|v| parse_version(&v.version).is_ok_and(|s| s.pre.is_empty())),
        };
        found.ok_or_else(|| Error::NoVersion {
            registry: self.registry.clone(),
            addon: addon.to_string(),
            version: version.unwrap_or("a release version").to_string(),
            available: versions.iter().map(|v| v.version.clone()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubevela_style_index_reads_with_annotations_and_sorted_versions() {
        let text = "apiVersion: v1\nentries:\n  fluxcd:\n  - annotations:\n      system.vela: '>=1.5.0'\n      system.kubernetes: '>=1.19'\n    description: Flux\n    digest: abc\n    keywords: [gitops]\n    name: fluxcd\n    urls: [https://x/fluxcd-1.0.0.tgz]\n    version: 1.0.0\n  - name: fluxcd\n    urls: [fluxcd-2.1.0.tgz]\n    version: v2.1.0\n  - {version: master}\n  empty: []\ngenerated: '2022-01-01T00:00:00Z'\n";
        let index = Index::parse("KubeVela", text).unwrap();
        assert_eq!(index.entries.keys().collect::<Vec<_>>(), ["fluxcd"]);
        let v: Vec<&str> = index
            .versions("fluxcd")
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(v, ["v2.1.0", "1.0.0", "master"]);
        let old = &index.versions("fluxcd")[1];
        assert_eq!(old.digest.as_deref(), Some("abc"));
        let meta = old.meta();
        assert_eq!(meta.tags, ["gitops"]);
        assert_eq!(meta.system.unwrap().kubernetes, ">=1.19");
        assert_eq!(index.choose("fluxcd", None).unwrap().version, "v2.1.0");
        assert_eq!(index.choose("fluxcd", Some("master")).unwrap().version, "master");
        assert!(matches!(index.choose("nope", None), Err(Error::NotFound { .. })));
    }

    #[test]
    fn only_pre_releases_need_a_version() {
        let index = Index::parse("r", "entries: {a: [{version: 1.0.0-beta.1}]}").unwrap();
        assert_eq!(
            index.choose("a", None).unwrap_err().to_string(),
            "registry r: addon a has no version a release version (available: 1.0.0-beta.1)"
        );
        assert!(index.choose("a", Some("1.0.0-beta.1")).is_ok());
    }

    #[test]
    fn bad_indexes_name_the_field() {
        for (text, msg) in [
            (
                "entries: [1]",
                "registry r: index.yaml: entries: expected a mapping",
            ),
            (
                "entries: {a: 1}",
                "registry r: index.yaml: entries.a: expected a list",
            ),
            (
                "entries: {a: [{urls: []}]}",
                "registry r: index.yaml: entries.a[0].version: missing",
            ),
            (
                "entries: {a: [{version: 1, annotations: {x: [1]}}]}",
                "registry r: index.yaml: entries.a[0].annotations.x: expected a string",
            ),
        ] {
            assert_eq!(Index::parse("r", text).unwrap_err().to_string(), msg, "{text}");
        }
        assert!(
            Index::parse("r", "entries: {a: [")
                .unwrap_err()
                .to_string()
                .starts_with("registry r: index.yaml: ")
        );
    }
}
