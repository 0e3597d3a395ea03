//! Package upload: a multipart body streamed from disk (memory stays flat whatever the package
//! size), re-opened and re-streamed on each retry.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use reqwest::multipart::{Form, Part};
use tokio_util::io::ReaderStream;

use ferry_core::if_exists::{IfExists, PushStatus};
use ferry_core::package_id::parse_package_file_name;

use crate::api::overwrite_mode;
use crate::client::Client;
use crate::error::{self, ErrorKind, OctopusError};
use crate::model::PackageResource;
use crate::progress::Progress;

/// The result of pushing one file.
#[derive(Debug, Clone)]
pub struct PushOutcome {
    /// The file pushed.
    pub path: PathBuf,
    /// Package id (from the server's answer, else the file name).
    pub package_id: String,
    /// Version (from the server's answer, else the file name).
    pub version: String,
    /// What happened.
    pub status: PushStatus,
}

/// The package id and version (as written) of a package file name, by ferry-core's one parser
/// of Octopus's file-name rule; `None` for a name that is not `ID.VERSION.EXT`.
fn id_and_version(file_name: &str) -> Option<(String, String)> {
    let parsed = parse_package_file_name(file_name).ok()?;
    Some((parsed.id.to_string(), parsed.version.original().to_owned()))
}

