//! `.tgz` addon packages (what `vela addon package` and helm-style registries hold): a gzip'd tar
//! whose entries sit under one top directory (`fluxcd/metadata.yaml`), loaded like a directory
//! for air-gapped installs.
//!
//! Entries are bounded like a directory ([`Limits`]: decompressed bytes, entry count, depth);
//! links, absolute paths and `..` are refused.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::load::{Addon, File, Limits, contained};

/// Reads the files of a `.tgz` package, sorted as a directory walk reads them.
pub(crate) fn read_tgz(path: &Path, limits: Limits) -> Result<Vec<File>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    files_of(&bytes, &name, limits)
}

impl Addon {
    /// Loads an addon from the bytes of a `.tgz` package; `name` names the package in errors.
    ///
    /// ```
    /// let err = vela_addons::Addon::from_tgz(b"not gzip", "x.tgz", Default::default()).unwrap_err();
    /// assert!(err.to_string().starts_with("x.tgz: "), "{err}");
    /// ```
    ///
    /// # Errors
    /// [`Error::Package`] when it is not a gzip'd tar or holds a link or an escaping path,
    /// [`Error::TooLarge`], and those of [`Addon::from_files`].
    pub fn from_tgz(bytes: &[u8], name: &str, limits: Limits) -> Result<Addon> {
        Addon::from_files(files_of(bytes, name, limits)?)
    }
}

/// Packages an addon directory as `vela addon package` does: a Helm-chart-compatible `.tgz`
/// (`<name>-<version>.tgz`) holding every file of the directory under `<name>/`, with a
/// `Chart.yaml` made from `metadata.yaml` (a `library` chart, so Helm never installs it; the
/// annotations `system.vela`, `system.kubernetes` and `addon.name` are what a helm-style
/// registry's `index.yaml` lists). Entries have mode 0644 and time 0, so the bytes depend only
/// on the files.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("metadata.yaml"), "name: demo\nversion: 1.0.0\n").unwrap();
/// let (file, bytes) = vela_addons::package(dir.path()).unwrap();
/// assert_eq!(file, "demo-1.0.0.tgz");
/// let addon = vela_addons::Addon::from_tgz(&bytes, &file, Default::default()).unwrap();
/// assert_eq!(addon.meta.name, "demo");
/// ```
///
/// # Errors
/// Those of [`Addon::load`] (the directory must be an addon), [`Error::Io`], [`Error::TooLarge`]
/// and [`Error::SymlinkEscape`] while reading every file.
pub fn package(dir: &Path) -> Result<(String, Vec<u8>)> {
    let addon = Addon::load(dir)?;
    let limits = Limits::default();
    let root = std::fs::canonicalize(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    collect(&root, &root, "", 0, limits, &mut files)?;
    files.retain(|(p, _)| p != "Chart.yaml");
    let meta = &addon.meta;
    let mut annotations = serde_json::Map::new();
    if let Some(sys) = &meta.system {
        if !sys.vela.is_empty() {
            annotations.insert("system.vela".into(), sys.vela.clone().into());
        }
        if !sys.kubernetes.is_empty() {
            annotations.insert("system.kubernetes".into(), sys.kubernetes.clone().into());
        }
    }
    annotations.insert("addon.name".into(), meta.name.clone().into());
    let mut chart = serde_json::json!({
        "apiVersion": "v2",
        "name": meta.name,
        "version": meta.version,
        "appVersion": meta.version,
        "description": meta.description,
        "type": "library",
        "annotations": annotations,
    });
    for (k, v) in [("icon", &meta.icon), ("home", &meta.url)] {
        if !v.is_empty() {
            chart[k] = v.clone().into();
        }
    }
    if !meta.tags.is_empty() {
        chart["keywords"] = meta.tags.clone().into();
    }
    files.push((
        "Chart.yaml".into(),
        vela_render::ops::output::to_yaml(&chart).into_bytes(),
    ));
    files.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
    let io = |source: std::io::Error| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{}/{path}", meta.name), data.as_slice())
            .map_err(io)?;
    }
    let tar = tar.into_inner().map_err(io)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).map_err(io)?;
    let bytes = gz.finish().map_err(io)?;
    Ok((format!("{}-{}.tgz", meta.name, meta.version), bytes))
}

