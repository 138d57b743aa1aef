//! Git addon registries: a registry entry `{"name", "git": {"url", "path"?, "token"?}}` (also
//! KubeVela's `gitee` entries, and `gitlab` ones with `url` + `repo`) is a git repository whose
//! directory `path` (default: the root) holds addon directories, read at the remote's `HEAD`.
//!
//! The repository is read with gitoxide ([`gix`]), never by running `git`:
//! * a path or `file://` URL opens a repository on the local disk in place (no copy, no hooks,
//!   no configuration of the repository or the user is read);
//! * `http://` and `https://` fetch a shallow copy (depth 1) with git's smart protocol, every
//!   request sent by the one guarded HTTP client ([`vela_http`]): private, loopback and
//!   link-local addresses are refused unless [`Options::allow_private`] is set (then only the
//!   registry's own host), responses are size-capped, redirects are checked; a `token` is sent
//!   as the password of basic auth;
//! * `git://` fetches the same way over a TCP connection to an address the guard allowed,
//!   capped and with timeouts.
//!
//! Other schemes (`ssh://`, `scp`-like `host:path`) are refused: they would run a program.
//! The fetched copy lives in a temporary directory removed afterwards; addons are read from
//! the object database with the loader's bounds ([`Limits`]), symbolic links and submodules are
//! skipped (they cannot point outside a tree that is never checked out).
//!
//! ```no_run
//! use vela_addons::git::{GitRegistry, GitSource, Options};
//! let source = GitSource::new("https://github.com/kubevela/catalog").with_path("addons");
//! let registry = GitRegistry::new("catalog", &source, &Options::default()).unwrap();
//! let snapshot = registry.snapshot().unwrap();
//! for (name, addon) in &snapshot.addons {
//!     println!("{name} {}", addon.meta.version);
//! }
//! ```

mod transport;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};

use crate::load::{Addon, File, Limits};

/// What went wrong with a git registry; every variant names the registry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry entry's settings are invalid.
    #[error("registry {registry}: {field}: {message}")]
    Settings {
        /// The registry's name.
        registry: String,
        /// The field (`git.url`, `gitlab.repo`, ...).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The repository could not be reached, refused by the guard, or the fetch failed.
    #[error("registry {registry}: fetch {url}: {message}")]
    Fetch {
        /// The registry's name.
        registry: String,
        /// The repository URL (without credentials).
        url: String,
        /// The cause, with its chain.
        message: String,
    },
    /// The fetched repository could not be read (no `HEAD`, no such `path`).
    #[error("registry {registry}: {what}: {message}")]
    Read {
        /// The registry's name.
        registry: String,
        /// What was read (`HEAD`, `path addons`).
        what: String,
        /// What is wrong.
        message: String,
    },
}

/// The result type of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The `git` settings of a registry entry (KubeVela's `GitAddonSource`).
///
/// ```
/// let s = vela_addons::git::GitSource::new("https://example.com/addons.git").with_path("addons/");
/// assert_eq!(s.to_settings()["path"], "addons/");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitSource {
    /// `url`: the repository (`https://`, `http://`, `git://`, `file://` or a local path).
    pub url: String,
    /// `path`: the directory of the repository that holds the addons (`""`: the root).
    pub path: String,
    /// `token`: sent as the password of basic auth over http(s).
    pub token: String,
}

impl GitSource {
    /// A source for the repository at `url`, addons at its root.
    ///
    /// ```
    /// assert_eq!(vela_addons::git::GitSource::new("file:///srv/addons").path, "");
    /// ```
    pub fn new(url: &str) -> GitSource {
        GitSource {
            url: url.to_string(),
            ..GitSource::default()
        }
    }

