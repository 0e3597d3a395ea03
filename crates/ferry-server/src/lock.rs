//! One server per data directory: the server holds an exclusive OS advisory lock on
//! `DATA/server.lock` (`flock` on Unix, `LockFileEx` on Windows) for as long as it runs. The OS
//! releases it when the process ends, however it ends (a crash, SIGKILL), so there is no stale
//! lock to detect and the file is never removed: removing it would let a second server lock a
//! new file while the first still holds the old one.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::errors::ServerError;

/// Held while the server runs; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

impl DataLock {
    /// Take the lock of `data_dir`, or fail naming the server that holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataLock, ServerError> {
        let path = data_dir.join("server.lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|err| ServerError::io(format!("opening {}", path.display()), err))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // The owner wrote its pid after locking; on Windows the locked file cannot be read.
                let mut text = String::new();
                let owner = match file.read_to_string(&mut text) {
                    Ok(_) if !text.trim().is_empty() => format!(" (pid {})", text.trim()),
                    _ => String::new(),
                };
                return Err(ServerError::Options(format!(
                    "the data directory {} is in use by another ferry server{owner}; stop it, or pass another --data",
                    data_dir.display()
                )));
            }
            Err(TryLockError::Error(err)) => {
                return Err(ServerError::io(format!("locking {}", path.display()), err));
            }
        }
        // Only the pid, for the message above: the lock itself is what keeps others out.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        if let Err(err) = written {
            tracing::warn!(lock = %path.display(), error = %err, "could not write the pid into the lock file");
        }
        Ok(DataLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_at_a_time_and_free_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DataLock::acquire(dir.path()).unwrap();
        let err = DataLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains("in use by another ferry server"), "{err}");
        if cfg!(unix) {
            assert!(err.contains(&format!("(pid {})", std::process::id())), "{err}");
        }
        drop(lock);
        assert!(dir.path().join("server.lock").exists(), "the file stays; only the lock goes");
        let _again = DataLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_file_left_by_an_older_ferry_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.lock"), "999999999 1\n").unwrap();
        let _lock = DataLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("server.lock")).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
    }

    #[test]
    fn of_owners_racing_over_a_leftover_file_exactly_one_wins() {
        for _ in 0..300 {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("server.lock"), "999999999 1\n").unwrap();
            let start = std::sync::Barrier::new(16);
            // Winners keep their lock until every contender has tried.
            let tried = std::sync::Barrier::new(16);
            let winners = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..16 {
                    scope.spawn(|| {
                        start.wait();
                        let lock = DataLock::acquire(dir.path());
                        if lock.is_ok() {
                            winners.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        tried.wait();
                        drop(lock);
                    });
                }
            });
            assert_eq!(winners.into_inner(), 1);
        }
    }
}
