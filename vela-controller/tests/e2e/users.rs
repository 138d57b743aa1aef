//! Impersonation of the requesting user: the controller serves its admission webhook
//! (`--use-webhook`) and delivers as the recorded user (`--authentication-with-user`). The real
//! API server calls the webhook (registered with a `url` on loopback, for the test's namespace
//! only) on each create of an Application; a client impersonating `alice` in group `dev` (which
//! may manage Deployments and Applications in the namespace, nothing else) creates them. The
//! webhook overwrites a forged `app.oam.dev/username: admin` with `alice`; her `worker` runs; her
//! `webservice` fails at the Service with the API server's `forbidden` naming her; a
//! service-account annotation is refused; an Application nobody is recorded for (created by the
//! controller's own user, which the webhook leaves alone) is delivered as `system:anonymous`;
//! with the webhook down, the API server refuses to store an Application at all.
//! Without the flag, the same annotations are ignored.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, PostParams};
use serde_json::{Value, json};
use vela_engine::controller_install::{WebhookCerts, mutating_webhook};
use vela_multicluster::{Key, Objects};
use vela_test_support::cluster::{Cluster, Clusters};
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

/// A client of `hub` impersonating `user` in `groups` (the admin may impersonate anyone).
async fn client_as(hub: &Cluster, user: &str, groups: &[&str]) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(hub.kubeconfig()).expect("the kubeconfig");
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("a configuration");
    config.auth_info.impersonate = Some(user.to_owned());
    config.auth_info.impersonate_groups = Some(groups.iter().map(|g| (*g).to_owned()).collect());
    kube::Client::try_from(config).expect("a client")
}

fn apps_of(client: kube::Client, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1beta1",
        "Application",
    ));
    Api::namespaced_with(client, namespace, &ar)
}

