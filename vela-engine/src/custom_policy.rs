//! Custom policies: the Application's policies whose PolicyDefinition is a CUE template are
//! rendered and their `output` and `outputs` applied to the hub before the workflow runs, as
//! KubeVela's `ApplyPolicies` does. Built-in policy types (topology, override,
//! garbage-collect, ...) are native definitions that render nothing and are skipped, as are
//! types the registry does not know.

use serde_json::Value;
use vela_model::application::Application;
use vela_model::common::ResourceCreator;
use vela_model::labels::label;
use vela_render::context::Context;
use vela_render::{Kind, Source};

use crate::dispatch::Delivery;
use crate::policy::Origin;
use crate::{Error, Result, apply, tracker};

/// The objects the custom policies of `app` render, in order (`output` then `outputs` of each
/// policy), each with the index of its policy in `spec.policies`: named after the policy and
/// in the application's namespace unless the template says otherwise, labelled with the
/// application revision.
///
/// # Errors
/// [`Error::Policy`] naming `spec.policies[i]` when a policy's template fails to render or
/// renders something that is not an object.
pub(crate) fn render(
    delivery: &Delivery,
    app: &Application,
    namespace: &str,
    revision: &str,
) -> Result<Vec<(usize, Value)>> {
    let registry = delivery.engine.renderer().registry();
    let app_name = app.metadata.name.clone().unwrap_or_default();
    let mut objects = Vec::new();
    for (i, p) in app.spec.policies.iter().enumerate() {
        let Ok(def) = registry.get(Kind::Policy, &p.type_) else {
            continue;
        };
        if def.source() == Source::Native {
            continue;
        }
        let name = p.effective_name(i);
        let fail = |message: String| Error::Policy {
            path: format!("spec.policies[{i}]"),
            message: format!("custom policy {name:?} of type {:?}: {message}", p.type_),
        };
        let mut ctx = Context::new(&app_name, namespace, &name);
        ctx.app_revision = revision.to_owned();
        ctx.app_labels = app.metadata.labels.clone().unwrap_or_default();
        ctx.app_annotations = app.metadata.annotations.clone().unwrap_or_default();
        ctx.deadline = delivery
            .engine
            .renderer()
            .options()
            .timeout
            .map(|t| std::time::Instant::now() + t);
        let params = p.properties.clone().unwrap_or(Value::Null);
        let rendered = def
            .render(&ctx, &params)
            .map_err(|e| fail(crate::error::chain(&e)))?;
        let outputs = rendered
            .output
            .into_iter()
            .map(|o| ("output".to_owned(), o))
            .chain(
                rendered
                    .outputs
                    .into_iter()
                    .map(|(k, o)| (format!("outputs.{k}"), o)),
            );
        for (field, mut obj) in outputs {
            if !obj.is_object() || !obj["metadata"].is_object() && !obj["metadata"].is_null() {
                return Err(fail(format!("{field} is not a Kubernetes object")));
            }
            let meta = &mut obj["metadata"];
            if meta["name"].as_str().unwrap_or_default().is_empty() {
                meta["name"] = Value::String(name.clone());
            }
            if meta["namespace"].as_str().unwrap_or_default().is_empty() {
                meta["namespace"] = Value::String(namespace.to_owned());
            }
            if !meta["labels"].is_object() {
                meta["labels"] = Value::Object(serde_json::Map::new());
            }
            meta["labels"][label::APP_REVISION] = Value::String(revision.to_owned());
            objects.push((i, obj));
        }
    }
    Ok(objects)
}

/// Renders the custom policies of the delivery's application ([`render`]) and applies their
/// objects to the hub with the delivery's ownership rules, recording each in the tracker
/// (creator `policy`) so that it is kept, restored and collected like a component's objects.
///
/// # Errors
/// [`Error::Policy`] naming `spec.policies[i]` when a policy fails to render or its object
/// cannot be applied.
pub(crate) async fn dispatch(delivery: &Delivery) -> Result<()> {
    let objects = render(delivery, &delivery.app, &delivery.namespace, &delivery.revision)?;
    let origin = Origin {
        component: "",
        component_type: "",
        trait_type: None,
    };
    for (i, obj) in objects {
        let mut applied = apply::apply_object(
            delivery.engine.clusters().as_ref(),
            "",
            &delivery.owner,
            &delivery.rules,
            &delivery.engine.admission,
            &origin,
            obj,
            None,
        )
        .await
        .map_err(|e| Error::Policy {
            path: format!("spec.policies[{i}]"),
            message: format!(
                "cannot apply what custom policy {:?} rendered: {}",
                delivery.app.spec.policies[i].effective_name(i),
                crate::error::chain(&e)
            ),
        })?;
        let mut resource = tracker::record(&mut applied, "", "");
        resource.creator = Some(ResourceCreator::Policy);
        let mut record = delivery
            .record
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        record
            .resources
            .insert(resource.key(), std::sync::Arc::new(resource));
        record.applied.push(applied.key);
    }
    Ok(())
}
