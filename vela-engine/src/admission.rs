//! Admission of the objects an Application delivers, as KubeVela's resource keeper admits them
//! (`--allow-cross-namespace-resource`, `--allow-resource-types`): checked before every apply,
//! so a refused object is never written and the step fails naming it.
//!
//! - **Cross-namespace**: when not allowed, an object must go to the Application's own
//!   namespace; a cluster-scoped object (a Namespace, a ClusterRole) is outside every
//!   namespace and is refused too. KubeVela allows both by default, and so does
//!   [`Admission::default`]; `vela-controller` refuses them by default.
//! - **Resource types**: KubeVela's syntax, `whitelist:Deployment.v1.apps,ConfigMap.v1` (only
//!   these) or `blacklist:Secret.v1` (all but these); a type is `Kind.version`, then `.group`
//!   for a named group.

use std::collections::BTreeSet;

use vela_multicluster::Key;

/// What may be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    cross_namespace: bool,
    types: Types,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Types {
    #[default]
    Any,
    Only(BTreeSet<String>),
    Except(BTreeSet<String>),
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            cross_namespace: true,
            types: Types::Any,
        }
    }
}

/// A `--allow-resource-types` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "resource types {0:?}: expected `whitelist:` or `blacklist:` and a comma-separated list of \
     Kind.version[.group] (e.g. whitelist:Deployment.v1.apps,ConfigMap.v1)"
)]
pub struct InvalidTypes(pub String);

/// Why an object was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    OtherNamespace,
    ClusterScoped,
    Type(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::OtherNamespace => f.write_str(
                "it is outside the application's namespace and cross-namespace resources are not allowed",
            ),
            Refusal::ClusterScoped => f.write_str(
                "it is cluster-scoped and resources outside the application's namespace are not allowed",
            ),
            Refusal::Type(t) => write!(f, "its type {t} is not allowed"),
        }
    }
}

impl Admission {
    /// Everything admitted (KubeVela's defaults).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether objects may go outside the Application's namespace (and be cluster-scoped).
    ///
    /// ```
    /// let strict = vela_engine::admission::Admission::new().with_cross_namespace(false);
    /// assert!(!strict.cross_namespace());
    /// ```
    #[must_use]
    pub fn with_cross_namespace(mut self, allowed: bool) -> Self {
        self.cross_namespace = allowed;
        self
    }

    /// Whether objects may go outside the Application's namespace.
    #[must_use]
    pub fn cross_namespace(&self) -> bool {
        self.cross_namespace
    }

    /// Restricts the resource types with KubeVela's `--allow-resource-types` syntax (empty:
    /// every type).
    ///
    /// ```
    /// use vela_engine::admission::Admission;
    /// let a = Admission::new().with_resource_types("whitelist:Deployment.v1.apps,Service.v1").unwrap();
    /// assert!(a.allows_type("apps/v1", "Deployment"));
    /// assert!(!a.allows_type("v1", "Secret"));
    /// assert!(Admission::new().with_resource_types("Deployment.v1.apps").is_err());
    /// ```
    ///
    /// # Errors
    /// [`InvalidTypes`] for a value without the `whitelist:` or `blacklist:` prefix, or with an
    /// empty entry.
    pub fn with_resource_types(mut self, spec: &str) -> Result<Self, InvalidTypes> {
        let spec = spec.trim();
        if spec.is_empty() {
            self.types = Types::Any;
            return Ok(self);
        }
        let invalid = || InvalidTypes(spec.to_owned());
        let (only, list) = if let Some(list) = spec.strip_prefix("whitelist:") {
            (true, list)
        } else if let Some(list) = spec.strip_prefix("blacklist:") {
            (false, list)
        } else {
            return Err(invalid());
        };
        let set: BTreeSet<String> = list.split(',').map(|t| t.trim().to_owned()).collect();
        if set.iter().any(|t| t.is_empty() || t.split('.').count() < 2) {
            return Err(invalid());
        }
        self.types = if only {
            Types::Only(set)
        } else {
            Types::Except(set)
        };
        Ok(self)
    }

