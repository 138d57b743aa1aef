use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::*;
#[cfg(feature = "embedded")]
use crate::Embedded;
use crate::Memory;

const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAtleQ==\n-----END EC PRIVATE KEY-----\n";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A registry Secret as KubeVela's `vela cluster join` writes it (X509).
fn x509_secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "prod-eu", "namespace": "vela-system",
            "labels": {CREDENTIAL_TYPE_LABEL: "X509Certificate", ENDPOINT_TYPE_LABEL: "Const",
                "region": "eu", "tier": "prod"},
            "annotations": {ALIAS_ANNOTATION: "Production EU"}},
        "data": {"endpoint": b64("https://10.0.0.1:6443"), "ca.crt": b64(CERT),
            "tls.crt": b64(CERT), "tls.key": b64(KEY), "proxy-url": b64("socks5://proxy:1080")}})
}

fn token_secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "edge", "labels": {CREDENTIAL_TYPE_LABEL: "ServiceAccountToken"}},
        "data": {"endpoint": b64("https://edge.example.com"), "token": b64("eyJhbGciOi.abc-_")}})
}

fn err(secret: &Value) -> String {
    Cluster::parse(secret).unwrap_err().to_string()
}

#[test]
fn parses_every_field_of_an_x509_secret() {
    let c = Cluster::parse(&x509_secret()).unwrap();
    assert_eq!(c.name, "prod-eu");
    assert_eq!(c.alias.as_deref(), Some("Production EU"));
    // the registry's own labels are not cluster labels
    assert_eq!(
        c.labels,
        BTreeMap::from([("region".into(), "eu".into()), ("tier".into(), "prod".into())])
    );
    assert_eq!(c.endpoint.as_deref(), Some("https://10.0.0.1:6443"));
    assert_eq!(c.credential_type, CredentialType::X509Certificate);
    assert_eq!(c.credentials.ca.as_deref(), Some(CERT.as_bytes()));
    assert_eq!(c.credentials.client_certificate.as_deref(), Some(CERT.as_bytes()));
    assert_eq!(c.credentials.client_key.as_deref(), Some(KEY.as_bytes()));
    assert_eq!(c.credentials.token, None);
    assert_eq!(c.credentials.proxy_url.as_deref(), Some("socks5://proxy:1080"));
    // Debug never shows secrets
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("PRIVATE") && debug.contains("<redacted>"),
        "{debug}"
    );
}

#[test]
fn parses_a_token_secret() {
    let c = Cluster::parse(&token_secret()).unwrap();
    assert_eq!(c.credential_type, CredentialType::ServiceAccountToken);
    assert_eq!(c.credentials.token.as_deref(), Some("eyJhbGciOi.abc-_"));
    assert_eq!(c.credentials.ca, None);
    assert_eq!(c.alias, None);
    assert!(c.labels.is_empty());
    assert!(!format!("{c:?}").contains("eyJ"));
}

#[test]
fn to_secret_round_trips() {
    for secret in [x509_secret(), token_secret()] {
        let c = Cluster::parse(&secret).unwrap();
        let written = c.to_secret();
        assert_eq!(written["metadata"]["namespace"], NAMESPACE);
        assert_eq!(written["type"], "Opaque");
        assert_eq!(
            written["metadata"]["labels"][CREDENTIAL_TYPE_LABEL],
            c.credential_type.as_str()
        );
        assert_eq!(Cluster::parse(&written).unwrap(), c);
    }
    let virt = Cluster::embedded("lab").unwrap().with_alias("Lab");
    let written = virt.to_secret();
    assert_eq!(written["data"], json!({}));
    assert_eq!(written["metadata"]["annotations"][ALIAS_ANNOTATION], "Lab");
    assert_eq!(Cluster::parse(&written).unwrap(), virt);
}

