//! Standalone WorkflowRuns from the CLI: `vela up -f run.yaml` with a `WorkflowRun` document
//! stores it in the hub and runs it here (the embedded cluster, or `--local`) or hands it to
//! the controller leading the hub; `vela workflow suspend|resume|terminate|restart -t workflow
//! NAME` operates on one.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use vela_engine::Engine;
use vela_multicluster::{Key, Objects as _};
use vela_render::Renderer;
use vela_render::vela_model::workflow::{RunPhase, RunSpec};

use crate::cluster::HubArgs;
use crate::commands::hub_registry;
use crate::deliver::{chain, runtime};

const API_VERSION: &str = "core.oam.dev/v1alpha1";

/// The WorkflowRun in `text`, when the document is one (`None`: something else, such as an
/// Application). Its spec is checked: a malformed one is an error naming the field.
pub(crate) fn document(text: &str, source: &str) -> Result<Option<Value>> {
    // only a document that says it is a WorkflowRun is read as one
    if !text.contains("WorkflowRun") {
        return Ok(None);
    }
    let Ok(doc) = vela_render::vela_model::yaml::from_str::<Value>(text) else {
        return Ok(None);
    };
    if doc["kind"] != "WorkflowRun" {
        return Ok(None);
    }
    if doc["apiVersion"] != API_VERSION {
        bail!(
            "{source}: apiVersion {}: expected {API_VERSION} for a WorkflowRun",
            doc["apiVersion"]
        );
    }
    if !doc["metadata"]["name"].is_string() {
        bail!("{source}: metadata.name: expected the WorkflowRun's name");
    }
    serde_json::from_value::<RunSpec>(doc["spec"].clone())
        .with_context(|| format!("{source}: spec: not a WorkflowRun spec"))?;
    let spec = &doc["spec"];
    if spec["workflowSpec"].is_object() == spec["workflowRef"].is_string() {
        bail!("{source}: spec: exactly one of workflowSpec and workflowRef is expected");
    }
    Ok(Some(doc))
}

