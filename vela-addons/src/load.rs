//! Loading an addon: its files in KubeVela's layout, from a directory, a `.tgz` package or memory.
//!
//! Which file is what follows KubeVela's patterns (`addon.go`): a path belongs to the first
//! pattern it starts with, in the order `config-templates`, `README.md`, `metadata.yaml`,
//! `template.yaml`, `resources/parameter.cue`, `resources`, `definitions`, `schemas`, `views`,
//! `godef`, `template.cue`, `parameter.cue`, `NOTES.cue`, `readme.md`; other files are not read.
//! Directories are read recursively in name order, so `resources/crds/a.yaml` is a resource.
//!
//! A directory is read with bounds ([`Limits`]): symbolic links must stay inside the addon,
//! and the bytes read, the number of files and the depth are capped.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::meta::Meta;

/// One file of an addon: its path relative to the addon (`/`-separated) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The path relative to the addon directory, e.g. `resources/crds/bucket.yaml`.
    pub path: String,
    /// The text.
    pub text: String,
}

impl File {
    /// The file name (the last path element).
    ///
    /// ```
    /// let f = vela_addons::File { path: "resources/crds/a.yaml".into(), text: String::new() };
    /// assert_eq!(f.name(), "a.yaml");
    /// ```
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The extension with its dot (`.cue`), or `""`.
    pub fn ext(&self) -> &str {
        let name = self.name();
        name.rfind('.').map_or("", |i| &name[i..])
    }
}

/// The application template: `template.cue` or `template.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// `template.cue`: its `output` is the Application, its `outputs` auxiliary objects.
    Cue(File),
    /// `template.yaml`: an Application (as JSON).
    Yaml(File, Value),
}

/// A loaded addon (KubeVela's `InstallPackage` with its `UIData`).
#[derive(Debug, Clone, PartialEq)]
pub struct Addon {
    /// `metadata.yaml`.
    pub meta: Meta,
    /// `README.md` (or the legacy `readme.md`).
    pub readme: Option<String>,
    /// `template.cue` or `template.yaml`.
    pub template: Option<Template>,
    /// The parameter schema: `parameter.cue`, else the legacy `resources/parameter.cue`.
    pub parameters: Option<File>,
    /// `resources/**/*.cue` (the `parameter.cue` files excluded).
    pub cue_resources: Vec<File>,
    /// `resources/**/*.yaml|yml`.
    pub yaml_resources: Vec<File>,
    /// `definitions/**/*.cue`.
    pub cue_definitions: Vec<File>,
    /// `definitions/**/*.yaml|yml`.
    pub yaml_definitions: Vec<File>,
    /// `config-templates/**/*.cue`.
    pub config_templates: Vec<File>,
    /// `schemas/**` (UI schemas, any extension).
    pub schemas: Vec<File>,
    /// `views/**/*.cue`.
    pub cue_views: Vec<File>,
    /// `views/**/*.yaml|yml`.
    pub yaml_views: Vec<File>,
    /// `NOTES.cue`.
    pub notes: Option<File>,
    /// `godef/**` (Go definition modules): listed, not compiled.
    pub godef: Vec<String>,
}

/// Bounds on what the loader reads.
///
/// The defaults are ten times the largest addon of kubevela/catalog (grafana: 547,222 bytes in
/// 18 files, 7 directory levels deep), rounded up.
///
/// ```
/// let l = vela_addons::load::Limits::default();
/// assert_eq!((l.max_bytes, l.max_files, l.max_depth), (6 << 20, 4096, 16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The bytes of all files read (and of a `.tgz` package, decompressed).
    pub max_bytes: u64,
    /// The number of files (entries of a package).
    pub max_files: u64,
    /// Directory levels below the addon directory.
    pub max_depth: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 6 << 20,
            max_files: 4096,
            max_depth: 16,
        }
    }
}

/// The patterns, in KubeVela's order (`addon.go` `Patterns`).
const PATTERNS: [&str; 14] = [
    "config-templates",
    "README.md",
    "metadata.yaml",
    "template.yaml",
    "resources/parameter.cue",
    "resources",
    "definitions",
    "schemas",
    "views",
    "godef",
    "template.cue",
    "parameter.cue",
    "NOTES.cue",
    "readme.md",
];

/// The pattern a path belongs to (KubeVela matches by prefix).
pub(crate) fn pattern(path: &str) -> Option<&'static str> {
    PATTERNS.iter().find(|p| path.starts_with(*p)).copied()
}

