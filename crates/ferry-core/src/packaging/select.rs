//! Choosing what goes into a package: a sorted walk of the base path filtered by globs, with the
//! symlink policy applied.

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::PackError;

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file (or, for zip, the file a symlink inside the base path points to).
    File {
        /// Where to read it.
        path: PathBuf,
        /// Its size when selected.
        len: u64,
    },
    /// A directory.
    Dir,
    /// A symlink kept as a symlink (tar), with its target as stored in the archive.
    Symlink {
        /// The link target, relative to the link's folder.
        target: String,
    },
}

/// One archive entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Path inside the archive, `/`-separated, no trailing `/`.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Normalised permission bits: 0o644, 0o755 or 0o777 (symlinks).
    pub mode: u32,
    /// The file's own modification time (Unix seconds).
    pub mtime: i64,
}

/// How to treat symlinks and directories (depends on the format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Pack what links point to (zip, nupkg) instead of the links themselves (tar).
    pub follow_links: bool,
    /// Which directories get entries.
    pub dirs: DirEntries,
}

/// Which directories get entries of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirEntries {
    /// None (nupkg).
    None,
    /// Only selected directories that are empty on disk (zip).
    EmptyOnly,
    /// Every directory that holds a selected entry, plus selected empty ones (tar).
    All,
}

/// Compiled `--include`/`--exclude` globs, relative to the base path.
#[derive(Debug)]
pub(crate) struct Filter {
    include: GlobSet,
    exclude: GlobSet,
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, PackError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let cleaned = pattern.trim().trim_start_matches("./").trim_end_matches('/');
        let cleaned = if cleaned.is_empty() || cleaned == "." { "**" } else { cleaned };
        let glob = GlobBuilder::new(cleaned).literal_separator(true).backslash_escape(true).build().map_err(
            |err| PackError::InvalidGlob { pattern: pattern.clone(), message: err.kind().to_string() },
        )?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|err| PackError::InvalidGlob { pattern: patterns.join(" "), message: err.to_string() })
}

impl Filter {
    /// Compile the globs; no include pattern means `**`.
    pub(crate) fn new(include: &[String], exclude: &[String]) -> Result<Filter, PackError> {
        let include = if include.is_empty() { glob_set(&["**".to_owned()])? } else { glob_set(include)? };
        Ok(Filter { include, exclude: glob_set(exclude)? })
    }

    /// Whether `name` or one of its parent folders matches `set`.
    fn matches_self_or_parent(set: &GlobSet, name: &str) -> bool {
        set.is_match(name) || name.match_indices('/').any(|(at, _)| set.is_match(&name[..at]))
    }

    /// Whether a path (relative, `/`-separated) is selected: it or a parent folder matches an
    /// include glob, and neither it nor a parent folder matches an exclude glob.
    pub(crate) fn selects(&self, name: &str) -> bool {
        Self::matches_self_or_parent(&self.include, name) && !self.excludes(name)
    }

    /// Whether a path or one of its parent folders is excluded.
    pub(crate) fn excludes(&self, name: &str) -> bool {
        Self::matches_self_or_parent(&self.exclude, name)
    }
}

/// Normalised permission bits: 0o755 when any execute bit is set, else 0o644.
pub(crate) fn normal_mode(mode: u32) -> u32 {
    if mode & 0o111 != 0 { 0o755 } else { 0o644 }
}

/// Walk `base` (canonical) and return the selected entries sorted by name. `skip` says which
/// paths to leave out whatever the globs say (the package being written).
pub(crate) fn select(
    base: &Path,
    filter: &Filter,
    policy: Policy,
    skip: &dyn Fn(&Path) -> bool,
) -> Result<Vec<Entry>, PackError> {
    let mut entries = Vec::new();
    let walker = walkdir::WalkDir::new(base).min_depth(1).follow_links(policy.follow_links).into_iter();
    let walker = walker.filter_entry(|entry| {
        // Skip excluded folders whole (and never follow links into them).
        match relative_name(base, entry.path()) {
            Ok(name) => !(entry.file_type().is_dir() && filter.excludes(&name)),
            Err(_) => true,
        }
    });
    for item in walker {
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                // A broken link that the globs leave out does not matter.
                let unselected =
                    err.path().and_then(|path| relative_name(base, path).ok()).is_some_and(|name| {
                        !filter.selects(&name)
                            && err.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    });
                if unselected {
                    continue;
                }
                return Err(walk_error(base, err));
            }
        };
        let path = entry.path();
        let name = relative_name(base, path)?;
        if skip(path) {
            continue;
        }
        let is_link =
            if policy.follow_links { entry.path_is_symlink() } else { entry.file_type().is_symlink() };
        if is_link {
            // Folders reached through a link are walked, so check them even before selection.
            if (entry.file_type().is_dir() && !filter.excludes(&name)) || filter.selects(&name) {
                check_link_inside(base, path)?;
            }
        }
        if entry.file_type().is_dir() {
            if policy.dirs != DirEntries::None && filter.selects(&name) && is_empty_dir(path)? {
                let metadata = entry.metadata().map_err(|err| walk_error(base, err))?;
                entries.push(Entry { name, kind: Kind::Dir, mode: 0o755, mtime: metadata.mtime() });
            }
            continue;
        }
        if !filter.selects(&name) {
            continue;
        }
        let metadata = entry.metadata().map_err(|err| walk_error(base, err))?;
        if entry.file_type().is_symlink() {
            let target = link_target(path)?;
            entries.push(Entry {
                name,
                kind: Kind::Symlink { target },
                mode: 0o777,
                mtime: metadata.mtime(),
            });
        } else if entry.file_type().is_file() {
            let mode = normal_mode(metadata.permissions().mode());
            let kind = Kind::File { path: path.to_path_buf(), len: metadata.len() };
            entries.push(Entry { name, kind, mode, mtime: metadata.mtime() });
        }
        // Sockets, fifos and devices are not packaged.
    }
    if policy.dirs == DirEntries::All {
        let present: BTreeSet<String> = entries.iter().map(|entry| entry.name.clone()).collect();
        let mut parents = BTreeSet::new();
        for entry in &entries {
            for (at, _) in entry.name.match_indices('/') {
                parents.insert(entry.name[..at].to_owned());
            }
        }
        for parent in parents.difference(&present) {
            let path = base.join(parent);
            let metadata = std::fs::metadata(&path).map_err(|err| PackError::io("reading", &path, err))?;
            entries.push(Entry {
                name: parent.clone(),
                kind: Kind::Dir,
                mode: 0o755,
                mtime: metadata.mtime(),
            });
        }
    }
    entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(entries)
}

