//! Every addon of kubevela/catalog loads and renders with its default arguments.
//!
//! The corpus is `shared/conformance/kubevela-catalog/addons` (kubevela/catalog at d439627ed96f:
//! 41 addon directories; its SOURCE.md says "40 real addons", the directory holds 41). A missing
//! corpus fails these tests.
//!
//! No addon is an exception: all 41 render. Three (grafana, loki, prometheus-server) add lists
//! (`[...] + list`), which CUE v0.11+ rejects and KubeVela v1.11 rewrites to `list.Concat` in
//! definitions; addon programs are evaluated with that meaning. Two (o11y-definitions,
//! vela-workflow) have definitions importing a package they never use (`strconv`,
//! `encoding/yaml`), which CUE rejects; the unused imports are dropped first, as KubeVela
//! before CUE v0.11 did when it formatted a definition.

use std::path::PathBuf;

use vela_addons::{Addon, RenderOptions};

/// Per addon: components, policies, auxiliary outputs, definitions, config templates, UI
/// schemas, views, whether NOTES.cue rendered.
type Row = (
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    bool,
);

#[rustfmt::skip]
const EXPECTED: &[Row] = &[
    ("cert-manager", 2, 6, 0, 0, 0, 0, 0, false),
    ("chartmuseum", 2, 0, 0, 0, 0, 0, 0, false),
    ("cloudshell", 1, 0, 0, 0, 0, 0, 0, false),
    ("dex", 2, 0, 0, 0, 1, 1, 0, false),
    ("flink-kubernetes-operator", 2, 2, 0, 1, 0, 0, 0, false),
    ("fluxcd", 8, 5, 0, 6, 1, 3, 0, false),
    ("grafana", 11, 7, 0, 0, 0, 0, 0, false),
    ("ingress-nginx", 1, 1, 0, 0, 0, 0, 0, false),
    ("keda", 1, 1, 0, 1, 0, 0, 0, false),
    ("kruise-rollout", 1, 1, 1, 3, 0, 1, 0, false),
    ("kube-state-metrics", 2, 4, 0, 0, 0, 0, 0, false),
    ("kube-trigger", 4, 3, 0, 1, 0, 0, 0, false),
    ("kubevela-io", 1, 0, 0, 0, 0, 0, 0, false),
    ("loki", 8, 10, 0, 2, 0, 0, 0, false),
    ("model-serving", 2, 1, 0, 1, 0, 0, 0, false),
    ("model-training", 1, 1, 0, 2, 0, 0, 0, false),
    ("mysql-exporter", 0, 0, 0, 2, 0, 2, 0, false),
    ("netlify", 0, 1, 0, 1, 0, 0, 0, false),
    ("node-exporter", 2, 4, 0, 0, 0, 0, 0, false),
    ("o11y-definitions", 0, 0, 0, 8, 3, 2, 0, false),
    ("ocm-gateway-manager-addon", 5, 0, 0, 0, 0, 0, 0, false),
    ("ocm-hub-control-plane", 3, 0, 0, 0, 0, 0, 0, false),
    ("prometheus-server", 3, 7, 0, 1, 0, 0, 0, false),
    ("rollout", 1, 1, 0, 1, 0, 1, 0, false),
    ("terraform", 1, 0, 0, 0, 0, 0, 0, false),
    ("terraform-alibaba", 0, 0, 0, 46, 1, 12, 0, false),
    ("terraform-aws", 0, 0, 0, 66, 1, 2, 0, false),
    ("terraform-azure", 0, 0, 0, 5, 1, 2, 0, false),
    ("terraform-baidu", 1, 0, 0, 1, 1, 1, 0, false),
    ("terraform-ec", 0, 0, 0, 1, 1, 1, 0, false),
    ("terraform-gcp", 0, 0, 0, 49, 1, 1, 0, false),
    ("terraform-tencent", 0, 0, 0, 3, 1, 1, 0, false),
    ("terraform-ucloud", 0, 0, 0, 1, 1, 1, 0, false),
    ("traefik", 1, 1, 0, 3, 1, 4, 0, false),
    ("trivy-operator", 2, 6, 0, 1, 0, 0, 0, false),
    ("vegeta", 0, 0, 0, 1, 0, 0, 0, false),
    ("vela-core-shard-manager", 1, 0, 0, 0, 0, 0, 0, false),
    ("vela-prism", 3, 3, 0, 0, 0, 0, 0, false),
    ("vela-workflow", 3, 3, 0, 4, 0, 0, 0, false),
    ("velaux", 2, 0, 0, 0, 3, 14, 8, true),
    ("victoria-metric", 3, 3, 0, 0, 0, 1, 0, false),
];

