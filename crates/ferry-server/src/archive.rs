//! Package archives on the server: checking that an upload is a readable archive of the format
//! its name says, and extracting one safely for a deploy command (no entry may escape the
//! target directory; total size and compression ratio are bounded against zip bombs).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use ferry_core::package_id::PackageFormat;
use ferry_core::version::Version;

/// Limits for extraction.
#[derive(Debug, Clone, Copy)]
pub struct ExtractLimits {
    /// Largest total of extracted bytes.
    pub max_bytes: u64,
    /// Largest ratio extracted bytes / archive bytes (checked once past 1 MiB extracted).
    pub max_ratio: u64,
    /// Largest number of entries.
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

/// Check that `path` is a readable archive of `format`; for a nupkg, that its nuspec names
/// `id` and `version`. The error is a message for the client.
pub fn validate(
    path: &Path,
    format: PackageFormat,
    id: &str,
    version: &Version,
) -> Result<ArchiveInfo, String> {
    let file = File::open(path).map_err(|err| format!("cannot read the upload: {err}"))?;
    match format {
        PackageFormat::Zip | PackageFormat::Nupkg => {
            let mut zip = zip::ZipArchive::new(BufReader::new(file))
                .map_err(|err| format!("the file is not a readable zip archive: {err}"))?;
            for name in zip.file_names() {
                let name = name.map_err(|err| format!("a zip entry has an unreadable name: {err}"))?;
                if !is_safe_entry(&name) {
                    return Err(format!(
                        "the entry `{name}` would be extracted outside the target directory"
                    ));
                }
            }
            if format == PackageFormat::Nupkg {
                check_nuspec(&mut zip, id, version)
            } else {
                Ok(ArchiveInfo::default())
            }
        }
        PackageFormat::TarGz | PackageFormat::Tgz => {
            let decoder = flate2::read::GzDecoder::new(BufReader::new(file));
            walk_tar(decoder).map_err(|err| format!("the file is not a readable tar.gz archive: {err}"))?;
            Ok(ArchiveInfo::default())
        }
        PackageFormat::Tar => {
            walk_tar(BufReader::new(file))
                .map_err(|err| format!("the file is not a readable tar archive: {err}"))?;
            Ok(ArchiveInfo::default())
        }
        PackageFormat::TarBz2 => {
            // No bzip2 decoder is linked: check the stream signature only.
            let mut magic = [0u8; 4];
            let mut reader = BufReader::new(file);
            reader
                .read_exact(&mut magic)
                .map_err(|_| "the file is too short to be a tar.bz2 archive".to_owned())?;
            if &magic[..3] != b"BZh" || !(b'1'..=b'9').contains(&magic[3]) {
                return Err("the file is not a bzip2 stream (tar.bz2)".into());
            }
            Ok(ArchiveInfo::default())
        }
    }
}

fn walk_tar(reader: impl Read) -> io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    let mut count = 0u64;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        if !path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the entry `{}` would be extracted outside the target directory", path.display()),
            ));
        }
        io::copy(&mut entry, &mut io::sink())?;
        count += 1;
    }
    if count == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the archive has no entries"));
    }
    Ok(())
}

fn check_nuspec<R: Read + io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    id: &str,
    version: &Version,
) -> Result<ArchiveInfo, String> {
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|name| !name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec"))
        .map(|name| name.into_owned())
        .ok_or_else(|| "the nupkg has no .nuspec file at its root".to_owned())?;
    let entry = zip.by_name(&name).map_err(|err| format!("cannot read {name}: {err}"))?;
    let mut text = String::new();
    entry
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|err| format!("cannot read {name} as UTF-8 text: {err}"))?;
    let nuspec_id = element(&text, "id").ok_or_else(|| format!("{name} has no <id>"))?;
    let nuspec_version = element(&text, "version").ok_or_else(|| format!("{name} has no <version>"))?;
    if !nuspec_id.eq_ignore_ascii_case(id) {
        return Err(format!("the nuspec's id `{nuspec_id}` does not match the file name's id `{id}`"));
    }
    match nuspec_version.parse::<Version>() {
        Ok(v) if &v == version => {}
        _ => {
            return Err(format!(
                "the nuspec's version `{nuspec_version}` does not match the file name's version `{version}`"
            ));
        }
    }
    Ok(ArchiveInfo {
        title: element(&text, "title"),
        description: element(&text, "description"),
        release_notes: element(&text, "releaseNotes"),
    })
}