#[test]
fn bad_secrets_name_the_field() {
    let with = |f: &dyn Fn(&mut Value)| {
        let mut s = x509_secret();
        f(&mut s);
        err(&s)
    };
    assert_eq!(err(&json!([1])), "value: expected a Secret object");
    assert_eq!(with(&|s| s["kind"] = json!("ConfigMap")), "kind: expected Secret");
    assert_eq!(
        with(&|s| s["apiVersion"] = json!("v2")),
        "apiVersion: expected v1"
    );
    assert_eq!(
        with(&|s| s["metadata"]["name"] = json!("local")),
        "metadata.name: \"local\" is the hub's name and cannot be registered"
    );
    assert!(with(&|s| s["metadata"]["name"] = json!("Bad_Name")).starts_with("metadata.name: "));
    assert_eq!(
        with(&|s| s["metadata"]["namespace"] = json!("default")),
        "metadata.namespace: expected vela-system (the registry lives there)"
    );
    assert_eq!(
        with(&|s| {
            s["metadata"]["labels"]
                .as_object_mut()
                .unwrap()
                .remove(CREDENTIAL_TYPE_LABEL);
        }),
        "metadata.labels[\"cluster.core.oam.dev/cluster-credential-type\"]: missing (expected \
         X509Certificate, ServiceAccountToken or Embedded)"
    );
    assert_eq!(
        with(&|s| s["metadata"]["labels"][CREDENTIAL_TYPE_LABEL] = json!("ManagedCluster")),
        "metadata.labels[\"cluster.core.oam.dev/cluster-credential-type\"]: \"ManagedCluster\" is \
         not supported (expected X509Certificate, ServiceAccountToken or Embedded)"
    );
    assert!(
        with(&|s| s["metadata"]["labels"][ENDPOINT_TYPE_LABEL] = json!("ClusterProxy"))
            .contains("\"ClusterProxy\" is not supported")
    );
    assert_eq!(
        with(&|s| s["metadata"]["labels"]["region"] = json!(3)),
        "metadata.labels.region: expected a string"
    );
    assert_eq!(
        with(&|s| {
            s["data"].as_object_mut().unwrap().remove("endpoint");
        }),
        "data.endpoint: missing (expected an https URL)"
    );
    assert!(
        with(&|s| s["data"]["endpoint"] = json!(b64("http://10.0.0.1:6443")))
            .starts_with("data.endpoint: expected an https URL (got scheme \"http\")")
    );
    assert!(
        with(&|s| s["data"]["endpoint"] = json!(b64("10.0.0.1:6443")))
            .starts_with("data.endpoint: expected an https URL")
    );
    assert!(
        with(&|s| s["data"]["endpoint"] = json!(b64("https://user:pw@h")))
            .contains("without user information")
    );
    assert!(
        with(&|s| s["data"]["ca.crt"] = json!("not base64!"))
            .starts_with("data[\"ca.crt\"]: expected base64 (")
    );
    assert_eq!(
        with(&|s| s["data"]["ca.crt"] = json!(b64("hello"))),
        "data[\"ca.crt\"]: expected a CA certificate in PEM (-----BEGIN ...-----)"
    );
    assert_eq!(
        with(&|s| s["data"]["tls.key"] = json!(b64(CERT))),
        "data[\"tls.key\"]: expected a private key in PEM (-----BEGIN ...-----)"
    );
    assert_eq!(
        with(&|s| {
            s["data"].as_object_mut().unwrap().remove("tls.crt");
        }),
        "data[\"tls.crt\"]: missing (expected the client certificate in PEM)"
    );
    assert_eq!(
        with(&|s| s["data"]["tls.crt"] = json!(7)),
        "data[\"tls.crt\"]: expected a base64 string"
    );
    assert!(
        with(&|s| s["data"]["proxy-url"] = json!(b64("ftp://p")))
            .starts_with("data.proxy-url: expected a URL with scheme http, https, socks5")
    );
    assert_eq!(
        with(&|s| s["data"] = json!([])),
        "data: expected a map of base64 strings"
    );
    assert_eq!(
        with(&|s| s["data"]["endpoint"] =
            json!(base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe]))),
        "data.endpoint: expected UTF-8 text"
    );
    let mut t = token_secret();
    t["data"]["token"] = json!(b64("two words"));
    assert_eq!(
        err(&t),
        "data.token: expected a bearer token (printable ASCII, no spaces)"
    );
    t["data"].as_object_mut().unwrap().remove("token");
    assert_eq!(err(&t), "data.token: missing (expected a bearer token)");
    let mut e = Cluster::embedded("lab").unwrap().to_secret();
    e["data"]["endpoint"] = json!(b64("https://x"));
    assert!(err(&e).starts_with("data.endpoint: an Embedded cluster"));
}

