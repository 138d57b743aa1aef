//! The workflow an application runs, and the step types it runs with.
//!
//! An application's own `spec.workflow.steps` (StepByStep unless its `mode` says otherwise),
//! a `core.oam.dev/v1alpha1 Workflow` named by `spec.workflow.ref`, or KubeVela's default: one
//! `deploy` step per topology policy (with the override policies), one `deploy` with only the
//! override policies, or else one `apply-component` step per component that depends on the
//! steps of its `dependsOn` (DAG mode).

use std::sync::Arc;

use serde_json::{Value, json};
use vela_model::application::Application;
use vela_model::workflow::{Mode, Step, StepMode};
use vela_multicluster::{Key, Objects};
use vela_workflow::Workflow;
use vela_workflow::cue_step::CueStep;
use vela_workflow::step::Registry;

use crate::dispatch::{ApplyComponent, ApplyRemaining, Delivery, Deploy};
use crate::{Engine, Error, Result};

/// The workflow `app` runs.
pub(crate) async fn of(hub: &dyn Objects, app: &Application, namespace: &str) -> Result<Workflow> {
    if let Some(own) = &app.spec.workflow {
        if let Some(name) = own.ref_.as_deref().filter(|r| !r.is_empty()) {
            return external(hub, namespace, name).await;
        }
        if !own.steps.is_empty() {
            return Ok(Workflow {
                mode: own.mode,
                steps: own.steps.clone(),
            });
        }
    }
    let mut steps = vela_render::ops::dryrun::generated_steps(app);
    if steps.is_empty() {
        steps = app
            .spec
            .components
            .iter()
            .map(|c| {
                let mut s = Step::new(c.name.clone(), "apply-component")
                    .with_properties(json!({"component": c.name}));
                s.depends_on.clone_from(&c.depends_on);
                s
            })
            .collect();
    }
    Ok(Workflow {
        mode: Some(Mode {
            steps: Some(StepMode::Dag),
            sub_steps: Some(StepMode::Dag),
        }),
        steps,
    })
}

/// A `Workflow` object of the application's namespace.
pub(crate) async fn external(hub: &dyn Objects, namespace: &str, name: &str) -> Result<Workflow> {
    let key = Key {
        cluster: String::new(),
        api_version: "core.oam.dev/v1alpha1".into(),
        kind: "Workflow".into(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    };
    let Some(obj) = hub.get(&key).await? else {
        return Err(Error::Placement {
            path: "spec.workflow.ref".into(),
            message: format!("no Workflow {name:?} in namespace {namespace:?}"),
        });
    };
    let spec = json!({"mode": obj.get("mode").cloned().unwrap_or(Value::Null),
        "steps": obj.get("steps").cloned().unwrap_or(Value::Null)});
    serde_json::from_value(spec).map_err(|source| Error::Stored {
        what: format!("Workflow {namespace}/{name}"),
        source,
    })
}

/// Every step type an application's workflow may use: vela-workflow's built-ins, the
/// engine's own (`deploy`, `apply-component`) bound to this delivery, the ones added with
/// [`Engine::with_step`], and the CUE WorkflowStepDefinitions of the renderer's registry
/// whose names none of those take.
pub(crate) fn registry(engine: &Engine, delivery: &Arc<Delivery>) -> Result<Registry> {
    let http = http(engine)?;
    let mut registry = vela_workflow::steps::builtins(engine.clusters().clone(), http.clone());
    registry
        .register("deploy", Deploy(delivery.clone()))
        .register("apply-component", ApplyComponent(delivery.clone()))
        .register("apply-remaining", ApplyRemaining(delivery.clone()));
    for (name, step) in &engine.steps {
        registry.register_arc(name.clone(), step.clone());
    }
    add_cue_steps(engine, &mut registry, http, Some(delivery));
    Ok(registry)
}

/// The step types of a standalone WorkflowRun: vela-workflow's built-ins, the ones added
/// with [`Engine::with_step`] and the CUE WorkflowStepDefinitions (no Application: no
/// `deploy` or `apply-component`).
pub(crate) fn run_registry(engine: &Engine) -> Result<Registry> {
    let http = http(engine)?;
    let mut registry = vela_workflow::steps::builtins(engine.clusters().clone(), http.clone());
    for (name, step) in &engine.steps {
        registry.register_arc(name.clone(), step.clone());
    }
    add_cue_steps(engine, &mut registry, http, None);
    Ok(registry)
}

/// The CUE WorkflowStepDefinitions an engine has compiled, by name: the definition and the
/// step type (compiled once; each registry gives it its own providers).
#[derive(Default)]
pub(crate) struct CueSteps(std::sync::Mutex<std::collections::HashMap<String, Compiled>>);

/// A compiled CUE step type (or why it did not compile) and the definition it was compiled from
/// (definitions are immutable and shared: the same `Arc` is the same template, and holding it
/// keeps its address from being reused).
type Compiled = (
    Arc<dyn vela_render::Definition>,
    std::result::Result<CueStep, String>,
);

/// Registers, under its name, every CUE WorkflowStepDefinition of the engine's definitions
/// that no step type of `registry` already has (the Rust step types come first: `deploy`,
/// `suspend`, ... run as written in Rust). Each runs with Vela-rs's own provider packages
/// (`vela_workflow::cue_step::Packages::standard`) and providers over the engine's clusters
/// and HTTP client, and, for an application's workflow, the application providers
/// (`multicluster`, `oam`: [`crate::app_provider`]) over its `delivery`. One whose template
/// does not compile fails its step with the reason.
fn add_cue_steps(
    engine: &Engine,
    registry: &mut Registry,
    http: vela_workflow::http::Client,
    delivery: Option<&Arc<Delivery>>,
) {
    let defs: Vec<_> = cue_step_definitions(engine)
        .filter(|d| !registry.contains(&d.meta().name))
        .cloned()
        .collect();
    if defs.is_empty() {
        return;
    }
    let mut providers = vela_workflow::cue_step::Providers::standard(engine.clusters().clone(), http);
    if let Some(delivery) = delivery {
        providers
            .register("multicluster", crate::app_provider::AppProvider(delivery.clone()))
            .register("oam", crate::app_provider::AppProvider(delivery.clone()));
    }
    let providers = Arc::new(providers);
    let mut compiled = engine
        .cue_steps
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for def in defs {
        let name = def.meta().name.clone();
        let fresh = compiled.get(&name).is_some_and(|(d, _)| Arc::ptr_eq(d, &def));
        if !fresh {
            let step = CueStep::from_template(
                &name,
                def.template().unwrap_or_default(),
                packages(),
                providers.clone(),
            )
            .map_err(|e| {
                let mut message = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                message
            });
            compiled.insert(name.clone(), (def.clone(), step));
        }
        match &compiled[&name].1 {
            Ok(step) => registry.register(name, step.with_providers(providers.clone())),
            Err(message) => registry.register(name, Uncompiled(message.clone())),
        };
    }
}

/// The WorkflowStepDefinitions of the engine's definitions written in CUE.
fn cue_step_definitions(engine: &Engine) -> impl Iterator<Item = &Arc<dyn vela_render::Definition>> {
    engine
        .renderer()
        .registry()
        .list()
        .filter(|d| d.meta().kind == vela_render::Kind::WorkflowStep && d.template().is_some())
}

/// Vela-rs's provider packages, generated once.
fn packages() -> &'static vela_workflow::cue_step::Packages {
    static PACKAGES: std::sync::OnceLock<vela_workflow::cue_step::Packages> = std::sync::OnceLock::new();
    PACKAGES.get_or_init(vela_workflow::cue_step::Packages::standard)
}

