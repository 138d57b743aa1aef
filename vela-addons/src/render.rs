//! Rendering an addon to its Application and objects, as KubeVela's `RenderApp` and
//! `dispatchAddonResource` do.
//!
//! * The CUE context is `parameter.cue`, then `context: {metadata: <Meta>}`, then
//!   `parameter: <args>` (the user's arguments unify with the schema's defaults).
//! * `template.cue` is evaluated with that context and the `package main` files of
//!   `resources/`: `output` is the Application, each field of `outputs` an auxiliary object
//!   (labelled `addons.oam.dev/auxiliary-name`). A `template.yaml` is the Application as it is.
//!   With neither, the Application starts empty.
//! * The Application is `addon-<name>` in `vela-system` with the labels `addons.oam.dev/name`,
//!   `addons.oam.dev/version` and `addons.oam.dev/registry`.
//! * `needNamespace` adds a `raw` component `<ns>-namespace` per namespace (not `vela-system`);
//!   `resources/*.yaml` become one `k8s-objects` component `<name>-resources`; every other
//!   `resources/*.cue` file's `output` is a component (named after the file unless it names
//!   itself; a file without `output` adds nothing).
//! * An addon without `template.cue` that deploys to the runtime clusters
//!   (`deployTo.runtimeCluster`) and has no topology policy gets one: to the clusters of the
//!   `clusters` argument plus `local` (`deploy-addon-to-specified-clusters`), else to all
//!   clusters (`deploy-addon-to-all-clusters`).
//! * Definitions (`definitions/*.cue` converted as `vela def` does, `*.yaml` as they are),
//!   config templates, UI schemas and VelaQL views are objects in `vela-system`; an object
//!   annotated `addon.oam.dev/bind-component: <c>` is dropped when the Application has no
//!   component `<c>`. The definitions kept are listed in the Application's
//!   `addon.oam.dev/{component,trait,workflowStep,policy}Definitions` annotations.
//! * The engine applies Applications labelled `addons.oam.dev/name` with an implicit
//!   `apply-once` policy (as KubeVela's resource keeper does).

use serde_json::{Map, Value, json};

use crate::cuefile::{self, Source};
use crate::error::{Error, Result};
use crate::load::{Addon, File, Template, yaml_value};
use crate::objects;

/// The namespace of every addon Application and object.
pub const VELA_SYSTEM: &str = "vela-system";
/// Label: the addon's name.
pub const LABEL_NAME: &str = "addons.oam.dev/name";
/// Label: the addon's version.
pub const LABEL_VERSION: &str = "addons.oam.dev/version";
/// Label: the registry the addon came from (`local` for a directory).
pub const LABEL_REGISTRY: &str = "addons.oam.dev/registry";
/// Label: the `outputs` field an auxiliary object came from.
pub const LABEL_AUXILIARY: &str = "addons.oam.dev/auxiliary-name";
/// Annotation: the component an object or definition belongs to.
pub const BIND_COMPONENT: &str = "addon.oam.dev/bind-component";
/// The deprecated spelling of [`BIND_COMPONENT`].
pub const IGNORE_WITHOUT_COMPONENT: &str = "addon.oam.dev/ignore-without-component";
/// The argument that names the clusters of a runtime-cluster addon.
pub const CLUSTERS_ARG: &str = "clusters";
/// The name of the local (hub) cluster.
pub const LOCAL_CLUSTER: &str = "local";

/// How to render: the arguments and where they come from.
///
/// ```
/// let opts = vela_addons::RenderOptions::default().arg("replicas", 2.into());
/// assert_eq!(opts.args["replicas"], 2);
/// assert_eq!(opts.registry, "local");
/// ```
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The arguments (`parameter`), e.g. from `k=v` on the command line.
    pub args: Map<String, Value>,
    /// The registry's name for the `addons.oam.dev/registry` label.
    pub registry: String,
    /// The registered clusters: a `clusters` argument naming another one is an error. `None`
    /// skips the check (no cluster to ask, as KubeVela without a client).
    pub known_clusters: Option<Vec<String>>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            args: Map::new(),
            registry: "local".into(),
            known_clusters: None,
        }
    }
}

impl RenderOptions {
    /// Adds one argument.
    #[must_use]
    pub fn arg(mut self, key: &str, value: Value) -> Self {
        self.args.insert(key.to_string(), value);
        self
    }
}