/// Every regular file under `dir` (links inside the addon followed), bounded.
fn collect(
    root: &Path,
    dir: &Path,
    rel: &str,
    depth: u64,
    limits: Limits,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if depth > limits.max_depth {
        return Err(Error::TooLarge {
            file: rel.to_string(),
            what: "directory levels",
            limit: limits.max_depth,
        });
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(std::result::Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let target = std::fs::canonicalize(&path).map_err(io(&path))?;
        if !target.starts_with(root) {
            return Err(Error::SymlinkEscape { file: rel, target });
        }
        if target.is_dir() {
            collect(root, &target, &rel, depth + 1, limits, out)?;
            continue;
        }
        if out.len() as u64 >= limits.max_files {
            return Err(Error::TooLarge {
                file: rel,
                what: "files",
                limit: limits.max_files,
            });
        }
        let data = std::fs::read(&target).map_err(io(&target))?;
        let total: u64 = out.iter().map(|(_, d)| d.len() as u64).sum::<u64>() + data.len() as u64;
        if total > limits.max_bytes {
            return Err(Error::TooLarge {
                file: rel,
                what: "bytes",
                limit: limits.max_bytes,
            });
        }
        out.push((rel, data));
    }
    Ok(())
}

fn files_of(bytes: &[u8], name: &str, limits: Limits) -> Result<Vec<File>> {
    let bad = |message: String| Error::Package {
        file: name.to_string(),
        message,
    };
    // the decompressed stream is bounded, whatever the headers claim
    let gz = flate2::read::GzDecoder::new(bytes).take(limits.max_bytes.saturating_add(1 << 20));
    let mut archive = tar::Archive::new(gz);
    let mut raw: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let path = entry.path().map_err(|e| bad(e.to_string()))?;
        let path = path.to_string_lossy().replace('\\', "/");
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(bad(format!(
                "{path}: links and special files are not allowed in a package"
            )));
        }
        if !contained(&path) {
            return Err(bad(format!("{path}: the path leaves the package")));
        }
        if raw.len() as u64 >= limits.max_files {
            return Err(Error::TooLarge {
                file: path,
                what: "files",
                limit: limits.max_files,
            });
        }
        if path.split('/').count() as u64 > limits.max_depth + 2 {
            return Err(Error::TooLarge {
                file: path,
                what: "directory levels",
                limit: limits.max_depth,
            });
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(limits.max_bytes.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| bad(format!("{path}: {e}")))?;
        total = total.saturating_add(data.len() as u64);
        if total > limits.max_bytes {
            return Err(Error::TooLarge {
                file: path,
                what: "bytes",
                limit: limits.max_bytes,
            });
        }
        raw.push((path.trim_start_matches("./").to_string(), data));
    }
    // a helm-style package holds everything under one top directory
    let top = raw
        .first()
        .and_then(|(p, _)| p.split_once('/').map(|(t, _)| t.to_string()));
    let strip = top.filter(|t| raw.iter().all(|(p, _)| p.starts_with(&format!("{t}/"))));
    let mut files = Vec::with_capacity(raw.len());
    for (path, data) in raw {
        let path = match &strip {
            Some(t) => path[t.len() + 1..].to_string(),
            None => path,
        };
        match String::from_utf8(data) {
            Ok(text) => files.push(File { path, text }),
            // binary files (images) are never read as addon files
            Err(_) if crate::load::pattern(&path).is_none() => {}
            Err(_) => return Err(Error::NotText { file: path }),
        }
    }
    files.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (p, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, p, *data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_helm_style_package_loads_like_a_directory() {
        let bytes = tgz(&[
            ("demo/metadata.yaml", b"name: demo\nversion: 1.0.0\n"),
            ("demo/resources/b.yaml", b"kind: ConfigMap\n"),
            ("demo/resources/a/x.yaml", b"kind: Secret\n"),
            ("demo/image/logo.png", &[0xff, 0xfe, 0x00]),
        ]);
        let a = Addon::from_tgz(&bytes, "demo-1.0.0.tgz", Limits::default()).unwrap();
        assert_eq!(a.meta.name, "demo");
        let paths: Vec<&str> = a.yaml_resources.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["resources/a/x.yaml", "resources/b.yaml"]);
    }

    #[test]
    fn a_packaged_directory_loads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("resources/sub")).unwrap();
        std::fs::write(
            d.join("metadata.yaml"),
            "name: p\nversion: v1.2.3\ntags: [a]\nsystem: {vela: '>=1.9.0'}\n",
        )
        .unwrap();
        std::fs::write(d.join("resources/sub/cm.yaml"), "kind: ConfigMap\n").unwrap();
        std::fs::write(d.join("Chart.yaml"), "stale: true\n").unwrap();
        std::fs::write(d.join("logo.png"), [0xffu8, 0, 1]).unwrap();
        let (file, bytes) = package(d).unwrap();
        assert_eq!(file, "p-v1.2.3.tgz");
        assert_eq!(package(d).unwrap().1, bytes, "packaging is reproducible");
        let files = files_of(&bytes, &file, Limits::default()).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        // the binary logo is in the package but is not an addon file
        assert_eq!(paths, ["Chart.yaml", "metadata.yaml", "resources/sub/cm.yaml"]);
        assert_eq!(
            files[0].text,
            "annotations:\n  addon.name: p\n  system.vela: '>=1.9.0'\napiVersion: v2\nappVersion: v1.2.3\ndescription: \"\"\nkeywords:\n- a\nname: p\ntype: library\nversion: v1.2.3\n"
        );
        assert_eq!(
            Addon::from_tgz(&bytes, &file, Limits::default()).unwrap(),
            Addon::load(d).unwrap()
        );
    }

    #[test]
    fn packages_are_bounded() {
        let big = vec![b'a'; 2048];
        let bytes = tgz(&[
            ("d/metadata.yaml", b"name: d\nversion: 1\n"),
            ("d/resources/a.yaml", &big),
        ]);
        let limits = Limits {
            max_bytes: 1024,
            ..Limits::default()
        };
        let err = Addon::from_tgz(&bytes, "d.tgz", limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "resources/a.yaml: the addon exceeds its bound of 1024 bytes"
                .replace("resources/", "d/resources/")
        );
        let limits = Limits {
            max_files: 1,
            ..Limits::default()
        };
        assert!(matches!(
            Addon::from_tgz(&bytes, "d.tgz", limits),
            Err(Error::TooLarge { what: "files", .. })
        ));
    }
}
