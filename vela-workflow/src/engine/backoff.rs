//! KubeVela's backoff bookkeeping for one pass: per-step retry counters, the suspend or
//! terminate decision after too many failures, and when the next pass should run.

use super::pass::Pass;
use crate::state::Counters;
use crate::status::{StepPhase, StepStatus, reason};

impl Pass<'_> {
    /// KubeVela's `handleBackoffTimes`.
    pub(super) fn handle_backoff_times(&mut self, status: &StepStatus, ok: bool) {
        let c = &mut self.state.counters;
        if ok {
            c.backoff_times.remove(&status.id);
            c.backoff_reason.remove(&status.id);
        } else {
            if c.backoff_reason.get(&status.id) != Some(&status.message) {
                c.backoff_reason.insert(status.id.clone(), status.message.clone());
                c.backoff_times.remove(&status.id);
            }
            Counters::increase(&mut c.backoff_times, &status.id);
        }
    }

    pub(super) fn check_failed_after_retries(&mut self) {
        let sof = self.sof();
        if !self.waiting && self.failed_after_retries && sof {
            self.state.status.suspend = true;
        }
        if self.failed_after_retries && !sof {
            self.state.status.terminated = true;
        }
    }

    /// KubeVela's `getBackoffWaitTime`, in seconds.
    fn backoff_wait_secs(&self) -> u64 {
        let mut min_times = 15u32;
        let mut found = false;
        for s in &self.state.status.steps {
            for st in std::iter::once(&s.status).chain(s.sub_steps.iter()) {
                if let Some(&t) = self.state.counters.backoff_times.get(&st.id)
                    && t > 0
                {
                    found = true;
                    min_times = min_times.min(t);
                }
            }
        }
        if !found {
            return 1;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let interval = (2f64.powi(min_times as i32) * 0.05) as u64;
        let failed = self
            .state
            .status
            .steps
            .iter()
            .any(|s| s.status.phase == Some(StepPhase::Failed));
        let cap = if failed {
            self.engine.config.max_failed_backoff
        } else {
            self.engine.config.max_wait_backoff
        };
        interval.clamp(1, cap.as_secs().max(1))
    }

    /// KubeVela's `getNextTimeout`, in seconds (`None` when no running step has a timeout).
    fn next_timeout_secs(&self) -> Option<u64> {
        let now = self.now();
        let mut min: Option<i64> = None;
        for s in &self.state.status.steps {
            if s.status.phase == Some(StepPhase::Running)
                && let Some(deadline) = self.step_timeout.get(&s.status.name)
            {
                let left = deadline.as_millis() - now.as_millis();
                min = Some(min.map_or(left, |m| m.min(left)));
            }
        }
        let ms = min?;
        if ms < 1000 {
            return Some(1);
        }
        u64::try_from((ms + 999) / 1000).ok()
    }

    pub(super) fn set_next_execute_time(&mut self) {
        let mut interval = self.backoff_wait_secs();
        if let Some(t) = self.next_timeout_secs()
            && t > 0
            && t < interval
        {
            interval = t;
        }
        let last = self
            .state
            .counters
            .last_execute_time
            .unwrap_or_else(|| self.now());
        self.state.counters.next_execute_time = Some(last.plus(std::time::Duration::from_secs(interval)));
    }

    pub(super) fn clean_backoff_for_terminated(&mut self) {
        let c = &mut self.state.counters;
        for s in &self.state.status.steps {
            for st in std::iter::once(&s.status).chain(s.sub_steps.iter()) {
                if st.reason == reason::TERMINATE {
                    c.backoff_times.remove(&st.id);
                    c.backoff_reason.remove(&st.id);
                }
            }
        }
    }
}
