//! Release assets: packages and build information pushed to a release, compared by sha256 so a
//! re-run with the same bytes is a no-op and `--if-exists` decides only about different content.

use std::path::PathBuf;

use bytes::Bytes;
use ferry_core::build_info::BuildInformation;
use ferry_core::if_exists::IfExists;
use http::Method;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::client::{Body, Call, GITHUB_JSON, GitHubClient, Lookup};
use crate::error::{ErrorKind, GitHubError, Permission};
use crate::releases::Release;

/// A release asset, with the fields Ferry uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Asset {
    /// GitHub's id.
    pub id: u64,
    /// The file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// `uploaded`, or `open` while (or when) an upload did not finish.
    pub state: String,
    /// `sha256:<hex>` on GitHub versions that compute it; `null` on older ones.
    #[serde(default)]
    pub digest: Option<String>,
    /// The API URL of the asset.
    pub url: String,
    /// The public download URL.
    pub browser_download_url: String,
}

impl Asset {
    fn is_complete(&self) -> bool {
        self.state == "uploaded"
    }
}

/// What an asset holds: bytes in memory (build information), or a file streamed from disk so
/// that a large package never sits in memory (octocrab's own `upload_asset` takes the whole body).
#[derive(Debug, Clone)]
pub enum AssetContent {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file, read twice: once for its sha256, once (per attempt) for the upload.
    File(PathBuf),
}

impl AssetContent {
    /// The sha256 (hex) and length.
    async fn digest(&self, doing: &str) -> Result<(String, u64), GitHubError> {
        let path = match self {
            AssetContent::Bytes(bytes) => return Ok((sha256_hex(bytes), bytes.len() as u64)),
            AssetContent::File(path) => path,
        };
        let io_error = |err: std::io::Error| {
            GitHubError::new(ErrorKind::Io, doing, format!("could not read {}: {err}", path.display()))
        };
        let mut file = tokio::fs::File::open(path).await.map_err(io_error)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 256 * 1024];
        let mut len = 0u64;
        loop {
            let read = file.read(&mut buffer).await.map_err(io_error)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            len += read as u64;
        }
        Ok((hex(&hasher.finalize()), len))
    }

    fn body(&self, len: u64, content_type: &str) -> Body {
        match self {
            AssetContent::Bytes(bytes) => {
                Body::Raw { bytes: bytes.clone(), content_type: content_type.to_owned() }
            }
            AssetContent::File(path) => {
                Body::File { path: path.clone(), len, content_type: content_type.to_owned() }
            }
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// The asset was new.
    Uploaded,
    /// An asset with the same name and the same sha256 was there already.
    Unchanged,
    /// Different content was there; `--if-exists ignore` kept it.
    KeptExisting,
    /// Different content was there; `--if-exists overwrite` replaced it.
    Replaced,
}

/// The asset on the release after a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPush {
    /// The asset as GitHub holds it now.
    pub asset: Asset,
    /// What the push did.
    pub outcome: PushOutcome,
}

/// The asset name of a package's build information.
pub fn build_info_asset_name(package_id: &str) -> String {
    format!("buildinfo.{package_id}.json")
}

impl GitHubClient {
    /// The assets of a release.
    pub async fn list_assets(&self, release_id: u64) -> Result<Vec<Asset>, GitHubError> {
        let doing = format!("listing the assets of release {release_id} in {}", self.target().full_name());
        self.get_all(
            &doing,
            self.repo_path(&format!("/releases/{release_id}/assets?per_page=100")),
            Permission::Read,
        )
        .await
    }

    async fn find_asset(&self, release_id: u64, name: &str) -> Result<Option<Asset>, GitHubError> {
        Ok(self.list_assets(release_id).await?.into_iter().find(|asset| asset.name == name))
    }

    /// The asset's content.
    pub async fn download_asset(&self, asset: &Asset) -> Result<Bytes, GitHubError> {
        let doing = format!("downloading the asset {}", asset.name);
        let call = Call {
            doing: &doing,
            method: Method::GET,
            uri: self.repo_path(&format!("/releases/assets/{}", asset.id)),
            body: Body::None,
            accept: "application/octet-stream",
            permission: Permission::Read,
        };
        Ok(self.send(&call).await?.body)
    }

    /// The sha256 of an asset's content (hex): GitHub's `digest` when it gives one, else the
    /// downloaded bytes'.
    pub async fn asset_sha256(&self, asset: &Asset) -> Result<String, GitHubError> {
        if let Some(hex) = asset.digest.as_deref().and_then(|digest| digest.strip_prefix("sha256:")) {
            return Ok(hex.to_ascii_lowercase());
        }
        Ok(sha256_hex(&self.download_asset(asset).await?))
    }

    /// Delete an asset.
    pub async fn delete_asset(&self, asset: &Asset) -> Result<(), GitHubError> {
        let doing = format!("deleting the asset {} in {}", asset.name, self.target().full_name());
        let call = Call {
            doing: &doing,
            method: Method::DELETE,
            uri: self.repo_path(&format!("/releases/assets/{}", asset.id)),
            body: Body::None,
            accept: GITHUB_JSON,
            permission: Permission::ContentsWrite,
        };
        match self.send(&call).await {
            // Gone already: a retried delete whose first answer was lost.
            Err(error) if error.kind == ErrorKind::NotFound => Ok(()),
            result => result.map(drop),
        }
    }

