//! The examples do what their docs say.

#![allow(dead_code, missing_docs)]

#[path = "../../app_check.rs"]
mod app_check;

#[path = "../../app_builder.rs"]
mod app_builder;

#[path = "../../embedded_cluster.rs"]
mod embedded_cluster;

#[path = "../../deliver.rs"]
mod deliver;

#[path = "../../fleet.rs"]
mod fleet;

#[path = "../../scale_embedded.rs"]
mod scale_embedded;

use std::path::Path;

use vela_model::parse::{self, Mode};

fn app_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("apps").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn hello_is_valid_and_printed() {
    let report = app_check::check("hello.yaml", &app_file("hello.yaml"), Mode::Strict);
    assert!(report.ok, "{}", report.text);
    assert!(
        report
            .text
            .starts_with("hello.yaml: Application default/hello: valid\n"),
        "{}",
        report.text
    );
    assert!(
        report
            .text
            .contains("  component hello-web (webservice) traits: scaler\n")
    );
    // The printed YAML parses back to the same Application.
    let yaml = report.text.split("---\n").nth(1).expect("yaml part");
    assert_eq!(
        parse::application(yaml).unwrap(),
        parse::application(&app_file("hello.yaml")).unwrap()
    );
}

#[test]
fn broken_reports_every_problem_with_its_path() {
    let report = app_check::check("broken.yaml", &app_file("broken.yaml"), Mode::Lenient);
    assert!(!report.ok);
    for path in [
        "spec.components[0].name",
        "spec.components[0].dependsOn[0]",
        "spec.workflow.steps[0].timeout",
        "spec.workflow.steps[1].subSteps",
    ] {
        assert!(
            report.text.contains(&format!("  {path}: ")),
            "missing {path} in:\n{}",
            report.text
        );
    }
    assert!(report.text.contains("4 problem(s)"), "{}", report.text);
}

#[test]
fn syntax_errors_name_the_line() {
    let report = app_check::check("bad.yaml", "apiVersion: v1\nkind: [\n", Mode::Lenient);
    assert!(!report.ok);
    assert!(
        report.text.contains("line 3") || report.text.contains("line 2"),
        "{}",
        report.text
    );
}

#[test]
fn builder_example_is_valid_and_round_trips() {
    let app = app_builder::storefront("nginx", 2);
    assert_eq!(app.validate(), Ok(()));
    let yaml = vela_model::yaml::to_string(&app).unwrap();
    assert_eq!(parse::application_with(&yaml, Mode::Strict).unwrap(), app);
    assert!(yaml.contains("type: webservice"));
}

#[test]
fn yaml_1_1_differences_are_warned_about() {
    let text = app_file("hello.yaml").replace("image: nginx:1.27", "image: nginx:1.27\n        debug: on");
    let report = app_check::check("hello.yaml", &text, Mode::Strict);
    assert!(report.ok, "a warning is not a failure");
    assert!(
        report
            .text
            .starts_with("hello.yaml:13: warning: KubeVela reads `on` as true (YAML 1.1)"),
        "{}",
        report.text
    );
}

#[path = "../../custom_paas.rs"]
mod custom_paas;

// ANCHOR: paas_test
#[test]
fn custom_paas_renders_the_shop_with_two_definitions() {
    let text = custom_paas::render(&app_file("acme-shop.yaml")).unwrap();
    let docs = vela_render::ops::output::parse_dry_run(&text);
    assert_eq!(docs.len(), 1, "one component:\n{text}");
    let (title, objects) = &docs[0];
    assert_eq!(title, "Application(shop) -- Component(storefront)");
    assert_eq!(
        objects.len(),
        2,
        "the Deployment and the trait's Service:\n{text}"
    );
    let (deployment, service) = (&objects[0], &objects[1]);
    assert_eq!(deployment["kind"], "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2, "size: medium");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["limits"]["memory"], "512Mi");
    assert_eq!(container["ports"][0]["containerPort"], 8080, "the default port");
    // The label contract: the Service selects what the pod template carries.
    let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        pod_labels,
        &serde_json::json!({"app.oam.dev/component": "storefront"})
    );
    assert_eq!(&service["spec"]["selector"], pod_labels);
    assert_eq!(&deployment["spec"]["selector"]["matchLabels"], pod_labels);
    assert_eq!(service["metadata"]["labels"]["trait.oam.dev/type"], "public");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");
}
// ANCHOR_END: paas_test

#[test]
fn custom_paas_rejects_knobs_it_does_not_offer() {
    let text = app_file("acme-shop.yaml").replace("size: medium", "size: huge");
    let err = format!("{:#}", custom_paas::render(&text).unwrap_err());
    assert!(
        err.contains("components[0].properties.size: "),
        "the field path is named: {err}"
    );
    let text = app_file("acme-shop.yaml").replace("type: public", "type: ingress");
    let err = format!("{:#}", custom_paas::render(&text).unwrap_err());
    assert!(
        err.contains("components[0].traits[0].type: trait definition \"ingress\" not found"),
        "only Acme's definitions exist: {err}"
    );
    let text = app_file("acme-shop.yaml").replace("name: storefront", "name: store front");
    let err = format!("{:#}", custom_paas::render(&text).unwrap_err());
    assert!(
        err.starts_with("1 validation problem:\n  spec.components[0].name: "),
        "Application::validate lists the problems: {err}"
    );
}

