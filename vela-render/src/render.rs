//! Rendering an Application: components and traits to labelled Kubernetes objects.
//!
//! The steps follow KubeVela's `appfile` package: for each component, validate and render
//! the workload, append its `outputs`, then for each trait in order render it with
//! `context.output` = the workload so far, append the trait's `outputs`, apply `patch` to
//! the workload and `patchOutputs` to auxiliaries by name. Finally stamp the OAM contract:
//! labels, annotations, names and namespaces.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use vela_model::labels::{annotation, label};

use crate::app::{self, Application, Component, Trait};
use crate::context::Context;
use crate::definition::{Definition, Kind, Rendered};
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::schema;

/// `trait.oam.dev/type` of a component's own `outputs`.
pub const AUXILIARY_WORKLOAD: &str = "AuxiliaryWorkload";

/// Annotations never propagated from the Application to rendered objects.
pub const DEFAULT_FILTER_ANNOTATIONS: [&str; 4] = [
    annotation::INPLACE_UPGRADE,
    annotation::FILTER_LABEL_KEYS,
    annotation::FILTER_ANNOTATION_KEYS,
    annotation::KUBECTL_LAST_APPLIED,
];

/// An object rendered beside the workload: a component output or a trait object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// `trait.oam.dev/type`: the trait type, or [`AUXILIARY_WORKLOAD`].
    pub trait_type: String,
    /// `trait.oam.dev/resource`: the `outputs` key.
    pub resource: String,
    /// The object.
    pub value: Value,
}

/// The rendered workload and objects of one component.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentManifest {
    /// Component name.
    pub name: String,
    /// Component type as written.
    pub type_: String,
    /// Namespace the objects default to.
    pub namespace: String,
    /// The workload after all trait patches.
    pub workload: Value,
    /// Component outputs and trait objects, in render order.
    pub objects: Vec<Object>,
    /// The context the component was rendered with (`output`/`outputs` left empty): status
    /// programs see it as `context` (`context.name`, `context.appName`, ...).
    pub context: Context,
}

impl ComponentManifest {
    /// The workload followed by every other object.
    pub fn all(&self) -> impl Iterator<Item = &Value> {
        std::iter::once(&self.workload).chain(self.objects.iter().map(|o| &o.value))
    }
}

/// Options of a render run.
///
/// The fields can be read; new options may be added in a minor release, so the struct is
/// `#[non_exhaustive]`: start from [`Options::default`] and set what you need with the
/// `with_*` methods.
///
/// ```
/// use vela_render::{Registry, Renderer, render::Options};
///
/// let options = Options::default()
///     .with_strict(true)
///     .with_timeout(Some(std::time::Duration::from_secs(5)));
/// let renderer = Renderer::new(Registry::builtin()).with_options(options);
/// # let _ = renderer;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// `context.appRevision` and the `app.oam.dev/appRevision` label (empty in dry-run).
    pub app_revision: String,
    /// `context.cluster`.
    pub cluster: String,
    /// `context.replicaKey`: the key of the `replication` policy this render is a replica
    /// for. When set, every rendered object also gets the label `app.oam.dev/replicaKey`.
    pub replica_key: String,
    /// `context.clusterVersion` (`{major, minor, gitVersion, platform}`, `minor` an integer) of
    /// the cluster the objects go to. `None` (the default, and KubeVela's offline dry-run):
    /// every field empty and `minor` 0, which makes version-dependent templates choose their
    /// oldest API (the built-in `gateway` renders a `networking.k8s.io/v1beta1` Ingress).
    pub cluster_version: Option<serde_json::Value>,
    /// Reject properties a definition does not declare (`unknown field`). Off by default:
    /// KubeVela's CUE parameters are open, so undeclared fields are ignored (and removed
    /// before a native definition sees them).
    pub strict: bool,
    /// A wall-clock budget for rendering one application (one component with
    /// [`Renderer::render_component`]): every CUE evaluation of the render stops with a limit
    /// error (`deadline passed`) once it has run out. `None` (the default): only the
    /// evaluator's step, size and node limits apply.
    pub timeout: Option<std::time::Duration>,
}