    /// With the directory that holds the addons.
    ///
    /// ```
    /// assert_eq!(vela_addons::git::GitSource::new("u").with_path("addons").path, "addons");
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: &str) -> GitSource {
        self.path = path.to_string();
        self
    }

    /// With a token.
    ///
    /// ```
    /// assert_eq!(vela_addons::git::GitSource::new("u").with_token("t").token, "t");
    /// ```
    #[must_use]
    pub fn with_token(mut self, token: &str) -> GitSource {
        self.token = token.to_string();
        self
    }

    /// The settings as KubeVela stores them (`url`, `path`, `token` when set).
    ///
    /// ```
    /// let v = vela_addons::git::GitSource::new("https://x/r.git").to_settings();
    /// assert_eq!(v, serde_json::json!({"url": "https://x/r.git", "path": ""}));
    /// ```
    pub fn to_settings(&self) -> Value {
        let mut v = json!({"url": self.url, "path": self.path});
        if !self.token.is_empty() {
            v["token"] = json!(self.token);
        }
        v
    }

    /// Reads the settings of registry `registry`'s entry of type `kind` (`git`, `gitee`:
    /// `url`, `path`, `token`; `gitlab`: `url` of the server and `repo`, the project).
    ///
    /// ```
    /// use vela_addons::git::GitSource;
    /// let s = GitSource::from_settings("r", "gitlab", &serde_json::json!({"url": "https://gitlab.example.com/", "repo": "team/addons"})).unwrap();
    /// assert_eq!(s.url, "https://gitlab.example.com/team/addons.git");
    /// let err = GitSource::from_settings("r", "git", &serde_json::json!({"path": "addons"})).unwrap_err();
    /// assert_eq!(err.to_string(), "registry r: git.url: is required");
    /// ```
    ///
    /// # Errors
    /// [`Error::Settings`] naming the field: a missing `url` (or `repo` for gitlab), a field
    /// that is not a string.
    pub fn from_settings(registry: &str, kind: &str, settings: &Value) -> Result<GitSource> {
        let text = |field: &str| -> Result<String> {
            match settings.get(field) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(other) => Err(Error::Settings {
                    registry: registry.to_string(),
                    field: format!("{kind}.{field}"),
                    message: format!("expected a string, found {other}"),
                }),
            }
        };
        let required = |field: &str, v: String| -> Result<String> {
            if v.trim().is_empty() {
                return Err(Error::Settings {
                    registry: registry.to_string(),
                    field: format!("{kind}.{field}"),
                    message: "is required".into(),
                });
            }
            Ok(v)
        };
        let mut url = required("url", text("url")?)?;
        if kind == "gitlab" {
            let repo = required("repo", text("repo")?)?;
            url = format!("{}/{}.git", url.trim_end_matches('/'), repo.trim_matches('/'));
        }
        Ok(GitSource {
            url,
            path: text("path")?,
            token: text("token")?,
        })
    }
}

/// How a git registry is read.
///
/// ```
/// let o = vela_addons::git::Options::default();
/// assert!(!o.allow_private);
/// assert_eq!(o.max_fetch_bytes, 64 << 20);
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    /// Allow the registry's own host even when it is a private, loopback or link-local address
    /// (default `false`: refused by the guard).
    pub allow_private: bool,
    /// The most bytes one response (or a `git://` connection) may carry (default 64 MiB).
    pub max_fetch_bytes: usize,
    /// The bounds of each addon read from the repository (bytes, files, depth).
    pub limits: Limits,
    /// The timeout of each request or connection step (default 60 s).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_private: false,
            max_fetch_bytes: 64 << 20,
            limits: Limits::default(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl Options {
    /// Sets [`Options::allow_private`].
    ///
    /// ```
    /// assert!(vela_addons::git::Options::default().allowing_private(true).allow_private);
    /// ```
    #[must_use]
    pub fn allowing_private(mut self, allow: bool) -> Options {
        self.allow_private = allow;
        self
    }
}

/// Where the repository is.
#[derive(Debug, Clone)]
enum Location {
    /// On the local disk, read in place.
    Disk(PathBuf),
    /// `http(s)://`.
    Http(gix::Url),
    /// `git://host[:port]/path`.
    Daemon(gix::Url),
}

/// A git registry, ready to be read.
///
/// ```
/// use vela_addons::git::{GitRegistry, GitSource, Options};
/// let err = GitRegistry::new("r", &GitSource::new("ssh://git@example.com/a.git"), &Options::default()).unwrap_err();
/// assert!(err.to_string().contains("ssh"), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct GitRegistry {
    name: String,
    source: GitSource,
    location: Location,
    options: Options,
}

