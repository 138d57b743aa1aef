//! Traits that patch the pod template: its metadata, scheduling, security and identity.

mod affinity;
mod host_alias;
mod label_selector;
mod metadata;
mod security_context;
mod service_account;
mod topology_spread;

pub use affinity::*;
pub use host_alias::*;
pub use metadata::*;
pub use security_context::*;
pub use service_account::*;
pub use topology_spread::*;
