//! Scenarios on what apply, get and list return: server-set metadata, merging by field
//! manager, label selectors, scopes, conflicts and invalid input.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Ctx, Outcome, config_map, ensure, meta};
use crate::Error;

/// A Deployment the API server accepts (selector, template, one container).
pub(super) fn deployment(name: &str, namespace: &str, replicas: u32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "registry.example/app:1"}]}}}})
}

pub(super) async fn apply_sets_server_metadata(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let stored = ctx
        .apply(config_map("settings", &ns, json!({"mode": "fast"})))
        .await?;
    ensure!(
        stored["data"] == json!({"mode": "fast"}),
        "data: {}",
        stored["data"]
    );
    ensure!(
        meta(&stored, "namespace") == ns,
        "metadata.namespace: {}",
        stored["metadata"]
    );
    ensure!(
        meta(&stored, "uid").len() == 36,
        "metadata.uid: {}",
        stored["metadata"]["uid"]
    );
    ensure!(
        !meta(&stored, "resourceVersion").is_empty(),
        "metadata.resourceVersion: {}",
        stored["metadata"]["resourceVersion"]
    );
    let created = meta(&stored, "creationTimestamp");
    ensure!(
        created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "metadata.creationTimestamp: {created:?} (expected RFC 3339 in seconds, UTC)"
    );
    ensure!(
        stored["metadata"].get("generation").is_none(),
        "a ConfigMap has no metadata.generation: {}",
        stored["metadata"]
    );
    let read = ctx
        .get(&ctx.key("v1", "ConfigMap", &ns, "settings"))
        .await?
        .ok_or("get after apply: None")?;
    ensure!(read["data"] == stored["data"], "get: data {}", read["data"]);
    for field in ["uid", "resourceVersion", "creationTimestamp"] {
        ensure!(
            meta(&read, field) == meta(&stored, field),
            "get: metadata.{field} {} (apply returned {})",
            meta(&read, field),
            meta(&stored, field)
        );
    }
    Ok(())
}

pub(super) async fn noop_apply_keeps_resource_version(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let cm = config_map("c", &ns, json!({"k": "1"}));
    let first = ctx.apply(cm.clone()).await?;
    let again = ctx.apply(cm).await?;
    ensure!(
        meta(&again, "resourceVersion") == meta(&first, "resourceVersion"),
        "a no-op apply changed resourceVersion {} -> {}",
        meta(&first, "resourceVersion"),
        meta(&again, "resourceVersion")
    );
    let changed = ctx.apply(config_map("c", &ns, json!({"k": "2"}))).await?;
    ensure!(
        meta(&changed, "resourceVersion") != meta(&first, "resourceVersion"),
        "a change kept resourceVersion {}",
        meta(&first, "resourceVersion")
    );
    for field in ["uid", "creationTimestamp"] {
        ensure!(
            meta(&changed, field) == meta(&first, field),
            "a change altered metadata.{field}: {} -> {}",
            meta(&first, field),
            meta(&changed, field)
        );
    }
    Ok(())
}

pub(super) async fn generation_counts_spec_changes(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let first = ctx.apply(deployment("web", &ns, 1)).await?;
    ensure!(
        first["metadata"]["generation"] == 1,
        "generation at creation: {}",
        first["metadata"]["generation"]
    );
    let mut labelled = deployment("web", &ns, 1);
    labelled["metadata"]["labels"] = json!({"tier": "front"});
    let labelled = ctx.apply(labelled).await?;
    ensure!(
        labelled["metadata"]["generation"] == 1,
        "a label change moved generation to {}",
        labelled["metadata"]["generation"]
    );
    ensure!(
        labelled["metadata"]["labels"]["tier"] == "front",
        "labels: {}",
        labelled["metadata"]["labels"]
    );
    let mut scaled = deployment("web", &ns, 3);
    scaled["metadata"]["labels"] = json!({"tier": "front"});
    let scaled = ctx.apply(scaled).await?;
    ensure!(
        scaled["metadata"]["generation"] == 2,
        "a spec change gave generation {} (expected 2)",
        scaled["metadata"]["generation"]
    );
    ensure!(
        scaled["spec"]["replicas"] == 3,
        "spec.replicas: {}",
        scaled["spec"]["replicas"]
    );
    Ok(())
}

