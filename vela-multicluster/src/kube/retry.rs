//! Retries of API requests that failed for a passing reason (429 Too Many Requests, a 5xx, a
//! timeout or a dropped connection): exponential backoff with jitter, a bounded number of
//! attempts and a bounded total time, honouring the server's `Retry-After`.
//!
//! The loop takes its clock and sleeper as a [`Timer`], so its decisions are tested without
//! waiting.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::time::{Duration, Instant};

/// When and how often a failed request is tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff before the second attempt; it doubles for each attempt after.
    pub initial_backoff: Duration,
    /// The longest backoff between two attempts.
    pub max_backoff: Duration,
    /// No attempt starts later than this after the first one.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 200 ms doubling up to 5 s, within 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// With `attempts` attempts in all.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// With the backoff starting at `initial` and growing to at most `max`.
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// With no attempt starting later than `max_elapsed` after the first.
    #[must_use]
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// How long to wait before attempt `failed + 1`, after `failed` attempts have failed and
    /// `elapsed` has passed since the first; `None` to give up. `retry_after` is what the
    /// server asked for (it is waited at least, and a wait beyond the time left gives up);
    /// `jitter` in `[0, 1)` spreads the backoff over its upper half ("equal jitter").
    #[must_use]
    pub fn delay(
        &self,
        failed: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if failed == 0 || failed >= self.max_attempts {
            return None;
        }
        let exponent = (failed - 1).min(31);
        let backoff = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let jittered = backoff / 2 + backoff.mul_f64(jitter.clamp(0.0, 1.0) / 2.0);
        let delay = retry_after.map_or(jittered, |after| after.max(jittered));
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }
}

/// What to do about a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The failure is final.
    Fail,
    /// The failure may pass: try again (after at least the server's `Retry-After`).
    Retry(Option<Duration>),
}

/// The clock and sleeper of the retry loop.
pub trait Timer: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// A number in `[0, 1)` for the jitter.
    fn jitter(&self) -> f64;
}

/// The real clock, tokio's sleep and a random jitter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn jitter(&self) -> f64 {
        // a fresh randomly keyed hasher per call: random enough to spread retries
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        #[allow(clippy::cast_precision_loss)] // 53 bits of a u64 are plenty for a jitter
        let fraction = (random >> 11) as f64 / (1u64 << 53) as f64;
        fraction
    }
}

