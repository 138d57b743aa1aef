//! Traits that set the number of replicas: a fixed count or an autoscaler.

mod cpuscaler;
mod hpa;
mod scaler;

pub use cpuscaler::*;
pub use hpa::*;
pub use scaler::*;

// The autoscalers' defaults, as KubeVela's cpuscaler and hpa templates declare them.
fn default_min_replicas() -> i64 {
    1
}
fn default_max_replicas() -> i64 {
    10
}
fn default_utilization() -> i64 {
    50
}
fn default_target_api_version() -> String {
    "apps/v1".into()
}
fn default_target_kind() -> String {
    "Deployment".into()
}