/// The text of the first `<tag>...</tag>` (namespace prefixes and attributes tolerated),
/// with the five XML entities decoded.
fn element(xml: &str, tag: &str) -> Option<String> {
    let mut search = 0;
    while let Some(found) = xml[search..].find('<') {
        let start = search + found + 1;
        let rest = &xml[start..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let name = &rest[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == tag {
            let open_end = start + rest.find('>')? + 1;
            if xml[..open_end].ends_with("/>") {
                return Some(String::new());
            }
            let close = xml[open_end..].find("</")?;
            let raw = xml[open_end..open_end + close].trim();
            return Some(
                raw.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
        }
        search = start;
    }
    None
}

/// Extract `archive` into `target` (created). Refuses entries with absolute paths or `..`,
/// links pointing outside, and archives past the limits.
pub fn extract(
    archive: &Path,
    format: PackageFormat,
    target: &Path,
    limits: ExtractLimits,
) -> Result<(), String> {
    std::fs::create_dir_all(target).map_err(|err| format!("cannot create {}: {err}", target.display()))?;
    let archive_size = std::fs::metadata(archive).map(|m| m.len()).unwrap_or(0).max(1);
    let mut budget = Budget { written: 0, entries: 0, archive_size, limits };
    let file = File::open(archive).map_err(|err| format!("cannot open the package: {err}"))?;
    match format {
        PackageFormat::Zip | PackageFormat::Nupkg => extract_zip(file, format, target, &mut budget),
        PackageFormat::TarGz | PackageFormat::Tgz => {
            extract_tar(flate2::read::GzDecoder::new(BufReader::new(file)), target, &mut budget)
        }
        PackageFormat::Tar => extract_tar(BufReader::new(file), target, &mut budget),
        PackageFormat::TarBz2 => Err("tar.bz2 packages cannot be extracted by this server".into()),
    }
}

struct Budget {
    written: u64,
    entries: u64,
    archive_size: u64,
    limits: ExtractLimits,
}

impl Budget {
    fn entry(&mut self) -> Result<(), String> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(format!("the package has more than {} entries", self.limits.max_entries));
        }
        Ok(())
    }

    /// Copy with the size and ratio limits enforced as bytes arrive.
    fn copy(&mut self, reader: &mut impl Read, out: &mut impl Write) -> Result<(), String> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|err| format!("reading the package: {err}"))?;
            if n == 0 {
                return Ok(());
            }
            self.written += n as u64;
            if self.written > self.limits.max_bytes {
                return Err(format!("the package expands to more than {} bytes", self.limits.max_bytes));
            }
            if self.written > (1 << 20) && self.written / self.archive_size > self.limits.max_ratio {
                return Err(format!(
                    "the package expands more than {}x its size (a zip bomb?); refusing to extract",
                    self.limits.max_ratio
                ));
            }
            out.write_all(&buf[..n]).map_err(|err| format!("writing the extracted file: {err}"))?;
        }
    }
}

/// Whether a zip entry name stays inside the extraction directory.
fn is_safe_entry(name: &str) -> bool {
    let name = name.replace('\\', "/");
    let absolute = name.starts_with('/') || (name.len() > 1 && name.as_bytes()[1] == b':');
    let escapes = name.split('/').any(|part| part == "..");
    !(absolute || escapes || name.contains('\0'))
}