fn phase_name(phase: RunPhase) -> String {
    serde_json::to_value(phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// `vela up` of a WorkflowRun.
pub(crate) struct Up<'a> {
    /// The WorkflowRun document ([`document`]).
    pub run: Value,
    /// `-n` (else the document's namespace, else `default`).
    pub namespace: Option<&'a str>,
    /// The hub.
    pub hub: &'a HubArgs<'a>,
    /// Extra definitions.
    pub definitions: &'a [PathBuf],
    /// `-w`: keep running until the run is over (or `timeout`).
    pub wait: bool,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--local`: run it here even when a controller leads the hub.
    pub local: bool,
}

impl Up<'_> {
    /// Stores the run and runs it (or hands it over); returns the summary to print.
    pub(crate) fn run(mut self) -> Result<String> {
        let namespace = self
            .namespace
            .map(str::to_owned)
            .or_else(|| self.run["metadata"]["namespace"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "default".into());
        let name = self.run["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.run["metadata"]["namespace"] = Value::String(namespace.clone());
        if let Some(m) = self.run.as_object_mut() {
            m.remove("status");
        }
        let rt = runtime()?;
        let hub = rt.block_on(self.hub.connect())?;
        let registry = rt.block_on(hub_registry(&hub.fleet, Some(&namespace), self.definitions))?;
        let engine = Engine::new(Renderer::new(registry), hub.fleet.clone());
        let holder = if self.local {
            None
        } else {
            crate::handover::leader(&rt, &hub)?
        };
        let hub_objects = hub.fleet.clone();
        let run = self.run.clone();
        rt.block_on(async {
            let ns_key = Key {
                cluster: String::new(),
                api_version: "v1".into(),
                kind: "Namespace".into(),
                namespace: String::new(),
                name: namespace.clone(),
            };
            if hub_objects.get(&ns_key).await?.is_none() {
                hub_objects
                    .apply(
                        "",
                        serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": namespace}}),
                    )
                    .await?;
            }
            hub_objects.apply("", run).await?;
            hub_objects.flush().await
        })
        .map_err(|e| anyhow::anyhow!("store WorkflowRun {namespace}/{name}: {}", chain(&e)))?;
        if let Some(holder) = holder {
            let mut out = format!("WorkflowRun {namespace}/{name} stored for vela-controller {holder}");
            if !self.wait {
                out.push('\n');
                return Ok(out);
            }
            let phase = rt.block_on(self.watch(&hub.fleet, &namespace, &name))?;
            out.push_str(&format!("; phase {phase}\n"));
            return finished(out, &phase);
        }
        if hub.embedded.is_some() {
            eprintln!("No cluster configured: running in {}", hub.description);
        }
        let phase = rt
            .block_on(self.passes(&engine, &namespace, &name))
            .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
        let out = format!("WorkflowRun {namespace}/{name}: {phase}\n");
        finished(out, &phase)
    }

    /// Runs passes until the run is over, waits for a resume, or (without `-w`) has to wait.
    async fn passes(&self, engine: &Engine, namespace: &str, name: &str) -> anyhow::Result<String> {
        let start = Instant::now();
        loop {
            let pass = engine
                .reconcile_run(namespace, name)
                .await?
                .with_context(|| format!("WorkflowRun {namespace}/{name} disappeared"))?;
            let Some(after) = pass.requeue_after.filter(|_| !pass.phase.is_terminal()) else {
                return Ok(phase_name(pass.phase));
            };
            if !self.wait && !after.is_zero() {
                return Ok(phase_name(pass.phase));
            }
            if start.elapsed() + after > self.timeout {
                bail!(
                    "WorkflowRun {namespace}/{name} is still {} after {}s",
                    phase_name(pass.phase),
                    self.timeout.as_secs()
                );
            }
            tokio::time::sleep(after).await;
        }
    }

    /// Polls the run's status (written by the controller) until it is over or `timeout`.
    async fn watch(
        &self,
        hub: &vela_multicluster::Fleet,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<String> {
        let key = Key {
            cluster: String::new(),
            api_version: API_VERSION.into(),
            kind: "WorkflowRun".into(),
            namespace: namespace.into(),
            name: name.into(),
        };
        let start = Instant::now();
        loop {
            let run = hub.get(&key).await?.unwrap_or(Value::Null);
            let phase = run["status"]["status"].as_str().unwrap_or("").to_owned();
            let over = run["status"]["finished"].as_bool() == Some(true);
            if over || phase == "suspending" || start.elapsed() >= self.timeout {
                return Ok(if phase.is_empty() { "pending".into() } else { phase });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// `out` when the run ended well (or waits for a resume), else an error carrying it.
fn finished(out: String, phase: &str) -> Result<String> {
    match phase {
        "failed" | "terminated" => bail!("{out}the WorkflowRun is {phase}"),
        _ => Ok(out),
    }
}

/// `vela workflow suspend|resume|terminate|restart -t workflow NAME`: the operation on the
/// standalone WorkflowRun `NAME`. With a controller leading the hub, the operation is recorded
/// and the controller woken; otherwise one pass of the run follows here.
pub fn operate(
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
    let missing = || anyhow::anyhow!("WorkflowRun {namespace}/{name} not found");
    if let Some(holder) = crate::handover::leader(&rt, &hub)? {
        let hub_objects: &dyn vela_multicluster::Objects = hub.fleet.as_ref();
        rt.block_on(async {
            if !engine.record_run_operation(namespace, name, operation).await? {
                return Err(missing());
            }
            crate::handover::wake_object(hub_objects, API_VERSION, "WorkflowRun", namespace, name).await
        })
        .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
        return Ok(format!(
            "WorkflowRun {namespace}/{name}: operation recorded; vela-controller {holder} continues the run\n"
        ));
    }
    let pass = rt
        .block_on(async {
            engine
                .operate_run(namespace, name, operation)
                .await?
                .ok_or_else(missing)
        })
        .map_err(|e| anyhow::anyhow!(chain(e.as_ref())))?;
    Ok(format!(
        "WorkflowRun {namespace}/{name}: {}\n",
        phase_name(pass.phase)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_workflow_run_documents_are_taken_and_bad_ones_name_the_field() {
        let app = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec: {components: []}\n";
        assert!(document(app, "app.yaml").unwrap().is_none());
        let run = "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\n\
                   spec:\n  workflowSpec:\n    steps: [{name: s, type: suspend}]\n";
        assert_eq!(
            document(run, "run.yaml").unwrap().unwrap()["metadata"]["name"],
            "r"
        );
        let both = "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\n\
                    spec: {workflowRef: w, workflowSpec: {steps: []}}\n";
        assert_eq!(
            document(both, "run.yaml").unwrap_err().to_string(),
            "run.yaml: spec: exactly one of workflowSpec and workflowRef is expected"
        );
        let unnamed = "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nspec: {workflowRef: w}\n";
        assert_eq!(
            document(unnamed, "run.yaml").unwrap_err().to_string(),
            "run.yaml: metadata.name: expected the WorkflowRun's name"
        );
        let version = "apiVersion: core.oam.dev/v1beta1\nkind: WorkflowRun\nmetadata: {name: r}\n";
        assert!(
            document(version, "run.yaml")
                .unwrap_err()
                .to_string()
                .contains("expected core.oam.dev/v1alpha1")
        );
    }
}