impl Options {
    /// Sets [`Options::app_revision`].
    #[must_use]
    pub fn with_app_revision(mut self, app_revision: impl Into<String>) -> Self {
        self.app_revision = app_revision.into();
        self
    }

    /// Sets [`Options::cluster`].
    #[must_use]
    pub fn with_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = cluster.into();
        self
    }

    /// Sets [`Options::replica_key`].
    #[must_use]
    pub fn with_replica_key(mut self, replica_key: impl Into<String>) -> Self {
        self.replica_key = replica_key.into();
        self
    }

    /// Sets [`Options::cluster_version`].
    #[must_use]
    pub fn with_cluster_version(mut self, version: Option<serde_json::Value>) -> Self {
        self.cluster_version = version;
        self
    }

    /// Sets [`Options::strict`].
    #[must_use]
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Sets [`Options::timeout`] (`None`: no wall-clock budget).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Renders applications with a registry.
///
/// ```
/// use serde_json::json;
/// use vela_model::application::{Application, Component, Spec};
/// use vela_render::{Registry, Renderer};
///
/// let app = Application::new(
///     "demo",
///     Spec::with_components(vec![
///         Component::new("web", "webservice", json!({"image": "nginx"}))
///             .with_trait("scaler", json!({"replicas": 2})),
///     ]),
/// );
/// let out = Renderer::new(Registry::builtin()).render(&app).unwrap();
/// assert_eq!(out[0].workload["spec"]["replicas"], 2);
/// assert_eq!(out[0].workload["metadata"]["labels"]["app.oam.dev/name"], "demo");
/// ```
#[derive(Debug, Clone)]
pub struct Renderer {
    registry: Registry,
    options: Options,
}

fn labels_mut<'a>(obj: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let obj = obj.as_object_mut()?;
    let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    let m = meta.as_object_mut()?;
    let l = m.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !l.is_object() {
        *l = Value::Object(Map::new());
    }
    l.as_object_mut()
}