fn webservice(name: &str) -> Value {
    json!({"name": name, "type": "webservice", "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]}})
}

/// The message of the first step whose message says `forbidden`.
async fn forbidden(api: &Api<DynamicObject>, name: &str) -> String {
    let status = status_until(api, name, &format!("{name} refused"), |s| {
        s["workflow"]["steps"].as_array().is_some_and(|steps| {
            steps
                .iter()
                .any(|st| st["message"].as_str().is_some_and(|m| m.contains("forbidden")))
        })
    })
    .await;
    status["workflow"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|st| st["message"].as_str())
        .find(|m| m.contains("forbidden"))
        .unwrap_or_default()
        .to_owned()
}

fn annotation(app: &DynamicObject, key: &str) -> Option<String> {
    app.metadata.annotations.as_ref()?.get(key).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn the_webhook_records_the_requesting_user_and_the_controller_delivers_as_them() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-user").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    // group dev may manage Deployments and Applications here, and nothing else
    let fleet = vela_multicluster::Fleet::kube(hub.client());
    for obj in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "dev", "namespace": ns},
        "rules": [
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
            {"apiGroups": ["core.oam.dev"], "resources": ["applications"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        ]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "dev", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "dev"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "dev"}]}),
    ] {
        fleet.apply("", obj).await.expect("the group's rights");
    }

    // the webhook's certificate, for the loopback address the API server calls
    let certs = WebhookCerts::generate(&["127.0.0.1".to_owned()]).expect("certificates");
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(dir.path().join("tls.crt"), &certs.cert).expect("write tls.crt");
    std::fs::write(dir.path().join("tls.key"), &certs.key).expect("write tls.key");
    let port = free_port().to_string();
    let cert_dir = dir.path().to_str().expect("a UTF-8 path").to_owned();
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--use-webhook",
            "--webhook-bind-address=127.0.0.1",
            "--webhook-port",
            &port,
            "--webhook-cert-dir",
            &cert_dir,
            "--authentication-with-user",
            "--authentication-group-pattern=dev",
        ],
    );
    controller.ready().await;
    assert!(
        controller.logs().contains("serving the admission webhook"),
        "{}",
        controller.logs()
    );

    // registered for this namespace only (other tests share the API server)
    let config_name = format!("vela-e2e-{ns}");
    let mut config = mutating_webhook(
        &config_name,
        json!({"url": format!("https://127.0.0.1:{port}{}", vela_controller::webhook::PATH)}),
        &certs.ca,
    );
    config["webhooks"][0]["namespaceSelector"] = json!({"matchLabels": {"kubernetes.io/metadata.name": ns}});
    fleet
        .apply("", config.clone())
        .await
        .expect("register the webhook");
    let config_key = Key::of("", &config).expect("a key");

    let alice = apps_of(client_as(hub, "alice", &["dev"]).await, &ns);
    let forged = json!({"app.oam.dev/username": "admin", "app.oam.dev/group": "system:masters"});
    // the API server takes a moment to call a new webhook: a dry-run create shows when it does
    wait::until(
        Duration::from_secs(60),
        "the API server calls the webhook",
        || async {
            let probe = application("probe", &[worker("probe")], forged.clone());
            let created = alice
                .create(
                    &PostParams {
                        dry_run: true,
                        ..Default::default()
                    },
                    &probe,
                )
                .await
                .map_err(|e| e.to_string())?;
            Ok((annotation(&created, "app.oam.dev/username").as_deref() == Some("alice")).then_some(()))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));

    let created = alice
        .create(
            &PostParams::default(),
            &application("jobs-only", &[worker("jobs-only")], forged.clone()),
        )
        .await
        .expect("alice creates an Application");
    // the forged identity is overwritten with the real one, and only the matching group kept
    assert_eq!(
        annotation(&created, "app.oam.dev/username").as_deref(),
        Some("alice")
    );
    assert_eq!(annotation(&created, "app.oam.dev/group").as_deref(), Some("dev"));
    alice
        .create(
            &PostParams::default(),
            &application("with-service", &[webservice("web-a")], forged),
        )
        .await
        .expect("alice creates an Application");
    // a service account cannot be named while users are authenticated
    let refused = alice
        .create(
            &PostParams::default(),
            &application(
                "as-account",
                &[worker("as-account")],
                json!({"app.oam.dev/service-account-name": "default"}),
            ),
        )
        .await
        .expect_err("the webhook refuses a service account");
    assert!(
        refused.to_string().contains("app.oam.dev/service-account-name"),
        "{refused}"
    );
    // the controller's own user is left alone by the webhook: nobody is recorded, so the
    // objects go as system:anonymous, who may do nothing
    let admin = apps(hub, &ns);
    admin
        .create(
            &PostParams::default(),
            &application("nobody", &[worker("nobody")], json!({})),
        )
        .await
        .expect("create");

    // the Deployment is within alice's rights (through her group)
    status_until(&alice, "jobs-only", "jobs-only running", running_at(1)).await;
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(deployments.get_opt("jobs-only").await.expect("read").is_some());
    // the controller's finalizer update did not re-stamp the Application with its own user
    let stored = admin.get("jobs-only").await.expect("read");
    assert_eq!(
        annotation(&stored, "app.oam.dev/username").as_deref(),
        Some("alice")
    );
    assert!(
        stored
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == FINALIZER)
    );
    // a Service is not: the API server refuses alice, and the step says so
    let message = forbidden(&alice, "with-service").await;
    assert!(message.contains("\"alice\""), "{message}");
    assert!(message.contains("services"), "{message}");
    let services: Api<Service> = Api::namespaced(hub.client(), &ns);
    assert!(services.get_opt("web-a").await.expect("read").is_none());
    let message = forbidden(&admin, "nobody").await;
    assert!(message.contains("system:anonymous"), "{message}");

    // with the webhook down, nothing is stored unrecorded: the API server refuses the write
    drop(controller);
    let refused = alice
        .create(
            &PostParams::default(),
            &application("unrecorded", &[worker("unrecorded")], json!({})),
        )
        .await
        .expect_err("no Application without its user recorded");
    assert!(
        refused.to_string().contains("failed calling webhook"),
        "{refused}"
    );

    fleet.delete(&config_key).await.expect("unregister the webhook");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn without_the_flag_the_user_annotations_are_ignored() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-nouser").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);
    // a user nobody may impersonate into anything: were it read, the Service would be refused
    let claimed = json!({"app.oam.dev/username": "alice", "app.oam.dev/group": "dev"});
    api.create(
        &PostParams::default(),
        &application("claims-alice", &[webservice("web-b")], claimed),
    )
    .await
    .expect("create");
    status_until(&api, "claims-alice", "claims-alice running", running_at(1)).await;
    let services: Api<Service> = Api::namespaced(hub.client(), &ns);
    assert!(services.get_opt("web-b").await.expect("read").is_some());
}
