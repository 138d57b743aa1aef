//! `vela dry-run` semantics: renders per `deploy` workflow step with its topology and
//! override policies, as KubeVela's `ExecuteDryRunWithPolicies` does.

use serde_json::Value;

use crate::app::{self, Application, Component, Trait};
use crate::error::{Error, Result};
use crate::patch::deep_merge;
use crate::render::{ComponentManifest, Renderer};
use vela_model::workflow::Step;

/// One titled render: `(title, components)`; the title is what follows `Application(` in
/// the dry-run headers (`app`, `app with topology <policy>`, `app only with override policies`).
pub type Section = (String, Vec<ComponentManifest>);

fn merge_props(base: &mut Option<Value>, patch: Option<&Value>) {
    if let Some(p) = patch.filter(|p| !p.is_null()) {
        let base = base.get_or_insert(Value::Null);
        if base.is_null() {
            *base = serde_json::json!({});
        }
        deep_merge(base, p);
    }
}

fn merge_component(base: &Component, patch: &Value) -> Component {
    let mut c = base.clone();
    merge_props(&mut c.properties, patch.get("properties"));
    let mut traits: Vec<Option<Trait>> = c.traits.into_iter().map(Some).collect();
    for t in patch
        .get("traits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ty = t.get("type").and_then(Value::as_str).unwrap_or_default();
        let disable = t.get("disable").and_then(Value::as_bool).unwrap_or(false);
        match traits
            .iter_mut()
            .find(|x| x.as_ref().is_some_and(|x| x.type_ == ty))
        {
            Some(slot) => {
                if disable {
                    *slot = None;
                } else if let Some(x) = slot {
                    merge_props(&mut x.properties, t.get("properties"));
                }
            }
            None if !disable => traits.push(Some(Trait {
                type_: ty.to_string(),
                properties: t.get("properties").cloned(),
            })),
            None => {}
        }
    }
    c.traits = traits.into_iter().flatten().collect();
    c
}

fn component_from_patch(patch: &Value) -> Component {
    Component {
        name: patch
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        type_: patch
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        properties: patch.get("properties").cloned(),
        traits: patch
            .get("traits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|t| !t.get("disable").and_then(Value::as_bool).unwrap_or(false))
            .map(|t| Trait {
                type_: t
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                properties: t.get("properties").cloned(),
            })
            .collect(),
        ..Component::default()
    }
}

/// Applies an override policy's properties to the components (KubeVela's `PatchComponents`).
pub fn apply_override(comps: &[Component], props: &Value) -> Result<Vec<Component>> {
    let mut out: Vec<Component> = comps.to_vec();
    let empty = Vec::new();
    let patches = props
        .get("components")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let valid_name =
        regex::Regex::new("[a-z]([a-z-]{0,61}[a-z])?").map_err(|e| Error::Application(e.to_string()))?;
    for p in patches {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let ty = p.get("type").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            for c in out.iter_mut() {
                if ty.is_empty() || ty == c.type_ {
                    *c = merge_component(c, p);
                }
            }
            continue;
        }
        let mut add = valid_name.is_match(name);
        if let Ok(re) = regex::Regex::new(&name.replace('*', ".*")) {
            for c in out.iter_mut() {
                if re.is_match(&c.name) {
                    add = false;
                    if !ty.is_empty() && ty != c.type_ {
                        *c = component_from_patch(p);
                    } else {
                        *c = merge_component(c, p);
                    }
                }
            }
        }
        if add {
            out.push(component_from_patch(p));
        }
    }
    if let Some(sel) = props.get("selector").and_then(Value::as_array) {
        let names: Vec<&str> = sel.iter().filter_map(Value::as_str).collect();
        out.retain(|c| names.contains(&c.name.as_str()));
    }
    Ok(out)
}

