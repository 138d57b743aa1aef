//! The embedded cluster of `vela-multicluster`: a Kubernetes-like object store in one SQLite
//! file, which `vela up` uses when no cluster is configured.
//!
//! ```text
//! cargo run -p vela-examples --example embedded_cluster -- /tmp/state.db
//! ```

use std::collections::BTreeMap;

use serde_json::json;
use vela_multicluster::{Embedded, Key, Objects};

// ANCHOR: deliver
/// Applies a namespace, a ConfigMap that owns a Deployment, then deletes the owner: the
/// Deployment goes with it, as the garbage collector of a real cluster does. Returns the names
/// of the Deployments left in the namespace.
pub async fn deliver_and_collect(cluster: &Embedded) -> Result<Vec<String>, vela_multicluster::Error> {
    cluster
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        )
        .await?;
    let owner = cluster
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "shop-release", "namespace": "shop"}, "data": {"version": "1"}}),
        )
        .await?;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                "name": "shop-release", "uid": owner["metadata"]["uid"]}]},
        "spec": {"replicas": 2}});
    let stored = cluster.apply("", deployment).await?;
    println!(
        "web: uid {} resourceVersion {} generation {}",
        stored["metadata"]["uid"], stored["metadata"]["resourceVersion"], stored["metadata"]["generation"]
    );
    cluster.delete(&Key::of("", &owner)?).await?;
    let left = cluster
        .list("", "apps/v1", "Deployment", "shop", &BTreeMap::new())
        .await?;
    Ok(left
        .iter()
        .filter_map(|d| d["metadata"]["name"].as_str().map(str::to_owned))
        .collect())
}
// ANCHOR_END: deliver

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cluster = match std::env::args().nth(1) {
        Some(path) => Embedded::open(path)?,
        None => Embedded::in_memory()?,
    };
    let left = deliver_and_collect(&cluster).await?;
    println!("deployments left after deleting their owner: {left:?}");
    Ok(())
}