/// What a registry holds at the commit read.
#[derive(Debug)]
pub struct Snapshot {
    /// The commit read (hex).
    pub commit: String,
    /// The addons, by their `metadata.yaml` name.
    pub addons: BTreeMap<String, Addon>,
    /// Directories that are not loadable addons, with the reason (they are left out).
    pub skipped: Vec<(String, crate::Error)>,
}

impl GitRegistry {
    /// A registry named `name` reading `source`.
    ///
    /// # Errors
    /// [`Error::Settings`] for a URL that does not parse or whose scheme is not `http`,
    /// `https`, `git` or `file` (or a local path), or a `path` that leaves the repository.
    pub fn new(name: &str, source: &GitSource, options: &Options) -> Result<GitRegistry> {
        let bad = |field: &str, message: String| Error::Settings {
            registry: name.to_string(),
            field: format!("git.{field}"),
            message,
        };
        if !crate::load::contained(source.path.trim_matches('/')) {
            return Err(bad("path", format!("{:?} leaves the repository", source.path)));
        }
        let raw = source.url.trim();
        let location = if raw.starts_with('/') || raw.starts_with("./") || raw.starts_with("../") {
            Location::Disk(PathBuf::from(raw))
        } else {
            let url = gix::url::parse(gix::bstr::BStr::new(raw))
                .map_err(|e| bad("url", format!("{raw:?}: {e}")))?;
            match url.scheme {
                gix::url::Scheme::File => Location::Disk(PathBuf::from(url.path.to_string())),
                gix::url::Scheme::Http | gix::url::Scheme::Https => Location::Http(url),
                gix::url::Scheme::Git => Location::Daemon(url),
                ref other => {
                    return Err(bad(
                        "url",
                        format!(
                            "{raw:?}: scheme {} is not supported (https://, http://, git://, file:// or a local path; ssh would run a program)",
                            other.as_str()
                        ),
                    ));
                }
            }
        };
        Ok(GitRegistry {
            name: name.to_string(),
            source: source.clone(),
            location,
            options: options.clone(),
        })
    }

    /// The registry's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The repository URL as configured.
    pub fn url(&self) -> &str {
        &self.source.url
    }

    /// Reads the registry: the remote's `HEAD` (fetched, depth 1) or the local repository's,
    /// and every addon directory under `path`.
    ///
    /// # Errors
    /// [`Error::Fetch`] when the repository cannot be reached, is refused by the guard or the
    /// fetch fails; [`Error::Read`] when it has no `HEAD` or no directory `path`.
    pub fn snapshot(&self) -> Result<Snapshot> {
        match &self.location {
            Location::Disk(dir) => {
                let repo = gix::open_opts(dir, gix::open::Options::isolated())
                    .map_err(|e| self.fetch_err(&chain(&e)))?;
                let head = repo
                    .head_id()
                    .map_err(|e| self.read_err("HEAD", &chain(&e)))?
                    .detach();
                self.read(&repo, head)
            }
            Location::Http(url) | Location::Daemon(url) => {
                let dir = TempDir::new(&self.name).map_err(|e| self.fetch_err(&e.to_string()))?;
                let (repo, head) = self.fetch(url, &dir.0)?;
                self.read(&repo, head)
            }
        }
    }

