//! Checks an Application before it is rendered, as KubeVela's admission webhook and appfile
//! parser would: vela-model's validation (names, duplicate component, policy and step names,
//! `dependsOn` cycles, timeouts, ...) and, against a [`Registry`], that every component, trait,
//! policy and workflow-step `type` names a known definition.
//!
//! `vela dry-run` runs [`application`] first and renders nothing when it finds a problem.
//!
//! ```
//! use vela_render::{Registry, app, ops::check};
//! let app = app::parse(r#"
//! apiVersion: core.oam.dev/v1beta1
//! kind: Application
//! metadata: {name: demo}
//! spec:
//!   components:
//!     - {name: web/1, type: webservice, traits: [{type: scalr}]}
//! "#).unwrap();
//! let problems = check::application(&Registry::builtin(), &app).unwrap_err();
//! let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
//! assert_eq!(paths, ["spec.components[0].name", "spec.components[0].traits[0].type"]);
//! ```

use serde_json::Value;
use vela_model::validate::{Problem, Problems, Rule};

use crate::app::Application;
use crate::definition::Kind;
use crate::registry::Registry;

/// Workflow step types that need no WorkflowStepDefinition: KubeVela's engine built-ins
/// (`suspend`, `step-group`, `apply-component`, `builtin-apply-component`, its
/// `IsBuiltinWorkflowStepType`), `deploy` (the dry-run renders it itself) and the step types
/// vela-workflow implements in Rust (`vela_workflow::steps::builtins`).
pub const BUILTIN_STEP_TYPES: &[&str] = &[
    "suspend",
    "step-group",
    "apply-component",
    "builtin-apply-component",
    "deploy",
    "print-message-in-status",
    "apply-object",
    "read-object",
    "export2config",
    "export2secret",
    "request",
    "webhook",
    "notification",
];

/// Every problem of `app`: vela-model's validation, then [`unknown_types`].
///
/// # Errors
/// [`Problems`] listing every problem, each with its field path and a hint.
pub fn application(registry: &Registry, app: &Application) -> Result<(), Problems> {
    let mut problems = app.problems();
    problems.extend(unknown_types(registry, app));
    Problems::from(problems).into_result()
}

/// The component, trait, policy and workflow-step types of `app` (override policies'
/// components and traits included) that name no definition in `registry` (`type@vN` resolves
/// as when rendering); workflow steps may also use [`BUILTIN_STEP_TYPES`]. Empty types are
/// left to vela-model's validation.
pub fn unknown_types(registry: &Registry, app: &Application) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut check = |kind: Kind, type_: &str, path: String| {
        if type_.is_empty() || registry.get(kind, type_).is_ok() {
            return;
        }
        if kind == Kind::WorkflowStep && BUILTIN_STEP_TYPES.contains(&type_) {
            return;
        }
        out.push(unknown(registry, kind, type_, path));
    };
    for (i, c) in app.spec.components.iter().enumerate() {
        check(Kind::Component, &c.type_, format!("spec.components[{i}].type"));
        for (j, t) in c.traits.iter().enumerate() {
            check(
                Kind::Trait,
                &t.type_,
                format!("spec.components[{i}].traits[{j}].type"),
            );
        }
    }
    for (i, p) in app.spec.policies.iter().enumerate() {
        check(Kind::Policy, &p.type_, format!("spec.policies[{i}].type"));
        if p.type_ != "override" {
            continue;
        }
        let base = format!("spec.policies[{i}].properties.components");
        for (k, c) in override_entries(p.properties.as_ref(), "components") {
            let path = format!("{base}[{k}]");
            if let Some(t) = c.get("type").and_then(Value::as_str) {
                check(Kind::Component, t, format!("{path}.type"));
            }
            for (j, t) in override_entries(Some(c), "traits") {
                if let Some(t) = t.get("type").and_then(Value::as_str) {
                    check(Kind::Trait, t, format!("{path}.traits[{j}].type"));
                }
            }
        }
    }
    if let Some(wf) = &app.spec.workflow {
        for (i, s) in wf.steps.iter().enumerate() {
            let path = format!("spec.workflow.steps[{i}]");
            check(Kind::WorkflowStep, &s.type_, format!("{path}.type"));
            for (j, sub) in s.sub_steps.iter().enumerate() {
                check(
                    Kind::WorkflowStep,
                    &sub.type_,
                    format!("{path}.subSteps[{j}].type"),
                );
            }
        }
    }
    out
}

/// The entries of the list `key` of an object, with their indexes.
fn override_entries<'v>(v: Option<&'v Value>, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn unknown(registry: &Registry, kind: Kind, type_: &str, path: String) -> Problem {
    let mut known: Vec<&str> = registry
        .list()
        .filter(|d| d.meta().kind == kind)
        .map(|d| d.meta().name.as_str())
        .collect();
    if kind == Kind::WorkflowStep {
        known.extend(BUILTIN_STEP_TYPES);
        known.sort_unstable();
        known.dedup();
    }
    let hint = if known.is_empty() {
        format!("no {kind} definition is loaded: pass its file or directory with -d")
    } else {
        format!("use one of {}, or load its definition with -d", known.join(", "))
    };
    Problem {
        rule: Rule::UnknownDefinition,
        path,
        message: format!("unknown {kind} type {type_:?}"),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Application {
        crate::app::parse(&format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {{name: a}}\nspec:\n{spec}"
        ))
        .unwrap()
    }

    #[test]
    fn every_unknown_type_is_reported_with_its_path() {
        let app = parse(
            "  components:\n    - {name: w, type: websrvice, traits: [{type: scaler}, {type: nope}]}\n    - {name: v, type: webservice@v9}\n  policies:\n    - {name: p, type: topology}\n    - {name: q, type: override, properties: {components: [{name: w, type: wrkr, traits: [{type: gone}]}]}}\n    - {name: r, type: nopolicy}\n  workflow:\n    steps:\n      - {name: s, type: deploy}\n      - {name: g, type: step-group, subSteps: [{name: g1, type: suspend}, {name: g2, type: apply-it}]}\n      - {name: t, type: teleport}\n",
        );
        let problems = unknown_types(&Registry::builtin(), &app);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.components[0].type",
                "spec.components[0].traits[1].type",
                "spec.components[1].type",
                "spec.policies[1].properties.components[0].type",
                "spec.policies[1].properties.components[0].traits[0].type",
                "spec.policies[2].type",
                "spec.workflow.steps[1].subSteps[1].type",
                "spec.workflow.steps[2].type",
            ]
        );
        assert!(problems.iter().all(|p| p.rule == Rule::UnknownDefinition));
        assert_eq!(problems[0].message, "unknown component type \"websrvice\"");
        assert!(
            problems[0].hint.contains("webservice, worker"),
            "{}",
            problems[0].hint
        );
        assert!(problems[7].hint.contains("suspend"), "{}", problems[7].hint);
    }

    #[test]
    fn model_problems_come_first() {
        let app = parse("  components:\n    - {name: W!, type: x}\n");
        let problems = application(&Registry::builtin(), &app).unwrap_err();
        let rules: Vec<Rule> = problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, [Rule::InvalidName, Rule::UnknownDefinition]);
        assert!(
            application(
                &Registry::builtin(),
                &parse("  components:\n    - {name: w, type: worker}\n")
            )
            .is_ok()
        );
    }
}
