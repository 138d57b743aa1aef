//! The public API: compile once, evaluate many times with injected values, read results.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::ast::{Constraint, File, Name};
use crate::error::{Error, Result};
use crate::eval::{Conj, Ctx, Limits, Usage};
use crate::export::Data;
use crate::hash::FxHashSet;
use crate::value::{NodeId, Val, kind};

mod imports;
mod inspect;
mod tasks;
use imports::file_env;
pub use inspect::{Bound, DeclaredField, Disjunct};
pub use tasks::Task;
use tasks::collect_tasks;

/// One source file of an importable package: file name, text, syntax tree.
type PackageFile = (Arc<str>, Arc<str>, Arc<File>);

/// A compiled CUE program: one main file plus the CUE packages it may import.
///
/// `Program` is cheap to clone and can be shared between threads; every evaluation gets its own
/// [`Instance`] with a private arena, so nothing leaks from one evaluation into the next.
///
/// ```
/// use vela_cue::Program;
/// let p = Program::compile("t.cue", "out: {name: parameter.name, replicas: *1 | int}").unwrap();
/// let inst = p.eval_with(&[("parameter", &serde_json::json!({"name": "web"}))]).unwrap();
/// assert_eq!(inst.lookup("out").unwrap().to_json_string().unwrap(), r#"{"name":"web","replicas":1}"#);
/// ```
#[derive(Clone)]
pub struct Program {
    name: Arc<str>,
    src: Arc<str>,
    file: Arc<File>,
    packages: Arc<HashMap<String, Vec<PackageFile>>>,
    limits: Limits,
    /// Every regular field label of the file: injected JSON keys reuse these names.
    labels: Arc<FxHashSet<Name>>,
    /// References of the file that resolve to no declaration: an error unless a value is
    /// injected under that name.
    unresolved: Arc<[crate::resolve::Unresolved]>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

pub(crate) fn resolve_err(e: Error, name: &str, src: &str) -> Error {
    match e {
        Error::Parse { pos, msg } => Error::Parse {
            pos: pos.resolve(name, src),
            msg,
        },
        Error::Scope { pos, msg } => Error::Scope {
            pos: pos.resolve(name, src),
            msg,
        },
        e => e,
    }
    .capped()
}

impl Program {
    /// Parse `src` (named `name` in error messages).
    pub fn compile(name: &str, src: &str) -> Result<Program> {
        let _span = tracing::debug_span!("cue.compile", file = name).entered();
        let file = crate::parser::parse_file(src).map_err(|e| resolve_err(e, name, src))?;
        crate::resolve::check_imports_used(&file, src).map_err(|e| resolve_err(e, name, src))?;
        let unresolved = crate::resolve::check(&file).map_err(|e| resolve_err(e, name, src))?;
        let mut labels = FxHashSet::default();
        labels.insert(Name::from(""));
        crate::ast::collect_labels(&file.root, &mut labels);
        Ok(Program {
            unresolved: unresolved.into(),
            labels: Arc::new(labels),
            name: name.into(),
            src: src.into(),
            file: Arc::new(file),
            packages: Arc::new(HashMap::new()),
            limits: Limits::default(),
        })
    }

    /// Register a CUE source file of the package imported as `import_path` (e.g. `vela/op`).
    /// Several files of one package are unified.
    pub fn add_package(&mut self, import_path: &str, file_name: &str, src: &str) -> Result<()> {
        let _span = tracing::debug_span!("cue.compile", package = import_path, file = file_name).entered();
        let file = crate::parser::parse_file(src).map_err(|e| resolve_err(e, file_name, src))?;
        // (a file of a package may refer to the top-level fields of the package's other files)
        crate::resolve::check(&file).map_err(|e| resolve_err(e, file_name, src))?;
        Arc::make_mut(&mut self.packages)
            .entry(import_path.to_string())
            .or_default()
            .push((file_name.into(), src.into(), Arc::new(file)));
        Ok(())
    }

