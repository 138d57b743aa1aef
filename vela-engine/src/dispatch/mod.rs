//! Dispatch: the workflow steps that deliver components (`deploy`, `apply-component`) and
//! what they share during one reconcile — the application being delivered, its owner and
//! resource rules, and a record of what was applied and how healthy it is. The step types
//! themselves and the health recheck of a pass that runs no step are in `steps`.
//!
//! A deployment renders every component instance (a component, or one replica of it per key
//! of a `replication` policy, with `context.replicaKey`) once per placement (with
//! `context.cluster` and the placement's namespace), applies its objects with the ownership
//! rules, and evaluates its health from the live objects. The objects of `controlPlaneOnly`
//! traits go to the hub, in the application's namespace, once per reconcile whatever the
//! placements. Components wait for their `dependsOn` to be healthy in the
//! same placement. Pairs of (placement, component) of one dependency level run concurrently, up
//! to `parallelism`. A failing cluster fails only its own placements; the step's error names
//! each of them.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use vela_model::application::{Application, Component, ComponentStatus, TraitStatus};
use vela_model::common::WorkloadGvk;
use vela_model::resource_tracker::ManagedResource;
use vela_multicluster::Key;
use vela_render::{ComponentManifest, Renderer};

use crate::app_provider::patched;
use crate::apply::{self, Owner};
use crate::placement::{Instance, Placement};
use crate::policy::{Origin, Rules};
use crate::{Engine, Result, tracker};

/// KubeVela's default `parallelism` of a `deploy` step.
const DEFAULT_PARALLELISM: usize = 5;

/// (component, cluster, namespace, replica key): one entry of `status.services`.
pub(crate) type ServiceKey = (String, String, String, String);

/// What the delivery steps of one reconcile applied and found.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// Everything the current generation applied (earlier passes included), by key.
    pub(crate) resources: BTreeMap<String, Arc<ManagedResource>>,
    /// What this reconcile applied, in order.
    pub(crate) applied: Vec<Key>,
    /// Health per (component, cluster, namespace).
    pub(crate) services: BTreeMap<ServiceKey, ComponentStatus>,
    /// The services whose health this reconcile evaluated (the others are carried over from
    /// the previous status).
    pub(crate) evaluated: BTreeSet<ServiceKey>,
    /// (cluster, namespace) known to exist in this reconcile.
    pub(crate) namespaces: BTreeSet<(String, String)>,
    /// The objects of `controlPlaneOnly` traits applied to the hub in this reconcile, with
    /// what the hub has since: another placement rendering them again does not apply again.
    pub(crate) hub_only: BTreeMap<Key, Arc<Value>>,
}

/// The application being delivered, shared by the delivery steps of one reconcile.
pub(crate) struct Delivery {
    pub(crate) engine: Engine,
    pub(crate) app: Application,
    pub(crate) namespace: String,
    pub(crate) owner: Owner,
    pub(crate) rules: Rules,
    pub(crate) revision: String,
    pub(crate) record: Mutex<Record>,
}

/// The outcome of delivering components to placements.
#[derive(Debug, Default)]
pub(crate) struct Deployment {
    /// `component web in cluster eu: cause`, one per failed (placement, component).
    pub(crate) failures: Vec<String>,
    /// `web in cluster eu: message`, one per component not healthy yet (or waiting for a
    /// dependency).
    pub(crate) pending: Vec<String>,
    /// The live objects of each (placement, component) delivered (or read), in the order
    /// they finished: what `op.#ApplyComponent` returns.
    pub(crate) objects: Vec<crate::app_provider::ComponentObjects>,
}

/// (placement index, instance index, its status or the failure).
type TaskResult = (
    usize,
    usize,
    std::result::Result<(ComponentStatus, crate::app_provider::ComponentObjects), String>,
);
type TaskFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = TaskResult> + Send + 'a>>;

