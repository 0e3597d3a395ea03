//! Package archives on the server: checking that an upload is a readable archive of the format
//! its name says, and extracting one for a deploy command.
//!
//! Both go through one plan (`policy.rs`): every entry's location is resolved against the
//! entries before it, and a package with an entry that could land outside the target folder is
//! refused at upload with the entry's name, and never extracted. Extraction then writes each entry
//! at its planned location without following links (`write.rs`), within size, ratio and entry
//! limits against zip bombs.

mod nuspec;
mod policy;
mod write;

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use ferry_core::package_id::PackageFormat;
use ferry_core::version::Version;

pub use policy::Refusal;
use policy::{Action, EntryKind, Placer};

/// Limits for extraction.
#[derive(Debug, Clone, Copy)]
pub struct ExtractLimits {
    /// Largest total of extracted bytes.
    pub max_bytes: u64,
    /// Largest ratio extracted bytes / archive bytes (checked once past 1 MiB extracted).
    pub max_ratio: u64,
    /// Largest number of entries (also checked at upload).
    pub max_entries: u64,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        ExtractLimits { max_bytes: 20 << 30, max_ratio: 200, max_entries: 200_000 }
    }
}

/// What validation learned from a nupkg's nuspec.
#[derive(Debug, Clone, Default)]
pub struct ArchiveInfo {
    /// `<title>`.
    pub title: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// `<releaseNotes>`.
    pub release_notes: Option<String>,
}

