//! A client-side rate limit for the requests to the API server (`--kube-api-qps`,
//! `--kube-api-burst`): a token bucket in front of kube's service stack, as client-go has one.
//! Up to `burst` requests go at once; after that, `qps` per second. A watch counts as one
//! request when it starts.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

use crate::{Error, Result};

/// A token bucket: `burst` tokens, refilled at `qps` per second.
#[derive(Debug)]
pub struct Bucket {
    qps: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    ///
    /// # Errors
    /// [`Error::Setting`] unless `qps` is finite and above 0 and `burst` at least 1.
    pub fn new(qps: f64, burst: u32) -> Result<Self> {
        if !qps.is_finite() || qps <= 0.0 {
            return Err(Error::Setting {
                setting: "--kube-api-qps",
                message: format!("must be above 0 (or 0 for no limit), not {qps}"),
            });
        }
        if burst == 0 {
            return Err(Error::Setting {
                setting: "--kube-api-burst",
                message: "must be at least 1".into(),
            });
        }
        Ok(Self {
            qps,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            last: Instant::now(),
        })
    }

    /// Takes a token at `now`, or reserves the next one: how long the caller waits before it
    /// sends (zero when a token is there). A reservation takes the bucket below zero, so waiters
    /// are served in the order they came and each is woken once, as client-go's limiter
    /// (golang.org/x/time/rate's `Wait`) does; waiters that re-checked a shared bucket on
    /// waking would all wake for every token. A reservation given up (its request dropped)
    /// is not handed back.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    /// use vela_controller::ratelimit::Bucket;
    ///
    /// let mut b = Bucket::new(10.0, 2).unwrap();
    /// let now = Instant::now();
    /// assert_eq!(b.reserve(now), Duration::ZERO);
    /// assert_eq!(b.reserve(now), Duration::ZERO);
    /// assert_eq!(b.reserve(now), Duration::from_millis(100));
    /// assert_eq!(b.reserve(now), Duration::from_millis(200));
    /// // 250 ms later 2.5 tokens came back: 0.5 left after the two reserved, half of the next
    /// assert_eq!(b.reserve(now + Duration::from_millis(250)), Duration::from_millis(50));
    /// ```
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.qps).min(self.burst);
        self.last = now.max(self.last);
        self.tokens -= 1.0;
        if self.tokens >= -1e-9 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.qps)
        }
    }
}

/// The [`Layer`] that puts a [`Bucket`] in front of a service.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    bucket: Arc<Mutex<Bucket>>,
}

impl RateLimitLayer {
    /// A layer allowing `qps` requests per second with bursts of `burst`.
    ///
    /// ```
    /// let layer = vela_controller::ratelimit::RateLimitLayer::new(50.0, 100).unwrap();
    /// # let _ = layer;
    /// ```
    ///
    /// # Errors
    /// As [`Bucket::new`].
    pub fn new(qps: f64, burst: u32) -> Result<Self> {
        Ok(Self {
            bucket: Arc::new(Mutex::new(Bucket::new(qps, burst)?)),
        })
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            bucket: self.bucket.clone(),
            sleep: None,
            holding: false,
        }
    }
}

/// A service whose calls wait for a token of the shared bucket (in `poll_ready`, so callers
/// that wait for readiness, as kube's request buffer does, are held back).
#[derive(Debug)]
pub struct RateLimit<S> {
    inner: S,
    bucket: Arc<Mutex<Bucket>>,
    sleep: Option<Pin<Box<Sleep>>>,
    holding: bool,
}

impl<S, R> Service<R> for RateLimit<S>
where
    S: Service<R>,
{
    type Error = S::Error;
    type Future = S::Future;
    type Response = S::Response;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if !self.holding {
            if self.sleep.is_none() {
                let wait = self
                    .bucket
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .reserve(Instant::now());
                if wait.is_zero() {
                    self.holding = true;
                } else {
                    self.sleep = Some(Box::pin(tokio::time::sleep(wait)));
                }
            }
            if let Some(sleep) = self.sleep.as_mut() {
                ready!(sleep.as_mut().poll(cx));
                self.sleep = None;
                self.holding = true;
            }
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        self.holding = false;
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refills_at_the_rate_and_never_above_the_burst() {
        let mut b = Bucket::new(4.0, 3).expect("a bucket");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(b.reserve(t0), Duration::ZERO);
        }
        // later callers queue behind the earlier reservations
        assert_eq!(b.reserve(t0), Duration::from_millis(250));
        assert_eq!(b.reserve(t0), Duration::from_millis(500));
        // a long idle time refills only up to the burst
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(b.reserve(later), Duration::ZERO);
        }
        assert_eq!(b.reserve(later), Duration::from_millis(250));
    }

    #[test]
    fn bad_settings_are_refused_with_the_flag_name() {
        let e = Bucket::new(0.0, 1).unwrap_err();
        assert!(e.to_string().starts_with("--kube-api-qps"), "{e}");
        let e = Bucket::new(f64::NAN, 1).unwrap_err();
        assert!(e.to_string().starts_with("--kube-api-qps"), "{e}");
        let e = Bucket::new(1.0, 0).unwrap_err();
        assert_eq!(e.to_string(), "--kube-api-burst: must be at least 1");
    }

    /// A service answering its request.
    struct Echo;

    impl Service<u32> for Echo {
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<u32, Self::Error>>;
        type Response = u32;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: u32) -> Self::Future {
            std::future::ready(Ok(req))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn calls_beyond_the_burst_wait_for_tokens() {
        let layer = RateLimitLayer::new(10.0, 2).expect("a layer");
        let mut svc = layer.layer(Echo);
        let start = Instant::now();
        for i in 0..5u32 {
            std::future::poll_fn(|cx| svc.poll_ready(cx))
                .await
                .expect("ready");
            assert_eq!(svc.call(i).await.expect("call"), i);
        }
        // 2 at once, then 3 more at 10 per second
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(310),
            "{took:?}"
        );
    }
}