    /// Push `bytes` as the asset `name` of `release`. Identical content is left alone; different
    /// content is refused, kept or replaced as `if_exists` says. A lost answer never leaves two
    /// assets: the upload looks for what it may have made before it tries again.
    pub async fn push_asset(
        &self,
        release: &Release,
        name: &str,
        content_type: &str,
        content: &AssetContent,
        if_exists: IfExists,
    ) -> Result<AssetPush, GitHubError> {
        let doing =
            format!("uploading {name} to the release {} in {}", release.tag_name, self.target().full_name());
        let (sha256, len) = content.digest(&doing).await?;
        let mut outcome = PushOutcome::Uploaded;
        if let Some(existing) = self.find_asset(release.id, name).await? {
            if existing.is_complete() && self.asset_sha256(&existing).await? == sha256 {
                return Ok(AssetPush { asset: existing, outcome: PushOutcome::Unchanged });
            }
            if existing.is_complete() {
                match if_exists {
                    IfExists::Fail => return Err(self.name_taken(release, name)),
                    IfExists::Ignore => {
                        return Ok(AssetPush { asset: existing, outcome: PushOutcome::KeptExisting });
                    }
                    IfExists::Overwrite => outcome = PushOutcome::Replaced,
                }
            }
            // Replaced, or an upload that never finished.
            self.delete_asset(&existing).await?;
        }
        let doing =
            format!("uploading {name} to the release {} in {}", release.tag_name, self.target().full_name());
        let upload_url = upload_url(&release.upload_url, name)
            .map_err(|message| GitHubError::new(ErrorKind::InvalidResponse, &doing, message))?;
        let uploaded = self
            .create_once(
                Lookup::AfterLoss,
                async || self.find_same_asset(release.id, name, &sha256).await,
                async || {
                    let call = Call {
                        doing: &doing,
                        method: Method::POST,
                        uri: upload_url.clone(),
                        body: content.body(len, content_type),
                        accept: GITHUB_JSON,
                        permission: Permission::ContentsWrite,
                    };
                    self.send(&call).await?.json::<Asset>(&doing)
                },
            )
            .await;
        match uploaded {
            Ok(asset) => Ok(AssetPush { asset, outcome }),
            // Someone else (or our own lost attempt) finished first: same bytes is success.
            Err(error) if error.kind == ErrorKind::AlreadyExists => {
                match self.find_same_asset(release.id, name, &sha256).await? {
                    Some(asset) => Ok(AssetPush { asset, outcome }),
                    None => Err(self.name_taken(release, name)),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The asset `name` when it holds exactly `sha256`; an unfinished upload is deleted so the
    /// next attempt can use the name.
    async fn find_same_asset(
        &self,
        release_id: u64,
        name: &str,
        sha256: &str,
    ) -> Result<Option<Asset>, GitHubError> {
        let Some(asset) = self.find_asset(release_id, name).await? else {
            return Ok(None);
        };
        if !asset.is_complete() {
            self.delete_asset(&asset).await?;
            return Ok(None);
        }
        Ok((self.asset_sha256(&asset).await? == sha256).then_some(asset))
    }

    fn name_taken(&self, release: &Release, name: &str) -> GitHubError {
        GitHubError::new(
            ErrorKind::AlreadyExists,
            format!("uploading {name} to the release {} in {}", release.tag_name, self.target().full_name()),
            "an asset with this name and different content is there already",
        )
        .hint("pass --if-exists overwrite to replace it, or --if-exists ignore to keep it")
    }

    /// Push build information as the asset `buildinfo.<packageId>.json`.
    pub async fn push_build_information(
        &self,
        release: &Release,
        package_id: &str,
        build_information: &BuildInformation,
        if_exists: IfExists,
    ) -> Result<AssetPush, GitHubError> {
        let json = serde_json::to_vec_pretty(build_information).map_err(|err| {
            GitHubError::new(
                ErrorKind::Usage,
                format!("writing the build information of {package_id}"),
                err.to_string(),
            )
        })?;
        self.push_asset(
            release,
            &build_info_asset_name(package_id),
            "application/json",
            &AssetContent::Bytes(Bytes::from(json)),
            if_exists,
        )
        .await
    }
}

/// Expand `upload_url`'s RFC 6570 template `{?name,label}` with `name`.
fn upload_url(template: &str, name: &str) -> Result<String, String> {
    let base = template.split_once('{').map_or(template, |(base, _)| base);
    let mut url = url::Url::parse(base)
        .map_err(|err| format!("the release's upload_url `{template}` is not a URL: {err}"))?;
    url.query_pairs_mut().append_pair("name", name);
    Ok(url.to_string())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_template_is_expanded_with_the_name() {
        assert_eq!(
            upload_url(
                "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}",
                "Hello 1.0.zip"
            )
            .unwrap(),
            "https://uploads.github.com/repos/o/r/releases/1/assets?name=Hello+1.0.zip"
        );
        assert!(upload_url("not a url{?name,label}", "x").is_err());
    }
}
