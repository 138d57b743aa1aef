//! vela-engine against the embedded cluster: delivery, ownership, garbage collection, deletion.

mod admission;
mod apply_component_returns;
mod apply_remaining;
mod auto_update;
mod chart;
mod control_plane;
mod cue_steps;
mod custom_policy;
mod embedded;
mod gc_failure;
mod install;
mod model;
mod policies;
mod post_dispatch;
mod replication;
mod run_state_race;
mod support;
mod workflow_run;