/// A relative path made only of normal components, or `None`.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn extract_zip(file: File, format: PackageFormat, target: &Path, budget: &mut Budget) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|err| format!("the package is not a zip: {err}"))?;
    for index in 0..zip.len() {
        budget.entry()?;
        let mut entry = zip.by_index(index).map_err(|err| format!("reading zip entry {index}: {err}"))?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .map_err(|err| format!("zip entry {index} has an unreadable name: {err}"))?;
        if format == PackageFormat::Nupkg && is_nupkg_metadata(&name) {
            continue;
        }
        let relative = entry.enclosed_name().and_then(|p| safe_relative(&p)).ok_or_else(|| {
            format!("the package entry `{name}` would be written outside the extraction directory")
        })?;
        let path = target.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&path)
                .map_err(|err| format!("creating {}: {err}", relative.display()))?;
            continue;
        }
        if entry.is_symlink() {
            return Err(format!(
                "the package entry `{name}` is a symbolic link; zip packages may not contain links"
            ));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|err| format!("creating {}: {err}", parent.display()))?;
        }
        let mut out = File::create(&path).map_err(|err| format!("creating {}: {err}", relative.display()))?;
        budget.copy(&mut entry, &mut out)?;
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o755));
        }
    }
    Ok(())
}

fn is_nupkg_metadata(name: &str) -> bool {
    name.starts_with("_rels/")
        || name.starts_with("package/services/")
        || name == "[Content_Types].xml"
        || (!name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec"))
}

fn extract_tar(reader: impl Read, target: &Path, budget: &mut Budget) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|err| format!("reading the tar stream: {err}"))?;
    for entry in entries {
        budget.entry()?;
        let mut entry = entry.map_err(|err| format!("reading a tar entry: {err}"))?;
        let raw =
            entry.path().map_err(|err| format!("a tar entry has an unreadable path: {err}"))?.into_owned();
        let relative = match safe_relative(&raw) {
            Some(relative) => relative,
            None if raw.components().all(|c| matches!(c, Component::CurDir)) => continue,
            None => {
                return Err(format!(
                    "the package entry `{}` would be written outside the extraction directory",
                    raw.display()
                ));
            }
        };
        let path = target.join(&relative);
        let kind = entry.header().entry_type();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|err| format!("creating {}: {err}", parent.display()))?;
        }
        if kind.is_dir() {
            std::fs::create_dir_all(&path)
                .map_err(|err| format!("creating {}: {err}", relative.display()))?;
        } else if kind.is_file() {
            let mut out =
                File::create(&path).map_err(|err| format!("creating {}: {err}", relative.display()))?;
            budget.copy(&mut entry, &mut out)?;
            #[cfg(unix)]
            if let Ok(mode) = entry.header().mode() {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o755));
            }
        } else if kind.is_symlink() {
            let link = entry
                .link_name()
                .map_err(|err| format!("a link has an unreadable target: {err}"))?
                .ok_or_else(|| format!("the link `{}` has no target", relative.display()))?;
            let resolved = relative.parent().unwrap_or(Path::new("")).join(&link);
            if link.is_absolute() || !stays_inside(&resolved) {
                return Err(format!(
                    "the link `{}` points outside the extraction directory",
                    relative.display()
                ));
            }
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &path)
                .map_err(|err| format!("creating link {}: {err}", relative.display()))?;
        } else if kind.is_hard_link() {
            return Err(format!("the package entry `{}` is a hard link; not supported", relative.display()));
        }
        // Other entry types (pax headers, fifos, devices) are skipped.
    }
    Ok(())
}

/// Whether a relative path with `..` parts stays inside its root.
fn stays_inside(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for component in path.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::CurDir => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuspec_elements() {
        let xml = r#"<?xml version="1.0"?><package xmlns="x"><metadata><id>Hello</id><version>1.0.0</version>
<description>a &amp; b</description></metadata></package>"#;
        assert_eq!(element(xml, "id").as_deref(), Some("Hello"));
        assert_eq!(element(xml, "description").as_deref(), Some("a & b"));
        assert_eq!(element(xml, "title"), None);
    }

    #[test]
    fn paths() {
        assert!(safe_relative(Path::new("../x")).is_none());
        assert!(safe_relative(Path::new("/etc/passwd")).is_none());
        assert_eq!(safe_relative(Path::new("./a/b")).unwrap(), PathBuf::from("a/b"));
        assert!(stays_inside(Path::new("a/../b")));
        assert!(!stays_inside(Path::new("a/../../b")));
    }
}
