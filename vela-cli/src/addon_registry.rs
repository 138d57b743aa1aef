//! `vela addon registry add|update|list|get|delete` and where `vela addon enable|upgrade|list`
//! find addons: the registries of the hub's ConfigMap `vela-system/vela-addon-registry` (local
//! directories, git repositories and helm repositories; a local or git registry that has an
//! addon wins over a helm one), or the one local directory of `--registry`.
//!
//! Helm and git repositories are read through the guarded HTTP client (a `git://` one through
//! the same address guard): a registry on a private, loopback or link-local address is refused
//! unless `--allow-private-registry` (or `VELA_ALLOW_PRIVATE_REGISTRY=true`) is given, and then
//! only the registry's own host is let through.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::Value;
use vela_addons::git::{GitRegistry, GitSource};
use vela_addons::helm::{Fetched, HelmRegistry, HelmSource, Index, Options};
use vela_addons::registry::Registry;

use crate::cli::ListingFormat;
use crate::cluster::HubArgs;
use crate::commands::{document, table};
use crate::deliver::runtime;

/// One registry to read.
pub(crate) enum Source {
    /// A directory of addon directories.
    Local(PathBuf),
    /// A helm repository (its registry client).
    Helm(Box<HelmRegistry>),
    /// A git repository, read once: the registry's name and its addons by name.
    Git(String, BTreeMap<String, vela_addons::Addon>),
}

/// Reads a git registry (its addons that do not load are reported and left out).
fn read_git(name: &str, source: &GitSource, allow_private: bool) -> Result<Source> {
    let options = vela_addons::git::Options::default().allowing_private(allow_private);
    let snapshot = GitRegistry::new(name, source, &options)?.snapshot()?;
    for (dir, e) in &snapshot.skipped {
        eprintln!("Warning: registry {name}: addon directory {dir}: {e}");
    }
    Ok(Source::Git(name.to_string(), snapshot.addons))
}

/// The registries to read: `--registry`, else (unless `addon` is a path) those of the hub's
/// ConfigMap that can be read (others are reported and skipped).
pub(crate) fn sources(
    flag: Option<&Path>,
    hub: &HubArgs<'_>,
    addon: Option<&str>,
    allow_private: bool,
) -> Result<Vec<Source>> {
    if let Some(dir) = flag {
        return Ok(vec![Source::Local(dir.to_path_buf())]);
    }
    if addon.is_some_and(|a| Path::new(a).exists()) {
        return Ok(Vec::new());
    }
    let options = Options::default().allowing_private(allow_private);
    let mut out = Vec::new();
    for r in configured(hub)? {
        if let Some(path) = r.local_path() {
            out.push(Source::Local(PathBuf::from(path)));
            continue;
        }
        if let Some(git) = r.git_source() {
            match git
                .map_err(anyhow::Error::from)
                .and_then(|(_, source)| read_git(&r.name, &source, allow_private))
            {
                Ok(source) => out.push(source),
                Err(e) => eprintln!("Warning: {e:#}"),
            }
            continue;
        }
        match r.helm_source() {
            Some(Ok(source)) => match HelmRegistry::new(&r.name, &source, &options) {
                Ok(h) => out.push(Source::Helm(Box::new(h))),
                Err(e) => eprintln!("Warning: {e}"),
            },
            Some(Err(e)) => eprintln!("Warning: {e}"),
            None => eprintln!(
                "Warning: registry {}: type {} is not supported yet, skipped",
                r.name,
                r.kind()
            ),
        }
    }
    Ok(out)
}

/// The indexes of the helm registries among `sources`, read once (a registry that cannot be
/// read is reported and skipped).
pub(crate) async fn indexes(sources: &[Source]) -> Vec<Option<Index>> {
    let mut out = Vec::with_capacity(sources.len());
    for s in sources {
        out.push(match s {
            Source::Local(_) | Source::Git(..) => None,
            Source::Helm(h) => match h.index().await {
                Ok(i) => Some(i),
                Err(e) => {
                    eprintln!("Warning: {e}");
                    None
                }
            },
        });
    }
    out
}

