//! The suite against the backends of this crate.

use std::sync::Arc;

use super::*;
#[cfg(feature = "embedded")]
use crate::Embedded;
use crate::Memory;

#[test]
fn scenario_names_are_unique() {
    let mut names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), SCENARIOS.len());
    assert_eq!(
        SCENARIOS.len(),
        19,
        "the book's backend chapter counts 19 scenarios"
    );
}

#[cfg(feature = "embedded")]
#[tokio::test]
async fn the_embedded_cluster_passes_every_scenario() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cluster = Arc::new(Embedded::open(dir.path().join("state.db")).expect("a state file"));
    let other = Arc::new(cluster.clone().as_manager("kubectl"));
    let report = run(&Target::new(cluster, other)).await;
    assert_eq!(report.passed().len(), 19, "{report}");
}

#[cfg(feature = "embedded")]
#[tokio::test]
async fn a_named_cluster_of_the_embedded_store_passes_too() {
    let cluster = Arc::new(Embedded::in_memory().expect("an embedded cluster"));
    let other = Arc::new(cluster.clone().as_manager("kubectl"));
    let report = run(&Target::new(cluster, other).in_cluster("member-1")).await;
    assert_eq!(report.passed().len(), 19, "{report}");
}

/// `Memory` is a fake with weaker semantics: this pins exactly what it honours.
#[tokio::test]
async fn the_memory_fake_passes_only_what_it_can() {
    let memory = Arc::new(Memory::new());
    let report = run(&Target::new(memory.clone(), memory)).await;
    assert_eq!(
        report.passed(),
        [
            "get_of_a_missing_object_is_none",
            "list_by_labels",
            "stale_resource_version_conflicts",
            "delete_reports_whether_it_existed",
        ],
        "{report}"
    );
}

#[tokio::test]
async fn an_unknown_scenario_is_an_error() {
    let memory = Arc::new(Memory::new());
    let err = run_named(&Target::new(memory.clone(), memory), "nope")
        .await
        .unwrap_err();
    assert_eq!(err, "no scenario \"nope\"");
}