/// An addon rendered: its Application and the objects applied beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The Application (`addon-<name>` in `vela-system`), as JSON.
    pub application: Value,
    /// The objects of `template.cue`'s `outputs`.
    pub auxiliary: Vec<Value>,
    /// The X-Definitions of `definitions/`.
    pub definitions: Vec<Value>,
    /// The ConfigMaps of `config-templates/`.
    pub config_templates: Vec<Value>,
    /// The UI schema ConfigMaps of `schemas/`.
    pub schemas: Vec<Value>,
    /// The VelaQL view ConfigMaps of `views/`.
    pub views: Vec<Value>,
    /// `NOTES.cue`'s `notes`, when the addon has one and it renders.
    pub notes: Option<String>,
}

impl Rendered {
    /// Every object beside the Application, in KubeVela's order (auxiliary outputs,
    /// definitions, config templates, schemas, views); objects bound to a component the
    /// Application lacks are already gone.
    pub fn objects(&self) -> impl Iterator<Item = &Value> {
        self.auxiliary
            .iter()
            .chain(&self.definitions)
            .chain(&self.config_templates)
            .chain(&self.schemas)
            .chain(&self.views)
    }

    /// The Application, typed (vela-model's parser, whose errors name the field).
    ///
    /// # Errors
    /// [`Error::Application`] when it is not a valid Application.
    pub fn typed_application(&self) -> Result<vela_model::application::Application> {
        let name = self.application["metadata"]["labels"][LABEL_NAME]
            .as_str()
            .unwrap_or_default()
            .to_string();
        vela_model::parse::application(&self.application.to_string()).map_err(|e| Error::Application {
            addon: name,
            cause: Box::new(e),
        })
    }

    /// The dry-run text: the Application, then every object, as YAML documents separated by
    /// `---` (the layout of KubeVela's `vela addon enable --dry-run`).
    pub fn dry_run_text(&self) -> String {
        let mut out = yaml(&crate::typed::go_typed_print(&self.application, true));
        out.push('\n');
        for o in self.objects() {
            out.push_str("---\n");
            out.push_str(&yaml(o));
            out.push('\n');
        }
        out
    }
}

fn yaml(v: &Value) -> String {
    vela_render::ops::output::to_yaml(v)
}

/// The name of an addon's Application: `addon-<name>`.
///
/// ```
/// assert_eq!(vela_addons::app_name("fluxcd"), "addon-fluxcd");
/// ```
pub fn app_name(addon: &str) -> String {
    format!("addon-{addon}")
}

/// The name of the Secret holding an addon's arguments: `addon-secret-<name>`.
///
/// ```
/// assert_eq!(vela_addons::secret_name("fluxcd"), "addon-secret-fluxcd");
/// ```
pub fn secret_name(addon: &str) -> String {
    format!("addon-secret-{addon}")
}

