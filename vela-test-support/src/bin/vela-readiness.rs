//! `vela-readiness KUBECONFIG...`: the readiness simulator of the end-to-end tests, over every
//! namespace of each cluster, until interrupted. `scripts/test-clusters.sh up N --simulate`
//! starts it for the clusters it starts, so that a person running `vela-controller` and `vela up`
//! by hand on them sees workloads become ready (no kubelet runs there).

use std::path::PathBuf;

use vela_test_support::cluster::Cluster;
use vela_test_support::readiness::{Options, Simulator};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: vela-readiness KUBECONFIG...");
        return std::process::ExitCode::from(2);
    }
    let mut simulators = Vec::new();
    for path in &paths {
        match Cluster::connect(path).await {
            Ok(cluster) => {
                eprintln!(
                    "vela-readiness: simulating readiness in every namespace of {}",
                    cluster.name()
                );
                simulators.push(Simulator::all_namespaces(cluster.client(), Options::default()));
            }
            Err(e) => {
                eprintln!("vela-readiness: {}: {e}", path.display());
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    // until SIGTERM or SIGINT ends the process (`scripts/test-clusters.sh down` sends SIGTERM)
    std::future::pending::<()>().await;
    drop(simulators);
    std::process::ExitCode::SUCCESS
}
