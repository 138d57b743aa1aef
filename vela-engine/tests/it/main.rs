//! vela-engine against the embedded cluster: delivery, ownership, garbage collection, deletion.

mod embedded;
mod install;
mod model;
mod policies;
