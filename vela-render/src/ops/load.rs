//! Loading definitions from files and directories: `vela def` CUE files (`.cue`) and
//! definition CRs (`.yaml` / `.yml`, several documents per file allowed; Helm
//! `{{ ... }}` placeholders are replaced by `vela-system`).

use std::path::Path;
use std::sync::Arc;

use vela_model::parse::Document;

use crate::cue::CueDefinition;
use crate::definition::Definition;
use crate::error::{Error, Result};
use crate::registry::Registry;

fn read_err(origin: &Path, source: std::io::Error) -> Error {
    Error::Read {
        origin: origin.display().to_string(),
        source,
    }
}

fn strip_helm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        match rest[i..].find("}}") {
            Some(j) => {
                out.push_str("vela-system");
                rest = &rest[i + j + 2..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses definitions from text; `origin` names the file (its extension picks the format).
///
/// YAML and JSON files are read by vela-model's parser (so errors name the document, line
/// and field path); their `ComponentDefinition`, `TraitDefinition`, `PolicyDefinition` and
/// `WorkflowStepDefinition` documents are loaded with [`CueDefinition::from_resource`] and
/// every other document is skipped.
///
/// # Errors
/// [`Error::Load`] naming `origin`.
pub fn from_text(origin: &Path, text: &str) -> Result<Vec<Arc<dyn Definition>>> {
    let o = origin.display().to_string();
    match origin.extension().and_then(|e| e.to_str()) {
        Some("cue") => Ok(vec![Arc::new(CueDefinition::from_cue(&o, text)?)]),
        Some("yaml" | "yml" | "json") => {
            let text = strip_helm(text);
            let docs = vela_model::parse::documents(&text).map_err(|source| Error::ParseDefinition {
                origin: o.clone(),
                source: Box::new(source),
            })?;
            let mut defs: Vec<Arc<dyn Definition>> = Vec::new();
            for doc in docs {
                let def = match doc {
                    Document::ComponentDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::TraitDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::PolicyDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::WorkflowStepDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    _ => continue,
                };
                defs.push(Arc::new(def));
            }
            Ok(defs)
        }
        _ => Ok(Vec::new()),
    }
}

/// Loads every definition under `path` (a file, or a directory walked recursively in name
/// order). Files of other types are skipped.
pub fn from_path(path: &Path) -> Result<Vec<Arc<dyn Definition>>> {
    let meta = std::fs::metadata(path).map_err(|e| read_err(path, e))?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| read_err(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for p in entries {
            out.extend(from_path(&p)?);
        }
        Ok(out)
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| read_err(path, e))?;
        from_text(path, &text)
    }
}

impl Registry {
    /// Loads every definition under `path` into the registry (replacing same-named ones).
    pub fn load_path(&mut self, path: &Path) -> Result<usize> {
        let defs = from_path(path)?;
        let n = defs.len();
        for d in defs {
            self.insert(d);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_placeholders_are_replaced() {
        assert_eq!(
            strip_helm("namespace: {{ include \"x\" . }}\nname: a"),
            "namespace: vela-system\nname: a"
        );
    }
}