    /// Replace the evaluation limits.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The evaluation limits (the defaults unless [`Program::set_limits`] replaced them).
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Evaluate with no injected values.
    pub fn eval(&self) -> Result<Instance> {
        self.eval_with(&[])
    }

    /// Evaluate with values injected at top-level paths (e.g. `parameter`, `context`), each
    /// unified with whatever the program declares there.
    pub fn eval_with(&self, inputs: &[(&str, &Json)]) -> Result<Instance> {
        let inputs: Vec<(&str, Input)> = inputs.iter().map(|(p, v)| (*p, self.input(v))).collect();
        let refs: Vec<(&str, &Input)> = inputs.iter().map(|(p, v)| (*p, v)).collect();
        self.eval_with_inputs(&refs)
    }

    /// `j` converted for [`Program::eval_with_inputs`], its keys sharing this program's labels.
    pub fn input(&self, j: &Json) -> Input {
        Input(Data::from_json(j, &self.labels))
    }

    /// [`Program::eval_with`] with inputs converted beforehand: an [`Input`] can be built once
    /// and given to many evaluations (of any program), each reading only the parts it uses.
    pub fn eval_with_inputs(&self, inputs: &[(&str, &Input)]) -> Result<Instance> {
        let _span = tracing::debug_span!("cue.eval", file = &*self.name).entered();
        // CUE rejects a reference to nothing even where it is never evaluated
        let injected = |name: &str| {
            inputs.iter().any(
                |(p, _)| matches!(parse_path(p).ok().as_deref(), Some([PathElem::Field(f), ..]) if f == name),
            )
        };
        if let Some(u) = self.unresolved.iter().find(|u| !injected(&u.name)) {
            return Err(Error::Scope {
                pos: crate::error::Pos::Offset(u.pos as usize).resolve(&self.name, &self.src),
                msg: format!("reference {:?} not found", &*u.name),
            });
        }
        let mut inst = Instance {
            program: self.clone(),
            fills: Vec::new(),
            ctx: Ctx::new(self.limits),
            root: 0,
        };
        for (p, v) in inputs {
            inst.fills.push((parse_path(p)?, v.0.clone()));
        }
        inst.rebuild()?;
        Ok(inst)
    }
}

/// A JSON value converted once for injection into evaluations ([`Program::eval_with_inputs`]).
///
/// Cloning it copies references, and an evaluation turns an object into fields only when the
/// program reads into it: one large value (KubeVela's `context.components`, the whole
/// application) can be shared by the evaluations of all its components instead of being
/// converted and copied into each.
///
/// ```
/// let components = vela_cue::Input::from_json(&serde_json::json!([{"name": "a"}, {"name": "b"}]));
/// let p = vela_cue::Program::compile("t.cue", "n: len(context.components)").unwrap();
/// for name in ["a", "b"] {
///     let context = vela_cue::Input::object([
///         ("name".to_string(), p.input(&serde_json::json!(name))),
///         ("components".to_string(), components.clone()),
///     ]);
///     let inst = p.eval_with_inputs(&[("context", &context)]).unwrap();
///     assert_eq!(inst.lookup("n").unwrap().to_json().unwrap(), 2);
/// }
/// ```
#[derive(Clone)]
pub struct Input(Data);

impl Input {
    /// Convert `j` (its keys are field names of their own; [`Program::input`] shares a
    /// program's).
    pub fn from_json(j: &Json) -> Input {
        Input(Data::from_json(j, &FxHashSet::default()))
    }