fn addons() -> Vec<PathBuf> {
    let dir = super::catalog_dir();
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "the catalog corpus at {} is missing (set VELA_CATALOG_DIR): {e}",
                dir.display()
            )
        })
        .map(|e| e.expect("read the catalog directory").path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn every_catalog_addon_loads_and_renders_with_its_default_arguments() {
    let dirs = addons();
    assert_eq!(dirs.len(), 41, "the catalog holds 41 addon directories");
    assert_eq!(EXPECTED.len(), 41);
    let mut rendered = 0;
    for (dir, want) in dirs.iter().zip(EXPECTED) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(name, want.0);
        let addon = Addon::load(dir).unwrap_or_else(|e| panic!("{name}: load: {e}"));
        assert_eq!(addon.meta.name, name, "{name}: metadata.yaml names the directory");
        // every catalog addon accepts KubeVela v1.11.0, which vela stands in for
        vela_addons::resolve::check_system(&addon.meta, vela_addons::resolve::KUBEVELA_VERSION, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let r = addon
            .render(&RenderOptions::default())
            .unwrap_or_else(|e| panic!("{name}: render: {e}"));
        let app = r.typed_application().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            app.metadata.name.as_deref(),
            Some(format!("addon-{name}").as_str())
        );
        assert_eq!(app.metadata.namespace.as_deref(), Some("vela-system"));
        let labels = app.metadata.labels.clone().unwrap_or_default();
        assert_eq!(labels["addons.oam.dev/name"], name);
        assert_eq!(labels["addons.oam.dev/version"], addon.meta.version);
        assert_eq!(labels["addons.oam.dev/registry"], "local");
        let got = (
            name.as_str(),
            app.spec.components.len(),
            app.spec.policies.len(),
            r.auxiliary.len(),
            r.definitions.len(),
            r.config_templates.len(),
            r.schemas.len(),
            r.views.len(),
            r.notes.is_some(),
        );
        assert_eq!(&got, want, "{name}");
        for o in r.objects() {
            assert!(
                o["kind"].is_string() && o["metadata"]["name"].is_string(),
                "{name}: {o}"
            );
        }
        for d in &r.definitions {
            assert_eq!(d["metadata"]["namespace"], "vela-system", "{name}");
        }
        rendered += 1;
    }
    assert_eq!(rendered, 41);
}

#[test]
fn legacy_runtime_cluster_addons_get_a_topology_policy() {
    let dir = super::catalog_dir();
    // template.yaml + deployTo.runtime_cluster: the policy is attached
    let addon = Addon::load(&dir.join("model-serving")).unwrap();
    assert!(addon.meta.deploys_to_runtime());
    let r = addon.render(&RenderOptions::default()).unwrap();
    assert_eq!(
        r.application["spec"]["policies"],
        serde_json::json!([{"name": "deploy-addon-to-all-clusters", "type": "topology", "properties": {"clusterLabelSelector": {}}}])
    );
    let opts = RenderOptions::default().arg("clusters", serde_json::json!(["c1"]));
    let r = addon.render(&opts).unwrap();
    assert_eq!(
        r.application["spec"]["policies"][0]["properties"]["clusters"],
        serde_json::json!(["c1", "local"])
    );
    let opts = RenderOptions {
        known_clusters: Some(vec!["local".into()]),
        ..opts
    };
    assert_eq!(
        addon.render(&opts).unwrap_err().to_string(),
        "cluster c1 not exist"
    );
}

#[test]
fn list_arithmetic_and_unused_imports_of_the_catalog_render() {
    let dir = super::catalog_dir();
    let r = Addon::load(&dir.join("grafana"))
        .unwrap()
        .render(&RenderOptions::default())
        .unwrap();
    let names: Vec<&str> = r.application["spec"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // `[...] + grafanaDashboardComponents`: the dashboards follow the core components
    assert_eq!(names.len(), 11);
    assert!(
        names.last().unwrap().starts_with("grafana-dashboard"),
        "{names:?}"
    );
    let r = Addon::load(&dir.join("vela-workflow"))
        .unwrap()
        .render(&RenderOptions::default())
        .unwrap();
    let read_app = r
        .definitions
        .iter()
        .find(|d| d["metadata"]["name"] == "read-app")
        .unwrap();
    assert_eq!(read_app["kind"], "WorkflowStepDefinition");
}

#[test]
fn velaux_notes_render() {
    let r = Addon::load(&super::catalog_dir().join("velaux"))
        .unwrap()
        .render(&RenderOptions::default())
        .unwrap();
    assert!(
        r.notes
            .unwrap()
            .contains("vela port-forward -n vela-system addon-velaux 8000:8000")
    );
}
