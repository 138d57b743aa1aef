//! Built-in components: the workload a component renders, plus its auxiliary objects.

use serde_json::json;

use crate::definition::{Kind, Meta};

mod cron_task;
mod daemon;
mod k8s_objects;
mod raw;
mod ref_objects;
mod service;
mod statefulset;
mod task;
mod webservice;
mod worker;

pub use cron_task::CronTask;
pub use daemon::Daemon;
pub use k8s_objects::K8sObjects;
pub use raw::Raw;
pub use ref_objects::RefObjects;
pub use statefulset::StatefulSet;
pub use task::Task;
pub use webservice::Webservice;
pub use worker::Worker;

/// A component's metadata with its `workload` attribute (`definition` and `type`).
fn workload_meta(name: &str, desc: &str, api_version: &str, kind: &str, ty: &str) -> Meta {
    Meta::new(name, Kind::Component, desc).attr(
        "workload",
        json!({"definition": {"apiVersion": api_version, "kind": kind}, "type": ty}),
    )
}
