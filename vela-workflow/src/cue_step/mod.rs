//! CUE-defined step types (feature `cue`): a `WorkflowStepDefinition`'s template run by a task
//! engine over `vela-cue`.
//!
//! The template is evaluated with `parameter` and `context`; every struct with `#do` and
//! `#provider` is a task. Tasks whose parameters are concrete run in field order through a
//! [`Provider`]; their results are filled into `$returns` (or, for the legacy flat `vela/op`
//! style, into the task struct) and the template is evaluated again, until no task is left to
//! run. An action that stops the step (`#Suspend`, `#ConditionalWait` with `continue: false`,
//! `#Fail`, `#Break`) ends the pass, as in KubeVela.

pub mod packages;
mod providers;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

pub use providers::{Builtin, Config, Email, Http, Kube, Metrics, Time, Util, time};

use crate::cluster::Objects;
use crate::http as guarded;
use crate::step::{self, Context, StepType};

/// What a provider call did.
#[derive(Debug)]
pub enum Call {
    /// The action finished with these results (filled into `$returns`).
    Returns(Value),
    /// The action finished without results.
    Done,
    /// The action stopped the step for this pass (suspend, wait, fail, break).
    Stop,
}

/// A provider of task actions (`#provider: "kube"`, ...).
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Runs `action` with `params`. `label` is the task's field name.
    async fn call(
        &self,
        action: &str,
        params: Value,
        label: &str,
        ctx: &mut Context<'_>,
    ) -> step::Result<Call>;
}

/// Providers by name. `op` (the legacy flat style) dispatches to the others by action.
#[derive(Clone, Default)]
pub struct Providers {
    by_name: HashMap<String, Arc<dyn Provider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.by_name.keys().collect();
        names.sort();
        f.debug_struct("Providers").field("names", &names).finish()
    }
}

impl Providers {
    /// No providers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// `builtin`, `kube`, `http`, `util`, `email`, `time`, `config` and `metrics` over these
    /// objects and HTTP client.
    #[must_use]
    pub fn standard(objects: Arc<dyn Objects>, http: guarded::Client) -> Self {
        let mut p = Self::new();
        p.register("builtin", Builtin);
        p.register("kube", Kube::new(objects.clone()));
        p.register("http", Http::new(http.clone(), objects.clone()));
        p.register("util", Util);
        p.register("email", Email::new(http.clone()));
        p.register("time", Time);
        p.register("config", Config::new(objects));
        p.register("metrics", Metrics::new(http));
        p
    }

    /// Registers (or replaces) a provider.
    pub fn register(&mut self, name: impl Into<String>, provider: impl Provider) -> &mut Self {
        self.by_name.insert(name.into(), Arc::new(provider));
        self
    }

    /// Whether a task with this `#provider` and `#do` has a registered provider (the legacy
    /// `op` provider resolved by action, as when running).
    #[must_use]
    pub fn contains(&self, provider: &str, action: &str) -> bool {
        self.get(provider, action).is_some()
    }

    fn get(&self, provider: &str, action: &str) -> Option<&Arc<dyn Provider>> {
        if provider != "op" {
            return self.by_name.get(provider);
        }
        let target = match action {
            "do" => "http",
            "apply" | "apply-in-parallel" | "read" | "list" | "delete" | "patch" => "kube",
            "send" => "email",
            "string" | "log" => "util",
            "timestamp" | "date" => "time",
            "create-config" | "read-config" | "list-config" | "delete-config" => "config",
            "promCheck" => "metrics",
            // KubeVela's application providers (an engine that delivers applications
            // registers them)
            "deploy" | "list-clusters" => "multicluster",
            "load" | "load-comps-in-order" | "load-policies" | "component-apply" => "oam",
            _ => "builtin",
        };
        self.by_name.get(target)
    }
}

/// CUE packages importable by templates (`vela/kube`, `vela/op`, ...).
#[derive(Clone, Debug, Default)]
pub struct Packages {
    files: Vec<(String, String, String)>,
}