/// Downloads `addon` (at `version`, else its highest release) from the first helm registry
/// whose index lists it; with the registry's name.
pub(crate) async fn fetch_helm(
    sources: &[Source],
    indexes: &[Option<Index>],
    addon: &str,
    version: Option<&str>,
) -> Result<Option<(Fetched, String)>> {
    for (s, index) in sources.iter().zip(indexes) {
        if let (Source::Helm(h), Some(index)) = (s, index)
            && !index.versions(addon).is_empty()
        {
            let fetched = h.fetch(index, addon, version).await?;
            return Ok(Some((fetched, h.name().to_string())));
        }
    }
    Ok(None)
}

/// The dependencies of `meta` that are not enabled yet, in the order to enable them (each the
/// highest version that fits, from the first registry that has it), loaded, with their
/// registry's name. A helm index does not say what an addon depends on, so each planned helm
/// package is downloaded and the plan made again with what it declares, until nothing new is
/// learnt (each round downloads at least one new package, so this ends).
pub(crate) async fn dependencies(
    sources: &[Source],
    indexes: &[Option<Index>],
    meta: &vela_addons::Meta,
    installed: &BTreeMap<String, String>,
) -> Result<Vec<(vela_addons::Addon, String)>> {
    // the first registry that has an addon wins
    let mut available: BTreeMap<String, (Vec<vela_addons::Meta>, usize)> = BTreeMap::new();
    for (i, s) in sources.iter().enumerate().rev() {
        match (s, &indexes[i]) {
            (Source::Local(dir), _) => {
                for (name, (meta, _)) in registry_addons(dir)? {
                    available.insert(name, (vec![meta], i));
                }
            }
            (Source::Helm(_), Some(index)) => {
                for (name, versions) in &index.entries {
                    available.insert(name.clone(), (versions.iter().map(|v| v.meta()).collect(), i));
                }
            }
            (Source::Git(_, addons), _) => {
                for (name, addon) in addons {
                    available.insert(name.clone(), (vec![addon.meta.clone()], i));
                }
            }
            (Source::Helm(_), None) => {}
        }
    }
    let mut fetched: BTreeMap<(String, String), vela_addons::Addon> = BTreeMap::new();
    loop {
        let metas: vela_addons::resolve::Available = available
            .iter()
            .map(|(name, (metas, _))| (name.clone(), metas.clone()))
            .collect();
        let plan = vela_addons::resolve::plan(meta, installed, &metas)?;
        let mut learnt = false;
        for dep in &plan {
            let i = available[&dep.name].1;
            let key = (dep.name.clone(), dep.version.clone());
            if let (Source::Helm(h), Some(index)) = (&sources[i], &indexes[i])
                && !fetched.contains_key(&key)
            {
                let f = h.fetch(index, &dep.name, Some(&dep.version)).await?;
                // what the package declares replaces what the index knew (its version string kept)
                let mut declared = f.addon.meta.clone();
                declared.version = dep.version.clone();
                learnt |= !declared.dependencies.is_empty();
                if let Some(m) = available
                    .get_mut(&dep.name)
                    .and_then(|(ms, _)| ms.iter_mut().find(|m| m.version == dep.version))
                {
                    *m = declared;
                }
                fetched.insert(key, f.addon);
            }
        }
        if learnt {
            continue;
        }
        let mut out = Vec::with_capacity(plan.len());
        for dep in plan {
            let i = available[&dep.name].1;
            out.push(match &sources[i] {
                Source::Helm(h) => {
                    let addon = fetched
                        .remove(&(dep.name.clone(), dep.version.clone()))
                        .ok_or_else(|| anyhow!("addon {} {} was not downloaded", dep.name, dep.version))?;
                    (addon, h.name().to_string())
                }
                Source::Local(dir) => {
                    let path = registry_addons(dir)?
                        .remove(&dep.name)
                        .map(|(_, p)| p)
                        .ok_or_else(|| anyhow!("addon {} left {}", dep.name, dir.display()))?;
                    let addon = vela_addons::Addon::load(&path)
                        .with_context(|| format!("load addon {}", path.display()))?;
                    (addon, "local".to_string())
                }
                Source::Git(registry, addons) => {
                    let addon = addons
                        .get(&dep.name)
                        .cloned()
                        .ok_or_else(|| anyhow!("addon {} left registry {registry}", dep.name))?;
                    (addon, registry.clone())
                }
            });
        }
        return Ok(out);
    }
}

