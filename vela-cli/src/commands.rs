//! The command implementations; each returns the text to print on stdout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use vela_render::cue::CueDefinition;
use vela_render::ops::output;
use vela_render::{Kind, Registry, Renderer, app};

use crate::cli::{DocumentFormat, ListingFormat};

pub(crate) fn registry(extra: &[PathBuf]) -> Result<Registry> {
    let mut reg = Registry::builtin();
    for p in extra {
        reg.load_path(p)
            .with_context(|| format!("load definitions from {}", p.display()))?;
        tracing::info!(path = %p.display(), "loaded definitions");
    }
    Ok(reg)
}

/// The definitions an engine on `hub` renders with: the built-ins, then the CUE definitions
/// stored in the hub's `vela-system` (earlier addons', `vela def apply`'s, a KubeVela
/// installation's), then those stored in `namespace` (the application's, as KubeVela looks
/// there first), then `extra` (`-d`), each stronger than the ones before. A stored definition
/// that does not compile is reported on stderr and left out.
pub(crate) async fn hub_registry(
    hub: &vela_multicluster::Fleet,
    namespace: Option<&str>,
    extra: &[PathBuf],
) -> Result<Registry> {
    use vela_engine::definitions::{self, Skip};
    let mut reg = Registry::builtin();
    let system = vela_engine::install::DEFINITIONS_NAMESPACE;
    let mut namespaces = vec![system];
    namespaces.extend(namespace.filter(|ns| *ns != system));
    for ns in namespaces {
        let stored = definitions::stored(hub, ns)
            .await
            .with_context(|| format!("read the definitions stored in the hub's namespace {ns}"))?;
        for (object, why) in &stored.skipped {
            match why {
                Skip::Invalid(_) => eprintln!("Warning: {object} in namespace {ns} is not used: {why}"),
                _ => tracing::debug!(%object, %why, "stored definition not loaded"),
            }
        }
        tracing::info!(
            namespace = ns,
            count = stored.definitions.len(),
            "loaded stored definitions"
        );
        stored.add_to(&mut reg);
    }
    for p in extra {
        reg.load_path(p)
            .with_context(|| format!("load definitions from {}", p.display()))?;
        tracing::info!(path = %p.display(), "loaded definitions");
    }
    Ok(reg)
}

/// Reads a file, or standard input when the path is `-`, within the input limits (a regular
/// file of at most 8 MiB: `vela_render::ops::input`).
pub(crate) fn read_input(path: &Path, what: &str) -> Result<String> {
    use vela_render::ops::input;
    if path == Path::new("-") {
        let text = input::read_stdin(input::MAX_FILE_BYTES)
            .with_context(|| format!("read {what} from standard input"))?;
        tracing::debug!(bytes = text.len(), "read {what} from standard input");
        return Ok(text);
    }
    let text = input::read_file(path, input::MAX_FILE_BYTES)
        .with_context(|| format!("read {what} {}", path.display()))?;
    tracing::debug!(path = %path.display(), bytes = text.len(), "read {what}");
    Ok(text)
}

/// Where the input came from, for error messages.
pub(crate) fn source_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// `vela dry-run`.
pub struct DryRun<'a> {
    /// The Application file, or `-`.
    pub file: &'a Path,
    /// Extra definitions.
    pub definitions: &'a [PathBuf],
    /// `-n`: the namespace when the file names none.
    pub namespace: Option<&'a str>,
    /// `-o`.
    pub format: DocumentFormat,
    /// `--strict`.
    pub strict: bool,
}

impl DryRun<'_> {
    /// Renders the Application and returns the text to print.
    pub fn run(&self) -> Result<String> {
        let source = source_name(self.file);
        let text = read_input(self.file, "application file")?;
        let mut app = app::parse(&text).with_context(|| format!("read application file {source}"))?;
        set_namespace(&mut app, self.namespace)?;
        let renderer = Renderer::new(registry(self.definitions)?)
            .with_options(vela_render::render::Options::default().with_strict(self.strict));
        // Everything KubeVela would refuse, before anything is rendered.
        vela_render::ops::check::application(renderer.registry(), &app)
            .with_context(|| format!("check application file {source}"))?;
        let result =
            vela_render::ops::dryrun::run(&renderer, &app).map_err(|e| anyhow::anyhow!(e.chain()))?;
        tracing::info!(
            application = app::name(&app),
            namespace = app::namespace(&app),
            sections = result.len(),
            "rendered"
        );
        match self.format {
            DocumentFormat::Json => {
                let all: Vec<Value> = result
                    .iter()
                    .map(|(title, comps)| json!({"title": title, "components": output::dry_run_json(comps)}))
                    .collect();
                Ok(serde_json::to_string_pretty(&all)? + "\n")
            }
            // KubeVela prints its buffer with `Fprintln`: one more newline at the end
            DocumentFormat::Yaml => Ok(result
                .iter()
                .map(|(title, comps)| output::dry_run_text(title, comps))
                .collect::<String>()
                + "\n"),
        }
    }
}

