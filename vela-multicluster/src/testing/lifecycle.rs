//! Scenarios on how objects go and what controllers write: delete, finalizers, owners and
//! propagation policies, namespaces, the status subresource.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Ctx, Outcome, config_map, delete, ensure, meta};
use crate::{Key, Propagation};

pub(super) async fn delete_reports_whether_it_existed(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    ctx.apply(config_map("c", &ns, json!({}))).await?;
    let key = ctx.key("v1", "ConfigMap", &ns, "c");
    ensure!(
        delete(ctx, &key, Propagation::Background).await?,
        "delete of an existing object: false"
    );
    ensure!(
        ctx.get(&key).await?.is_none(),
        "the deleted object is still there"
    );
    ensure!(
        !delete(ctx, &key, Propagation::Background).await?,
        "a second delete: true"
    );
    let missing = ctx.key("v1", "ConfigMap", &ctx.name("nowhere"), "c");
    ensure!(
        !delete(ctx, &missing, Propagation::Background).await?,
        "delete in a missing namespace: true"
    );
    Ok(())
}

pub(super) async fn finalizers_hold_deletion(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let mut held = config_map("c", &ns, json!({"k": "1"}));
    held["metadata"]["finalizers"] = json!(["suite.vela.dev/hold"]);
    ctx.apply(held.clone()).await?;
    let key = ctx.key("v1", "ConfigMap", &ns, "c");
    ensure!(
        delete(ctx, &key, Propagation::Background).await?,
        "delete of a held object: false"
    );
    let marked = ctx.get(&key).await?.ok_or("the held object went at once")?;
    ensure!(
        !meta(&marked, "deletionTimestamp").is_empty(),
        "no metadata.deletionTimestamp on the held object: {}",
        marked["metadata"]
    );
    ensure!(
        marked["metadata"]["finalizers"] == json!(["suite.vela.dev/hold"]),
        "finalizers: {}",
        marked["metadata"]["finalizers"]
    );
    ensure!(
        delete(ctx, &key, Propagation::Background).await?,
        "a second delete of the held object: false"
    );
    // still there: only removing the finalizer lets it go
    ensure!(
        ctx.get(&key).await?.is_some(),
        "the held object went on the second delete"
    );
    held["metadata"]["finalizers"] = json!([]);
    ctx.apply(held).await?;
    ctx.eventually(
        "the object is gone once its last finalizer is removed",
        || async { Ok(ctx.get(&key).await?.is_none()) },
    )
    .await
}

/// Applies `owner`, `child` (owned by owner), `grandchild` (owned by child) and `stranger`;
/// returns the keys in that order.
async fn family(ctx: &Ctx<'_>, ns: &str) -> Result<[Key; 4], String> {
    let owner = ctx.apply(config_map("owner", ns, json!({}))).await?;
    let mut child = config_map("child", ns, json!({}));
    child["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": meta(&owner, "uid")}]);
    let child = ctx.apply(child).await?;
    let mut grandchild = config_map("grandchild", ns, json!({}));
    grandchild["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "child", "uid": meta(&child, "uid")}]);
    ctx.apply(grandchild).await?;
    ctx.apply(config_map("stranger", ns, json!({}))).await?;
    Ok(["owner", "child", "grandchild", "stranger"].map(|n| ctx.key("v1", "ConfigMap", ns, n)))
}

async fn gone(ctx: &Ctx<'_>, keys: &[&Key]) -> Result<bool, String> {
    for key in keys {
        if ctx.get(key).await?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(super) async fn dependents_go_with_their_owner(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let [owner, child, grandchild, stranger] = family(ctx, &ns).await?;
    ensure!(
        delete(ctx, &owner, Propagation::Background).await?,
        "delete of the owner: false"
    );
    ctx.eventually("the owner, its dependent and theirs are gone", || async {
        gone(ctx, &[&owner, &child, &grandchild]).await
    })
    .await?;
    ensure!(
        ctx.get(&stranger).await?.is_some(),
        "an object nobody owns went with them"
    );
    Ok(())
}

pub(super) async fn foreground_deletion_removes_dependents_and_owner(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let [owner, child, grandchild, stranger] = family(ctx, &ns).await?;
    ensure!(
        delete(ctx, &owner, Propagation::Foreground).await?,
        "delete of the owner: false"
    );
    ctx.eventually("the owner, its dependent and theirs are gone", || async {
        gone(ctx, &[&owner, &child, &grandchild]).await
    })
    .await?;
    ensure!(
        ctx.get(&stranger).await?.is_some(),
        "an object nobody owns went with them"
    );
    Ok(())
}

pub(super) async fn orphan_deletion_keeps_dependents(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let [owner, child, grandchild, _] = family(ctx, &ns).await?;
    let owner_uid = ctx
        .get(&owner)
        .await?
        .map(|o| meta(&o, "uid").to_owned())
        .ok_or("the owner is missing")?;
    ensure!(
        delete(ctx, &owner, Propagation::Orphan).await?,
        "delete of the owner: false"
    );
    ctx.eventually(
        "the owner is gone and its dependent no longer names it",
        || async {
            if ctx.get(&owner).await?.is_some() {
                return Ok(false);
            }
            let child = ctx.get(&child).await?.ok_or("the orphaned dependent is gone")?;
            let refs = child["metadata"]["ownerReferences"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            Ok(refs.iter().all(|r| r["uid"] != owner_uid.as_str()))
        },
    )
    .await?;
    let grandchild = ctx
        .get(&grandchild)
        .await?
        .ok_or("the dependent's dependent is gone")?;
    ensure!(
        grandchild["metadata"]["ownerReferences"][0]["name"] == "child",
        "the dependent's dependent lost its owner: {}",
        grandchild["metadata"]
    );
    Ok(())
}

pub(super) async fn namespace_deletion_takes_its_objects(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    ctx.apply(config_map("c", &ns, json!({}))).await?;
    let namespace = ctx.key("v1", "Namespace", "", &ns);
    let inside = ctx.key("v1", "ConfigMap", &ns, "c");
    ensure!(
        delete(ctx, &namespace, Propagation::Background).await?,
        "delete of the namespace: false"
    );
    ctx.eventually("the namespace and its ConfigMap are gone", || async {
        gone(ctx, &[&inside, &namespace]).await
    })
    .await
}

/// Applies a namespaced CustomResourceDefinition of kind `kind` in a group of this scenario,
/// with or without the status subresource, and waits until its kind is served; returns the
/// custom resources' `apiVersion`.
async fn custom_kind(ctx: &Ctx<'_>, kind: &str, status_subresource: bool) -> Result<String, String> {
    let group = format!("{}.suite.vela.dev", ctx.name("crd"));
    let plural = format!("{}s", kind.to_lowercase());
    let mut version = json!({"name": "v1", "served": true, "storage": true,
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}});
    if status_subresource {
        version["subresources"] = json!({"status": {}});
    }
    ctx.apply(
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {"group": group, "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase(),
                "listKind": format!("{kind}List")},
            "versions": [version]}}),
    )
    .await?;
    let api_version = format!("{group}/v1");
    ctx.eventually(&format!("kind {kind} of {api_version} is served"), || async {
        Ok(ctx
            .objects()
            .list(ctx.cluster(), &api_version, kind, "", &BTreeMap::new())
            .await
            .is_ok())
    })
    .await?;
    Ok(api_version)
}

