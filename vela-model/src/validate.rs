//! Validation: every problem KubeVela's admission webhook and parser would reject, each with its
//! field path and a hint.
//!
//! Validation never stops at the first problem: [`application`] returns all of them.
//!
//! | rule | example path |
//! |---|---|
//! | [`Rule::InvalidName`] | `spec.components[0].name` |
//! | [`Rule::DuplicateName`] | `spec.components[1].name` |
//! | [`Rule::MissingType`] | `spec.components[0].traits[1].type` |
//! | [`Rule::PropertiesNotObject`] | `spec.components[0].properties` |
//! | [`Rule::UnknownDependency`] | `spec.components[0].dependsOn[0]` |
//! | [`Rule::DependencyCycle`] | `spec.components[2].dependsOn` |
//! | [`Rule::DuplicateStepName`] | `spec.workflow.steps[1].subSteps[0].name` |
//! | [`Rule::InvalidTimeout`] | `spec.workflow.steps[0].timeout` |
//! | [`Rule::RefWithSteps`] | `spec.workflow.ref` |
//! | [`Rule::EmptyStepGroup`] | `spec.workflow.steps[0].subSteps` |
//! | [`Rule::MissingInputOutputField`] | `spec.workflow.steps[0].inputs[0].from` |
//! | [`Rule::PublishVersionWithAutoUpdate`] | `metadata.annotations["app.oam.dev/autoUpdate"]` |
//! | [`Rule::UnknownPolicy`] | `spec.workflow.steps[0].properties.policies[0]` |
//! | [`Rule::InvalidPolicyProperties`] | `spec.policies[0].properties.clusters` |
//! | [`Rule::UnknownDefinition`] | `spec.components[0].traits[0].type` (checked by vela-render against its registry) |
//!
//! ```
//! use vela_model::validate::Rule;
//!
//! let app = vela_model::parse::application(r#"
//! apiVersion: core.oam.dev/v1beta1
//! kind: Application
//! metadata: {name: demo}
//! spec:
//!   components:
//!     - {name: web/1, type: webservice}
//! "#).unwrap();
//! let problems = app.validate().unwrap_err();
//! assert_eq!(problems[0].rule, Rule::InvalidName);
//! assert_eq!(problems[0].path, "spec.components[0].name");
//! // `Problems` is an error: `?` works, and its message lists every problem.
//! assert!(problems.to_string().contains("spec.components[0].name"));
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde_json::Value;

use crate::application::Application;
use crate::labels::annotation;
use crate::policy;
use crate::workflow::{self, Input, Output, Step, SubStep};

/// The rule a [`Problem`] breaks. New rules may be added in minor releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// A name is not a Kubernetes label value (components, policies: the name goes into the
    /// `app.oam.dev/component` and policy labels) or an RFC 1123 subdomain (the object).
    InvalidName,
    /// Two components or two policies share a name.
    DuplicateName,
    /// A component, trait, policy or step has no `type`.
    MissingType,
    /// `properties` is not a JSON object.
    PropertiesNotObject,
    /// `dependsOn` names a component or step that does not exist.
    UnknownDependency,
    /// `dependsOn` forms a cycle.
    DependencyCycle,
    /// Two steps (sub-steps included) share a name.
    DuplicateStepName,
    /// A `timeout` is not a Go duration.
    InvalidTimeout,
    /// `workflow.ref` is set together with `workflow.steps`.
    RefWithSteps,
    /// A `step-group` has no sub-steps.
    EmptyStepGroup,
    /// An input without `from`, or an output without `name` or `valueFrom`.
    MissingInputOutputField,
    /// The annotations `app.oam.dev/publishVersion` and `app.oam.dev/autoUpdate` are both set.
    PublishVersionWithAutoUpdate,
    /// A `deploy` step names a policy the Application does not declare. KubeVela also looks for
    /// a `Policy` object of that name in the namespace, which this check cannot see.
    UnknownPolicy,
    /// A built-in policy's properties do not fit its typed spec.
    InvalidPolicyProperties,
    /// A WorkflowRun has both or neither of `workflowRef` and `workflowSpec`.
    WorkflowRunSource,
    /// A component, trait, policy or workflow-step `type` names no known definition. The model
    /// alone cannot know which definitions exist: [`application`] never reports it; a renderer
    /// checking an Application against its registry of definitions does (`vela dry-run`).
    UnknownDefinition,
    /// The Application has more components than the one checking it accepts (a limit of the
    /// controller, `--max-application-components`; KubeVela has none).
    TooManyComponents,
}

