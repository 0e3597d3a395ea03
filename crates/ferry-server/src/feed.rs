//! The built-in feed's files. An upload streams to `tmp/`, is hashed (SHA-1 for Octopus's
//! `Hash`, SHA-256 for Ferry) as it arrives, fsynced, checked to be an archive of its format,
//! renamed into `packages/<id>/`, and only then recorded, in one transaction. Nothing of an upload
//! that fails is visible; at start, leftover temporary files and unrecorded package files are
//! removed.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::multipart::Field;
use axum::http::StatusCode;
use ferry_core::if_exists::IfExists;
use ferry_core::package_id::{PackageFileName, parse_package_file_name};
use ferry_core::temp_file::TempFile;
use rusqlite::params;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::errors::{ApiError, ApiResult, ServerError};
use crate::state::AppState;
use crate::store::Store;
use crate::store::model::Package;
use crate::versions;

/// `overwriteMode` as a request gives it (Octopus's names or Ferry's words, any case), or a 400.
pub fn parse_overwrite_mode(text: &str) -> Result<IfExists, ApiError> {
    text.parse::<IfExists>().map_err(|_| {
        ApiError::bad_request(format!(
            "overwriteMode `{text}` is not one of FailIfExists, OverwriteExisting, IgnoreIfExists"
        ))
    })
}

/// Create the data directory's folders and empty `tmp/` and `work/`.
pub fn prepare(data_dir: &Path) -> Result<(), ServerError> {
    for dir in ["packages", "tmp", "work"] {
        std::fs::create_dir_all(data_dir.join(dir))
            .map_err(|err| ServerError::io(format!("creating {}", data_dir.join(dir).display()), err))?;
    }
    for dir in ["tmp", "work"] {
        let path = data_dir.join(dir);
        let entries = std::fs::read_dir(&path)
            .map_err(|err| ServerError::io(format!("reading {}", path.display()), err))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let removed =
                if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            match removed {
                Ok(()) => tracing::info!(path = %path.display(), "removed a leftover temporary file"),
                Err(err) => {
                    tracing::warn!(path = %path.display(), %err, "could not remove a leftover temporary file")
                }
            }
        }
    }
    Ok(())
}

/// Delete package files that no database row references (an upload interrupted after rename).
pub fn remove_orphans(data_dir: &Path, store: &Store) -> Result<(), ServerError> {
    let recorded: std::collections::HashSet<String> =
        store.blocking(|c| Package::files(c))?.into_iter().collect();
    let root = data_dir.join("packages");
    let Ok(dirs) = std::fs::read_dir(&root) else { return Ok(()) };
    for dir in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for file in files.flatten() {
            let relative = format!(
                "packages/{}/{}",
                dir.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            );
            if !recorded.contains(&relative) {
                tracing::info!(file = %relative, "removing an unrecorded package file");
                let _ = std::fs::remove_file(file.path());
            }
        }
    }
    Ok(())
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:x}{n:x}", std::process::id(), nanos)
}