/// `-n`: fills in the Application's namespace when its file names none; a file naming another
/// namespace is an error, as kubectl reports it.
pub(crate) fn set_namespace(app: &mut vela_render::Application, namespace: Option<&str>) -> Result<()> {
    let Some(wanted) = namespace else {
        return Ok(());
    };
    match app.metadata.namespace.as_deref() {
        None | Some("") => app.metadata.namespace = Some(wanted.to_owned()),
        Some(ns) if ns == wanted => {}
        Some(ns) => bail!(
            "metadata.namespace: the application file says {ns:?} but --namespace says {wanted:?}; \
             pass --namespace={ns} or remove the namespace from the file"
        ),
    }
    Ok(())
}

/// `vela def list`.
pub fn def_list(defs: &[PathBuf], kind: Option<&str>, format: ListingFormat) -> Result<String> {
    let reg = registry(defs)?;
    let want = match kind {
        Some(k) => Some(Kind::parse(k).with_context(|| format!("unknown definition type {k:?}"))?),
        None => None,
    };
    let rows: Vec<[String; 4]> = reg
        .list()
        .filter(|d| want.is_none_or(|k| d.meta().kind == k))
        .map(|d| {
            let m = d.meta();
            [
                m.name.clone(),
                m.kind.to_string(),
                d.source().to_string(),
                m.description.clone(),
            ]
        })
        .collect();
    let header = ["NAME", "TYPE", "SOURCE", "DESCRIPTION"];
    if format == ListingFormat::Table {
        return Ok(table(&header, &rows));
    }
    let items: Vec<Value> = rows.iter().map(|r| record(&header, r)).collect();
    document(&Value::Array(items), format)
}

/// A table row as an object keyed by the lower-cased column names.
fn record<const N: usize>(header: &[&str; N], row: &[String; N]) -> Value {
    Value::Object(
        header
            .iter()
            .zip(row)
            .map(|(h, c)| (h.to_lowercase(), Value::from(c.as_str())))
            .collect(),
    )
}

/// A value printed as JSON or YAML (`-o json|yaml`).
pub(crate) fn document(value: &Value, format: ListingFormat) -> Result<String> {
    match format {
        ListingFormat::Json => Ok(serde_json::to_string_pretty(value)? + "\n"),
        ListingFormat::Yaml => Ok(output::to_yaml(value)),
        ListingFormat::Table => bail!("a table cannot show this output"),
    }
}

pub(crate) fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

fn type_of(s: &Value) -> String {
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join("|"),
        _ => {
            if let Some(Value::Array(e)) = s.get("enum") {
                return e.iter().map(Value::to_string).collect::<Vec<_>>().join(" or ");
            }
            if s.get("anyOf").or(s.get("oneOf")).is_some() {
                return "oneOf".into();
            }
            return String::new();
        }
    };
    if ty == "array" {
        let inner = s.get("items").map(type_of).unwrap_or_default();
        return format!("[]{inner}");
    }
    if ty == "object"
        && s.get("properties").is_none()
        && let Some(ap) = s.get("additionalProperties").filter(|v| v.is_object())
    {
        return format!("map[string]{}", type_of(ap));
    }
    if let Some(Value::Array(e)) = s.get("enum") {
        return e.iter().map(Value::to_string).collect::<Vec<_>>().join(" or ");
    }
    ty
}

