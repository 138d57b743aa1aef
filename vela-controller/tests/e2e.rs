//! `vela-controller` as a real process against a real API server (the hub of
//! `scripts/test-clusters.sh up 1`), after `vela install` (the engine's installer, which the CLI
//! runs). Each test owns a namespace, and its controllers watch only that namespace (other
//! suites deliver applications on the same cluster). `#[ignore]`d in a plain `cargo test`;
//! `.ci/suites/30-e2e.sh` runs them with `--include-ignored`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Service;
use kube::Api;
use kube::api::{ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vela_engine::Engine;
use vela_engine::install::Options;
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

const TIMEOUT: Duration = Duration::from_secs(90);
const FINALIZER: &str = "app.oam.dev/resource-tracker-finalizer";

/// `vela install`: the CRDs (cluster-wide, shared by the tests) and the built-in definitions
/// (into the test's namespace).
async fn install(hub: &Cluster, namespace: &str) {
    let engine = Engine::new(
        Renderer::new(Registry::builtin()),
        Arc::new(vela_multicluster::Fleet::kube(hub.client())),
    );
    let options = Options {
        namespace: namespace.to_owned(),
        dry_run: false,
        establish_timeout: Some(Duration::from_secs(60)),
    };
    engine.install(&options).await.expect("vela install");
}

fn apps(hub: &Cluster, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "Application",
    ));
    Api::namespaced_with(hub.client(), namespace, &ar)
}

fn trackers(hub: &Cluster) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "ResourceTracker",
    ));
    Api::all_with(hub.client(), &ar)
}

fn application(name: &str, components: &[Value], annotations: Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"components": components},
    }))
    .expect("an Application")
}