#[test]
fn constructors_check_what_they_build() {
    let e = Cluster::with_token("a", "http://x", None, "t").unwrap_err();
    assert!(
        e.to_string().contains("data.endpoint: expected an https URL"),
        "{e}"
    );
    let e = Cluster::embedded("local").unwrap_err();
    assert!(e.to_string().contains("hub's name"), "{e}");
    let c = Cluster::with_certificate("m1", "https://m1:6443", None, CERT.into(), KEY.into()).unwrap();
    assert_eq!(c.credential_type, CredentialType::X509Certificate);
    let sel = BTreeMap::from([("region".to_owned(), "eu".to_owned())]);
    assert!(!c.matches(&sel));
    assert!(c.clone().with_labels(sel.clone()).matches(&sel));
    assert!(c.matches(&BTreeMap::new()));
}

#[cfg(feature = "embedded")]
#[tokio::test]
async fn registry_functions_on_the_embedded_state() {
    let hub = Embedded::in_memory().unwrap();
    // only local at first; "" is local
    let l = list(&hub).await.unwrap();
    assert_eq!(l.clusters, vec![Cluster::local()]);
    assert_eq!(get(&hub, "").await.unwrap(), Some(Cluster::local()));
    assert_eq!(get(&hub, "nope").await.unwrap(), None);

    let eu = Cluster::parse(&x509_secret()).unwrap();
    join(&hub, &eu).await.unwrap();
    join(&hub, &Cluster::embedded("b-lab").unwrap()).await.unwrap();
    let l = list(&hub).await.unwrap();
    let names: Vec<_> = l.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["local", "b-lab", "prod-eu"]);
    assert_eq!(get(&hub, "prod-eu").await.unwrap(), Some(eu.clone()));

    // joining again replaces (here: a different credential type)
    let again = Cluster::with_token("prod-eu", "https://10.0.0.2", None, "tok").unwrap();
    let stored = join(&hub, &again).await.unwrap();
    assert_eq!(stored.credential_type, CredentialType::ServiceAccountToken);
    assert_eq!(stored.credentials.client_key, None, "the old key is gone");

    // labels
    let add = BTreeMap::from([
        ("region".to_owned(), "us".to_owned()),
        ("gpu".to_owned(), "yes".to_owned()),
    ]);
    let c = set_labels(&hub, "b-lab", &add, &[]).await.unwrap();
    assert_eq!(c.labels, add);
    let c = set_labels(&hub, "b-lab", &BTreeMap::new(), &["gpu".to_owned()])
        .await
        .unwrap();
    assert_eq!(c.labels, BTreeMap::from([("region".to_owned(), "us".to_owned())]));
    assert_eq!(get(&hub, "b-lab").await.unwrap().unwrap().labels, c.labels);
    let bad = BTreeMap::from([(CREDENTIAL_TYPE_LABEL.to_owned(), "Embedded".to_owned())]);
    assert!(matches!(
        set_labels(&hub, "b-lab", &bad, &[]).await,
        Err(Error::Label { .. })
    ));
    let bad = BTreeMap::from([("a b".to_owned(), "x".to_owned())]);
    assert!(matches!(
        set_labels(&hub, "b-lab", &bad, &[]).await,
        Err(Error::Label { .. })
    ));
    assert!(matches!(
        set_labels(&hub, "local", &add, &[]).await,
        Err(Error::Hub { .. })
    ));
    assert!(matches!(
        set_labels(&hub, "ghost", &add, &[]).await,
        Err(Error::NotFound { .. })
    ));

    // detach
    assert!(matches!(
        detach(&hub, "local").await,
        Err(Error::Hub {
            operation: "detached"
        })
    ));
    assert!(matches!(detach(&hub, "").await, Err(Error::Hub { .. })));
    let gone = detach(&hub, "b-lab").await.unwrap();
    assert_eq!(gone.name, "b-lab");
    assert!(matches!(detach(&hub, "b-lab").await, Err(Error::NotFound { .. })));
    let names: Vec<_> = list(&hub)
        .await
        .unwrap()
        .clusters
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["local", "prod-eu"]);
    assert!(matches!(
        join(&hub, &Cluster::local()).await,
        Err(Error::Hub { .. })
    ));
}

