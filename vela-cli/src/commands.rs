//! The command implementations; each returns the text to print.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use vela_render::cue::CueDefinition;
use vela_render::{Kind, Registry, Renderer, app, output};

fn registry(extra: &[PathBuf]) -> Result<Registry> {
    let mut reg = Registry::builtin();
    for p in extra {
        reg.load_path(p)
            .with_context(|| format!("load definitions from {}", p.display()))?;
    }
    Ok(reg)
}

/// `vela dry-run`.
pub fn dry_run(file: &Path, defs: &[PathBuf], json: bool, strict: bool) -> Result<String> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("read application file {}", file.display()))?;
    let app = app::parse(&text).with_context(|| format!("read application file {}", file.display()))?;
    let renderer = Renderer::new(registry(defs)?).with_options(vela_render::render::Options {
        strict,
        ..Default::default()
    });
    let result = vela_render::dryrun::run(&renderer, &app).map_err(|e| anyhow::anyhow!(e.chain()))?;
    if json {
        let all: Vec<Value> = result
            .iter()
            .map(|(title, comps)| serde_json::json!({"title": title, "components": output::dry_run_json(comps)}))
            .collect();
        Ok(serde_json::to_string_pretty(&all)? + "\n")
    } else {
        Ok(result
            .iter()
            .map(|(title, comps)| output::dry_run_text(title, comps))
            .collect())
    }
}

/// `vela def list`.
pub fn def_list(defs: &[PathBuf], kind: Option<&str>) -> Result<String> {
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
    Ok(table(&["NAME", "TYPE", "SOURCE", "DESCRIPTION"], &rows))
}

fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
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

/// `vela def show`.
pub fn def_show(name: &str, defs: &[PathBuf], schema: bool) -> Result<String> {
    let reg = registry(defs)?;
    let def = [Kind::Component, Kind::Trait, Kind::Policy, Kind::WorkflowStep]
        .into_iter()
        .find_map(|k| reg.get(k, name).ok())
        .with_context(|| format!("definition {name:?} not found"))?;
    if schema {
        return Ok(serde_json::to_string_pretty(def.schema())? + "\n");
    }
    let m = def.meta();
    let mut out = format!(
        "# {} ({} {}, {})\n\n{}\n\n",
        m.name,
        m.kind,
        m.version.as_deref().unwrap_or("latest"),
        def.source(),
        m.description
    );
    let mut rows = Vec::new();
    param_rows(def.schema(), "", &mut rows);
    out.push_str(&table(
        &["NAME", "DESCRIPTION", "TYPE", "REQUIRED", "DEFAULT"],
        &rows,
    ));
    Ok(out)
}

/// `vela def render`: CUE file to CR YAML.
pub fn def_render(file: &Path) -> Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
    let def = CueDefinition::from_cue(&file.display().to_string(), &text)?;
    let mut cr = def.to_cr();
    // serde_yaml quotes strings with tabs; print the template as a block scalar like KubeVela.
    let template = cr
        .pointer("/spec/schematic/cue/template")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    const MARK: &str = "__VELA_TEMPLATE__";
    if let Some(t) = cr.pointer_mut("/spec/schematic/cue/template") {
        *t = Value::from(MARK);
    }
    let yaml = serde_yaml::to_string(&cr)?;
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
        match vela_render::vet::vet_path(f) {
            Ok(n) => {
                let _ = writeln!(out, "{}: ok ({n} definition(s))", f.display());
            }
            Err(errors) => {
                failed += 1;
                for e in errors {
                    let _ = writeln!(out, "{}: {e}", f.display());
                }
            }
        }
    }
    if failed > 0 {
        eprint!("{out}");
        bail!("{failed} file(s) failed validation");
    }
    Ok(out)
}
