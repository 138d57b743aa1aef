//! A workflow as the runner walks it: the top-level steps and every group's sub-steps, all as
//! [`Step`]s (vela-model's [`SubStep`](crate::spec::SubStep) seen as a step without `mode` and
//! `subSteps`), so that tasks, groups and sub-steps run through the same code.

use std::collections::HashMap;

use crate::spec::{Step, Workflow};

pub(crate) struct Plan<'w> {
    pub(crate) workflow: &'w Workflow,
    /// The sub-steps of each step group, by group name.
    sub_steps: HashMap<&'w str, Vec<Step>>,
}

impl<'w> Plan<'w> {
    pub(crate) fn new(workflow: &'w Workflow) -> Self {
        let sub_steps = workflow
            .steps
            .iter()
            .filter(|s| !s.sub_steps.is_empty())
            .map(|s| (s.name.as_str(), s.sub_steps.iter().map(Step::from).collect()))
            .collect();
        Self { workflow, sub_steps }
    }

    /// The sub-steps of `group` (empty for a task).
    pub(crate) fn sub_steps(&self, group: &Step) -> &[Step] {
        self.sub_steps.get(group.name.as_str()).map_or(&[], Vec::as_slice)
    }

    /// Every step and sub-step, in declaration order.
    pub(crate) fn all_steps(&self) -> impl Iterator<Item = &Step> {
        self.workflow
            .steps
            .iter()
            .flat_map(|s| std::iter::once(s).chain(self.sub_steps(s)))
    }
}