#[tokio::test]
async fn foreign_and_broken_secrets() {
    let hub = Memory::new();
    // a Secret without the label is not a cluster, and join refuses to take it over
    hub.apply(
        "",
        json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db-password", "namespace": "vela-system"}, "data": {}}),
    )
    .await
    .unwrap();
    assert_eq!(get(&hub, "db-password").await.unwrap(), None);
    let e = join(&hub, &Cluster::embedded("db-password").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotARegistration { .. }), "{e}");
    // a broken registration is listed as invalid, and `get` says what is wrong
    let mut broken = token_secret();
    broken["metadata"]["namespace"] = json!("vela-system");
    broken["data"]["endpoint"] = json!(b64("ftp://x"));
    hub.apply("", broken).await.unwrap();
    let l = list(&hub).await.unwrap();
    assert_eq!(l.clusters.len(), 1);
    assert_eq!(l.invalid.len(), 1);
    assert_eq!(l.invalid[0].0, "edge");
    assert_eq!(l.invalid[0].1.field, "data.endpoint");
    let e = get(&hub, "edge").await.unwrap_err().to_string();
    assert!(
        e.starts_with("cluster \"edge\" (Secret vela-system/edge): data.endpoint: expected an https URL"),
        "{e}"
    );
}

#[cfg(feature = "kube")]
#[test]
fn join_reads_a_kubeconfig_and_inlines_its_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), CERT).unwrap();
    std::fs::write(dir.path().join("client.key"), KEY).unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: member1\n\
             clusters:\n- name: c1\n  cluster: {{server: 'https://127.0.0.1:6443', certificate-authority: ca.pem}}\n\
             - name: c2\n  cluster: {{server: 'https://h', insecure-skip-tls-verify: true}}\n\
             users:\n- name: u1\n  user: {{client-certificate-data: {}, client-key: client.key}}\n\
             - name: u2\n  user: {{exec: {{command: evil, apiVersion: client.authentication.k8s.io/v1}}}}\n\
             - name: u3\n  user: {{token: abc}}\n\
             contexts:\n- name: member1\n  context: {{cluster: c1, user: u1}}\n\
             - name: execs\n  context: {{cluster: c1, user: u2}}\n\
             - name: insecure\n  context: {{cluster: c2, user: u3}}\n\
             - name: tok\n  context: {{cluster: c1, user: u3}}\n",
            b64(CERT)
        ),
    )
    .unwrap();
    let c = cluster_from_kubeconfig(Some(&path), None, None).unwrap();
    assert_eq!(c.name, "member1");
    assert_eq!(c.credential_type, CredentialType::X509Certificate);
    assert_eq!(c.credentials.ca.as_deref(), Some(CERT.as_bytes()));
    assert_eq!(c.credentials.client_key.as_deref(), Some(KEY.as_bytes()));
    let c = cluster_from_kubeconfig(Some(&path), Some("tok"), Some("edge")).unwrap();
    assert_eq!(
        (c.name.as_str(), c.credential_type),
        ("edge", CredentialType::ServiceAccountToken)
    );
    assert_eq!(c.credentials.token.as_deref(), Some("abc"));
    let e = cluster_from_kubeconfig(Some(&path), Some("execs"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("exec plugin"), "{e}");
    let e = cluster_from_kubeconfig(Some(&path), Some("insecure"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("insecure-skip-tls-verify"), "{e}");
    let e = cluster_from_kubeconfig(Some(&path), Some("nope"), None)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "kubeconfig: no context \"nope\"");
    let e = cluster_from_kubeconfig(Some(&path), Some("tok"), Some("Bad Name"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("metadata.name"), "{e}");
}
