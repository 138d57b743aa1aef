//! `charts/vela-controller` renders, with its default values, exactly the objects
//! `vela_engine::controller_install::objects` makes (the Namespace aside: Helm installs into an
//! existing or `--create-namespace` one), with `authenticationWithUser` off and on. A small
//! renderer stands in for Helm: it knows only the expressions the template uses (the
//! certificates Helm makes are replaced by given ones), and any other `{{` fails the test.

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;
use vela_engine::controller_install::{ControllerOptions, WebhookCerts, objects};

fn chart() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../charts/vela-controller")
}

/// The template with `name`, `namespace` and the default values, but `authenticationWithUser`
/// on when `users` gives the certificates Helm would make.
fn render(name: &str, namespace: &str, users: Option<&WebhookCerts>) -> String {
    let template = std::fs::read_to_string(chart().join("templates/controller.yaml")).expect("the template");
    let values: Value =
        vela_model::yaml::from_str(&std::fs::read_to_string(chart().join("values.yaml")).unwrap()).unwrap();
    let chart_yaml: Value =
        vela_model::yaml::from_str(&std::fs::read_to_string(chart().join("Chart.yaml")).unwrap()).unwrap();
    assert_eq!(values["image"], "", "the default image comes from appVersion");
    assert_eq!(values["extraArgs"], serde_json::json!([]));
    assert_eq!(values["extraRules"], serde_json::json!([]));
    assert_eq!(values["authenticationWithUser"], false);
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let app_version = chart_yaml["appVersion"].as_str().unwrap();
    assert_eq!(
        app_version,
        env!("CARGO_PKG_VERSION"),
        "Chart.yaml appVersion follows the crates"
    );
    let mut out = String::new();
    let mut skipping = false;
    let mut in_users = false;
    let mut header = true;
    for line in template.lines() {
        let t = line.trim();
        // before the first object: Helm's choice of the certificates (their values are `users`)
        header &= !t.starts_with("apiVersion:");
        if header && t.starts_with("{{-") {
            continue;
        }
        if t.starts_with("{{- range .Values.extraArgs") || t.starts_with("{{- with .Values.extraRules") {
            skipping = true;
            continue;
        }
        if skipping {
            skipping = t != "{{- end }}";
            continue;
        }
        if t == "{{- if .Values.authenticationWithUser }}" {
            in_users = true;
            continue;
        }
        if in_users && t == "{{- end }}" {
            in_users = false;
            continue;
        }
        if in_users && users.is_none() {
            continue;
        }
        let (ca, cert, key) =
            users.map_or_else(Default::default, |c| (b64(&c.ca), b64(&c.cert), b64(&c.key)));
        let line = line
            .replace("{{ $caCrt }}", &ca)
            .replace("{{ $tlsCrt }}", &cert)
            .replace("{{ $tlsKey }}", &key)
            .replace("{{ .Release.Name }}", name)
            .replace("{{ .Release.Namespace }}", namespace)
            .replace("{{ .Values.replicas }}", &values["replicas"].to_string())
            .replace(
                "{{ .Values.image | default (printf \"ghcr.io/vela-rs/vela-controller:%s\" .Chart.AppVersion) }}",
                &format!("ghcr.io/vela-rs/vela-controller:{app_version}"),
            );
        assert!(
            !line.contains("{{"),
            "an expression the test does not know: {line}"
        );
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn the_chart_renders_the_objects_vela_install_applies() {
    let certs = WebhookCerts::generate(&["paas.platform.svc".to_owned()]).expect("certificates");
    for (name, namespace, users) in [
        ("vela-controller", "vela-system", None),
        ("paas", "platform", None),
        ("vela-controller", "vela-system", Some(&certs)),
        ("paas", "platform", Some(&certs)),
    ] {
        let rendered: Vec<Value> =
            vela_model::yaml::documents(&render(name, namespace, users)).expect("YAML");
        let options = ControllerOptions {
            name: name.into(),
            namespace: namespace.into(),
            authenticate_users: users.cloned(),
            ..Default::default()
        };
        let want: Vec<Value> = objects(&options)
            .into_iter()
            .filter(|o| o["kind"] != "Namespace")
            .collect();
        assert_eq!(rendered.len(), want.len());
        for (got, want) in rendered.iter().zip(&want) {
            assert_eq!(
                got,
                want,
                "{} {name}, authenticationWithUser {} (regenerate the chart with \
                 scripts/gen-controller-chart.py)",
                want["kind"],
                users.is_some()
            );
        }
    }
}
