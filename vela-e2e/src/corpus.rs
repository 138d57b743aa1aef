//! The documents of KubeVela's conformance corpus ([`crate::conformance_dir`]) that end-to-end
//! tests send to real API servers: the built-in definition CRs and every `kind: Application`
//! document of the examples (YAML files and the YAML blocks of markdown files).

use std::path::{Path, PathBuf};

/// One document of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Where it comes from: `<file relative to the folder>[#block<n>]@doc<m>`.
    pub source: String,
    /// Its YAML text.
    pub text: String,
}

/// Why the corpus could not be read.
#[derive(Debug, thiserror::Error)]
#[error("read the KubeVela corpus at {path} (set VELA_CONFORMANCE_DIR): {source}")]
pub struct Error {
    /// The file or folder.
    pub path: PathBuf,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let err = |source| Error {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).map_err(err)? {
        entries.push(e.map_err(err)?.path());
    }
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error {
        path: path.to_path_buf(),
        source,
    })
}

/// The YAML code blocks (and blocks without a language) of a markdown text.
pub fn fences(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<(bool, String)> = None;
    for line in md.lines() {
        let t = line.trim_start();
        match open.as_mut() {
            Some((keep, block)) => {
                if t.starts_with("```") {
                    if *keep {
                        blocks.push(std::mem::take(block));
                    }
                    open = None;
                } else {
                    block.push_str(line);
                    block.push('\n');
                }
            }
            None => {
                if let Some(lang) = t.strip_prefix("```") {
                    let lang = lang.trim();
                    let keep = lang.is_empty() || lang.starts_with("yaml") || lang.starts_with("yml");
                    open = Some((keep, String::new()));
                }
            }
        }
    }
    blocks
}

/// Splits a YAML text at `---` lines; empty documents are dropped.
pub fn split_docs(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

/// Replaces Helm `{{ ... }}` placeholders (the definition CRs' namespace) with `vela-system`.
pub fn strip_helm(text: &str) -> String {
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

/// Every `kind: Application` document (`apiVersion: core.oam.dev/...`) under `examples/`, in
/// file order (the same selection as vela-model's corpus test).
///
/// # Errors
/// When the corpus cannot be read.
pub fn applications(root: &Path) -> Result<Vec<Doc>, Error> {
    let root = root.join("examples");
    let mut paths = Vec::new();
    files(&root, &mut paths)?;
    let mut out = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let texts: Vec<(String, String)> = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml" | "json") => vec![(rel.clone(), read(&path)?)],
            Some("md") => fences(&read(&path)?)
                .into_iter()
                .enumerate()
                .map(|(i, b)| (format!("{rel}#block{}", i + 1), b))
                .collect(),
            _ => continue,
        };
        for (source, text) in texts {
            for (d, doc) in split_docs(&text).into_iter().enumerate() {
                let is_app = doc.lines().any(|l| l.trim_end() == "kind: Application")
                    && doc.lines().any(|l| l.starts_with("apiVersion: core.oam.dev/"));
                if is_app {
                    out.push(Doc {
                        source: format!("{source}@doc{}", d + 1),
                        text: doc,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The files of `definitions-cr/` (KubeVela's built-in definitions as CRs), each with its Helm
/// placeholders replaced.
///
/// # Errors
/// When the corpus cannot be read.
pub fn definition_crs(root: &Path) -> Result<Vec<Doc>, Error> {
    let dir = root.join("definitions-cr");
    let mut paths = Vec::new();
    files(&dir, &mut paths)?;
    paths
        .into_iter()
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .map(|p| {
            Ok(Doc {
                source: p.strip_prefix(&dir).unwrap_or(&p).display().to_string(),
                text: strip_helm(&read(&p)?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_yaml_blocks_and_documents() {
        let md = "text\n```yaml\na: 1\n---\nb: 2\n```\n```shell\nls\n```\n```\nc: 3\n```\n";
        let blocks = fences(md);
        assert_eq!(blocks, ["a: 1\n---\nb: 2\n", "c: 3\n"]);
        assert_eq!(split_docs(&blocks[0]), ["a: 1\n", "b: 2\n"]);
        assert_eq!(
            strip_helm("namespace: {{ include \"x\" . }}\n"),
            "namespace: vela-system\n"
        );
    }

    #[test]
    fn a_missing_corpus_names_its_path() {
        let err = applications(Path::new("/nonexistent-corpus")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent-corpus/examples"), "{err}");
    }
}