/// The addons of a local registry directory, by name: their metadata and directory.
pub(crate) fn registry_addons(dir: &Path) -> Result<BTreeMap<String, (vela_addons::Meta, PathBuf)>> {
    let mut out = BTreeMap::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("read the addon registry {}", dir.display()))?;
    for e in entries.filter_map(std::result::Result::ok) {
        let path = e.path();
        let meta_file = path.join("metadata.yaml");
        let Ok(text) = std::fs::read_to_string(&meta_file) else {
            continue;
        };
        match vela_addons::Meta::parse(&text) {
            Ok(meta) if !meta.name.is_empty() => {
                out.insert(meta.name.clone(), (meta, path));
            }
            Ok(_) => {}
            Err(e) => eprintln!("Warning: {}: {e}", path.display()),
        }
    }
    Ok(out)
}

/// The registries of the hub's ConfigMap, each git registry's token read from the Secret its
/// `tokenSecretRef` names (a token written in the ConfigMap itself is used, with KubeVela's
/// warning; a missing Secret means no token, as in KubeVela).
pub(crate) fn configured(hub: &HubArgs<'_>) -> Result<Vec<Registry>> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let objects = hub.fleet.hub();
    let cm = rt.block_on(objects.get(&crate::addon::key(
        "v1",
        "ConfigMap",
        vela_addons::registry::CONFIGMAP,
    )))?;
    let mut all = vela_addons::registry::from_configmap(cm.as_ref())?;
    for r in &mut all {
        if let Some(secret) = r.token_secret_ref().map(str::to_string) {
            let found = rt.block_on(objects.get(&crate::addon::key("v1", "Secret", &secret)))?;
            if let Some(token) = found.as_ref().and_then(vela_addons::registry::token_from_secret) {
                r.set_token(&token);
            }
        } else if r.inline_token().is_some() {
            eprintln!(
                "Warning: addon registry {} is using an insecure token stored in ConfigMap. Please edit and save this addon registry again to migrate the token to a secret.",
                r.name
            );
        }
    }
    Ok(all)
}

/// `vela addon push PATH REGISTRY [--force]`: packages a directory (or reads a `.tgz`) and
/// uploads it to the hub's helm registry `registry`.
pub fn push(
    path: &Path,
    registry: &str,
    force: bool,
    hub: &HubArgs<'_>,
    allow_private: bool,
) -> Result<String> {
    let (file, bytes) = if path.is_dir() {
        vela_addons::package(path)?
    } else {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        // refuse what is not an addon (within the loader's bounds) before sending it
        vela_addons::Addon::load(path)?;
        let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
        (file, bytes)
    };
    let found = configured(hub)?
        .into_iter()
        .find(|r| r.name == registry)
        .ok_or_else(|| {
            anyhow::anyhow!("no addon registry {registry:?} (vela addon registry list shows them)")
        })?;
    let source = match found.helm_source() {
        Some(source) => source?,
        None => bail!(
            "registry {registry} is of type {}: only helm registries take pushed addons",
            found.kind()
        ),
    };
    let client = HelmRegistry::new(
        registry,
        &source,
        &Options::default().allowing_private(allow_private),
    )?;
    runtime()?.block_on(client.push(&file, &bytes, force))?;
    Ok(format!(
        "Pushed {file} ({} bytes) to registry {registry}\n",
        bytes.len()
    ))
}

/// `vela addon registry add NAME` (and `update NAME`)'s settings.
pub struct Add<'a> {
    /// The registry's name.
    pub name: &'a str,
    /// `--type`: `local`, `helm`, `git`, `gitee` or `gitlab` (`None` on update: unchanged).
    pub kind: Option<&'a str>,
    /// `--path`: the directory of a local registry, or the directory of a git repository that
    /// holds the addons.
    pub path: Option<&'a Path>,
    /// `--endpoint`: the URL of a helm or git repository (of the GitLab server for `gitlab`).
    pub endpoint: Option<&'a str>,
    /// `--gitToken`: the token of a git repository.
    pub token: Option<&'a str>,
    /// `--repo`: the project of a `gitlab` registry (`group/project`).
    pub repo: Option<&'a str>,
    /// `--username`.
    pub username: Option<&'a str>,
    /// `--password`.
    pub password: Option<&'a str>,
    /// `--insecureSkipTLS`.
    pub insecure_skip_tls: bool,
    /// `--allow-private-registry`.
    pub allow_private: bool,
}

