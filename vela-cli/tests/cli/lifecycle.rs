//! `vela status --tree`, `vela delete -w` and `vela install` on the embedded hub.

use std::collections::BTreeMap;

use super::{State, hello_app, run};

/// A web service and a worker in the hub and an embedded member; `keepLegacyResource` keeps
/// what a later generation drops.
const SHOP: &str = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop}
spec:
  components:
    - name: api
      type: webservice
      properties: {image: nginx, ports: [{port: 80, expose: true}]}
    - name: jobs
      type: worker
      properties: {image: busybox}
  policies:
    - {name: everywhere, type: topology, properties: {clusters: [local, edge-1]}}
    - {name: keep, type: garbage-collect, properties: {keepLegacyResource: true}}
";

#[test]
fn status_tree_draws_the_objects_by_cluster_and_marks_outdated_and_missing_ones() {
    let state = State::new("tree");
    let s = state.arg();
    let join = run(&["cluster", "join", "--embedded", "edge-1", &s], None, &[]);
    assert_eq!(join.code, 0, "{}", join.stderr);
    let up = run(&["up", "-f", "-", &s], Some(SHOP), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);

    let tree = run(&["status", "shop", "--tree", &s], None, &[]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    // `vela up` simulates readiness in the embedded member too, so the workflow finishes; the
    // pass after readiness writes nothing again (6 applies, not 12)
    assert!(
        up.stdout.ends_with("6 objects (6 applies); phase running\n"),
        "{}",
        up.stdout
    );
    assert_eq!(
        tree.stdout,
        "CLUSTER     NAMESPACE     RESOURCE         STATUS   HEALTH\n\
         local   ─── default   ─┬─ Service/api      updated  healthy\n\
         \x20                      ├─ Deployment/api   updated  healthy\n\
         \x20                      └─ Deployment/jobs  updated  healthy\n\
         edge-1  ─── default   ─┬─ Service/api      updated  healthy\n\
         \x20                      ├─ Deployment/api   updated  healthy\n\
         \x20                      └─ Deployment/jobs  updated  healthy\n"
    );

    // generation 2 drops the worker: its Deployments stay (keepLegacyResource), outdated
    let without_jobs = SHOP.replace(
        "    - name: jobs\n      type: worker\n      properties: {image: busybox}\n",
        "",
    );
    let up = run(&["up", "-f", "-", &s], Some(&without_jobs), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stdout.contains("(generation 2, revision shop-v2)"),
        "{}",
        up.stdout
    );
    let tree = run(&["status", "shop", "-t", &s], None, &[]);
    assert_eq!(
        tree.stdout,
        "CLUSTER     NAMESPACE     RESOURCE         STATUS    HEALTH\n\
         local   ─── default   ─┬─ Service/api      updated   healthy\n\
         \x20                      ├─ Deployment/api   updated   healthy\n\
         \x20                      └─ Deployment/jobs  outdated  -\n\
         edge-1  ─── default   ─┬─ Service/api      updated   healthy\n\
         \x20                      ├─ Deployment/api   updated   healthy\n\
         \x20                      └─ Deployment/jobs  outdated  -\n"
    );

    let json = run(&["status", "shop", "--tree", "-o", "json", &s], None, &[]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json tree");
    assert_eq!(
        (v["application"].as_str(), v["namespace"].as_str()),
        (Some("shop"), Some("default"))
    );
    let clusters = v["clusters"].as_array().unwrap();
    assert_eq!(
        clusters
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["local", "edge-1"]
    );
    let local = clusters[0]["namespaces"][0]["resources"].as_array().unwrap();
    assert_eq!(local.len(), 3);
    assert_eq!(local[2]["kind"], "Deployment");
    assert_eq!(local[2]["component"], "jobs");
    assert_eq!(local[2]["status"], "outdated");
    assert_eq!(local[0]["apiVersion"], "v1");
    let yaml = run(&["status", "shop", "--tree", "-o", "yaml", &s], None, &[]);
    assert!(yaml.stdout.starts_with("application: shop\n"), "{}", yaml.stdout);
    assert_eq!(yaml.stdout.matches("status: outdated").count(), 2);

    // an object deleted behind the application's back is `missing`
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        use vela_multicluster::Objects as _;
        let hub = vela_multicluster::Embedded::open(&state.0).unwrap();
        let service = vela_multicluster::Key {
            cluster: String::new(),
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: "default".into(),
            name: "api".into(),
        };
        assert!(hub.delete(&service).await.unwrap());
    });
    let tree = run(&["status", "shop", "--tree", &s], None, &[]);
    assert_eq!(
        tree.stdout.lines().nth(1),
        Some("local   ─── default   ─┬─ Service/api      missing   -")
    );

    // a detached member: its objects stay, but their state is unknown
    let detach = run(&["cluster", "detach", "edge-1", &s], None, &[]);
    assert_eq!(detach.code, 0, "{}", detach.stderr);
    let tree = run(&["status", "shop", "--tree", &s], None, &[]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    assert_eq!(
        tree.stdout.lines().skip(4).collect::<Vec<_>>(),
        [
            "edge-1  ─── default   ─┬─ Service/api      unknown   -",
            "                       ├─ Deployment/api   unknown   -",
            "                       └─ Deployment/jobs  unknown   -",
        ]
    );
    assert_eq!(
        tree.stderr.matches("Warning: cluster edge-1: ").count(),
        1,
        "{}",
        tree.stderr
    );

    let missing = run(&["status", "nope", "--tree", &s], None, &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("application default/nope not found"),
        "{}",
        missing.stderr
    );
}

#[test]
fn delete_waits_until_everything_is_gone_or_times_out_naming_what_is_left() {
    let state = State::new("delete-wait");
    let s = state.arg();
    let up = run(&["up", "-f", &hello_app(), &s], None, &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let delete = run(&["delete", "hello", "-w", "-y", &s], None, &[]);
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert_eq!(
        delete.stdout,
        "Application default/hello deleted; 2 objects deleted\n\
         Waited until the Application and its 2 objects were gone\n"
    );
    let again = run(&["delete", "hello", "-w", &s], None, &[]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("application default/hello not found"),
        "{}",
        again.stderr
    );

    // --orphan waits for the Application only
    let up = run(&["up", "-f", &hello_app(), &s], None, &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let orphan = run(&["delete", "hello", "--orphan", "--wait", &s], None, &[]);
    assert_eq!(
        orphan.stdout,
        "Application default/hello deleted; 2 objects left in place\n\
         Waited until the Application was gone\n",
        "{}",
        orphan.stderr
    );

    // an object whose finalizer nobody removes: -w gives up after --timeout, naming it
    let held = "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: held}
spec:
  components:
    - name: cfg
      type: k8s-objects
      properties:
        objects:
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: held-cfg, finalizers: [example.com/hold]}, data: {k: v}}
";
    let up = run(&["up", "-f", "-", &s], Some(held), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let started = std::time::Instant::now();
    let timed_out = run(&["delete", "held", "-w", "--timeout", "1s", &s], None, &[]);
    assert_eq!(timed_out.code, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        timed_out.stderr,
        "Error: Application default/held deleted; 1 objects deleted\n\
         timed out after 1s waiting for the deletion: 1 of 2 objects still exist: ConfigMap \
         default/held-cfg (cluster local) (finalizers may hold them; `--timeout` waits longer)\n"
    );
    let bad = run(&["delete", "held", "-w", "--timeout", "soon", &s], None, &[]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// Objects `vela install` applies, by kind: the 12 CRDs, the namespace, one object and one
/// schema ConfigMap per built-in component, trait and policy definition, one
/// WorkflowStepDefinition per step type the engine runs.
fn expected_kinds() -> BTreeMap<String, usize> {
    use vela_render::{Kind, Registry};
    let registry = Registry::builtin();
    let count = |kind: Kind| registry.list().filter(|d| d.meta().kind == kind).count();
    let (components, traits, policies) = (count(Kind::Component), count(Kind::Trait), count(Kind::Policy));
    BTreeMap::from([
        ("CustomResourceDefinition".to_owned(), 12),
        ("Namespace".to_owned(), 1),
        ("ComponentDefinition".to_owned(), components),
        ("TraitDefinition".to_owned(), traits),
        ("PolicyDefinition".to_owned(), policies),
        ("ConfigMap".to_owned(), components + traits + policies),
        // suspend, print-message-in-status, apply-object, read-object, export2config,
        // export2secret, request, webhook, notification, deploy, apply-component,
        // apply-remaining, step-group
        ("WorkflowStepDefinition".to_owned(), 13),
    ])
}

#[test]
fn install_applies_crds_and_definitions_once_and_dry_run_writes_nothing() {
    let state = State::new("install");
    let s = state.arg();
    let expected = expected_kinds();
    let total: usize = expected.values().sum();

    let documents = run(&["install", "--dry-run", "-o", "json"], None, &[]);
    assert_eq!(documents.code, 0, "{}", documents.stderr);
    let objects: Vec<serde_json::Value> = serde_json::from_str(&documents.stdout).unwrap();
    let mut kinds = BTreeMap::new();
    for o in &objects {
        *kinds.entry(o["kind"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    assert_eq!(kinds, expected);
    let webservice = objects
        .iter()
        .find(|o| o["kind"] == "ComponentDefinition" && o["metadata"]["name"] == "webservice")
        .unwrap();
    assert_eq!(webservice["metadata"]["namespace"], "vela-system");
    assert_eq!(
        webservice["metadata"]["annotations"]["vela.oam.dev/native-definition"],
        "true"
    );
    assert_eq!(webservice["spec"]["workload"]["definition"]["kind"], "Deployment");
    let yaml = run(
        &["install", "--dry-run", "-o", "yaml", "-n", "platform"],
        None,
        &[],
    );
    assert_eq!(yaml.stdout.matches("---\n").count(), total);
    assert_eq!(yaml.stdout.matches("namespace: platform\n").count(), total - 13);

    // a dry run against the hub: everything but the namespace the embedded hub starts with
    let plan = run(&["install", "--dry-run", &s], None, &[]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let lines: Vec<&str> = plan.stdout.lines().collect();
    assert_eq!(lines.len(), total);
    assert_eq!(
        lines[0],
        "CustomResourceDefinition applications.core.oam.dev would be created"
    );
    assert!(lines.contains(&"ComponentDefinition vela-system/webservice would be created"));
    assert!(lines.contains(&"ConfigMap vela-system/trait-schema-scaler would be created"));
    assert_eq!(
        lines[total - 1],
        format!(
            "Dry run against the embedded cluster at {}: {} to create, 0 to configure, 1 unchanged \
             (12 CRDs, definitions in vela-system). The controller is not installed (--controller installs it).",
            state.0.display(),
            total - 1
        )
    );

    let install = run(&["install", &s], None, &[]);
    assert_eq!(install.code, 0, "{}", install.stderr);
    assert_eq!(install.stdout.matches(" created\n").count(), total - 1);
    assert!(install.stdout.ends_with(&format!(
        ": {} created, 0 configured, 1 unchanged (12 CRDs, definitions in vela-system). The controller is not installed (--controller installs it).\n",
        total - 1
    )));
    for args in [&["install", &s][..], &["install", "--dry-run", &s][..]] {
        let again = run(args, None, &[]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        let place = if args.len() == 3 {
            "Dry run against"
        } else {
            "Installed into"
        };
        assert_eq!(
            again.stdout,
            format!(
                "{place} the embedded cluster at {}: nothing to change; all {total} objects are up \
                 to date (12 CRDs, definitions in vela-system)\n",
                state.0.display()
            )
        );
    }

    // another definitions namespace: the CRDs are there, the rest is new
    let other = run(&["install", "-n", "platform", &s], None, &[]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    assert!(
        other.stdout.starts_with("Namespace platform created\n"),
        "{}",
        other.stdout
    );
    assert!(other.stdout.ends_with(&format!(
        ": {} created, 0 configured, 12 unchanged (12 CRDs, definitions in platform). The controller is not installed (--controller installs it).\n",
        total - 12
    )));

    // delivery works as before on a hub with the CRDs
    let up = run(&["up", "-f", &hello_app(), &s], None, &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(up.stdout.ends_with("; phase running\n"), "{}", up.stdout);
    let tree = run(&["status", "hello", "--tree", &s], None, &[]);
    assert_eq!(
        tree.stdout,
        "CLUSTER     NAMESPACE     RESOURCE              STATUS   HEALTH\n\
         local   ─── default   ─┬─ Service/hello-web     updated  healthy\n\
         \x20                      └─ Deployment/hello-web  updated  healthy\n"
    );

    let bad = run(&["install", "-n", "Bad_NS", &s], None, &[]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr,
        "Error: -n \"Bad_NS\": not a valid namespace name (lowercase letters, digits and '-', at \
         most 63 characters, starting and ending with a letter or digit)\n"
    );

    // -o prints documents, so only with --dry-run
    let usage = run(&["install", "-o", "yaml", &s], None, &[]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

#[test]
fn install_controller_with_user_authentication_adds_the_webhook_and_its_certificates() {
    let out = run(
        &[
            "install",
            "--controller",
            "--authentication-with-user",
            "--dry-run",
            "-o",
            "json",
            "-n",
            "platform",
        ],
        None,
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let objects: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let find = |kind: &str| objects.iter().find(|o| o["kind"] == kind).unwrap();
    let secret = find("Secret");
    assert_eq!(secret["metadata"]["name"], "vela-controller-webhook-tls");
    assert_eq!(secret["metadata"]["namespace"], "platform");
    let certs = vela_engine::controller_install::WebhookCerts::from_secret(secret).expect("the certificates");
    assert!(certs.key.contains("PRIVATE KEY"));
    let hook = &find("MutatingWebhookConfiguration")["webhooks"][0];
    assert_eq!(hook["clientConfig"]["service"]["namespace"], "platform");
    assert_eq!(hook["clientConfig"]["caBundle"], secret["data"]["ca.crt"]);
    let args = &find("Deployment")["spec"]["template"]["spec"]["containers"][0]["args"];
    assert!(
        args.as_array()
            .unwrap()
            .contains(&serde_json::json!("--authentication-with-user"))
    );
    // the flag is the controller's
    let usage = run(&["install", "--authentication-with-user", "--dry-run"], None, &[]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    assert!(usage.stderr.contains("--controller"), "{}", usage.stderr);
}

#[test]
fn up_with_a_shard_id_labels_the_application_for_that_controller_shard() {
    use vela_multicluster::{Embedded, Objects};
    let state = State::new("shard");
    let s = state.arg();
    let bad = run(&["up", "-f", &hello_app(), "-s", "no spaces", &s], None, &[]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("--shard-id \"no spaces\": not a label value"),
        "{}",
        bad.stderr
    );
    let up = run(
        &["up", "-f", &hello_app(), "--shard-id", "shard-0", &s],
        None,
        &[],
    );
    assert_eq!(up.code, 0, "{}", up.stderr);
    let cluster = Embedded::open(&state.0).unwrap();
    let apps = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(cluster.list(
            "",
            "core.oam.dev/v1beta1",
            "Application",
            "default",
            &Default::default(),
        ))
        .unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(
        apps[0]["metadata"]["labels"]["controller.core.oam.dev/scheduled-shard-id"],
        "shard-0"
    );
}