    /// An object of these members, in this order.
    pub fn object(members: impl IntoIterator<Item = (String, Input)>) -> Input {
        let none = FxHashSet::default();
        Input(Data::Obj(
            members
                .into_iter()
                .map(|(k, v)| (Data::label(&k, &none), v.0))
                .collect(),
        ))
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Input(..)")
    }
}

/// One evaluation of a [`Program`]: values are computed lazily on lookup and memoised.
pub struct Instance {
    program: Program,
    fills: Vec<(Vec<PathElem>, Data)>,
    ctx: Ctx,
    root: NodeId,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("program", &self.program.name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum PathElem {
    Field(String),
    Index(usize),
}

fn parse_path(p: &str) -> Result<Vec<PathElem>> {
    let bad = |m: &str| Error::Path {
        path: p.to_string(),
        msg: m.to_string(),
    };
    let mut out = Vec::new();
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => i += 1,
            b'"' => {
                let end = p[i + 1..].find('"').ok_or_else(|| bad("unterminated quote"))? + i + 1;
                out.push(PathElem::Field(p[i + 1..end].to_string()));
                i = end + 1;
            }
            b'[' => {
                let end = p[i..].find(']').ok_or_else(|| bad("unterminated index"))? + i;
                let n = p[i + 1..end]
                    .trim()
                    .parse()
                    .map_err(|_| bad("index must be a number"))?;
                out.push(PathElem::Index(n));
                i = end + 1;
            }
            _ => {
                let end = p[i..].find(['.', '[']).map(|n| n + i).unwrap_or(p.len());
                out.push(PathElem::Field(p[i..end].to_string()));
                i = end;
            }
        }
    }
    Ok(out)
}

impl Instance {
    fn rebuild(&mut self) -> Result<()> {
        let ctx = Ctx::new(self.program.limits);
        let mut pkg_cache: HashMap<String, Val> = HashMap::new();
        let root = ctx.new_node(Default::default(), None, None);
        let env = file_env(
            &ctx,
            &self.program,
            &self.program.file,
            Some(root),
            &mut pkg_cache,
            0,
        )?;
        let mut conjs: crate::eval::Conjs =
            smallvec::smallvec![Conj::lit(self.program.file.root.clone(), env, None)];
        for (path, v) in &self.fills {
            let mut val = ctx.inject(v);
            for el in path.iter().rev() {
                match el {
                    PathElem::Field(f) => {
                        let fields = vec![(Name::from(f.as_str()), val)];
                        val =
                            Val::Struct(ctx.new_node(smallvec::smallvec![Conj::fields(fields)], None, None));
                    }
                    PathElem::Index(_) => {
                        return Err(Error::Path {
                            path: format!("{path:?}"),
                            msg: "cannot fill into a list index".into(),
                        });
                    }
                }
            }
            if let Val::Struct(id) = val {
                conjs.extend(ctx.node(id).conjs.borrow().iter().cloned());
            }
        }
        *ctx.node(root).conjs.borrow_mut() = conjs;
        self.ctx = ctx;
        self.root = root;
        Ok(())
    }

    /// Unify a JSON value into the field at `path` and re-evaluate.
    pub fn fill(&mut self, path: &str, value: &Json) -> Result<()> {
        let _span = tracing::debug_span!("cue.fill", file = &*self.program.name, path).entered();
        self.fills
            .push((parse_path(path)?, Data::from_json(value, &self.program.labels)));
        self.rebuild()
    }

    /// How much of its [`Limits`] this evaluation has used so far (values are computed lazily:
    /// call it after the lookups and exports of interest).
    ///
    /// ```
    /// let inst = vela_cue::Program::compile("u.cue", "a: [for x in [1, 2, 3] {b: x}]").unwrap().eval().unwrap();
    /// inst.root().to_json().unwrap();
    /// let used = inst.usage();
    /// assert!(used.steps > 3 && used.nodes > 3 && used.bytes > 0, "{used:?}");
    /// ```
    pub fn usage(&self) -> Usage {
        self.ctx.usage()
    }

    /// The root value.
    pub fn root(&self) -> Value<'_> {
        Value {
            inst: self,
            val: Val::Struct(self.root),
            path: String::new(),
            parent: None,
        }
    }