/// Adds labels (overriding existing keys), like KubeVela's `util.AddLabels`.
pub fn add_labels(obj: &mut Value, labels: &BTreeMap<String, String>) {
    if let Some(l) = labels_mut(obj, "labels") {
        for (k, v) in labels {
            l.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

fn add_annotations(obj: &mut Value, ann: &BTreeMap<String, String>, remove: &[String]) {
    if let Some(a) = labels_mut(obj, "annotations") {
        for (k, v) in ann {
            a.insert(k.clone(), Value::String(v.clone()));
        }
        for r in remove {
            a.shift_remove(r.trim());
        }
    }
}

fn meta_str<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn set_meta(obj: &mut Value, key: &str, v: &str) {
    if let Some(o) = obj.as_object_mut() {
        let meta = o.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(key.to_string(), Value::String(v.to_string()));
        }
    }
}

fn set_default_namespace(obj: &mut Value, ns: &str) {
    let is_namespace = obj.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && obj.get("kind").and_then(Value::as_str) == Some("Namespace");
    if !is_namespace && meta_str(obj, "namespace").is_empty() {
        set_meta(obj, "namespace", ns);
    }
}

/// KubeVela's trait object name: `<component>-<traitType>-<hash>` (fnv32a; the hash is not
/// byte-compatible with KubeVela's spew dump).
pub fn trait_name(component: &str, trait_type: &str, obj: &Value) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in crate::ops::output::canonical_json(obj).bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let encoded: String = h
        .to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect();
    format!("{component}-{}-{encoded}", trait_type.to_lowercase())
}

impl Renderer {
    /// A renderer over `registry` with default options.
    pub fn new(registry: Registry) -> Self {
        Self {
            registry,
            options: Options::default(),
        }
    }

    /// Sets the options.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The options it renders with.
    ///
    /// ```
    /// use vela_render::{Registry, Renderer};
    /// assert!(Renderer::new(Registry::builtin()).options().cluster.is_empty());
    /// ```
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Renders every component of the application, in order.
    ///
    /// # Errors
    /// The first component that fails, wrapped in [`Error::Component`] with its path
    /// (`components[0].traits[1]`), or [`Error::Invalid`] with every parameter problem and
    /// its field path (`components[0].traits[1].properties.replicas`).
    pub fn render(&self, app: &Application) -> Result<Vec<ComponentManifest>> {
        self.check_types(app)?;
        let deadline = self.deadline();
        let comps_json = Arc::new(serde_json::to_value(&app.spec.components).unwrap_or_default());
        app.spec
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.render_component_until(app, i, c, &comps_json, deadline, None)
                    .map_err(|e| match e {
                        Error::Component { .. } | Error::Invalid(_) => e,
                        other => Error::Component {
                            path: format!("components[{i}]"),
                            name: c.name.clone(),
                            source: Box::new(other),
                        },
                    })
            })
            .collect()
    }

    /// Resolves every component and trait type before anything renders, in KubeVela's order
    /// (each component's type, then its traits' types), so an unknown type is reported before
    /// any parameter problem.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first unknown type with its path
    /// (`components[1].traits[0].type`).
    pub fn check_types(&self, app: &Application) -> Result<()> {
        for (i, c) in app.spec.components.iter().enumerate() {
            self.resolve(Kind::Component, &c.type_, &format!("components[{i}]"))?;
            for (j, t) in c.traits.iter().enumerate() {
                self.resolve(Kind::Trait, &t.type_, &format!("components[{i}].traits[{j}]"))?;
            }
        }
        Ok(())
    }

    fn resolve(&self, kind: Kind, type_: &str, path: &str) -> Result<Arc<dyn Definition>> {
        self.registry.get(kind, type_).map_err(|e| match e {
            Error::NotFound { kind, name } => Error::Invalid(vec![schema::Issue {
                path: format!("{path}.type"),
                message: format!("{kind} definition {name:?} not found"),
            }]),
            e => e,
        })
    }

    /// Validates `props` against the definition's schema; returns the properties to render
    /// (undeclared fields removed unless [`Options::strict`]).
    fn check<'v>(
        &self,
        def: &dyn Definition,
        props: &'v Value,
        path: &str,
    ) -> Result<std::borrow::Cow<'v, Value>> {
        use std::borrow::Cow;
        if !def.validates_schema() {
            return Ok(Cow::Borrowed(props));
        }
        let empty = json!({});
        let shown = if props.is_null() { &empty } else { props };
        let mut issues = schema::validate(def.schema(), shown, &format!("{path}.properties"));
        let had_unknown = issues.iter().any(schema::is_unknown_field);
        if !self.options.strict {
            issues.retain(|i| !schema::is_unknown_field(i));
        }
        if !issues.is_empty() {
            return Err(Error::Invalid(issues));
        }
        if had_unknown {
            let mut pruned = props.clone();
            schema::prune_unknown(def.schema(), &mut pruned);
            return Ok(Cow::Owned(pruned));
        }
        Ok(Cow::Borrowed(props))
    }

    /// Renders component `comp`, at `index` of `app` (it may differ from
    /// `app.spec.components[index]`, e.g. after an override policy); `components_json` is
    /// `context.components`, the application's components as JSON.
    ///
    /// The steps: resolve the definition, validate the properties, build the context, render
    /// the workload and its outputs, apply each trait in order, stamp the render labels, then
    /// the OAM contract (names, namespaces, labels, annotations, workload references).
    ///
    /// # Errors
    /// See [`Renderer::render`].
    #[tracing::instrument(
        level = "debug",
        name = "render_component",
        skip_all,
        fields(component = %comp.name, component_type = %comp.type_)
    )]
    pub fn render_component(
        &self,
        app: &Application,
        index: usize,
        comp: &Component,
        components_json: &Arc<Value>,
    ) -> Result<ComponentManifest> {
        self.render_component_until(app, index, comp, components_json, self.deadline(), None)
    }

    /// [`Renderer::render_component`] once the workload was dispatched: the `PostDispatch`
    /// traits see the live workload's `status` as `context.output.status`, as KubeVela renders
    /// them once the workload is healthy. The manifest's workload has no `status`.
    ///
    /// # Errors
    /// See [`Renderer::render`].
    pub fn render_component_dispatched(
        &self,
        app: &Application,
        index: usize,
        comp: &Component,
        components_json: &Arc<Value>,
        status: &Value,
    ) -> Result<ComponentManifest> {
        self.render_component_until(app, index, comp, components_json, self.deadline(), Some(status))
    }

    /// When a render that starts now must end ([`Options::timeout`]).
    fn deadline(&self) -> Option<std::time::Instant> {
        self.options.timeout.map(|t| std::time::Instant::now() + t)
    }

    fn render_component_until(
        &self,
        app: &Application,
        index: usize,
        comp: &Component,
        components_json: &Arc<Value>,
        deadline: Option<std::time::Instant>,
        status: Option<&Value>,
    ) -> Result<ComponentManifest> {
        let path = format!("components[{index}]");
        let def = self.resolve(Kind::Component, &comp.type_, &path)?;
        let props = self.check(def.as_ref(), app::properties(&comp.properties), &path)?;
        let mut ctx = self.component_context(app, comp, components_json);
        ctx.deadline = deadline;
        let (mut workload, mut objects) =
            render_workload(def.as_ref(), &ctx, &props, comp).map_err(|e| parameter_conflict(e, &path))?;

        ctx.component_type.clone_from(&comp.type_);
        let mut trait_defs = Vec::with_capacity(comp.traits.len());
        for (j, tr) in comp.traits.iter().enumerate() {
            let tpath = format!("{path}.traits[{j}]");
            if let (Some(status), Some(w)) = (status, workload.as_object_mut())
                && (self.registry.get(Kind::Trait, &tr.type_)).is_ok_and(|d| d.meta().is_post_dispatch())
            {
                w.insert("status".into(), status.clone());
            }
            let tdef = self.apply_trait(&mut ctx, comp, tr, &tpath, &mut workload, &mut objects)?;
            trait_defs.push(tdef);
        }
        if let (Some(_), Some(w)) = (status, workload.as_object_mut()) {
            w.remove("status");
        }

        let ns = app::namespace(app).to_string();
        self.stamp_render_labels(app, comp, &mut workload, &mut objects);
        self.stamp_oam_contract(app, comp, &ns, &trait_defs, &mut workload, &mut objects);

        ctx.output = None;
        ctx.outputs = Default::default();
        Ok(ComponentManifest {
            name: comp.name.clone(),
            type_: comp.type_.clone(),
            namespace: ns,
            workload,
            objects,
            context: ctx,
        })
    }

    /// The context a component renders with: application name, namespace, labels and
    /// annotations, the run's options, and `context.components`.
    fn component_context(
        &self,
        app: &Application,
        comp: &Component,
        components_json: &Arc<Value>,
    ) -> Context {
        let app_annotations = app::annotations(app);
        let mut ctx = Context::new(app::name(app), app::namespace(app), &comp.name);
        ctx.app_revision.clone_from(&self.options.app_revision);
        ctx.cluster.clone_from(&self.options.cluster);
        ctx.replica_key.clone_from(&self.options.replica_key);
        if let Some(version) = &self.options.cluster_version {
            ctx.cluster_version.clone_from(version);
        }
        ctx.app_labels = app::labels(app).clone();
        ctx.app_annotations = app_annotations.clone();
        ctx.components = Arc::clone(components_json);
        ctx.workflow_name = app_annotations
            .get(annotation::WORKFLOW_NAME)
            .cloned()
            .unwrap_or_default();
        ctx.publish_version = app_annotations
            .get(annotation::PUBLISH_VERSION)
            .cloned()
            .unwrap_or_default();
        ctx
    }

    /// Resolves, validates and renders trait `tr` (at `path`) against the workload and objects
    /// rendered so far, appends its objects and applies its patches. Returns its definition.
    #[tracing::instrument(
        level = "debug",
        name = "render_trait",
        skip_all,
        fields(component = %comp.name, trait_type = %tr.type_)
    )]
    fn apply_trait(
        &self,
        ctx: &mut Context,
        comp: &Component,
        tr: &Trait,
        path: &str,
        workload: &mut Value,
        objects: &mut Vec<Object>,
    ) -> Result<Arc<dyn Definition>> {
        let tdef = self.resolve(Kind::Trait, &tr.type_, path)?;
        let tprops = self.check(tdef.as_ref(), app::properties(&tr.properties), path)?;
        let wrap = |e: Error| Error::Component {
            path: path.to_string(),
            name: comp.name.clone(),
            source: Box::new(e),
        };
        let rendered = render_with_outputs(tdef.as_ref(), ctx, &tprops, workload, objects).map_err(|e| {
            match parameter_conflict(e, path) {
                e @ Error::Invalid(_) => e,
                e => wrap(e),
            }
        })?;
        let trait_type = tdef.meta().name.clone();
        for (resource, value) in rendered.outputs {
            objects.push(Object {
                trait_type: trait_type.clone(),
                resource,
                value,
            });
        }
        if let Some(p) = &rendered.patch {
            p.apply_unguarded(workload).map_err(|source| {
                wrap(Error::Patch {
                    name: trait_type.clone(),
                    target: "workload".into(),
                    source: Box::new(source),
                })
            })?;
        }
        for (name, p) in &rendered.patch_outputs {
            for o in objects.iter_mut().filter(|o| &o.resource == name) {
                p.apply_unguarded(&mut o.value).map_err(|source| {
                    wrap(Error::Patch {
                        name: trait_type.clone(),
                        target: format!("outputs.{name}"),
                        source: Box::new(source),
                    })
                })?;
            }
        }
        Ok(tdef)
    }

    /// The labels of the render phase: application, component and revision on every object,
    /// the component type on the workload, the trait type and `outputs` key on the others.
    fn stamp_render_labels(
        &self,
        app: &Application,
        comp: &Component,
        workload: &mut Value,
        objects: &mut [Object],
    ) {
        let mut common = BTreeMap::new();
        common.insert(label::APP_NAME.to_string(), app::name(app).to_string());
        common.insert(label::APP_COMPONENT.to_string(), comp.name.clone());
        common.insert(label::APP_REVISION.to_string(), self.options.app_revision.clone());
        let mut wl_labels = common.clone();
        wl_labels.insert(label::WORKLOAD_TYPE.into(), comp.type_.clone());
        add_labels(workload, &wl_labels);
        for o in objects {
            let mut l = common.clone();
            l.insert(label::TRAIT_TYPE.into(), o.trait_type.clone());
            if !o.resource.is_empty() {
                l.insert(label::TRAIT_RESOURCE.into(), o.resource.clone());
            }
            add_labels(&mut o.value, &l);
        }
    }

    /// The OAM contract: default names and namespaces, the resource type and final labels,
    /// the application's annotations (minus the filtered keys), and the workload reference of
    /// traits whose definition names a `workloadRefPath`.
    fn stamp_oam_contract(
        &self,
        app: &Application,
        comp: &Component,
        ns: &str,
        trait_defs: &[Arc<dyn Definition>],
        workload: &mut Value,
        objects: &mut [Object],
    ) {
        let app_annotations = app::annotations(app);
        let final_labels = self.final_labels(app, ns, &comp.name);
        let mut filters: Vec<String> = DEFAULT_FILTER_ANNOTATIONS.iter().map(|s| s.to_string()).collect();
        if let Some(f) = app_annotations.get(annotation::FILTER_ANNOTATION_KEYS) {
            filters.extend(f.split(',').map(str::to_string));
        }
        if meta_str(workload, "name").is_empty() {
            set_meta(workload, "name", &comp.name);
        }
        set_default_namespace(workload, ns);
        let mut l = BTreeMap::new();
        l.insert(
            label::RESOURCE_TYPE.to_string(),
            label::RESOURCE_TYPE_WORKLOAD.to_string(),
        );
        add_labels(workload, &l);
        add_labels(workload, &final_labels);
        add_annotations(workload, app_annotations, &filters);

        let wl_ref = json!({
            "apiVersion": workload.get("apiVersion").cloned().unwrap_or(json!("")),
            "kind": workload.get("kind").cloned().unwrap_or(json!("")),
            "name": meta_str(workload, "name"),
        });
        for o in objects {
            if meta_str(&o.value, "name").is_empty() {
                let mut copy = o.value.clone();
                if let Some(l) = labels_mut(&mut copy, "labels") {
                    l.shift_remove(label::APP_REVISION);
                }
                let name = trait_name(&comp.name, &o.trait_type, &copy);
                set_meta(&mut o.value, "name", &name);
            }
            let mut l = BTreeMap::new();
            l.insert(
                label::RESOURCE_TYPE.to_string(),
                label::RESOURCE_TYPE_TRAIT.to_string(),
            );
            add_labels(&mut o.value, &l);
            add_labels(&mut o.value, &final_labels);
            add_annotations(&mut o.value, app_annotations, &filters);
            set_default_namespace(&mut o.value, ns);
            if o.trait_type != AUXILIARY_WORKLOAD
                && let Some(def) = trait_defs.iter().find(|d| d.meta().name == o.trait_type)
                && let Some(p) = def.meta().workload_ref_path()
            {
                set_path(&mut o.value, p, wl_ref.clone());
            }
            self.stamp_restart_hash(trait_defs, workload, o);
        }
    }

    /// KubeVela's `propagatePodDisruptiveHash`: the object of a `podDisruptive` trait leaves
    /// its hash on the workload's pod template ([`crate::restart_hash`]). A trait type
    /// `<name>-<suffix>` counts as `<name>` when the component uses a trait `<name>`.
    fn stamp_restart_hash(&self, trait_defs: &[Arc<dyn Definition>], workload: &mut Value, o: &Object) {
        if o.trait_type.is_empty() || o.trait_type == AUXILIARY_WORKLOAD {
            return;
        }
        let find = |name: &str| trait_defs.iter().find(|d| d.meta().name == name);
        let lookup = match o.trait_type.rsplit_once('-') {
            Some((prefix, _)) if find(prefix).is_some() => prefix,
            _ => o.trait_type.as_str(),
        };
        if find(lookup).is_some_and(|d| d.meta().is_pod_disruptive()) {
            crate::restart_hash::stamp(workload, lookup, &o.value);
        }
    }

    fn final_labels(&self, app: &Application, ns: &str, comp: &str) -> BTreeMap<String, String> {
        let mut l = app::labels(app).clone();
        l.insert(label::APP_NAME.into(), app::name(app).to_string());
        l.insert(label::APP_NAMESPACE.into(), ns.to_string());
        l.insert(label::APP_REVISION.into(), self.options.app_revision.clone());
        l.insert(label::APP_COMPONENT.into(), comp.to_string());
        if !self.options.replica_key.is_empty() {
            l.insert(label::REPLICA_KEY.into(), self.options.replica_key.clone());
        }
        if let Some(f) = app::annotations(app).get(annotation::FILTER_LABEL_KEYS) {
            for k in f.split(',') {
                l.remove(k.trim());
            }
        }
        l
    }
}

