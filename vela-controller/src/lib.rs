#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod controller;
pub mod error;
pub mod impersonation;
pub mod lease;
pub mod metrics;
pub mod ratelimit;
pub mod reconcile;
mod runs;
pub mod serve;
pub mod shard;
pub mod webhook;

pub use controller::Controller;
pub use error::{Error, Result};
pub use reconcile::Settings;