    fn fetch_err(&self, message: &str) -> Error {
        let mut url = self.source.url.clone();
        if let Ok(mut u) = url::Url::parse(&url)
            && u.password().is_some()
        {
            let _ = u.set_password(Some("***"));
            url = u.to_string();
        }
        Error::Fetch {
            registry: self.name.clone(),
            url,
            message: message.to_string(),
        }
    }

    fn read_err(&self, what: &str, message: &str) -> Error {
        Error::Read {
            registry: self.name.clone(),
            what: what.to_string(),
            message: message.to_string(),
        }
    }

    /// A guarded client for the registry's host.
    fn client(&self, host: &str) -> Result<vela_http::Client> {
        let config = crate::guarded::registry_config(
            host,
            self.options.allow_private,
            self.options.max_fetch_bytes,
            self.options.timeout,
        )
        .map_err(|message| Error::Settings {
            registry: self.name.clone(),
            field: "git.url".into(),
            message,
        })?;
        vela_http::Client::new(config).map_err(|e| self.fetch_err(&e.to_string()))
    }

    /// Fetches the remote's `HEAD` (depth 1) into a new bare repository in `dir`.
    fn fetch(&self, url: &gix::Url, dir: &Path) -> Result<(gix::Repository, gix::ObjectId)> {
        use gix_transport::client::blocking_io::Transport;
        let fail = |e: &dyn std::error::Error| self.fetch_err(&chain(e));
        gix::init_bare(dir).map_err(|e| fail(&e))?;
        let repo = gix::open_opts(dir, gix::open::Options::isolated()).map_err(|e| fail(&e))?;
        let host = url
            .host()
            .ok_or_else(|| self.fetch_err("the URL has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let client = self.client(&host)?;
        let transport: Box<dyn Transport + Send> = match &self.location {
            Location::Http(_) => {
                let token = (!self.source.token.is_empty()).then_some(self.source.token.as_str());
                let exchange =
                    transport::Exchanger::new(client, token, self.options.timeout).map_err(|e| fail(&e))?;
                Box::new(gix_transport::client::blocking_io::http::connect_http(
                    transport::GuardedHttp::new(exchange),
                    url.clone(),
                    gix_transport::Protocol::V2,
                    false,
                ))
            }
            _ => {
                let port = url.port.unwrap_or(9418);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| fail(&e))?;
                // on a thread of its own: the caller may itself run inside a runtime
                let addrs = std::thread::scope(|s| {
                    s.spawn(|| runtime.block_on(client.resolve_allowed(&host, port)))
                        .join()
                        .map_err(|_| self.fetch_err("resolving the host panicked"))
                })?
                .map_err(|e| fail(&e))?;
                let (read, write) = transport::Capped::connect(
                    &addrs,
                    self.options.timeout,
                    self.options.max_fetch_bytes as u64,
                )
                .map_err(|e| fail(&e))?;
                Box::new(gix_transport::client::git::blocking_io::Connection::new(
                    read,
                    write,
                    gix_transport::Protocol::V2,
                    url.path.clone(),
                    Some((host.clone(), url.port)),
                    gix_transport::client::git::ConnectMode::Daemon,
                    false,
                ))
            }
        };
        let remote = repo
            .remote_at(url.clone())
            .map_err(|e| fail(&e))?
            .with_refspecs(
                Some("+HEAD:refs/remotes/origin/HEAD"),
                gix::remote::Direction::Fetch,
            )
            .map_err(|e| fail(&e))?;
        let depth = NonZeroU32::new(1).unwrap_or(NonZeroU32::MIN);
        let outcome = remote
            .to_connection_with_transport(transport)
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(|e| fail(&e))?
            .with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(depth))
            .receive(gix::progress::Discard, &AtomicBool::new(false))
            .map_err(|e| fail(&e))?;
        let head = outcome
            .ref_map
            .mappings
            .iter()
            .find_map(|m| m.remote.as_id().map(ToOwned::to_owned))
            .ok_or_else(|| self.read_err("HEAD", "the remote has no HEAD (an empty repository?)"))?;
        Ok((repo, head))
    }

