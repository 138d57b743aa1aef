//! Placement: where a `deploy` step sends its components. The step's policies are resolved by
//! name (the application's own, else an external `Policy` object in the application's
//! namespace); topology policies become (cluster, namespace) placements over the cluster
//! registry, override policies patch the components, and replication policies clone the
//! components they select once per key, as KubeVela's `deploy` does.

use std::collections::BTreeMap;

use serde_json::Value;
use vela_model::application::{Application, Component};
use vela_model::policy::{Topology, Typed};
use vela_multicluster::{Key, Objects, registry};

use crate::{Error, Result};

/// One target of a deployment: a cluster and a namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Placement {
    /// The cluster, canonical (`local` for the hub).
    pub(crate) cluster: String,
    /// The namespace objects go to; empty: the application's.
    pub(crate) namespace: String,
}

impl Placement {
    /// The hub and the application's namespace: where components go without a topology.
    pub(crate) fn local() -> Self {
        Self {
            cluster: registry::LOCAL.to_owned(),
            namespace: String::new(),
        }
    }

    /// The cluster as [`Key::cluster`] spells it (`""` for the hub).
    pub(crate) fn key_cluster(&self) -> &str {
        if self.cluster == registry::LOCAL {
            ""
        } else {
            &self.cluster
        }
    }
}

/// A policy named by a step, resolved: its path (for errors) and typed properties.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) path: String,
    pub(crate) policy: Typed,
}

/// Resolves the policy names of a `deploy` step: the application's policies by effective
/// name (`<type>-auto-gen-<i>` when unnamed), else an external `core.oam.dev/v1alpha1 Policy`
/// in the application's namespace of the hub.
pub(crate) async fn resolve(
    hub: &dyn Objects,
    app: &Application,
    namespace: &str,
    names: &[String],
) -> Result<Vec<Resolved>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let own = app
            .spec
            .policies
            .iter()
            .enumerate()
            .find(|(i, p)| p.effective_name(*i) == *name);
        if let Some((i, p)) = own {
            let path = format!("spec.policies[{i}]");
            let policy = Typed::from_policy(p).map_err(|e| Error::Placement {
                path: format!("{path}.properties"),
                message: e.to_string(),
            })?;
            out.push(Resolved { path, policy });
            continue;
        }
        let key = Key {
            cluster: String::new(),
            api_version: "core.oam.dev/v1alpha1".into(),
            kind: "Policy".into(),
            namespace: namespace.to_owned(),
            name: name.clone(),
        };
        let Some(external) = hub.get(&key).await? else {
            return Err(Error::Placement {
                path: "properties.policies".into(),
                message: format!(
                    "policy {name:?} is neither in spec.policies nor a Policy object in namespace \
                     {namespace:?}"
                ),
            });
        };
        let path = format!("Policy {namespace}/{name}");
        let type_ = external["type"].as_str().unwrap_or_default();
        let policy = Typed::from_parts(type_, external.get("properties")).map_err(|e| Error::Placement {
            path: format!("{path}.properties"),
            message: e.to_string(),
        })?;
        out.push(Resolved { path, policy });
    }
    Ok(out)
}