/// One (placement, component instance) to deliver.
struct Task<'a> {
    placement: &'a Placement,
    app: &'a Application,
    /// The component's index in the application (for error paths).
    index: usize,
    comp: &'a Component,
    replica_key: &'a str,
    comps_json: &'a Arc<Value>,
    /// The fingerprint of what every component of `app` renders with (its metadata, spec and
    /// `context.components`), computed once per placement; `None` renders without the cache.
    app_inputs: Option<&'a crate::renders::Fingerprint>,
    /// `op.#ApplyComponent`'s `patch` (see [`patched`]).
    patch: Option<&'a Value>,
}

/// The fingerprint of what every component of `app` renders with: the application's name,
/// namespace, labels, annotations and spec, and `context.components`.
/// `None` when they do not serialise (the components then render without the cache).
fn render_inputs(app: &Application, comps_json: &Value) -> Option<crate::renders::Fingerprint> {
    let meta = &app.metadata;
    let seen = serde_json::to_vec(&(
        &meta.name,
        &meta.namespace,
        &meta.labels,
        &meta.annotations,
        &app.spec,
    ))
    .ok()?;
    let components = serde_json::to_vec(comps_json).ok()?;
    Some(crate::renders::fingerprint(&[&seen, &components]))
}

/// `web` or `web (replica eu)`, for messages.
fn instance_name(name: &str, replica_key: &str) -> String {
    if replica_key.is_empty() {
        name.to_owned()
    } else {
        format!("{name} (replica {replica_key})")
    }
}

impl Delivery {
    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The version of `cluster` for `context.clusterVersion`: asked once per engine and
    /// cluster; `None` (the renderer's empty version) when the cluster does not say.
    async fn cluster_version(&self, cluster: &str) -> Option<Value> {
        let versions = &self.engine.versions;
        if let Some(v) = versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(cluster)
        {
            return Some(v.clone());
        }
        let asked = self.engine.clusters().server_version(cluster).await;
        match asked {
            Ok(Some(v)) => {
                versions
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(cluster.to_owned(), v.clone());
                Some(v)
            }
            Ok(None) => None,
            Err(e) => {
                // not cached: asked again in the next pass; the apply will say what is wrong
                tracing::warn!(cluster, error = %e, "cluster version unknown");
                None
            }
        }
    }

    fn renderer_for(&self, placement: &Placement, replica_key: &str, version: Option<&Value>) -> Renderer {
        let base = self.engine.renderer();
        let mut options = base.options().clone();
        options.cluster_version = version.cloned();
        options.cluster = placement.cluster.clone();
        options.app_revision = self.revision.clone();
        options.replica_key = replica_key.to_owned();
        Renderer::new(base.registry().clone()).with_options(options)
    }