    /// The addons under `path` at `commit`.
    fn read(&self, repo: &gix::Repository, commit: gix::ObjectId) -> Result<Snapshot> {
        let fail = |what: &str, e: &dyn std::error::Error| self.read_err(what, &chain(e));
        let tree = repo
            .find_commit(commit)
            .map_err(|e| fail("HEAD", &e))?
            .tree()
            .map_err(|e| fail("HEAD", &e))?;
        let path = self.source.path.trim_matches('/');
        let root = if path.is_empty() {
            tree
        } else {
            let what = format!("path {path}");
            let entry = tree
                .lookup_entry_by_path(path)
                .map_err(|e| fail(&what, &e))?
                .ok_or_else(|| self.read_err(&what, "no such directory in the repository"))?;
            if !entry.mode().is_tree() {
                return Err(self.read_err(&what, "not a directory"));
            }
            entry
                .object()
                .map_err(|e| fail(&what, &e))?
                .peel_to_tree()
                .map_err(|e| fail(&what, &e))?
        };
        let mut snapshot = Snapshot {
            commit: commit.to_string(),
            addons: BTreeMap::new(),
            skipped: Vec::new(),
        };
        for entry in root.iter() {
            let entry = entry.map_err(|e| fail("tree", &e))?;
            if !entry.mode().is_tree() {
                continue;
            }
            let dir = entry.filename().to_string();
            let mut walk = Walk {
                repo,
                limits: self.options.limits,
                bytes: 0,
                files: Vec::new(),
            };
            let loaded = walk
                .tree(entry.oid().to_owned(), "", 0)
                .and_then(|()| Addon::from_files(walk.files));
            match loaded {
                // a directory without metadata.yaml is not an addon (KubeVela skips it too)
                Err(crate::Error::Missing { .. }) => {}
                Err(e) => snapshot.skipped.push((dir, e)),
                Ok(addon) => {
                    snapshot.addons.insert(addon.meta.name.clone(), addon);
                }
            }
        }
        Ok(snapshot)
    }
}

/// Reads an addon's files from a tree, with the loader's bounds.
struct Walk<'r> {
    repo: &'r gix::Repository,
    limits: Limits,
    bytes: u64,
    files: Vec<File>,
}

impl Walk<'_> {
    fn tree(&mut self, id: gix::ObjectId, prefix: &str, depth: u64) -> crate::Result<()> {
        let bad = |e: &dyn std::error::Error| crate::Error::Io {
            path: PathBuf::from(prefix),
            source: std::io::Error::other(chain(e)),
        };
        if depth > self.limits.max_depth {
            return Err(crate::Error::TooLarge {
                file: prefix.to_string(),
                what: "directory levels",
                limit: self.limits.max_depth,
            });
        }
        let tree = self.repo.find_tree(id).map_err(|e| bad(&e))?;
        let mut entries = Vec::new();
        for e in tree.iter() {
            let e = e.map_err(|e| bad(&e))?;
            entries.push((e.filename().to_string(), e.mode(), e.oid().to_owned()));
        }
        // name order, as the directory loader reads
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, mode, oid) in entries {
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if mode.is_tree() {
                self.tree(oid, &rel, depth + 1)?;
            } else if mode.is_blob() && crate::load::pattern(&rel).is_some() {
                self.blob(oid, rel)?;
            }
            // symbolic links and submodules are skipped: nothing is checked out
        }
        Ok(())
    }

    fn blob(&mut self, id: gix::ObjectId, rel: String) -> crate::Result<()> {
        if self.files.len() as u64 >= self.limits.max_files {
            return Err(crate::Error::TooLarge {
                file: rel,
                what: "files",
                limit: self.limits.max_files,
            });
        }
        let header = self.repo.find_header(id).map_err(|e| crate::Error::Io {
            path: PathBuf::from(&rel),
            source: std::io::Error::other(chain(&e)),
        })?;
        self.bytes = self.bytes.saturating_add(header.size());
        if self.bytes > self.limits.max_bytes {
            return Err(crate::Error::TooLarge {
                file: rel,
                what: "bytes",
                limit: self.limits.max_bytes,
            });
        }
        let blob = self.repo.find_blob(id).map_err(|e| crate::Error::Io {
            path: PathBuf::from(&rel),
            source: std::io::Error::other(chain(&e)),
        })?;
        let text =
            String::from_utf8(blob.data.clone()).map_err(|_| crate::Error::NotText { file: rel.clone() })?;
        self.files.push(File { path: rel, text });
        Ok(())
    }
}