impl Packages {
    /// No packages.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source file of the package imported as `import_path`.
    pub fn add(&mut self, import_path: &str, file_name: &str, src: &str) -> &mut Self {
        self.files
            .push((import_path.into(), file_name.into(), src.into()));
        self
    }

    /// The files: (import path, file name, source).
    pub fn files(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.files
            .iter()
            .map(|(i, f, s)| (i.as_str(), f.as_str(), s.as_str()))
    }

    /// Vela-rs's own provider packages (`vela/kube`, `vela/builtin`, `vela/http`, ... and the
    /// legacy `vela/op`), generated from the actions the standard providers implement: see
    /// [`packages`].
    ///
    /// ```
    /// let packages = vela_workflow::cue_step::Packages::standard();
    /// assert!(packages.files().any(|(import, _, src)| import == "vela/op" && src.contains("#Apply:")));
    /// ```
    #[must_use]
    pub fn standard() -> Self {
        packages::standard()
    }

    /// KubeVela's workflow provider packages from a checkout of `kubevela/workflow`'s
    /// `pkg/providers` directory: `vela/<name>` from `<name>/*.cue` (`builtin` from
    /// `builtin/`), and `vela/op` from every file under `legacy/`.
    ///
    /// # Errors
    /// When the directory cannot be read.
    pub fn from_workflow_providers(dir: &std::path::Path) -> std::io::Result<Self> {
        let mut p = Self::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            if !e.file_type()?.is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let import = if name == "legacy" {
                "vela/op".to_owned()
            } else {
                format!("vela/{name}")
            };
            let mut stack = vec![e.path()];
            while let Some(d) = stack.pop() {
                let mut files: Vec<_> = std::fs::read_dir(&d)?.collect::<Result<_, _>>()?;
                files.sort_by_key(std::fs::DirEntry::file_name);
                for f in files {
                    let path = f.path();
                    if f.file_type()?.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|x| x == "cue") {
                        let src = std::fs::read_to_string(&path)?;
                        p.add(&import, &path.display().to_string(), &src);
                    }
                }
            }
        }
        Ok(p)
    }
}

/// Loading a definition failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The definition or a package is not valid CUE.
    #[error("{what} is not valid CUE")]
    Cue {
        /// What was being loaded.
        what: String,
        /// Cause.
        #[source]
        source: vela_cue::Error,
    },
}

/// A step type defined by a CUE template.
#[derive(Clone)]
pub struct CueStep {
    program: vela_cue::Program,
    providers: Arc<Providers>,
}

impl std::fmt::Debug for CueStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CueStep").finish_non_exhaustive()
    }
}

impl CueStep {
    /// Loads a `WorkflowStepDefinition` in `vela def` CUE form (metadata and `template`).
    ///
    /// # Errors
    /// [`Error::Cue`] when the definition or a package does not parse.
    pub fn from_definition(
        name: &str,
        src: &str,
        packages: &Packages,
        providers: Arc<Providers>,
    ) -> Result<Self, Error> {
        let def = vela_cue::definition::split(src).map_err(|source| Error::Cue {
            what: format!("definition {name}"),
            source,
        })?;
        Self::from_template(name, &def.template(), packages, providers)
    }

    /// Loads a bare template (the body of `template: {...}` with its imports).
    ///
    /// # Errors
    /// [`Error::Cue`] when the template or a package does not parse.
    pub fn from_template(
        name: &str,
        template: &str,
        packages: &Packages,
        providers: Arc<Providers>,
    ) -> Result<Self, Error> {
        let mut program =
            vela_cue::Program::compile(&format!("{name}.cue"), template).map_err(|source| Error::Cue {
                what: format!("template of {name}"),
                source,
            })?;
        for (import, file, src) in &packages.files {
            program
                .add_package(import, file, src)
                .map_err(|source| Error::Cue {
                    what: format!("package {import} ({file})"),
                    source,
                })?;
        }
        Ok(Self { program, providers })
    }
}