    /// Delivers the component `instances` to every placement (`apply` false: only evaluates
    /// their health, for a workflow that already succeeded).
    pub(crate) async fn deploy(
        &self,
        placements: &[Placement],
        instances: &[Instance],
        parallelism: usize,
        apply: bool,
    ) -> Deployment {
        let mut out = Deployment::default();
        // the components as written (after overrides), each once
        let mut comps: Vec<Component> = Vec::new();
        for i in instances {
            if !comps.iter().any(|c| c.name == i.component.name) {
                comps.push(i.component.clone());
            }
        }
        // per placement: the application as that placement renders it
        let apps: Vec<Application> = placements
            .iter()
            .map(|p| {
                // what rendering sees: not the status, nor the components before overrides
                let mut app = Application {
                    metadata: self.app.metadata.clone(),
                    spec: vela_model::application::Spec {
                        components: comps.clone(),
                        policies: self.app.spec.policies.clone(),
                        workflow: self.app.spec.workflow.clone(),
                    },
                    status: None,
                };
                if !p.namespace.is_empty() {
                    app.metadata.namespace = Some(p.namespace.clone());
                }
                app
            })
            .collect();
        let comps_json = Arc::new(serde_json::to_value(&comps).unwrap_or(Value::Null));
        // (a cache that keeps nothing needs no key)
        let keeps = !self.engine.renders.keeps_nothing();
        let app_inputs: Vec<Option<crate::renders::Fingerprint>> = apps
            .iter()
            .map(|app| keeps.then(|| render_inputs(app, &comps_json)).flatten())
            .collect();
        let mut versions: BTreeMap<&str, Option<Value>> = BTreeMap::new();
        for p in placements {
            if !versions.contains_key(p.cluster.as_str()) {
                let v = self.cluster_version(p.key_cluster()).await;
                versions.insert(p.cluster.as_str(), v);
            }
        }
        let renderers: BTreeMap<(&str, &str), Renderer> = placements
            .iter()
            .flat_map(|p| instances.iter().map(move |i| (p, i.replica_key.as_str())))
            .map(|(p, key)| {
                let version = versions.get(p.cluster.as_str()).and_then(Option::as_ref);
                ((p.cluster.as_str(), key), self.renderer_for(p, key, version))
            })
            .collect();
        // per placement index: the instances (by index) that are healthy
        let mut healthy: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); placements.len()];
        let members: Vec<&Component> = instances.iter().map(|i| &i.component).collect();
        for level in levels(&members) {
            let mut tasks = Vec::new();
            for (pi, placement) in placements.iter().enumerate() {
                for &ii in &level {
                    let instance = &instances[ii];
                    let comp = &instance.component;
                    let waiting: Vec<&String> = comp
                        .depends_on
                        .iter()
                        .filter(|d| !dependency_healthy(instances, &healthy[pi], d, &instance.replica_key))
                        .collect();
                    if !waiting.is_empty() {
                        out.pending.push(format!(
                            "{} in cluster {}: waiting for {}",
                            instance_name(&comp.name, &instance.replica_key),
                            placement.cluster,
                            waiting.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ));
                        continue;
                    }
                    let index = comps.iter().position(|c| c.name == comp.name).unwrap_or(0);
                    tasks.push((
                        pi,
                        ii,
                        Task {
                            placement,
                            app: &apps[pi],
                            index,
                            comp,
                            replica_key: &instance.replica_key,
                            comps_json: &comps_json,
                            app_inputs: app_inputs[pi].as_ref(),
                            patch: instance.patch.as_ref(),
                        },
                    ));
                }
            }
            let mut futures: Vec<TaskFuture<'_>> = Vec::with_capacity(tasks.len());
            for (pi, ii, task) in tasks {
                let renderer = &renderers[&(task.placement.cluster.as_str(), task.replica_key)];
                futures.push(Box::pin(async move {
                    let result = self.deliver_one(renderer, &task, apply).await;
                    (pi, ii, result)
                }));
            }
            let results: Vec<TaskResult> = futures_util::stream::iter(futures)
                .buffer_unordered(parallelism.max(1))
                .collect()
                .await;
            for (pi, ii, result) in results {
                let cluster = &placements[pi].cluster;
                let name = instance_name(&instances[ii].component.name, &instances[ii].replica_key);
                match result {
                    Ok((status, objects)) => {
                        out.objects.push(objects);
                        if status.healthy {
                            healthy[pi].insert(ii);
                        } else {
                            out.pending
                                .push(format!("{name} in cluster {cluster}: {}", status.message));
                        }
                    }
                    Err(cause) => out
                        .failures
                        .push(format!("component {name} in cluster {cluster}: {cause}")),
                }
            }
        }
        out.pending.sort();
        out.failures.sort();
        out
    }

    /// Whether the objects of trait type `trait_type` go to the hub only
    /// (`controlPlaneOnly`).
    fn control_plane_only(&self, trait_type: &str) -> bool {
        self.engine
            .renderer()
            .registry()
            .get(vela_render::Kind::Trait, trait_type)
            .is_ok_and(|d| d.meta().is_control_plane_only())
    }

    /// Creates the namespace a placement delivers to when the cluster does not have it (as
    /// `kubectl create namespace` would: unlabelled, so it is never collected).
    async fn ensure_namespace(&self, cluster: &str, namespace: &str) -> Result<()> {
        if namespace.is_empty()
            || !self
                .record()
                .namespaces
                .insert((cluster.to_owned(), namespace.to_owned()))
        {
            return Ok(());
        }
        let key = Key {
            cluster: cluster.to_owned(),
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: namespace.to_owned(),
        };
        let objects = self.engine.clusters();
        if objects.get_shared(&key).await?.is_none() {
            let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            objects.apply(cluster, ns).await?;
        }
        Ok(())
    }

    /// The component of `task` rendered, from the engine's cache when nothing its template sees
    /// changed since it was rendered.
    fn render(
        &self,
        renderer: &Renderer,
        task: &Task<'_>,
        comp: &Component,
    ) -> std::result::Result<Arc<vela_render::ComponentManifest>, String> {
        let app = task.app;
        let render = || {
            let started = std::time::Instant::now();
            let rendered = renderer
                .render_component(app, task.index, comp, task.comps_json)
                .map(Arc::new)
                .map_err(|e| crate::error::chain(&e));
            self.engine.render_stats.rendered(started.elapsed());
            rendered
        };
        let Some(app_inputs) = task.app_inputs else {
            return render();
        };
        let component = serde_json::to_vec(comp).map_err(|e| e.to_string())?;
        let key = crate::renders::fingerprint(&[
            app_inputs,
            &task.index.to_le_bytes(),
            &component,
            renderer.options().cluster.as_bytes(),
            renderer.options().app_revision.as_bytes(),
            renderer.options().replica_key.as_bytes(),
            &serde_json::to_vec(&renderer.options().cluster_version).map_err(|e| e.to_string())?,
        ]);
        if let Some(kept) = self.engine.renders.get(&key) {
            self.engine.render_stats.hit();
            return Ok(kept);
        }
        let manifest = render()?;
        self.engine
            .renders
            .put(key, manifest.clone(), all_native(renderer, comp));
        Ok(manifest)
    }

    /// Renders, applies (or reads) and evaluates one component in one placement. Its
    /// `PostDispatch` traits wait until the workload is healthy: then they render with the
    /// live workload's status (`context.output.status`) and are applied; until then the status
    /// lists them as pending.
    async fn deliver_one(
        &self,
        renderer: &Renderer,
        task: &Task<'_>,
        apply: bool,
    ) -> std::result::Result<(ComponentStatus, crate::app_provider::ComponentObjects), String> {
        let comp = task.comp;
        let chain = |e: crate::Error| crate::error::chain(&e);
        let is_post = |t: &vela_model::application::Trait| {
            self.engine
                .renderer()
                .registry()
                .get(vela_render::Kind::Trait, &t.type_)
                .is_ok_and(|d| d.meta().is_post_dispatch())
        };
        let post: Vec<&str> = comp
            .traits
            .iter()
            .filter(|t| is_post(t))
            .map(|t| t.type_.as_str())
            .collect();
        let before_post = (!post.is_empty()).then(|| {
            let mut c = comp.clone();
            c.traits.retain(|t| !is_post(t));
            c
        });
        let first = before_post.as_ref().unwrap_or(comp);
        let manifest = patched(self.render(renderer, task, first)?, task.patch)?;
        let cluster = task.placement.key_cluster();
        if apply {
            self.ensure_namespace(cluster, &manifest.namespace)
                .await
                .map_err(chain)?;
        }
        // live objects by the key the placement renders them with (what the health check
        // looks up), wherever they went
        let mut live: BTreeMap<Key, Arc<Value>> = BTreeMap::new();
        self.put(comp, cluster, &manifest, objects_of(&manifest), apply, &mut live)
            .await?;
        let mut report = self.health(first, cluster, &manifest, &live);
        let mut shown: &vela_render::ComponentManifest = &manifest;
        let dispatched;
        if !post.is_empty() {
            let workload_ready = report.as_ref().is_ok_and(|r| r.component.healthy);
            if workload_ready {
                let status = Key::of(cluster, &with_namespace(&manifest.workload, &manifest.namespace))
                    .ok()
                    .and_then(|k| live.get(&k))
                    .map(|w| w["status"].clone())
                    .unwrap_or(Value::Null);
                let rendered = renderer
                    .render_component_dispatched(task.app, task.index, comp, task.comps_json, &status)
                    .map_err(|e| crate::error::chain(&e))?;
                dispatched = patched(Arc::new(rendered), task.patch)?;
                let later = dispatched
                    .objects
                    .iter()
                    .filter(|o| post.contains(&o.trait_type.as_str()))
                    .map(|o| (Some(o.trait_type.as_str()), &o.value));
                self.put(comp, cluster, &dispatched, later, apply, &mut live)
                    .await?;
                report = self.health(comp, cluster, &dispatched, &live);
                shown = &dispatched;
            }
        }
        let mut status = match report {
            Ok(report) => service(shown, &task.placement.cluster, task.replica_key, &report),
            Err(e) => ComponentStatus {
                name: comp.name.clone(),
                namespace: manifest.namespace.clone(),
                cluster: task.placement.cluster.clone(),
                replica_key: task.replica_key.to_owned(),
                message: format!("health check failed: {e}"),
                ..ComponentStatus::default()
            },
        };
        let waiting: Vec<&str> = post
            .iter()
            .copied()
            .filter(|t| !status.traits.iter().any(|s| s.type_ == *t))
            .collect();
        for t in waiting {
            status.healthy = false;
            status.traits.push(TraitStatus {
                type_: t.to_owned(),
                pending: true,
                message: "waiting for the workload to be healthy (PostDispatch)".into(),
                ..TraitStatus::default()
            });
        }
        {
            let key = (
                comp.name.clone(),
                status.cluster.clone(),
                status.namespace.clone(),
                status.replica_key.clone(),
            );
            let mut record = self.record();
            record.evaluated.insert(key.clone());
            record.services.insert(key, status.clone());
        }
        let objects = crate::app_provider::ComponentObjects::of(cluster, shown, &live);
        Ok((status, objects))
    }

    /// The health of `comp` from the live objects.
    fn health(
        &self,
        comp: &Component,
        cluster: &str,
        manifest: &ComponentManifest,
        live: &BTreeMap<Key, Arc<Value>>,
    ) -> std::result::Result<vela_render::health::Report, String> {
        let lookup = |rendered: &Value| {
            // the key `with_namespace` would give, without copying the object
            let mut key = Key::of(cluster, rendered).ok()?;
            if key.namespace.is_empty() {
                key.namespace.clone_from(&manifest.namespace);
            }
            live.get(&key).cloned()
        };
        vela_render::health::evaluate_shared(self.engine.renderer().registry(), comp, manifest, lookup)
            .map_err(|e| crate::error::chain(&e))
    }

    /// Applies (or, with `apply` false, reads) `objects` of `manifest` where they go: the
    /// placement's cluster, or the hub for `controlPlaneOnly` traits (once per reconcile).
    /// Records them in `live` by the key the placement renders them with.
    async fn put<'m>(
        &self,
        comp: &Component,
        cluster: &str,
        manifest: &ComponentManifest,
        objects: impl Iterator<Item = (Option<&'m str>, &'m Value)>,
        apply: bool,
        live: &mut BTreeMap<Key, Arc<Value>>,
    ) -> std::result::Result<(), String> {
        for (trait_type, rendered) in objects {
            // the key of the object with the placement's namespace (`with_namespace`), without
            // copying it: a pass that only reads needs no copy
            let mut rendered_key = Key::of(cluster, rendered).map_err(|e| e.to_string())?;
            if rendered_key.namespace.is_empty() {
                rendered_key.namespace.clone_from(&manifest.namespace);
            }
            let hub_only = trait_type.is_some_and(|t| self.control_plane_only(t));
            // the hub, in the application's namespace (unless the trait chose another)
            let to_app_namespace = hub_only && rendered_key.namespace == manifest.namespace;
            let at = if hub_only { "" } else { cluster };
            let mut key = rendered_key.clone();
            at.clone_into(&mut key.cluster);
            if to_app_namespace {
                key.namespace.clone_from(&self.namespace);
            }
            let done = if hub_only {
                self.record().hub_only.get(&key).cloned()
            } else {
                None
            };
            if let Some(found) = done {
                live.insert(rendered_key, found);
                continue;
            }
            if !apply {
                if let Some(found) = self
                    .engine
                    .clusters()
                    .get_shared(&key)
                    .await
                    .map_err(|e| crate::error::chain(&e))?
                {
                    if hub_only {
                        self.record().hub_only.insert(key, found.clone());
                    }
                    live.insert(rendered_key, found);
                }
                continue;
            }
            let mut obj = with_namespace(rendered, &manifest.namespace);
            if to_app_namespace {
                obj["metadata"]["namespace"] = Value::String(self.namespace.clone());
            }
            let origin = Origin {
                component: &comp.name,
                component_type: &comp.type_,
                trait_type,
            };
            // what this generation last applied for the object (its tracker entry)
            let last = self.record().resources.get(&tracker::resource_key(&key)).cloned();
            let mut applied = apply::apply_object(
                self.engine.clusters().as_ref(),
                at,
                &self.owner,
                &self.rules,
                &self.engine.admission,
                &origin,
                obj,
                last.as_ref().and_then(|r| r.raw.as_ref()),
            )
            .await
            .map_err(|e| crate::error::chain(&e))?;
            let resource = tracker::record(&mut applied, &comp.name, trait_type.unwrap_or_default());
            {
                let mut record = self.record();
                record.resources.insert(resource.key(), Arc::new(resource));
                if applied.written {
                    record.applied.push(applied.key.clone());
                }
                if hub_only {
                    record
                        .hub_only
                        .insert(applied.key.clone(), Arc::clone(&applied.live));
                }
            }
            live.insert(rendered_key, applied.live);
        }
        Ok(())
    }
}

