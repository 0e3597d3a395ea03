//! A file that is removed when it goes out of scope unless it was kept: the guard behind every
//! "write to a temporary name, then rename into place" in Ferry (packages being created, uploads
//! being received), so an error or an early return never leaves a partial file behind.

use std::path::PathBuf;

/// Removes `path` on drop unless `keep` was set (after the file was renamed into place or
/// recorded).
#[derive(Debug)]
pub struct TempFile {
    /// The file to remove.
    pub path: PathBuf,
    /// Set once the file must stay.
    pub keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
