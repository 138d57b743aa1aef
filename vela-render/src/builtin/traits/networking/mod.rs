//! Traits that make the component reachable: Services and Ingresses.

mod expose;
mod gateway;
mod pure_ingress;

pub use expose::*;
pub use gateway::*;
pub use pure_ingress::*;
