//! One server per data directory: `DATA/server.lock` holds the owner's pid and process start
//! time. A lock whose process is gone (a crash, SIGKILL) is stale and taken over; a live owner
//! makes [`crate::start`] fail instead of two servers failing each other's tasks and deleting each
//! other's temporary files.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::errors::ServerError;
use crate::tasks::command::process_start_time;

/// Held while the server runs; removes the lock file when dropped.
#[derive(Debug)]
pub struct DataLock {
    path: PathBuf,
}

impl DataLock {
    /// Take the lock of `data_dir`.
    pub fn acquire(data_dir: &Path) -> Result<DataLock, ServerError> {
        let path = data_dir.join("server.lock");
        let me = std::process::id();
        let mine = format!("{me} {}\n", process_start_time(me).unwrap_or_default());
        for _ in 0..3 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(mine.as_bytes())
                        .map_err(|err| ServerError::io(format!("writing {}", path.display()), err))?;
                    return Ok(DataLock { path });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let mut parts = text.split_whitespace();
                    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
                    let start = parts.next().unwrap_or("");
                    if let Some(pid) = pid {
                        let alive = process_start_time(pid).is_some_and(|now| now == start);
                        if alive {
                            return Err(ServerError::Options(format!(
                                "the data directory {} is in use by another ferry server (pid {pid}); stop it or use another --data",
                                data_dir.display()
                            )));
                        }
                    }
                    tracing::info!(lock = %path.display(), "taking over a stale lock");
                    let _ = std::fs::remove_file(&path);
                }
                Err(err) => return Err(ServerError::io(format!("creating {}", path.display()), err)),
            }
        }
        Err(ServerError::Options(format!("could not take the lock {}", path.display())))
    }
}

impl Drop for DataLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_and_stale_takeover() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DataLock::acquire(dir.path()).unwrap();
        if Path::new("/proc/self/stat").exists() {
            assert!(DataLock::acquire(dir.path()).is_err(), "a live owner keeps it");
        }
        drop(lock);
        std::fs::write(dir.path().join("server.lock"), "999999999 1\n").unwrap();
        let _again = DataLock::acquire(dir.path()).unwrap();
    }
}
