//! `vela up`, `vela status`, `vela ls`, `vela delete`: delivery through vela-engine.
//!
//! With no cluster configured (today: always), the Application goes to the embedded cluster: a
//! state file under the user's data directory (`$XDG_DATA_HOME/vela/state.db`, else
//! `~/.local/share/vela/state.db`; `--state` or `VELA_STATE` choose another). Nothing runs
//! there, so workloads get the status a finished rollout reports from the readiness simulator.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use vela_engine::Engine;
use vela_multicluster::Embedded;
use vela_render::{Renderer, app};

use crate::cli::ListingFormat;
use crate::commands::{document, read_input, registry, set_namespace, source_name, table};

/// Where the embedded cluster's state lives: `--state`, else `VELA_STATE`, else the user's
/// data directory.
pub fn state_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_owned());
    }
    if let Some(p) = std::env::var_os("VELA_STATE").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("no place for the embedded cluster's state: set --state, VELA_STATE or HOME")?;
    Ok(data.join("vela").join("state.db"))
}

fn open(state: &Path) -> Result<Arc<Embedded>> {
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let cluster =
        Embedded::open(state).with_context(|| format!("open the embedded cluster at {}", state.display()))?;
    Ok(Arc::new(cluster))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")
}

/// `vela up`.
pub struct Up<'a> {
    /// The Application file, or `-`.
    pub file: &'a Path,
    /// Extra definitions.
    pub definitions: &'a [PathBuf],
    /// `-n`.
    pub namespace: Option<&'a str>,
    /// `--state`.
    pub state: Option<&'a Path>,
}

impl Up<'_> {
    /// Delivers the Application and returns the summary to print.
    pub fn run(&self) -> Result<String> {
        let source = source_name(self.file);
        let text = read_input(self.file, "application file")?;
        let mut app = app::parse(&text).with_context(|| format!("read application file {source}"))?;
        set_namespace(&mut app, self.namespace)?;
        if app.spec.workflow.is_some() || !app.spec.policies.is_empty() {
            eprintln!(
                "Warning: the workflow and policies of an Application are not run by `vela up` yet: \
                 every component is applied to the local cluster in dependsOn order"
            );
        }
        let state = state_path(self.state)?;
        eprintln!(
            "No cluster configured: delivering to the embedded cluster at {}",
            state.display()
        );
        let cluster = open(&state)?;
        let engine = Engine::new(Renderer::new(registry(self.definitions)?), cluster.clone());
        let delivered = runtime()?.block_on(async {
            engine.up(&app).await?;
            // no pod runs here: workloads report what a finished rollout reports
            cluster.simulate_readiness("")?;
            engine.up(&app).await
        });
        let delivered = delivered.map_err(|e| anyhow::anyhow!(chain(&e)))?;
        let mut out = format!(
            "Application {}/{} delivered (generation {}): {} objects applied",
            app::namespace(&app),
            app::name(&app),
            delivered.generation,
            delivered.applied.len()
        );
        if !delivered.collected.is_empty() {
            out.push_str(&format!(", {} collected", delivered.collected.len()));
        }
        let phase = delivered.status.phase.map_or("unknown", |p| p.as_str());
        out.push_str(&format!("; phase {phase}\n"));
        Ok(out)
    }
}

/// An error with its causes, one per line (`caused by: ...`).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!("\n  caused by: {s}"));
        source = s.source();
    }
    text
}

/// `vela status NAME`.
pub fn status(
    name: &str,
    namespace: Option<&str>,
    state: Option<&Path>,
    format: ListingFormat,
) -> Result<String> {
    let namespace = namespace.unwrap_or("default");
    let cluster = open(&state_path(state)?)?;
    let engine = Engine::new(Renderer::new(vela_render::Registry::new()), cluster);
    let Some(app) = runtime()?.block_on(engine.get(namespace, name))? else {
        bail!("application {namespace}/{name} not found (vela ls -A lists them)");
    };
    let status = app.status.unwrap_or_default();
    if format != ListingFormat::Table {
        return document(&serde_json::to_value(&status)?, format);
    }
    let mut out = format!(
        "Application {namespace}/{name}: {}\n",
        status.phase.map_or("unknown", |p| p.as_str())
    );
    let rows: Vec<[String; 5]> = status
        .services
        .iter()
        .map(|s| {
            let traits = s
                .traits
                .iter()
                .map(|t| format!("{}{}", t.type_, if t.healthy { "" } else { " (unhealthy)" }))
                .collect::<Vec<_>>()
                .join(", ");
            [
                s.name.clone(),
                if s.cluster.is_empty() {
                    "local".into()
                } else {
                    s.cluster.clone()
                },
                if s.healthy {
                    "healthy".into()
                } else {
                    "unhealthy".into()
                },
                s.message.clone(),
                traits,
            ]
        })
        .collect();
    out.push_str(&table(
        &["COMPONENT", "CLUSTER", "HEALTH", "MESSAGE", "TRAITS"],
        &rows,
    ));
    Ok(out)
}

/// `vela ls`.
pub fn list(
    namespace: Option<&str>,
    all: bool,
    state: Option<&Path>,
    format: ListingFormat,
) -> Result<String> {
    let cluster = open(&state_path(state)?)?;
    let engine = Engine::new(Renderer::new(vela_render::Registry::new()), cluster);
    let scope = if all {
        None
    } else {
        Some(namespace.unwrap_or("default"))
    };
    let apps = runtime()?.block_on(engine.list(scope))?;
    let rows: Vec<[String; 4]> = apps
        .iter()
        .map(|a| {
            let phase = a
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .map_or("unknown", |p| p.as_str());
            [
                app::namespace(a).to_owned(),
                app::name(a).to_owned(),
                a.spec
                    .components
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                phase.to_owned(),
            ]
        })
        .collect();
    let header = ["NAMESPACE", "NAME", "COMPONENTS", "PHASE"];
    if format == ListingFormat::Table {
        return Ok(table(&header, &rows));
    }
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Object(
                header
                    .iter()
                    .zip(r)
                    .map(|(h, c)| (h.to_lowercase(), Value::from(c.as_str())))
                    .collect(),
            )
        })
        .collect();
    document(&Value::Array(items), format)
}

/// `vela delete NAME`.
pub fn delete(name: &str, namespace: Option<&str>, orphan: bool, state: Option<&Path>) -> Result<String> {
    let namespace = namespace.unwrap_or("default");
    let cluster = open(&state_path(state)?)?;
    let engine = Engine::new(Renderer::new(vela_render::Registry::new()), cluster);
    let Some(removed) = runtime()?
        .block_on(engine.delete(namespace, name, orphan))
        .map_err(|e| anyhow::anyhow!(chain(&e)))?
    else {
        bail!("application {namespace}/{name} not found (vela ls -A lists them)");
    };
    let what = if removed.orphaned {
        "left in place"
    } else {
        "deleted"
    };
    Ok(format!(
        "Application {namespace}/{name} deleted; {} objects {what}\n",
        removed.objects.len()
    ))
}
