//! Reading input files within limits (the messages leave the path out: the caller names it):
//! an Application (`vela dry-run -f`), definition files and
//! directories (`-d`). Every read is bounded before it starts:
//!
//! - only regular files are opened: a FIFO would block forever, `/dev/zero` never ends, a
//!   socket or a device is not a file of definitions;
//! - a file larger than [`MAX_FILE_BYTES`] is refused from its size, and the read itself stops
//!   one byte past the limit (a file that grows while it is read is refused too);
//! - a directory is walked at most [`MAX_TREE_DEPTH`] levels deep (a symbolic link cycle ends
//!   there), reading at most [`MAX_TREE_FILES`] files and [`MAX_TREE_BYTES`] bytes in all, and
//!   a file's extension is checked before it is opened (a `logo.png` beside the definitions is
//!   skipped, never read).
//!
//! ```
//! use vela_render::ops::input::{self, Error};
//! # #[cfg(unix)] {
//! let err = input::read_file(std::path::Path::new("/dev/zero"), input::MAX_FILE_BYTES).unwrap_err();
//! assert!(matches!(err, Error::NotRegular { .. }), "{err}");
//! # }
//! ```

use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest input file read (8 MiB): far more than any Application or definition file.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The most bytes read from all the files under one directory (64 MiB).
pub const MAX_TREE_BYTES: u64 = 64 << 20;

/// The most files read under one directory.
pub const MAX_TREE_FILES: usize = 10_000;

/// The deepest directory nesting walked.
pub const MAX_TREE_DEPTH: usize = 16;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path is not a regular file or directory (a FIFO, a device, a socket).
    #[error("not a regular file ({what}); give a file or a directory")]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// The file (or standard input) is larger than the limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The path (`<stdin>` for standard input).
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The text is not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A directory walk went past [`MAX_TREE_DEPTH`], [`MAX_TREE_FILES`] or [`MAX_TREE_BYTES`].
    #[error("{path}: {what}")]
    TreeTooLarge {
        /// The directory or file where the walk stopped.
        path: PathBuf,
        /// Which limit, in words.
        what: String,
    },
    /// The operating system refused a read (its message is this error's message).
    #[error("{source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a file type is, in words, when it is not a regular file or a directory.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() || ft.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return Some("a FIFO");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a file")
}

/// The kind of `path` (following symbolic links): `Ok(true)` for a directory, `Ok(false)` for
/// a regular file, an error for anything else. Nothing is opened.
///
/// # Errors
/// [`Error::NotRegular`], [`Error::Io`].
pub fn is_dir(path: &Path) -> Result<bool, Error> {
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    if let Some(what) = not_regular(&meta) {
        return Err(Error::NotRegular {
            path: path.to_path_buf(),
            what,
        });
    }
    Ok(meta.is_dir())
}