/// Renders the component's workload and its `outputs` (as [`AUXILIARY_WORKLOAD`] objects).
fn render_workload(
    def: &dyn Definition,
    ctx: &Context,
    props: &Value,
    comp: &Component,
) -> Result<(Value, Vec<Object>)> {
    let rendered: Rendered = def.render(ctx, props)?;
    let Some(workload) = rendered.output else {
        return Err(Error::Render {
            kind: Kind::Component,
            name: comp.type_.clone(),
            message: "invalid output: the definition produced no `output`".into(),
        });
    };
    let objects = rendered
        .outputs
        .into_iter()
        .map(|(resource, value)| Object {
            trait_type: AUXILIARY_WORKLOAD.to_string(),
            resource,
            value,
        })
        .collect();
    Ok((workload, objects))
}

/// Renders a trait with `context.output` = the workload and `context.outputs` = the objects
/// so far. Both are moved (not copied) into the context and back; objects are copied only
/// when two share an `outputs` key.
fn render_with_outputs(
    def: &dyn Definition,
    ctx: &mut Context,
    props: &Value,
    workload: &mut Value,
    objects: &mut [Object],
) -> Result<Rendered> {
    ctx.output = Some(std::mem::take(workload));
    let unique = objects
        .iter()
        .enumerate()
        .all(|(i, o)| objects[..i].iter().all(|p| p.resource != o.resource));
    ctx.outputs = objects
        .iter_mut()
        .map(|o| {
            let v = if unique {
                std::mem::take(&mut o.value)
            } else {
                o.value.clone()
            };
            (o.resource.clone(), v)
        })
        .collect();
    let rendered = def.render(ctx, props);
    *workload = ctx.output.take().unwrap_or_default();
    if unique {
        for o in objects.iter_mut() {
            if let Some(v) = ctx.outputs.shift_remove(&o.resource) {
                o.value = v;
            }
        }
    }
    ctx.outputs.clear();
    rendered
}

