//! Which kinds are cluster-scoped in the embedded cluster: Kubernetes' built-in cluster-scoped
//! kinds, and the kinds of the CustomResourceDefinitions applied to it (`spec.scope`).

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
}
