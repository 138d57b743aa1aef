//! The objects that run vela-controller in a hub, with least-privilege RBAC: what
//! `vela install --controller` applies and `charts/vela-controller` templates.
//!
//! - a ServiceAccount, and a Deployment running the controller image as it (non-root, read-only
//!   root filesystem, no privilege escalation, probes on `/healthz` and `/readyz`, leader
//!   election on, resources requested);
//! - a ClusterRole that grants only what the controller does: Applications (and their status)
//!   read and patched; ApplicationRevisions, ResourceTrackers and DefinitionRevisions managed;
//!   the definitions read and their status written; Policies and Workflows read; Namespaces
//!   read and created; the cluster registry's Secrets read; and the kinds the built-in
//!   definitions deliver (workloads, Services, Ingresses, HPAs, PVCs, ConfigMaps, Secrets,
//!   ServiceAccounts) managed. [`ControllerOptions::extra_rules`] adds more for custom
//!   definitions. KubeVela's chart binds cluster-admin instead.
//! - a Role and RoleBinding for the leader Lease in the controller's namespace;
//! - a Service in front of `/metrics`;
//! - with [`ControllerOptions::authenticate_users`]: the controller runs with
//!   `--authentication-with-user` and serves the admission webhook (`--use-webhook`) that
//!   records each Application's requesting user; the ClusterRole may also impersonate users and
//!   groups; a `kubernetes.io/tls` Secret holds the webhook's serving certificate (see
//!   [`WebhookCerts`]), mounted into the pod; the Service also forwards port 443 to the webhook;
//!   and a MutatingWebhookConfiguration (`failurePolicy: Fail`) sends every `CREATE` and
//!   `UPDATE` of an Application to it, trusting the certificate's CA.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::{Error, Result};

/// The port the controller's admission webhook listens on in the pod.
pub const WEBHOOK_PORT: u16 = 9443;
/// Where the webhook's certificate and key are mounted in the pod.
pub const WEBHOOK_CERT_DIR: &str = "/etc/vela-controller/webhook";
/// The path the API server posts AdmissionReviews to (KubeVela's).
pub const WEBHOOK_PATH: &str = "/mutating-core-oam-dev-v1beta1-applications";

/// The admission webhook's serving certificate and key, and the CA certificate that signed it
/// (all PEM): the Secret holds the first two, the MutatingWebhookConfiguration trusts the CA.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookCerts {
    /// The CA certificate.
    pub ca: String,
    /// The serving certificate.
    pub cert: String,
    /// The serving certificate's private key.
    pub key: String,
}

