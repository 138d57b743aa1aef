//! Loading definitions from files and directories: `vela def` CUE files (`.cue`) and
//! definition CRs (`.yaml` / `.yml`, several documents per file allowed; Helm
//! `{{ ... }}` placeholders are replaced by `vela-system`).

use std::path::Path;
use std::sync::Arc;

use vela_model::parse::Document;

use crate::cue::CueDefinition;
use crate::definition::Definition;
use crate::error::{Error, Result};
use crate::ops::input;
use crate::registry::Registry;

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
/// `WorkflowStepDefinition` documents are loaded with [`CueDefinition::from_resource`].
///
/// # Errors
/// [`Error::Load`] naming `origin`, also for a document of any other kind (a Deployment, an
/// Application) and for a file whose extension is not `.cue`, `.yaml`, `.yml` or `.json`.
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
            for (i, doc) in docs.into_iter().enumerate() {
                let def = match doc {
                    Document::ComponentDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::TraitDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::PolicyDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    Document::WorkflowStepDefinition(d) => CueDefinition::from_resource(&o, d.as_ref())?,
                    other => {
                        return Err(load_err(
                            &o,
                            format!(
                                "document {} is a {}, not a definition (expected {DEFINITION_KINDS})",
                                i + 1,
                                other.kind()
                            ),
                        ));
                    }
                };
                defs.push(Arc::new(def));
            }
            Ok(defs)
        }
        _ => Err(load_err(&o, format!("not a definition file: {DEFINITION_FILES}"))),
    }
}

/// Whether a file of this name holds definitions (`.cue`, `.yaml`, `.yml`, `.json`): other
/// files in a directory are skipped without being opened.
fn has_definition_extension(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("cue" | "yaml" | "yml" | "json")
    )
}

/// The kinds a definition CR file may hold.
const DEFINITION_KINDS: &str =
    "ComponentDefinition, TraitDefinition, PolicyDefinition or WorkflowStepDefinition";

/// The files definitions are read from.
const DEFINITION_FILES: &str = "expected `vela def` files (.cue) or definition CRs (.yaml, .yml, .json)";

fn load_err(origin: &str, message: String) -> Error {
    Error::Load {
        origin: origin.to_string(),
        message,
    }
}

/// [`from_path`], failing when `path` yields no definition at all (an empty directory, a file
/// of another type): what `vela dry-run -d` and `vela def vet` load, where a path that adds
/// nothing is a mistake.
///
/// # Errors
/// Those of [`from_path`], and [`Error::Load`] when nothing was found.
pub fn definitions(path: &Path) -> Result<Vec<Arc<dyn Definition>>> {
    let defs = from_path(path)?;
    if defs.is_empty() {
        return Err(load_err(
            &path.display().to_string(),
            format!("no definition found: {DEFINITION_FILES}"),
        ));
    }
    Ok(defs)
}

/// Loads every definition under `path` (a file, or a directory walked recursively in name
/// order). Files of other types are skipped without being read; every read is bounded
/// ([`crate::ops::input`]: regular files only, size caps per file and per directory tree).
///
/// # Errors
/// [`Error::Input`] for a path that cannot be read within the limits, [`Error::Load`] and
/// [`Error::ParseDefinition`] for a file that does not hold valid definitions.
pub fn from_path(path: &Path) -> Result<Vec<Arc<dyn Definition>>> {
    let mut budget = input::TreeBudget::default();
    from_path_within(path, 0, &mut budget)
}

fn from_path_within(
    path: &Path,
    depth: usize,
    budget: &mut input::TreeBudget,
) -> Result<Vec<Arc<dyn Definition>>> {
    let input_err = |source| Error::Input {
        origin: path.display().to_string(),
        source,
    };
    if input::is_dir(path).map_err(input_err)? {
        let mut out = Vec::new();
        for p in input::dir_entries(path, depth).map_err(input_err)? {
            if has_definition_extension(&p) || p.is_dir() {
                out.extend(from_path_within(&p, depth + 1, budget)?);
            }
        }
        Ok(out)
    } else if has_definition_extension(path) {
        let text = budget.read(path).map_err(input_err)?;
        from_text(path, &text)
    } else {
        Ok(Vec::new())
    }
}

impl Registry {
    /// Loads every definition under `path` into the registry (replacing same-named ones).
    ///
    /// # Errors
    /// Those of [`definitions`]: also when `path` holds no definition.
    pub fn load_path(&mut self, path: &Path) -> Result<usize> {
        let defs = definitions(path)?;
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

    /// A fresh empty directory for one test.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vela-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const DEF: &str = "\"probe\": {type: \"trait\", attributes: {}}\ntemplate: patch: {}\n";

    #[test]
    fn other_files_in_a_directory_are_skipped_without_being_read() {
        let dir = scratch("skip");
        std::fs::write(dir.join("probe.cue"), DEF).unwrap();
        // not UTF-8, and larger than the per-file limit: never opened
        std::fs::write(dir.join("logo.png"), [0x89, b'P', b'N', b'G', 0xff]).unwrap();
        let big = std::fs::File::create(dir.join("data.bin")).unwrap();
        big.set_len(input::MAX_FILE_BYTES + 1).unwrap();
        let defs = from_path(&dir).unwrap();
        assert_eq!(defs.len(), 1);
        // a definition file over the limit is refused from its size
        let f = std::fs::File::create(dir.join("huge.cue")).unwrap();
        f.set_len(input::MAX_FILE_BYTES + 1).unwrap();
        let err = from_path(&dir).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Input {
                    source: input::Error::TooLarge { .. },
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_among_definitions_is_refused() {
        let dir = scratch("fifo");
        std::fs::write(dir.join("a.cue"), DEF).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("b.cue"))
            .status()
            .unwrap();
        assert!(made.success());
        let err = from_path(&dir).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Input {
                    source: input::Error::NotRegular { what: "a FIFO", .. },
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            from_path(std::path::Path::new("/dev/zero")),
            Err(Error::Input { .. })
        ));
    }

    #[test]
    fn helm_placeholders_are_replaced() {
        assert_eq!(
            strip_helm("namespace: {{ include \"x\" . }}\nname: a"),
            "namespace: vela-system\nname: a"
        );
    }
}
