//! GitHub Releases: a Ferry release version is a release whose tag comes from `--tag-format`.
//! Packages are pushed to a draft before `release create` publishes it.

use ferry_core::version::Version;
use http::Method;
use serde::Deserialize;
use serde_json::json;

use crate::assets::Asset;
use crate::client::{Body, Call, GITHUB_JSON, GitHubClient, Lookup};
use crate::error::{ErrorKind, GitHubError, Permission};
use crate::tag::{TagFormat, is_latest};

/// A GitHub release, with the fields Ferry uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Release {
    /// GitHub's id.
    pub id: u64,
    /// The tag, e.g. `v1.2.0`.
    pub tag_name: String,
    /// The commit (or branch) the tag is created at when the release is published.
    pub target_commitish: String,
    /// The title.
    pub name: Option<String>,
    /// The release notes (Markdown).
    pub body: Option<String>,
    /// Not yet published.
    pub draft: bool,
    /// Marked as a pre-release.
    pub prerelease: bool,
    /// The asset upload URL, an RFC 6570 template: `https://uploads.github.com/...{?name,label}`.
    pub upload_url: String,
    /// The release's web page.
    pub html_url: String,
    /// Its assets.
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// What a new draft release holds.
#[derive(Debug, Clone)]
pub struct NewRelease<'a> {
    /// The version.
    pub version: &'a Version,
    /// How the version becomes a tag.
    pub tag_format: &'a TagFormat,
    /// The commit sha the tag will point at (`GITHUB_SHA`, else `HEAD`).
    pub commit: &'a str,
    /// Release notes.
    pub notes: Option<&'a str>,
}

impl GitHubClient {
    /// The release (published or draft) whose tag is `tag`, if any.
    pub async fn find_release(&self, tag: &str) -> Result<Option<Release>, GitHubError> {
        let doing = format!("looking up the release {tag} in {}", self.target().full_name());
        // The tag endpoint only sees published releases; drafts have no tag yet.
        let by_tag = self
            .get_json::<Release>(
                &doing,
                self.repo_path(&format!("/releases/tags/{}", path_segment(tag))),
                Permission::Read,
            )
            .await;
        match by_tag {
            Ok(release) => return Ok(Some(release)),
            Err(error) if error.kind == ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        let all = self.list_releases().await?;
        Ok(all.into_iter().find(|release| release.draft && release.tag_name == tag))
    }

    /// Every release, newest first (drafts are listed to tokens that can push).
    pub async fn list_releases(&self) -> Result<Vec<Release>, GitHubError> {
        let doing = format!("listing the releases of {}", self.target().full_name());
        self.get_all(&doing, self.repo_path("/releases?per_page=100"), Permission::Read).await
    }

    /// The draft release for `new.version`, created unless it (or the published release) exists.
    /// GitHub allows several drafts with one tag, so this looks before every attempt: a re-run,
    /// or a retry after a lost answer, adopts the draft that is there.
    pub async fn ensure_draft_release(&self, new: &NewRelease<'_>) -> Result<Release, GitHubError> {
        let tag = new.tag_format.tag(new.version);
        let doing = format!("creating the draft release {tag} in {}", self.target().full_name());
        let body = json!({
            "tag_name": tag,
            "target_commitish": new.commit,
            "name": tag,
            "body": new.notes.unwrap_or_default(),
            "draft": true,
            "prerelease": new.version.is_prerelease(),
        });
        let created = self
            .create_once(
                Lookup::First,
                async || self.find_release(&tag).await,
                async || {
                    let call = Call {
                        doing: &doing,
                        method: Method::POST,
                        uri: self.repo_path("/releases"),
                        body: Body::Json(body.clone()),
                        accept: GITHUB_JSON,
                        permission: Permission::ContentsWrite,
                    };
                    self.send(&call).await?.json::<Release>(&doing)
                },
            )
            .await;
        match created {
            // Another job published the tag between the look-up and the create.
            Err(error) if error.kind == ErrorKind::AlreadyExists => {
                self.find_release(&tag).await?.ok_or(error)
            }
            result => result,
        }
    }

    /// Publish `release` as `version`: `prerelease` for SemVer pre-releases, `make_latest` only
    /// when no published stable release of this tag format is higher. `notes` replaces the body
    /// when given. Publishing a published release only updates it.
    pub async fn publish_release(
        &self,
        release: &Release,
        version: &Version,
        tag_format: &TagFormat,
        notes: Option<&str>,
    ) -> Result<Release, GitHubError> {
        let doing = format!("publishing the release {} in {}", release.tag_name, self.target().full_name());
        let published = self
            .list_releases()
            .await?
            .into_iter()
            .filter(|other| !other.draft && other.id != release.id)
            .filter_map(|other| tag_format.version_of(&other.tag_name));
        let latest = is_latest(version, published);
        let mut body = json!({
            "draft": false,
            "prerelease": version.is_prerelease(),
            "make_latest": if latest { "true" } else { "false" },
        });
        if let Some(notes) = notes {
            body["body"] = json!(notes);
        }
        let call = Call {
            doing: &doing,
            method: Method::PATCH,
            uri: self.repo_path(&format!("/releases/{}", release.id)),
            body: Body::Json(body),
            accept: GITHUB_JSON,
            permission: Permission::ContentsWrite,
        };
        self.send(&call).await?.json(&doing)
    }
}

/// A tag as one path segment: a monorepo's `api/v1.0.0` must reach GitHub as `api%2Fv1.0.0`.
fn path_segment(tag: &str) -> String {
    url::form_urlencoded::byte_serialize(tag.as_bytes()).collect()
}