impl Addon {
    /// Renders the addon with `opts`.
    ///
    /// ```
    /// use vela_addons::{Addon, File, RenderOptions};
    /// let f = |p: &str, t: &str| File { path: p.into(), text: t.into() };
    /// let addon = Addon::from_files(vec![
    ///     f("metadata.yaml", "name: demo\nversion: 1.0.0\nneedNamespace: [demo-system]\n"),
    ///     f("parameter.cue", "parameter: {replicas: *1 | int}"),
    ///     f("template.cue", "output: {apiVersion: \"core.oam.dev/v1beta1\", kind: \"Application\", spec: components: [{name: \"web\", type: \"webservice\", properties: {image: \"nginx\", replicas: parameter.replicas}}]}"),
    /// ]).unwrap();
    /// let r = addon.render(&RenderOptions::default().arg("replicas", 3.into())).unwrap();
    /// assert_eq!(r.application["metadata"]["name"], "addon-demo");
    /// assert_eq!(r.application["spec"]["components"][0]["properties"]["replicas"], 3);
    /// assert_eq!(r.application["spec"]["components"][1]["name"], "demo-system-namespace");
    /// ```
    ///
    /// # Errors
    /// [`Error::Cue`] naming the CUE file that does not compile or evaluate, [`Error::Field`]
    /// when `output` is missing or not an Application, [`Error::Definition`] for a definition
    /// that does not convert, [`Error::UnknownCluster`], [`Error::Argument`].
    pub fn render(&self, opts: &RenderOptions) -> Result<Rendered> {
        let _span = tracing::debug_span!("addon.render", addon = %self.meta.name).entered();
        let context = self.context_file(&opts.args, None)?;
        let (mut app, mut auxiliary) = match &self.template {
            Some(Template::Cue(t)) => self.render_cue_template(t, &context)?,
            Some(Template::Yaml(_, v)) => {
                let mut app = v.clone();
                let spec = ensure_object(&mut app, "spec");
                if !spec.get("components").is_some_and(Value::is_array) {
                    spec.insert("components".into(), json!([]));
                }
                (app, Vec::new())
            }
            None => (
                json!({"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "spec": {"components": []}}),
                Vec::new(),
            ),
        };
        // KubeVela decodes the template into its typed Application: apiVersion and kind are
        // the type's when the template leaves them out (grafana's does)
        if let Some(m) = app.as_object_mut() {
            for (k, v) in [("apiVersion", "core.oam.dev/v1beta1"), ("kind", "Application")] {
                if !m.get(k).is_some_and(Value::is_string) {
                    m.insert(k.into(), json!(v));
                }
            }
        }
        // name, namespace and labels are the addon's, whatever the template says
        let metadata = ensure_object(&mut app, "metadata");
        metadata.insert("name".into(), json!(self.app_name()));
        metadata.insert("namespace".into(), json!(VELA_SYSTEM));
        let labels = ensure_object_in(metadata, "labels");
        labels.insert(LABEL_NAME.into(), json!(self.meta.name));
        labels.insert(LABEL_VERSION.into(), json!(self.meta.version));
        labels.insert(LABEL_REGISTRY.into(), json!(opts.registry));
        for aux in &mut auxiliary {
            let labels = ensure_object_in(ensure_object(aux, "metadata"), "labels");
            labels.insert(LABEL_NAME.into(), json!(self.meta.name));
            labels.insert(LABEL_VERSION.into(), json!(self.meta.version));
        }
        let mut extra = self.namespace_components();
        extra.extend(self.resource_components(&context)?);
        let spec = ensure_object(&mut app, "spec");
        match spec.get_mut("components") {
            Some(Value::Array(comps)) => comps.extend(extra),
            _ if extra.is_empty() => {}
            _ => {
                spec.insert("components".into(), Value::Array(extra));
            }
        }
        self.attach_topology(&mut app, opts)?;
        let components = component_names(&app);
        let bound = |o: &Value| bound_component_exists(o, &components);
        let definitions: Vec<Value> = objects::definitions(self)?.into_iter().filter(bound).collect();
        annotate_definitions(&mut app, &definitions);
        let rendered = Rendered {
            auxiliary: auxiliary.into_iter().filter(bound).collect(),
            definitions,
            config_templates: objects::config_templates(self)?
                .into_iter()
                .filter(bound)
                .collect(),
            schemas: objects::schemas(self)?.into_iter().filter(bound).collect(),
            views: objects::views(self)?.into_iter().filter(bound).collect(),
            notes: self.render_notes(&opts.args)?,
            application: crate::typed::application(&app),
        };
        Ok(rendered)
    }

    /// The context file: `parameter.cue`, `context`, `parameter: <args>`.
    pub(crate) fn context_file(
        &self,
        args: &Map<String, Value>,
        installer: Option<&Value>,
    ) -> Result<String> {
        let mut context = Map::new();
        if let Some(i) = installer {
            context.insert("installer".into(), i.clone());
        }
        context.insert("metadata".into(), self.meta.to_json());
        let mut out = String::new();
        if let Some(p) = &self.parameters {
            out.push_str(&p.text);
            out.push('\n');
        }
        out.push_str(&format!("context: {}\n", Value::Object(context)));
        out.push_str(&format!("parameter: {}\n", Value::Object(args.clone())));
        Ok(out)
    }

    fn parameter_name(&self) -> &str {
        self.parameters
            .as_ref()
            .map_or("parameter.cue", |p| p.path.as_str())
    }

    fn render_cue_template(&self, template: &File, context: &str) -> Result<(Value, Vec<Value>)> {
        let main_package = cuefile::package(&template.text).unwrap_or_else(|| "main".into());
        let context_package = cuefile::package(context).unwrap_or_else(|| "main".into());
        let mut files = vec![Source {
            name: &template.path,
            text: &template.text,
        }];
        if context_package == main_package {
            files.push(Source {
                name: self.parameter_name(),
                text: context,
            });
        }
        for r in &self.cue_resources {
            if cuefile::package(&r.text).is_some_and(|p| p == main_package) {
                files.push(Source {
                    name: &r.path,
                    text: &r.text,
                });
            }
        }
        let names: Vec<&str> = files.iter().map(|f| f.name).collect();
        let label = names.join(", ");
        let program = cuefile::combine(&files)?;
        let inst = compile(&template.path, &program)
            .and_then(|p| p.eval())
            .map_err(|e| Error::cue(label.clone(), e))?;
        let root: Vec<String> = inst.root().fields().into_iter().map(|(k, _)| k).collect();
        if !root.iter().any(|k| k == "output") {
            return Err(Error::field(
                &template.path,
                "output",
                "not found (the Application is `output`)",
            ));
        }
        let app = inst.export("output").map_err(|e| Error::cue(label.clone(), e))?;
        if !app.is_object() {
            return Err(Error::field(
                &template.path,
                "output",
                "expected an Application (a struct)",
            ));
        }
        let mut aux = Vec::new();
        if root.iter().any(|k| k == "outputs") {
            let outputs = inst.export("outputs").map_err(|e| Error::cue(label, e))?;
            if let Value::Object(m) = outputs {
                for (k, mut o) in m {
                    if o.is_object() {
                        let labels = ensure_object_in(ensure_object(&mut o, "metadata"), "labels");
                        labels.insert(LABEL_AUXILIARY.into(), json!(k));
                        aux.push(o);
                    }
                }
            }
        }
        Ok((app, aux))
    }

    fn namespace_components(&self) -> Vec<Value> {
        self.meta
            .need_namespace
            .iter()
            .filter(|ns| *ns != VELA_SYSTEM)
            .map(|ns| {
                json!({
                    "name": format!("{ns}-namespace"),
                    "type": "raw",
                    "properties": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                })
            })
            .collect()
    }

    fn resource_components(&self, context: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        if !self.yaml_resources.is_empty() {
            let mut objects = Vec::with_capacity(self.yaml_resources.len());
            for f in &self.yaml_resources {
                objects.push(yaml_value(f)?);
            }
            out.push(json!({
                "name": format!("{}-resources", self.meta.name),
                "type": "k8s-objects",
                "properties": {"objects": objects},
            }));
        }
        for f in &self.cue_resources {
            if cuefile::package(&f.text).as_deref() == Some("main") {
                // part of the application template
                continue;
            }
            if let Some(c) = self.render_component(f, context)? {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn render_component(&self, f: &File, context: &str) -> Result<Option<Value>> {
        let program = cuefile::combine(&[
            Source {
                name: self.parameter_name(),
                text: context,
            },
            Source {
                name: &f.path,
                text: &f.text,
            },
        ])?;
        let inst = compile(&f.path, &program)
            .and_then(|p| p.eval())
            .map_err(|e| Error::cue(&f.path, e))?;
        if !inst.root().fields().iter().any(|(k, _)| k == "output") {
            return Ok(None);
        }
        let mut comp = inst.export("output").map_err(|e| Error::cue(&f.path, e))?;
        let Some(m) = comp.as_object_mut() else {
            return Err(Error::field(&f.path, "output", "expected a component (a struct)"));
        };
        if m.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
            let name = f.name();
            let stem = name.rfind('.').map_or(name, |i| &name[..i]);
            m.insert("name".into(), json!(stem.replace('.', "-")));
        }
        Ok(Some(comp))
    }

    fn attach_topology(&self, app: &mut Value, opts: &RenderOptions) -> Result<()> {
        // a CUE template says where it goes itself (KubeVela: "white-box")
        if matches!(self.template, Some(Template::Cue(_))) || !self.meta.deploys_to_runtime() {
            return Ok(());
        }
        let has_topology = app["spec"]["policies"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["type"] == "topology"));
        if has_topology {
            return Ok(());
        }
        let mut clusters: Vec<String> = Vec::new();
        if let Some(Value::Array(items)) = opts.args.get(CLUSTERS_ARG) {
            for c in items {
                let Some(c) = c.as_str().map(str::trim) else {
                    return Err(Error::Argument {
                        arg: CLUSTERS_ARG.into(),
                        message: "expected a list of cluster names".into(),
                    });
                };
                if c.is_empty() {
                    continue;
                }
                if let Some(known) = &opts.known_clusters
                    && !known.iter().any(|k| k == c)
                {
                    return Err(Error::UnknownCluster(c.to_string()));
                }
                clusters.push(c.to_string());
            }
        }
        let policy = if clusters.is_empty() {
            json!({"name": "deploy-addon-to-all-clusters", "type": "topology", "properties": {"clusterLabelSelector": {}}})
        } else {
            if !clusters.iter().any(|c| c == LOCAL_CLUSTER) {
                clusters.push(LOCAL_CLUSTER.into());
            }
            json!({"name": "deploy-addon-to-specified-clusters", "type": "topology", "properties": {"clusters": clusters}})
        };
        let spec = ensure_object(app, "spec");
        match spec.get_mut("policies") {
            Some(Value::Array(ps)) => ps.push(policy),
            _ => {
                spec.insert("policies".into(), json!([policy]));
            }
        }
        Ok(())
    }

    /// `NOTES.cue`'s `notes` (KubeVela prints it after enabling; a failure only warns).
    fn render_notes(&self, args: &Map<String, Value>) -> Result<Option<String>> {
        let Some(notes) = &self.notes else {
            return Ok(None);
        };
        let context = self.context_file(args, Some(&json!({})))?;
        let rendered = cuefile::combine(&[
            Source {
                name: self.parameter_name(),
                text: &context,
            },
            Source {
                name: &notes.path,
                text: &notes.text,
            },
        ])
        .and_then(|program| {
            compile(&notes.path, &program)
                .and_then(|p| p.eval())
                .and_then(|i| i.export("notes"))
                .map_err(|e| Error::cue(&notes.path, e))
        });
        match rendered {
            Ok(Value::String(s)) => Ok(Some(s)),
            Ok(_) => {
                tracing::warn!(addon = %self.meta.name, "NOTES.cue: notes is not a string");
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(addon = %self.meta.name, error = %e, "NOTES.cue does not render");
                Ok(None)
            }
        }
    }
}

/// Compiles an addon program. Addons written for CUE before v0.11 add lists (`[a] + b`), which
/// CUE v0.11 and later reject; KubeVela v1.11 rewrites such definitions to `list.Concat`, and
/// addon programs get the same meaning here (grafana, loki and prometheus-server of the catalog
/// need it).
fn compile(name: &str, src: &str) -> std::result::Result<vela_cue::Program, vela_cue::Error> {
    let mut p = vela_cue::Program::compile(name, src)?;
    p.set_limits(p.limits().with_list_arithmetic(true));
    Ok(p)
}

pub(crate) fn ensure_object<'a>(v: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !v.is_object() {
        *v = json!({});
    }
    let m = v.as_object_mut().expect("made an object above");
    ensure_object_in(m, key)
}

pub(crate) fn ensure_object_in<'a>(m: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    if !m.get(key).is_some_and(Value::is_object) {
        m.insert(key.to_string(), json!({}));
    }
    m.get_mut(key)
        .and_then(Value::as_object_mut)
        .expect("inserted above")
}

