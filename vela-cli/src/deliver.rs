//! `vela up`, `vela status`, `vela ls`, `vela delete`: delivery through vela-engine.
//!
//! With no cluster configured, the Application goes to the embedded cluster: a state file under
//! the user's data directory (`$XDG_DATA_HOME/vela/state.db`, else
//! `~/.local/share/vela/state.db`; `--state` or `VELA_STATE` choose another). Nothing runs
//! there, so workloads get the status a finished rollout reports from the readiness simulator.
//! With `--kubeconfig`, `--context` or `KUBECONFIG` the hub is that real cluster
//! ([`crate::cluster::HubArgs`]).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use vela_engine::Engine;
use vela_render::{Renderer, app};

use crate::cli::ListingFormat;
use crate::cluster::HubArgs;
use crate::commands::{document, hub_registry, read_input, set_namespace, source_name, table};

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
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
    /// The hub (`--kubeconfig`, `--context`, `--state`).
    pub hub: HubArgs<'a>,
    /// `-w`: keep running the workflow until it is over (or `timeout`).
    pub wait: bool,
    /// `--timeout`.
    pub timeout: std::time::Duration,
    /// `-s/--shard-id`: the controller shard label to set.
    pub shard_id: Option<&'a str>,
    /// `--local`: run the workflow here even when a controller leads the hub.
    pub local: bool,
}

/// The label assigning an Application to a controller shard (vela-controller's
/// `shard::SCHEDULED_SHARD_LABEL`).
const SHARD_LABEL: &str = "controller.core.oam.dev/scheduled-shard-id";

impl Up<'_> {
    /// Delivers the Application and returns the summary to print.
    pub fn run(&self) -> Result<String> {
        let source = source_name(self.file);
        let text = read_input(self.file, "application file")?;
        if let Some(run) = crate::runs::document(&text, &source)? {
            return crate::runs::Up {
                run,
                namespace: self.namespace,
                hub: &self.hub,
                definitions: self.definitions,
                wait: self.wait,
                timeout: self.timeout,
                local: self.local,
            }
            .run();
        }
        let mut app = app::parse(&text).with_context(|| format!("read application file {source}"))?;
        set_namespace(&mut app, self.namespace)?;
        if let Some(shard) = self.shard_id {
            if shard.is_empty() || !vela_render::vela_model::validate::is_label_value(shard) {
                bail!("--shard-id {shard:?}: not a label value (letters, digits, '-', '_', '.'; at most 63)");
            }
            app.metadata
                .labels
                .get_or_insert_with(Default::default)
                .insert(SHARD_LABEL.to_owned(), shard.to_owned());
        }
        let rt = runtime()?;
        let hub = rt.block_on(self.hub.connect())?;
        let registry = rt.block_on(hub_registry(
            &hub.fleet,
            Some(app::namespace(&app)),
            self.definitions,
        ))?;
        // the built-in types are run by the engine and the deploy steps, custom types (CUE
        // PolicyDefinitions) are rendered and dispatched before the workflow; a type no
        // definition declares does nothing
        let not_run: Vec<&str> = app
            .spec
            .policies
            .iter()
            .map(|p| p.type_.as_str())
            .filter(|t| registry.get(vela_render::Kind::Policy, t).is_err())
            .collect();
        if !not_run.is_empty() {
            eprintln!(
                "Warning: policies of type {} have no PolicyDefinition and do nothing",
                not_run.join(", ")
            );
        }
        for name in unnamed_replications(&app) {
            eprintln!(
                "Warning: replication policy {name:?} is named by no deploy step of spec.workflow, so it \
                 replicates nothing (the generated workflow names only topology and override policies)"
            );
        }
        let engine = Engine::new(Renderer::new(registry), hub.fleet.clone());
        if !self.local
            && let Some(holder) = crate::handover::leader(&rt, &hub)?
        {
            return self.hand_over(&rt, &engine, &app, &holder, &hub.description);
        }
        if hub.embedded.is_some() {
            eprintln!("No cluster configured: delivering to {}", hub.description);
        } else {
            eprintln!("Delivering to {}", hub.description);
        }
        let timeout = self.timeout;
        let wait = self.wait;
        let (delivered, applied, collected) = rt
            .block_on(async {
                let (ns, name) = (app::namespace(&app), app::name(&app));
                let first = engine.up(&app).await?;
                settle(&engine, &hub, ns, name, first, wait, timeout).await
            })
            .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
        let mut out = format!(
            "Application {}/{} delivered (generation {}, revision {}): {} objects",
            app::namespace(&app),
            app::name(&app),
            delivered.generation,
            delivered.revision,
            delivered.status.applied_resources.len(),
        );
        if applied > 0 {
            out.push_str(&format!(" ({applied} applies)"));
        }
        if collected > 0 {
            out.push_str(&format!(", {collected} collected"));
        }
        let phase = delivered.status.phase.map_or("unknown", |p| p.as_str());
        out.push_str(&format!("; phase {phase}\n"));
        let steps = delivered
            .status
            .workflow
            .as_ref()
            .map(|w| w.steps.as_slice())
            .unwrap_or_default();
        for s in steps.iter().filter(|s| !s.message.is_empty()) {
            out.push_str(&format!("  step {}: {}\n", s.name, s.message));
        }
        match phase {
            "running" | "workflowSuspending" => Ok(out),
            "runningWorkflow" if !wait => Ok(out),
            _ => {
                let hint = if phase == "runningWorkflow" {
                    format!(
                        " (still running after {}s; `vela status` shows progress)",
                        timeout.as_secs()
                    )
                } else {
                    String::new()
                };
                bail!("{}the application is {phase}{hint}", out)
            }
        }
    }
}