/// The placements of the topology policies among `policies` (deduplicated, in order), or the
/// hub alone when there is none.
pub(crate) async fn placements(hub: &dyn Objects, policies: &[Resolved]) -> Result<Vec<Placement>> {
    let topologies: Vec<(&str, &Topology)> = policies
        .iter()
        .filter_map(|r| match &r.policy {
            Typed::Topology(t) => Some((r.path.as_str(), t)),
            _ => None,
        })
        .collect();
    if topologies.is_empty() {
        return Ok(vec![Placement::local()]);
    }
    let listing = registry::list(hub).await.map_err(|e| Error::Placement {
        path: "topology".into(),
        message: format!("the cluster registry cannot be read: {e}"),
    })?;
    let mut out: Vec<Placement> = Vec::new();
    for (path, t) in topologies {
        for p in topology(&listing.clusters, path, t)? {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// The placements of one topology policy over the registered clusters.
fn topology(clusters: &[registry::Cluster], path: &str, t: &Topology) -> Result<Vec<Placement>> {
    let at = |cluster: &str| Placement {
        cluster: registry::canonical(cluster).to_owned(),
        namespace: t.namespace.clone(),
    };
    if !t.clusters.is_empty() {
        let mut out = Vec::new();
        for (i, name) in t.clusters.iter().enumerate() {
            let name = registry::canonical(name);
            if !clusters.iter().any(|c| c.name == name) {
                return Err(Error::Placement {
                    path: format!("{path}.properties.clusters[{i}]"),
                    message: format!(
                        "cluster {name:?} is not registered (registered: {}); join it with \
                         `vela cluster join`",
                        names(clusters)
                    ),
                });
            }
            out.push(at(name));
        }
        return Ok(out);
    }
    let selector: &BTreeMap<String, String> = if t.cluster_label_selector.is_empty() {
        &t.cluster_selector
    } else {
        &t.cluster_label_selector
    };
    if selector.is_empty() {
        return Ok(vec![at(registry::LOCAL)]);
    }
    let out: Vec<Placement> = clusters
        .iter()
        .filter(|c| c.matches(selector))
        .map(|c| at(&c.name))
        .collect();
    if out.is_empty() && !t.allow_empty {
        return Err(Error::Placement {
            path: format!("{path}.properties.clusterLabelSelector"),
            message: format!(
                "no registered cluster has the labels {selector:?} (registered: {}); set \
                 allowEmpty to deploy nowhere",
                names(clusters)
            ),
        });
    }
    Ok(out)
}

fn names(clusters: &[registry::Cluster]) -> String {
    clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The components a deployment with these policies delivers: the application's, patched by
/// every override policy in order.
pub(crate) fn components(app: &Application, policies: &[Resolved]) -> Result<Vec<Component>> {
    let mut comps = app.spec.components.clone();
    for r in policies {
        if let Typed::Override(o) = &r.policy {
            let props = serde_json::to_value(o).unwrap_or(Value::Null);
            comps =
                vela_render::ops::dryrun::apply_override(&comps, &props).map_err(|e| Error::Placement {
                    path: format!("{}.properties", r.path),
                    message: e.to_string(),
                })?;
        }
    }
    Ok(comps)
}

/// One component to deliver: the component (after overrides) and the replication key it is
/// a replica for (empty when not replicated).
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub(crate) component: Component,
    pub(crate) replica_key: String,
    /// `op.#ApplyComponent`'s `patch`: `workload` unified into the rendered workload,
    /// `traits.<name>` into the object of output name `<name>`.
    pub(crate) patch: Option<serde_json::Value>,
}

impl Instance {
    /// A component that is not replicated.
    pub(crate) fn single(component: Component) -> Self {
        Self {
            component,
            replica_key: String::new(),
            patch: None,
        }
    }
}

/// The instances a deployment delivers: every component once, except those a replication
/// policy among `policies` selects, which come once per key of the policy (after the
/// components no policy selects, as KubeVela orders them).
///
/// # Errors
/// [`Error::Placement`] naming the policy field: a policy without keys, without a selector,
/// or whose selector names a component the application does not have.
pub(crate) fn replicate(comps: Vec<Component>, policies: &[Resolved]) -> Result<Vec<Instance>> {
    let mut selected: Vec<bool> = vec![false; comps.len()];
    let mut replicas = Vec::new();
    for r in policies {
        let Typed::Replication(rep) = &r.policy else {
            continue;
        };
        if rep.keys.is_empty() {
            return Err(Error::Placement {
                path: format!("{}.properties.keys", r.path),
                message: "a replication policy needs at least one key".into(),
            });
        }
        for (i, key) in rep.keys.iter().enumerate() {
            if key.is_empty() || rep.keys[..i].contains(key) {
                return Err(Error::Placement {
                    path: format!("{}.properties.keys[{i}]", r.path),
                    message: format!("replication keys must be distinct and not empty (got {key:?})"),
                });
            }
        }
        if rep.selector.is_empty() {
            return Err(Error::Placement {
                path: format!("{}.properties.selector", r.path),
                message: "no component selected to replicate: name the components to replicate".into(),
            });
        }
        for (j, name) in rep.selector.iter().enumerate() {
            let Some(i) = comps.iter().position(|c| &c.name == name) else {
                return Err(Error::Placement {
                    path: format!("{}.properties.selector[{j}]", r.path),
                    message: format!(
                        "no component {name:?} in the application (components: {})",
                        comps
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            selected[i] = true;
            for key in &rep.keys {
                replicas.push(Instance {
                    component: comps[i].clone(),
                    replica_key: key.clone(),
                    patch: None,
                });
            }
        }
    }
    let mut out: Vec<Instance> = comps
        .into_iter()
        .zip(selected)
        .filter(|(_, s)| !s)
        .map(|(c, _)| Instance::single(c))
        .collect();
    out.extend(replicas);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, labels: &[(&str, &str)]) -> registry::Cluster {
        registry::Cluster::embedded(name)
            .unwrap()
            .with_labels(labels.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect())
    }

    #[test]
    fn topology_by_name_selector_and_default() {
        let clusters = vec![
            registry::Cluster::local(),
            cluster("eu", &[("region", "eu")]),
            cluster("us", &[("region", "us")]),
        ];
        let named = Topology {
            clusters: vec!["eu".into(), "local".into()],
            namespace: "prod".into(),
            ..Topology::default()
        };
        let got = topology(&clusters, "p", &named).unwrap();
        assert_eq!(
            got.iter()
                .map(|p| (p.cluster.as_str(), p.key_cluster()))
                .collect::<Vec<_>>(),
            [("eu", "eu"), ("local", "")]
        );
        let selected = Topology {
            cluster_label_selector: BTreeMap::from([("region".into(), "us".into())]),
            ..Topology::default()
        };
        assert_eq!(topology(&clusters, "p", &selected).unwrap()[0].cluster, "us");
        assert_eq!(
            topology(&clusters, "p", &Topology::default()).unwrap(),
            [Placement::local()]
        );
    }

    #[test]
    fn unknown_clusters_and_empty_selections_are_errors() {
        let clusters = vec![registry::Cluster::local()];
        let named = Topology {
            clusters: vec!["mars".into()],
            ..Topology::default()
        };
        let e = topology(&clusters, "spec.policies[0]", &named)
            .unwrap_err()
            .to_string();
        assert!(e.contains("spec.policies[0].properties.clusters[0]"), "{e}");
        assert!(e.contains("\"mars\" is not registered"), "{e}");
        let mut selected = Topology {
            cluster_label_selector: BTreeMap::from([("region".into(), "mars".into())]),
            ..Topology::default()
        };
        assert!(topology(&clusters, "p", &selected).is_err());
        selected.allow_empty = true;
        assert!(topology(&clusters, "p", &selected).unwrap().is_empty());
    }

    fn replication(path: &str, keys: &[&str], selector: &[&str]) -> Resolved {
        Resolved {
            path: path.into(),
            policy: Typed::Replication(vela_model::policy::Replication {
                keys: keys.iter().map(|k| (*k).into()).collect(),
                selector: selector.iter().map(|k| (*k).into()).collect(),
            }),
        }
    }

    fn comps() -> Vec<Component> {
        ["web", "db", "cache"]
            .iter()
            .map(|n| Component::new(*n, "webservice", serde_json::json!({})))
            .collect()
    }

    #[test]
    fn replication_clones_the_selected_components_once_per_key() {
        let policies = [replication("spec.policies[0]", &["eu", "us"], &["web", "cache"])];
        let got: Vec<(String, String)> = replicate(comps(), &policies)
            .unwrap()
            .into_iter()
            .map(|i| (i.component.name, i.replica_key))
            .collect();
        let want = [
            ("db", ""),
            ("web", "eu"),
            ("web", "us"),
            ("cache", "eu"),
            ("cache", "us"),
        ];
        assert_eq!(got, want.map(|(n, k)| (n.to_owned(), k.to_owned())));
        // without a replication policy every component comes once, unreplicated
        assert_eq!(replicate(comps(), &[]).unwrap().len(), 3);
    }

    #[test]
    fn replication_errors_name_the_policy_field() {
        let err = |keys: &[&str], selector: &[&str]| {
            replicate(comps(), &[replication("spec.policies[2]", keys, selector)])
                .unwrap_err()
                .to_string()
        };
        let e = err(&[], &["web"]);
        assert!(
            e.contains("spec.policies[2].properties.keys: a replication policy needs at least one key"),
            "{e}"
        );
        let e = err(&["eu", "eu"], &["web"]);
        assert!(e.contains("spec.policies[2].properties.keys[1]"), "{e}");
        let e = err(&["eu"], &[]);
        assert!(
            e.contains("spec.policies[2].properties.selector: no component selected"),
            "{e}"
        );
        let e = err(&["eu"], &["web", "mars"]);
        assert!(
            e.contains("spec.policies[2].properties.selector[1]: no component \"mars\" in the application (components: web, db, cache)"),
            "{e}"
        );
    }
}