/// An error and its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        cur = s.source();
    }
    out
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "vela-addon-git-{clean}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_checked_before_anything_is_read() {
        let o = Options::default();
        let new = |u: &str| GitRegistry::new("r", &GitSource::new(u), &o);
        assert!(matches!(
            new("https://example.com/a.git").unwrap().location,
            Location::Http(_)
        ));
        assert!(matches!(
            new("git://example.com/a.git").unwrap().location,
            Location::Daemon(_)
        ));
        assert!(matches!(
            new("file:///srv/a").unwrap().location,
            Location::Disk(_)
        ));
        assert!(matches!(new("/srv/a").unwrap().location, Location::Disk(_)));
        for refused in [
            "ssh://git@example.com/a.git",
            "git@example.com:a.git",
            "ext::sh -c x",
        ] {
            let err = new(refused).unwrap_err().to_string();
            assert!(err.starts_with("registry r: git.url: "), "{refused}: {err}");
        }
        let err = GitRegistry::new("r", &GitSource::new("https://x/a").with_path("../up"), &o).unwrap_err();
        assert_eq!(
            err.to_string(),
            "registry r: git.path: \"../up\" leaves the repository"
        );
    }

    #[test]
    fn settings_round_trip_and_name_bad_fields() {
        let s = GitSource::new("https://x/r.git")
            .with_path("addons")
            .with_token("t");
        assert_eq!(GitSource::from_settings("r", "git", &s.to_settings()).unwrap(), s);
        let err =
            GitSource::from_settings("r", "gitee", &json!({"url": "https://x", "token": 3})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "registry r: gitee.token: expected a string, found 3"
        );
        let err = GitSource::from_settings("r", "gitlab", &json!({"url": "https://x"})).unwrap_err();
        assert_eq!(err.to_string(), "registry r: gitlab.repo: is required");
    }

    #[test]
    fn a_private_host_is_refused_unless_allowed() {
        let r = GitRegistry::new(
            "r",
            &GitSource::new("http://127.0.0.1:9/a.git"),
            &Options::default(),
        )
        .unwrap();
        let err = r.snapshot().unwrap_err().to_string();
        assert!(
            err.starts_with("registry r: fetch http://127.0.0.1:9/a.git: "),
            "{err}"
        );
        assert!(err.contains("127.0.0.1"), "{err}");
        let r = GitRegistry::new(
            "r",
            &GitSource::new("git://127.0.0.1:9/a.git"),
            &Options::default(),
        )
        .unwrap();
        let err = r.snapshot().unwrap_err().to_string();
        assert!(
            err.starts_with("registry r: fetch git://127.0.0.1:9/a.git: "),
            "{err}"
        );
    }

    #[test]
    fn credentials_in_the_url_are_not_printed() {
        let r = GitRegistry::new(
            "r",
            &GitSource::new("https://me:pw@10.0.0.1/a.git"),
            &Options::default(),
        )
        .unwrap();
        let err = r.fetch_err("x").to_string();
        assert!(!err.contains("pw"), "{err}");
    }
}