impl Addon {
    /// Loads an addon directory, or a `.tgz` package (a file), with the default [`Limits`].
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("metadata.yaml"), "name: demo\nversion: 1.0.0\n").unwrap();
    /// std::fs::write(dir.path().join("template.yaml"), "apiVersion: core.oam.dev/v1beta1\nkind: Application\n").unwrap();
    /// let addon = vela_addons::Addon::load(dir.path()).unwrap();
    /// assert_eq!(addon.meta.name, "demo");
    /// ```
    ///
    /// # Errors
    /// [`Error::NotAnAddon`], [`Error::Io`], [`Error::SymlinkEscape`], [`Error::TooLarge`], and
    /// those of [`Addon::from_files`].
    pub fn load(path: &Path) -> Result<Addon> {
        Addon::load_with(path, Limits::default())
    }

    /// [`Addon::load`] with other bounds.
    ///
    /// # Errors
    /// As [`Addon::load`].
    pub fn load_with(path: &Path, limits: Limits) -> Result<Addon> {
        let md = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if md.is_file() {
            let files = crate::package::read_tgz(path, limits)?;
            return Addon::from_files(files);
        }
        if !md.is_dir() {
            return Err(Error::NotAnAddon {
                path: path.to_path_buf(),
            });
        }
        let root = std::fs::canonicalize(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut walk = Walk {
            root: &root,
            limits,
            bytes: 0,
            files: Vec::new(),
        };
        walk.dir(&root, "", 0)?;
        Addon::from_files(walk.files)
    }

    /// Builds an addon from its files (paths relative to the addon, `/`-separated, in the order
    /// KubeVela reads them: name order, directories recursively). Files no pattern claims are
    /// ignored.
    ///
    /// ```
    /// use vela_addons::{Addon, File};
    /// let f = |p: &str, t: &str| File { path: p.into(), text: t.into() };
    /// let err = Addon::from_files(vec![
    ///     f("metadata.yaml", "name: x\nversion: 1.0.0\n"),
    ///     f("template.cue", "output: {}"),
    ///     f("template.yaml", "kind: Application"),
    /// ]).unwrap_err();
    /// assert!(err.to_string().contains("not both"));
    /// ```
    ///
    /// # Errors
    /// [`Error::Missing`] without `metadata.yaml`; [`Error::Field`] when it has no `name` or
    /// `version`, or a field of the wrong type; [`Error::BothTemplates`]; [`Error::Yaml`] when
    /// `template.yaml` is not a YAML mapping.
    pub fn from_files(files: Vec<File>) -> Result<Addon> {
        let mut meta = None;
        let mut readme = None;
        let mut legacy_readme = None;
        let mut cue_template = None;
        let mut yaml_template = None;
        let mut global_parameters = None;
        let mut legacy_parameters = None;
        let mut addon = Addon {
            meta: Meta::default(),
            readme: None,
            template: None,
            parameters: None,
            cue_resources: Vec::new(),
            yaml_resources: Vec::new(),
            cue_definitions: Vec::new(),
            yaml_definitions: Vec::new(),
            config_templates: Vec::new(),
            schemas: Vec::new(),
            cue_views: Vec::new(),
            yaml_views: Vec::new(),
            notes: None,
            godef: Vec::new(),
        };
        for file in files {
            let Some(p) = pattern(&file.path) else {
                continue;
            };
            let ext = file.ext().to_string();
            let yaml = ext == ".yaml" || ext == ".yml";
            match p {
                "metadata.yaml" => meta = Some(file),
                "README.md" => readme = Some(file.text),
                "readme.md" => legacy_readme = Some(file.text),
                "template.yaml" => yaml_template = Some(file),
                "template.cue" => cue_template = Some(file),
                "parameter.cue" => global_parameters = Some(file),
                "resources/parameter.cue" => legacy_parameters = Some(file),
                "NOTES.cue" => addon.notes = Some(file),
                "resources" if file.name() == "parameter.cue" => {}
                "resources" if ext == ".cue" => addon.cue_resources.push(file),
                "resources" if yaml => addon.yaml_resources.push(file),
                "definitions" if ext == ".cue" => addon.cue_definitions.push(file),
                "definitions" if yaml => addon.yaml_definitions.push(file),
                "config-templates" if ext == ".cue" => addon.config_templates.push(file),
                "schemas" => addon.schemas.push(file),
                "views" if ext == ".cue" => addon.cue_views.push(file),
                "views" if yaml => addon.yaml_views.push(file),
                "godef" => addon.godef.push(file.path),
                _ => {}
            }
        }
        let meta = meta.ok_or_else(|| Error::Missing {
            file: "metadata.yaml".into(),
        })?;
        addon.meta = Meta::parse(&meta.text)?;
        if addon.meta.name.is_empty() {
            return Err(Error::field("metadata.yaml", "name", "required field is missing"));
        }
        if addon.meta.version.is_empty() {
            return Err(Error::field(
                "metadata.yaml",
                "version",
                "required field is missing",
            ));
        }
        addon.readme = readme.or(legacy_readme);
        // the global parameter.cue wins over the legacy resources/parameter.cue
        addon.parameters = global_parameters.or(legacy_parameters);
        addon.template = match (cue_template, yaml_template) {
            (Some(_), Some(_)) => return Err(Error::BothTemplates),
            (Some(c), None) => Some(Template::Cue(c)),
            (None, Some(y)) => {
                let value = yaml_value(&y)?;
                if !value.is_object() {
                    return Err(Error::field(
                        "template.yaml",
                        "(document)",
                        "expected an Application (a mapping)",
                    ));
                }
                Some(Template::Yaml(y, value))
            }
            (None, None) => None,
        };
        Ok(addon)
    }

    /// The addon's name (`metadata.yaml` `name`).
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The name of the addon's Application: `addon-<name>`.
    ///
    /// ```
    /// let meta = vela_addons::Meta { name: "fluxcd".into(), ..Default::default() };
    /// assert_eq!(vela_addons::app_name(&meta.name), "addon-fluxcd");
    /// ```
    pub fn app_name(&self) -> String {
        crate::app_name(&self.meta.name)
    }
}

