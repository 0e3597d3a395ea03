//! Creating packages: zip, nupkg and tar.gz (also plain tar and .tgz), reproducibly and fast.
//!
//! - **Selection**: a sorted walk of the base path; `include` globs (default `**`) and `exclude`
//!   globs are relative to it, `*` does not cross `/`, and a glob that names a folder covers
//!   everything below it. The package being written is never included.
//! - **Reproducible by default**: entries sorted by path, modes 0644 or 0755 (any execute bit),
//!   uid/gid 0 and no owner names in tar, every timestamp from `SOURCE_DATE_EPOCH`, else the
//!   committer time of HEAD when the base path is in a git work tree, else 1980-01-01.
//!   `preserve_mtimes` keeps the files' own times instead.
//! - **Symlinks**: a link that resolves inside the base path is packed as what it points to in
//!   zip/nupkg and as a link in tar; one that escapes the base path or dangles is an error.
//! - **Speed**: data is deflated in 1 MiB pieces on all cores and written in order with a bounded
//!   number of pieces in flight (see `pipeline`), so memory is flat and the bytes do not depend
//!   on the number of threads.
//! - **Atomic**: written to a temporary file in the output folder and renamed into place.

mod nupkg;
mod pipeline;
mod select;
mod tar;
mod zip;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::package_id::{PackageFormat, PackageId, package_file_name};
use crate::temp_file::TempFile;
use crate::version::Version;
use select::{DirEntries, Entry, Filter, Kind, Policy};

/// What to package and how.
#[derive(Debug, Clone)]
pub struct PackRequest {
    /// Package id.
    pub id: PackageId,
    /// Package version.
    pub version: Version,
    /// Archive format (zip, nupkg, tar.gz; also tgz and tar).
    pub format: PackageFormat,
    /// Folder whose content is packaged.
    pub base_path: PathBuf,
    /// Globs of files to include, relative to the base path (empty: `**`).
    pub include: Vec<String>,
    /// Globs of files to exclude, relative to the base path.
    pub exclude: Vec<String>,
    /// Folder the package is written to (created when missing).
    pub out_folder: PathBuf,
    /// Replace an existing package of the same name.
    pub overwrite: bool,
    /// Without `overwrite`, keep an existing package of the same name when the new one has the
    /// same bytes (packaging is reproducible, so a re-run rebuilds it identically) instead of
    /// refusing; different bytes under the same name are still a conflict.
    pub reuse_identical: bool,
    /// Deflate level 0 (store) to 9.
    pub compression_level: u32,
    /// nupkg authors (default: the id).
    pub authors: Vec<String>,
    /// nupkg title.
    pub title: Option<String>,
    /// nupkg description (default: the id).
    pub description: Option<String>,
    /// nupkg release notes.
    pub release_notes: Option<String>,
    /// Keep the files' own modification times (the package is then not reproducible).
    pub preserve_mtimes: bool,
    /// Create the package even when no file is selected.
    pub allow_empty: bool,
}

impl PackRequest {
    /// A request with the CLI's defaults: zip, base path and out folder `.`, include `**`,
    /// level 6, no overwrite.
    pub fn new(id: PackageId, version: Version) -> PackRequest {
        PackRequest {
            id,
            version,
            format: PackageFormat::Zip,
            base_path: PathBuf::from("."),
            include: Vec::new(),
            exclude: Vec::new(),
            out_folder: PathBuf::from("."),
            overwrite: false,
            reuse_identical: false,
            compression_level: 6,
            authors: Vec::new(),
            title: None,
            description: None,
            release_notes: None,
            preserve_mtimes: false,
            allow_empty: false,
        }
    }
}

/// What was created.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackOutcome {
    /// Path of the package file (out folder joined with the file name).
    pub path: PathBuf,
    /// Package id.
    pub package_id: PackageId,
    /// Package version.
    pub version: Version,
    /// Archive format.
    pub format: PackageFormat,
    /// Size of the package file in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the package file, lowercase hex.
    pub sha256: String,
    /// Number of files packed (symlinks count; directories and nupkg metadata parts do not).
    pub file_count: usize,
    /// The timestamp every entry carries (Unix seconds), or `None` with `preserve_mtimes`.
    #[serde(skip)]
    pub timestamp: Option<i64>,
    /// Where the timestamp came from: `SOURCE_DATE_EPOCH`, `git HEAD`, `1980-01-01` or
    /// `file mtimes`.
    #[serde(skip)]
    pub timestamp_source: &'static str,
    /// An identical file was already there and was kept (`reuse_identical`).
    #[serde(skip)]
    pub reused_existing: bool,
    /// The files packed, in archive order, with their sizes in bytes (symlinks kept as links
    /// count 0): what `-v` lists, and how a caller sees what the selection took in.
    #[serde(skip)]
    pub files: Vec<(String, u64)>,
}