/// Why a package was refused or could not be extracted. The text is written for the client
/// (upload) or the task log (deploy).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The bytes are not an archive of the format the file name says.
    #[error("the file is not a readable {format} archive: {reason}")]
    Unreadable {
        /// `zip`, `tar`, `tar.gz` or `tar.bz2`.
        format: &'static str,
        /// What the archive reader said.
        reason: String,
    },
    /// An entry could land outside the target folder (see `policy.rs`).
    #[error("the entry `{entry}` {refusal}; the package is refused")]
    Refused {
        /// The entry's name as the archive spells it.
        entry: String,
        /// What is wrong with it.
        refusal: Refusal,
    },
    /// Past `ExtractLimits::max_entries`.
    #[error("the package has more than {0} entries")]
    TooManyEntries(u64),
    /// Past `ExtractLimits::max_bytes`.
    #[error("the package expands to more than {0} bytes")]
    TooLarge(u64),
    /// Past `ExtractLimits::max_ratio`.
    #[error("the package expands more than {0}x its size (a zip bomb?); refusing to extract")]
    RatioTooHigh(u64),
    /// A nupkg whose nuspec is missing or names another id or version.
    #[error("{0}")]
    Nuspec(String),
    /// An entry's content does not decompress or fails its checksum. Upload validation reads a
    /// tar stream whole but checks a zip's names and links only, so a zip's content is checked as
    /// it is extracted.
    #[error("the package is damaged: an entry's content cannot be read ({0}); push it again")]
    CorruptEntry(#[source] io::Error),
    /// tar.bz2 is accepted at upload but cannot be extracted.
    #[error("tar.bz2 packages cannot be extracted by this server (no bzip2 decoder); push a zip or tar.gz")]
    Bzip2Unsupported,
    /// Reading the package or writing an entry failed.
    #[error("{action}: {source}")]
    Io {
        /// What Ferry was doing.
        action: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// Check that `path` is a readable archive of `format` whose every entry extracts inside its
/// target folder; for a nupkg, that its nuspec names `id` and `version`.
pub fn validate(
    path: &Path,
    format: PackageFormat,
    id: &str,
    version: &Version,
) -> Result<ArchiveInfo, ArchiveError> {
    if format == PackageFormat::TarBz2 {
        return check_bzip2_signature(path);
    }
    plan(path, format, ExtractLimits::default())?;
    if format != PackageFormat::Nupkg {
        return Ok(ArchiveInfo::default());
    }
    let mut zip = open_zip(path)?;
    nuspec::check(&mut zip, id, version).map_err(ArchiveError::Nuspec)
}

/// Extract `archive` into `target` (created), entry by entry at the locations the plan chose.
pub fn extract(
    archive: &Path,
    format: PackageFormat,
    target: &Path,
    limits: ExtractLimits,
) -> Result<(), ArchiveError> {
    if format == PackageFormat::TarBz2 {
        return Err(ArchiveError::Bzip2Unsupported);
    }
    let actions = plan(archive, format, limits)?;
    std::fs::create_dir_all(target)
        .map_err(|source| ArchiveError::Io { action: format!("creating {}", target.display()), source })?;
    let archive_size = std::fs::metadata(archive).map(|m| m.len()).unwrap_or(0).max(1);
    let mut budget = Budget { written: 0, archive_size, limits };
    let mut actions = actions.iter();
    let mut next_action =
        || actions.next().ok_or_else(|| unreadable(format, "the archive changed while extracting"));
    match format {
        PackageFormat::Zip | PackageFormat::Nupkg => {
            let mut zip = open_zip(archive)?;
            for index in 0..zip.len() {
                let mut entry = zip.by_index(index).map_err(|err| unreadable(format, err))?;
                let mode = entry.unix_mode();
                write_entry(next_action()?, target, &mut entry, mode, &mut budget)?;
            }
        }
        _ => {
            let mut tar = open_tar(archive, format)?;
            for entry in tar.entries().map_err(|err| unreadable(format, err))? {
                let mut entry = entry.map_err(|err| unreadable(format, err))?;
                let mode = entry.header().mode().ok();
                write_entry(next_action()?, target, &mut entry, mode, &mut budget)?;
            }
        }
    }
    Ok(())
}

/// Where every entry of the archive lands, in archive order, or the first entry refused.
fn plan(path: &Path, format: PackageFormat, limits: ExtractLimits) -> Result<Vec<Action>, ArchiveError> {
    let mut planner = Planner { placer: Placer::default(), actions: Vec::new(), limits };
    match format {
        PackageFormat::Zip | PackageFormat::Nupkg => {
            let mut zip = open_zip(path)?;
            for index in 0..zip.len() {
                let mut entry = zip.by_index(index).map_err(|err| unreadable(format, err))?;
                let name = entry.name().map_err(|err| unreadable(format, err))?.into_owned();
                let kind = zip_entry_kind(&name, &mut entry, format)?;
                planner.place(name, kind)?;
            }
        }
        _ => {
            let mut tar = open_tar(path, format)?;
            for entry in tar.entries().map_err(|err| unreadable(format, err))? {
                let entry = entry.map_err(|err| unreadable(format, err))?;
                let (name, kind) = tar_entry(&entry)?;
                planner.place(name, kind)?;
            }
            if planner.actions.is_empty() {
                return Err(unreadable(format, "the archive has no entries"));
            }
            // Read to the end so that a gzip stream's checksum is checked too.
            io::copy(&mut tar.into_inner(), &mut io::sink()).map_err(|err| unreadable(format, err))?;
        }
    }
    planner.placer.finish().map_err(|(entry, refusal)| ArchiveError::Refused { entry, refusal })?;
    Ok(planner.actions)
}

struct Planner {
    placer: Placer,
    actions: Vec<Action>,
    limits: ExtractLimits,
}

impl Planner {
    fn place(&mut self, name: String, kind: EntryKind) -> Result<(), ArchiveError> {
        if self.actions.len() as u64 >= self.limits.max_entries {
            return Err(ArchiveError::TooManyEntries(self.limits.max_entries));
        }
        let action = self
            .placer
            .place(&name, &kind)
            .map_err(|refusal| ArchiveError::Refused { entry: name, refusal })?;
        self.actions.push(action);
        Ok(())
    }
}

/// Longest symbolic link target read from a zip entry (Linux's PATH_MAX).
const MAX_ZIP_LINK_TARGET: u64 = 4096;

fn zip_entry_kind<R: Read>(
    name: &str,
    entry: &mut zip::read::ZipFile<'_, R>,
    format: PackageFormat,
) -> Result<EntryKind, ArchiveError> {
    if format == PackageFormat::Nupkg && is_nupkg_metadata(name) {
        return Ok(EntryKind::Ignored);
    }
    if entry.is_dir() {
        return Ok(EntryKind::Dir);
    }
    if !entry.is_symlink() {
        return Ok(EntryKind::File);
    }
    // A zip link keeps its target as the entry's content.
    let mut target = Vec::new();
    entry.take(MAX_ZIP_LINK_TARGET + 1).read_to_end(&mut target).map_err(|err| unreadable(format, err))?;
    match String::from_utf8(target) {
        Ok(target) if target.len() as u64 <= MAX_ZIP_LINK_TARGET => Ok(EntryKind::Symlink(target)),
        _ => Err(ArchiveError::Refused { entry: name.to_owned(), refusal: Refusal::BadCharacter }),
    }
}

fn tar_entry<R: Read>(entry: &tar::Entry<'_, R>) -> Result<(String, EntryKind), ArchiveError> {
    let name = utf8_name(&entry.path_bytes())?;
    let kind = entry.header().entry_type();
    let link = || -> Result<String, ArchiveError> {
        let target = entry.link_name_bytes().unwrap_or_default();
        let target = std::str::from_utf8(&target)
            .map_err(|_| ArchiveError::Refused { entry: name.clone(), refusal: Refusal::BadCharacter })?;
        Ok(target.to_owned())
    };
    let kind = if kind.is_dir() {
        EntryKind::Dir
    } else if kind.is_file() {
        EntryKind::File
    } else if kind.is_symlink() {
        EntryKind::Symlink(link()?)
    } else if kind.is_hard_link() {
        EntryKind::HardLink(link()?)
    } else {
        // pax global headers, fifos, devices: never extracted.
        EntryKind::Ignored
    };
    Ok((name, kind))
}

fn utf8_name(bytes: &[u8]) -> Result<String, ArchiveError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ArchiveError::Refused {
        entry: String::from_utf8_lossy(bytes).into_owned(),
        refusal: Refusal::BadCharacter,
    })
}