/// Receive one multipart file field into the feed. Returns the status (201 created, 200 ignored
/// or overwritten... see below) and the package row.
pub async fn receive(state: &AppState, field: Field<'_>, mode: IfExists) -> ApiResult<(StatusCode, Package)> {
    let file_name = field.file_name().map(str::to_owned).unwrap_or_default();
    if file_name.len() > 255 {
        return Err(ApiError::bad_request("Package Name is too long."));
    }
    let PackageFileName { id, version, format } = parse_package_file_name(&file_name)
        .map_err(|err| ApiError::bad_request(format!("The package file name is not valid: {err}")))?;
    let temp = TempFile {
        path: state.data_dir.join("tmp").join(format!("{}.upload", unique_suffix())),
        keep: false,
    };
    let (size, sha1, sha256) = write_field(field, &temp.path).await?;
    if size == 0 {
        return Err(ApiError::bad_request(
            "The uploaded package file had length equal to 0. Please upload a non-empty file.",
        ));
    }
    let check_path = temp.path.clone();
    let (check_id, check_version) = (id.as_str().to_owned(), version.clone());
    let info = tokio::task::spawn_blocking(move || {
        crate::archive::validate(&check_path, format, &check_id, &check_version)
    })
    .await
    .map_err(|err| ApiError::internal(format!("validation task: {err}")))?
    .map_err(|message| ApiError::bad_request(format!("{file_name}: {message}")))?;

    let key = versions::key(&version);
    let package_id = id.as_str().to_owned();
    // Fast path: the version exists and the mode says not to replace it.
    if mode != IfExists::Overwrite {
        let (pid, k) = (package_id.clone(), key.clone());
        if let Some(existing) = state.store.call(move |c| Package::find(c, &pid, &k)).await? {
            return existing_answer(mode, existing);
        }
    }
    let dir_name = package_id.to_ascii_lowercase();
    let final_name = format!("{dir_name}.{key}.{}.{}", unique_suffix(), format.extension());
    let relative = format!("packages/{dir_name}/{final_name}");
    let final_path = state.data_dir.join(&relative);
    tokio::fs::create_dir_all(final_path.parent().unwrap_or(&state.data_dir)).await?;
    tokio::fs::rename(&temp.path, &final_path).await?;
    let mut placed = TempFile { path: final_path, keep: false };
    sync_dir(placed.path.parent()).await;

    let row = Package {
        id: format!("packages-{package_id}.{version}"),
        package_id,
        version: version.to_string(),
        format: format!(".{}", format.extension()),
        file: relative,
        size: size as i64,
        sha1,
        sha256,
        published: crate::store::now(),
        title: info.title,
        description: info.description,
    };
    let notes = info.release_notes;
    let insert = row.clone();
    let outcome = state
        .store
        .tx(move |tx| {
            if let Some(existing) = Package::find(tx, &insert.package_id, &key)? {
                if mode != IfExists::Overwrite {
                    return Ok(Err(existing));
                }
                tx.execute(
                    "UPDATE packages SET id = ?2, version = ?3, format = ?4, file = ?5, size = ?6, sha1 = ?7, sha256 = ?8, \
                     published = ?9, title = ?10, description = ?11, release_notes = ?12 WHERE id = ?1",
                    params![
                        existing.id, insert.id, insert.version, insert.format, insert.file, insert.size, insert.sha1,
                        insert.sha256, insert.published, insert.title, insert.description, notes
                    ],
                )?;
                return Ok(Ok(Some(existing.file)));
            }
            tx.execute(
                "INSERT INTO packages(id, package_id, version, version_key, format, file, size, sha1, sha256, published, \
                 title, description, release_notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    insert.id, insert.package_id, insert.version, key, insert.format, insert.file, insert.size, insert.sha1,
                    insert.sha256, insert.published, insert.title, insert.description, notes
                ],
            )?;
            Ok(Ok(None))
        })
        .await?;
    match outcome {
        // Lost a race with another upload of the same version.
        Err(existing) => existing_answer(mode, existing),
        Ok(replaced) => {
            placed.keep = true;
            if let Some(old) = replaced {
                let _ = tokio::fs::remove_file(state.data_dir.join(old)).await;
            }
            tracing::info!(package = %row.package_id, version = %row.version, size = row.size, "package stored");
            Ok((StatusCode::CREATED, row))
        }
    }
}

fn existing_answer(mode: IfExists, existing: Package) -> ApiResult<(StatusCode, Package)> {
    match mode {
        IfExists::Ignore => Ok((StatusCode::OK, existing)),
        _ => Err(ApiError::conflict(
            "A package with the same ID and version already exists. To proceed anyway, specify an overwriteMode of \
             OverwriteExisting or IgnoreIfExists.",
        )),
    }
}

async fn write_field(mut field: Field<'_>, path: &Path) -> ApiResult<(u64, String, String)> {
    let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(path).await?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut size = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(err) => {
                let status = err.status();
                let status = if status.is_server_error() { StatusCode::BAD_REQUEST } else { status };
                return Err(ApiError::new(
                    status,
                    format!("The upload could not be read: {}", err.body_text()),
                ));
            }
        };
        size += chunk.len() as u64;
        sha1.update(&chunk);
        sha256.update(&chunk);
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    let file = out.into_inner();
    file.sync_all().await?;
    Ok((size, hex(&sha1.finalize()), hex(&sha256.finalize())))
}

async fn sync_dir(dir: Option<&Path>) {
    if let Some(dir) = dir
        && let Ok(handle) = tokio::fs::File::open(dir).await
    {
        let _ = handle.sync_all().await;
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
