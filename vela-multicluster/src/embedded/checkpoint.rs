//! Checkpoints of a state file's write-ahead log in a thread of their own.
//!
//! In WAL mode a commit appends pages to the log; a checkpoint copies them into the database
//! file and syncs it to disk. SQLite's own automatic checkpoint runs inside the commit that
//! takes the log past 1,000 pages, so the thread that commits (holding the embedded cluster's
//! lock) waits for that copy and for the disk. Here a [`Checkpointer`] thread, on a connection
//! of its own, checkpoints once a commit left at least [`NUDGE_PAGES`] pages in the log
//! (a passive checkpoint: it never blocks a writer or a reader), while the writers go on. The
//! committing connection still checkpoints itself past [`BACKSTOP_PAGES`] (what SQLite does by
//! default): by then the thread has copied most pages, and it bounds the log when the thread
//! falls behind. A log copied whole is started again by the next write.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;

/// A commit that leaves at least this many pages in the log wakes the checkpoint thread.
pub(super) const NUDGE_PAGES: i32 = 128;

/// A commit that leaves at least this many pages in the log checkpoints on the committing
/// connection too (SQLite's default automatic checkpoint).
pub(super) const BACKSTOP_PAGES: i32 = 1000;

/// The checkpoint thread of one state file; dropping it stops the thread (after the checkpoint
/// under way, if any).
pub(super) struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

/// What the commits tell the thread (the WAL hook holds it as long as the connection lives).
#[derive(Default)]
struct Signal {
    /// (a checkpoint is wanted, the thread is to stop)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl Signal {
    fn set(&self, nudge: bool, stop: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 |= nudge;
        state.1 |= stop;
        self.changed.notify_one();
    }

    /// Waits for a nudge (`true`) or the stop (`false`).
    fn wait(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match *state {
                (_, true) => return false,
                (true, false) => {
                    state.0 = false;
                    return true;
                }
                (false, false) => {
                    state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }
}

impl Checkpointer {
    /// Starts the thread with its own connection to the file at `path` and makes the commits of
    /// `conn` wake it. Without the thread (the file cannot be opened twice, or no thread can be
    /// started), `conn` checkpoints as SQLite does by default.
    pub(super) fn start(conn: &mut Connection, path: &Path) -> Option<Self> {
        let own = match Connection::open(path)
            .and_then(|own| own.pragma_update(None, "synchronous", "NORMAL").map(|()| own))
        {
            Ok(own) => own,
            Err(e) => {
                tracing::warn!(error = %e, "embedded cluster: no checkpoint thread");
                return None;
            }
        };
        let signal = Arc::new(Signal::default());
        let nudged = Arc::clone(&signal);
        let thread = match std::thread::Builder::new()
            .name("vela-embedded-checkpoint".into())
            .spawn(move || checkpoint_when_nudged(&own, &nudged))
        {
            Ok(thread) => thread,
            Err(e) => {
                tracing::warn!(error = %e, "embedded cluster: no checkpoint thread");
                return None;
            }
        };
        let hooked = Arc::clone(&signal);
        let hook = move |wal: &mut Wal, pages: i32| {
            if pages >= NUDGE_PAGES {
                // (once the thread stopped, the backstop below bounds the log)
                hooked.set(true, false);
            }
            if pages >= BACKSTOP_PAGES {
                // busy (the thread is checkpointing): the next commit tries again. An error
                // returned here would make the COMMIT that already happened look failed.
                let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
            }
            Ok(())
        };
        if let Err(e) = conn.wal_hook(Some(hook)) {
            tracing::warn!(error = %e, "embedded cluster: no checkpoint thread");
            return None;
        }
        Some(Self {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal.set(false, true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread: a passive checkpoint per nudge (nudges while one runs make one more), until
/// it is told to stop.
fn checkpoint_when_nudged(own: &Connection, signal: &Signal) {
    while signal.wait() {
        if let Err(e) = own.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            // busy: the committing connection checkpoints; anything else, the backstop does
            tracing::debug!(error = %e, "embedded cluster: background checkpoint");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages in the log (a checkpoint answers `(busy, pages in the log, pages copied)`;
    /// this one copies what is left, so call it last).
    fn log_pages(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .expect("a checkpoint")
    }

    /// A new state file in WAL mode with one table, and its checkpoint thread.
    fn file() -> (tempfile::TempDir, std::path::PathBuf, Connection, Checkpointer) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("state.db");
        let mut conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
        conn.execute_batch("CREATE TABLE t (v BLOB)").expect("table");
        let checkpointer = Checkpointer::start(&mut conn, &path).expect("a checkpoint thread");
        (dir, path, conn, checkpointer)
    }

    #[test]
    fn the_thread_copies_the_log_and_the_next_write_starts_it_again() {
        let (_dir, path, conn, checkpointer) = file();
        // one commit of about 200 pages: past the nudge, short of the backstop
        let page = vec![7u8; 4000];
        conn.execute_batch("BEGIN").expect("begin");
        for _ in 0..200 {
            conn.execute("INSERT INTO t (v) VALUES (?1)", [&page])
                .expect("insert");
        }
        conn.execute_batch("COMMIT").expect("commit");
        // the thread copies the log into the database file (which grows by about 200 pages);
        // nothing else checkpoints here
        let copied = (0..500).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            std::fs::metadata(&path).expect("the file").len() > 150 * 4096
        });
        assert!(copied, "the log was not copied");
        // a write after a whole copy starts the log again
        conn.execute("INSERT INTO t (v) VALUES (x'00')", [])
            .expect("insert");
        assert!(log_pages(&conn) < 10, "the log did not start again");
        let other = Connection::open(&path).expect("a second connection");
        let rows: i64 = other
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 201);
        drop(checkpointer); // stops and joins the thread
    }

    #[test]
    fn without_the_thread_the_commits_still_bound_the_log() {
        let (_dir, _path, conn, checkpointer) = file();
        drop(checkpointer); // the thread is gone; the hook stays
        let page = vec![7u8; 4000];
        for _ in 0..3000 {
            conn.execute("INSERT INTO t (v) VALUES (?1)", [&page])
                .expect("insert");
        }
        // the backstop copied the log past 1,000 pages and writes started it again
        assert!(log_pages(&conn) < i64::from(BACKSTOP_PAGES) + 10);
    }
}