#[tokio::test]
async fn embedded_cluster_collects_dependents() {
    let dir = std::env::temp_dir().join(format!("vela-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cluster = vela_multicluster::Embedded::open(dir.join("state.db")).unwrap();
    let left = embedded_cluster::deliver_and_collect(&cluster).await.unwrap();
    assert_eq!(left, Vec::<String>::new());
    drop(cluster);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn deliver_reports_every_component_healthy() {
    let services = deliver::deliver(&app_file("hello.yaml")).await.unwrap();
    assert_eq!(services, [("hello-web".to_owned(), true, "Ready:2/2".to_owned())]);
}

#[tokio::test]
async fn fleet_places_by_label_in_virtual_members() {
    let eu = std::collections::BTreeMap::from([("region".to_owned(), "eu".to_owned())]);
    let held = fleet::place(&eu).await.unwrap();
    let greeting = vec!["greeting".to_owned()];
    assert_eq!(
        held,
        [
            ("local".to_owned(), vec![]),
            ("edge-eu".to_owned(), greeting.clone()),
            ("edge-us".to_owned(), vec![]),
        ]
    );
    let everywhere = fleet::place(&Default::default()).await.unwrap();
    assert_eq!(everywhere[1].1, greeting);
    assert_eq!(everywhere[2].1, greeting);
}

#[tokio::test]
async fn scale_benchmark_delivers_every_app_and_reconciles_without_change() {
    use std::sync::Arc;
    let cluster = Arc::new(vela_multicluster::Embedded::in_memory().unwrap());
    let engine = vela_engine::Engine::new(
        vela_render::Renderer::new(vela_render::Registry::builtin()),
        cluster.clone(),
    );
    let apps: Vec<_> = (0..2).map(scale_embedded::application).collect();
    assert_eq!(apps[1].spec.components.len(), scale_embedded::COMPONENTS);
    let delivery = scale_embedded::deliver_all(&engine, &cluster, &apps, 1)
        .await
        .unwrap();
    assert_eq!(delivery.apps, 2);
    assert!(delivery.passes >= 1, "the workloads had to become ready first");
    // per app: 3 Deployments, 3 Services (gateway) and 3 Ingresses
    let app = engine.get("default", "app-1").await.unwrap().unwrap();
    let applied = app.status.unwrap().applied_resources;
    let kinds: std::collections::BTreeMap<String, usize> =
        applied.iter().fold(Default::default(), |mut m, r| {
            *m.entry(r.kind.clone()).or_default() += 1;
            m
        });
    assert_eq!(
        kinds,
        [("Deployment", 3), ("Ingress", 3), ("Service", 3)]
            .map(|(k, n)| (k.to_owned(), n))
            .into()
    );
    let times = scale_embedded::no_change_reconciles(&engine, "app-0", 3)
        .await
        .unwrap();
    assert_eq!(times.len(), 3);
    // deleting every application collects the 9 objects each delivered, and leaves nothing
    assert_eq!(scale_embedded::left_behind(&cluster).await.unwrap(), 2 * 9 + 2);
    let collection = scale_embedded::delete_all(&engine, &apps, 2).await.unwrap();
    assert_eq!(collection.apps, 2);
    assert_eq!(collection.objects, 2 * 9);
    assert_eq!(scale_embedded::left_behind(&cluster).await.unwrap(), 0);
    let again = scale_embedded::delete_all(&engine, &apps, 2).await.unwrap_err();
    assert!(again.to_string().contains("already gone"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_benchmark_delivers_apps_concurrently_without_losing_a_write() {
    use std::sync::Arc;
    use vela_multicluster::Objects as _;
    let dir = std::env::temp_dir().join(format!("vela-scale-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.db");
    let apps: Vec<_> = (0..12).map(scale_embedded::application).collect();
    {
        // as the benchmark opens it: writes committed in groups, 4 applications at once
        let cluster = Arc::new(
            vela_multicluster::Embedded::open(&path)
                .unwrap()
                .group_commits(std::time::Duration::from_millis(100)),
        );
        let engine = vela_engine::Engine::new(
            vela_render::Renderer::new(vela_render::Registry::builtin()),
            cluster.clone(),
        );
        let delivery = scale_embedded::deliver_all(&engine, &cluster, &apps, 4)
            .await
            .unwrap();
        assert_eq!(delivery.apps, 12);
    }
    // every application's objects and status are in the state file once the process lets go
    let reopened = vela_multicluster::Embedded::open(&path).unwrap();
    let engine = vela_engine::Engine::new(
        vela_render::Renderer::new(vela_render::Registry::builtin()),
        Arc::new(vela_multicluster::Embedded::open(&path).unwrap()),
    );
    for i in 0..12 {
        let app = engine.get("default", &format!("app-{i}")).await.unwrap().unwrap();
        let status = app.status.unwrap();
        assert_eq!(status.applied_resources.len(), 9, "app-{i}");
        assert!(status.services.iter().all(|s| s.healthy), "app-{i}");
        for r in &status.applied_resources {
            let key = vela_multicluster::Key {
                cluster: String::new(),
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            };
            let live = reopened.get(&key).await.unwrap().unwrap();
            assert_eq!(live["metadata"]["uid"], r.uid.as_str(), "{key:?}");
        }
    }
    // distinct resourceVersions: no two writes got the same one
    let mut versions = std::collections::BTreeSet::new();
    let mut count = 0;
    for kind in ["Deployment", "Service", "Ingress"] {
        let api_version = match kind {
            "Deployment" => "apps/v1",
            "Ingress" => "networking.k8s.io/v1",
            _ => "v1",
        };
        for obj in reopened
            .list("", api_version, kind, "default", &Default::default())
            .await
            .unwrap()
        {
            count += 1;
            versions.insert(obj["metadata"]["resourceVersion"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!((count, versions.len()), (108, 108));
    std::fs::remove_dir_all(&dir).unwrap();
}