/// One problem: where, what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The rule broken.
    pub rule: Rule,
    /// Field path, e.g. `spec.components[0].dependsOn[1]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (hint: {})", self.path, self.message, self.hint)
    }
}

/// Every problem of one object, as an error: what [`Application::validate`] returns when the
/// object is not valid, so that `?` works.
///
/// It dereferences to the list of [`Problem`]s (in the order the checks found them); its message
/// names the number of problems and then lists each one on its own line.
///
/// ```
/// fn check(text: &str) -> Result<(), Box<dyn std::error::Error>> {
///     let app = vela_model::parse::application(text)?;
///     app.validate()?;
///     Ok(())
/// }
/// let err = check("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components: [{name: \"A!\", type: webservice}]\n").unwrap_err();
/// assert!(err.to_string().starts_with("1 validation problem:\n  spec.components[0].name: "), "{err}");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// `Ok(())` when there is no problem, else `Err(self)`.
    ///
    /// # Errors
    /// `self`, when it holds at least one problem.
    pub fn into_result(self) -> Result<(), Problems> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The problems, in the order they were found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    fn push(
        &mut self,
        rule: Rule,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.0.push(Problem {
            rule,
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
        });
    }
}

impl std::ops::Deref for Problems {
    type Target = [Problem];

    fn deref(&self) -> &[Problem] {
        &self.0
    }
}

impl From<Vec<Problem>> for Problems {
    fn from(problems: Vec<Problem>) -> Self {
        Problems(problems)
    }
}

impl From<Problems> for Vec<Problem> {
    fn from(problems: Problems) -> Self {
        problems.0
    }
}

impl IntoIterator for Problems {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} validation problem{}:", if n == 1 { "" } else { "s" })?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Whether `name` is an RFC 1123 DNS label: at most 63 characters, lowercase letters, digits
/// and `-`, starting and ending with a letter or digit.
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `name` can be a Kubernetes label value: at most 63 characters, letters of either case,
/// digits, `-`, `_` and `.`, starting and ending with a letter or digit. KubeVela accepts such
/// component and policy names (the catalog's fluxcd addon names a component `fluxcd-CRD`); where
/// a template turns one into an object name, the cluster refuses what is not a valid object
/// name.
pub fn is_label_value(name: &str) -> bool {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && alnum(name.as_bytes().first())
        && alnum(name.as_bytes().last())
}

/// Whether `name` is an RFC 1123 DNS subdomain: at most 253 characters, dot-separated labels.
pub fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_dns_label)
}

const LABEL_HINT: &str =
    "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

/// Every problem of an Application, empty when it is valid; see the [module docs](self) for the
/// rules. [`Application::validate`] gives the same list as a `Result`.
pub fn application(app: &Application) -> Vec<Problem> {
    let mut p = Problems::default();
    if let Some(name) = &app.metadata.name
        && !is_dns_subdomain(name)
    {
        p.push(
            Rule::InvalidName,
            "metadata.name",
            format!("{name:?} is not a valid RFC 1123 subdomain"),
            "use lowercase letters, digits, '-' and '.', at most 253 characters",
        );
    }
    let annotations = app.metadata.annotations.as_ref();
    let has = |k: &str| annotations.is_some_and(|a| a.contains_key(k));
    if has(annotation::PUBLISH_VERSION) && has(annotation::AUTO_UPDATE) {
        p.push(
            Rule::PublishVersionWithAutoUpdate,
            format!("metadata.annotations[\"{}\"]", annotation::AUTO_UPDATE),
            "autoUpdate cannot be used together with publishVersion",
            format!(
                "remove either {} or {}",
                annotation::AUTO_UPDATE,
                annotation::PUBLISH_VERSION
            ),
        );
    }
    components(app, &mut p);
    let policy_names = policies(app, &mut p);
    if let Some(wf) = &app.spec.workflow {
        if wf.ref_.as_deref().is_some_and(|r| !r.is_empty()) && !wf.steps.is_empty() {
            p.push(
                Rule::RefWithSteps,
                "spec.workflow.ref",
                "workflow.ref cannot be used together with workflow.steps",
                "either reference a Workflow object or list the steps inline",
            );
        }
        steps_into(&wf.steps, "spec.workflow.steps", Some(&policy_names), &mut p);
    }
    p.0
}