/// Why a package could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The base path does not exist.
    #[error("the base path {} does not exist", path.display())]
    BasePathMissing {
        /// The path as given.
        path: PathBuf,
    },
    /// The base path is not a folder.
    #[error("the base path {} is not a folder", path.display())]
    BasePathNotDir {
        /// The path as given.
        path: PathBuf,
    },
    /// The package file exists and `overwrite` is off.
    #[error("{} already exists", path.display())]
    OutputExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The package file exists with other bytes than the package just built (`reuse_identical`).
    #[error("{} already exists with different content (sha256 {existing}, the new package's is {new})", path.display())]
    OutputDiffers {
        /// The existing file.
        path: PathBuf,
        /// SHA-256 of the existing file.
        existing: String,
        /// SHA-256 of the package just built.
        new: String,
    },
    /// A symlink resolves outside the base path.
    #[error(
        "the symlink {} points to {} ({}), which is outside the base path; Ferry never packs files from outside it",
        path.display(), target.display(), resolved.display()
    )]
    EscapingSymlink {
        /// The link.
        path: PathBuf,
        /// Its target as written.
        target: PathBuf,
        /// Where it resolves.
        resolved: PathBuf,
    },
    /// A symlink points to nothing.
    #[error("the symlink {} points to {}, which does not exist", path.display(), target.display())]
    DanglingSymlink {
        /// The link.
        path: PathBuf,
        /// Its target as written.
        target: PathBuf,
    },
    /// Symlinks form a loop.
    #[error("the symlink {} leads back into a folder that contains it (a loop)", path.display())]
    SymlinkLoop {
        /// Where the loop was found.
        path: PathBuf,
    },
    /// No file matched.
    #[error("no file under {} matches include {include:?} minus exclude {exclude:?}", base.display())]
    NothingSelected {
        /// The base path.
        base: PathBuf,
        /// The include globs.
        include: Vec<String>,
        /// The exclude globs.
        exclude: Vec<String>,
    },
    /// A glob does not parse.
    #[error("the glob `{pattern}` is not valid: {message}")]
    InvalidGlob {
        /// The pattern.
        pattern: String,
        /// The parser's message.
        message: String,
    },
    /// A path that is not UTF-8 (zip and nupkg names must be).
    #[error("the file name {} is not valid UTF-8 (or not a plain relative path)", path.display())]
    NonUtf8Name {
        /// The path.
        path: PathBuf,
    },
    /// A content file would clash with a nupkg metadata part.
    #[error("`{name}` would clash with the metadata Ferry writes into a nupkg")]
    ReservedName {
        /// The file's path inside the package.
        name: String,
    },
    /// A metadata value that cannot be written.
    #[error("the value of {field} cannot be written into the package: {reason}")]
    InvalidMetadata {
        /// The flag that gave it.
        field: String,
        /// Why.
        reason: String,
    },
    /// `SOURCE_DATE_EPOCH` is set but not a number of seconds.
    #[error("SOURCE_DATE_EPOCH is `{value}`, which is not a whole number of seconds since 1970")]
    InvalidSourceDateEpoch {
        /// The value.
        value: String,
    },
    /// A format Ferry reads but does not create.
    #[error("Ferry cannot create .{} packages (it creates zip, nupkg, tar.gz, tgz and tar)", format.extension())]
    UnsupportedFormat {
        /// The format.
        format: PackageFormat,
    },
    /// A file's size changed while it was being packed.
    #[error("{} changed while it was being packed", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
    },
    /// Compression itself failed (a worker error).
    #[error("compressing the package failed: {0}")]
    Compression(#[from] std::io::Error),
    /// An I/O error.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What Ferry was doing ("reading", "writing", "creating").
        action: String,
        /// On which path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl PackError {
    pub(crate) fn io(action: &str, path: &Path, source: std::io::Error) -> PackError {
        PackError::Io { action: action.to_owned(), path: path.to_path_buf(), source }
    }

    /// Whether the error is a bad value given by the user (a usage error, exit 2) rather than a
    /// failure of the operation (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            PackError::InvalidGlob { .. }
                | PackError::InvalidMetadata { .. }
                | PackError::InvalidSourceDateEpoch { .. }
                | PackError::UnsupportedFormat { .. }
        )
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            PackError::BasePathMissing { .. } | PackError::BasePathNotDir { .. } => {
                "pass --base-path with the folder that holds the files to package".to_owned()
            }
            PackError::OutputExists { .. } => {
                "pass --overwrite to replace it, or change --version or --out-folder".to_owned()
            }
            PackError::OutputDiffers { .. } => {
                "the files changed since that package was built under the same version: give a new --version, or pass --overwrite or another --out-folder".to_owned()
            }
            PackError::EscapingSymlink { .. } | PackError::DanglingSymlink { .. } | PackError::SymlinkLoop { .. } => {
                "remove or fix the link, or leave it out with --exclude".to_owned()
            }
            PackError::NothingSelected { .. } => {
                "check --base-path and the --include/--exclude globs (relative to the base path; `*` does not cross `/`, use `**/`), or pass --allow-empty".to_owned()
            }
            PackError::ReservedName { name } => format!("leave it out with --exclude '{name}'"),
            PackError::InvalidSourceDateEpoch { .. } => {
                "unset SOURCE_DATE_EPOCH or set it to a Unix time such as $(git log -1 --format=%ct)".to_owned()
            }
            PackError::InvalidGlob { .. } => {
                "globs use `*`, `?`, `**`, `[...]` and `{a,b}`; quote them in the shell".to_owned()
            }
            _ => return None,
        })
    }
}