    /// Look up a path like `output.spec` or `outputs."my-svc"` or `a.list[0]`.
    /// Returns an error value (check [`Value::exists`]) when the path does not exist.
    pub fn lookup(&self, path: &str) -> Result<Value<'_>> {
        self.root().lookup(path)
    }

    /// Export the value at `path` as JSON (must be concrete).
    pub fn export(&self, path: &str) -> Result<Json> {
        self.lookup(path)?.to_json()
    }

    /// Decode the value at `path` into a Rust type.
    pub fn decode<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.lookup(path)?.decode()
    }

    /// Check the whole evaluation for errors (conflicts, closedness, failed validators), like
    /// CUE's `Value.Validate()` without concreteness: incomplete values are fine.
    pub fn validate(&self) -> Result<()> {
        match self.ctx.deep_error(&Val::Struct(self.root), 64) {
            None => Ok(()),
            Some(e) => Err(self.error(self.ctx.eval_error(&e, ""))),
        }
    }

    /// Every error of the evaluation, at most `max`, in field order: the first is the one
    /// [`Instance::validate`] reports. An error reached through several fields (a conflicting
    /// `parameter` field that the output reads) is listed once.
    ///
    /// ```
    /// let p = vela_cue::Program::compile("t.cue", "a: 1 & 2\nb: {c: \"x\" & \"y\"}\nd: 3").unwrap();
    /// let errors = p.eval().unwrap().errors(10);
    /// assert_eq!(errors.len(), 2);
    /// assert!(errors[1].to_string().contains("b.c"), "{}", errors[1]);
    /// ```
    pub fn errors(&self, max: usize) -> Vec<Error> {
        let mut out: Vec<Error> = Vec::new();
        for e in self.ctx.deep_errors(&Val::Struct(self.root), 64, max) {
            let e = self.error(self.ctx.eval_error(&e, ""));
            if !out.iter().any(|o| o.to_string() == e.to_string()) {
                out.push(e);
            }
        }
        out
    }

    /// Find workflow task structs (those with a `#do` field) under `path`, in field order.
    /// Nested task structs inside a task's `$params`/`$returns` are not reported.
    pub fn tasks(&self, path: &str) -> Result<Vec<Task>> {
        let mut out = Vec::new();
        let v = self.lookup(path)?;
        let mut seen = std::collections::HashSet::new();
        collect_tasks(&v, &mut out, 0, &mut seen);
        Ok(out)
    }

    fn error(&self, e: Error) -> Error {
        match e {
            Error::Eval {
                pos,
                path,
                msg,
                incomplete,
            } => Error::Eval {
                pos: pos.resolve(&self.program.name, &self.program.src),
                path,
                msg,
                incomplete,
            },
            e => e,
        }
        .capped()
    }
}

/// A value inside an [`Instance`].
#[derive(Clone)]
pub struct Value<'a> {
    inst: &'a Instance,
    val: Val,
    path: String,
    parent: Option<(NodeId, Name)>,
}

impl std::fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Value({}: {})", self.path, self.inst.ctx.describe(&self.val))
    }
}

/// The kind of a value as seen by [`Value::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `_|_`
    Bottom,
    /// `null`
    Null,
    /// bool
    Bool,
    /// int
    Int,
    /// float
    Float,
    /// string
    String,
    /// bytes
    Bytes,
    /// struct
    Struct,
    /// list
    List,
    /// not concrete (type, bound, unresolved disjunction, `_`)
    Incomplete,
}

