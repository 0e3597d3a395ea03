//! Where the releases and deployments go: `--server github:OWNER/REPO` and its other spellings.
//!
//! | spelling | repository | API |
//! |---|---|---|
//! | `github:OWNER/REPO` | OWNER/REPO | `https://api.github.com` |
//! | `github:` | `$GITHUB_REPOSITORY` | as above |
//! | `https://github.com/OWNER/REPO` | OWNER/REPO | `https://api.github.com` |
//! | `https://HOST/OWNER/REPO` (GitHub Enterprise Server) | OWNER/REPO | `https://HOST/api/v3` |
//!
//! In every case `GITHUB_API_URL` (which GitHub Actions sets) overrides the API URL, so a workflow
//! on an Enterprise Server needs nothing but `github:`.

use std::fmt;

/// The public GitHub's API, when nothing says otherwise.
pub const PUBLIC_API_URL: &str = "https://api.github.com";

/// A repository on a GitHub instance, and the REST API that serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubTarget {
    /// The repository's owner (user or organisation).
    pub owner: String,
    /// The repository's name.
    pub repo: String,
    /// The REST API's base URL, without a trailing slash, e.g. `https://api.github.com` or
    /// `https://ghe.example.com/api/v3`.
    pub api_url: String,
}

impl GitHubTarget {
    /// `OWNER/REPO`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// Parse `--server` for GitHub. `env` looks up environment variables (`GITHUB_REPOSITORY`,
    /// `GITHUB_API_URL`); it is a parameter so that tests need not change the process's
    /// environment.
    pub fn parse(spec: &str, env: impl Fn(&str) -> Option<String>) -> Result<GitHubTarget, TargetError> {
        let spec = spec.trim();
        let env_api_url = env("GITHUB_API_URL").filter(|url| !url.trim().is_empty());
        let (owner_repo, default_api) = if let Some(rest) = spec.strip_prefix("github:") {
            let owner_repo = if rest.is_empty() {
                env("GITHUB_REPOSITORY")
                    .filter(|value| !value.trim().is_empty())
                    .ok_or(TargetError::NoRepository)?
            } else {
                rest.to_owned()
            };
            (owner_repo, PUBLIC_API_URL.to_owned())
        } else {
            let url = url::Url::parse(spec).map_err(|_| TargetError::NotGitHub(spec.to_owned()))?;
            if !matches!(url.scheme(), "https" | "http") {
                return Err(TargetError::NotGitHub(spec.to_owned()));
            }
            let host = url.host_str().ok_or_else(|| TargetError::NotGitHub(spec.to_owned()))?;
            let path = url.path().trim_matches('/').trim_end_matches(".git").to_owned();
            let api =
                if host.eq_ignore_ascii_case("github.com") || host.eq_ignore_ascii_case("www.github.com") {
                    PUBLIC_API_URL.to_owned()
                } else {
                    // GitHub Enterprise Server serves its REST API under /api/v3 on the same origin.
                    let origin = url.origin().ascii_serialization();
                    format!("{origin}/api/v3")
                };
            (path, api)
        };
        let (owner, repo) = split_owner_repo(&owner_repo)?;
        let api_url = env_api_url.unwrap_or(default_api).trim().trim_end_matches('/').to_owned();
        url::Url::parse(&api_url).map_err(|_| TargetError::BadApiUrl(api_url.clone()))?;
        Ok(GitHubTarget { owner, repo, api_url })
    }
}

impl fmt::Display for GitHubTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "github:{}/{}", self.owner, self.repo)
    }
}

fn split_owner_repo(text: &str) -> Result<(String, String), TargetError> {
    let mut parts = text.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(owner), Some(repo), None) if valid_name(owner) && valid_name(repo) => {
            Ok((owner.to_owned(), repo.to_owned()))
        }
        _ => Err(TargetError::BadRepository(text.to_owned())),
    }
}

/// GitHub's owner and repository names: letters, digits, `-`, `_`, `.`; not `.` or `..`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `--server` does not name a GitHub repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// `github:` alone outside GitHub Actions.
    #[error(
        "`--server github:` names no repository and GITHUB_REPOSITORY is not set: write `github:OWNER/REPO`"
    )]
    NoRepository,
    /// Not `OWNER/REPO`.
    #[error("`{0}` is not a repository: write `github:OWNER/REPO` or `https://HOST/OWNER/REPO`")]
    BadRepository(String),
    /// Neither `github:` nor an http(s) URL.
    #[error("`{0}` is not a GitHub repository: write `github:OWNER/REPO` or `https://github.com/OWNER/REPO`")]
    NotGitHub(String),
    /// `GITHUB_API_URL` is not a URL.
    #[error("the GitHub API URL `{0}` (GITHUB_API_URL) is not a URL")]
    BadApiUrl(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
    }

    #[test]
    fn every_spelling_names_the_repository_and_its_api() {
        let public = |owner: &str, repo: &str| GitHubTarget {
            owner: owner.into(),
            repo: repo.into(),
            api_url: PUBLIC_API_URL.into(),
        };
        assert_eq!(GitHubTarget::parse("github:acme/shop", env(&[])), Ok(public("acme", "shop")));
        assert_eq!(
            GitHubTarget::parse("https://github.com/acme/shop/", env(&[])),
            Ok(public("acme", "shop"))
        );
        assert_eq!(
            GitHubTarget::parse("https://github.com/acme/shop.git", env(&[])),
            Ok(public("acme", "shop"))
        );
        assert_eq!(
            GitHubTarget::parse("github:", env(&[("GITHUB_REPOSITORY", "acme/api")])),
            Ok(public("acme", "api"))
        );
        let ghes = GitHubTarget::parse("https://git.corp.example:8443/team/app", env(&[])).unwrap();
        assert_eq!(ghes.api_url, "https://git.corp.example:8443/api/v3");
        assert_eq!(ghes.full_name(), "team/app");
    }

    #[test]
    fn github_api_url_overrides_the_default() {
        let target = GitHubTarget::parse(
            "github:",
            env(&[("GITHUB_REPOSITORY", "team/app"), ("GITHUB_API_URL", "https://ghe.corp/api/v3/")]),
        )
        .unwrap();
        assert_eq!(target.api_url, "https://ghe.corp/api/v3");
    }

    #[test]
    fn malformed_targets_are_refused_with_the_way_to_write_them() {
        assert_eq!(GitHubTarget::parse("github:", env(&[])), Err(TargetError::NoRepository));
        assert!(matches!(GitHubTarget::parse("github:acme", env(&[])), Err(TargetError::BadRepository(_))));
        assert!(matches!(GitHubTarget::parse("github:a/b/c", env(&[])), Err(TargetError::BadRepository(_))));
        assert!(matches!(GitHubTarget::parse("github:../x", env(&[])), Err(TargetError::BadRepository(_))));
        assert!(matches!(
            GitHubTarget::parse("ftp://github.com/a/b", env(&[])),
            Err(TargetError::NotGitHub(_))
        ));
        assert!(matches!(
            GitHubTarget::parse("github:a/b", env(&[("GITHUB_API_URL", "not a url")])),
            Err(TargetError::BadApiUrl(_))
        ));
    }
}
