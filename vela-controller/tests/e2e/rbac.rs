//! Least privilege: the objects `vela install --controller` applies (its ServiceAccount,
//! ClusterRole, Role, bindings, Deployment and Service) are accepted by the API server, and the
//! controller running with that ServiceAccount's token delivers the built-in kinds, while an
//! object outside its rules is refused by the API server.

use k8s_openapi::api::core::v1::ServiceAccount;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use serde_json::{Value, json};
use vela_engine::controller_install::{ControllerOptions, objects};
use vela_multicluster::{Key, Objects};
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;

use crate::support::*;

/// A kubeconfig for `token` on the cluster of `kubeconfig` (its server and CA).
fn token_kubeconfig(kubeconfig: &std::path::Path, token: &str, out: &std::path::Path) {
    let mut config = kube::config::Kubeconfig::read_from(kubeconfig).expect("the hub kubeconfig");
    for auth in &mut config.auth_infos {
        if let Some(info) = auth.auth_info.as_mut() {
            *info = kube::config::AuthInfo {
                token: Some(token.to_owned().into()),
                ..Default::default()
            };
        }
    }
    std::fs::write(out, serde_json::to_vec(&config).expect("JSON")).expect("write the kubeconfig");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn the_installed_service_account_delivers_the_builtin_kinds_and_nothing_beyond_its_rules() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-rbac").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let options = ControllerOptions {
        namespace: ns.clone(),
        name: format!("vc-{ns}"),
        ..Default::default()
    };
    let fleet = vela_multicluster::Fleet::kube(hub.client());
    let installed = objects(&options);
    for obj in &installed {
        fleet
            .apply("", obj.clone())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", obj["kind"]));
    }
    let sas: Api<ServiceAccount> = Api::namespaced(hub.client(), &ns);
    let token: Value = sas
        .create_subresource(
            "token",
            &options.name,
            &PostParams::default(),
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}),
        )
        .await
        .expect("a token for the ServiceAccount");
    let token = token["status"]["token"].as_str().expect("the token");
    let dir = std::env::temp_dir().join(format!("vela-rbac-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    token_kubeconfig(hub.kubeconfig(), token, &kubeconfig);

    let _simulator = Simulator::start(hub.client(), &ns);
    let lease_id = format!("--leader-election-id={}", options.name);
    let controller = Controller::start(
        &kubeconfig,
        &ns,
        &[
            "--leader-elect",
            "--leader-election-namespace",
            &ns,
            &lease_id,
            "--system-definition-namespace",
            &ns,
            "--allow-cross-namespace-resource",
        ],
    );
    controller.ready().await;
    let api = apps(hub, &ns);
    let web = json!({"name": "web", "type": "webservice",
        "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]},
        "traits": [{"type": "scaler", "properties": {"replicas": 2}},
                   {"type": "gateway", "properties": {"domain": "web.example.com", "http": {"/": 80}}}]});
    api.create(
        &PostParams::default(),
        &application("shop", &[web, jobs()], json!({})),
    )
    .await
    .expect("create");
    let status = status_until(&api, "shop", "shop running", running_at(1)).await;
    assert_eq!(
        services(&status),
        [("jobs".to_owned(), true), ("web".to_owned(), true)],
        "{}",
        controller.logs()
    );
    for (api_version, kind, name) in [
        ("apps/v1", "Deployment", "web"),
        ("v1", "Service", "web"),
        ("networking.k8s.io/v1", "Ingress", "web"),
    ] {
        let key = Key {
            cluster: String::new(),
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: ns.clone(),
            name: name.into(),
        };
        assert!(fleet.get(&key).await.expect("read").is_some(), "{kind} web");
    }

    // a ClusterRole is beyond its rules: the API server refuses it, the step says so
    let role = json!({"name": "escalate", "type": "k8s-objects", "properties": {"objects": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": format!("escalate-{ns}")}, "rules": []}]}});
    api.create(
        &PostParams::default(),
        &application("escalate", &[role], json!({})),
    )
    .await
    .expect("create");
    let status = status_until(&api, "escalate", "escalate refused", |s| {
        s["workflow"]["steps"].as_array().is_some_and(|steps| {
            steps
                .iter()
                .any(|st| st["message"].as_str().is_some_and(|m| m.contains("forbidden")))
        })
    })
    .await;
    assert_ne!(status["status"], "running");

    for name in ["shop", "escalate"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    for name in ["shop", "escalate"] {
        vela_test_support::wait::for_deletion(&api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    drop(controller);
    // the cluster-scoped objects outlive the namespace
    for kind in ["ClusterRoleBinding", "ClusterRole"] {
        let key = Key {
            cluster: String::new(),
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: kind.into(),
            namespace: String::new(),
            name: options.name.clone(),
        };
        fleet.delete(&key).await.expect("delete");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