/// The `deploy` steps KubeVela generates for an Application without a workflow
/// (`DeployWorkflowStepGenerator`): one per topology policy (with every override policy), or
/// one with the override policies when there is no topology but overrides or `ref-objects`.
pub fn default_deploy_steps(app: &Application) -> Vec<Step> {
    let of = |t: &str| -> Vec<String> {
        app.spec
            .policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.type_ == t)
            .map(|(i, p)| p.effective_name(i))
            .collect()
    };
    let (topologies, overrides) = (of("topology"), of("override"));
    let mut steps = Vec::new();
    for t in &topologies {
        let mut policies = overrides.clone();
        policies.push(t.clone());
        steps.push(
            Step::new(format!("deploy-{t}"), "deploy")
                .with_properties(serde_json::json!({"policies": policies})),
        );
    }
    let ref_objects = app.spec.components.iter().any(|c| c.type_ == "ref-objects");
    if topologies.is_empty() && (ref_objects || !overrides.is_empty()) {
        steps.push(Step::new("deploy", "deploy").with_properties(serde_json::json!({"policies": overrides})));
    }
    steps
}

/// What KubeVela's application parser refuses before rendering, in its order: an unknown
/// workflow step type (after the component and trait types, which the render itself
/// reports), then a `ref-objects` component that refers to objects, which only a cluster can
/// provide.
fn check_types(renderer: &Renderer, app: &Application) -> Result<()> {
    renderer.check_types(app)?;
    let registry = renderer.registry();
    let written = app
        .spec
        .workflow
        .as_ref()
        .map(|w| w.steps.as_slice())
        .unwrap_or_default();
    let generated;
    let (steps, base) = if written.is_empty() {
        generated = generated_steps(app);
        (generated.as_slice(), "generated workflow")
    } else {
        (written, "spec.workflow")
    };
    for (i, step) in steps.iter().enumerate() {
        let subs = step
            .sub_steps
            .iter()
            .enumerate()
            .map(|(j, s)| (format!("{base}.steps[{i}].subSteps[{j}].type"), s.type_.as_str()));
        let own = (format!("{base}.steps[{i}].type"), step.type_.as_str());
        for (path, type_) in std::iter::once(own).chain(subs) {
            if !registry.has_workflow_step(type_) {
                return Err(Error::Application(format!(
                    "{path}: workflow step type {type_:?} is neither a built-in step nor a loaded WorkflowStepDefinition"
                )));
            }
        }
    }
    for (i, c) in app.spec.components.iter().enumerate() {
        if c.type_ != "ref-objects" {
            continue;
        }
        let props = app::properties(&c.properties);
        let refers = |key: &str| {
            props
                .get(key)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        for key in ["objects", "urls"] {
            if refers(key) {
                return Err(Error::Application(format!(
                    "components[{i}].properties.{key}: the ref-objects component {:?} refers to objects that are read from a cluster or URL; an offline dry-run has neither",
                    c.name
                )));
            }
        }
    }
    Ok(())
}

/// The steps KubeVela generates for an Application without a workflow: the `deploy` steps of
/// [`default_deploy_steps`], or else a `deploy2env` step per environment of each `env-binding`
/// policy (a step type KubeVela no longer ships, so such an Application is refused).
pub fn generated_steps(app: &Application) -> Vec<Step> {
    let steps = default_deploy_steps(app);
    if !steps.is_empty() {
        return steps;
    }
    let mut steps = Vec::new();
    for (i, p) in app.spec.policies.iter().enumerate() {
        if p.type_ != "env-binding" {
            continue;
        }
        let envs = p
            .properties
            .as_ref()
            .and_then(|v| v.get("envs"))
            .and_then(Value::as_array);
        for env in envs.into_iter().flatten() {
            let env = env.get("name").and_then(Value::as_str).unwrap_or_default();
            let policy = p.effective_name(i);
            steps.push(
                Step::new(format!("deploy-{policy}-{env}"), "deploy2env")
                    .with_properties(serde_json::json!({"policy": policy, "env": env})),
            );
        }
    }
    steps
}

/// Runs a dry-run: one section per topology policy of each `deploy` step (or one section
/// with only override policies), or a single plain section without `deploy` steps.
pub fn run(renderer: &Renderer, app: &Application) -> Result<Vec<Section>> {
    check_types(renderer, app)?;
    let mut sections = Vec::new();
    let mut deploys = 0;
    let name = app::name(app);
    let written = app
        .spec
        .workflow
        .as_ref()
        .map(|w| w.steps.as_slice())
        .unwrap_or_default();
    let generated;
    let (steps, base) = if written.is_empty() {
        generated = default_deploy_steps(app);
        (generated.as_slice(), "generated workflow")
    } else {
        (written, "spec.workflow")
    };
    for (i, step) in steps.iter().enumerate() {
        if step.type_ != "deploy" {
            continue;
        }
        deploys += 1;
        let path = format!("{base}.steps[{i}].properties.policies");
        let names: Vec<&str> = step
            .properties
            .as_ref()
            .and_then(|p| p.get("policies"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut topologies = Vec::new();
        let mut overrides = Vec::new();
        for (j, n) in names.into_iter().enumerate() {
            let (k, p) = app
                .spec
                .policies
                .iter()
                .enumerate()
                .find(|(k, p)| p.effective_name(*k) == n)
                .ok_or_else(|| {
                    Error::Application(format!(
                        "{path}[{j}]: policy {n:?} is not declared in spec.policies"
                    ))
                })?;
            match p.type_.as_str() {
                "topology" => topologies.push(p.effective_name(k)),
                "override" => overrides.push((k, p)),
                _ => {}
            }
        }
        let mut patched = app.clone();
        for (k, o) in &overrides {
            let props = app::properties(&o.properties);
            if props.is_null() {
                return Err(Error::Application(format!(
                    "spec.policies[{k}].properties: override policy {} must not have empty properties",
                    o.effective_name(*k)
                )));
            }
            patched.spec.components = apply_override(&patched.spec.components, props)?;
        }
        if topologies.is_empty() {
            let comps = renderer.render(&patched)?;
            sections.push((format!("{name} only with override policies"), comps));
        } else {
            for t in topologies {
                let comps = renderer.render(&patched)?;
                sections.push((format!("{name} with topology {t}"), comps));
            }
        }
    }
    if deploys == 0 {
        sections.push((name.to_string(), renderer.render(app)?));
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn comp(name: &str, ty: &str) -> Component {
        Component {
            name: name.into(),
            type_: ty.into(),
            properties: Some(json!({"image": "a", "env": {"x": 1}})),
            traits: vec![Trait::new("scaler", json!({"replicas": 1}))],
            ..Component::default()
        }
    }

    #[test]
    fn override_merges_adds_and_disables() {
        let base = vec![comp("web", "webservice"), comp("worker", "worker")];
        let out = apply_override(
            &base,
            &json!({"components": [
                {"name": "web", "properties": {"image": "b"}, "traits": [{"type": "scaler", "disable": true}, {"type": "labels", "properties": {"a": "b"}}]},
                {"type": "worker", "properties": {"cpu": "1"}},
                {"name": "extra", "type": "task", "properties": {"image": "c"}}
            ]}),
        )
        .unwrap();
        assert_eq!(out[0].properties, Some(json!({"image": "b", "env": {"x": 1}})));
        assert_eq!(out[0].traits.len(), 1);
        assert_eq!(out[0].traits[0].type_, "labels");
        assert_eq!(out[1].properties.as_ref().unwrap()["cpu"], "1");
        assert_eq!(out[2].name, "extra");
    }

    #[test]
    fn deploy_steps_resolve_policies_by_effective_name() {
        let reg = crate::Registry::builtin();
        let renderer = Renderer::new(reg);
        let app = crate::app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: w, type: worker, properties: {image: x}}\n  policies:\n    - {type: topology, properties: {clusters: [local]}}\n",
        )
        .unwrap();
        let sections = run(&renderer, &app).unwrap();
        assert_eq!(sections[0].0, "a with topology topology-auto-gen-0");

        let app = crate::app::parse(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - {name: w, type: worker, properties: {image: x}}\n  workflow:\n    steps:\n      - {name: d, type: deploy, properties: {policies: [nope]}}\n",
        )
        .unwrap();
        let err = run(&renderer, &app).unwrap_err().to_string();
        assert!(
            err.contains("spec.workflow.steps[0].properties.policies[0]: policy \"nope\" is not declared"),
            "{err}"
        );
    }
}