impl Up<'_> {
    /// Stores the Application for the controller `holder` and, with `-w`, waits for its status.
    fn hand_over(
        &self,
        rt: &tokio::runtime::Runtime,
        engine: &Engine,
        app: &vela_render::vela_model::Application,
        holder: &str,
        place: &str,
    ) -> Result<String> {
        let (ns, name) = (app::namespace(app), app::name(app));
        eprintln!("vela-controller ({holder}) leads {place}: handing the application to it");
        let generation = rt
            .block_on(engine.submit(app))
            .map_err(|e| anyhow::anyhow!(chain(&e)))?;
        let mut out =
            format!("Application {ns}/{name} stored (generation {generation}) for vela-controller {holder}");
        if !self.wait {
            out.push_str("; `vela status` shows its progress\n");
            return Ok(out);
        }
        let status = rt
            .block_on(crate::handover::wait(engine, ns, name, generation, self.timeout))?
            .unwrap_or_default();
        let phase = status.phase.map_or("unknown", |p| p.as_str());
        out.push_str(&format!("; phase {phase}\n"));
        for s in status
            .workflow
            .iter()
            .flat_map(|w| &w.steps)
            .filter(|s| !s.message.is_empty())
        {
            out.push_str(&format!("  step {}: {}\n", s.name, s.message));
        }
        match phase {
            "running" | "workflowSuspending" if status.observed_generation >= generation => Ok(out),
            _ => bail!(
                "{out}the application is {phase} after {}s (observed generation {} of {generation}; `vela status` shows progress)",
                self.timeout.as_secs(),
                status.observed_generation
            ),
        }
    }
}

/// Runs reconcile passes after `first` while the workflow executes: with the embedded cluster
/// there is no controller, so the workflow runs here, and workloads report what a finished
/// rollout reports between passes (no pod runs). Without `wait`, it stops when no step can
/// progress right away; with it, it sleeps each pass's backoff until `timeout`. Returns the last
/// pass and the objects applied and collected in all of them.
pub(crate) async fn settle(
    engine: &Engine,
    hub: &crate::cluster::Hub,
    namespace: &str,
    name: &str,
    first: vela_engine::Delivered,
    wait: bool,
    timeout: std::time::Duration,
) -> anyhow::Result<(vela_engine::Delivered, usize, usize)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut delivered = first;
    let (mut applied, mut collected) = (delivered.applied.len(), delivered.collected.len());
    while delivered.workflow == vela_workflow::RunPhase::Executing {
        // every cluster of the embedded state: the hub and its virtual members
        let changed = match &hub.embedded {
            Some(state) => {
                let mut changed = state.simulate_readiness("")?;
                for cluster in state.clusters()?.iter().filter(|c| !c.is_empty()) {
                    changed += state.simulate_readiness(cluster)?;
                }
                changed
            }
            None => 0,
        };
        if changed == 0 {
            let Some(after) = delivered.requeue_after.filter(|_| wait) else {
                break;
            };
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            tokio::time::sleep(after.min(deadline - now)).await;
        }
        let Some(next) = engine.reconcile(namespace, name).await? else {
            break;
        };
        delivered = next;
        applied += delivered.applied.len();
        collected += delivered.collected.len();
    }
    Ok((delivered, applied, collected))
}