/// Reads a regular file of at most `limit` bytes as UTF-8 text.
///
/// # Errors
/// [`Error::NotRegular`] (checked before the file is opened), [`Error::TooLarge`],
/// [`Error::NotUtf8`], [`Error::Io`].
pub fn read_file(path: &Path, limit: u64) -> Result<String, Error> {
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    if let Some(what) = not_regular(&meta).or(meta.is_dir().then_some("a directory")) {
        return Err(Error::NotRegular {
            path: path.to_path_buf(),
            what,
        });
    }
    let too_large = || Error::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(io_err(path))?;
    // (the path may have been swapped for something else since it was checked)
    let opened = file.metadata().map_err(io_err(path))?;
    if !opened.is_file() {
        return Err(Error::NotRegular {
            path: path.to_path_buf(),
            what: not_regular(&opened).unwrap_or("a directory"),
        });
    }
    let bytes = read_at_most(file, limit, path).map_err(|e| e.unwrap_or_else(too_large))?;
    String::from_utf8(bytes).map_err(|_| Error::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Reads standard input (at most `limit` bytes) as UTF-8 text.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::NotUtf8`], [`Error::Io`] (the path is `<stdin>`).
pub fn read_stdin(limit: u64) -> Result<String, Error> {
    let path = Path::new("<stdin>");
    let bytes = read_at_most(std::io::stdin().lock(), limit, path).map_err(|e| {
        e.unwrap_or(Error::TooLarge {
            path: path.to_path_buf(),
            limit,
        })
    })?;
    String::from_utf8(bytes).map_err(|_| Error::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Reads at most `limit` bytes; `Err(None)` when there are more.
fn read_at_most(reader: impl std::io::Read, limit: u64, path: &Path) -> Result<Vec<u8>, Option<Error>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Some(io_err(path)(e)))?;
    if bytes.len() as u64 > limit {
        return Err(None);
    }
    Ok(bytes)
}

/// What a directory walk has left of its limits ([`MAX_TREE_FILES`], [`MAX_TREE_BYTES`]).
#[derive(Debug)]
pub struct TreeBudget {
    files: usize,
    bytes: u64,
}

impl Default for TreeBudget {
    fn default() -> Self {
        Self {
            files: MAX_TREE_FILES,
            bytes: MAX_TREE_BYTES,
        }
    }
}

impl TreeBudget {
    /// Reads one file of a walk, counting it against the budget.
    ///
    /// # Errors
    /// [`Error::TreeTooLarge`] once the budget is spent, and those of [`read_file`].
    pub fn read(&mut self, path: &Path) -> Result<String, Error> {
        if self.files == 0 {
            return Err(Error::TreeTooLarge {
                path: path.to_path_buf(),
                what: format!("more than {MAX_TREE_FILES} files to read"),
            });
        }
        self.files -= 1;
        let text = read_file(path, MAX_FILE_BYTES.min(self.bytes)).map_err(|e| match e {
            Error::TooLarge { path, .. } if self.bytes < MAX_FILE_BYTES => Error::TreeTooLarge {
                path,
                what: format!("more than {MAX_TREE_BYTES} bytes to read in all"),
            },
            e => e,
        })?;
        self.bytes -= text.len() as u64;
        Ok(text)
    }
}

/// The entries of a directory in name order, refusing to go deeper than [`MAX_TREE_DEPTH`].
///
/// # Errors
/// [`Error::TreeTooLarge`], [`Error::Io`].
pub fn dir_entries(path: &Path, depth: usize) -> Result<Vec<PathBuf>, Error> {
    if depth > MAX_TREE_DEPTH {
        return Err(Error::TreeTooLarge {
            path: path.to_path_buf(),
            what: format!("directories nested deeper than {MAX_TREE_DEPTH} (a symbolic link cycle?)"),
        });
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io_err(path))? {
        entries.push(entry.map_err(io_err(path))?.path());
        if entries.len() > MAX_TREE_FILES {
            return Err(Error::TreeTooLarge {
                path: path.to_path_buf(),
                what: format!("more than {MAX_TREE_FILES} entries"),
            });
        }
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vela-input-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn limits_are_checked_before_reading() {
        let dir = scratch("limits");
        let big = dir.join("big.yaml");
        std::fs::write(&big, "a".repeat(1001)).unwrap();
        assert!(matches!(
            read_file(&big, 1000),
            Err(Error::TooLarge { limit: 1000, .. })
        ));
        assert_eq!(read_file(&big, 1001).unwrap().len(), 1001);
        let bin = dir.join("logo.png");
        std::fs::write(&bin, [0x89, b'P', b'N', b'G', 0xff, 0xfe]).unwrap();
        assert!(matches!(read_file(&bin, 1000), Err(Error::NotUtf8 { .. })));
        assert!(matches!(
            read_file(&dir, 1000),
            Err(Error::NotRegular {
                what: "a directory",
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_opening_them() {
        for (path, what) in [
            ("/dev/zero", "a character device"),
            ("/dev/null", "a character device"),
        ] {
            match read_file(Path::new(path), MAX_FILE_BYTES) {
                Err(Error::NotRegular { what: w, .. }) => assert_eq!(w, what),
                other => panic!("{path}: {other:?}"),
            }
        }
        let dir = scratch("fifo");
        let fifo = dir.join("defs.cue");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // (opening a FIFO without a writer would block this test forever)
        assert!(matches!(
            read_file(&fifo, 10),
            Err(Error::NotRegular { what: "a FIFO", .. })
        ));
        assert!(matches!(
            is_dir(&fifo),
            Err(Error::NotRegular { what: "a FIFO", .. })
        ));
    }

    #[test]
    fn a_tree_budget_stops_the_walk() {
        let dir = scratch("tree");
        let f = dir.join("a.cue");
        std::fs::write(&f, "x").unwrap();
        let mut budget = TreeBudget { files: 1, bytes: 10 };
        assert_eq!(budget.read(&f).unwrap(), "x");
        assert!(matches!(budget.read(&f), Err(Error::TreeTooLarge { .. })));
        let mut budget = TreeBudget { files: 5, bytes: 0 };
        assert!(matches!(budget.read(&f), Err(Error::TreeTooLarge { .. })));
        assert!(matches!(
            dir_entries(&dir, MAX_TREE_DEPTH + 1),
            Err(Error::TreeTooLarge { .. })
        ));
    }
}
