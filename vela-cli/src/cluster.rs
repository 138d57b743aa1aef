//! The hub every delivery command talks to, and `vela cluster join|list|detach|labels|probe`.
//!
//! The hub is a real cluster when `--kubeconfig` or `--context` is given, or `KUBECONFIG` is
//! set (and neither `--state` nor `VELA_STATE` is); otherwise the embedded state. Either way the
//! commands see it through a [`Fleet`], so the clusters of the registry (Secrets in the hub's
//! `vela-system`) are reachable by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use vela_multicluster::registry::{self, Cluster};
use vela_multicluster::{Embedded, Fleet};

use crate::cli::ListingFormat;
use crate::commands::{document, table};

/// The flags that choose the hub.
#[derive(Clone, Copy, Debug, Default)]
pub struct HubArgs<'a> {
    /// `--kubeconfig`.
    pub kubeconfig: Option<&'a Path>,
    /// `--context` (of the hub's kubeconfig).
    pub context: Option<&'a str>,
    /// `--state` (the embedded state file).
    pub state: Option<&'a Path>,
}

/// The hub, connected.
pub struct Hub {
    /// Every cluster, through the registry.
    pub fleet: Arc<Fleet>,
    /// The embedded state, when the hub is embedded.
    pub embedded: Option<Arc<Embedded>>,
    /// Where the hub is, in words (`the embedded cluster at ...`, `the cluster of ...`).
    pub description: String,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Where the embedded cluster's state lives: `--state`, else `VELA_STATE`, else the user's
/// data directory.
pub fn state_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_owned());
    }
    if let Some(p) = env("VELA_STATE") {
        return Ok(PathBuf::from(p));
    }
    let data = env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("no place for the embedded cluster's state: set --state, VELA_STATE or HOME")?;
    Ok(data.join("vela").join("state.db"))
}

/// How long the embedded cluster keeps a group of writes open (see `Embedded::group_commits`).
const GROUP_WINDOW: std::time::Duration = std::time::Duration::from_millis(100);

fn open_state(state: &Path) -> Result<Arc<Embedded>> {
    if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let cluster =
        Embedded::open(state).with_context(|| format!("open the embedded cluster at {}", state.display()))?;
    // writes are committed in groups (the engine commits at the end of every reconcile); another
    // `vela` on the same state waits at most about this long for a group
    // (no pod runs here: a workload is ready in the write that makes it, so a workflow that
    // checks health finishes in one pass instead of two)
    Ok(Arc::new(cluster.group_commits(GROUP_WINDOW).ready_on_write(true)))
}

impl HubArgs<'_> {
    /// Whether the hub is a real cluster (see the module docs for the rule).
    pub fn is_real(&self) -> Result<bool> {
        let flags = self.kubeconfig.is_some() || self.context.is_some();
        if flags && self.state.is_some() {
            bail!(
                "--state names the embedded cluster; --kubeconfig and --context a real one: give one of them"
            );
        }
        Ok(flags || (self.state.is_none() && env("VELA_STATE").is_none() && env("KUBECONFIG").is_some()))
    }

    /// Connects to the hub (a real one needs the async runtime).
    pub async fn connect(&self) -> Result<Hub> {
        if !self.is_real()? {
            let path = state_path(self.state)?;
            let state = open_state(&path)?;
            return Ok(Hub {
                fleet: Arc::new(Fleet::embedded(state.clone())),
                embedded: Some(state),
                description: format!("the embedded cluster at {}", path.display()),
            });
        }
        let client = registry::hub_client(self.kubeconfig, self.context)
            .await
            .map_err(|e| anyhow::anyhow!(crate::deliver::chain(&e)))?;
        let file = self.kubeconfig.map_or_else(
            || env("KUBECONFIG").unwrap_or_default(),
            |p| p.display().to_string(),
        );
        let context = self.context.map(|c| format!(", context {c}")).unwrap_or_default();
        Ok(Hub {
            fleet: Arc::new(Fleet::kube(client)),
            embedded: None,
            description: format!("the cluster of kubeconfig {file}{context}"),
        })
    }
}