impl Add<'_> {
    /// Adds (or replaces) the registry. A helm repository's index, or a git repository, is read
    /// first, as KubeVela does for helm, so a registry that cannot be read is not stored.
    pub fn run(&self, hub: &HubArgs<'_>) -> Result<String> {
        let (registry, said) = self.build(None)?;
        let mut all = configured(hub)?;
        all.retain(|r| r.name != self.name);
        all.push(registry);
        store(&all, hub)?;
        Ok(format!("Registry {} added: {said}\n", self.name))
    }

    /// `vela addon registry update NAME`: the registry's settings with the flags given
    /// replacing the stored ones (a new `--type` starts from nothing), read again before it is
    /// stored.
    pub fn update(&self, hub: &HubArgs<'_>) -> Result<String> {
        let mut all = configured(hub)?;
        let at = all.iter().position(|r| r.name == self.name).ok_or_else(|| {
            anyhow!(
                "no addon registry named {} (add it with `vela addon registry add`)",
                self.name
            )
        })?;
        let (registry, said) = self.build(Some(&all[at]))?;
        all[at] = registry;
        store(&all, hub)?;
        Ok(format!("Registry {} updated: {said}\n", self.name))
    }

    /// The registry the flags describe, over `old`'s settings (on update), and what to say.
    fn build(&self, old: Option<&Registry>) -> Result<(Registry, String)> {
        let name = self.name;
        let kind = self.kind.or(old.map(Registry::kind)).unwrap_or("local");
        // the stored settings of the same type, for the flags not given
        let before = old
            .filter(|o| o.kind() == kind)
            .map(|o| o.settings[kind].clone())
            .unwrap_or(Value::Null);
        let stored = |field: &str| before[field].as_str().unwrap_or_default().to_string();
        let given = |flag: Option<&str>, field: &str| flag.map_or_else(|| stored(field), str::to_string);
        let path_flag = self.path.map(|p| p.display().to_string());
        match kind {
            "local" => {
                let path = given(path_flag.as_deref(), "path");
                if path.is_empty() {
                    bail!("a local registry needs --path DIR");
                }
                let dir =
                    std::fs::canonicalize(&path).with_context(|| format!("registry directory {path}"))?;
                if !dir.is_dir() {
                    bail!("{} is not a directory", dir.display());
                }
                let said = format!("local {}", dir.display());
                Ok((Registry::local(name, &dir.display().to_string()), said))
            }
            "helm" => {
                let url = given(self.endpoint, "url");
                if url.is_empty() {
                    bail!("addon registry must set --endpoint flag");
                }
                let mut source = HelmSource::new(&url).with_basic_auth(
                    &given(self.username, "username"),
                    &given(self.password, "password"),
                );
                source.insecure_skip_tls =
                    self.insecure_skip_tls || before["insecureSkipTLS"].as_bool().unwrap_or(false);
                let registry = Registry::helm(name, &source);
                // the stored form must read back
                let source = registry
                    .helm_source()
                    .ok_or_else(|| anyhow!("registry {name}: no helm settings"))??;
                let options = Options::default().allowing_private(self.allow_private);
                let client = HelmRegistry::new(name, &source, &options)?;
                let index = runtime()?
                    .block_on(client.index())
                    .with_context(|| format!("fail to add registry {name}"))?;
                let said = format!("helm {url} ({} addons)", index.entries.len());
                Ok((registry, said))
            }
            "git" | "gitee" | "gitlab" => {
                let url = given(self.endpoint, "url");
                if url.is_empty() {
                    bail!("addon registry must set --endpoint flag (the git repository's URL)");
                }
                let mut settings = serde_json::json!({
                    "url": url,
                    "path": given(path_flag.as_deref(), "path"),
                });
                let token = given(self.token, "token");
                if !token.is_empty() {
                    settings["token"] = token.into();
                }
                if kind == "gitlab" {
                    let repo = given(self.repo, "repo");
                    if repo.is_empty() {
                        bail!("a gitlab registry needs --repo GROUP/PROJECT");
                    }
                    settings["repo"] = repo.into();
                }
                let registry = Registry {
                    name: name.to_string(),
                    settings: serde_json::json!({"name": name, kind: settings}),
                };
                // the stored form must read back, and the repository be readable
                let (_, source) = registry
                    .git_source()
                    .ok_or_else(|| anyhow!("registry {name}: no git settings"))??;
                let read = read_git(name, &source, self.allow_private)
                    .with_context(|| format!("fail to add registry {name}"))?;
                let n = match read {
                    Source::Git(_, addons) => addons.len(),
                    _ => 0,
                };
                Ok((registry, format!("{kind} {} ({n} addons)", source.url)))
            }
            other => bail!(
                "registry type {other:?} is not supported (`local`: a directory of addons; `helm`: a chart repository; `git`, `gitee`, `gitlab`: a git repository)"
            ),
        }
    }
}