/// The timestamp every entry gets, and where it came from.
fn timestamp_for(base: &Path) -> Result<(i64, &'static str), PackError> {
    if let Ok(value) = std::env::var("SOURCE_DATE_EPOCH") {
        let trimmed = value.trim();
        if !trimmed.is_empty() {
            return trimmed
                .parse::<i64>()
                .map(|seconds| (seconds, "SOURCE_DATE_EPOCH"))
                .map_err(|_| PackError::InvalidSourceDateEpoch { value });
        }
    }
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(base)
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    if let Ok(output) = output
        && output.status.success()
        && let Ok(seconds) = String::from_utf8_lossy(&output.stdout).trim().parse::<i64>()
    {
        return Ok((seconds, "git HEAD"));
    }
    Ok((315_532_800, "1980-01-01"))
}

const TEMP_PREFIX: &str = ".ferry-pack-";

/// Create the package described by `request`. Blocking: call it from `spawn_blocking` in async
/// code. Compression runs on the rayon pool.
pub fn create_package(request: &PackRequest) -> Result<PackOutcome, PackError> {
    let format = request.format;
    if format == PackageFormat::TarBz2 {
        return Err(PackError::UnsupportedFormat { format });
    }
    let filter = Filter::new(&request.include, &request.exclude)?;
    let base = match std::fs::canonicalize(&request.base_path) {
        Ok(base) => base,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(PackError::BasePathMissing { path: request.base_path.clone() });
        }
        Err(err) => return Err(PackError::io("opening the base path", &request.base_path, err)),
    };
    if !base.is_dir() {
        return Err(PackError::BasePathNotDir { path: request.base_path.clone() });
    }
    let file_name = package_file_name(&request.id, &request.version, format);
    let final_path = request.out_folder.join(&file_name);
    if !request.overwrite && !request.reuse_identical && final_path.exists() {
        return Err(PackError::OutputExists { path: final_path });
    }
    let (timestamp, timestamp_source) = if request.preserve_mtimes {
        (None, "file mtimes")
    } else {
        let (seconds, source) = timestamp_for(&base)?;
        (Some(seconds), source)
    };
    std::fs::create_dir_all(&request.out_folder)
        .map_err(|err| PackError::io("creating the output folder", &request.out_folder, err))?;
    let out_dir = std::fs::canonicalize(&request.out_folder)
        .map_err(|err| PackError::io("opening the output folder", &request.out_folder, err))?;

    let policy = match format {
        PackageFormat::Zip => Policy { follow_links: true, dirs: DirEntries::EmptyOnly },
        PackageFormat::Nupkg => Policy { follow_links: true, dirs: DirEntries::None },
        _ => Policy { follow_links: false, dirs: DirEntries::All },
    };
    let final_in_out = out_dir.join(&file_name);
    let skip = |path: &Path| {
        path.parent() == Some(out_dir.as_path())
            && (path == final_in_out
                || path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(TEMP_PREFIX)))
    };
    let entries = select::select(&base, &filter, policy, &skip)?;
    let files: Vec<(String, u64)> = entries
        .iter()
        .filter_map(|entry| match &entry.kind {
            Kind::Dir => None,
            Kind::File { len, .. } => Some((entry.name.clone(), *len)),
            _ => Some((entry.name.clone(), 0)),
        })
        .collect();
    let file_count = files.len();
    if file_count == 0 && !request.allow_empty {
        return Err(PackError::NothingSelected {
            base: request.base_path.clone(),
            include: if request.include.is_empty() { vec!["**".to_owned()] } else { request.include.clone() },
            exclude: request.exclude.clone(),
        });
    }

    let temp_path = out_dir.join(format!("{TEMP_PREFIX}{}-{file_name}", std::process::id()));
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(|err| PackError::io("creating", &temp_path, err))?;
    let mut temp = TempFile { path: temp_path, keep: false };
    let out = BufWriter::with_capacity(1 << 20, file);
    let level = request.compression_level.min(9);
    let written = match format {
        PackageFormat::Zip | PackageFormat::Nupkg => {
            let items = zip_items(request, entries, timestamp)?;
            zip::write(out, &items, level, timestamp)?
        }
        PackageFormat::TarGz | PackageFormat::Tgz => {
            let gzip = tar::ParallelGzip::new(out, level)
                .map_err(|err| PackError::io("writing", &temp.path, err))?;
            tar::write(gzip, &entries, timestamp)?
                .finish()
                .map_err(|err| PackError::io("writing", &temp.path, err))?
        }
        PackageFormat::Tar => tar::write(out, &entries, timestamp)?,
        PackageFormat::TarBz2 => unreachable!("refused above"),
    };
    let file = written.into_inner().map_err(|err| PackError::io("writing", &temp.path, err.into_error()))?;
    drop(file);
    let (sha256, size_bytes) = hash_file(&temp.path)?;
    let reused_existing = !request.overwrite && final_path.exists();
    if reused_existing {
        // Only reachable with `reuse_identical`; the temporary file is removed by its guard.
        let (existing, _) = hash_file(&final_path)?;
        if existing != sha256 {
            return Err(PackError::OutputDiffers { path: final_path, existing, new: sha256 });
        }
    } else {
        std::fs::rename(&temp.path, &final_path)
            .map_err(|err| PackError::io("renaming into place", &final_path, err))?;
        temp.keep = true;
    }
    Ok(PackOutcome {
        path: final_path,
        package_id: request.id.clone(),
        version: request.version.clone(),
        format,
        size_bytes,
        sha256,
        file_count,
        timestamp,
        timestamp_source,
        reused_existing,
        files,
    })
}

