//! Impersonation: an Application annotated `app.oam.dev/service-account-name` is delivered as
//! that service account, so it can do only what the account may; the same spec without the
//! annotation is delivered as the controller.

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;
use vela_multicluster::Objects;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;

use crate::support::*;

/// The message of the first step of Application `name` once a step says `forbidden`.
async fn refused(api: &Api<kube::api::DynamicObject>, name: &str) -> String {
    let status = status_until(api, name, &format!("{name} refused"), |s| {
        s["workflow"]["steps"].as_array().is_some_and(|steps| {
            steps
                .iter()
                .any(|st| st["message"].as_str().is_some_and(|m| m.contains("forbidden")))
        })
    })
    .await;
    status["workflow"]["steps"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1)"]
async fn an_application_of_a_service_account_can_do_only_what_the_account_may() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-imp").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    // the account may manage Deployments and nothing else
    let fleet = vela_multicluster::Fleet::kube(hub.client());
    for obj in [
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": ns}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "deployer", "namespace": ns},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "deployer", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": ns}]}),
    ] {
        fleet.apply("", obj).await.expect("the account and its rights");
    }
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);
    let as_deployer = json!({"app.oam.dev/service-account-name": "deployer"});
    api.create(
        &PostParams::default(),
        &application("jobs-only", &[worker("jobs-only")], as_deployer.clone()),
    )
    .await
    .expect("create");
    let web = |name: &str| json!({"name": name, "type": "webservice", "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]}});
    api.create(
        &PostParams::default(),
        &application("with-service", &[web("web-a")], as_deployer),
    )
    .await
    .expect("create");
    api.create(
        &PostParams::default(),
        &application("as-controller", &[web("web-b")], json!({})),
    )
    .await
    .expect("create");

    // a Deployment is within the account's rights
    status_until(&api, "jobs-only", "jobs-only running", running_at(1)).await;
    // a Service is not: the API server refuses the account, and the step says so
    let message = refused(&api, "with-service").await;
    assert!(
        message.contains(&format!("system:serviceaccount:{ns}:deployer")),
        "{message}"
    );
    assert!(message.contains("services"), "{message}");
    // the controller's own identity delivers the same spec
    status_until(&api, "as-controller", "as-controller running", running_at(1)).await;
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(deployments.get_opt("web-b").await.expect("read").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 2)"]
async fn a_service_account_is_impersonated_in_member_clusters_too() {
    let clusters = Clusters::at_least(2).await.expect("the test clusters");
    let (hub, member) = (clusters.hub(), &clusters.members()[0]);
    let ns = hub.test_namespace("ctl-imp-m").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    let fleet = vela_multicluster::Fleet::kube(hub.client());
    let cluster = format!("{ns}-m");
    let joined =
        vela_multicluster::registry::cluster_from_kubeconfig(Some(member.kubeconfig()), None, Some(&cluster))
            .expect("the member's kubeconfig");
    vela_multicluster::registry::join(&**fleet.hub(), &joined)
        .await
        .expect("join");
    // in the member, the hub's service account (by its user name) may manage Deployments only
    let there = vela_multicluster::Fleet::kube(member.client());
    for obj in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "deployer", "namespace": ns},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "deployer", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": ns}]}),
    ] {
        there
            .apply("", obj)
            .await
            .expect("the account's rights in the member");
    }
    let _simulators = [
        Simulator::start(hub.client(), &ns),
        Simulator::start(member.client(), &ns),
    ];
    let controller = Controller::start(hub.kubeconfig(), &ns, &[]);
    controller.ready().await;
    let api = apps(hub, &ns);
    let to_member = |name: &str, comp: serde_json::Value, annotations: serde_json::Value| {
        let mut app = application(name, &[comp], annotations);
        app.data["spec"]["policies"] =
            json!([{"name": "there", "type": "topology", "properties": {"clusters": [cluster]}}]);
        app
    };
    let as_deployer = json!({"app.oam.dev/service-account-name": "deployer"});
    let web = |name: &str| json!({"name": name, "type": "webservice", "properties": {"image": "nginx", "ports": [{"port": 80, "expose": true}]}});
    for app in [
        to_member("m-jobs", worker("m-jobs"), as_deployer.clone()),
        to_member("m-web", web("m-web-a"), as_deployer),
        to_member("m-controller", web("m-web-b"), json!({})),
    ] {
        api.create(&PostParams::default(), &app).await.expect("create");
    }
    // a Deployment in the member is within the account's rights there
    status_until(&api, "m-jobs", "m-jobs running", running_at(1)).await;
    let in_member: Api<Deployment> = Api::namespaced(member.client(), &ns);
    assert!(in_member.get_opt("m-jobs").await.expect("read").is_some());
    // a Service in the member is not: the member's API server refuses the account
    let message = refused(&api, "m-web").await;
    assert!(
        message.contains(&format!("system:serviceaccount:{ns}:deployer")) && message.contains(&cluster),
        "{message}\n{}",
        controller.logs()
    );
    // the controller's own identity (the registry credentials) delivers the same spec there
    status_until(&api, "m-controller", "m-controller running", running_at(1)).await;
    assert!(in_member.get_opt("m-web-b").await.expect("read").is_some());
    for name in ["m-jobs", "m-web", "m-controller"] {
        api.delete(name, &Default::default()).await.expect("delete");
    }
    for name in ["m-jobs", "m-web", "m-controller"] {
        vela_test_support::wait::for_deletion(&api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    vela_multicluster::registry::detach(&**fleet.hub(), &cluster)
        .await
        .expect("detach");
    let _ = there
        .delete(&vela_multicluster::Key {
            cluster: String::new(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: ns.clone(),
        })
        .await;
}