fn component_names(app: &Value) -> Vec<String> {
    app["spec"]["components"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// KubeVela's `checkBondComponentExist`.
fn bound_component_exists(o: &Value, components: &[String]) -> bool {
    let annotations = &o["metadata"]["annotations"];
    let bound = annotations[BIND_COMPONENT]
        .as_str()
        .or_else(|| annotations[IGNORE_WITHOUT_COMPONENT].as_str());
    bound.is_none_or(|c| components.iter().any(|n| n == c))
}

/// KubeVela's `passDefInAppAnnotation`.
fn annotate_definitions(app: &mut Value, definitions: &[Value]) {
    let kinds = [
        ("ComponentDefinition", "addon.oam.dev/componentDefinitions"),
        ("TraitDefinition", "addon.oam.dev/traitDefinitions"),
        ("WorkflowStepDefinition", "addon.oam.dev/workflowStepDefinitions"),
        ("PolicyDefinition", "addon.oam.dev/policyDefinitions"),
    ];
    for (kind, annotation) in kinds {
        let names: Vec<&str> = definitions
            .iter()
            .filter(|d| d["kind"] == kind)
            .filter_map(|d| d["metadata"]["name"].as_str())
            .collect();
        if !names.is_empty() {
            let md = ensure_object(app, "metadata");
            ensure_object_in(md, "annotations").insert(annotation.into(), json!(names.join(",")));
        }
    }
}
