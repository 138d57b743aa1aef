//! The cluster registry and the `Fleet` of `vela-multicluster`: two virtual member clusters
//! inside one embedded state, selected by label and written to through one `Objects`.
//!
//! ```text
//! cargo run -p vela-examples --example fleet
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use vela_multicluster::registry::{self, Cluster};
use vela_multicluster::{Embedded, Fleet, Objects};

// ANCHOR: fleet
/// Registers two virtual members, picks the clusters whose labels match `selector` (what a
/// topology policy's `clusterLabelSelector` does), applies a ConfigMap to each through the
/// Fleet, and returns, per cluster, the ConfigMaps it holds.
pub async fn place(
    selector: &BTreeMap<String, String>,
) -> Result<Vec<(String, Vec<String>)>, Box<dyn std::error::Error>> {
    let state = Arc::new(Embedded::in_memory()?);
    let label = |v: &str| BTreeMap::from([("region".to_owned(), v.to_owned())]);
    registry::join(&*state, &Cluster::embedded("edge-eu")?.with_labels(label("eu"))).await?;
    registry::join(&*state, &Cluster::embedded("edge-us")?.with_labels(label("us"))).await?;

    let fleet = Fleet::embedded(state.clone());
    let clusters = registry::list(&*state).await?.clusters;
    let chosen: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| !c.is_local() && c.matches(selector))
        .collect();
    for cluster in &chosen {
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "greeting", "namespace": "default"},
            "data": {"placed-in": cluster.name}});
        fleet.apply(&cluster.name, config).await?;
    }

    let mut held = Vec::new();
    for cluster in &clusters {
        let maps = fleet
            .list(&cluster.name, "v1", "ConfigMap", "default", &BTreeMap::new())
            .await?;
        let names = maps
            .iter()
            .filter_map(|m| m["metadata"]["name"].as_str().map(str::to_owned))
            .collect();
        held.push((cluster.name.clone(), names));
    }
    Ok(held)
}
// ANCHOR_END: fleet

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let selector = BTreeMap::from([("region".to_owned(), "eu".to_owned())]);
    for (cluster, maps) in place(&selector).await? {
        println!("{cluster}: {maps:?}");
    }
    Ok(())
}
