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
//! - a Service in front of `/metrics`.

use serde_json::{Value, json};

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
}

impl Default for ControllerOptions {
    fn default() -> Self {
        Self {
            namespace: crate::install::DEFINITIONS_NAMESPACE.into(),
            name: "vela-controller".into(),
            image: format!("ghcr.io/vela-rs/vela-controller:{}", env!("CARGO_PKG_VERSION")),
            args: Vec::new(),
            extra_rules: Vec::new(),
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
    rules.extend(options.extra_rules.iter().cloned());
    rules
}

/// The objects, in the order they are applied.
///
/// ```
/// let objects = vela_engine::controller_install::objects(&Default::default());
/// let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
/// assert_eq!(kinds, ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
///     "RoleBinding", "Deployment", "Service"]);
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
    args.extend(options.args.iter().cloned());
    let probe = |path: &str| json!({"httpGet": {"path": path, "port": "metrics"}, "periodSeconds": 10});
    vec![
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
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {
                "serviceAccountName": name,
                "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "controller",
                    "image": options.image,
                    "args": args,
                    "ports": [{"name": "metrics", "containerPort": 8080}],
                    "livenessProbe": probe("/healthz"),
                    "readinessProbe": probe("/readyz"),
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "1Gi"}},
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                        "capabilities": {"drop": ["ALL"]}},
                }],
            }},
        }}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(name),
            "spec": {"selector": labels, "ports": [{"name": "metrics", "port": 8080, "targetPort": "metrics"}]}}),
    ]
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
        // leases only in its own namespace
        assert!(
            cluster_rules
                .iter()
                .all(|r| r["apiGroups"] != json!(["coordination.k8s.io"]))
        );
    }
}
