//! KubeVela's `getStepGroupStatus`: the status of a step group from its sub-steps' statuses.

use crate::status::{StepPhase, StepStatus, WorkflowStepStatus, reason};
use crate::step::Operation;

/// KubeVela's `getStepGroupStatus`.
pub(super) fn group_status(
    mut status: StepStatus,
    recorded: Option<&WorkflowStepStatus>,
    op: Operation,
    sub_count: usize,
) -> (StepStatus, Operation) {
    let subs: &[StepStatus] = recorded.map_or(&[], |r| r.sub_steps.as_slice());
    let count_phase = |p: StepPhase| subs.iter().filter(|s| s.phase == Some(p)).count();
    let count_reason = |r: &str| subs.iter().filter(|s| s.reason == r).count();
    if status.phase == Some(StepPhase::Skipped) {
        return (
            status,
            Operation {
                skip: true,
                ..Operation::default()
            },
        );
    }
    if status.phase == Some(StepPhase::Failed) && status.reason == reason::TIMEOUT {
        return (
            status,
            Operation {
                terminated: true,
                ..Operation::default()
            },
        );
    }
    if count_phase(StepPhase::Suspending) > 0 {
        status.phase = Some(StepPhase::Suspending);
    } else if subs.len() < sub_count || count_phase(StepPhase::Running) > 0 {
        status.phase = Some(StepPhase::Running);
    } else if count_phase(StepPhase::Pending) > 0 {
        status.phase = Some(StepPhase::Pending);
    } else if count_phase(StepPhase::Failed) > 0 {
        status.phase = Some(StepPhase::Failed);
        for r in [
            reason::FAILED_AFTER_RETRIES,
            reason::TIMEOUT,
            reason::ACTION,
            reason::TERMINATE,
        ] {
            if count_reason(r) > 0 {
                status.reason = r.to_owned();
                break;
            }
        }
    } else if count_phase(StepPhase::Skipped) > 0 && count_phase(StepPhase::Skipped) == sub_count {
        status.phase = Some(StepPhase::Skipped);
        status.reason = reason::SKIP.to_owned();
    } else {
        status.phase = Some(StepPhase::Succeeded);
    }
    (status, op)
}