impl std::fmt::Debug for WebhookCerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookCerts")
            .field("ca", &self.ca)
            .field("cert", &self.cert)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl WebhookCerts {
    /// A new self-signed CA (ECDSA P-256) and a serving certificate it signed for `names` (DNS
    /// names; a name that parses as an IP address becomes an IP address), with the CA's key
    /// thrown away: nothing else can be signed with it.
    ///
    /// ```
    /// use vela_engine::controller_install::WebhookCerts;
    ///
    /// let names = WebhookCerts::service_names("vela-controller", "vela-system");
    /// assert_eq!(names[0], "vela-controller.vela-system.svc");
    /// let certs = WebhookCerts::generate(&names).unwrap();
    /// assert!(certs.ca.starts_with("-----BEGIN CERTIFICATE-----"));
    /// assert!(certs.key.contains("PRIVATE KEY"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Certificate`] when a name is not valid in a certificate or signing fails.
    pub fn generate(names: &[String]) -> Result<Self> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
            Issuer, KeyPair, KeyUsagePurpose,
        };
        let fail = |what: &'static str| {
            move |e: rcgen::Error| Error::Certificate {
                what,
                message: e.to_string(),
            }
        };
        let ca_key = KeyPair::generate().map_err(fail("webhook CA key"))?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail("webhook CA"))?;
        ca.distinguished_name = DistinguishedName::new();
        ca.distinguished_name
            .push(DnType::CommonName, "vela-controller webhook CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = jiff::Timestamp::now();
        let valid = |years: i16| day(now, years).map(|(y, m, d)| rcgen::date_time_ymd(y, m, d));
        ca.not_before = valid(0)?;
        ca.not_after = valid(10)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(fail("webhook CA"))?;
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().map_err(fail("webhook serving key"))?;
        let mut serving =
            CertificateParams::new(names.to_vec()).map_err(fail("webhook serving certificate"))?;
        serving.distinguished_name = DistinguishedName::new();
        if let Some(first) = names.first() {
            serving
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        serving.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        serving.not_before = valid(0)?;
        serving.not_after = valid(10)?;
        let cert = serving
            .signed_by(&key, &issuer)
            .map_err(fail("webhook serving certificate"))?;
        Ok(Self {
            ca: ca_cert.pem(),
            cert: cert.pem(),
            key: key.serialize_pem(),
        })
    }

    /// The certificates a Secret made by [`objects`] holds (`None` when it lacks one of
    /// `tls.crt`, `tls.key` and `ca.crt`, or they are not base64 PEM text): `vela install`
    /// keeps the installed certificates instead of making new ones.
    ///
    /// ```
    /// use vela_engine::controller_install::WebhookCerts;
    /// use serde_json::json;
    ///
    /// let pem = "-----BEGIN CERTIFICATE-----\n"; // base64: LS0t...
    /// let secret = json!({"data": {"tls.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
    ///     "tls.key": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==", "ca.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}});
    /// assert_eq!(WebhookCerts::from_secret(&secret).unwrap().ca, pem);
    /// assert!(WebhookCerts::from_secret(&json!({"data": {"tls.crt": "%%%"}})).is_none());
    /// ```
    #[must_use]
    pub fn from_secret(secret: &Value) -> Option<Self> {
        let field = |key: &str| {
            let text = secret["data"][key].as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
            String::from_utf8(bytes)
                .ok()
                .filter(|t| t.contains("-----BEGIN "))
        };
        Some(Self {
            ca: field("ca.crt")?,
            cert: field("tls.crt")?,
            key: field("tls.key")?,
        })
    }

    /// The name of the Secret holding the certificates of the controller `name`.
    ///
    /// ```
    /// assert_eq!(vela_engine::controller_install::WebhookCerts::secret_name("vela-controller"),
    ///     "vela-controller-webhook-tls");
    /// ```
    #[must_use]
    pub fn secret_name(name: &str) -> String {
        format!("{name}-webhook-tls")
    }

    /// The DNS names the API server may use for the Service `name` in `namespace`.
    #[must_use]
    pub fn service_names(name: &str, namespace: &str) -> Vec<String> {
        vec![
            format!("{name}.{namespace}.svc"),
            format!("{name}.{namespace}.svc.cluster.local"),
            format!("{name}.{namespace}"),
            name.to_owned(),
        ]
    }
}

/// The `(year, month, day)` of `now` plus `years` years (the day before when `years` is 0,
/// against clock skew).
fn day(now: jiff::Timestamp, years: i16) -> Result<(i32, u8, u8)> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let span = if years == 0 {
        jiff::Span::new().days(-1)
    } else {
        jiff::Span::new().years(years)
    };
    let d = today.checked_add(span).map_err(|e| Error::Certificate {
        what: "webhook certificate validity",
        message: e.to_string(),
    })?;
    let month = u8::try_from(d.month()).unwrap_or(1);
    let day = u8::try_from(d.day()).unwrap_or(1);
    Ok((i32::from(d.year()), month, day))
}

/// What the controller objects are made with.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerOptions {
    /// The namespace the controller runs in (and keeps its Lease in); KubeVela's `vela-system`.
    pub namespace: String,
    /// The name of every object (and the ClusterRole's, so several installations in one
    /// cluster need different names).
    pub name: String,
    /// The container image.
    pub image: String,
    /// Extra arguments of the controller.
    pub args: Vec<String>,
    /// Extra ClusterRole rules, for the kinds custom definitions deliver.
    pub extra_rules: Vec<Value>,
    /// Deliver each Application as its requesting user (`--authentication-with-user`), with the
    /// admission webhook that records the user served with these certificates (see the
    /// [module docs](self)). `None` (the default): as the controller, or the Application's
    /// service account.
    pub authenticate_users: Option<WebhookCerts>,
}