fn components(app: &Application, p: &mut Problems) {
    let comps = &app.spec.components;
    let mut seen = HashSet::new();
    for (i, c) in comps.iter().enumerate() {
        let base = format!("spec.components[{i}]");
        if !is_label_value(&c.name) {
            p.push(
                Rule::InvalidName,
                format!("{base}.name"),
                format!("component name {:?} is not a valid label value", c.name),
                LABEL_HINT,
            );
        }
        if !seen.insert(c.name.as_str()) {
            p.push(
                Rule::DuplicateName,
                format!("{base}.name"),
                format!("duplicate component name {:?}", c.name),
                "give every component a unique name",
            );
        }
        if c.type_.is_empty() {
            p.push(
                Rule::MissingType,
                format!("{base}.type"),
                "component type is empty",
                "set the ComponentDefinition name, e.g. webservice",
            );
        }
        properties_object(c.properties.as_ref(), &format!("{base}.properties"), p);
        for (t, tr) in c.traits.iter().enumerate() {
            if tr.type_.is_empty() {
                p.push(
                    Rule::MissingType,
                    format!("{base}.traits[{t}].type"),
                    "trait type is empty",
                    "set the TraitDefinition name, e.g. scaler",
                );
            }
            properties_object(
                tr.properties.as_ref(),
                &format!("{base}.traits[{t}].properties"),
                p,
            );
        }
        io_fields(&c.inputs, &c.outputs, &base, p);
    }
    let names: HashSet<&str> = comps.iter().map(|c| c.name.as_str()).collect();
    for (i, c) in comps.iter().enumerate() {
        for (j, d) in c.depends_on.iter().enumerate() {
            if !names.contains(d.as_str()) {
                p.push(
                    Rule::UnknownDependency,
                    format!("spec.components[{i}].dependsOn[{j}]"),
                    format!(
                        "component {:?} depends on {d:?}, which is not a component of this application",
                        c.name
                    ),
                    "name one of the components in spec.components",
                );
            }
        }
    }
    let graph: Vec<(String, String, Vec<String>)> = comps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.name.clone(),
                format!("spec.components[{i}].dependsOn"),
                c.depends_on.clone(),
            )
        })
        .collect();
    cycles(&graph, "components", p);
}

