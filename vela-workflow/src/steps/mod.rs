//! Built-in step types, implemented in Rust.
//!
//! | type | implementation |
//! |---|---|
//! | `suspend` | [`Suspend`]: suspends until resumed, or for `duration` |
//! | `step-group` | built into the engine: runs `subSteps` (mode `DAG` unless set) |
//! | `print-message-in-status` | [`PrintMessage`] |
//! | `apply-object`, `read-object` | [`ApplyObject`], [`ReadObject`] over [`cluster::Objects`](crate::cluster::Objects) |
//! | `export2config`, `export2secret` | [`Export2Config`], [`Export2Secret`] |
//! | `request`, `webhook` | [`HttpRequest`], [`Webhook`] over the guarded [`http::Client`] |
//! | `notification` | [`Notification`]: Slack, DingTalk, Lark, email (SMTP) |

mod control;
mod external;
mod objects;

use std::sync::Arc;

#[cfg(feature = "cue")]
pub(crate) use control::suspend_action;
pub use control::{PrintMessage, Suspend};
pub use external::{HttpRequest, Notification, Webhook};
pub use objects::{ApplyObject, Export2Config, Export2Secret, ReadObject};

use crate::cluster::Objects;
use crate::http;
use crate::step::Registry;

/// The `step-group` type name (vela-model's).
pub use vela_model::workflow::STEP_GROUP;
/// Mutable key where a suspend with `duration` keeps its resume time.
pub const RESUME_TIMESTAMP: &str = "resumeTimeStamp";
/// Mutable key (after the field label) where a suspend keeps the time it first suspended.
pub const SUSPEND_TIMESTAMP_KEY: &str = "suspendTimeStamp";

/// A registry with every built-in step type, over these objects and this HTTP client.
///
/// ```
/// use std::sync::Arc;
/// use vela_workflow::{cluster, http, steps};
///
/// let http = http::Client::new(http::Config::default()).unwrap();
/// let registry = steps::builtins(Arc::new(cluster::Memory::new()), http);
/// assert!(registry.contains("notification"));
/// ```
pub fn builtins(objects: Arc<dyn Objects>, http: http::Client) -> Registry {
    let mut r = Registry::new();
    r.register("suspend", Suspend)
        .register("print-message-in-status", PrintMessage)
        .register("apply-object", ApplyObject::new(objects.clone()))
        .register("read-object", ReadObject::new(objects.clone()))
        .register("export2config", Export2Config::new(objects.clone()))
        .register("export2secret", Export2Secret::new(objects.clone()))
        .register("request", HttpRequest::new(http.clone()))
        .register("webhook", Webhook::new(http.clone(), objects.clone()))
        .register("notification", Notification::new(http, objects));
    r
}
