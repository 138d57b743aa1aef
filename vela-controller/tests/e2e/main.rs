//! `vela-controller` as a real process against a real API server (the hub of
//! `scripts/test-clusters.sh up 1`), after `vela install` (the engine's installer, which the CLI
//! runs). Each test owns a namespace, and its controllers watch only that namespace (other
//! suites deliver applications on the same cluster). `#[ignore]`d in a plain `cargo test`;
//! `.ci/suites/30-e2e.sh` runs them with `--include-ignored`.
//!
//! - [`lifecycle`]: create, update, delete, pause, a broken application, leader election;
//! - [`crash`]: the controller killed with SIGKILL at random points of workflows and restarted;
//! - [`crash_fleet`]: the same across three clusters, during multicluster deploys and collections;
//! - [`definitions`]: a CUE definition stored in the hub renders applications;
//! - [`sharding`]: a master that schedules, two shards that reconcile only their own;
//! - [`hostile`]: applications built to hurt end as conditions while the others run;
//! - [`restart`]: the API server restarted under the controller (a cluster of its own);
//! - [`handover`]: `vela up` hands an Application to a leading controller and waits;
//! - [`rbac`]: the installed ServiceAccount's least-privilege rules, used by a real controller;
//! - [`runs`]: standalone WorkflowRuns;
//! - [`impersonation`]: an Application delivered as its service account;
//! - [`users`]: the admission webhook records the requesting user, and the controller delivers
//!   as that user (`--authentication-with-user`).

mod crash;
mod crash_fleet;
mod definitions;
mod handover;
mod hostile;
mod impersonation;
mod lifecycle;
mod rbac;
mod restart;
mod runs;
mod sharding;
mod support;
mod users;