fn properties_object(props: Option<&Value>, path: &str, p: &mut Problems) {
    if let Some(v) = props
        && !(v.is_object() || v.is_null())
    {
        p.push(
            Rule::PropertiesNotObject,
            path,
            format!("properties must be an object, found {}", kind_of(v)),
            "write the definition's parameters as a map of fields",
        );
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn io_fields(inputs: &[Input], outputs: &[Output], base: &str, p: &mut Problems) {
    for (k, input) in inputs.iter().enumerate() {
        if input.from.is_empty() {
            p.push(
                Rule::MissingInputOutputField,
                format!("{base}.inputs[{k}].from"),
                "input has no `from`",
                "name the output (context variable) to read",
            );
        }
    }
    for (k, output) in outputs.iter().enumerate() {
        if output.name.is_empty() {
            p.push(
                Rule::MissingInputOutputField,
                format!("{base}.outputs[{k}].name"),
                "output has no `name`",
                "name the context variable to write",
            );
        }
        if output.value_from.is_empty() {
            p.push(
                Rule::MissingInputOutputField,
                format!("{base}.outputs[{k}].valueFrom"),
                "output has no `valueFrom`",
                "give a CUE expression such as output.status.podIP",
            );
        }
    }
}

/// Checks policies; returns the names `deploy` steps may reference.
fn policies(app: &Application, p: &mut Problems) -> HashSet<String> {
    let mut names = HashSet::new();
    for (i, pol) in app.spec.policies.iter().enumerate() {
        let base = format!("spec.policies[{i}]");
        if !pol.name.is_empty() && !is_label_value(&pol.name) {
            p.push(
                Rule::InvalidName,
                format!("{base}.name"),
                format!("policy name {:?} is not a valid label value", pol.name),
                LABEL_HINT,
            );
        }
        let name = pol.effective_name(i);
        if !names.insert(name.clone()) {
            p.push(
                Rule::DuplicateName,
                format!("{base}.name"),
                format!("duplicate policy name {name:?}"),
                "give every policy a unique name",
            );
        }
        if pol.type_.is_empty() {
            p.push(
                Rule::MissingType,
                format!("{base}.type"),
                "policy type is empty",
                "set the PolicyDefinition name, e.g. topology",
            );
            continue;
        }
        properties_object(pol.properties.as_ref(), &format!("{base}.properties"), p);
        if pol.properties.as_ref().is_some_and(Value::is_object)
            && let Err(policy::Error::InvalidProperties { path, source, .. }) =
                policy::Typed::from_policy(pol)
        {
            let path = if path == "." || path.is_empty() {
                format!("{base}.properties")
            } else {
                format!("{base}.properties.{path}")
            };
            p.push(
                Rule::InvalidPolicyProperties,
                path,
                format!("invalid properties for policy type {:?}: {source}", pol.type_),
                format!("see the {} policy's parameters", pol.type_),
            );
        }
    }
    names
}

/// Validates a list of workflow steps (of an Application, a `Workflow` or a `WorkflowRun`)
/// whose path is `base`, e.g. `spec.workflow.steps`. Policy references of `deploy` steps are not
/// checked here.
pub fn steps(steps: &[Step], base: &str) -> Vec<Problem> {
    let mut p = Problems::default();
    steps_into(steps, base, None, &mut p);
    p.0
}

/// Validates a `WorkflowRun`: exactly one of `workflowRef`/`workflowSpec`, and its steps.
pub fn workflow_run(run: &workflow::WorkflowRun) -> Vec<Problem> {
    let mut p = Problems::default();
    let has_ref = run.spec.workflow_ref.as_deref().is_some_and(|r| !r.is_empty());
    match (has_ref, &run.spec.workflow_spec) {
        (true, Some(_)) => p.push(
            Rule::WorkflowRunSource,
            "spec.workflowRef",
            "workflowRef cannot be used together with workflowSpec",
            "keep one of them",
        ),
        (false, None) => p.push(
            Rule::WorkflowRunSource,
            "spec",
            "neither workflowRef nor workflowSpec is set",
            "reference a Workflow or give the steps in workflowSpec.steps",
        ),
        _ => {}
    }
    if let Some(spec) = &run.spec.workflow_spec {
        steps_into(&spec.steps, "spec.workflowSpec.steps", None, &mut p);
    }
    p.0
}

fn steps_into(steps: &[Step], base: &str, policies: Option<&HashSet<String>>, p: &mut Problems) {
    let mut seen = HashSet::new();
    let mut all_names = HashSet::new();
    for s in steps {
        all_names.insert(s.name.as_str());
        for sub in &s.sub_steps {
            all_names.insert(sub.name.as_str());
        }
    }
    let mut top_graph = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let path = format!("{base}[{i}]");
        step_fields(&s.to_sub_step(), &path, &mut seen, &all_names, policies, p);
        if s.is_group() && s.sub_steps.is_empty() {
            p.push(
                Rule::EmptyStepGroup,
                format!("{path}.subSteps"),
                format!("step group {:?} has no sub-steps", s.name),
                "add subSteps, or use a step type other than step-group",
            );
        }
        let mut sub_graph = Vec::new();
        for (j, sub) in s.sub_steps.iter().enumerate() {
            let sub_path = format!("{path}.subSteps[{j}]");
            step_fields(sub, &sub_path, &mut seen, &all_names, policies, p);
            sub_graph.push((
                sub.name.clone(),
                format!("{sub_path}.dependsOn"),
                sub.depends_on.clone(),
            ));
        }
        cycles(&sub_graph, "steps", p);
        top_graph.push((s.name.clone(), format!("{path}.dependsOn"), s.depends_on.clone()));
    }
    cycles(&top_graph, "steps", p);
}

fn step_fields(
    s: &SubStep,
    path: &str,
    seen: &mut HashSet<String>,
    all_names: &HashSet<&str>,
    policies: Option<&HashSet<String>>,
    p: &mut Problems,
) {
    if !s.name.is_empty() && !seen.insert(s.name.clone()) {
        p.push(
            Rule::DuplicateStepName,
            format!("{path}.name"),
            format!("duplicate step name {:?}", s.name),
            "step names must be unique in the workflow, sub-steps included",
        );
    }
    if s.type_.is_empty() {
        p.push(
            Rule::MissingType,
            format!("{path}.type"),
            "step type is empty",
            "set the WorkflowStepDefinition name, e.g. deploy",
        );
    }
    if let Some(t) = &s.timeout
        && let Err(e) = crate::duration::parse(t)
    {
        p.push(
            Rule::InvalidTimeout,
            format!("{path}.timeout"),
            format!("invalid timeout: {e}"),
            "use a Go duration such as 30s, 5m or 1h30m",
        );
    }
    for (j, d) in s.depends_on.iter().enumerate() {
        if !all_names.contains(d.as_str()) {
            p.push(
                Rule::UnknownDependency,
                format!("{path}.dependsOn[{j}]"),
                format!(
                    "step {:?} depends on {d:?}, which is not a step of this workflow",
                    s.name
                ),
                "name another step of the workflow",
            );
        }
    }
    properties_object(s.properties.as_ref(), &format!("{path}.properties"), p);
    io_fields(&s.inputs, &s.outputs, path, p);
    if let Some(known) = policies
        && s.type_ == "deploy"
        && let Some(list) = s
            .properties
            .as_ref()
            .and_then(|v| v.get("policies"))
            .and_then(Value::as_array)
    {
        for (k, v) in list.iter().enumerate() {
            if let Some(name) = v.as_str()
                && !known.contains(name)
            {
                p.push(
                    Rule::UnknownPolicy,
                    format!("{path}.properties.policies[{k}]"),
                    format!("deploy step {:?} uses policy {name:?}, which spec.policies does not declare", s.name),
                    "declare the policy in spec.policies (or create a Policy object with that name in the namespace)",
                );
            }
        }
    }
}

/// Reports each dependency cycle once, at the `dependsOn` of the first node (in list order)
/// on the cycle.
fn cycles(graph: &[(String, String, Vec<String>)], what: &str, p: &mut Problems) {
    let index: HashMap<&str, usize> = graph
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the path, 2 = done. Iterative, so that a long chain of
    // dependencies cannot overflow the stack.
    let mut state = vec![0u8; graph.len()];
    let mut reported: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for root in 0..graph.len() {
        if state[root] != 0 {
            continue;
        }
        // The current path, each node with the index of its next edge to follow.
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (i, ref mut edge)) = path.last_mut() {
            let Some(d) = graph[i].2.get(*edge) else {
                state[i] = 2;
                path.pop();
                continue;
            };
            *edge += 1;
            let Some(&j) = index.get(d.as_str()) else { continue };
            match state[j] {
                0 => {
                    state[j] = 1;
                    path.push((j, 0));
                }
                1 => {
                    let start = path.iter().position(|&(k, _)| k == j).unwrap_or(0);
                    let members: Vec<usize> = path[start..].iter().map(|&(k, _)| k).collect();
                    let first = members.iter().copied().min().unwrap_or(j);
                    let rot = members.iter().position(|&k| k == first).unwrap_or(0);
                    let mut names: Vec<String> = members[rot..]
                        .iter()
                        .chain(&members[..rot])
                        .map(|&k| graph[k].0.clone())
                        .collect();
                    names.push(graph[first].0.clone());
                    reported.entry(first).or_insert(names);
                }
                _ => {}
            }
        }
    }
    for (first, names) in reported {
        p.push(
            Rule::DependencyCycle,
            graph[first].1.clone(),
            format!("dependency cycle between {what}: {}", names.join(" -> ")),
            "remove one of the dependsOn entries on the cycle",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Vec<(String, String, Vec<String>)> {
        edges
            .iter()
            .map(|(n, deps)| {
                (
                    n.to_string(),
                    format!("{n}.dependsOn"),
                    deps.iter().map(|d| d.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn reports_each_cycle_once_with_its_members() {
        let mut p = Problems::default();
        cycles(
            &graph(&[
                ("a", &["b"]),
                ("b", &["c"]),
                ("c", &["a"]),
                ("d", &["d"]),
                ("e", &["a"]),
            ]),
            "x",
            &mut p,
        );
        let msgs: Vec<&str> = p.0.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "dependency cycle between x: a -> b -> c -> a",
                "dependency cycle between x: d -> d"
            ]
        );
        assert_eq!(p.0[0].path, "a.dependsOn");
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let g: Vec<(String, String, Vec<String>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.clone(),
                    String::new(),
                    names.get(i + 1).cloned().into_iter().collect(),
                )
            })
            .collect();
        let mut p = Problems::default();
        cycles(&g, "x", &mut p);
        assert!(p.0.is_empty());
    }

    #[test]
    fn label_values() {
        assert!(is_label_value("fluxcd-CRD"));
        assert!(is_label_value("api_v1.2"));
        assert!(!is_label_value("-web"));
        assert!(!is_label_value("web/1"));
        assert!(!is_label_value("front end"));
        assert!(!is_label_value(&"a".repeat(64)));
        assert!(!is_label_value(""));
    }

    #[test]
    fn dns_names() {
        assert!(is_dns_label("web-1"));
        assert!(!is_dns_label("-web"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(is_dns_subdomain("a.b-c.d"));
        assert!(!is_dns_subdomain("a..b"));
    }
}
