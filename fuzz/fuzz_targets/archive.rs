//! The server's archive validation and safe extraction, in process: the first byte picks the
//! format (zip, nupkg, tar.gz, tar), the rest is the file. Neither may panic, and extraction
//! never writes outside its target directory (no file, no link resolving outside) nor past its
//! size limit, and what validation accepts extracts.
#![no_main]

use std::path::Path;

use ferry_core::package_id::PackageFormat;
use ferry_server::archive::{ArchiveError, ExtractLimits, extract, validate};
use libfuzzer_sys::fuzz_target;

const FORMATS: [PackageFormat; 4] =
    [PackageFormat::Zip, PackageFormat::Nupkg, PackageFormat::TarGz, PackageFormat::Tar];

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        out.push(path.clone());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else { return };
    let format = FORMATS[selector as usize % FORMATS.len()];
    let base = std::env::var("FERRY_FUZZ_TMP").unwrap_or_else(|_| "/tmp".into());
    let root = tempfile::tempdir_in(base).unwrap();
    let archive = root.path().join(format!("Fuzz.1.0.0.{}", format.extension()));
    std::fs::write(&archive, file).unwrap();
    let version = "1.0.0".parse().unwrap();
    let valid = validate(&archive, format, "Fuzz", &version).is_ok();
    let target = root.path().join("out");
    let limits = ExtractLimits { max_bytes: 4 << 20, max_ratio: 200, max_entries: 2000 };
    let extracted = extract(&archive, format, &target, limits);
    // Upload validation and extraction share one plan: what validation accepted extracts, unless
    // this target's lower size limits stop it or a zip entry's content is damaged (validation
    // reads a zip's names and links, not its content).
    if valid {
        assert!(
            matches!(
                extracted,
                Ok(())
                    | Err(ArchiveError::TooLarge(_)
                        | ArchiveError::RatioTooHigh(_)
                        | ArchiveError::TooManyEntries(_)
                        | ArchiveError::CorruptEntry(_))
            ),
            "accepted at upload, then {extracted:?}"
        );
    }
    let mut all = Vec::new();
    walk(root.path(), &mut all);
    let canonical_target = target.canonicalize().unwrap_or(target.clone());
    let mut total = 0u64;
    for path in &all {
        if path == &archive || path == &target {
            continue;
        }
        assert!(
            path.starts_with(&target),
            "extraction wrote {} outside {}",
            path.display(),
            target.display()
        );
        if let Ok(resolved) = path.canonicalize() {
            assert!(
                resolved.starts_with(&canonical_target),
                "{} resolves to {}",
                path.display(),
                resolved.display()
            );
        }
        total += std::fs::symlink_metadata(path).ok().filter(|m| m.is_file()).map_or(0, |m| m.len());
    }
    assert!(total <= (4 << 20) + (1 << 20), "extracted {total} bytes past the 4 MiB limit");
});