/// A CUE step type whose template does not compile: its step fails with the reason.
struct Uncompiled(String);

#[async_trait::async_trait]
impl vela_workflow::step::StepType for Uncompiled {
    async fn run(
        &self,
        _ctx: &mut vela_workflow::step::Context<'_>,
    ) -> vela_workflow::step::Result<serde_json::Value> {
        Err(vela_workflow::step::Error::msg(self.0.clone()))
    }
}

/// The HTTP client of the workflow's HTTP steps: the engine's, else its default one (built on
/// first use).
fn http(engine: &Engine) -> Result<vela_workflow::http::Client> {
    Ok(match &engine.http {
        Some(c) => c.clone(),
        None => match engine.default_http.get() {
            Some(c) => c.clone(),
            None => {
                let c = vela_workflow::http::Client::new(vela_workflow::http::Config::default())
                    .map_err(Error::HttpClient)?;
                engine.default_http.get_or_init(|| c).clone()
            }
        },
    })
}

/// The names of every step type [`registry`] holds, and `step-group`, sorted.
pub(crate) fn step_type_names(engine: &Engine) -> Result<Vec<String>> {
    let builtins = vela_workflow::steps::builtins(engine.clusters().clone(), http(engine)?);
    let mut names: Vec<String> = builtins.names().into_iter().map(str::to_owned).collect();
    names.extend(
        [
            "deploy",
            "apply-component",
            "apply-remaining",
            vela_workflow::steps::STEP_GROUP,
        ]
        .map(str::to_owned),
    );
    names.extend(engine.steps.iter().map(|(n, _)| n.clone()));
    names.extend(cue_step_definitions(engine).map(|d| d.meta().name.clone()));
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// The `deploy`, `apply-component` and `apply-remaining` steps of a workflow, sub-steps
/// included.
pub(crate) fn delivery_steps(workflow: &Workflow) -> Vec<Step> {
    let mut out = Vec::new();
    for s in &workflow.steps {
        if matches!(s.type_.as_str(), "deploy" | "apply-component" | "apply-remaining") {
            out.push(s.clone());
        }
        for sub in &s.sub_steps {
            if matches!(
                sub.type_.as_str(),
                "deploy" | "apply-component" | "apply-remaining"
            ) {
                out.push(sub.to_step());
            }
        }
    }
    out
}
