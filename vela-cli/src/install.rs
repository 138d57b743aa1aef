//! `vela install`: KubeVela's CRDs and the built-in definitions into the hub, through
//! [`vela_engine::Engine::install`]. The controller is not installed (a later release).

use std::time::Duration;

use anyhow::Result;
use serde_json::Value;
use vela_engine::Engine;
use vela_engine::install::{Change, Options};
use vela_render::{Registry, Renderer};

use crate::cli::DocumentFormat;
use crate::cluster::HubArgs;
use crate::commands::document;
use crate::deliver::chain;

/// `vela install`.
pub struct Install<'a> {
    /// The hub.
    pub hub: HubArgs<'a>,
    /// `-n`: the definitions' namespace.
    pub namespace: &'a str,
    /// `--dry-run`: say what would change, write nothing.
    pub dry_run: bool,
    /// `-o` with `--dry-run`: print the objects instead (no hub needed).
    pub output: Option<DocumentFormat>,
    /// `--timeout`: how long a real hub may take to establish the CRDs.
    pub timeout: Duration,
    /// `--controller`: also vela-controller, made with these options.
    pub controller: Option<vela_engine::controller_install::ControllerOptions>,
    /// `--authentication-with-user`: the controller delivers as each Application's recorded
    /// user, with the admission webhook (certificates kept from the hub's Secret, else new).
    pub authentication_with_user: bool,
}

impl Install<'_> {
    /// The controller options, with the webhook's certificates when users are authenticated:
    /// those of `installed` (the Secret in the hub) when it holds them, else new ones.
    fn controller_options(
        &self,
        installed: Option<&Value>,
    ) -> Result<Option<vela_engine::controller_install::ControllerOptions>> {
        use vela_engine::controller_install::WebhookCerts;
        let Some(mut options) = self.controller.clone() else {
            return Ok(None);
        };
        if self.authentication_with_user {
            let certs = match installed.and_then(WebhookCerts::from_secret) {
                Some(kept) => kept,
                None => {
                    WebhookCerts::generate(&WebhookCerts::service_names(&options.name, &options.namespace))
                        .map_err(|e| anyhow::anyhow!(chain(&e)))?
                }
            };
            options.authenticate_users = Some(certs);
        }
        Ok(Some(options))
    }

    /// Installs, or plans, and returns the report.
    pub fn run(&self) -> Result<String> {
        if !vela_render::vela_model::validate::is_dns_label(self.namespace) {
            anyhow::bail!(
                "-n {:?}: not a valid namespace name (lowercase letters, digits and '-', at most 63 \
                 characters, starting and ending with a letter or digit)",
                self.namespace
            );
        }
        let rt = crate::deliver::runtime()?;
        if let Some(format) = self.output {
            // the objects alone: built without the hub
            let engine = Engine::new(
                Renderer::new(Registry::builtin()),
                std::sync::Arc::new(vela_multicluster::Memory::new()),
            );
            let mut objects = vela_engine::install::crds();
            objects.extend(
                engine
                    .definition_objects(self.namespace)
                    .map_err(|e| anyhow::anyhow!(chain(&e)))?,
            );
            if let Some(options) = self.controller_options(None)? {
                objects.extend(vela_engine::controller_install::objects(&options));
            }
            return Ok(match format {
                DocumentFormat::Json => document(&Value::Array(objects), crate::cli::ListingFormat::Json)?,
                DocumentFormat::Yaml => objects
                    .iter()
                    .map(|o| {
                        format!(
                            "---\n{}",
                            document(o, crate::cli::ListingFormat::Yaml).unwrap_or_default()
                        )
                    })
                    .collect(),
            });
        }
        let real = self.hub.is_real()?;
        let hub = rt.block_on(self.hub.connect())?;
        let engine = Engine::new(Renderer::new(Registry::builtin()), hub.fleet.clone());
        let options = Options {
            namespace: self.namespace.to_owned(),
            dry_run: self.dry_run,
            establish_timeout: real.then_some(self.timeout),
        };
        let mut done = rt
            .block_on(engine.install(&options))
            .map_err(|e| anyhow::anyhow!(chain(&e)))?;
        if let Some(controller) = &self.controller {
            if hub.embedded.is_some() {
                anyhow::bail!(
                    "--controller: the embedded cluster runs no pods (`vela up` delivers there itself); \
                     give a kubeconfig (--kubeconfig, --context or KUBECONFIG)"
                );
            }
            let hub_objects: &dyn vela_multicluster::Objects = hub.fleet.as_ref();
            let secret = vela_multicluster::Key {
                cluster: String::new(),
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace: controller.namespace.clone(),
                name: vela_engine::controller_install::WebhookCerts::secret_name(&controller.name),
            };
            let installed = if self.authentication_with_user {
                rt.block_on(hub_objects.get(&secret))
                    .map_err(|e| anyhow::anyhow!("read the installed webhook certificates: {}", chain(&e)))?
            } else {
                None
            };
            let controller = self
                .controller_options(installed.as_ref())?
                .unwrap_or_else(|| controller.clone());
            for obj in vela_engine::controller_install::objects(&controller) {
                let installed = rt
                    .block_on(vela_engine::install::sync(hub_objects, obj, self.dry_run))
                    .map_err(|e| anyhow::anyhow!(chain(&e)))?;
                done.push(installed);
            }
        }
        let mut out = String::new();
        let verb = |c: Change| match (self.dry_run, c) {
            (true, Change::Created) => "would be created",
            (true, Change::Configured) => "would be configured",
            (_, c) => c.as_str(),
        };
        for i in done.iter().filter(|i| i.change != Change::Unchanged) {
            let k = &i.key;
            let at = if k.namespace.is_empty() {
                k.name.clone()
            } else {
                format!("{}/{}", k.namespace, k.name)
            };
            out.push_str(&format!("{} {at} {}\n", k.kind, verb(i.change)));
        }
        let count = |c: Change| done.iter().filter(|i| i.change == c).count();
        let (created, configured, unchanged) = (
            count(Change::Created),
            count(Change::Configured),
            count(Change::Unchanged),
        );
        let crds = done
            .iter()
            .filter(|i| i.key.kind == "CustomResourceDefinition")
            .count();
        let place = if self.dry_run {
            format!("Dry run against {}", hub.description)
        } else {
            format!("Installed into {}", hub.description)
        };
        if created + configured == 0 {
            out.push_str(&format!(
                "{place}: nothing to change; all {} objects are up to date ({crds} CRDs, definitions in {})\n",
                done.len(),
                self.namespace
            ));
        } else {
            out.push_str(&format!(
                "{place}: {created} {}, {configured} {}, {unchanged} unchanged ({crds} CRDs, definitions in {}). {}\n",
                if self.dry_run { "to create" } else { "created" },
                if self.dry_run { "to configure" } else { "configured" },
                self.namespace,
                if self.controller.is_some() {
                    "vela-controller included."
                } else {
                    "The controller is not installed (--controller installs it)."
                }
            ));
        }
        Ok(out)
    }
}