impl<'a> Value<'a> {
    fn child(&self, name: &str) -> Value<'a> {
        let ctx = &self.inst.ctx;
        // a struct with an unresolved comprehension still has its other fields (like CUE's
        // LookupPath), so do not let its error hide them
        let v = match ctx.default_of(&self.val) {
            s @ Val::Struct(_) => s,
            other => ctx.resolve(other),
        };
        let text = crate::ast::label_text(name);
        let path = if self.path.is_empty() {
            text.to_string()
        } else {
            format!("{}.{text}", self.path)
        };
        match v {
            Val::Struct(id) => match ctx.field(id, name) {
                Some((fv, c)) => {
                    let fv = if c == Constraint::Optional && !fv.is_bottom() {
                        Val::incomplete(format!("optional field {name} is not set"), u32::MAX)
                    } else {
                        fv
                    };
                    Value {
                        inst: self.inst,
                        val: fv,
                        path,
                        parent: Some((id, name.into())),
                    }
                }
                None => Value {
                    inst: self.inst,
                    val: Val::incomplete(format!("field not found: {name}"), u32::MAX),
                    path,
                    parent: None,
                },
            },
            other => Value {
                inst: self.inst,
                val: ctx.select(other, &Name::from(name), u32::MAX),
                path,
                parent: None,
            },
        }
    }

    /// Look up a relative path.
    pub fn lookup(&self, path: &str) -> Result<Value<'a>> {
        let mut cur = self.clone();
        for el in parse_path(path)? {
            cur = match el {
                PathElem::Field(f) => cur.child(&f),
                PathElem::Index(i) => {
                    let v =
                        match self.inst.ctx.resolve(cur.val.clone()) {
                            Val::List(l) => l.elems.get(i).cloned().unwrap_or_else(|| {
                                Val::incomplete(format!("index {i} out of range"), u32::MAX)
                            }),
                            Val::Bottom(b) => Val::Bottom(b),
                            _ => Val::bottom("not a list", u32::MAX),
                        };
                    Value {
                        inst: self.inst,
                        val: v,
                        path: format!("{}[{i}]", cur.path),
                        parent: None,
                    }
                }
            };
        }
        Ok(cur)
    }

    /// Path of this value from the root.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `true` unless the value is an error (the answer of `x != _|_`).
    pub fn exists(&self) -> bool {
        !self.inst.ctx.norm(self.val.clone()).is_bottom()
    }

    /// The error, when the value is `_|_`.
    pub fn err(&self) -> Option<Error> {
        if let Val::Struct(id) = self.inst.ctx.default_of(&self.val) {
            self.inst.ctx.expand(id);
            let e = self.inst.ctx.node(id).st.borrow().error.clone();
            if let Some(e) = e {
                return Some(self.inst.error(self.inst.ctx.eval_error(&e, &self.path)));
            }
        }
        match self.inst.ctx.norm(self.val.clone()) {
            v @ Val::Bottom(_) => Some(self.inst.error(self.inst.ctx.eval_error(&v, &self.path))),
            _ => None,
        }
    }

    /// Kind of the value after default selection.
    pub fn kind(&self) -> Kind {
        match self.inst.ctx.resolve(self.val.clone()) {
            Val::Bottom(_) => Kind::Bottom,
            Val::Null => Kind::Null,
            Val::Bool(_) => Kind::Bool,
            Val::Int(_) => Kind::Int,
            Val::Num(n) if n.int => Kind::Int,
            Val::Num(_) => Kind::Float,
            Val::Str(_) => Kind::String,
            Val::Bytes(_) => Kind::Bytes,
            Val::Struct(_) => Kind::Struct,
            Val::List(_) => Kind::List,
            Val::Kind(k) if k == kind::STRUCT => Kind::Struct,
            _ => Kind::Incomplete,
        }
    }

    /// Whether the value (recursively) is concrete, i.e. exports without error.
    pub fn is_concrete(&self) -> bool {
        let mut budget = self.inst.ctx.limits.max_output;
        self.inst
            .ctx
            .export_check(&self.val, &self.path, &mut budget)
            .is_ok()
    }

    /// Export as JSON in CUE field order.
    pub fn to_json(&self) -> Result<Json> {
        let mut budget = self.inst.ctx.limits.max_output;
        self.inst
            .ctx
            .export(&self.val, &self.path, &mut budget)
            .map_err(|e| self.inst.error(e))
    }

    /// Export as compact JSON text exactly like CUE's `Value.MarshalJSON` (no HTML escaping).
    pub fn to_json_string(&self) -> Result<String> {
        let mut budget = self.inst.ctx.limits.max_output;
        self.inst
            .ctx
            .export_text(&self.val, &self.path, &mut budget)
            .map_err(|e| self.inst.error(e))
    }

    /// Export as YAML text exactly like CUE's `yaml.Marshal` and `cue export --out yaml`.
    pub fn to_yaml_string(&self) -> Result<String> {
        let mut budget = self.inst.ctx.limits.max_output;
        let node = self
            .inst
            .ctx
            .export_node(&self.val, &self.path, &mut budget)
            .map_err(|e| self.inst.error(e))?;
        Ok(crate::builtins::yaml_emit::marshal(&node))
    }

    /// Decode into a Rust type.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.to_json()?).map_err(|e| Error::Decode {
            path: self.path.clone(),
            source: Arc::new(e),
        })
    }

    /// Doc comments attached to this field (all declarations), text after `//`, one per line.
    pub fn comments(&self) -> Vec<String> {
        let Some((id, name)) = &self.parent else {
            return Vec::new();
        };
        let node = self.inst.ctx.node(*id);
        let st = node.st.borrow();
        st.fields
            .get(name)
            .map(|s| s.comment_groups(false).flat_map(|c| c.iter().cloned()).collect())
            .unwrap_or_default()
    }

    /// Regular fields (not hidden, not definitions, not unset optional) in CUE order.
    pub fn fields(&self) -> Vec<(String, Value<'a>)> {
        self.fields_filtered(false)
    }

    /// Every field including hidden fields, definitions and optional fields, in order.
    pub fn all_fields(&self) -> Vec<(String, Value<'a>)> {
        self.fields_filtered(true)
    }

    fn fields_filtered(&self, all: bool) -> Vec<(String, Value<'a>)> {
        let ctx = &self.inst.ctx;
        let Val::Struct(id) = ctx.resolve(self.val.clone()) else {
            return Vec::new();
        };
        ctx.expand(id);
        let names: Vec<(Name, Constraint)> = ctx
            .node(id)
            .st
            .borrow()
            .fields
            .iter()
            .map(|(k, s)| (k.clone(), s.constraint))
            .collect();
        let me = Value {
            inst: self.inst,
            val: Val::Struct(id),
            path: self.path.clone(),
            parent: None,
        };
        names
            .into_iter()
            .filter(|(n, c)| all || !(n.starts_with('_') || n.starts_with('#') || *c == Constraint::Optional))
            .map(|(n, _)| (crate::ast::label_text(&n).to_string(), me.child(&n)))
            .collect()
    }

    /// Elements of a list value.
    pub fn elements(&self) -> Vec<Value<'a>> {
        match self.inst.ctx.resolve(self.val.clone()) {
            Val::List(l) => l
                .elems
                .iter()
                .enumerate()
                .map(|(i, e)| Value {
                    inst: self.inst,
                    val: e.clone(),
                    path: format!("{}[{i}]", self.path),
                    parent: None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fill_reevaluates_dependent_fields() {
        let p = Program::compile(
            "step.cue",
            "req: {#do: \"request\", #provider: \"http\", $params: {url: \"u\"}, $returns?: {code: int}}\nfailed: req.$returns.code > 400",
        )
        .unwrap();
        let mut inst = p.eval().unwrap();
        assert!(!inst.lookup("failed").unwrap().exists());
        let tasks = inst.tasks("").unwrap();
        assert_eq!(
            tasks,
            vec![Task {
                path: "req".into(),
                action: "request".into(),
                provider: Some("http".into())
            }]
        );
        inst.fill("req.$returns", &json!({"code": 500})).unwrap();
        assert_eq!(inst.export("failed").unwrap(), json!(true));
    }

    #[test]
    fn a_member_an_imported_package_lacks_is_an_error_not_incomplete() {
        let mut p = Program::compile(
            "t.cue",
            "import \"vela/op\"\nok: op.#Apply & {v: 1}\nmissing: op.#Deploy & {v: 1}\nopen: {...}\nlater: open.#X\n",
        )
        .unwrap();
        p.add_package("vela/op", "op.cue", "#Apply: {v: int, ...}\n")
            .unwrap();
        let inst = p.eval().unwrap();
        assert_eq!(inst.export("ok").unwrap(), json!({"v": 1}));
        match inst.lookup("missing").unwrap().to_json() {
            Err(Error::Eval { incomplete, msg, .. }) => {
                assert!(!incomplete, "{msg}");
                assert!(msg.contains("undefined field: #Deploy"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        // an open struct may still get a definition: incomplete
        assert!(matches!(
            inst.lookup("later").unwrap().to_json(),
            Err(Error::Eval { incomplete: true, .. })
        ));
    }

    #[test]
    fn paths_decode_and_walk() {
        let p = Program::compile("t.cue", "a: {\"b-c\": [1, 2], _h: 1, #d: 2, o?: 3, x: 4}").unwrap();
        let inst = p.eval().unwrap();
        assert_eq!(inst.decode::<Vec<i64>>("a.\"b-c\"").unwrap(), vec![1, 2]);
        assert_eq!(inst.export("a.\"b-c\"[1]").unwrap(), json!(2));
        let names: Vec<String> = inst
            .lookup("a")
            .unwrap()
            .fields()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, vec!["b-c", "x"]);
        assert_eq!(inst.lookup("a").unwrap().all_fields().len(), 5);
        assert_eq!(inst.lookup("a.x").unwrap().kind(), Kind::Int);
        assert!(matches!(inst.decode::<String>("a.x"), Err(Error::Decode { .. })));
        assert!(matches!(inst.lookup("a[\"x"), Err(Error::Path { .. })));
    }

    #[test]
    fn errors_name_position_and_path() {
        let p = Program::compile("e.cue", "a: 1\nb: {c: a & \"x\"}").unwrap();
        let err = p.eval().unwrap().export("b").unwrap_err().to_string();
        assert!(err.starts_with("e.cue:2:"), "{err}");
        assert!(
            err.contains("b.c") && err.contains("conflicting values 1 and \"x\""),
            "{err}"
        );
        let perr = Program::compile("p.cue", "a: {").unwrap_err().to_string();
        assert!(perr.starts_with("p.cue:1:"), "{perr}");
    }

    #[test]
    fn sized_numbers_are_bounded() {
        let p = Program::compile(
            "n.cue",
            "a: int32 & 5\nb: uint8 & 300\nc: float64 & 1.5\nd: rune & -1\ne: int8",
        )
        .unwrap();
        let inst = p.eval().unwrap();
        assert_eq!(inst.export("a").unwrap(), json!(5));
        assert!(inst.export("b").is_err());
        assert_eq!(inst.export("c").unwrap(), json!(1.5));
        assert!(inst.export("d").is_err());
        assert_eq!(inst.lookup("e").unwrap().kind(), Kind::Incomplete);
        let p = Program::compile(
            "m.cue",
            "import \"math\"\na: math.MultipleOf(10, 5)\nb: math.MultipleOf(5) & 7\nc: math.MultipleOf(5) & int\nc: 15\nd: math.MultipleOf(1.5, 0.5)",
        )
        .unwrap();
        let inst = p.eval().unwrap();
        assert_eq!(inst.export("a").unwrap(), json!(true));
        assert!(inst.export("b").is_err());
        assert_eq!(inst.export("c").unwrap(), json!(15));
        assert_eq!(inst.export("d").unwrap(), json!(true));
    }

    #[test]
    fn program_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Program>();
        let p = Program::compile("t.cue", "x: parameter.n + 1").unwrap();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let p = p.clone();
                std::thread::spawn(move || {
                    p.eval_with(&[("parameter", &json!({"n": i}))])
                        .unwrap()
                        .export("x")
                        .unwrap()
                })
            })
            .collect();
        let got: Vec<serde_json::Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(got, vec![json!(1), json!(2), json!(3), json!(4)]);
    }

    #[test]
    fn limits_stop_runaway_programs() {
        let mut p = Program::compile("l.cue", "#L: {n: #L}\nx: #L").unwrap();
        p.set_limits(Limits {
            max_steps: 10_000,
            max_depth: 50,
            max_output: 1000,
            max_nodes: 1000,
            ..Limits::default()
        });
        assert!(p.eval().unwrap().export("x").is_err());
    }
}