impl Default for ControllerOptions {
    fn default() -> Self {
        Self {
            namespace: crate::install::DEFINITIONS_NAMESPACE.into(),
            name: "vela-controller".into(),
            image: format!("ghcr.io/vela-rs/vela-controller:{}", env!("CARGO_PKG_VERSION")),
            args: Vec::new(),
            extra_rules: Vec::new(),
            authenticate_users: None,
        }
    }
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// Every verb a controller that applies, reads and deletes objects uses.
const MANAGE: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete"];
const READ: &[&str] = &["get", "list", "watch"];

/// The ClusterRole's rules (see the [module docs](self)).
///
/// ```
/// let rules = vela_engine::controller_install::rules(&Default::default());
/// assert!(rules.iter().all(|r| r["resources"] != serde_json::json!(["*"])), "no wildcard");
/// ```
#[must_use]
pub fn rules(options: &ControllerOptions) -> Vec<Value> {
    let mut rules = vec![
        rule(
            &["core.oam.dev"],
            &["applications"],
            &["get", "list", "watch", "update", "patch"],
        ),
        rule(
            &["core.oam.dev"],
            &["applications/status"],
            &["get", "update", "patch"],
        ),
        rule(
            &["core.oam.dev"],
            &["applicationrevisions", "resourcetrackers", "definitionrevisions"],
            MANAGE,
        ),
        rule(
            &["core.oam.dev"],
            &[
                "componentdefinitions",
                "traitdefinitions",
                "policydefinitions",
                "workflowstepdefinitions",
            ],
            READ,
        ),
        rule(
            &["core.oam.dev"],
            &[
                "componentdefinitions/status",
                "traitdefinitions/status",
                "policydefinitions/status",
                "workflowstepdefinitions/status",
            ],
            &["get", "update", "patch"],
        ),
        rule(&["core.oam.dev"], &["policies", "workflows"], READ),
        rule(&["core.oam.dev"], &["workflowruns"], &["get", "list", "watch"]),
        rule(
            &["core.oam.dev"],
            &["workflowruns/status"],
            &["get", "update", "patch"],
        ),
        rule(&[""], &["namespaces"], &["get", "list", "watch", "create"]),
        // app.oam.dev/service-account-name: deliver as the Application's service account
        rule(&[""], &["serviceaccounts"], &["impersonate"]),
        // the built-in definitions' kinds, and the workflow's context ConfigMaps
        rule(
            &[""],
            &[
                "configmaps",
                "secrets",
                "services",
                "serviceaccounts",
                "persistentvolumeclaims",
            ],
            MANAGE,
        ),
        rule(&["apps"], &["deployments", "statefulsets", "daemonsets"], MANAGE),
        rule(&["batch"], &["jobs", "cronjobs"], MANAGE),
        rule(&["networking.k8s.io"], &["ingresses"], MANAGE),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], MANAGE),
    ];
    if options.authenticate_users.is_some() {
        // --authentication-with-user: deliver as the Application's recorded user and groups
        rules.push(rule(&[""], &["users", "groups"], &["impersonate"]));
    }
    rules.extend(options.extra_rules.iter().cloned());
    rules
}

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A MutatingWebhookConfiguration named `name` that sends every `CREATE` and `UPDATE` of a
/// `core.oam.dev/v1beta1` Application to the webhook at `client_config` (a `service` or a `url`;
/// its `caBundle` is set to `ca`, PEM), refusing the request when the webhook does not answer
/// (`failurePolicy: Fail`: an unanswered request must not store an unrecorded user).
///
/// ```
/// use serde_json::json;
/// let config = vela_engine::controller_install::mutating_webhook(
///     "vela-controller",
///     json!({"url": "https://127.0.0.1:9443/mutating-core-oam-dev-v1beta1-applications"}),
///     "-----BEGIN CERTIFICATE-----\n...",
/// );
/// let hook = &config["webhooks"][0];
/// assert_eq!(hook["failurePolicy"], "Fail");
/// assert_eq!(hook["rules"][0]["operations"], json!(["CREATE", "UPDATE"]));
/// assert!(hook["clientConfig"]["caBundle"].is_string());
/// ```
#[must_use]
pub fn mutating_webhook(name: &str, client_config: Value, ca: &str) -> Value {
    let mut client_config = client_config;
    if let Some(c) = client_config.as_object_mut() {
        c.insert("caBundle".into(), Value::String(base64(ca)));
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": name},
        "webhooks": [{
            "name": "mutating.core.oam.dev.v1beta1.applications",
            "clientConfig": client_config,
            "rules": [{"apiGroups": ["core.oam.dev"], "apiVersions": ["v1beta1"],
                "operations": ["CREATE", "UPDATE"], "resources": ["applications"], "scope": "Namespaced"}],
            "failurePolicy": "Fail",
            "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            "timeoutSeconds": 10,
        }],
    })
}

