//! The project's own addons (`tests/data/`): every layout feature, and the error cases.

use std::path::{Path, PathBuf};

use serde_json::json;
use vela_addons::{Addon, Error, Limits, RenderOptions, Template};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["name"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_full_addon_loads_every_part_of_the_layout() {
    let a = Addon::load(&data("full")).unwrap();
    assert_eq!(a.meta.name, "full");
    assert_eq!(a.meta.dependencies[0].name, "fluxcd");
    assert_eq!(a.meta.annotations["owner"], "platform-team");
    assert!(a.readme.as_deref().unwrap().starts_with("# full"));
    assert!(matches!(a.template, Some(Template::Cue(_))));
    assert_eq!(a.parameters.as_ref().unwrap().path, "parameter.cue");
    let paths = |fs: &[vela_addons::File]| fs.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(
        paths(&a.cue_resources),
        [
            "resources/full.job.cue",
            "resources/no.output.cue",
            "resources/server.cue"
        ]
    );
    assert_eq!(
        paths(&a.yaml_resources),
        ["resources/crds/widget.yaml", "resources/sa.yml"]
    );
    assert_eq!(paths(&a.cue_definitions), ["definitions/full-trait.cue"]);
    assert_eq!(
        paths(&a.yaml_definitions),
        ["definitions/extras-step.yaml", "definitions/full-comp.yaml"]
    );
    assert_eq!(paths(&a.config_templates), ["config-templates/full-endpoint.cue"]);
    assert_eq!(paths(&a.schemas), ["schemas/component-uischema-full-comp.yaml"]);
    assert_eq!(paths(&a.cue_views), ["views/full-view.cue"]);
    assert_eq!(paths(&a.yaml_views), ["views/full-yaml-view.yaml"]);
    assert_eq!(a.notes.as_ref().unwrap().path, "NOTES.cue");
}

#[test]
fn the_full_addon_renders_as_kubevela_renders_it() {
    let a = Addon::load(&data("full")).unwrap();
    let r = a
        .render(&RenderOptions::default().arg("replicas", json!(3)))
        .unwrap();
    let app = &r.application;
    assert_eq!(app["metadata"]["name"], "addon-full");
    assert_eq!(app["metadata"]["namespace"], "vela-system");
    assert_eq!(
        app["metadata"]["labels"],
        json!({"addons.oam.dev/name": "full", "addons.oam.dev/version": "1.2.0", "addons.oam.dev/registry": "local"})
    );
    // template components, then needNamespace (not vela-system), then the YAML resources as one
    // k8s-objects component, then each CUE resource with an `output` (named after its file)
    assert_eq!(
        names(&app["spec"]["components"]),
        [
            "full-server",
            "full-system-namespace",
            "full-resources",
            "full-job"
        ]
    );
    let comps = &app["spec"]["components"];
    assert_eq!(
        comps[0]["properties"],
        json!({"image": "example.com/full:v1", "replicas": 3})
    );
    assert_eq!(comps[1]["type"], "raw");
    assert_eq!(
        comps[1]["properties"],
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "full-system"}})
    );
    let objects = comps[2]["properties"]["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["metadata"]["name"], "widgets.example.com");
    assert_eq!(objects[1]["kind"], "ServiceAccount");
    assert_eq!(comps[3]["properties"]["objects"][0]["data"]["replicas"], "3");
    // a template.cue keeps its own policies: no topology is attached
    assert_eq!(names(&app["spec"]["policies"]), ["hub"]);
    // the auxiliary output, labelled; the non-object output is skipped
    assert_eq!(r.auxiliary.len(), 1);
    assert_eq!(r.auxiliary[0]["data"]["addon"], "FULL");
    assert_eq!(
        r.auxiliary[0]["metadata"]["labels"],
        json!({"addons.oam.dev/auxiliary-name": "full-config", "addons.oam.dev/name": "full", "addons.oam.dev/version": "1.2.0"})
    );
    // definitions: the step bound to the absent `full-extras` is dropped
    let defs: Vec<(&str, &str)> = r
        .definitions
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        defs,
        [
            ("ComponentDefinition", "full-comp"),
            ("TraitDefinition", "full-trait")
        ]
    );
    assert!(
        r.definitions
            .iter()
            .all(|d| d["metadata"]["namespace"] == "vela-system")
    );
    assert_eq!(
        r.definitions[1]["spec"]["appliesToWorkloads"],
        json!(["deployments.apps"])
    );
    let annotations = &app["metadata"]["annotations"];
    assert_eq!(annotations["addon.oam.dev/componentDefinitions"], "full-comp");
    assert_eq!(annotations["addon.oam.dev/traitDefinitions"], "full-trait");
    assert!(annotations.get("addon.oam.dev/workflowStepDefinitions").is_none());
    // config template, UI schema, views
    let ct = &r.config_templates[0];
    assert_eq!(ct["metadata"]["name"], "config-template-full-endpoint");
    assert_eq!(ct["metadata"]["labels"]["config.oam.dev/scope"], "system");
    assert_eq!(
        ct["metadata"]["annotations"]["config.oam.dev/alias"],
        "Full Endpoint"
    );
    assert!(ct["data"]["schema"].as_str().unwrap().contains("url"), "{ct}");
    assert_eq!(r.schemas[0]["metadata"]["name"], "component-uischema-full-comp");
    assert_eq!(
        r.schemas[0]["data"]["ui-schema"],
        r#"[{"jsonKey":"image","sort":1,"uiType":"ImageInput"}]"#
    );
    let views: Vec<&str> = r
        .views
        .iter()
        .map(|v| v["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(views, ["full-yaml-view", "full-view"]);
    assert_eq!(r.objects().count(), 1 + 2 + 1 + 1 + 2);
    assert_eq!(
        r.notes.as_deref(),
        Some("full 1.2.0 is enabled with 3 replica(s)")
    );
    r.typed_application().unwrap();
    // the dry-run text: the Application, then one document per object
    let text = r.dry_run_text();
    assert!(
        text.starts_with("apiVersion: core.oam.dev/v1beta1\nkind: Application\n"),
        "{text}"
    );
    assert_eq!(text.matches("\n---\n").count(), 7);
}

#[test]
fn an_argument_that_adds_a_component_keeps_its_bound_definitions() {
    let a = Addon::load(&data("full")).unwrap();
    let r = a
        .render(&RenderOptions::default().arg("extras", json!(true)))
        .unwrap();
    assert_eq!(
        names(&r.application["spec"]["components"])[..2],
        ["full-server", "full-extras"]
    );
    assert!(
        r.definitions
            .iter()
            .any(|d| d["metadata"]["name"] == "extras-step")
    );
    assert_eq!(
        r.application["metadata"]["annotations"]["addon.oam.dev/workflowStepDefinitions"],
        "extras-step"
    );
}

#[test]
fn the_legacy_layout_renders_with_a_topology_policy() {
    let a = Addon::load(&data("legacy")).unwrap();
    assert_eq!(a.readme.as_deref(), Some("# legacy\n"));
    assert_eq!(a.parameters.as_ref().unwrap().path, "resources/parameter.cue");
    let r = a.render(&RenderOptions::default()).unwrap();
    let app = &r.application;
    assert_eq!(app["metadata"]["name"], "addon-legacy");
    assert_eq!(app["metadata"]["namespace"], "vela-system");
    assert_eq!(names(&app["spec"]["components"]), ["legacy-resources", "web"]);
    assert_eq!(app["spec"]["components"][1]["properties"]["image"], "nginx");
    assert_eq!(names(&app["spec"]["policies"]), ["deploy-addon-to-all-clusters"]);
    let r = a
        .render(
            &RenderOptions::default()
                .arg("clusters", json!(["east", "local"]))
                .arg("image", json!("httpd")),
        )
        .unwrap();
    assert_eq!(
        r.application["spec"]["policies"][0]["properties"]["clusters"],
        json!(["east", "local"])
    );
    assert_eq!(
        r.application["spec"]["components"][1]["properties"]["image"],
        "httpd"
    );
}

/// Writes an addon into a temporary directory.
fn addon_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const META: (&str, &str) = ("metadata.yaml", "name: t\nversion: 1.0.0\n");

#[test]
fn bad_addons_get_errors_naming_the_file_and_field() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("README.md", "x")], "metadata.yaml: required file is missing"),
        (
            &[("metadata.yaml", "version: 1.0.0\n")],
            "metadata.yaml: name: required field is missing",
        ),
        (
            &[("metadata.yaml", "name: t\nversion: 1.0.0\ninvisible: 3\n")],
            "metadata.yaml: invisible: expected a boolean, found a number",
        ),
        (
            &[
                META,
                ("template.cue", "output: {}"),
                ("template.yaml", "kind: Application\n"),
            ],
            "template.cue and template.yaml: an addon has one application template, not both",
        ),
    ];
    for (files, want) in cases {
        let dir = addon_dir(files);
        assert_eq!(Addon::load(dir.path()).unwrap_err().to_string(), *want);
    }
    let render_cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[META, ("template.cue", "x: 1\n")],
            "template.cue: output: not found (the Application is `output`)",
        ),
        (
            &[META, ("template.cue", "output: {\n")],
            "template.cue: template.cue:2:1:",
        ),
        (
            &[META, ("resources/bad.cue", "output: {type: 1 & 2}\n")],
            "resources/bad.cue: ",
        ),
        (
            &[
                META,
                ("parameter.cue", "parameter: {n: int}\n"),
                (
                    "resources/c.cue",
                    "output: {type: \"x\", properties: n: parameter.n}\n",
                ),
            ],
            "resources/c.cue: ",
        ),
        (
            &[
                META,
                ("definitions/bad.cue", "bad: {type: \"nonsense\"}\ntemplate: {}\n"),
            ],
            "definitions/bad.cue: ",
        ),
        (
            &[META, ("resources/r.yaml", "a: [unclosed\n")],
            "resources/r.yaml: ",
        ),
        (
            &[META, ("definitions/d.yaml", "- a list\n")],
            "definitions/d.yaml: (document): expected a Kubernetes object",
        ),
        (
            &[META, ("config-templates/c.cue", "template: {}\n")],
            "config-templates/c.cue: metadata: not found",
        ),
    ];
    for (files, want) in render_cases {
        let dir = addon_dir(files);
        let err = Addon::load(dir.path())
            .unwrap()
            .render(&RenderOptions::default())
            .unwrap_err();
        assert!(err.to_string().starts_with(want), "want {want:?}, got {err}");
    }
}

