//! `vela addon enable|disable|list|status`: KubeVela addons through vela-addons and the engine.
//!
//! `enable PATH` loads an addon directory or `.tgz` package (or, by name, an addon of a
//! registry: `--registry DIR` or `VELA_ADDON_REGISTRY`, else the hub's registries, local
//! directories and helm repositories: see [`crate::addon_registry`]; `--version` picks a helm
//! registry's version), renders it with the `k=v` arguments
//! and delivers the Application `addon-<name>` through the engine; the definitions, config
//! templates, UI schemas and views are then applied to the hub in `vela-system`, owned by the
//! Application (so they go when it goes), and the arguments are kept in the Secret
//! `addon-secret-<name>`. `--dry-run` prints the Application and the objects instead (KubeVela's
//! layout) without contacting any cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Value, json};
use vela_addons::{Addon, RenderOptions, Rendered};
use vela_engine::Engine;
use vela_multicluster::{Key, Objects};
use vela_render::Renderer;

use crate::addon_registry::{Source, dependencies, fetch_helm, indexes, sources};
use crate::cli::ListingFormat;
use crate::cluster::HubArgs;
use crate::commands::{document, table};
use crate::deliver::{chain, runtime, settle};

const NS: &str = "vela-system";
const OAM: &str = "core.oam.dev/v1beta1";

/// `vela addon enable`.
pub struct Enable<'a> {
    /// An addon directory, a `.tgz` package, or the name of an addon of the local registry.
    pub addon: &'a str,
    /// `k=v` arguments.
    pub args: &'a [String],
    /// `--clusters`.
    pub clusters: Option<&'a str>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--override-definitions`.
    pub override_definitions: bool,
    /// `--registry`.
    pub registry: Option<&'a Path>,
    /// `--version`: the version to install from a registry (default: its highest release).
    pub version: Option<&'a str>,
    /// `--allow-private-registry`: a helm registry on a private or loopback address may be read.
    pub allow_private: bool,
    /// `--skip-version-validating`.
    pub skip_version_validating: bool,
    /// `vela addon upgrade`: the addon must be enabled, and the new arguments are merged over
    /// those kept in `addon-secret-<name>`.
    pub upgrade: bool,
    /// The hub.
    pub hub: HubArgs<'a>,
}

