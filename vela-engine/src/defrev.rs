//! DefinitionRevisions and parameter-schema ConfigMaps of the definitions stored in a hub, as
//! KubeVela's definition controllers keep them.
//!
//! For every ComponentDefinition, TraitDefinition, PolicyDefinition and WorkflowStepDefinition
//! of a namespace, [`sync`]:
//! - creates a `DefinitionRevision` `<name>-v<N>` when the definition's `spec` changed since
//!   its `status.latestRevision` (or it has none), holding a copy of the definition; with
//!   `spec.version` set, the revision is named `<name>-v<version>` and made once;
//! - labels it with the definition's labels and `componentdefinition.oam.dev/name` (or
//!   `trait.oam.dev/name`, `policydefinition.oam.dev/name`,
//!   `workflowstepdefinition.oam.dev/name`);
//! - writes the definition's `status.latestRevision` (`name`, `revision`, `revisionHash`) and
//!   `status.configMapRef`;
//! - stores the parameters' OpenAPI v3 schema (key `openapi-v3-json-schema`) in the ConfigMaps
//!   `<type>-schema-<name>` and `<type>-schema-<name>-v<N>` (`<type>`: `component`, `trait`,
//!   `policy`, `workflowstep`), when the registry knows the definition;
//! - keeps at most `limit` revisions besides the latest (KubeVela's default: 20), deleting the
//!   oldest.
//!
//! The revision hash is this crate's (a SHA-256 of the spec's JSON, 16 hex digits), not
//! KubeVela's hashstructure value: both only say whether the spec changed.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use vela_multicluster::{Key, Objects};
use vela_render::{Kind, Registry};

use crate::Result;

/// KubeVela's default number of DefinitionRevisions kept per definition.
pub const DEFAULT_LIMIT: usize = 20;

const OAM: &str = "core.oam.dev/v1beta1";

/// The definition kinds, with the label naming a revision's definition, the `definitionType`
/// and the schema ConfigMap prefix.
const KINDS: [(&str, &str, &str, &str, Kind); 4] = [
    (
        "ComponentDefinition",
        "componentdefinition.oam.dev/name",
        "Component",
        "component",
        Kind::Component,
    ),
    (
        "TraitDefinition",
        "trait.oam.dev/name",
        "Trait",
        "trait",
        Kind::Trait,
    ),
    (
        "PolicyDefinition",
        "policydefinition.oam.dev/name",
        "Policy",
        "policy",
        Kind::Policy,
    ),
    (
        "WorkflowStepDefinition",
        "workflowstepdefinition.oam.dev/name",
        "WorkflowStep",
        "workflowstep",
        Kind::WorkflowStep,
    ),
];

/// What [`sync`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The definitions looked at.
    pub definitions: usize,
    /// The DefinitionRevisions created, `Kind/name`.
    pub created: Vec<String>,
    /// The DefinitionRevisions deleted over the limit.
    pub deleted: Vec<String>,
}