fn param_rows(schema: &Value, prefix: &str, rows: &mut Vec<[String; 5]>) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (k, s) in props {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        rows.push([
            name.clone(),
            s.get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .replace('\n', " "),
            type_of(s),
            required.contains(&k.as_str()).to_string(),
            s.get("default").map(Value::to_string).unwrap_or_default(),
        ]);
        if s.get("properties").is_some() {
            param_rows(s, &name, rows);
        }
        if let Some(items) = s.get("items").filter(|i| i.get("properties").is_some()) {
            param_rows(items, &format!("{name}[]"), rows);
        }
    }
}

/// `vela def show`: the parameters as a table or a document, or (`schema`) the OpenAPI schema.
pub fn def_show(name: &str, defs: &[PathBuf], schema: bool, format: ListingFormat) -> Result<String> {
    let reg = registry(defs)?;
    let def = [Kind::Component, Kind::Trait, Kind::Policy, Kind::WorkflowStep]
        .into_iter()
        .find_map(|k| reg.get(k, name).ok())
        .with_context(|| format!("definition {name:?} not found"))?;
    if schema {
        return document(def.schema(), format);
    }
    let m = def.meta();
    let version = m.version.as_deref().unwrap_or("latest");
    let mut rows = Vec::new();
    param_rows(def.schema(), "", &mut rows);
    if format != ListingFormat::Table {
        let parameters: Vec<Value> = rows
            .iter()
            .map(|[name, description, ty, required, default]| {
                json!({
                    "name": name,
                    "description": description,
                    "type": ty,
                    "required": required == "true",
                    // `param_rows` printed the default as JSON text: give it back its type.
                    "default": serde_json::from_str::<Value>(default).unwrap_or(Value::Null),
                })
            })
            .collect();
        let shown = json!({
            "name": m.name,
            "type": m.kind.to_string(),
            "version": version,
            "source": def.source().to_string(),
            "description": m.description,
            "parameters": parameters,
        });
        return document(&shown, format);
    }
    let mut out = format!(
        "# {} ({} {version}, {})\n\n{}\n\n",
        m.name,
        m.kind,
        def.source(),
        m.description
    );
    out.push_str(&table(
        &["NAME", "DESCRIPTION", "TYPE", "REQUIRED", "DEFAULT"],
        &rows,
    ));
    Ok(out)
}

/// `vela def render`: a CUE file (or standard input) to its CR, as YAML or JSON.
pub fn def_render(file: &Path, format: DocumentFormat) -> Result<String> {
    let text = read_input(file, "definition file")?;
    let def = CueDefinition::from_cue(&source_name(file), &text)?;
    let mut cr = def.to_cr();
    if format == DocumentFormat::Json {
        return Ok(serde_json::to_string_pretty(&cr)? + "\n");
    }
    // The YAML writer quotes strings with tabs; print the template as a block scalar like KubeVela.
    let template = cr
        .pointer("/spec/schematic/cue/template")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    const MARK: &str = "__VELA_TEMPLATE__";
    if let Some(t) = cr.pointer_mut("/spec/schematic/cue/template") {
        *t = Value::from(MARK);
    }
    let yaml = vela_render::vela_model::yaml::to_string(&cr)?;
    let mut out = String::new();
    for line in yaml.lines() {
        match line.find(MARK) {
            Some(i) => {
                let indent = line.len() - line.trim_start().len() + 2;
                out.push_str(&line[..i]);
                out.push_str("|\n");
                for l in template.lines() {
                    if !l.is_empty() {
                        out.push_str(&" ".repeat(indent));
                        out.push_str(l);
                    }
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// `vela def vet`: load every file and render it with its defaults.
pub fn def_vet(files: &[PathBuf]) -> Result<String> {
    let mut out = String::new();
    let mut failed = 0;
    for f in files {
        match vela_render::ops::vet::vet_path(f) {
            Ok(n) => {
                let _ = writeln!(out, "{}: ok ({n} definition(s))", f.display());
            }
            Err(vela_render::ops::vet::Error::Failed(failures)) => {
                failed += 1;
                for e in failures {
                    let _ = writeln!(out, "{}: {e}", f.display());
                }
            }
            Err(vela_render::ops::vet::Error::Load(e)) => {
                failed += 1;
                let _ = writeln!(out, "{}: {}", f.display(), e.chain());
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(out, "{}: {e}", f.display());
            }
        }
    }
    if failed > 0 {
        eprint!("{out}");
        bail!("{failed} file(s) failed validation");
    }
    Ok(out)
}