/// Runs `attempt` until it succeeds, `classify` calls its failure final, or the policy gives
/// up; returns the last result and how many attempts were made.
pub(crate) async fn run<T, E, F, Fut>(
    policy: &RetryPolicy,
    timer: &dyn Timer,
    classify: impl Fn(&E) -> Verdict,
    mut attempt: F,
) -> (Result<T, E>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = timer.now();
    let mut failed = 0;
    loop {
        let result = attempt().await;
        let Err(error) = &result else {
            return (result, failed + 1);
        };
        failed += 1;
        let Verdict::Retry(retry_after) = classify(error) else {
            return (result, failed);
        };
        let elapsed = timer.now().saturating_duration_since(start);
        let Some(delay) = policy.delay(failed, elapsed, retry_after, timer.jitter()) else {
            return (result, failed);
        };
        tracing::debug!(
            attempt = failed,
            ?delay,
            "cluster request failed for a passing reason; retrying"
        );
        timer.sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A clock that moves only when the loop sleeps, recording each sleep.
    struct FakeTimer {
        start: Instant,
        slept: Mutex<Vec<Duration>>,
        jitter: f64,
    }

    impl FakeTimer {
        fn new(jitter: f64) -> Self {
            Self {
                start: Instant::now(),
                slept: Mutex::new(Vec::new()),
                jitter,
            }
        }

        fn slept(&self) -> Vec<Duration> {
            self.slept.lock().unwrap().clone()
        }
    }

    impl Timer for FakeTimer {
        fn now(&self) -> Instant {
            self.start + self.slept.lock().unwrap().iter().sum::<Duration>()
        }

        fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
            self.slept.lock().unwrap().push(duration);
            Box::pin(std::future::ready(()))
        }

        fn jitter(&self) -> f64 {
            self.jitter
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .with_max_attempts(5)
            .with_backoff(ms(100), ms(1000))
            .with_max_elapsed(Duration::from_secs(10))
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_equal_jitter() {
        let p = policy();
        // jitter 0: the lower half of the backoff; jitter near 1: all of it
        let low: Vec<_> = (1..5).map(|n| p.delay(n, ms(0), None, 0.0).unwrap()).collect();
        assert_eq!(low, [ms(50), ms(100), ms(200), ms(400)]);
        let high = p.delay(4, ms(0), None, 0.999_999).unwrap();
        assert!(high > ms(799) && high <= ms(800), "{high:?}");
        let capped = RetryPolicy::default()
            .with_max_attempts(20)
            .with_backoff(ms(100), ms(1000))
            .delay(10, ms(0), None, 0.0);
        assert_eq!(capped, Some(ms(500)), "half of the 1 s cap");
    }

    #[test]
    fn attempts_and_total_time_are_bounded() {
        let p = policy();
        assert_eq!(p.delay(5, ms(0), None, 0.0), None, "5 attempts made");
        assert_eq!(p.delay(0, ms(0), None, 0.0), None, "nothing failed yet");
        assert_eq!(
            p.delay(1, Duration::from_secs(10), None, 0.0),
            None,
            "out of time"
        );
        assert_eq!(p.delay(1, ms(9_950), None, 0.0), Some(ms(50)), "just in time");
        assert_eq!(RetryPolicy::never().delay(1, ms(0), None, 0.0), None);
    }

    #[test]
    fn retry_after_is_honoured_within_the_time_left() {
        let p = policy();
        assert_eq!(
            p.delay(1, ms(0), Some(Duration::from_secs(2)), 0.0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            p.delay(1, ms(0), Some(ms(10)), 0.0),
            Some(ms(50)),
            "the backoff when longer"
        );
        assert_eq!(
            p.delay(1, ms(9_000), Some(Duration::from_secs(2)), 0.0),
            None,
            "beyond the time left"
        );
    }

    #[tokio::test]
    async fn the_loop_retries_passing_failures_only() {
        let timer = FakeTimer::new(0.0);
        let mut calls = 0;
        let (result, attempts) = run(
            &policy(),
            &timer,
            |e: &u16| {
                if *e == 503 {
                    Verdict::Retry(None)
                } else {
                    Verdict::Fail
                }
            },
            || {
                calls += 1;
                let out = if calls < 3 { Err(503) } else { Ok("done") };
                async move { out }
            },
        )
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(attempts, 3);
        assert_eq!(timer.slept(), [ms(50), ms(100)]);

        let timer = FakeTimer::new(0.0);
        let (result, attempts) = run(
            &policy(),
            &timer,
            |e: &u16| {
                if *e == 503 {
                    Verdict::Retry(None)
                } else {
                    Verdict::Fail
                }
            },
            || async { Err::<(), u16>(409) },
        )
        .await;
        assert_eq!((result, attempts), (Err(409), 1), "a conflict is final");
        assert!(timer.slept().is_empty());
    }

    #[tokio::test]
    async fn the_loop_gives_up_after_the_last_attempt_and_honours_retry_after() {
        let timer = FakeTimer::new(0.5);
        let (result, attempts) = run(
            &policy(),
            &timer,
            |_: &u16| Verdict::Retry(Some(ms(300))),
            || async { Err::<(), u16>(429) },
        )
        .await;
        assert_eq!((result, attempts), (Err(429), 5));
        // the backoff with jitter 0.5 is 75, 150, 300, 600 ms; Retry-After raises the first two
        assert_eq!(timer.slept(), [ms(300), ms(300), ms(300), ms(600)]);

        let timer = FakeTimer::new(0.0);
        let tight = policy().with_max_elapsed(ms(200));
        let (_, attempts) = run(
            &tight,
            &timer,
            |_: &u16| Verdict::Retry(None),
            || async { Err::<(), u16>(500) },
        )
        .await;
        assert_eq!(attempts, 3, "50 + 100 ms fit in 200 ms, the next 200 ms does not");
        assert_eq!(timer.slept().iter().sum::<Duration>(), ms(150));
    }

    #[test]
    fn the_real_jitter_is_a_fraction() {
        for _ in 0..100 {
            let j = TokioTimer.jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