impl Enable<'_> {
    /// Enables (or prints) the addon; returns what to print.
    pub fn run(&self) -> Result<String> {
        let sources = sources(self.registry, &self.hub, Some(self.addon), self.allow_private)?;
        let rt = runtime()?;
        let indexes = rt.block_on(indexes(&sources));
        let (addon, registry) = self.locate(&rt, &sources, &indexes)?;
        if let Some(want) = self.version
            && !same_version(&addon.meta.version, want)
        {
            bail!(
                "addon {}: version {want} was requested, the registry has {}",
                addon.meta.name,
                addon.meta.version
            );
        }
        let mut args = vela_addons::parse_args(self.args)?;
        if let Some(c) = self.clusters {
            let list: Vec<Value> = c
                .trim_matches(|ch| ch == '{' || ch == '}')
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| json!(s))
                .collect();
            args.insert(vela_addons::render::CLUSTERS_ARG.into(), Value::Array(list));
        }
        if self.dry_run {
            let rendered = addon.render(&RenderOptions {
                args,
                registry,
                ..RenderOptions::default()
            })?;
            // KubeVela's CLI names the directory first (on stdout, trailing space included)
            let mut out = String::new();
            if Path::new(self.addon).is_dir() {
                out.push_str(&format!("enabling addon by local dir: {} \n", self.addon));
            }
            out.push_str(&rendered.dry_run_text());
            return Ok(out);
        }
        let hub = rt.block_on(self.hub.connect())?;
        rt.block_on(async {
            let mut out = String::new();
            // with a registry, the dependencies not enabled yet are enabled first (each its
            // highest version that fits); without one they must be enabled already, as with
            // KubeVela's `vela addon enable DIR`
            if !sources.is_empty() {
                let installed = installed(&**hub.fleet.hub()).await?;
                for (dep_addon, registry) in dependencies(&sources, &indexes, &addon.meta, &installed).await?
                {
                    out.push_str(
                        &enable(
                            &dep_addon,
                            &Default::default(),
                            &hub,
                            &registry,
                            self.override_definitions,
                            self.skip_version_validating,
                        )
                        .await?,
                    );
                }
            }
            let args = if self.upgrade {
                let objects = hub.fleet.hub();
                let name = &addon.meta.name;
                if objects
                    .get(&key(OAM, "Application", &addon.app_name()))
                    .await?
                    .is_none()
                {
                    bail!("addon {name} is not enabled: use `vela addon enable`");
                }
                match objects
                    .get(&key("v1", "Secret", &vela_addons::secret_name(name)))
                    .await?
                {
                    Some(secret) => vela_addons::merge_args(vela_addons::args_from_secret(&secret)?, args),
                    None => args,
                }
            } else {
                args
            };
            out.push_str(
                &enable(
                    &addon,
                    &args,
                    &hub,
                    &registry,
                    self.override_definitions,
                    self.skip_version_validating,
                )
                .await?,
            );
            Ok(out)
        })
    }

    /// The addon: a path, else the first registry that has it (a local directory, or a helm
    /// registry's package at `--version`), with the registry's name for its label.
    fn locate(
        &self,
        rt: &tokio::runtime::Runtime,
        sources: &[Source],
        indexes: &[Option<vela_addons::helm::Index>],
    ) -> Result<(Addon, String)> {
        let locals: Vec<PathBuf> = sources
            .iter()
            .filter_map(|s| match s {
                Source::Local(p) => Some(p.clone()),
                Source::Helm(_) | Source::Git(..) => None,
            })
            .collect();
        let has_helm = sources.iter().any(|s| matches!(s, Source::Helm(_)));
        if let Some(path) = locate(self.addon, &locals, sources.is_empty()) {
            let addon = Addon::load(&path).with_context(|| format!("load addon {}", path.display()))?;
            // a local copy of another version than the one asked for gives way to a helm
            // registry that may have it
            let other = self
                .version
                .is_some_and(|v| !same_version(&addon.meta.version, v));
            if !(other && has_helm) {
                return Ok((addon, "local".into()));
            }
        }
        // a git registry that has it (at the version asked for, if any)
        for s in sources {
            if let Source::Git(registry, addons) = s
                && let Some(addon) = addons.get(self.addon)
                && self
                    .version
                    .is_none_or(|v| same_version(&addon.meta.version, v) || !has_helm)
            {
                return Ok((addon.clone(), registry.clone()));
            }
        }
        if let Some((f, registry)) = rt.block_on(fetch_helm(sources, indexes, self.addon, self.version))? {
            eprintln!(
                "Fetched addon {} {} from registry {registry} ({})",
                f.addon.meta.name, f.addon.meta.version, f.url
            );
            return Ok((f.addon, registry));
        }
        let addon = self.addon;
        if sources.is_empty() {
            bail!(
                "addon {addon}: no such directory or package (name a local registry with --registry, \
                 VELA_ADDON_REGISTRY or `vela addon registry add`)"
            )
        }
        let names: Vec<String> = sources
            .iter()
            .map(|s| match s {
                Source::Local(d) => d.display().to_string(),
                Source::Helm(h) => h.name().to_string(),
                Source::Git(name, _) => name.clone(),
            })
            .collect();
        bail!(
            "addon {addon}: no such directory or package, and not in the registries {}",
            names.join(", ")
        )
    }
}