/// Turn the selection into zip items; for nupkg, escape the names and add the metadata parts.
fn zip_items(
    request: &PackRequest,
    entries: Vec<Entry>,
    timestamp: Option<i64>,
) -> Result<Vec<zip::Item>, PackError> {
    let nupkg = request.format == PackageFormat::Nupkg;
    let mut items = Vec::with_capacity(entries.len() + 4);
    for entry in entries {
        let source = match entry.kind {
            Kind::File { path, len } => zip::Source::File(path, len),
            Kind::Dir => zip::Source::Dir,
            Kind::Symlink { .. } => unreachable!("zip selections follow links"),
        };
        let name = if nupkg {
            nupkg::check_content_name(&entry.name)?;
            nupkg::part_name(&entry.name)
        } else {
            entry.name
        };
        items.push(zip::Item { name, source, mode: entry.mode, mtime: entry.mtime });
    }
    if nupkg {
        let content: Vec<String> = items.iter().map(|item| item.name.clone()).collect();
        let meta = nupkg::Metadata {
            id: request.id.as_str(),
            version: request.version.original(),
            authors: &request.authors,
            title: request.title.as_deref(),
            description: request.description.as_deref(),
            release_notes: request.release_notes.as_deref(),
        };
        let mtime = timestamp.unwrap_or(315_532_800);
        let parts = nupkg::parts(&meta, &content)?;
        let metadata = parts.into_iter().map(|(name, bytes)| zip::Item {
            name,
            source: zip::Source::Memory(bytes),
            mode: 0o644,
            mtime,
        });
        items.splice(0..0, metadata);
    }
    Ok(items)
}

/// SHA-256 (lowercase hex) and size of a file.
fn hash_file(path: &Path) -> Result<(String, u64), PackError> {
    let read_err = |err| PackError::io("reading back", path, err);
    let mut file = File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let count = file.read(&mut buffer).map_err(read_err)?;
        if count == 0 {
            break;
        }
        hasher.update(&buffer[..count]);
        size += count as u64;
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), size))
}
