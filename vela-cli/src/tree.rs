//! `vela status NAME --tree`: the objects an Application owns, by cluster and namespace, as
//! KubeVela draws them.
//!
//! The objects come from the application's ResourceTrackers ([`vela_engine::Engine::tracked`]);
//! each is looked up in its cluster through the Fleet. STATUS is `updated` (the current
//! generation owns it), `outdated` (only an older generation recorded it and it is not collected
//! yet), `missing` (recorded, but not in its cluster) or `unknown` (its cluster did not answer,
//! or is no longer registered; a warning on stderr says why, once per cluster). HEALTH is the component's or trait's
//! health from the application's status where the object is a component's or trait's, else `-`.

use anyhow::{Result, bail};
use serde_json::{Value, json};
use vela_engine::{Engine, Tracked};
use vela_multicluster::{Key, Objects as _};
use vela_render::vela_model::application::ComponentStatus;
use vela_render::{Registry, Renderer};

use crate::cli::ListingFormat;
use crate::cluster::HubArgs;
use crate::commands::document;
use crate::deliver::chain;

/// One object of the tree.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    cluster: String,
    namespace: String,
    api_version: String,
    kind: String,
    name: String,
    component: String,
    trait_: String,
    status: &'static str,
    health: String,
}

impl Node {
    fn resource(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// The health of a tracked object from the application's component statuses, where known.
fn health(services: &[ComponentStatus], r: &Tracked) -> String {
    let m = &r.resource;
    if m.component.is_empty() {
        return "-".into();
    }
    let same_cluster = |s: &&ComponentStatus| {
        let cluster = |c: &str| {
            if c.is_empty() {
                "local".to_owned()
            } else {
                c.to_owned()
            }
        };
        s.name == m.component && cluster(&s.cluster) == cluster(&m.cluster)
    };
    let candidates: Vec<&ComponentStatus> = services.iter().filter(same_cluster).collect();
    let Some(service) = candidates
        .iter()
        .find(|s| s.namespace == m.namespace)
        .or_else(|| candidates.first())
    else {
        return "-".into();
    };
    let word = |healthy: bool| if healthy { "healthy" } else { "unhealthy" }.to_owned();
    if m.trait_.is_empty() {
        return word(service.workload_healthy.unwrap_or(service.healthy));
    }
    match service.traits.iter().find(|t| t.type_ == m.trait_) {
        Some(t) if t.pending => "pending".into(),
        Some(t) => word(t.healthy),
        None => "-".into(),
    }
}

/// `vela status NAME --tree`.
pub fn tree(name: &str, namespace: Option<&str>, hub: &HubArgs<'_>, format: ListingFormat) -> Result<String> {
    let namespace = namespace.unwrap_or("default");
    let rt = crate::deliver::runtime()?;
    let hub = rt.block_on(hub.connect())?;
    let engine = Engine::new(Renderer::new(Registry::new()), hub.fleet.clone());
    let nodes = rt
        .block_on(async {
            let Some(app) = engine.get(namespace, name).await? else {
                return Ok(None);
            };
            let services = app.status.map(|s| s.services).unwrap_or_default();
            let mut nodes = Vec::new();
            let mut failed = std::collections::BTreeSet::new();
            for t in engine.tracked(namespace, name).await? {
                let m = &t.resource;
                let key = Key {
                    cluster: m.cluster.clone(),
                    api_version: m.api_version.clone(),
                    kind: m.kind.clone(),
                    namespace: m.namespace.clone(),
                    name: m.name.clone(),
                };
                let status = match (hub.fleet.get(&key).await, t.current) {
                    (Err(e), _) => {
                        if failed.insert(key.cluster.clone()) {
                            eprintln!(
                                "Warning: cluster {}: {}",
                                if key.cluster.is_empty() {
                                    "local"
                                } else {
                                    &key.cluster
                                },
                                chain(&e)
                            );
                        }
                        "unknown"
                    }
                    (Ok(None), _) => "missing",
                    (Ok(Some(_)), true) => "updated",
                    (Ok(Some(_)), false) => "outdated",
                };
                nodes.push(Node {
                    cluster: if m.cluster.is_empty() {
                        "local".into()
                    } else {
                        m.cluster.clone()
                    },
                    namespace: m.namespace.clone(),
                    api_version: m.api_version.clone(),
                    kind: m.kind.clone(),
                    name: m.name.clone(),
                    component: m.component.clone(),
                    trait_: m.trait_.clone(),
                    health: if status == "updated" {
                        health(&services, &t)
                    } else {
                        "-".into()
                    },
                    status,
                });
            }
            Ok::<_, vela_engine::Error>(Some(nodes))
        })
        .map_err(|e| anyhow::anyhow!(chain(&e)))?;
    let Some(mut nodes) = nodes else {
        bail!("application {namespace}/{name} not found (vela ls -A lists them)");
    };
    // clusters: local first, then by name; namespaces by name; objects in tracker order
    nodes.sort_by(|a, b| {
        let rank = |n: &Node| (n.cluster != "local", n.cluster.clone(), n.namespace.clone());
        rank(a).cmp(&rank(b))
    });
    if format == ListingFormat::Table {
        return Ok(draw(&nodes));
    }
    document(&as_document(namespace, name, &nodes), format)
}

/// The tree as `{application, namespace, clusters: [{name, namespaces: [{name, resources}]}]}`.
fn as_document(namespace: &str, name: &str, nodes: &[Node]) -> Value {
    let mut clusters: Vec<Value> = Vec::new();
    for group in groups(nodes, |n| n.cluster.clone()) {
        let namespaces: Vec<Value> = groups(group, |n| n.namespace.clone())
            .into_iter()
            .map(|ns| {
                let resources: Vec<Value> = ns
                    .iter()
                    .map(|n| {
                        json!({"apiVersion": n.api_version, "kind": n.kind, "name": n.name,
                            "component": n.component, "trait": n.trait_, "status": n.status,
                            "health": n.health})
                    })
                    .collect();
                json!({"name": ns[0].namespace, "resources": resources})
            })
            .collect();
        clusters.push(json!({"name": group[0].cluster, "namespaces": namespaces}));
    }
    json!({"application": name, "namespace": namespace, "clusters": clusters})
}

/// Consecutive runs of nodes with the same key.
fn groups(nodes: &[Node], key: impl Fn(&Node) -> String) -> Vec<&[Node]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=nodes.len() {
        if i == nodes.len() || key(&nodes[i]) != key(&nodes[start]) {
            if i > start {
                out.push(&nodes[start..i]);
            }
            start = i;
        }
    }
    out
}

/// The connector before the `index`-th of `count` children, on the child's first line.
fn branch(index: usize, count: usize) -> &'static str {
    match (index, count) {
        (_, 1) => "───",
        (0, _) => "─┬─",
        (i, n) if i + 1 == n => " └─",
        _ => " ├─",
    }
}

