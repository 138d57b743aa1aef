//! `vela def apply`: definitions into the hub's definitions namespace, where `vela up`, the
//! controller and `vela addon enable` read them.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use vela_engine::install::{Change, sync};
use vela_render::cue::CueDefinition;
use vela_render::vela_model::parse::{Document, documents};

use crate::cluster::HubArgs;
use crate::commands::{read_input, source_name};
use crate::deliver::{chain, runtime};

/// `vela def apply FILE...`.
pub struct Apply<'a> {
    /// The files: `vela def` CUE (`.cue`) or definition CRs (`.yaml`, `.yml`, `.json`).
    pub files: &'a [PathBuf],
    /// `-n`: the namespace (KubeVela's `vela-system` by default).
    pub namespace: &'a str,
    /// `--dry-run`: print the objects, write nothing.
    pub dry_run: bool,
    /// The hub.
    pub hub: HubArgs<'a>,
}

impl Apply<'_> {
    /// Checks every file (each template must compile), then applies them all; returns the
    /// report (or, with `--dry-run`, the objects as YAML).
    pub fn run(&self) -> Result<String> {
        if !vela_render::vela_model::validate::is_dns_label(self.namespace) {
            bail!("-n {:?}: not a valid namespace name", self.namespace);
        }
        let mut objects = Vec::new();
        for f in self.files {
            objects.extend(objects_of(f).with_context(|| format!("read definitions from {}", f.display()))?);
        }
        for o in &mut objects {
            o["metadata"]["namespace"] = json!(self.namespace);
        }
        if self.dry_run {
            return Ok(objects
                .iter()
                .map(|o| format!("---\n{}", vela_render::ops::output::to_yaml(o)))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n");
        }
        let rt = runtime()?;
        let hub = rt.block_on(self.hub.connect())?;
        let hub_objects: &dyn vela_multicluster::Objects = hub.fleet.as_ref();
        let mut out = String::new();
        rt.block_on(async {
            for o in objects {
                let kind = o["kind"].as_str().unwrap_or_default().to_owned();
                let name = o["metadata"]["name"].as_str().unwrap_or_default().to_owned();
                let done = sync(hub_objects, o, false)
                    .await
                    .map_err(|e| anyhow::anyhow!("{kind} {name}: {}", chain(&e)))?;
                let what = match done.change {
                    Change::Created => "created",
                    Change::Configured => "configured",
                    _ => "unchanged",
                };
                out.push_str(&format!("{kind} {}/{name} {what}\n", self.namespace));
            }
            hub_objects
                .flush()
                .await
                .map_err(|e| anyhow::anyhow!(chain(&e)))?;
            anyhow::Ok(())
        })?;
        Ok(out)
    }
}

/// The definition CRs of one file, each template compiled to prove that it renders.
fn objects_of(path: &Path) -> Result<Vec<Value>> {
    let text = read_input(path, "definition file")?;
    let origin = source_name(path);
    let ext = path.extension().and_then(|e| e.to_str());
    if ext == Some("cue") || (path == Path::new("-") && !text.trim_start().starts_with("apiVersion")) {
        let def = CueDefinition::from_cue(&origin, &text)?;
        def.compile()?;
        return Ok(vec![def.to_cr()]);
    }
    let mut out = Vec::new();
    for (i, doc) in documents(&text)?.into_iter().enumerate() {
        let (value, def) = match &doc {
            Document::ComponentDefinition(d) => (
                serde_json::to_value(d)?,
                CueDefinition::from_resource(&origin, d.as_ref()),
            ),
            Document::TraitDefinition(d) => (
                serde_json::to_value(d)?,
                CueDefinition::from_resource(&origin, d.as_ref()),
            ),
            Document::PolicyDefinition(d) => (
                serde_json::to_value(d)?,
                CueDefinition::from_resource(&origin, d.as_ref()),
            ),
            Document::WorkflowStepDefinition(d) => (
                serde_json::to_value(d)?,
                CueDefinition::from_resource(&origin, d.as_ref()),
            ),
            other => bail!(
                "document {}: a {} is not a definition (expected ComponentDefinition, TraitDefinition, \
                 PolicyDefinition or WorkflowStepDefinition)",
                i + 1,
                other.kind()
            ),
        };
        // a CR without a CUE schematic (helm, kube) is stored as it is: KubeVela renders those
        if value["spec"]["schematic"]["cue"]["template"].is_string() {
            def?.compile()?;
        }
        out.push(value);
    }
    if out.is_empty() {
        bail!("no definition in {origin}");
    }
    Ok(out)
}