    /// The type of a kind as the allow-list spells it: `Kind.version`, then `.group`.
    ///
    /// ```
    /// use vela_engine::admission::Admission;
    /// assert_eq!(Admission::resource_type("apps/v1", "Deployment"), "Deployment.v1.apps");
    /// assert_eq!(Admission::resource_type("v1", "ConfigMap"), "ConfigMap.v1");
    /// ```
    #[must_use]
    pub fn resource_type(api_version: &str, kind: &str) -> String {
        match api_version.split_once('/') {
            Some((group, version)) => format!("{kind}.{version}.{group}"),
            None => format!("{kind}.{api_version}"),
        }
    }

    /// Whether objects of this kind may be delivered.
    #[must_use]
    pub fn allows_type(&self, api_version: &str, kind: &str) -> bool {
        match &self.types {
            Types::Any => true,
            Types::Only(set) => set.contains(&Self::resource_type(api_version, kind)),
            Types::Except(set) => !set.contains(&Self::resource_type(api_version, kind)),
        }
    }

    /// Whether checking an object needs to know if its kind is namespaced.
    pub(crate) fn needs_scope(&self) -> bool {
        !self.cross_namespace
    }

    /// Checks one object bound for `key` (its namespace already defaulted) of an Application in
    /// `app_namespace`; `namespaced` is what the cluster says of the kind (`None`: unknown).
    pub(crate) fn check(
        &self,
        app_namespace: &str,
        key: &Key,
        namespaced: Option<bool>,
    ) -> Result<(), Refusal> {
        if !self.allows_type(&key.api_version, &key.kind) {
            return Err(Refusal::Type(Self::resource_type(&key.api_version, &key.kind)));
        }
        if !self.cross_namespace {
            if namespaced == Some(false) {
                return Err(Refusal::ClusterScoped);
            }
            if key.namespace != app_namespace {
                return Err(Refusal::OtherNamespace);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(api_version: &str, kind: &str, namespace: &str) -> Key {
        Key {
            cluster: String::new(),
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: "x".into(),
        }
    }

    #[test]
    fn the_defaults_admit_everything() {
        let a = Admission::default();
        assert_eq!(
            a.check("team", &key("v1", "Namespace", "team"), Some(false)),
            Ok(())
        );
        assert_eq!(
            a.check("team", &key("v1", "ConfigMap", "other"), Some(true)),
            Ok(())
        );
        assert!(!a.needs_scope());
    }

    #[test]
    fn without_cross_namespace_only_the_apps_namespace_is_admitted() {
        let a = Admission::new().with_cross_namespace(false);
        assert!(a.needs_scope());
        assert_eq!(
            a.check("team", &key("v1", "ConfigMap", "team"), Some(true)),
            Ok(())
        );
        assert_eq!(a.check("team", &key("v1", "ConfigMap", "team"), None), Ok(()));
        assert_eq!(
            a.check("team", &key("v1", "ConfigMap", "kube-system"), Some(true)),
            Err(Refusal::OtherNamespace)
        );
        // the engine gives every object the placement's namespace, so scope decides
        assert_eq!(
            a.check(
                "team",
                &key("rbac.authorization.k8s.io/v1", "ClusterRole", "team"),
                Some(false)
            ),
            Err(Refusal::ClusterScoped)
        );
    }

    #[test]
    fn resource_types_follow_kubevelas_lists() {
        let only = Admission::new()
            .with_resource_types("whitelist:ConfigMap.v1,Deployment.v1.apps")
            .unwrap();
        assert_eq!(only.check("d", &key("v1", "ConfigMap", "d"), None), Ok(()));
        assert_eq!(
            only.check("d", &key("v1", "Secret", "d"), None),
            Err(Refusal::Type("Secret.v1".into()))
        );
        let except = Admission::new()
            .with_resource_types("blacklist:Secret.v1")
            .unwrap();
        assert!(except.allows_type("apps/v1", "Deployment"));
        assert!(!except.allows_type("v1", "Secret"));
        assert_eq!(
            Refusal::Type("Secret.v1".into()).to_string(),
            "its type Secret.v1 is not allowed"
        );
        for bad in ["Secret.v1", "whitelist:", "whitelist:a,,b", "blacklist:Secret"] {
            assert_eq!(
                Admission::new().with_resource_types(bad).unwrap_err(),
                InvalidTypes(bad.into())
            );
        }
        assert_eq!(
            Admission::new().with_resource_types("  ").unwrap(),
            Admission::new()
        );
    }
}