/// Parses one YAML file into JSON, naming the file in errors.
///
/// Only the first document counts, as in KubeVela (`sigs.k8s.io/yaml` reads one document);
/// a leading `---` is fine.
pub(crate) fn yaml_value(file: &File) -> Result<Value> {
    let text = first_document(&file.text);
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    vela_model::parse::from_str(text, vela_model::parse::Mode::Lenient).map_err(|e| Error::Yaml {
        file: file.path.clone(),
        message: e.to_string(),
    })
}

/// The text of the first YAML document that holds more than comments.
fn first_document(text: &str) -> &str {
    let mut start = 0;
    let mut offset = 0;
    let mut content = false;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l.starts_with("--- ") || l == "..." {
            if content {
                return &text[start..offset];
            }
            start = offset + line.len();
        } else if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
            content = true;
        }
        offset += line.len();
    }
    &text[start..]
}

struct Walk<'a> {
    root: &'a Path,
    limits: Limits,
    bytes: u64,
    files: Vec<File>,
}

impl Walk<'_> {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn dir(&mut self, dir: &Path, rel: &str, depth: u64) -> Result<()> {
        if depth > self.limits.max_depth {
            return Err(Error::TooLarge {
                file: rel.to_string(),
                what: "directory levels",
                limit: self.limits.max_depth,
            });
        }
        let mut entries: Vec<(String, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(Self::io(dir))? {
            let entry = entry.map_err(Self::io(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            entries.push((name, entry.path()));
        }
        // Go's os.ReadDir: sorted by file name
        entries.sort();
        for (name, path) in entries {
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let lmd = std::fs::symlink_metadata(&path).map_err(Self::io(&path))?;
            if lmd.is_dir() {
                self.dir(&path, &rel, depth + 1)?;
                continue;
            }
            // only the files a pattern claims are read
            if pattern(&rel).is_none() || !(lmd.is_file() || lmd.file_type().is_symlink()) {
                continue;
            }
            let target = if lmd.file_type().is_symlink() {
                let target = std::fs::canonicalize(&path).map_err(Self::io(&path))?;
                if !target.starts_with(self.root) {
                    return Err(Error::SymlinkEscape { file: rel, target });
                }
                if !target.is_file() {
                    // KubeVela reads a link to a directory as a file and fails
                    return Err(Error::Io {
                        path,
                        source: std::io::Error::other("a symbolic link to a directory is not a file"),
                    });
                }
                target
            } else {
                path
            };
            self.read(target, rel)?;
        }
        Ok(())
    }

    fn read(&mut self, path: PathBuf, rel: String) -> Result<()> {
        if self.files.len() as u64 >= self.limits.max_files {
            return Err(Error::TooLarge {
                file: rel,
                what: "files",
                limit: self.limits.max_files,
            });
        }
        let len = std::fs::metadata(&path).map_err(Self::io(&path))?.len();
        self.bytes = self.bytes.saturating_add(len);
        if self.bytes > self.limits.max_bytes {
            return Err(Error::TooLarge {
                file: rel,
                what: "bytes",
                limit: self.limits.max_bytes,
            });
        }
        // read at most the bound (a file may grow between the stat and the read)
        use std::io::Read as _;
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| f.take(self.limits.max_bytes + 1).read_to_end(&mut buf))
            .map_err(Self::io(&path))?;
        let text = String::from_utf8(buf).map_err(|_| Error::NotText { file: rel.clone() })?;
        self.files.push(File { path: rel, text });
        Ok(())
    }
}