/// Whether the definitions `comp` renders with (its type and its traits') are all native: its
/// render costs about as much as its cache key (see [`crate::renders`]).
fn all_native(renderer: &Renderer, comp: &Component) -> bool {
    let registry = renderer.registry();
    let native = |kind, type_: &str| {
        registry
            .get(kind, type_)
            .is_ok_and(|d| d.source() == vela_render::Source::Native)
    };
    native(vela_render::Kind::Component, &comp.type_)
        && comp
            .traits
            .iter()
            .all(|t| native(vela_render::Kind::Trait, &t.type_))
}

/// `obj` with `namespace` when it names none.
fn with_namespace(obj: &Value, namespace: &str) -> Value {
    let mut obj = obj.clone();
    if obj["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        obj["metadata"]["namespace"] = Value::String(namespace.to_owned());
    }
    obj
}

/// The workload (when there is one) and every other object, with the trait type that rendered
/// it (`None` for the workload and component outputs).
fn objects_of(manifest: &ComponentManifest) -> impl Iterator<Item = (Option<&str>, &Value)> {
    std::iter::once((None, &manifest.workload))
        .take(usize::from(!manifest.workload.is_null()))
        .chain(manifest.objects.iter().map(|o| {
            let t =
                (o.trait_type != vela_render::render::AUXILIARY_WORKLOAD).then_some(o.trait_type.as_str());
            (t, &o.value)
        }))
}

