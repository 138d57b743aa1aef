//! `vela dry-run` semantics: renders per `deploy` workflow step with its topology and
//! override policies, as KubeVela's `ExecuteDryRunWithPolicies` does.

use serde_json::Value;

use crate::app::{Application, Component, Trait};
use crate::error::{Error, Result};
use crate::patch::deep_merge;
use crate::render::{ComponentManifest, Renderer};

/// One titled render: `(title, components)`; the title is what follows `Application(` in
/// the dry-run headers (`app`, `app with topology <policy>`, `app only with override policies`).
pub type Section = (String, Vec<ComponentManifest>);

fn merge_props(base: &mut Value, patch: Option<&Value>) {
    if let Some(p) = patch.filter(|p| !p.is_null()) {
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
                properties: t.get("properties").cloned().unwrap_or(Value::Null),
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
        properties: patch.get("properties").cloned().unwrap_or(Value::Null),
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
                properties: t.get("properties").cloned().unwrap_or(Value::Null),
            })
            .collect(),
        depends_on: Vec::new(),
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
pub fn default_deploy_steps(app: &Application) -> Vec<Value> {
    let of = |t: &str| -> Vec<&str> {
        app.policies
            .iter()
            .filter(|p| p.type_ == t)
            .map(|p| p.name.as_str())
            .collect()
    };
    let (topologies, overrides) = (of("topology"), of("override"));
    let mut steps = Vec::new();
    for t in &topologies {
        let mut policies = overrides.clone();
        policies.push(t);
        steps.push(serde_json::json!({"name": format!("deploy-{t}"), "type": "deploy", "properties": {"policies": policies}}));
    }
    let ref_objects = app.components.iter().any(|c| c.type_ == "ref-objects");
    if topologies.is_empty() && (ref_objects || !overrides.is_empty()) {
        steps.push(
            serde_json::json!({"name": "deploy", "type": "deploy", "properties": {"policies": overrides}}),
        );
    }
    steps
}

/// Runs a dry-run: one section per topology policy of each `deploy` step (or one section
/// with only override policies), or a single plain section without `deploy` steps.
pub fn run(renderer: &Renderer, app: &Application) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let mut deploys = 0;
    let generated;
    let steps = if app.workflow_steps.is_empty() {
        generated = default_deploy_steps(app);
        &generated
    } else {
        &app.workflow_steps
    };
    for step in steps {
        if step.get("type").and_then(Value::as_str) != Some("deploy") {
            continue;
        }
        deploys += 1;
        let names: Vec<&str> = step
            .pointer("/properties/policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut topologies = Vec::new();
        let mut overrides = Vec::new();
        for n in names {
            let p = app
                .policies
                .iter()
                .find(|p| p.name == n)
                .ok_or_else(|| Error::Application(format!("policy {n} not found")))?;
            match p.type_.as_str() {
                "topology" => topologies.push(p),
                "override" => overrides.push(p),
                _ => {}
            }
        }
        let mut patched = app.clone();
        for o in &overrides {
            if o.properties.is_null() {
                return Err(Error::Application(format!(
                    "override policy {} must not have empty properties",
                    o.name
                )));
            }
            patched.components = apply_override(&patched.components, &o.properties)?;
        }
        if topologies.is_empty() {
            let comps = renderer.render(&patched)?;
            sections.push((format!("{} only with override policies", app.name), comps));
        } else {
            for t in topologies {
                let comps = renderer.render(&patched)?;
                sections.push((format!("{} with topology {}", app.name, t.name), comps));
            }
        }
    }
    if deploys == 0 {
        sections.push((app.name.clone(), renderer.render(app)?));
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
            properties: json!({"image": "a", "env": {"x": 1}}),
            traits: vec![Trait {
                type_: "scaler".into(),
                properties: json!({"replicas": 1}),
            }],
            depends_on: vec![],
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
        assert_eq!(out[0].properties, json!({"image": "b", "env": {"x": 1}}));
        assert_eq!(out[0].traits.len(), 1);
        assert_eq!(out[0].traits[0].type_, "labels");
        assert_eq!(out[1].properties["cpu"], "1");
        assert_eq!(out[2].name, "extra");
    }
}