/// `vela workflow suspend|resume|terminate|restart NAME`.
pub fn workflow(
    name: &str,
    namespace: Option<&str>,
    hub: &HubArgs<'_>,
    definitions: &[PathBuf],
    operation: vela_engine::Operation,
) -> Result<String> {
    let namespace = namespace.unwrap_or("default");
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let registry = rt.block_on(hub_registry(&hub.fleet, Some(namespace), definitions))?;
    let engine = Engine::new(Renderer::new(registry), hub.fleet.clone());
    if let Some(holder) = crate::handover::leader(&rt, &hub)? {
        let hub_objects: &dyn vela_multicluster::Objects = hub.fleet.as_ref();
        // the controller runs the workflow: record the operation and wake it
        rt.block_on(async {
            if !engine.record_operation(namespace, name, operation).await? {
                bail!("application {namespace}/{name} not found (vela ls -A lists them)");
            }
            crate::handover::wake(hub_objects, namespace, name).await
        })
        .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
        return Ok(format!(
            "Application {namespace}/{name}: operation recorded; vela-controller {holder} continues the workflow (`vela status` shows it)\n"
        ));
    }
    let (delivered, _, _) = rt
        .block_on(async {
            let Some(first) = engine.operate(namespace, name, operation).await? else {
                bail!("application {namespace}/{name} not found (vela ls -A lists them)");
            };
            settle(
                &engine,
                &hub,
                namespace,
                name,
                first,
                false,
                std::time::Duration::ZERO,
            )
            .await
        })
        .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
    let phase = delivered.status.phase.map_or("unknown", |p| p.as_str());
    let mut out = format!("Application {namespace}/{name}: {phase}\n");
    for s in delivered
        .status
        .workflow
        .iter()
        .flat_map(|w| &w.steps)
        .filter(|s| !s.message.is_empty())
    {
        out.push_str(&format!("  step {}: {}\n", s.name, s.message));
    }
    Ok(out)
}

/// An error with its causes, one per line (`caused by: ...`).
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
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
    hub: &HubArgs<'_>,
    format: ListingFormat,
) -> Result<String> {
    let namespace = namespace.unwrap_or("default");
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let engine = Engine::new(Renderer::new(vela_render::Registry::new()), hub.fleet);
    let Some(app) = rt.block_on(engine.get(namespace, name))? else {
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
    if let Some(wf) = &status.workflow {
        let steps: Vec<[String; 4]> = wf
            .steps
            .iter()
            .map(|s| {
                [
                    s.name.clone(),
                    s.type_.clone(),
                    s.phase.map_or("pending".into(), |p| p.as_str().to_owned()),
                    s.message.clone(),
                ]
            })
            .collect();
        if !steps.is_empty() {
            out.push_str(&format!(
                "Workflow ({}, revision {}):\n",
                wf.phase
                    .and_then(|p| serde_json::to_value(p).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "initializing".into()),
                wf.app_revision
            ));
            out.push_str(&table(&["STEP", "TYPE", "PHASE", "MESSAGE"], &steps));
        }
    }
    Ok(out)
}

/// `vela ls`.
pub fn list(namespace: Option<&str>, all: bool, hub: &HubArgs<'_>, format: ListingFormat) -> Result<String> {
    let rt = runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let engine = Engine::new(Renderer::new(vela_render::Registry::new()), hub.fleet);
    let scope = if all {
        None
    } else {
        Some(namespace.unwrap_or("default"))
    };
    let apps = rt.block_on(engine.list(scope))?;
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
pub struct Delete<'a> {
    /// The Application's name.
    pub name: &'a str,
    /// `-n`.
    pub namespace: Option<&'a str>,
    /// `--orphan`: leave the objects in place.
    pub orphan: bool,
    /// The hub.
    pub hub: HubArgs<'a>,
    /// `-w`: return once the Application and every object it owned are gone.
    pub wait: bool,
    /// How long `-w` waits.
    pub timeout: std::time::Duration,
    /// `-y`: do not ask for confirmation.
    pub yes: bool,
}

/// How often `vela delete -w` looks again.
const DELETE_POLL: std::time::Duration = std::time::Duration::from_millis(500);

impl Delete<'_> {
    /// Deletes (after confirming on a terminal, unless `-y`) and returns the report.
    pub fn run(&self) -> Result<String> {
        let (name, orphan) = (self.name, self.orphan);
        let namespace = self.namespace.unwrap_or("default");
        if !self.yes && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            eprint!("Deleting Application {namespace}/{name}; continue? (y/N) ");
            let mut answer = String::new();
            std::io::stdin()
                .read_line(&mut answer)
                .context("read the confirmation")?;
            if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
                bail!("deletion of application {namespace}/{name} cancelled (nothing was deleted)");
            }
        }
        let rt = runtime()?;
        let hub = rt.block_on(self.hub.connect())?;
        let engine = Engine::new(Renderer::new(vela_render::Registry::new()), hub.fleet.clone());
        let Some(removed) = rt
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
        let mut out = format!(
            "Application {namespace}/{name} deleted; {} objects {what}\n",
            removed.objects.len()
        );
        if !self.wait {
            return Ok(out);
        }
        let mut keys = vec![vela_multicluster::Key {
            cluster: String::new(),
            api_version: "core.oam.dev/v1beta1".into(),
            kind: "Application".into(),
            namespace: namespace.into(),
            name: name.into(),
        }];
        if !orphan {
            keys.extend(removed.objects.iter().cloned());
        }
        let deadline = std::time::Instant::now() + self.timeout;
        rt.block_on(async {
            use vela_multicluster::Objects as _;
            loop {
                let mut left = Vec::new();
                for key in &keys {
                    if hub.fleet.get(key).await.map_err(|e| anyhow::anyhow!(chain(&e)))?.is_some() {
                        left.push(key);
                    }
                }
                if left.is_empty() {
                    return Ok(());
                }
                if std::time::Instant::now() >= deadline {
                    let names: Vec<String> = left
                        .iter()
                        .take(5)
                        .map(|k| {
                            let cluster = if k.cluster.is_empty() { "local" } else { &k.cluster };
                            let at = if k.namespace.is_empty() {
                                k.name.clone()
                            } else {
                                format!("{}/{}", k.namespace, k.name)
                            };
                            format!("{} {at} (cluster {cluster})", k.kind)
                        })
                        .collect();
                    let more = left.len().saturating_sub(5);
                    bail!(
                        "{out}timed out after {}s waiting for the deletion: {} of {} objects still exist: {}{} \
                         (finalizers may hold them; `--timeout` waits longer)",
                        self.timeout.as_secs(),
                        left.len(),
                        keys.len(),
                        names.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    );
                }
                tokio::time::sleep(DELETE_POLL).await;
            }
        })?;
        if orphan {
            out.push_str("Waited until the Application was gone\n");
        } else {
            out.push_str(&format!(
                "Waited until the Application and its {} objects were gone\n",
                removed.objects.len()
            ));
        }
        Ok(out)
    }
}

