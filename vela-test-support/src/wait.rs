//! Waiting for a condition on one object, with a timeout and a failure message that shows the
//! last state seen.
//!
//! ```no_run
//! # async fn demo(api: kube::Api<k8s_openapi::api::apps::v1::Deployment>) -> vela_test_support::Result<()> {
//! use std::time::Duration;
//! use vela_test_support::wait;
//!
//! let ready = wait::for_condition(&api, "web", Duration::from_secs(30), "web to be available", |d| {
//!     d.and_then(|d| d.status.as_ref()).and_then(|s| s.available_replicas) == Some(1)
//! })
//! .await?;
//! # Ok(())
//! # }
//! ```

use std::fmt::Debug;
use std::time::{Duration, Instant};

use kube::Api;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result, api_err};

/// How often the object is read again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

fn describe<K: Serialize>(obj: Option<&K>) -> String {
    match obj {
        None => "<absent>".to_string(),
        Some(obj) => {
            let value = serde_json::to_value(obj).unwrap_or_default();
            // The status (or, without one, the whole object) says most about why we waited.
            let shown = value.get("status").cloned().unwrap_or(value);
            let mut text = shown.to_string();
            if text.len() > 2000 {
                text.truncate(2000);
                text.push_str("...");
            }
            text
        }
    }
}

/// Reads `name` through `api` until `condition` holds for it (it is given `None` while the
/// object does not exist), and returns the object seen last. Fails with [`Error::Timeout`],
/// including the last state seen, when `timeout` passes first.
pub async fn for_condition<K, F>(
    api: &Api<K>,
    name: &str,
    timeout: Duration,
    what: &str,
    mut condition: F,
) -> Result<Option<K>>
where
    K: Clone + DeserializeOwned + Serialize + Debug,
    F: FnMut(Option<&K>) -> bool,
{
    let start = Instant::now();
    loop {
        let current = api
            .get_opt(name)
            .await
            .map_err(api_err(format!("reading {name} while waiting for {what}")))?;
        if condition(current.as_ref()) {
            return Ok(current);
        }
        if start.elapsed() >= timeout {
            return Err(Error::Timeout {
                what: format!("{what} ({name})"),
                after: timeout,
                last: describe(current.as_ref()),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Waits until `name` no longer exists.
pub async fn for_deletion<K>(api: &Api<K>, name: &str, timeout: Duration) -> Result<()>
where
    K: Clone + DeserializeOwned + Serialize + Debug,
{
    for_condition(api, name, timeout, "deletion", |obj| obj.is_none())
        .await
        .map(|_| ())
}

/// Waits until `name` exists.
pub async fn for_existence<K>(api: &Api<K>, name: &str, timeout: Duration) -> Result<K>
where
    K: Clone + DeserializeOwned + Serialize + Debug,
{
    let found = for_condition(api, name, timeout, "existence", |obj| obj.is_some()).await?;
    Ok(found.expect("the condition only holds for an existing object"))
}

/// Retries an async check until it returns `Ok(Some(value))` or `timeout` passes; `Ok(None)`
/// means "not yet", and its last explanation is kept for the timeout message via `Err`.
/// For conditions that do not fit one object, such as "this list is empty".
pub async fn until<T, Fut, F>(timeout: Duration, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, String>>,
{
    let start = Instant::now();
    loop {
        let last = match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => "condition not met".to_string(),
            Err(e) => e,
        };
        if start.elapsed() >= timeout {
            return Err(Error::Timeout {
                what: what.to_string(),
                after: timeout,
                last,
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn until_returns_the_value_once_the_check_passes() {
        let mut calls = 0;
        let value = until(Duration::from_secs(5), "third call", || {
            calls += 1;
            let n = calls;
            async move { Ok(if n >= 3 { Some(n) } else { None }) }
        })
        .await
        .unwrap();
        assert_eq!(value, 3);
    }

    #[tokio::test]
    async fn until_times_out_with_the_last_explanation() {
        let err = until::<(), _, _>(Duration::from_millis(300), "never", || async {
            Err("still 2 pods".to_string())
        })
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("never") && text.contains("still 2 pods"), "{text}");
    }

    #[test]
    fn describe_prefers_status() {
        let obj = serde_json::json!({"metadata": {"name": "x"}, "status": {"ready": 1}});
        assert_eq!(describe(Some(&obj)), r#"{"ready":1}"#);
        assert_eq!(describe::<serde_json::Value>(None), "<absent>");
    }
}