impl CueStep {
    /// The same step type calling `providers` (the compiled template is shared, not copied):
    /// one compiled definition serves engines over different clusters.
    #[must_use]
    pub fn with_providers(&self, providers: Arc<Providers>) -> Self {
        Self {
            program: self.program.clone(),
            providers,
        }
    }
}

fn strip_defs(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !k.starts_with('#'))
                .map(|(k, v)| (k, strip_defs(v)))
                .collect(),
        ),
        other => other,
    }
}

#[async_trait]
impl StepType for CueStep {
    async fn run(&self, ctx: &mut Context<'_>) -> step::Result<Value> {
        let parameter = ctx.parameter().clone();
        let context = ctx.context().clone();
        // `Instance` is not `Send`: every evaluation happens between awaits, never across one.
        let eval = |fills: &[(String, Value)]| -> step::Result<vela_cue::Instance> {
            let mut inst = self
                .program
                .eval_with(&[("parameter", &parameter), ("context", &context)])
                .map_err(|e| step::Error::new("evaluate template", e))?;
            for (path, v) in fills {
                inst.fill(path, v)
                    .map_err(|e| step::Error::new(format!("fill {path}"), e))?;
            }
            Ok(inst)
        };
        let mut fills: Vec<(String, Value)> = Vec::new();
        let mut done: HashSet<String> = HashSet::new();
        let mut stopped = false;
        loop {
            // Find the next ready task.
            let next = {
                let inst = eval(&fills)?;
                let tasks = inst.tasks("").map_err(|e| step::Error::new("find tasks", e))?;
                let mut found = None;
                for t in tasks {
                    if done.contains(&t.path) {
                        continue;
                    }
                    let Some(provider) = t.provider.clone() else {
                        continue;
                    };
                    let legacy = provider == "op";
                    let params_path = if legacy {
                        t.path.clone()
                    } else {
                        format!("{}.$params", t.path)
                    };
                    let params = match inst.lookup(&params_path) {
                        Ok(v) if v.exists() => match v.to_json() {
                            Ok(p) => p,
                            Err(_) => continue, // not ready yet
                        },
                        _ if legacy => continue,
                        _ => Value::Object(Map::new()),
                    };
                    found = Some((t.path, t.action, provider, strip_defs(params), legacy));
                    break;
                }
                found
            };
            let Some((path, action, provider, params, legacy)) = next else {
                break;
            };
            done.insert(path.clone());
            let p = self.providers.get(&provider, &action).cloned().ok_or_else(|| {
                step::Error::msg(format!("{path}: no provider {provider:?} for action {action:?}"))
            })?;
            let label = path.rsplit('.').next().unwrap_or(&path).to_owned();
            match p.call(&action, params, &label, ctx).await? {
                Call::Returns(r) => {
                    if legacy {
                        if let Value::Object(m) = r {
                            for (k, v) in m {
                                // KubeVela's legacy `op.#List` fills `list`
                                let k = if action == "list" && k == "values" {
                                    "list".to_owned()
                                } else {
                                    k
                                };
                                fills.push((format!("{path}.{k}"), v));
                            }
                        }
                    } else {
                        fills.push((format!("{path}.$returns"), r));
                    }
                }
                Call::Done => {}
                Call::Stop => {
                    stopped = true;
                    break;
                }
            }
        }
        let inst = eval(&fills)?;
        let mut out = Map::new();
        for (k, v) in inst.root().fields() {
            match v.to_json() {
                Ok(j) => {
                    out.insert(k, strip_defs(j));
                }
                Err(vela_cue::Error::Eval { incomplete: true, .. }) => {}
                Err(e) if !stopped && k != "parameter" && k != "context" => {
                    return Err(step::Error::new(format!("evaluate {k}"), e));
                }
                Err(_) => {}
            }
        }
        Ok(Value::Object(out))
    }
}
