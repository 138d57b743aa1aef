//! Traits that patch the containers of the pod template.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::pod_spec_patch;
use crate::context::Context;
use crate::definition::Rendered;
use crate::patch::{Node, Patch, Strategy, Tags};

mod command;
mod env;
mod image;
mod init_container;
mod lifecycle;
mod ports;
mod resource;
mod security_context;
mod service_binding;
mod sidecar;
mod startup_probe;

pub use command::*;
pub use env::*;
pub use image::*;
pub use init_container::*;
pub use lifecycle::*;
pub use ports::*;
pub use resource::*;
pub use security_context::*;
pub use service_binding::*;
pub use sidecar::*;
pub use startup_probe::*;

/// The containers of the workload rendered so far (`spec.template.spec.containers`).
pub(crate) fn base_containers(ctx: &Context) -> Vec<Value> {
    ctx.output
        .as_ref()
        .and_then(|o| o.pointer("/spec/template/spec/containers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The container named `name` among `base`.
pub(crate) fn find_container<'a>(base: &'a [Value], name: &str) -> Option<&'a Value> {
    base.iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
}

/// The target container's name: `n`, or the component's name when `n` is empty.
pub(crate) fn container_name(ctx: &Context, n: &str) -> String {
    if n.is_empty() {
        ctx.name.clone()
    } else {
        n.to_string()
    }
}

/// The default `containerName`: empty, which targets the component's own container.
pub(crate) fn default_container_name() -> String {
    String::new()
}

/// One container's patch or a list of them (`containers`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<P> {
    /// Several containers.
    Many {
        /// Per-container patches.
        containers: Vec<P>,
    },
    /// One container.
    One(P),
}

impl<P> OneOrMany<P> {
    /// One container patch per target, built by `build(base containers, container name, params)`.
    ///
    /// The single form targets its `containerName` (default: the component's name). In the list
    /// form every entry must name its container; an entry that does not becomes an `err` entry
    /// with `missing` as its message (KubeVela's wording differs between definitions).
    pub(crate) fn container_patches(
        &self,
        ctx: &Context,
        name_of: impl Fn(&P) -> &str,
        missing: &str,
        build: impl Fn(&[Value], String, &P) -> Value,
    ) -> Vec<Value> {
        let base = base_containers(ctx);
        match self {
            OneOrMany::One(p) => vec![build(&base, container_name(ctx, name_of(p)), p)],
            OneOrMany::Many { containers } => containers
                .iter()
                .map(|c| match name_of(c) {
                    "" => json!({ "err": missing }),
                    name => build(&base, name.to_string(), c),
                })
                .collect(),
        }
    }
}

/// The `err` messages that container patches carry (a missing container, conflicting fields).
fn container_errors(containers: &[Value]) -> Vec<String> {
    containers
        .iter()
        .filter_map(|c| c.get("err").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Container patches keyed by name whose `env`, `command` and `args` replace the workload's
/// and whose `image` and `imagePullPolicy` retain only the keys they set (env, command,
/// container-image).
pub(crate) fn container_list_patch(containers: Vec<Value>) -> Rendered {
    let errs = container_errors(&containers);
    let mut node = Node::from_json(json!({"spec": {"template": {"spec": {"containers": containers}}}}))
        .tag("spec.template.spec.containers", Tags::key("name"));
    for field in ["env", "command", "args"] {
        node = node.tag(
            &format!("spec.template.spec.containers.*.{field}"),
            Tags::strategy(Strategy::Replace),
        );
    }
    for field in ["image", "imagePullPolicy"] {
        node = node.tag(
            &format!("spec.template.spec.containers.*.{field}"),
            Tags::strategy(Strategy::RetainKeys),
        );
    }
    Rendered {
        patch: Some(Patch::Strategic(node)),
        errs,
        ..Default::default()
    }
}

/// Container patches keyed by name whose `ports` replace the workload's (startup-probe,
/// securitycontext, container-ports).
pub(crate) fn keyed_container_patch(containers: Vec<Value>) -> Rendered {
    let errs = container_errors(&containers);
    let node = pod_spec_patch(json!({"containers": containers}))
        .tag("spec.template.spec.containers", Tags::key("name"));
    let node = node.tag(
        "spec.template.spec.containers.*.ports",
        Tags::strategy(Strategy::Replace),
    );
    Rendered {
        patch: Some(Patch::Strategic(node)),
        errs,
        ..Default::default()
    }
}
