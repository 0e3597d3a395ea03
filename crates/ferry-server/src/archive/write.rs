//! Writing planned entries under the extraction root without ever following a link.
//!
//! `policy.rs` already resolved every location to a path with no link in it; these functions
//! check that on disk too (each folder is looked at with `symlink_metadata`, files are created
//! with `create_new`, which does not follow a link in the last component), so a bug in the plan
//! or a change on disk fails the extraction instead of writing elsewhere.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::policy::Location;

/// The folder `location` under `root`, created component by component; fails on anything that
/// is not a real folder (a link, a file).
pub fn dir(root: &Path, location: &[String]) -> io::Result<PathBuf> {
    let mut path = root.to_path_buf();
    for part in location {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a folder", path.display()),
                ));
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => fs::create_dir(&path)?,
            Err(err) => return Err(err),
        }
    }
    Ok(path)
}

/// A new file at `location` (its folders created); fails if anything already exists there.
pub fn file(root: &Path, location: &Location) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(leaf(root, location)?)
}

/// A symbolic link at `location` with the target text `target`.
pub fn symlink(root: &Path, location: &Location, target: &str) -> io::Result<()> {
    let path = leaf(root, location)?;
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(target, path)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, target);
        Err(io::Error::new(io::ErrorKind::Unsupported, "symbolic links are extracted on Unix only"))
    }
}

/// A hard link at `location` to the file at `source` (both below `root`).
pub fn hard_link(root: &Path, location: &Location, source: &Location) -> io::Result<()> {
    let (source_name, source_dir) = source.split_last().ok_or_else(root_is_not_an_entry)?;
    let source_path = dir(root, source_dir)?.join(source_name);
    if !fs::symlink_metadata(&source_path)?.file_type().is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the hard link source is not a file"));
    }
    fs::hard_link(source_path, leaf(root, location)?)
}

/// The path of `location` with its parent folders checked and created.
fn leaf(root: &Path, location: &Location) -> io::Result<PathBuf> {
    let (name, parents) = location.split_last().ok_or_else(root_is_not_an_entry)?;
    Ok(dir(root, parents)?.join(name))
}

fn root_is_not_an_entry() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "an entry cannot be the extraction folder itself")
}