fn set_path(obj: &mut Value, dotted: &str, v: Value) {
    let mut cur = obj;
    let segs: Vec<&str> = dotted.split('.').collect();
    for (i, s) in segs.iter().enumerate() {
        let Some(m) = cur.as_object_mut() else {
            return;
        };
        if i + 1 == segs.len() {
            m.insert(s.to_string(), v);
            return;
        }
        cur = m.entry(s.to_string()).or_insert_with(|| json!({}));
    }
}

/// A CUE definition's `parameter` that conflicts with the properties (`parameter.ports:
/// conflicting values list and 80`) is a parameter problem: reported as [`Error::Invalid`] at
/// `<path>.properties.ports`, as KubeVela reports it under "Parameter errors".
fn parameter_conflict(e: Error, path: &str) -> Error {
    if let Error::Evaluate { source, .. } = &e
        && let vela_cue::Error::Eval {
            path: field,
            msg,
            incomplete: false,
            ..
        } = source.as_ref()
        && let Some(rest) = field.strip_prefix("parameter")
        && (rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
    {
        return Error::Invalid(vec![schema::Issue {
            path: format!("{path}.properties{rest}"),
            message: msg.clone(),
        }]);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_timeout_stops_cue_evaluation() {
        // 250,000 comprehension iterations: well within the limits, longer than no time at all
        let def = crate::cue::CueDefinition::from_cue(
            "slow.cue",
            "import \"list\"\n\"slow\": {type: \"component\", attributes: {}}\ntemplate: {\n\
             r: list.Range(0, 500, 1)\n\
             output: {apiVersion: \"v1\", kind: \"ConfigMap\", data: {n: \"\\(len([for a in r for b in r if b < 0 {}]))\"}}\n\
             parameter: {}\n}\n",
        )
        .unwrap();
        let mut registry = Registry::new();
        registry.insert(Arc::new(def));
        let app = Application::new(
            "a",
            vela_model::application::Spec::with_components(vec![Component::new(
                "c",
                "slow",
                serde_json::json!({}),
            )]),
        );
        let ok = Renderer::new(registry.clone()).render(&app).unwrap();
        assert_eq!(ok[0].workload["data"]["n"], "0");
        let timed = Renderer::new(registry).with_options(Options {
            timeout: Some(std::time::Duration::ZERO),
            ..Options::default()
        });
        let err = timed.render(&app).unwrap_err();
        let chain = err.chain();
        assert!(chain.contains("deadline passed"), "{chain}");
    }
}
