//! The API server restarted under the controller: a cluster of its own (tools/testcluster,
//! `VELA_TESTCLUSTER_BIN`), stopped and started again on the same data and port while the
//! controller runs. Reconciles resume and nothing is lost.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use vela_test_support::cluster::Cluster;
use vela_test_support::readiness::Simulator;

use crate::support::*;

/// A `testcluster run` process on a fixed directory and port; stopped (SIGTERM) when dropped.
struct ApiServer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

fn binary() -> PathBuf {
    let bin = std::env::var("VELA_TESTCLUSTER_BIN").expect(
        "VELA_TESTCLUSTER_BIN: the testcluster binary (export VELA_TESTCLUSTER_BIN=\"$(scripts/test-clusters.sh build)\")",
    );
    PathBuf::from(bin)
}

/// Starts `testcluster run` on `dir` and `port` and waits until it is ready.
fn spawn(dir: &Path, port: u16) -> Child {
    let _ = std::fs::remove_file(dir.join("ready"));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.with_extension("log"))
        .expect("the cluster log");
    let child = Command::new(binary())
        .args(["run", "--dir"])
        .arg(dir)
        .args([
            "--port",
            &port.to_string(),
            "--name",
            "restart",
            "--timeout",
            "300s",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start testcluster");
    let started = Instant::now();
    while !dir.join("ready").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "the API server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    child
}

impl ApiServer {
    fn start(dir: &Path, port: u16) -> Self {
        Self {
            child: spawn(dir, port),
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// SIGTERM, and wait until it has exited.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while self.child.try_wait().expect("wait").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the API server did not stop"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts it again after [`ApiServer::stop`], on the same directory and port.
    fn restart_stopped(&mut self) {
        self.child = spawn(&self.dir, self.port);
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the testcluster binary (VELA_TESTCLUSTER_BIN)"]
async fn reconciles_resume_after_the_api_server_restarts_and_nothing_is_lost() {
    let dir = std::env::temp_dir().join(format!("vela-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = ApiServer::start(&dir, free_port());
    let hub = Cluster::connect(&dir.join("kubeconfig"))
        .await
        .expect("the cluster");
    let ns = hub.test_namespace("ctl-restart").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(&hub, &ns).await;
    let simulator = Simulator::start(hub.client(), &ns);
    let mut controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(&hub, &ns);
    api.create(
        &PostParams::default(),
        &application("before", &[worker("one")], json!({})),
    )
    .await
    .expect("create");
    status_until(&api, "before", "before running", running_at(1)).await;

    // down for 3 seconds, then up again on the same data, port and credentials
    let down = Instant::now();
    server.stop();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        controller.get("/healthz").await.map(|(c, _)| c),
        Some(200),
        "{}",
        controller.logs()
    );
    server.restart_stopped();
    eprintln!("the API server was down for {:?}", down.elapsed());
    drop(simulator);
    let _simulator = Simulator::start(hub.client(), &ns);

    // an update of the old application and a new one are both delivered
    let patch = json!({"spec": {"components": [worker("one"), worker("two")]}});
    api.patch("before", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("update after the restart");
    api.create(
        &PostParams::default(),
        &application("after", &[worker("three")], json!({})),
    )
    .await
    .expect("create after the restart");
    let status = status_until(&api, "before", "before running at generation 2", running_at(2)).await;
    assert_eq!(
        services(&status),
        [("one".to_owned(), true), ("two".to_owned(), true)]
    );
    status_until(&api, "after", "after running", running_at(1)).await;
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    let one = deployments.get("one").await.expect("one survived the restart");
    assert_eq!(one.metadata.generation, Some(1), "one was not rewritten");
    assert!(
        controller.wait_exit(Duration::from_millis(10)).is_none(),
        "the controller exited"
    );
    let successes = controller
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await
        .expect("the success counter");
    assert!(successes >= 4.0, "{successes}");
    drop(controller);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