fn service(
    manifest: &ComponentManifest,
    cluster: &str,
    replica_key: &str,
    report: &vela_render::health::Report,
) -> ComponentStatus {
    ComponentStatus {
        name: manifest.name.clone(),
        namespace: manifest.namespace.clone(),
        cluster: cluster.to_owned(),
        replica_key: replica_key.to_owned(),
        workload_definition: WorkloadGvk {
            api_version: manifest.workload["apiVersion"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            kind: manifest.workload["kind"].as_str().unwrap_or_default().to_owned(),
        },
        healthy: report.healthy(),
        workload_healthy: Some(report.component.healthy),
        message: report.component.message.clone(),
        details: report.component.details.clone(),
        traits: report
            .traits
            .iter()
            .map(|(type_, s)| TraitStatus {
                type_: type_.clone(),
                healthy: s.healthy,
                message: s.message.clone(),
                details: s.details.clone(),
                ..TraitStatus::default()
            })
            .collect(),
        ..ComponentStatus::default()
    }
}

/// Whether the dependency `name` of an instance with `replica_key` is healthy in a placement:
/// its instances of the same key when it has some (a replica waits for its own key's
/// replicas), else all of its instances (every replica, or the single unreplicated one).
fn dependency_healthy(
    instances: &[Instance],
    healthy: &BTreeSet<usize>,
    name: &str,
    replica_key: &str,
) -> bool {
    let of_name: Vec<usize> = (0..instances.len())
        .filter(|&i| instances[i].component.name == name)
        .collect();
    let same_key: Vec<usize> = of_name
        .iter()
        .copied()
        .filter(|&i| instances[i].replica_key == replica_key)
        .collect();
    let relevant = if same_key.is_empty() { of_name } else { same_key };
    relevant.iter().all(|i| healthy.contains(i))
}

/// Component indexes in dependency levels: every component comes in a level after all of its
/// `dependsOn` (validation refused cycles and unknown names; anything left goes last).
pub(crate) fn levels<C: std::borrow::Borrow<Component>>(comps: &[C]) -> Vec<Vec<usize>> {
    let comps: Vec<&Component> = comps.iter().map(Borrow::borrow).collect();
    let mut level_of: Vec<Option<usize>> = vec![None; comps.len()];
    let mut levels: Vec<Vec<usize>> = Vec::new();
    let mut placed = 0;
    while placed < comps.len() {
        let current = levels.len();
        let ready: Vec<usize> = (0..comps.len())
            .filter(|&i| level_of[i].is_none())
            .filter(|&i| {
                comps[i].depends_on.iter().all(|d| {
                    comps
                        .iter()
                        .position(|o| &o.name == d)
                        .is_none_or(|j| level_of[j].is_some_and(|l| l < current))
                })
            })
            .collect();
        let ready = if ready.is_empty() {
            (0..comps.len()).filter(|&i| level_of[i].is_none()).collect()
        } else {
            ready
        };
        for &i in &ready {
            level_of[i] = Some(current);
        }
        placed += ready.len();
        levels.push(ready);
    }
    levels
}

mod steps;

pub(crate) use steps::{ApplyComponent, ApplyRemaining, Deploy, conclude};

#[cfg(test)]
mod tests {
    use super::*;

    /// A webservice component depending on `deps` (the step tests use it too).
    pub(super) fn comp(name: &str, deps: &[&str]) -> Component {
        let mut c = Component::new(name, "webservice", json!({}));
        c.depends_on = deps.iter().map(|d| (*d).to_owned()).collect();
        c
    }

    #[test]
    fn levels_follow_dependencies() {
        let comps = [
            comp("web", &["db", "cache"]),
            comp("db", &["cache"]),
            comp("cache", &[]),
            comp("docs", &[]),
        ];
        assert_eq!(levels(&comps), [vec![2, 3], vec![1], vec![0]]);
    }
}