/// `vela addon registry delete NAME`.
pub fn delete(name: &str, hub: &HubArgs<'_>) -> Result<String> {
    let mut all = configured(hub)?;
    let Some(at) = all.iter().position(|r| r.name == name) else {
        bail!("no addon registry named {name}");
    };
    let gone = all.remove(at);
    store(&all, hub)?;
    // its token's Secret goes with it
    if let Some(secret) = gone.token_secret_ref().map(str::to_string).or_else(|| {
        gone.inline_token()
            .map(|_| format!("{}{name}", vela_addons::registry::TOKEN_SECRET_PREFIX))
    }) {
        let rt = runtime()?;
        let hub = rt.block_on(hub.connect())?;
        rt.block_on(
            hub.fleet
                .hub()
                .delete(&crate::addon::key("v1", "Secret", &secret)),
        )?;
    }
    Ok(format!("Registry {name} deleted\n"))
}

/// The settings as shown: a helm registry's password masked, a git registry's token left out
/// (KubeVela's `SafeCopy`).
fn shown(r: &Registry) -> Value {
    r.shown()
}

/// `vela addon registry list`.
pub fn list(hub: &HubArgs<'_>, format: ListingFormat) -> Result<String> {
    let all = configured(hub)?;
    if format == ListingFormat::Table {
        let rows: Vec<[String; 3]> = all
            .iter()
            .map(|r| {
                let location = r.local_path().map(str::to_string).unwrap_or_else(|| {
                    let k = r.kind();
                    r.settings[k]["url"].as_str().unwrap_or_default().to_string()
                });
                [r.name.clone(), r.kind().to_string(), location]
            })
            .collect();
        return Ok(table(&["NAME", "TYPE", "URL"], &rows));
    }
    document(&Value::Array(all.iter().map(shown).collect()), format)
}

/// `vela addon registry get NAME`.
pub fn get(name: &str, hub: &HubArgs<'_>, format: ListingFormat) -> Result<String> {
    let r = configured(hub)?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| anyhow!("no addon registry named {name}"))?;
    let format = if format == ListingFormat::Table {
        ListingFormat::Yaml
    } else {
        format
    };
    document(&shown(&r), format)
}

/// Stores the registries: every token goes to its Secret `addon-registry-<name>` first, the
/// ConfigMap names it (`tokenSecretRef`), as KubeVela stores them.
fn store(all: &[Registry], hub: &HubArgs<'_>) -> Result<()> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let objects = hub.fleet.hub();
    let mut all = all.to_vec();
    for r in &mut all {
        if let Some(secret) = r.take_token_into_secret() {
            rt.block_on(objects.apply("", secret))?;
        }
    }
    let cm = vela_addons::registry::configmap(&all);
    rt.block_on(objects.apply("", cm))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_when_shown() {
        let r = Registry::helm("r", &HelmSource::new("https://x").with_basic_auth("u", "p"));
        let v = shown(&r);
        assert_eq!(
            (v["helm"]["username"].as_str(), v["helm"]["password"].as_str()),
            (Some("u"), Some("********"))
        );
        let local = Registry::local("l", "/a");
        assert_eq!(shown(&local), local.settings);
    }
}