/// Parses `k=v,k2=v2`.
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|pair| {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("label {pair:?}: expected key=value"))?;
            Ok((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn registry_error(e: registry::Error) -> anyhow::Error {
    anyhow::anyhow!(crate::deliver::chain(&e))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")
}

/// `vela cluster join`.
pub struct Join<'a> {
    /// The member's kubeconfig.
    pub kubeconfig: Option<&'a Path>,
    /// Its context.
    pub context: Option<&'a str>,
    /// The name to register (default: the context's).
    pub name: Option<&'a str>,
    /// `--embedded NAME`: a virtual member in the embedded state.
    pub embedded: Option<&'a str>,
    /// `--labels`.
    pub labels: Option<&'a str>,
    /// `--alias`.
    pub alias: Option<&'a str>,
}

impl Join<'_> {
    /// Registers the cluster in the hub.
    pub fn run(&self, hub: &HubArgs<'_>) -> Result<String> {
        let labels = self.labels.map(parse_labels).transpose()?.unwrap_or_default();
        let cluster = match (self.kubeconfig, self.embedded) {
            (Some(_), Some(_)) => bail!("give a member kubeconfig or --embedded NAME, not both"),
            (None, None) => {
                bail!("give the member's kubeconfig file, or --embedded NAME for a virtual member")
            }
            (None, Some(name)) => {
                if hub.is_real()? {
                    bail!(
                        "--embedded creates a virtual member inside the embedded state, but the hub \
                         here is a real cluster (--kubeconfig, --context or KUBECONFIG)"
                    );
                }
                Cluster::embedded(name).map_err(registry_error)?
            }
            (Some(path), None) => registry::cluster_from_kubeconfig(Some(path), self.context, self.name)
                .map_err(|e| anyhow::anyhow!(crate::deliver::chain(&e)))?,
        };
        let mut cluster = cluster.with_labels(labels);
        if let Some(alias) = self.alias {
            cluster = cluster.with_alias(alias);
        }
        let rt = runtime()?;
        let hub = rt.block_on(hub.connect())?;
        let stored = rt
            .block_on(registry::join(&**hub.fleet.hub(), &cluster))
            .map_err(registry_error)?;
        let endpoint = stored
            .endpoint
            .as_deref()
            .map(|e| format!(", {e}"))
            .unwrap_or_default();
        Ok(format!(
            "Cluster {} joined ({}{endpoint}) in {}\n",
            stored.name, stored.credential_type, hub.description
        ))
    }
}

fn row(c: &Cluster) -> [String; 5] {
    [
        c.name.clone(),
        c.alias.clone().unwrap_or_default(),
        c.credential_type.to_string(),
        c.endpoint.clone().unwrap_or_else(|| "-".into()),
        c.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    ]
}

fn object(c: &Cluster) -> Value {
    json!({"name": c.name, "alias": c.alias, "credentialType": c.credential_type.as_str(),
        "endpoint": c.endpoint, "labels": c.labels})
}

/// `vela cluster list`.
pub fn list(hub: &HubArgs<'_>, format: ListingFormat) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let listing = rt
        .block_on(registry::list(&**hub.fleet.hub()))
        .map_err(registry_error)?;
    for (name, problem) in &listing.invalid {
        eprintln!(
            "Warning: Secret {}/{name} is not a usable cluster registration: {problem}",
            registry::NAMESPACE
        );
    }
    if format == ListingFormat::Table {
        let rows: Vec<[String; 5]> = listing.clusters.iter().map(row).collect();
        return Ok(table(&["NAME", "ALIAS", "TYPE", "ENDPOINT", "LABELS"], &rows));
    }
    document(
        &Value::Array(listing.clusters.iter().map(object).collect()),
        format,
    )
}

/// `vela cluster detach NAME`.
pub fn detach(hub: &HubArgs<'_>, name: &str) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let gone = rt
        .block_on(registry::detach(&**hub.fleet.hub(), name))
        .map_err(registry_error)?;
    Ok(format!(
        "Cluster {} detached (what was delivered there stays there)\n",
        gone.name
    ))
}

/// `vela cluster labels add|del NAME ...`.
pub fn labels(
    hub: &HubArgs<'_>,
    name: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let c = rt
        .block_on(registry::set_labels(&**hub.fleet.hub(), name, add, remove))
        .map_err(registry_error)?;
    Ok(format!("Cluster {} labels: {}\n", c.name, row(&c)[4]))
}

/// `vela cluster probe NAME`.
pub fn probe(hub: &HubArgs<'_>, name: &str, timeout: Duration) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    match rt.block_on(hub.fleet.probe(name, timeout)) {
        Ok(p) => Ok(format!("Cluster {} is reachable: {}\n", p.cluster, p.description)),
        Err(e) => bail!(
            "cluster {} is not reachable: {}",
            registry::canonical(name),
            crate::deliver::chain(&e)
        ),
    }
}