/// The archive name of `path` under `base`: UTF-8, `/`-separated.
fn relative_name(base: &Path, path: &Path) -> Result<String, PackError> {
    let relative = path.strip_prefix(base).unwrap_or(path);
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => {
                parts.push(part.to_str().ok_or_else(|| PackError::NonUtf8Name { path: path.to_path_buf() })?)
            }
            _ => return Err(PackError::NonUtf8Name { path: path.to_path_buf() }),
        }
    }
    Ok(parts.join("/"))
}

fn is_empty_dir(path: &Path) -> Result<bool, PackError> {
    let mut listing = std::fs::read_dir(path).map_err(|err| PackError::io("listing", path, err))?;
    Ok(listing.next().is_none())
}

/// Error unless the symlink at `path` resolves to something inside `base`.
fn check_link_inside(base: &Path, path: &Path) -> Result<(), PackError> {
    let target = std::fs::read_link(path).unwrap_or_default();
    match std::fs::canonicalize(path) {
        Ok(resolved) if resolved.starts_with(base) => Ok(()),
        Ok(resolved) => Err(PackError::EscapingSymlink { path: path.to_path_buf(), target, resolved }),
        Err(_) => Err(PackError::DanglingSymlink { path: path.to_path_buf(), target }),
    }
}

/// The target to store for a symlink kept as a link: the link text when relative, else the
/// path from the link's folder to the (canonical) target.
fn link_target(path: &Path) -> Result<String, PackError> {
    let text = std::fs::read_link(path).map_err(|err| PackError::io("reading the symlink", path, err))?;
    let relative = if text.is_relative() {
        text
    } else {
        let resolved = std::fs::canonicalize(path).map_err(|err| PackError::io("resolving", path, err))?;
        let folder = path
            .parent()
            .map(std::fs::canonicalize)
            .transpose()
            .map_err(|err| PackError::io("resolving", path, err))?;
        relative_path(folder.as_deref().unwrap_or(Path::new("/")), &resolved)
    };
    relative.to_str().map(str::to_owned).ok_or_else(|| PackError::NonUtf8Name { path: path.to_path_buf() })
}

/// The relative path that leads from folder `from` to `to` (both absolute).
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part);
    }
    out
}

fn walk_error(base: &Path, err: walkdir::Error) -> PackError {
    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| base.to_path_buf());
    if err.loop_ancestor().is_some() {
        return PackError::SymlinkLoop { path };
    }
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink());
    if is_link && std::fs::metadata(&path).is_err() {
        let target = std::fs::read_link(&path).unwrap_or_default();
        return PackError::DanglingSymlink { path, target };
    }
    let io = err.into_io_error().unwrap_or_else(|| std::io::Error::other("walk failed"));
    PackError::io("reading", &path, io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Filter::new(&owned(include), &owned(exclude)).unwrap()
    }

    #[test]
    fn globs_are_relative_and_folder_aware() {
        let all = filter(&[], &[]);
        assert!(all.selects("a.txt") && all.selects("deep/er/b.bin"));
        let top_txt = filter(&["*.txt"], &[]);
        assert!(top_txt.selects("a.txt"));
        assert!(!top_txt.selects("sub/a.txt"), "`*` does not cross `/`");
        let any_txt = filter(&["**/*.txt"], &[]);
        assert!(any_txt.selects("a.txt") && any_txt.selects("sub/a.txt") && !any_txt.selects("a.bin"));
        let folder = filter(&["bin"], &["bin/*.pdb", "logs/"]);
        assert!(folder.selects("bin/app.dll") && folder.selects("bin/x/y"));
        assert!(!folder.selects("bin/app.pdb") && !folder.selects("src/main.rs"));
        let excluded = filter(&[], &["logs/", "./tmp", "**/*.log"]);
        assert!(!excluded.selects("logs/a") && !excluded.selects("tmp/x") && !excluded.selects("x/y.log"));
        assert!(excluded.selects("logsx/a"));
        let braces = filter(&["{a,b}/**"], &[]);
        assert!(braces.selects("a/1") && braces.selects("b/2") && !braces.selects("c/3"));
    }

    #[test]
    fn bad_glob_names_the_pattern() {
        let err = Filter::new(&["a[".to_owned()], &[]).unwrap_err();
        assert!(err.to_string().contains("a["), "{err}");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path(Path::new("/b/x"), Path::new("/b/y/z")), PathBuf::from("../y/z"));
        assert_eq!(relative_path(Path::new("/b"), Path::new("/b/f")), PathBuf::from("f"));
    }
}