/// Whether a relative path stays inside its root (no `..`, no absolute part).
pub(crate) fn contained(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(p: &str, t: &str) -> File {
        File {
            path: p.into(),
            text: t.into(),
        }
    }

    #[test]
    fn patterns_classify_as_kubevela_does() {
        let a = Addon::from_files(vec![
            f("metadata.yaml", "name: x\nversion: 1.0.0\n"),
            f("readme.md", "legacy"),
            f("resources/parameter.cue", "parameter: {a: 1}"),
            f("resources/a.cue", "output: {}"),
            f("resources/sub/b.yml", "kind: ConfigMap"),
            f("resources/sub/parameter.cue", "ignored"),
            f("resources/notes.txt", "ignored"),
            f("definitions/d.cue", ""),
            f("definitions/d.yaml", ""),
            f("config-templates/c.cue", ""),
            f("config-templates/c.yaml", "ignored"),
            f("schemas/s.yaml", ""),
            f("views/v.cue", ""),
            f("views/v.yaml", ""),
            f("godef/module.yaml", ""),
            f("NOTES.cue", "notes: \"hi\""),
            f("image/x.jpg", "ignored"),
        ])
        .unwrap();
        assert_eq!(a.readme.as_deref(), Some("legacy"));
        assert_eq!(a.parameters.unwrap().path, "resources/parameter.cue");
        assert_eq!(a.cue_resources.len(), 1);
        assert_eq!(a.yaml_resources[0].path, "resources/sub/b.yml");
        assert_eq!((a.cue_definitions.len(), a.yaml_definitions.len()), (1, 1));
        assert_eq!(a.config_templates.len(), 1);
        assert_eq!(a.schemas.len(), 1);
        assert_eq!((a.cue_views.len(), a.yaml_views.len()), (1, 1));
        assert_eq!(a.godef, ["godef/module.yaml"]);
        assert!(a.notes.is_some() && a.template.is_none());
    }

    #[test]
    fn global_parameter_wins_and_readme_prefers_upper_case() {
        let a = Addon::from_files(vec![
            f("README.md", "upper"),
            f("metadata.yaml", "name: x\nversion: 1.0.0\n"),
            f("parameter.cue", "global"),
            f("readme.md", "lower"),
            f("resources/parameter.cue", "legacy"),
        ])
        .unwrap();
        assert_eq!(a.readme.as_deref(), Some("upper"));
        assert_eq!(a.parameters.unwrap().text, "global");
    }

    #[test]
    fn missing_metadata_name_and_version_are_errors() {
        let e = |files: Vec<File>| Addon::from_files(files).unwrap_err().to_string();
        assert_eq!(e(vec![]), "metadata.yaml: required file is missing");
        assert_eq!(
            e(vec![f("metadata.yaml", "version: 1.0.0")]),
            "metadata.yaml: name: required field is missing"
        );
        assert_eq!(
            e(vec![f("metadata.yaml", "name: x")]),
            "metadata.yaml: version: required field is missing"
        );
        assert_eq!(
            e(vec![
                f("metadata.yaml", "name: x\nversion: \"1\"\n"),
                f("template.yaml", "[1]")
            ]),
            "template.yaml: (document): expected an Application (a mapping)"
        );
    }

    #[test]
    fn only_the_first_yaml_document_counts() {
        assert_eq!(first_document("---\n# c\na: 1\n---\nb: 2\n"), "# c\na: 1\n");
        assert_eq!(first_document("# only\n---\na: 1\n"), "a: 1\n");
        assert_eq!(first_document("a: 1\n"), "a: 1\n");
    }

    #[test]
    fn contained_paths() {
        assert!(contained("a/b.cue"));
        assert!(!contained("../a"));
        assert!(!contained("/etc/passwd"));
        assert!(!contained("a/../../b"));
    }
}