fn widget(api_version: &str, kind: &str, ns: &str, size: u32) -> Value {
    json!({"apiVersion": api_version, "kind": kind,
        "metadata": {"name": "w", "namespace": ns}, "spec": {"size": size}})
}

async fn set_status(ctx: &Ctx<'_>, key: &Key, status: Value) -> Result<Option<Value>, String> {
    ctx.objects().set_status(key, status).await.map_err(|e| {
        format!(
            "set_status {} {}/{}: {}",
            key.kind,
            key.namespace,
            key.name,
            super::chain(&e)
        )
    })
}

pub(super) async fn status_subresource_keeps_generation(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let api_version = custom_kind(ctx, "Widget", true).await?;
    let key = ctx.key(&api_version, "Widget", &ns, "w");
    let missing = set_status(ctx, &key, json!({"phase": "Ready"})).await?;
    ensure!(missing.is_none(), "set_status of a missing object: {missing:?}");
    let created = ctx.apply(widget(&api_version, "Widget", &ns, 1)).await?;
    ensure!(
        created["metadata"]["generation"] == 1,
        "generation at creation: {}",
        created["metadata"]["generation"]
    );
    let ready = set_status(ctx, &key, json!({"phase": "Ready", "replicas": 1}))
        .await?
        .ok_or("set_status of an existing object: None")?;
    ensure!(
        ready["status"] == json!({"phase": "Ready", "replicas": 1}),
        "status: {}",
        ready["status"]
    );
    ensure!(
        ready["metadata"]["generation"] == 1,
        "a status write moved generation to {}",
        ready["metadata"]["generation"]
    );
    ensure!(
        meta(&ready, "resourceVersion") != meta(&created, "resourceVersion"),
        "a status write kept resourceVersion"
    );
    let replaced = set_status(ctx, &key, json!({"phase": "Degraded"}))
        .await?
        .ok_or("set_status: None")?;
    ensure!(
        replaced["status"] == json!({"phase": "Degraded"}),
        "status not replaced whole: {}",
        replaced["status"]
    );
    let mut with_status = widget(&api_version, "Widget", &ns, 2);
    with_status["status"] = json!({"phase": "Forged"});
    let resized = ctx.apply(with_status).await?;
    ensure!(
        resized["metadata"]["generation"] == 2,
        "a spec change gave generation {}",
        resized["metadata"]["generation"]
    );
    ensure!(
        resized["status"] == json!({"phase": "Degraded"}),
        "apply changed the status of a kind with a status subresource: {}",
        resized["status"]
    );
    let read = ctx.get(&key).await?.ok_or("the Widget is gone")?;
    ensure!(
        read["status"] == json!({"phase": "Degraded"}),
        "get: status {}",
        read["status"]
    );
    Ok(())
}

pub(super) async fn status_without_subresource_is_spec(ctx: &Ctx<'_>) -> Outcome {
    let ns = ctx.namespace("ns").await?;
    let api_version = custom_kind(ctx, "Gizmo", false).await?;
    let key = ctx.key(&api_version, "Gizmo", &ns, "w");
    ctx.apply(widget(&api_version, "Gizmo", &ns, 1)).await?;
    let ready = set_status(ctx, &key, json!({"phase": "Ready"}))
        .await?
        .ok_or("set_status of an existing object: None")?;
    ensure!(
        ready["status"] == json!({"phase": "Ready"}),
        "status: {}",
        ready["status"]
    );
    ensure!(
        ready["metadata"]["generation"] == 2,
        "a status write without a status subresource gave generation {} (expected 2)",
        ready["metadata"]["generation"]
    );
    ensure!(
        ready["spec"]["size"] == 1,
        "set_status changed the spec: {}",
        ready["spec"]
    );
    Ok(())
}