pub(super) async fn apply_merges_by_field_manager(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    ctx.apply(config_map("c", &ns, json!({"a": "1", "b": "2"})))
        .await?;
    ctx.other()
        .apply(ctx.cluster(), config_map("c", &ns, json!({"edited": "by hand"})))
        .await
        .map_err(|e| format!("apply as the other manager: {}", super::chain(&e)))?;
    let after = ctx.apply(config_map("c", &ns, json!({"a": "1"}))).await?;
    ensure!(
        after["data"] == json!({"a": "1", "edited": "by hand"}),
        "data after the second apply: {} (expected b removed, the other manager's field kept)",
        after["data"]
    );
    // a field both managers set stays while one of them still sets it
    ctx.other()
        .apply(
            ctx.cluster(),
            config_map("c", &ns, json!({"edited": "by hand", "a": "1"})),
        )
        .await
        .map_err(|e| format!("apply as the other manager: {}", super::chain(&e)))?;
    let dropped = ctx.apply(config_map("c", &ns, json!({}))).await?;
    ensure!(
        dropped["data"] == json!({"a": "1", "edited": "by hand"}),
        "data after dropping a shared field: {} (expected it kept)",
        dropped["data"]
    );
    Ok(())
}

pub(super) async fn get_of_a_missing_object_is_none(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let missing = ctx.get(&ctx.key("v1", "ConfigMap", &ns, "absent")).await?;
    ensure!(missing.is_none(), "get of a missing ConfigMap: {missing:?}");
    let nowhere = ctx.name("nowhere");
    let missing = ctx.get(&ctx.key("v1", "ConfigMap", &nowhere, "absent")).await?;
    ensure!(missing.is_none(), "get in a missing namespace: {missing:?}");
    let missing = ctx
        .get(&ctx.key("rbac.authorization.k8s.io/v1", "ClusterRole", "", &nowhere))
        .await?;
    ensure!(missing.is_none(), "get of a missing ClusterRole: {missing:?}");
    Ok(())
}

/// `namespace/name` of the ConfigMaps in `namespace` (`""` = all) matching `labels`, sorted.
async fn names(ctx: &Ctx<'_>, namespace: &str, labels: &[(&str, &str)]) -> Result<Vec<String>, String> {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let found = ctx
        .objects()
        .list(ctx.cluster(), "v1", "ConfigMap", namespace, &labels)
        .await
        .map_err(|e| format!("list {labels:?} in {namespace:?}: {}", super::chain(&e)))?;
    let mut names: Vec<String> = found
        .iter()
        .map(|o| format!("{}/{}", meta(o, "namespace"), meta(o, "name")))
        .collect();
    names.sort();
    Ok(names)
}

pub(super) async fn list_by_labels(ctx: &Ctx<'_>) -> Outcome {
    let one = ctx.namespace("one").await?;
    let two = ctx.namespace("two").await?;
    let app = ctx.name("app");
    let other = ctx.name("other");
    for (name, ns, labels) in [
        ("web", &one, json!({"app": app, "tier": "web"})),
        ("db", &one, json!({"app": app, "tier": "db"})),
        ("else", &one, json!({"app": other})),
        ("web", &two, json!({"app": app, "tier": "web"})),
    ] {
        let mut cm = config_map(name, ns, json!({}));
        cm["metadata"]["labels"] = labels;
        ctx.apply(cm).await?;
    }
    let in_one = names(ctx, &one, &[("app", &app)]).await?;
    ensure!(
        in_one == [format!("{one}/db"), format!("{one}/web")],
        "app={app} in {one}: {in_one:?}"
    );
    let both = names(ctx, &one, &[("app", &app), ("tier", "db")]).await?;
    ensure!(
        both == [format!("{one}/db")],
        "app={app},tier=db in {one}: {both:?}"
    );
    let everywhere = names(ctx, "", &[("app", &app), ("tier", "web")]).await?;
    ensure!(
        everywhere == [format!("{one}/web"), format!("{two}/web")],
        "app={app},tier=web in all namespaces: {everywhere:?}"
    );
    let none = names(ctx, &two, &[("app", &other)]).await?;
    ensure!(none.is_empty(), "app={other} in {two}: {none:?}");
    Ok(())
}

pub(super) async fn cluster_scoped_kinds_ignore_namespace(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let name = ctx.name("reader");
    let label = ctx.name("role");
    let role = ctx
        .apply(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": name, "namespace": ns, "labels": {"suite": label}},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}),
        )
        .await?;
    ensure!(
        role["metadata"].get("namespace").is_none(),
        "a ClusterRole kept metadata.namespace: {}",
        role["metadata"]
    );
    for namespace in ["", ns.as_str(), "anything"] {
        let key = ctx.key("rbac.authorization.k8s.io/v1", "ClusterRole", namespace, &name);
        ensure!(
            ctx.get(&key).await?.is_some(),
            "get of the ClusterRole with namespace {namespace:?}: None"
        );
    }
    let labels = BTreeMap::from([("suite".to_owned(), label.clone())]);
    for namespace in ["", ns.as_str()] {
        let found = ctx
            .objects()
            .list(
                ctx.cluster(),
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                namespace,
                &labels,
            )
            .await
            .map_err(|e| format!("list ClusterRoles: {}", super::chain(&e)))?;
        ensure!(
            found.len() == 1 && meta(&found[0], "name") == name,
            "ClusterRoles labelled suite={label}, listed in namespace {namespace:?}: {} found",
            found.len()
        );
    }
    let namespace = ctx.get(&ctx.key("v1", "Namespace", "default", &ns)).await?;
    ensure!(
        namespace.is_some(),
        "get of Namespace {ns} with a namespace in the key: None"
    );
    Ok(())
}