/// The tree as KubeVela draws it: CLUSTER ── NAMESPACE ── RESOURCE, then STATUS and HEALTH.
fn draw(nodes: &[Node]) -> String {
    let width = |f: &dyn Fn(&Node) -> String, header: &str| {
        nodes
            .iter()
            .map(|n| f(n).chars().count())
            .max()
            .unwrap_or(0)
            .max(header.len())
    };
    let wc = width(&|n| n.cluster.clone(), "CLUSTER");
    let wn = width(&|n| display_ns(&n.namespace), "NAMESPACE");
    let wr = width(&|n| n.resource(), "RESOURCE");
    let ws = width(&|n| n.status.to_owned(), "STATUS");
    let mut out = String::new();
    let mut line = |cells: [&str; 7]| {
        let l = format!(
            "{:<wc$} {} {:<wn$} {} {:<wr$}  {:<ws$}  {}",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6]
        );
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line([
        "CLUSTER",
        "   ",
        "NAMESPACE",
        "   ",
        "RESOURCE",
        "STATUS",
        "HEALTH",
    ]);
    for cluster in groups(nodes, |n| n.cluster.clone()) {
        let namespaces = groups(cluster, |n| n.namespace.clone());
        for (j, ns) in namespaces.iter().enumerate() {
            for (l, n) in ns.iter().enumerate() {
                let first_of_cluster = j == 0 && l == 0;
                let to_ns = if l == 0 {
                    branch(j, namespaces.len())
                } else if j + 1 < namespaces.len() {
                    " │ "
                } else {
                    "   "
                };
                let resource = n.resource();
                let namespace = display_ns(&n.namespace);
                line([
                    if first_of_cluster { &n.cluster } else { "" },
                    to_ns,
                    if l == 0 { &namespace } else { "" },
                    branch(l, ns.len()),
                    &resource,
                    n.status,
                    &n.health,
                ]);
            }
        }
    }
    out
}

/// A cluster-scoped object's namespace column.
fn display_ns(namespace: &str) -> String {
    if namespace.is_empty() {
        "-".into()
    } else {
        namespace.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(cluster: &str, namespace: &str, kind: &str, name: &str) -> Node {
        Node {
            cluster: cluster.into(),
            namespace: namespace.into(),
            api_version: "v1".into(),
            kind: kind.into(),
            name: name.into(),
            component: "web".into(),
            trait_: String::new(),
            status: "updated",
            health: "healthy".into(),
        }
    }

    #[test]
    fn draws_branches_per_cluster_and_namespace() {
        let nodes = [
            node("local", "default", "Deployment", "web"),
            node("local", "default", "Service", "web"),
            node("local", "default", "Ingress", "web"),
            node("local", "ops", "ConfigMap", "c"),
            node("edge", "default", "Deployment", "web"),
        ];
        assert_eq!(
            draw(&nodes),
            "CLUSTER     NAMESPACE     RESOURCE        STATUS   HEALTH\n\
             local   ─┬─ default   ─┬─ Deployment/web  updated  healthy\n\
             \x20        │             ├─ Service/web     updated  healthy\n\
             \x20        │             └─ Ingress/web     updated  healthy\n\
             \x20        └─ ops       ─── ConfigMap/c     updated  healthy\n\
             edge    ─── default   ─── Deployment/web  updated  healthy\n"
        );
    }

    #[test]
    fn groups_are_consecutive_runs() {
        let nodes = [
            node("a", "x", "K", "1"),
            node("a", "y", "K", "2"),
            node("b", "x", "K", "3"),
        ];
        let by_cluster = groups(&nodes, |n| n.cluster.clone());
        assert_eq!(by_cluster.iter().map(|g| g.len()).collect::<Vec<_>>(), [2, 1]);
        assert!(groups(&[], |n| n.cluster.clone()).is_empty());
    }
}