/// Whether `have` is the requested version `want` (exactly, or as the same semver).
fn same_version(have: &str, want: &str) -> bool {
    have == want
        || matches!(
            (vela_addons::resolve::parse_version(have), vela_addons::resolve::parse_version(want)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// The enabled addons and their versions (the labels of their Applications).
async fn installed(objects: &dyn Objects) -> Result<BTreeMap<String, String>> {
    let apps = objects.list("", OAM, "Application", NS, &BTreeMap::new()).await?;
    Ok(apps
        .iter()
        .filter_map(|a| {
            let labels = &a["metadata"]["labels"];
            Some((
                labels["addons.oam.dev/name"].as_str()?.to_string(),
                labels["addons.oam.dev/version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ))
        })
        .collect())
}

/// Enables one addon whose dependencies are enabled: delivers its Application, applies its
/// objects owned by it, keeps its arguments.
async fn enable(
    addon: &Addon,
    args: &serde_json::Map<String, Value>,
    hub: &crate::cluster::Hub,
    registry: &str,
    override_definitions: bool,
    skip_version_validating: bool,
) -> Result<String> {
    let objects = hub.fleet.hub().clone();
    if !skip_version_validating {
        let server = objects.server_version("").await.ok().flatten();
        let kubernetes = server.as_ref().and_then(|v| v["gitVersion"].as_str());
        vela_addons::resolve::check_system(&addon.meta, vela_addons::resolve::KUBEVELA_VERSION, kubernetes)?;
    }
    let listing = vela_multicluster::registry::list(&*objects)
        .await
        .map_err(|e| anyhow!("list the clusters: {e}"))?;
    let opts = RenderOptions {
        args: args.clone(),
        registry: registry.to_string(),
        known_clusters: Some(listing.clusters.iter().map(|c| c.name.clone()).collect()),
    };
    let rendered = addon.render(&opts)?;
    let app_name = addon.app_name();
    let mut missing = Vec::new();
    for dep in &addon.meta.dependencies {
        let key = key(OAM, "Application", &vela_addons::app_name(&dep.name));
        if objects.get(&key).await?.is_none() {
            missing.push(dep.name.clone());
        }
    }
    if !missing.is_empty() {
        return Err(vela_addons::Error::Dependencies {
            addon: addon.meta.name.clone(),
            missing,
        }
        .into());
    }
    if !override_definitions {
        check_conflicts(&*objects, &rendered, &app_name).await?;
    }
    let app = rendered.typed_application()?;
    // needNamespace components are `raw`, one of the built-ins
    let mut registry = crate::commands::hub_registry(&hub.fleet, None, &[]).await?;
    for d in &rendered.definitions {
        add_definition(&mut registry, d);
    }
    eprintln!(
        "Enabling addon {} {} on {}",
        addon.meta.name, addon.meta.version, hub.description
    );
    let engine = Engine::new(Renderer::new(registry), hub.fleet.clone());
    let first = engine.up(&app).await.map_err(|e| anyhow!(chain(&e)))?;
    let stored = objects
        .get(&key(OAM, "Application", &app_name))
        .await?
        .ok_or_else(|| anyhow!("Application {NS}/{app_name} disappeared"))?;
    let owner = json!([{
        "apiVersion": OAM, "kind": "Application", "name": app_name,
        "uid": stored["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true,
    }]);
    let mut applied = 0;
    for o in rendered.objects() {
        let mut o = o.clone();
        o["metadata"]["ownerReferences"] = owner.clone();
        objects.apply("", o).await?;
        applied += 1;
    }
    let secret_key = key("v1", "Secret", &vela_addons::secret_name(&addon.meta.name));
    if args.is_empty() {
        objects.delete(&secret_key).await?;
    } else {
        let mut s = vela_addons::args_secret(&addon.meta.name, args);
        s["metadata"]["ownerReferences"] = owner.clone();
        objects.apply("", s).await?;
    }
    let (delivered, _, _) = settle(
        &engine,
        hub,
        NS,
        &app_name,
        first,
        false,
        std::time::Duration::ZERO,
    )
    .await
    .map_err(|e| anyhow!(chain(e.as_ref())))?;
    let phase = delivered.status.phase.map_or("unknown", |p| p.as_str());
    let mut out = format!(
        "Addon {} enabled: Application {NS}/{app_name} {phase}, {} objects delivered, {applied} addon objects applied\n",
        addon.meta.name,
        delivered.status.applied_resources.len(),
    );
    if let Some(notes) = &rendered.notes {
        out.push_str(notes);
        out.push('\n');
    }
    Ok(out)
}

pub(crate) fn key(api_version: &str, kind: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: NS.into(),
        name: name.into(),
    }
}

/// The addon directory or package: a path, else a name in a local registry (`None`: not found).
fn locate(addon: &str, registries: &[PathBuf], no_registry: bool) -> Option<PathBuf> {
    let p = Path::new(addon);
    // a package, or a directory that is an addon (a name may also be a local directory)
    if p.is_file() || p.join("metadata.yaml").is_file() || (p.is_dir() && no_registry) {
        return Some(p.to_path_buf());
    }
    registries
        .iter()
        .find(|d| d.join(addon).is_dir())
        .map(|d| d.join(addon))
}

/// Definitions owned by another Application (or another addon) are not overwritten.
async fn check_conflicts(objects: &dyn Objects, rendered: &Rendered, app_name: &str) -> Result<()> {
    let mut conflicts = Vec::new();
    for d in &rendered.definitions {
        let Ok(key) = Key::of("", d) else { continue };
        if let Some(live) = objects.get(&key).await? {
            let owners: Vec<&str> = live["metadata"]["ownerReferences"]
                .as_array()
                .map(|a| a.iter().filter_map(|o| o["name"].as_str()).collect())
                .unwrap_or_default();
            if let Some(other) = owners.iter().find(|o| **o != app_name) {
                conflicts.push(format!("{} {} (owned by {other})", key.kind, key.name));
            }
        }
    }
    if conflicts.is_empty() {
        return Ok(());
    }
    bail!(
        "these definitions already exist and belong to another application: {}; use --override-definitions to take them over",
        conflicts.join(", ")
    )
}

fn add_definition(registry: &mut vela_render::Registry, def: &Value) {
    if def["spec"]["schematic"]["cue"]["template"].as_str().is_none() {
        return;
    }
    let origin = format!(
        "{}/{}.json",
        def["kind"].as_str().unwrap_or_default(),
        def["metadata"]["name"].as_str().unwrap_or_default()
    );
    match vela_render::ops::load::from_text(Path::new(&origin), &def.to_string()) {
        Ok(defs) => defs.into_iter().for_each(|d| registry.insert(d)),
        Err(e) => tracing::warn!(definition = %origin, error = %e, "definition not loaded"),
    }
}

/// `vela addon init NAME`.
pub fn init(name: &str, path: Option<&Path>, samples: bool) -> Result<String> {
    let files = vela_addons::scaffold(name, samples)?;
    let dir = path.map_or_else(|| PathBuf::from(name), Path::to_path_buf);
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!("{} already exists and is not empty", dir.display());
    }
    for f in &files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(&p, &f.text).with_context(|| format!("write {}", p.display()))?;
    }
    Ok(format!(
        "Addon {name} created in {d} ({n} files). Next: edit it, then `vela addon enable {d} --dry-run`\n",
        d = dir.display(),
        n = files.len()
    ))
}

/// `vela addon package DIR -o OUT`.
pub fn package(dir: &Path, output: &Path) -> Result<String> {
    let (file, bytes) =
        vela_addons::package(dir).with_context(|| format!("package addon {}", dir.display()))?;
    let path = output.join(&file);
    std::fs::write(&path, bytes).with_context(|| format!("write {}", path.display()))?;
    Ok(format!("Addon packaged to {}\n", path.display()))
}

/// `vela addon disable NAME`.
pub fn disable(name: &str, force: bool, hub: &HubArgs<'_>) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let objects = hub.fleet.hub().clone();
    let app_name = vela_addons::app_name(name);
    rt.block_on(async {
        let key = key(OAM, "Application", &app_name);
        let Some(app) = objects.get(&key).await? else {
            bail!("addon {name} is not enabled (no Application {NS}/{app_name})");
        };
        if !force {
            let users = users_of(&*objects, &app).await?;
            if !users.is_empty() {
                bail!(
                    "addon {name} is still used by these applications: {}; disable it with --force anyway",
                    users.join(", ")
                );
            }
        }
        let engine = Engine::new(Renderer::new(vela_render::Registry::new()), hub.fleet.clone());
        engine
            .delete(NS, &app_name, false)
            .await
            .map_err(|e| anyhow!(chain(&e)))?;
        // what the Application owned (definitions, config templates, the Secret) goes with it
        Ok(format!(
            "Addon {name} disabled: Application {NS}/{app_name} deleted\n"
        ))
    })
}

/// Applications (other than the addon's) whose components, traits, policies or steps use a
/// definition the addon installed (its `addon.oam.dev/*Definitions` annotations).
async fn users_of(objects: &dyn Objects, addon_app: &Value) -> Result<Vec<String>> {
    let annotations = &addon_app["metadata"]["annotations"];
    let set = |k: &str| -> Vec<String> {
        annotations[k]
            .as_str()
            .map(|s| {
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (comps, traits, policies, steps) = (
        set("addon.oam.dev/componentDefinitions"),
        set("addon.oam.dev/traitDefinitions"),
        set("addon.oam.dev/policyDefinitions"),
        set("addon.oam.dev/workflowStepDefinitions"),
    );
    let mut users = Vec::new();
    for app in objects.list("", OAM, "Application", "", &BTreeMap::new()).await? {
        if app["metadata"]["name"] == addon_app["metadata"]["name"] && app["metadata"]["namespace"] == NS {
            continue;
        }
        let types = |list: &Value| -> Vec<String> {
            list.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x["type"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let spec = &app["spec"];
        let mut used: Vec<String> = types(&spec["components"])
            .into_iter()
            .filter(|t| comps.contains(t))
            .collect();
        for c in spec["components"].as_array().into_iter().flatten() {
            used.extend(types(&c["traits"]).into_iter().filter(|t| traits.contains(t)));
        }
        used.extend(
            types(&spec["policies"])
                .into_iter()
                .filter(|t| policies.contains(t)),
        );
        used.extend(
            types(&spec["workflow"]["steps"])
                .into_iter()
                .filter(|t| steps.contains(t)),
        );
        if !used.is_empty() {
            users.push(format!(
                "{}/{}",
                app["metadata"]["namespace"].as_str().unwrap_or_default(),
                app["metadata"]["name"].as_str().unwrap_or_default()
            ));
        }
    }
    Ok(users)
}

/// One addon's state in the hub: `enabled`, `enabling`, `disabling`, `suspend` or `disabled`
/// (KubeVela's phases), with the installed version.
async fn state(objects: &dyn Objects, name: &str) -> Result<(String, Option<Value>)> {
    let key = key(OAM, "Application", &vela_addons::app_name(name));
    let Some(app) = objects.get(&key).await? else {
        return Ok(("disabled".into(), None));
    };
    let phase = if app["status"]["workflow"]["suspend"] == true {
        "suspend"
    } else if app["metadata"]["deletionTimestamp"].is_string() {
        "disabling"
    } else if app["status"]["status"] == "running" {
        "enabled"
    } else {
        "enabling"
    };
    Ok((phase.into(), Some(app)))
}

/// `vela addon status NAME`.
pub fn status(name: &str, hub: &HubArgs<'_>) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let objects = hub.fleet.hub().clone();
    rt.block_on(async {
        let (phase, app) = state(&*objects, name).await?;
        let mut out = format!("addon {name} status is {phase}\n");
        if let Some(app) = app {
            let version = app["metadata"]["labels"]["addons.oam.dev/version"]
                .as_str()
                .unwrap_or("");
            let registry = app["metadata"]["labels"]["addons.oam.dev/registry"]
                .as_str()
                .unwrap_or("");
            out.push_str(&format!("installedVersion: {version}\nregistry: {registry}\n"));
            let secret = objects
                .get(&key("v1", "Secret", &vela_addons::secret_name(name)))
                .await?;
            if let Some(s) = secret {
                let args = vela_addons::args_from_secret(&s)?;
                out.push_str(&format!("parameters: {}\n", Value::Object(args)));
            }
        }
        Ok(out)
    })
}

/// `vela addon list`: the addons of the registries (a helm registry's with all their versions,
/// highest first) and those enabled in the hub.
pub fn list(
    registry: Option<&Path>,
    hub: &HubArgs<'_>,
    format: ListingFormat,
    allow_private: bool,
) -> Result<String> {
    let mut rows: BTreeMap<String, [String; 5]> = BTreeMap::new();
    let sources = sources(registry, hub, None, allow_private)?;
    let rt = runtime()?;
    let indexes = rt.block_on(indexes(&sources));
    // the first registry that has an addon wins
    for (s, index) in sources.iter().zip(&indexes).rev() {
        let dir = match (s, index) {
            (Source::Local(dir), _) => dir,
            (Source::Helm(h), Some(index)) => {
                for (name, versions) in &index.entries {
                    let all: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
                    rows.insert(
                        name.clone(),
                        [
                            name.clone(),
                            h.name().to_string(),
                            versions[0].description.clone(),
                            format!("[{}]", all.join(", ")),
                            "disabled".into(),
                        ],
                    );
                }
                continue;
            }
            (Source::Helm(_), None) => continue,
            (Source::Git(registry, addons), _) => {
                for (name, a) in addons.iter().filter(|(_, a)| !a.meta.invisible) {
                    rows.insert(
                        name.clone(),
                        [
                            name.clone(),
                            registry.clone(),
                            a.meta.description.clone(),
                            format!("[{}]", a.meta.version),
                            "disabled".into(),
                        ],
                    );
                }
                continue;
            }
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("read the addon registry {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for p in entries {
            match Addon::load(&p) {
                Ok(a) if a.meta.invisible => {}
                Ok(a) => {
                    rows.insert(
                        a.meta.name.clone(),
                        [
                            a.meta.name.clone(),
                            "local".into(),
                            a.meta.description.clone(),
                            format!("[{}]", a.meta.version),
                            "disabled".into(),
                        ],
                    );
                }
                Err(e) => eprintln!("Warning: {}: {e}", p.display()),
            }
        }
    }
    let hub = rt.block_on(hub.connect())?;
    let objects = hub.fleet.hub().clone();
    let apps = rt.block_on(async {
        let labels = BTreeMap::new();
        objects.list("", OAM, "Application", NS, &labels).await
    })?;
    for app in apps {
        let Some(name) = app["metadata"]["labels"]["addons.oam.dev/name"].as_str() else {
            continue;
        };
        let (phase, _) = rt.block_on(state(&*objects, name))?;
        let version = app["metadata"]["labels"]["addons.oam.dev/version"]
            .as_str()
            .unwrap_or("");
        let registry = app["metadata"]["labels"]["addons.oam.dev/registry"]
            .as_str()
            .unwrap_or("");
        let row = rows.entry(name.to_string()).or_insert_with(|| {
            [
                name.to_string(),
                registry.to_string(),
                String::new(),
                format!("[{version}]"),
                String::new(),
            ]
        });
        row[4] = format!("{phase} ({version})");
    }
    let rows: Vec<[String; 5]> = rows.into_values().collect();
    if format == ListingFormat::Table {
        return Ok(table(
            &["NAME", "REGISTRY", "DESCRIPTION", "AVAILABLE-VERSIONS", "STATUS"],
            &rows,
        ));
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|r| json!({"name": r[0], "registry": r[1], "description": r[2], "availableVersions": r[3], "status": r[4]}))
        .collect();
    document(&Value::Array(items), format)
}
