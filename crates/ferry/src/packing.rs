//! Creating a package from the flags `package create` and `ship` share: validation, the warnings
//! Octopus's file-name rules call for, packing on a blocking thread, and what it reports.

use std::path::Path;

use ferry_core::package_id::{PackageFormat, PackageId, package_file_name, parse_package_file_name};
use ferry_core::packaging::{PackError, PackOutcome, PackRequest, create_package};

use crate::cli::{self, PackOptions};
use crate::context::Ctx;
use crate::exit::UserError;
use crate::render::{count, size};

/// The JSON object of a created package: `{path, packageId, version, format, sizeBytes, sha256,
/// fileCount}` (also the `package` member of `ship`'s output).
pub fn json(outcome: &PackOutcome) -> serde_json::Value {
    serde_json::to_value(outcome).unwrap_or_default()
}

/// The format the CLI names.
pub fn format_of(format: cli::PackageFormat) -> PackageFormat {
    match format {
        cli::PackageFormat::Zip => PackageFormat::Zip,
        cli::PackageFormat::Nupkg => PackageFormat::Nupkg,
        cli::PackageFormat::TarGz => PackageFormat::TarGz,
    }
}

/// Validate the flags, create the package in `out_folder` on a blocking thread and report progress
/// on stderr. `version` may be `auto`; `reuse_identical` keeps an existing file with the same
/// bytes (see [`PackRequest::reuse_identical`]). Shared by `package create` and `ship`.
pub async fn create(
    ctx: &Ctx,
    id: &str,
    version: &str,
    pack: &PackOptions,
    out_folder: &Path,
    reuse_identical: bool,
) -> anyhow::Result<PackOutcome> {
    let id = PackageId::new(id.trim()).map_err(|err| {
        UserError::usage(format!("invalid value `{id}` for --id: {err}"))
            .hint("package ids are letters, digits, `_`, `-` and `.`, e.g. MyCompany.Web")
    })?;
    let version = crate::versions::resolve(ctx, version)?;
    let release_notes = match (&pack.release_notes, &pack.release_notes_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(file)) => Some(std::fs::read_to_string(file).map_err(|err| {
            UserError::failure(format!("could not read --release-notes-file {}: {err}", file.display()))
                .hint("pass a readable UTF-8 text file, or the notes themselves with --release-notes")
        })?),
        (None, None) => None,
    };
    let format = format_of(pack.format);
    let file_name = package_file_name(&id, &version, format);
    match parse_package_file_name(&file_name) {
        Ok(parsed) if parsed.id == id && parsed.version.original() == version.original() => {}
        _ => ctx.warn(&format!(
            "Octopus will read `{file_name}` back as a different id and version: a segment of the id `{id}` looks like a version; consider another id"
        )),
    }
    if version.is_prerelease() && format == PackageFormat::TarGz {
        ctx.warn(&format!(
            "`{file_name}` combines a pre-release version with a two-part extension, which Octopus documents as breaking \"Run on Server\" steps; zip avoids that"
        ));
    }
    let request = PackRequest {
        format,
        base_path: pack.base_path.clone(),
        include: pack.include.clone(),
        exclude: pack.exclude.clone(),
        out_folder: out_folder.to_owned(),
        overwrite: pack.overwrite,
        reuse_identical,
        compression_level: pack.compression_level,
        authors: pack.authors.clone(),
        title: pack.title.clone(),
        description: pack.description.clone(),
        release_notes,
        preserve_mtimes: pack.preserve_mtimes,
        allow_empty: pack.allow_empty,
        ..PackRequest::new(id, version)
    };
    let nupkg_only: Vec<&str> = [
        (!pack.authors.is_empty()).then_some("--author"),
        pack.title.is_some().then_some("--title"),
        pack.description.is_some().then_some("--description"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if format != PackageFormat::Nupkg && !nupkg_only.is_empty() {
        ctx.warn(&format!(
            "ignoring {} for a {} package: only nupkg packages carry that metadata",
            nupkg_only.join(", "),
            format.extension()
        ));
    }
    ctx.info(&format!("packing {} into {}", pack.base_path.display(), out_folder.join(&file_name).display()));
    let started = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(move || create_package(&request)).await?;
    let outcome = result.map_err(|err| pack_error(&file_name, err))?;
    let stamp = match outcome.timestamp {
        Some(seconds) => format!(
            "timestamps {} from {}",
            jiff::Timestamp::from_second(seconds)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| seconds.to_string()),
            outcome.timestamp_source
        ),
        None => "file modification times kept".to_owned(),
    };
    report_files(ctx, &pack.base_path, &outcome.files);
    if outcome.reused_existing {
        ctx.info(&format!(
            "{} exists with the same bytes (sha256 {}): using it",
            outcome.path.display(),
            outcome.sha256
        ));
        return Ok(outcome);
    }
    ctx.info(&format!(
        "packed {} into {} ({}, sha256 {}) in {:.2}s; {stamp}",
        count(outcome.file_count, "file"),
        outcome.path.display(),
        size(outcome.size_bytes),
        outcome.sha256,
        started.elapsed().as_secs_f64()
    ));
    Ok(outcome)
}

/// Map a packaging error to the user-facing error with its exit status and hint.
fn pack_error(file_name: &str, err: PackError) -> UserError {
    let message = format!("could not create package {file_name}: {err}");
    let user = if err.is_usage() { UserError::usage(message) } else { UserError::failure(message) };
    match err.hint() {
        Some(hint) => user.hint(hint),
        None => user,
    }
}

/// At `-v`, every packed file with its size; and, once, a warning when the selection took in a
/// `.git` folder (the repository's whole history, rarely meant to be deployed).
fn report_files(ctx: &Ctx, base_path: &Path, files: &[(String, u64)]) {
    let in_git = files.iter().filter(|(name, _)| name == ".git" || name.starts_with(".git/")).count();
    if in_git > 0 {
        ctx.warn(&format!(
            "packing {} from {}: the repository's history goes into the package; pass --exclude .git to leave it out",
            count(in_git, "file"),
            base_path.join(".git").display()
        ));
    }
    if ctx.global.verbose == 0 {
        return;
    }
    let sizes: Vec<String> = files.iter().map(|(_, bytes)| size(*bytes)).collect();
    let width = sizes.iter().map(String::len).max().unwrap_or(0);
    for ((name, _), shown) in files.iter().zip(&sizes) {
        ctx.info(&format!("  {shown:>width$}  {name}"));
    }
}