fn write_entry(
    action: &Action,
    root: &Path,
    reader: &mut impl Read,
    mode: Option<u32>,
    budget: &mut Budget,
) -> Result<(), ArchiveError> {
    let io_error = |location: &[String]| {
        let action = format!("writing `{}`", location.join("/"));
        move |source| ArchiveError::Io { action, source }
    };
    match action {
        Action::Skip => {}
        Action::Dir(at) => {
            write::dir(root, at).map_err(io_error(at))?;
        }
        Action::File(at) => {
            let mut out = write::file(root, at).map_err(io_error(at))?;
            budget.copy(reader, &mut out)?;
            #[cfg(unix)]
            if let Some(mode) = mode {
                use std::os::unix::fs::PermissionsExt;
                // On the open file: no second path lookup that a link could redirect.
                let _ = out.set_permissions(std::fs::Permissions::from_mode(mode & 0o755));
            }
        }
        Action::Symlink { at, target } => write::symlink(root, at, target).map_err(io_error(at))?,
        Action::HardLink { at, source } => write::hard_link(root, at, source).map_err(io_error(at))?,
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

struct Budget {
    written: u64,
    archive_size: u64,
    limits: ExtractLimits,
}

impl Budget {
    /// Copy with the size and ratio limits enforced as bytes arrive.
    fn copy(&mut self, reader: &mut impl Read, out: &mut impl Write) -> Result<(), ArchiveError> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(ArchiveError::CorruptEntry)?;
            if n == 0 {
                return Ok(());
            }
            self.written += n as u64;
            if self.written > self.limits.max_bytes {
                return Err(ArchiveError::TooLarge(self.limits.max_bytes));
            }
            if self.written > (1 << 20) && self.written / self.archive_size > self.limits.max_ratio {
                return Err(ArchiveError::RatioTooHigh(self.limits.max_ratio));
            }
            out.write_all(&buf[..n])
                .map_err(|source| ArchiveError::Io { action: "writing an extracted file".into(), source })?;
        }
    }
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>, ArchiveError> {
    let file = open(path)?;
    zip::ZipArchive::new(BufReader::new(file)).map_err(|err| unreadable(PackageFormat::Zip, err))
}

fn open_tar(path: &Path, format: PackageFormat) -> Result<tar::Archive<Box<dyn Read>>, ArchiveError> {
    let file = BufReader::new(open(path)?);
    let reader: Box<dyn Read> = match format {
        PackageFormat::Tar => Box::new(file),
        _ => Box::new(flate2::read::GzDecoder::new(file)),
    };
    Ok(tar::Archive::new(reader))
}

fn open(path: &Path) -> Result<File, ArchiveError> {
    File::open(path).map_err(|source| ArchiveError::Io { action: "opening the package".into(), source })
}

fn unreadable(format: PackageFormat, reason: impl ToString) -> ArchiveError {
    let format = match format {
        PackageFormat::Zip | PackageFormat::Nupkg => "zip",
        PackageFormat::Tar => "tar",
        PackageFormat::TarBz2 => "tar.bz2",
        PackageFormat::TarGz | PackageFormat::Tgz => "tar.gz",
    };
    ArchiveError::Unreadable { format, reason: reason.to_string() }
}

/// No bzip2 decoder is linked: a tar.bz2 upload is checked by its stream signature only.
fn check_bzip2_signature(path: &Path) -> Result<ArchiveInfo, ArchiveError> {
    let mut magic = [0u8; 4];
    open(path)?
        .read_exact(&mut magic)
        .map_err(|_| unreadable(PackageFormat::TarBz2, "the file is too short"))?;
    if &magic[..3] != b"BZh" || !(b'1'..=b'9').contains(&magic[3]) {
        return Err(unreadable(PackageFormat::TarBz2, "the file is not a bzip2 stream"));
    }
    Ok(ArchiveInfo::default())
}

fn is_nupkg_metadata(name: &str) -> bool {
    name.starts_with("_rels/")
        || name.starts_with("package/services/")
        || name == "[Content_Types].xml"
        || (!name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec"))
}