pub(super) async fn stale_resource_version_conflicts(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let first = ctx.apply(config_map("c", &ns, json!({"k": "1"}))).await?;
    ctx.apply(config_map("c", &ns, json!({"k": "2"}))).await?;
    let mut stale = config_map("c", &ns, json!({"k": "3"}));
    stale["metadata"]["resourceVersion"] = first["metadata"]["resourceVersion"].clone();
    match ctx.objects().apply(ctx.cluster(), stale).await {
        Err(Error::Conflict { name, .. }) if name == "c" => {}
        other => {
            return Err(format!(
                "apply with a stale resourceVersion: {other:?} (expected Conflict)"
            ));
        }
    }
    let now = ctx
        .get(&ctx.key("v1", "ConfigMap", &ns, "c"))
        .await?
        .ok_or("the ConfigMap is gone")?;
    ensure!(
        now["data"]["k"] == "2",
        "the refused apply changed data: {}",
        now["data"]
    );
    // the current resourceVersion is accepted
    let mut current = config_map("c", &ns, json!({"k": "4"}));
    current["metadata"]["resourceVersion"] = now["metadata"]["resourceVersion"].clone();
    let written = ctx.apply(current).await?;
    ensure!(
        written["data"]["k"] == "4",
        "apply with the current resourceVersion: {}",
        written["data"]
    );
    Ok(())
}

pub(super) async fn uid_precondition(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let key = ctx.key("v1", "ConfigMap", &ns, "u");
    let with_uid = |uid: &str, k: &str| {
        let mut cm = config_map("u", &ns, json!({"k": k}));
        cm["metadata"]["uid"] = json!(uid);
        cm
    };
    let unknown = "00000000-0000-4000-8000-000000000000";
    match ctx.objects().apply(ctx.cluster(), with_uid(unknown, "1")).await {
        Err(Error::Conflict { name, .. }) if name == "u" => {}
        other => {
            return Err(format!(
                "apply naming a uid nothing has: {other:?} (expected Conflict)"
            ));
        }
    }
    ensure!(
        ctx.get(&key).await?.is_none(),
        "an apply naming a uid created the object"
    );
    let created = ctx.apply(config_map("u", &ns, json!({"k": "2"}))).await?;
    let uid = meta(&created, "uid").to_owned();
    ensure!(!uid.is_empty(), "no uid on the created object");
    match ctx.objects().apply(ctx.cluster(), with_uid(unknown, "3")).await {
        Err(Error::Invalid { field, .. }) if field == "metadata.uid" => {}
        other => {
            return Err(format!(
                "apply naming another uid: {other:?} (expected Invalid metadata.uid)"
            ));
        }
    }
    let written = ctx.apply(with_uid(&uid, "4")).await?;
    ensure!(
        written["data"]["k"] == "4",
        "apply naming the object's uid: {}",
        written["data"]
    );
    Ok(())
}

pub(super) async fn invalid_objects_name_the_field(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let cases = [
        (
            json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": ns}}),
            "apiVersion",
        ),
        (
            json!({"apiVersion": "v1", "metadata": {"name": "a", "namespace": ns}}),
            "kind",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": ns}}),
            "metadata.name",
        ),
        (
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "", "namespace": ns}}),
            "metadata.name",
        ),
        (json!("not an object"), "value"),
        (
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            "metadata.namespace",
        ),
    ];
    for (obj, field) in cases {
        match ctx.objects().apply(ctx.cluster(), obj.clone()).await {
            Err(Error::Invalid { field: f, .. }) if f == field => {}
            other => {
                return Err(format!(
                    "apply {obj}: {other:?} (expected Invalid naming {field})"
                ));
            }
        }
    }
    Ok(())
}

pub(super) async fn missing_namespace_is_not_found(ctx: &Ctx<'_>) -> Outcome {
    let nowhere = ctx.name("nowhere");
    match ctx
        .objects()
        .apply(ctx.cluster(), config_map("c", &nowhere, json!({})))
        .await
    {
        Err(e @ Error::NotFound { .. }) => {
            ensure!(
                e.to_string().contains(&nowhere),
                "the error does not name the namespace: {e}"
            );
        }
        other => {
            return Err(format!(
                "apply into namespace {nowhere}: {other:?} (expected NotFound)"
            ));
        }
    }
    Ok(())
}
