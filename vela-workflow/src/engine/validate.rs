//! Checks a workflow before it runs: names, types, `dependsOn`, cycles, timeouts.

use std::collections::{HashMap, HashSet};

use super::plan::Plan;
use super::{Error, Result};
use crate::spec::{Step, Workflow};
use crate::step::Registry;
use crate::time::parse_duration;

/// Validates `workflow` against the step types in `registry`.
///
/// # Errors
/// [`Error::Invalid`] naming the field path: empty or duplicate step names, unknown types,
/// nested step groups, `dependsOn` naming a missing step or forming a cycle, invalid `timeout`.
pub fn validate(workflow: &Workflow, registry: &Registry) -> Result<()> {
    let invalid = |path: String, message: String| Err(Error::Invalid { path, message });
    let mut names: HashSet<String> = HashSet::new();
    let mut check = |s: &Step, path: &str, nested: bool| -> Result<()> {
        if s.name.is_empty() {
            return invalid(format!("{path}.name"), "expected a non-empty step name".into());
        }
        if !names.insert(s.name.clone()) {
            return invalid(
                format!("{path}.name"),
                format!("duplicate step name {:?}", s.name),
            );
        }
        if !registry.contains(&s.type_) {
            return invalid(
                format!("{path}.type"),
                format!(
                    "unknown step type {:?}; known: step-group, {}",
                    s.type_,
                    registry.names().join(", ")
                ),
            );
        }
        for (j, i) in s.inputs.iter().enumerate() {
            if i.from.is_empty() {
                return invalid(
                    format!("{path}.inputs[{j}].from"),
                    "expected a non-empty string".into(),
                );
            }
        }
        for (j, o) in s.outputs.iter().enumerate() {
            if o.name.is_empty() {
                return invalid(
                    format!("{path}.outputs[{j}].name"),
                    "expected a non-empty string".into(),
                );
            }
            if o.value_from.is_empty() {
                return invalid(
                    format!("{path}.outputs[{j}].valueFrom"),
                    "expected a non-empty string".into(),
                );
            }
        }
        if nested && s.is_group() {
            return invalid(format!("{path}.type"), "a step-group cannot be a sub-step".into());
        }
        if let Some(timeout) = s.timeout()
            && let Err(e) = parse_duration(timeout)
        {
            return invalid(format!("{path}.timeout"), e.to_string());
        }
        Ok(())
    };
    for (i, s) in workflow.steps.iter().enumerate() {
        let path = format!("steps[{i}]");
        check(s, &path, false)?;
        if !s.is_group() && !s.sub_steps.is_empty() {
            return invalid(
                format!("{path}.subSteps"),
                "only a step-group has sub-steps".into(),
            );
        }
        for (j, sub) in s.sub_steps.iter().enumerate() {
            check(&sub.to_step(), &format!("{path}.subSteps[{j}]"), true)?;
        }
    }
    let plan = Plan::new(workflow);
    let mut deps: HashMap<&str, &[String]> = HashMap::new();
    for (i, s) in workflow.steps.iter().enumerate() {
        let subs = plan
            .sub_steps(s)
            .iter()
            .enumerate()
            .map(|(j, x)| (format!("steps[{i}].subSteps[{j}]"), x));
        for (path, step) in std::iter::once((format!("steps[{i}]"), s)).chain(subs) {
            for (k, d) in step.depends_on.iter().enumerate() {
                if !names.contains(d) {
                    return invalid(format!("{path}.dependsOn[{k}]"), format!("no step named {d:?}"));
                }
            }
            deps.insert(&step.name, &step.depends_on);
        }
    }
    // Cycle check (depth-first, colours).
    let mut colour: HashMap<&str, u8> = HashMap::new();
    fn visit<'a>(
        n: &'a str,
        deps: &HashMap<&'a str, &'a [String]>,
        colour: &mut HashMap<&'a str, u8>,
    ) -> Option<String> {
        match colour.get(n) {
            Some(1) => return Some(n.to_owned()),
            Some(2) => return None,
            _ => {}
        }
        colour.insert(n, 1);
        for d in deps.get(n).copied().unwrap_or_default() {
            if let Some(c) = visit(d, deps, colour) {
                return Some(c);
            }
        }
        colour.insert(n, 2);
        None
    }
    for s in plan.all_steps() {
        if let Some(c) = visit(&s.name, &deps, &mut colour) {
            return invalid("dependsOn".into(), format!("dependency cycle through step {c:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        let mut r = Registry::new();
        r.register("suspend", crate::steps::Suspend);
        r
    }

    #[test]
    fn invalid_workflows_name_the_field() {
        let cases = [
            (
                vec![Step::new("a", "nope")],
                "steps[0].type: unknown step type \"nope\"",
            ),
            (
                vec![Step::new("a", "suspend"), Step::new("a", "suspend")],
                "steps[1].name: duplicate",
            ),
            (
                vec![Step::new("a", "suspend").depends_on(["b"])],
                "steps[0].dependsOn[0]: no step named \"b\"",
            ),
            (
                vec![Step::new("a", "suspend").with_timeout("soon")],
                "steps[0].timeout: invalid duration",
            ),
            (
                vec![Step::new("g", "step-group").with_sub_steps(vec![Step::new("h", "step-group")])],
                "steps[0].subSteps[0].type: a step-group cannot be a sub-step",
            ),
            (
                vec![
                    Step::new("a", "suspend").depends_on(["b"]),
                    Step::new("b", "suspend").depends_on(["a"]),
                ],
                "dependsOn: dependency cycle",
            ),
        ];
        for (steps, want) in cases {
            let err = validate(&Workflow::new(steps), &reg()).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err} !~ {want}");
        }
        assert!(validate(&Workflow::new(vec![Step::new("a", "suspend")]), &reg()).is_ok());
    }
}