impl Client {
    /// Push one package file to the built-in feed.
    pub async fn push_package(&self, path: &Path, if_exists: IfExists) -> Result<PushOutcome, OctopusError> {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parsed = id_and_version(&file_name);
        let label = parsed.as_ref().map(|(id, v)| format!("{id} {v}")).unwrap_or_else(|| file_name.clone());
        let doing = format!("pushing package {label} to {}", self.server_url());
        let size = std::fs::metadata(path)
            .map_err(|err| {
                OctopusError::new(ErrorKind::Io, &doing, format!("reading {}: {err}", path.display()))
            })?
            .len();
        // For OverwriteExisting the answer does not say whether something was replaced.
        let existed = match (&parsed, if_exists) {
            (Some((id, version)), IfExists::Overwrite) => self.package(id, version).await?.is_some(),
            _ => false,
        };
        let url =
            self.url(&self.space_path(&format!("packages/raw?overwriteMode={}", overwrite_mode(if_exists))))?;
        let attempts = self.options.max_attempts.max(1);
        let mut attempt = 1;
        let mut ambiguous = false;
        loop {
            let progress = Arc::new(Mutex::new(Progress::new(self.options.progress, &file_name, size)));
            let result = self.upload_once(&url, path, &file_name, size, progress.clone(), &doing).await;
            match result {
                Ok((status, body)) => {
                    if let Ok(mut p) = progress.lock() {
                        p.finish();
                    }
                    let resource: PackageResource = serde_json::from_str(&body).unwrap_or_default();
                    let (id, version) = outcome_names(&resource, &parsed);
                    // Octopus answers 201 for a stored package and 200 for an ignored one.
                    let status = match (status, if_exists) {
                        (200, IfExists::Ignore) => PushStatus::Ignored,
                        (_, IfExists::Overwrite) if existed => PushStatus::Overwritten,
                        _ => PushStatus::Created,
                    };
                    return Ok(PushOutcome { path: path.to_owned(), package_id: id, version, status });
                }
                Err(err) => {
                    if let Ok(mut p) = progress.lock() {
                        p.abandon();
                    }
                    // After an attempt whose answer never arrived (a lost or too slow response, a
                    // gateway error), the server may hold the package already: look before sending
                    // it again, and recognise a conflict that an earlier attempt caused. 429 and
                    // 503 say the request was not processed.
                    let answer_lost = err.is_transient() && !matches!(err.status, Some(429 | 503));
                    if (answer_lost || (err.kind == ErrorKind::Conflict && ambiguous))
                        && let Some(outcome) =
                            self.stored_by_earlier_attempt(path, &parsed, size, existed).await
                    {
                        return Ok(outcome);
                    }
                    if err.is_transient() && attempt < attempts {
                        ambiguous = true;
                        let delay = self.backoff(attempt, err.retry_after);
                        self.notify(&format!(
                            "{doing}: {}; re-sending the file in {:.1}s (attempt {} of {attempts})",
                            err.status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| err.message.clone()),
                            delay.as_secs_f64(),
                            attempt + 1
                        ));
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                        continue;
                    }
                    if err.kind == ErrorKind::Conflict {
                        return Err(err.hint(format!(
                            "{file_name} is on the server already: push it with --if-exists ignore to keep the stored one, --if-exists overwrite to replace it, or give the package a new version"
                        )));
                    }
                    return Err(err);
                }
            }
        }
    }

    /// The outcome to report when the server already holds exactly this file (same size and
    /// SHA-1) although no attempt got an answer saying so. Lookup failures count as "not known".
    async fn stored_by_earlier_attempt(
        &self,
        path: &Path,
        parsed: &Option<(String, String)>,
        size: u64,
        existed: bool,
    ) -> Option<PushOutcome> {
        let (id, version) = parsed.as_ref()?;
        if !self.same_package_on_server(path, id, version, size).await.unwrap_or(false) {
            return None;
        }
        let status = if existed { PushStatus::Overwritten } else { PushStatus::Created };
        Some(PushOutcome { path: path.to_owned(), package_id: id.clone(), version: version.clone(), status })
    }

    async fn same_package_on_server(
        &self,
        path: &Path,
        id: &str,
        version: &str,
        size: u64,
    ) -> Result<bool, OctopusError> {
        let Some(stored) = self.package(id, version).await? else { return Ok(false) };
        if stored.package_size_bytes.is_some_and(|s| s != size) {
            return Ok(false);
        }
        match stored.hash {
            Some(hash) if !hash.is_empty() => {
                let path = path.to_owned();
                let local = tokio::task::spawn_blocking(move || sha1_file(&path)).await.ok().flatten();
                Ok(local.is_some_and(|local| local.eq_ignore_ascii_case(&hash)))
            }
            _ => Ok(stored.package_size_bytes.is_some()),
        }
    }

    async fn upload_once(
        &self,
        url: &url::Url,
        path: &Path,
        file_name: &str,
        size: u64,
        progress: Arc<Mutex<Progress>>,
        doing: &str,
    ) -> Result<(u16, String), OctopusError> {
        let file = tokio::fs::File::open(path).await.map_err(|err| {
            OctopusError::new(ErrorKind::Io, doing, format!("opening {}: {err}", path.display()))
        })?;
        let stream = ReaderStream::with_capacity(file, 256 * 1024).inspect(move |chunk| {
            if let (Ok(bytes), Ok(mut p)) = (chunk, progress.lock()) {
                p.advance(bytes.len() as u64);
            }
        });
        let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
            .file_name(file_name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(|err| error::from_reqwest(doing, &err))?;
        let form = Form::new().part("file", part);
        // --request-timeout bounds the answer; the transfer itself gets 1 s per 256 KiB more, so a
        // large package on a slow link is not cut off (and re-sent) for being large.
        let timeout = self.options.request_timeout + std::time::Duration::from_secs(size / (256 * 1024));
        let response = self
            .http
            .post(url.clone())
            .timeout(timeout)
            .multipart(form)
            .send()
            .await
            .map_err(|err| error::from_reqwest(doing, &err))?;
        let status = response.status().as_u16();
        let retry_after = crate::client::retry_after(response.headers());
        let body = response.text().await.map_err(|err| error::from_reqwest(doing, &err))?;
        if (200..300).contains(&status) {
            return Ok((status, body));
        }
        let mut err = error::from_response(doing, status, &body, &self.key_hint());
        err.retry_after = retry_after;
        Err(err)
    }
}

fn outcome_names(resource: &PackageResource, parsed: &Option<(String, String)>) -> (String, String) {
    let id = Some(resource.package_id.clone())
        .filter(|s| !s.is_empty())
        .or_else(|| parsed.as_ref().map(|p| p.0.clone()))
        .unwrap_or_default();
    let version = Some(resource.version.clone())
        .filter(|s| !s.is_empty())
        .or_else(|| parsed.as_ref().map(|p| p.1.clone()))
        .unwrap_or_default();
    (id, version)
}

fn sha1_file(path: &Path) -> Option<String> {
    use sha1::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = sha1::Sha1::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Some(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_file_names_split_like_octopus() {
        let split = |n: &str| id_and_version(n);
        assert_eq!(split("Hello.1.0.0.zip"), Some(("Hello".into(), "1.0.0".into())));
        assert_eq!(split("MyApp.Web.1.2.3-beta.4.tar.gz"), Some(("MyApp.Web".into(), "1.2.3-beta.4".into())));
        assert_eq!(split("a.b.2.0.nupkg"), Some(("a.b".into(), "2.0".into())));
        assert_eq!(split("noversion.zip"), None);
        assert_eq!(split("Hello.1.0.0.txt"), None);
    }
}
