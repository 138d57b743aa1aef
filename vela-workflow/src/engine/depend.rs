//! Which phase a step's predecessors leave it in: KubeVela's `findDependPhase`, the rule that
//! decides whether a step without its own `if` runs or is skipped.

use super::pass::Pass;
use crate::spec::{Step, StepMode};
use crate::status::StepPhase;

impl Pass<'_> {
    /// The recorded phase of a step by name (`None` before it ran).
    pub(super) fn phase_of(&self, name: &str) -> Option<StepPhase> {
        self.step_status.get(name).and_then(|s| s.phase)
    }

    /// The phase that decides whether `steps[index]` runs: its `dependsOn` (always in DAG
    /// mode), else the nearest earlier step that stops the next one.
    pub(super) fn find_depend_phase(&self, steps: &[&Step], index: usize, dag: bool) -> Option<StepPhase> {
        let has_deps = !steps[index].depends_on.is_empty();
        if dag || has_deps {
            return self.find_depends_on_phase(&steps[index].name, 0);
        }
        if index < 1 {
            return Some(StepPhase::Succeeded);
        }
        for i in (0..index).rev() {
            let p = self.phase_of(&steps[i].name);
            if skip_next(p, has_deps) {
                return p;
            }
        }
        self.phase_of(&steps[index - 1].name)
    }

    /// The first non-succeeded phase among the (transitive) `dependsOn` of `name`.
    fn find_depends_on_phase(&self, name: &str, depth: usize) -> Option<StepPhase> {
        if depth > self.depends_on.len() {
            return Some(StepPhase::Succeeded); // cycles are rejected by validation
        }
        for d in self.depends_on.get(name).copied().unwrap_or_default() {
            let p = self.phase_of(d);
            if p != Some(StepPhase::Succeeded) {
                return p;
            }
            let r = self.find_depends_on_phase(d, depth + 1);
            if r != Some(StepPhase::Succeeded) {
                return r;
            }
        }
        Some(StepPhase::Succeeded)
    }

    /// The depend phase of a step group among the workflow's top-level steps.
    pub(super) fn group_depend_phase(&self, step: &Step) -> Option<StepPhase> {
        let steps: Vec<&Step> = self.workflow.steps.iter().collect();
        let index = steps.iter().position(|s| s.name == step.name).unwrap_or(0);
        self.find_depend_phase(&steps, index, self.state.status.mode.steps == StepMode::Dag)
    }
}

/// KubeVela's `skipExecutionOfNextStep`: whether a step in `phase` stops the step after it.
pub(super) fn skip_next(phase: Option<StepPhase>, depends_on: bool) -> bool {
    if depends_on {
        phase != Some(StepPhase::Succeeded)
    } else {
        phase != Some(StepPhase::Succeeded) && phase != Some(StepPhase::Skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_steps_stop_only_dependants() {
        assert!(!skip_next(Some(StepPhase::Succeeded), false));
        assert!(!skip_next(Some(StepPhase::Skipped), false));
        assert!(skip_next(Some(StepPhase::Skipped), true));
        assert!(skip_next(Some(StepPhase::Failed), false));
        assert!(skip_next(None, false));
    }
}
