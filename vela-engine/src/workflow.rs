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
/// engine's own (`deploy`, `apply-component`) bound to this delivery, and the ones added with
/// [`Engine::with_step`].
pub(crate) fn registry(engine: &Engine, delivery: &Arc<Delivery>) -> Result<Registry> {
    let mut registry = vela_workflow::steps::builtins(engine.clusters().clone(), http(engine)?);
    registry
        .register("deploy", Deploy(delivery.clone()))
        .register("apply-component", ApplyComponent(delivery.clone()))
        .register("apply-remaining", ApplyRemaining(delivery.clone()));
    for (name, step) in &engine.steps {
        registry.register_arc(name.clone(), step.clone());
    }
    Ok(registry)
}

/// The step types of a standalone WorkflowRun: vela-workflow's built-ins and the ones added
/// with [`Engine::with_step`] (no Application: no `deploy` or `apply-component`).
pub(crate) fn run_registry(engine: &Engine) -> Result<Registry> {
    let mut registry = vela_workflow::steps::builtins(engine.clusters().clone(), http(engine)?);
    for (name, step) in &engine.steps {
        registry.register_arc(name.clone(), step.clone());
    }
    Ok(registry)
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
