//! A platform's delivery loop in a few lines: vela-engine on the embedded cluster.
//!
//! ```text
//! cargo run -p vela-examples --example deliver -- examples/apps/hello.yaml
//! ```

use std::sync::Arc;

// ANCHOR: deliver
use vela_engine::Engine;
use vela_multicluster::Embedded;
use vela_render::{Registry, Renderer};

/// Delivers the Application in `yaml` to a fresh embedded cluster, lets its workloads become
/// ready, and returns `(component, healthy, message)` for every component.
pub async fn deliver(yaml: &str) -> Result<Vec<(String, bool, String)>, Box<dyn std::error::Error>> {
    let cluster = Arc::new(Embedded::in_memory()?);
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone());
    let app = vela_render::app::parse(yaml)?;
    let mut delivered = engine.up(&app).await?; // revision, one workflow pass: render, apply, track
    let (namespace, name) = (vela_render::app::namespace(&app), vela_render::app::name(&app));
    for _ in 0..10 {
        if delivered.workflow != vela_workflow::RunPhase::Executing {
            break;
        }
        cluster.simulate_readiness("")?; // no pod runs in the embedded cluster
        // the deploy step waited for healthy workloads: the next pass finds them
        delivered = engine
            .reconcile(namespace, name)
            .await?
            .ok_or("the application is gone")?;
    }
    Ok(delivered
        .status
        .services
        .into_iter()
        .map(|s| (s.name, s.healthy, s.message))
        .collect())
}
// ANCHOR_END: deliver

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/apps/hello.yaml".into());
    for (name, healthy, message) in deliver(&std::fs::read_to_string(path)?).await? {
        println!(
            "{name}: {} {message}",
            if healthy { "healthy" } else { "unhealthy" }
        );
    }
    Ok(())
}
