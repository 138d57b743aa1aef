//! What the end-to-end tests share: `vela install`, the Application API, a `vela-controller`
//! process and waiting for a status.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kube::Api;
use kube::api::{ApiResource, DynamicObject};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vela_engine::Engine;
use vela_engine::install::Options;
use vela_render::{Registry, Renderer};
use vela_test_support::cluster::Cluster;
use vela_test_support::wait;

pub(crate) const TIMEOUT: Duration = Duration::from_secs(90);
pub(crate) const FINALIZER: &str = "app.oam.dev/resource-tracker-finalizer";

/// `vela install`: the CRDs (cluster-wide, shared by the tests) and the built-in definitions
/// (into the test's namespace).
pub(crate) async fn install(hub: &Cluster, namespace: &str) {
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

pub(crate) fn apps(hub: &Cluster, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "Application",
    ));
    Api::namespaced_with(hub.client(), namespace, &ar)
}

/// The ComponentDefinitions of `namespace`.
pub(crate) fn component_definitions(hub: &Cluster, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "ComponentDefinition",
    ));
    Api::namespaced_with(hub.client(), namespace, &ar)
}

pub(crate) fn trackers(hub: &Cluster) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "ResourceTracker",
    ));
    Api::all_with(hub.client(), &ar)
}

pub(crate) fn application(name: &str, components: &[Value], annotations: Value) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"components": components},
    }))
    .expect("an Application")
}

pub(crate) fn web() -> Value {
    json!({"name": "web", "type": "webservice", "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]}})
}

pub(crate) fn jobs() -> Value {
    worker("jobs")
}

pub(crate) fn worker(name: &str) -> Value {
    json!({"name": name, "type": "worker", "properties": {"image": "busybox"}})
}

/// A `vela-controller` process watching one namespace; killed when dropped.
pub(crate) struct Controller {
    child: Child,
    port: u16,
    log: PathBuf,
}

/// A port free now and never handed out before in this process: the tests start controllers
/// at once, and the kernel may give the same just-released port to two of them.
pub(crate) fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = l.local_addr().expect("its address").port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

impl Controller {
    pub(crate) fn start(kubeconfig: &Path, namespace: &str, extra: &[&str]) -> Self {
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

    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` on the metrics endpoint: status code and body.
    pub(crate) async fn get(&self, path: &str) -> Option<(u16, String)> {
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
    pub(crate) async fn metric(&self, series: &str) -> Option<f64> {
        let (_, body) = self.get("/metrics").await?;
        body.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    pub(crate) async fn ready(&self) {
        wait::until(TIMEOUT, "the controller's /readyz", || async {
            Ok(self.get("/readyz").await.filter(|(c, _)| *c == 200).map(|_| ()))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()));
    }

    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
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
pub(crate) async fn status_until(
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

pub(crate) fn services(status: &Value) -> Vec<(String, bool)> {
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

pub(crate) fn running_at(generation: i64) -> impl Fn(&Value) -> bool {
    move |s| s["status"] == "running" && s["observedGeneration"] == generation
}