#[cfg(unix)]
#[test]
fn symbolic_links_never_leave_the_addon() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), "kind: Secret\n").unwrap();
    let dir = addon_dir(&[META]);
    std::fs::create_dir(dir.path().join("resources")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.path().join("resources/s.yaml"),
    )
    .unwrap();
    let err = Addon::load(dir.path()).unwrap_err();
    assert!(
        matches!(err, Error::SymlinkEscape { ref file, .. } if file == "resources/s.yaml"),
        "{err}"
    );
    // a link inside the addon is read; an unclaimed link is never followed
    let dir = addon_dir(&[META, ("shared/cm.yaml", "kind: ConfigMap\n")]);
    std::fs::create_dir(dir.path().join("resources")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("shared/cm.yaml"),
        dir.path().join("resources/cm.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("unclaimed")).unwrap();
    let a = Addon::load(dir.path()).unwrap();
    assert_eq!(a.yaml_resources[0].text, "kind: ConfigMap\n");
}

#[test]
fn sizes_files_and_depth_are_bounded() {
    let dir = addon_dir(&[META, ("resources/a.yaml", &"a: 1\n".repeat(100))]);
    let small = Limits {
        max_bytes: 200,
        ..Limits::default()
    };
    let err = Addon::load_with(dir.path(), small).unwrap_err();
    assert_eq!(
        err.to_string(),
        "resources/a.yaml: the addon exceeds its bound of 200 bytes"
    );
    let few = Limits {
        max_files: 1,
        ..Limits::default()
    };
    assert!(matches!(
        Addon::load_with(dir.path(), few),
        Err(Error::TooLarge { what: "files", .. })
    ));
    let deep = format!("resources/{}x.yaml", "d/".repeat(20));
    let dir = addon_dir(&[META, (&deep, "a: 1\n")]);
    assert!(matches!(
        Addon::load(dir.path()),
        Err(Error::TooLarge {
            what: "directory levels",
            ..
        })
    ));
}

#[test]
fn a_tgz_package_loads_as_its_directory() {
    // package the full addon as `vela addon package` does: everything under `full/`
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all("full", data("full")).unwrap();
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    let bytes = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full-1.2.0.tgz");
    std::fs::write(&path, &bytes).unwrap();
    let from_tgz = Addon::load(&path).unwrap();
    let from_dir = Addon::load(&data("full")).unwrap();
    assert_eq!(from_tgz, from_dir);
    let opts = RenderOptions::default();
    assert_eq!(from_tgz.render(&opts).unwrap(), from_dir.render(&opts).unwrap());
}
