//! What the embedded cluster knows of a kind: whether it is cluster-scoped (Kubernetes'
//! built-in cluster-scoped kinds, and the kinds of the CustomResourceDefinitions applied to it,
//! `spec.scope`), whether its objects have a `metadata.generation`, and whether their status is
//! written only through the status subresource.

use serde_json::Value;

/// Kubernetes' built-in cluster-scoped kinds (by group and kind).
const BUILT_IN: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    // KubeVela's own cluster-scoped kind
    ("core.oam.dev", "ResourceTracker"),
];

/// The group of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> the core group `""`).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(group, _)| group)
}

/// Whether a built-in kind is cluster-scoped.
pub(crate) fn built_in_cluster_scoped(api_version: &str, kind: &str) -> bool {
    let group = group_of(api_version);
    BUILT_IN.iter().any(|(g, k)| *g == group && *k == kind)
}

/// Built-in groups whose kinds have no `metadata.generation` (as a kube-apiserver 1.37 reports,
/// probed kind by kind); in the core group only Pods and ReplicationControllers have one.
const WITHOUT_GENERATION: &[&str] = &[
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "events.k8s.io",
];

/// Whether a group is Kubernetes' own (the core group, a group without a dot such as `apps`,
/// or one under `k8s.io`), not one a CustomResourceDefinition defines.
pub(crate) fn built_in_group(group: &str) -> bool {
    !group.contains('.') || group.ends_with(".k8s.io")
}

/// What the store knows of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KindInfo {
    /// Objects have no namespace.
    pub(crate) cluster_scoped: bool,
    /// Objects have a `metadata.generation` that counts changes of their desired state.
    pub(crate) generation: bool,
    /// The status is written only through the status subresource: apply leaves it alone and
    /// a status write is no spec change.
    pub(crate) status_subresource: bool,
}

/// What a kind is, given the CustomResourceDefinition that defines it (if any). Custom kinds
/// without a definition behave like custom resources with a status subresource.
pub(crate) fn kind_info(api_version: &str, kind: &str, crd: Option<&Value>) -> KindInfo {
    let group = group_of(api_version);
    let cluster_scoped = built_in_cluster_scoped(api_version, kind);
    if built_in_group(group) {
        let generation = if group.is_empty() {
            matches!(kind, "Pod" | "ReplicationController")
        } else {
            !WITHOUT_GENERATION.contains(&group) && (group != "apps" || kind != "ControllerRevision")
        };
        return KindInfo {
            cluster_scoped,
            generation,
            status_subresource: true,
        };
    }
    let Some(crd) = crd else {
        return KindInfo {
            cluster_scoped,
            generation: true,
            status_subresource: true,
        };
    };
    let version = api_version.rsplit_once('/').map_or(api_version, |(_, v)| v);
    let versions = crd["spec"]["versions"].as_array().cloned().unwrap_or_default();
    let served = versions
        .iter()
        .find(|v| v["name"] == version)
        .or_else(|| versions.first());
    KindInfo {
        cluster_scoped: cluster_scoped || crd["spec"]["scope"] == "Cluster",
        generation: true,
        status_subresource: served.is_some_and(|v| v["subresources"].get("status").is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_and_named_groups() {
        assert!(built_in_cluster_scoped("v1", "Namespace"));
        assert!(built_in_cluster_scoped(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        ));
        assert!(!built_in_cluster_scoped("apps/v1", "Deployment"));
        assert!(!built_in_cluster_scoped("v1", "ConfigMap"));
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
    }

    #[test]
    fn generation_as_the_api_server_keeps_it() {
        let info = |api_version, kind| kind_info(api_version, kind, None);
        assert!(!info("v1", "ConfigMap").generation);
        assert!(!info("v1", "Namespace").generation);
        assert!(info("v1", "Pod").generation);
        assert!(info("apps/v1", "Deployment").generation);
        assert!(!info("apps/v1", "ControllerRevision").generation);
        assert!(!info("rbac.authorization.k8s.io/v1", "ClusterRole").generation);
        assert!(info("networking.k8s.io/v1", "Ingress").generation);
        assert!(info("core.oam.dev/v1beta1", "Application").generation);
        assert!(info("core.oam.dev/v1beta1", "Application").status_subresource);
        assert!(info("core.oam.dev/v1beta1", "ResourceTracker").cluster_scoped);
    }

    #[test]
    fn a_definition_gives_scope_and_status_subresource() {
        let crd = serde_json::json!({"spec": {"scope": "Cluster", "versions": [
            {"name": "v1", "subresources": {"status": {}}}, {"name": "v2"}]}});
        let v1 = kind_info("example.com/v1", "Widget", Some(&crd));
        assert!(v1.cluster_scoped && v1.generation && v1.status_subresource);
        assert!(!kind_info("example.com/v2", "Widget", Some(&crd)).status_subresource);
    }
}