/// The revision hash of a definition `spec`.
///
/// ```
/// use serde_json::json;
/// let a = vela_engine::defrev::spec_hash(&json!({"workload": {"type": "autodetects.core.oam.dev"}}));
/// assert_eq!(a.len(), 16);
/// assert_ne!(a, vela_engine::defrev::spec_hash(&json!({})));
/// ```
#[must_use]
pub fn spec_hash(spec: &Value) -> String {
    let digest = Sha256::digest(spec.to_string().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn key(kind: &str, api_version: &str, namespace: &str, name: &str) -> Key {
    Key {
        cluster: String::new(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// Brings the DefinitionRevisions, `status.latestRevision` and schema ConfigMaps of every
/// definition in `namespace` of the hub up to date (see the [module docs](self)); `registry`
/// gives the parameter schemas.
///
/// # Errors
/// [`Error::Cluster`](crate::Error::Cluster) when the hub fails (a kind it does not serve
/// holds no definitions).
pub async fn sync(hub: &dyn Objects, namespace: &str, registry: &Registry, limit: usize) -> Result<Synced> {
    let mut out = Synced::default();
    for (kind, label, def_type, word, render_kind) in KINDS {
        let defs = match hub.list("", OAM, kind, namespace, &BTreeMap::new()).await {
            Ok(list) => list,
            Err(vela_multicluster::Error::Invalid { field, .. }) if field == "kind" => continue,
            Err(e) => return Err(e.into()),
        };
        for def in defs {
            out.definitions += 1;
            let name = def["metadata"]["name"].as_str().unwrap_or_default().to_owned();
            let hash = spec_hash(&def["spec"]);
            let latest = &def["status"]["latestRevision"];
            let last_number = latest["revision"].as_i64().unwrap_or(0);
            let version = def["spec"]["version"].as_str().unwrap_or_default();
            let rev_name = if version.is_empty() {
                format!("{name}-v{}", last_number + 1)
            } else {
                format!("{name}-v{version}")
            };
            let current = if !version.is_empty() {
                match hub
                    .get(&key("DefinitionRevision", OAM, namespace, &rev_name))
                    .await?
                {
                    Some(existing) => (
                        rev_name.clone(),
                        existing["spec"]["revision"].as_i64().unwrap_or(0),
                        false,
                    ),
                    None => (rev_name.clone(), last_number + 1, true),
                }
            } else if latest["revisionHash"].as_str() == Some(hash.as_str()) {
                let n = latest["name"].as_str().unwrap_or_default().to_owned();
                (n, last_number, false)
            } else {
                (rev_name.clone(), last_number + 1, true)
            };
            let (rev_name, number, create) = current;
            if create {
                let mut labels: Map<String, Value> =
                    def["metadata"]["labels"].as_object().cloned().unwrap_or_default();
                labels.insert(label.to_owned(), Value::String(name.clone()));
                let mut copy = def.clone();
                if let Some(m) = copy["metadata"].as_object_mut() {
                    for field in [
                        "managedFields",
                        "resourceVersion",
                        "uid",
                        "generation",
                        "creationTimestamp",
                    ] {
                        m.remove(field);
                    }
                }
                let field = format!("{}{}", def_type[..1].to_lowercase(), &kind[1..]);
                let rev = json!({
                    "apiVersion": OAM, "kind": "DefinitionRevision",
                    "metadata": {"name": rev_name, "namespace": namespace, "labels": labels},
                    "spec": {"revision": number, "revisionHash": hash, "definitionType": def_type, field: copy},
                });
                hub.apply("", rev).await?;
                out.created.push(format!("{kind}/{name}: {rev_name}"));
            }
            let cm_name = format!("{word}-schema-{name}");
            if let Ok(d) = registry.get(render_kind, &name) {
                let schema = serde_json::to_string(d.schema()).unwrap_or_default();
                for cm in [cm_name.clone(), format!("{word}-schema-{rev_name}")] {
                    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": cm, "namespace": namespace},
                        "data": {"openapi-v3-json-schema": schema}});
                    crate::install::sync(hub, obj, false).await?;
                }
            }
            let want = json!({"name": rev_name, "revision": number, "revisionHash": hash});
            if def["status"]["latestRevision"] != want
                || def["status"]["configMapRef"] != Value::String(cm_name.clone())
            {
                let mut status = def["status"].as_object().cloned().unwrap_or_default();
                status.insert("latestRevision".into(), want);
                status.insert("configMapRef".into(), Value::String(cm_name));
                hub.set_status(&key(kind, OAM, namespace, &name), Value::Object(status))
                    .await?;
            }
            out.deleted
                .extend(prune(hub, namespace, label, &name, &rev_name, limit).await?);
        }
    }
    hub.flush().await?;
    Ok(out)
}

/// Deletes the oldest revisions of one definition beyond `limit` (the one in use is kept).
async fn prune(
    hub: &dyn Objects,
    namespace: &str,
    label: &str,
    name: &str,
    in_use: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let selector = BTreeMap::from([(label.to_owned(), name.to_owned())]);
    let mut revs = hub
        .list("", OAM, "DefinitionRevision", namespace, &selector)
        .await?;
    let excess = revs.len().saturating_sub(limit + 1);
    if excess == 0 {
        return Ok(Vec::new());
    }
    revs.sort_by_key(|r| r["spec"]["revision"].as_i64().unwrap_or(0));
    let mut deleted = Vec::new();
    for r in revs {
        if deleted.len() == excess {
            break;
        }
        let rev_name = r["metadata"]["name"].as_str().unwrap_or_default();
        if rev_name == in_use {
            continue;
        }
        hub.delete(&key("DefinitionRevision", OAM, namespace, rev_name))
            .await?;
        deleted.push(rev_name.to_owned());
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vela_multicluster::Memory;

    fn trait_def(template: &str) -> Value {
        json!({"apiVersion": OAM, "kind": "TraitDefinition",
            "metadata": {"name": "tag", "namespace": "vela-system", "labels": {"team": "a"}},
            "spec": {"schematic": {"cue": {"template": template}}}})
    }

    async fn revisions(hub: &Memory) -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = hub
            .list("", OAM, "DefinitionRevision", "vela-system", &BTreeMap::new())
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["metadata"]["name"].as_str().unwrap().to_owned(),
                    r["spec"]["revision"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort_by_key(|(_, n)| *n);
        v
    }

    #[tokio::test]
    async fn a_changed_spec_makes_the_next_revision_and_old_ones_are_pruned() {
        let hub = Memory::new();
        let registry = Registry::new();
        hub.apply("", trait_def("patch: {}\nparameter: {}\n"))
            .await
            .unwrap();
        let first = sync(&hub, "vela-system", &registry, 2).await.unwrap();
        assert_eq!(first.created, ["TraitDefinition/tag: tag-v1"]);
        // nothing changed: nothing made
        assert_eq!(
            sync(&hub, "vela-system", &registry, 2).await.unwrap().created,
            Vec::<String>::new()
        );
        let stored = hub
            .get(&key("TraitDefinition", OAM, "vela-system", "tag"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored["status"]["latestRevision"]["name"], "tag-v1");
        assert_eq!(stored["status"]["configMapRef"], "trait-schema-tag");
        let rev = hub
            .get(&key("DefinitionRevision", OAM, "vela-system", "tag-v1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rev["metadata"]["labels"]["trait.oam.dev/name"], "tag");
        assert_eq!(rev["metadata"]["labels"]["team"], "a");
        assert_eq!(rev["spec"]["definitionType"], "Trait");
        assert_eq!(
            rev["spec"]["traitDefinition"]["spec"]["schematic"]["cue"]["template"],
            "patch: {}\nparameter: {}\n"
        );
        for i in 2..=5 {
            hub.apply(
                "",
                trait_def(&format!("patch: {{}}\nparameter: {{n: *{i} | int}}\n")),
            )
            .await
            .unwrap();
            let s = sync(&hub, "vela-system", &registry, 2).await.unwrap();
            assert_eq!(s.created, [format!("TraitDefinition/tag: tag-v{i}")]);
        }
        // limit 2 besides the latest: v3, v4, v5 kept
        assert_eq!(
            revisions(&hub).await,
            [
                ("tag-v3".to_owned(), 3),
                ("tag-v4".to_owned(), 4),
                ("tag-v5".to_owned(), 5)
            ]
        );
    }

    #[tokio::test]
    async fn a_versioned_definition_makes_its_named_revision_once_and_schemas_are_stored() {
        let hub = Memory::new();
        let mut registry = Registry::new();
        let def = json!({"apiVersion": OAM, "kind": "ComponentDefinition",
            "metadata": {"name": "note", "namespace": "vela-system"},
            "spec": {"version": "1.2.0", "schematic": {"cue": {"template":
                "output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: t: parameter.text}\nparameter: text: string\n"}}}});
        hub.apply("", def.clone()).await.unwrap();
        crate::definitions::stored(&hub, "vela-system")
            .await
            .unwrap()
            .add_to(&mut registry);
        let s = sync(&hub, "vela-system", &registry, DEFAULT_LIMIT).await.unwrap();
        assert_eq!(s.created, ["ComponentDefinition/note: note-v1.2.0"]);
        assert!(
            sync(&hub, "vela-system", &registry, DEFAULT_LIMIT)
                .await
                .unwrap()
                .created
                .is_empty()
        );
        for cm in ["component-schema-note", "component-schema-note-v1.2.0"] {
            let found = hub
                .get(&key("ConfigMap", "v1", "vela-system", cm))
                .await
                .unwrap()
                .expect(cm);
            let schema: Value =
                serde_json::from_str(found["data"]["openapi-v3-json-schema"].as_str().unwrap()).unwrap();
            assert_eq!(schema["required"], json!(["text"]), "{cm}: {schema}");
        }
    }
}