/// The objects, in the order they are applied.
///
/// ```
/// use vela_engine::controller_install::{ControllerOptions, WebhookCerts, objects};
///
/// let kinds = |options: &ControllerOptions| -> Vec<String> {
///     objects(options).iter().map(|o| o["kind"].as_str().unwrap().to_owned()).collect()
/// };
/// assert_eq!(kinds(&Default::default()), ["Namespace", "ServiceAccount", "ClusterRole",
///     "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"]);
/// let certs = WebhookCerts::generate(&WebhookCerts::service_names("vela-controller", "vela-system")).unwrap();
/// let users = ControllerOptions { authenticate_users: Some(certs), ..Default::default() };
/// assert_eq!(kinds(&users), ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
///     "Role", "RoleBinding", "Secret", "Deployment", "Service", "MutatingWebhookConfiguration"]);
/// ```
#[must_use]
pub fn objects(options: &ControllerOptions) -> Vec<Value> {
    let (ns, name) = (options.namespace.as_str(), options.name.as_str());
    let labels = json!({"app.kubernetes.io/name": "vela-controller", "app.kubernetes.io/instance": name});
    let meta = |kind_name: &str| json!({"name": kind_name, "namespace": ns, "labels": labels});
    let subject = json!([{"kind": "ServiceAccount", "name": name, "namespace": ns}]);
    let mut args = vec![
        "--leader-elect".to_owned(),
        format!("--leader-election-namespace={ns}"),
        format!("--leader-election-id={name}"),
        format!("--system-definition-namespace={ns}"),
        "--metrics-addr=0.0.0.0:8080".to_owned(),
    ];
    let webhook = options.authenticate_users.as_ref();
    let tls_secret = WebhookCerts::secret_name(name);
    if webhook.is_some() {
        args.extend([
            "--authentication-with-user".to_owned(),
            "--use-webhook".to_owned(),
            format!("--webhook-port={WEBHOOK_PORT}"),
            format!("--webhook-cert-dir={WEBHOOK_CERT_DIR}"),
        ]);
    }
    args.extend(options.args.iter().cloned());
    let probe = |path: &str| json!({"httpGet": {"path": path, "port": "metrics"}, "periodSeconds": 10});
    let mut container = json!({
        "name": "controller",
        "image": options.image,
        "args": args,
        "ports": [{"name": "metrics", "containerPort": 8080}],
        "livenessProbe": probe("/healthz"),
        "readinessProbe": probe("/readyz"),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]}},
    });
    let mut pod = json!({
        "serviceAccountName": name,
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [],
    });
    let mut service_ports = vec![json!({"name": "metrics", "port": 8080, "targetPort": "metrics"})];
    if webhook.is_some() {
        if let Some(ports) = container["ports"].as_array_mut() {
            ports.push(json!({"name": "webhook", "containerPort": WEBHOOK_PORT}));
        }
        container["volumeMounts"] =
            json!([{"name": "webhook-tls", "mountPath": WEBHOOK_CERT_DIR, "readOnly": true}]);
        pod["volumes"] = json!([{"name": "webhook-tls", "secret": {"secretName": tls_secret}}]);
        service_ports.push(json!({"name": "webhook", "port": 443, "targetPort": "webhook"}));
    }
    pod["containers"] = json!([container]);
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name)}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels}, "rules": rules(options)}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": subject}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(&format!("{name}-leader")),
            "rules": [rule(&["coordination.k8s.io"], &["leases"], &["get", "list", "watch", "create", "update", "patch"])]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(&format!("{name}-leader")),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("{name}-leader")},
            "subjects": subject}),
    ];
    if let Some(certs) = webhook {
        objects.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta(&tls_secret),
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": base64(&certs.cert), "tls.key": base64(&certs.key), "ca.crt": base64(&certs.ca)}}));
    }
    objects.push(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        }}),
    );
    objects.push(
        json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(name),
        "spec": {"selector": labels, "ports": service_ports}}),
    );
    if let Some(certs) = webhook {
        let service = json!({"service": {"name": name, "namespace": ns, "path": WEBHOOK_PATH, "port": 443}});
        let mut config = mutating_webhook(name, service, &certs.ca);
        config["metadata"]["labels"] = labels.clone();
        objects.push(config);
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_name_every_object_and_the_extra_rules_are_granted() {
        let options = ControllerOptions {
            namespace: "platform".into(),
            name: "paas".into(),
            args: vec!["--concurrency=8".into()],
            extra_rules: vec![rule(&["example.com"], &["widgets"], MANAGE)],
            ..Default::default()
        };
        let objects = objects(&options);
        let deploy = &objects[6];
        assert_eq!(deploy["metadata"]["namespace"], "platform");
        let args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .unwrap();
        assert!(args.contains(&json!("--leader-election-id=paas")));
        assert!(args.contains(&json!("--system-definition-namespace=platform")));
        assert_eq!(args.last(), Some(&json!("--concurrency=8")));
        assert_eq!(
            objects[3]["subjects"][0],
            json!({"kind": "ServiceAccount", "name": "paas", "namespace": "platform"})
        );
        let cluster_rules = objects[2]["rules"].as_array().unwrap();
        assert_eq!(cluster_rules.last().unwrap()["resources"], json!(["widgets"]));
        assert!(
            cluster_rules
                .iter()
                .all(|r| r["resources"] != json!(["users", "groups"])),
            "no user impersonation without --authentication-with-user"
        );
        // leases only in its own namespace
        assert!(
            cluster_rules
                .iter()
                .all(|r| r["apiGroups"] != json!(["coordination.k8s.io"]))
        );
    }

    #[test]
    fn authenticating_users_adds_the_webhook_its_certificates_and_impersonation_of_users() {
        let certs = WebhookCerts::generate(&WebhookCerts::service_names("paas", "platform")).unwrap();
        let options = ControllerOptions {
            namespace: "platform".into(),
            name: "paas".into(),
            args: vec!["--concurrency=8".into()],
            authenticate_users: Some(certs.clone()),
            ..Default::default()
        };
        let objects = objects(&options);
        let find = |kind: &str| objects.iter().find(|o| o["kind"] == kind).unwrap();
        let rules = find("ClusterRole")["rules"].as_array().unwrap();
        assert!(rules.contains(&rule(&[""], &["users", "groups"], &["impersonate"])));
        let pod = &find("Deployment")["spec"]["template"]["spec"];
        let args = pod["containers"][0]["args"].as_array().unwrap();
        for want in [
            "--authentication-with-user",
            "--use-webhook",
            "--webhook-port=9443",
        ] {
            assert!(args.contains(&json!(want)), "{want}");
        }
        assert_eq!(
            args.last(),
            Some(&json!("--concurrency=8")),
            "the user's arguments come last"
        );
        assert_eq!(pod["volumes"][0]["secret"]["secretName"], "paas-webhook-tls");
        assert_eq!(
            pod["containers"][0]["volumeMounts"][0]["mountPath"],
            WEBHOOK_CERT_DIR
        );
        let secret = find("Secret");
        assert_eq!(secret["metadata"]["namespace"], "platform");
        assert_eq!(WebhookCerts::from_secret(secret), Some(certs.clone()));
        let hook = &find("MutatingWebhookConfiguration")["webhooks"][0];
        assert_eq!(
            hook["clientConfig"]["service"],
            json!({"name": "paas", "namespace": "platform", "path": WEBHOOK_PATH, "port": 443})
        );
        assert_eq!(hook["clientConfig"]["caBundle"], json!(base64(&certs.ca)));
        let ports = find("Service")["spec"]["ports"].as_array().unwrap();
        assert!(ports.contains(&json!({"name": "webhook", "port": 443, "targetPort": "webhook"})));
        // two generations never share a key
        let again = WebhookCerts::generate(&["x".to_owned()]).unwrap();
        assert_ne!(again.key, certs.key);
        assert!(format!("{certs:?}").contains("<redacted>"));
        assert!(!format!("{certs:?}").contains(&certs.key));
    }

    #[test]
    fn validity_days_are_real_dates() {
        let leap: jiff::Timestamp = "2024-02-29T12:00:00Z".parse().unwrap();
        assert_eq!(day(leap, 0).unwrap(), (2024, 2, 28));
        assert_eq!(day(leap, 10).unwrap(), (2034, 2, 28));
        let new_year: jiff::Timestamp = "2026-01-01T00:30:00Z".parse().unwrap();
        assert_eq!(day(new_year, 0).unwrap(), (2025, 12, 31));
    }
}