/// The replication policies of `app` that no `deploy` step of its own `spec.workflow` names (a
/// workflow referenced by `spec.workflow.ref` is not read: nothing is reported then).
fn unnamed_replications(app: &vela_render::vela_model::application::Application) -> Vec<String> {
    use vela_render::vela_model::policy::names as n;
    let workflow = app.spec.workflow.as_ref();
    if workflow.is_some_and(|w| w.ref_.as_deref().is_some_and(|r| !r.is_empty())) {
        return Vec::new();
    }
    let steps = workflow.map(|w| w.steps.as_slice()).unwrap_or_default();
    let named = |policy: &str| {
        steps
            .iter()
            .flat_map(|s| std::iter::once(s.clone()).chain(s.sub_steps.iter().map(|sub| sub.to_step())))
            .filter(|s| s.type_ == "deploy")
            .any(|s| {
                s.properties
                    .as_ref()
                    .and_then(|p| p.get("policies"))
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|ps| ps.iter().any(|p| p.as_str() == Some(policy)))
            })
    };
    app.spec
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.type_ == n::REPLICATION)
        .map(|(i, p)| p.effective_name(i))
        .filter(|name| !named(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_policies_no_deploy_step_names_are_found() {
        let parse = |text: &str| vela_render::app::parse(text).unwrap();
        let base = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components: [{name: web, type: webservice, properties: {image: nginx}}]\n  policies:\n    - {name: twice, type: replication, properties: {keys: [x, y], selector: [web]}}\n    - {name: here, type: topology, properties: {clusters: [local]}}\n";
        assert_eq!(unnamed_replications(&parse(base)), ["twice"]);
        let named = format!(
            "{base}  workflow:\n    steps: [{{name: d, type: deploy, properties: {{policies: [here, twice]}}}}]\n"
        );
        assert!(unnamed_replications(&parse(&named)).is_empty());
        let other = format!(
            "{base}  workflow:\n    steps: [{{name: d, type: deploy, properties: {{policies: [here]}}}}]\n"
        );
        assert_eq!(unnamed_replications(&parse(&other)), ["twice"]);
    }
}