fn web() -> Value {
    json!({"name": "web", "type": "webservice", "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]}})
}

fn jobs() -> Value {
    worker("jobs")
}

fn worker(name: &str) -> Value {
    json!({"name": name, "type": "worker", "properties": {"image": "busybox"}})
}

/// A `vela-controller` process watching one namespace; killed when dropped.
struct Controller {
    child: Child,
    port: u16,
    log: PathBuf,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("its address").port()
}

impl Controller {
    fn start(kubeconfig: &Path, namespace: &str, extra: &[&str]) -> Self {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("vela-controller-{namespace}-{port}.log"));
        let file = std::fs::File::create(&log).expect("the log file");
        let child = Command::new(env!("CARGO_BIN_EXE_vela-controller"))
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args([
                "--namespace",
                namespace,
                "--resync-period",
                "1m",
                "--max-backoff",
                "5s",
            ])
            .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start vela-controller");
        Self { child, port, log }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` on the metrics endpoint: status code and body.
    async fn get(&self, path: &str) -> Option<(u16, String)> {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .ok()?;
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).await.ok()?;
        let code = out.get(9..12)?.parse().ok()?;
        let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
        Some((code, body))
    }

    /// The value of a metric line (`name{labels}` exactly).
    async fn metric(&self, series: &str) -> Option<f64> {
        let (_, body) = self.get("/metrics").await?;
        body.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    async fn ready(&self) {
        wait::until(TIMEOUT, "the controller's /readyz", || async {
            Ok(self.get("/readyz").await.filter(|(c, _)| *c == 200).map(|_| ()))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()));
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        } else {
            eprintln!("controller log {}:\n{}", self.log.display(), self.logs());
        }
    }
}

/// Waits until the application's status satisfies `check`; returns the status.
async fn status_until(
    api: &Api<DynamicObject>,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    wait::until(TIMEOUT, what, || async {
        let app = api.get_opt(name).await.map_err(|e| e.to_string())?;
        let status = app.map(|a| a.data["status"].clone()).unwrap_or(Value::Null);
        if check(&status) {
            Ok(Some(status))
        } else {
            Err(format!("status: {status}"))
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn services(status: &Value) -> Vec<(String, bool)> {
    let mut s: Vec<(String, bool)> = status["services"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["healthy"] == true,
            )
        })
        .collect();
    s.sort();
    s
}

fn running_at(generation: i64) -> impl Fn(&Value) -> bool {
    move |s| s["status"] == "running" && s["observedGeneration"] == generation
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn an_application_runs_an_update_collects_and_deletion_through_the_finalizer_removes_everything() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-life").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);

    api.create(
        &PostParams::default(),
        &application("shop", &[web(), jobs()], json!({})),
    )
    .await
    .expect("create the application");
    let status = status_until(&api, "shop", "shop running", running_at(1)).await;
    assert_eq!(
        services(&status),
        [("jobs".to_owned(), true), ("web".to_owned(), true)]
    );
    assert_eq!(status["latestRevision"]["name"], "shop-v1");
    assert_eq!(status["workflow"]["status"], "succeeded");
    let app = api.get("shop").await.expect("the application");
    assert_eq!(
        app.metadata.finalizers.as_deref(),
        Some(&[FINALIZER.to_owned()][..])
    );
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    let service_api: Api<Service> = Api::namespaced(hub.client(), &ns);
    let mut names: Vec<String> = deployments
        .list(&Default::default())
        .await
        .expect("deployments")
        .items
        .into_iter()
        .filter_map(|d| d.metadata.name)
        .collect();
    names.sort();
    assert_eq!(names, ["jobs", "web"]);
    assert!(service_api.get_opt("web").await.expect("services").is_some());

    // an update that drops a component: a new revision, and its objects are collected
    let patch = json!({"spec": {"components": [web()]}});
    api.patch("shop", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("update the application");
    let status = status_until(&api, "shop", "shop running at generation 2", running_at(2)).await;
    assert_eq!(services(&status), [("web".to_owned(), true)]);
    assert_eq!(status["latestRevision"]["name"], "shop-v2");
    wait::for_deletion(&deployments, "jobs", TIMEOUT)
        .await
        .expect("the dropped component's Deployment is collected");
    assert!(deployments.get_opt("web").await.expect("read").is_some());

    // the endpoint counts what happened
    assert_eq!(controller.get("/healthz").await.map(|(c, _)| c), Some(200));
    let success = controller
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await
        .expect("the success counter");
    assert!(success >= 2.0, "{success}");
    let applies = controller
        .metric("vela_controller_applies_total")
        .await
        .expect("applies");
    assert!(
        applies >= 3.0,
        "Deployments web and jobs and Service web were applied: {applies}"
    );
    let collected = controller
        .metric("vela_controller_collections_total")
        .await
        .expect("collections");
    assert!(collected >= 1.0, "{collected}");
    assert_eq!(controller.metric("vela_controller_leader").await, Some(1.0));

    // deleting through the finalizer removes everything it owned
    api.delete("shop", &DeleteParams::default())
        .await
        .expect("delete");
    wait::for_deletion(&api, "shop", TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    wait::for_deletion(&deployments, "web", TIMEOUT)
        .await
        .expect("web collected");
    wait::for_deletion(&service_api, "web", TIMEOUT)
        .await
        .expect("Service web collected");
    let left: Vec<String> = trackers(hub)
        .list(&Default::default())
        .await
        .expect("trackers")
        .items
        .into_iter()
        .filter_map(|t| t.metadata.name)
        .filter(|n| n.starts_with("shop-") && n.ends_with(&ns))
        .collect();
    assert!(left.is_empty(), "ResourceTrackers left: {left:?}");
    let deleted = controller
        .metric("vela_controller_reconciles_total{result=\"deleted\"}")
        .await;
    assert_eq!(deleted, Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn a_paused_application_is_not_touched_and_a_broken_one_does_not_stop_the_others() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-pause").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);

    let paused = json!({"controller.core.oam.dev/pause": "true"});
    api.create(&PostParams::default(), &application("held", &[web()], paused))
        .await
        .expect("create the paused application");
    let broken = json!({"name": "odd", "type": "no-such-type", "properties": {}});
    api.create(
        &PostParams::default(),
        &application("broken", &[broken], json!({})),
    )
    .await
    .expect("create the broken application");
    api.create(
        &PostParams::default(),
        &application("good", &[worker("fine")], json!({})),
    )
    .await
    .expect("create the good application");

    // the broken one gets a condition, the good one runs
    let status = status_until(&api, "broken", "a condition on broken", |s| {
        s["conditions"].as_array().is_some_and(|c| !c.is_empty())
    })
    .await;
    let conditions = status["conditions"].as_array().cloned().unwrap_or_default();
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    assert_eq!(conditions[0]["type"], "Render");
    assert_eq!(conditions[0]["status"], "False");
    assert_eq!(conditions[0]["reason"], "ReconcileError");
    let message = conditions[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no-such-type"), "{message}");
    let status = status_until(&api, "good", "good running", running_at(1)).await;
    assert_eq!(services(&status), [("fine".to_owned(), true)]);

    // the paused one: no finalizer, no status, nothing applied
    let paused_count = controller
        .metric("vela_controller_reconciles_total{result=\"paused\"}")
        .await;
    assert_eq!(paused_count, Some(1.0));
    let held = api.get("held").await.expect("the paused application");
    assert_eq!(held.metadata.finalizers, None);
    assert_eq!(held.data.get("status"), None);
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(deployments.get_opt("web").await.expect("read").is_none());

    // unpaused, it runs
    let patch = json!({"metadata": {"annotations": {"controller.core.oam.dev/pause": "false"}}});
    api.patch("held", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("unpause");
    status_until(&api, "held", "held running once unpaused", running_at(1)).await;

    for name in ["held", "broken", "good"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    for name in ["held", "broken", "good"] {
        wait::for_deletion(&api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    assert!(deployments.get_opt("web").await.expect("read").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn only_the_leader_reconciles_and_a_killed_leader_is_replaced_within_the_lease() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-lease").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let elect = |id: &'static str| {
        vec![
            "--leader-elect",
            "--leader-election-namespace",
            Box::leak(ns.clone().into_boxed_str()),
            "--leader-election-lease-duration",
            "3s",
            "--leader-election-identity",
            id,
        ]
    };
    let mut first = Controller::start(hub.kubeconfig(), &ns, &elect("first"));
    let leases: Api<Lease> = Api::namespaced(hub.client(), &ns);
    let holder = |leases: Api<Lease>| async move {
        leases
            .get_opt("vela-controller")
            .await
            .ok()
            .flatten()
            .and_then(|l| l.spec)
            .and_then(|s| s.holder_identity)
    };
    wait::until(TIMEOUT, "first holds the lease", || async {
        Ok((holder(leases.clone()).await.as_deref() == Some("first")).then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", first.logs()));
    let second = Controller::start(hub.kubeconfig(), &ns, &elect("second"));
    first.ready().await;
    // the follower serves its endpoint but does not reconcile
    wait::until(TIMEOUT, "second's endpoint", || async {
        Ok(second.get("/healthz").await.map(|_| ()))
    })
    .await
    .expect("second answers");
    assert_eq!(
        second.get("/readyz").await.map(|(c, _)| c),
        Some(200),
        "a follower is ready"
    );
    let api = apps(hub, &ns);
    api.create(&PostParams::default(), &application("one", &[jobs()], json!({})))
        .await
        .expect("create");
    status_until(&api, "one", "one running", running_at(1)).await;
    assert_eq!(second.metric("vela_controller_leader").await, Some(0.0));
    let by_second = second
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await;
    assert_eq!(by_second, Some(0.0), "the follower reconciled");

    // SIGKILL: the lease is not released; the follower takes over once it expires (3 s)
    let killed_at = std::time::Instant::now();
    first.signal("KILL");
    assert!(first.wait_exit(Duration::from_secs(10)).is_some());
    wait::until(TIMEOUT, "second holds the lease", || async {
        Ok((holder(leases.clone()).await.as_deref() == Some("second")).then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", second.logs()));
    let handover = killed_at.elapsed();
    // the lease lasts 3 s and the follower tries every 400 ms
    assert!(handover < Duration::from_secs(6), "handover took {handover:?}");
    let lease = leases.get("vela-controller").await.expect("the lease");
    assert_eq!(lease.spec.and_then(|s| s.lease_transitions), Some(1));
    api.create(
        &PostParams::default(),
        &application("two", &[worker("jobs-two")], json!({})),
    )
    .await
    .expect("create");
    status_until(&api, "two", "two running under the new leader", running_at(1)).await;

    // SIGTERM: a graceful stop that releases the lease
    let mut second = second;
    for name in ["one", "two"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
        wait::for_deletion(&api, name, TIMEOUT).await.expect("deleted");
    }
    second.signal("TERM");
    let status = second
        .wait_exit(Duration::from_secs(20))
        .expect("second stops on SIGTERM");
    assert!(status.success(), "{status:?}\n{}", second.logs());
    assert_eq!(holder(leases.clone()).await, None, "the lease is released");
    drop(first);
}
