//! GitHub's compare API as the last fallback for commits a shallow checkout does not have:
//! `GET {GITHUB_API_URL}/repos/{owner}/{repo}/compare/{base}...{head}`. One read through the HTTP
//! client the rest of the binary uses (reqwest, rustls with ring): a second client stack
//! (octocrab's) for this one request cost the release binary more than it was worth (issue 12
//! size budget; see the README's binary size section).

use std::time::Duration;

use ferry_core::build_info::Commit;

/// How long the request may take: a fallback must not hold up the build for long.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The compare request failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubApiError {
    /// The HTTP client could not be built.
    #[error("could not set up the HTTP client for GitHub's API at {url}: {source}")]
    Client {
        /// The API URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The request failed, GitHub refused it, or the answer was not JSON.
    #[error("GitHub's compare API ({route}) failed: {source}")]
    Request {
        /// The route requested.
        route: String,
        /// The cause (with GitHub's status when it answered).
        #[source]
        source: reqwest::Error,
    },
}

/// The commits in `base...head` of `repository` (`owner/name`), newest first, at most `limit`.
/// `api_url` is `GITHUB_API_URL` (e.g. `https://api.github.com`, or a GHES `/api/v3` URL).
pub async fn compare_commits(
    api_url: &str,
    token: &str,
    repository: &str,
    base: &str,
    head: &str,
    limit: usize,
) -> Result<Vec<Commit>, GitHubApiError> {
    // reqwest is built without a crypto provider (aws-lc-rs stays out): ring, as everywhere.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")))
        .timeout(TIMEOUT)
        .build()
        .map_err(|source| GitHubApiError::Client { url: api_url.to_owned(), source })?;
    let route = format!("/repos/{repository}/compare/{base}...{head}");
    let request_failed = |source| GitHubApiError::Request { route: route.clone(), source };
    // Read the answer as JSON values: only four fields are needed.
    let comparison: serde_json::Value = client
        .get(format!("{}{route}", api_url.trim_end_matches('/')))
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .query(&[("per_page", "250")])
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(request_failed)?
        .json()
        .await
        .map_err(request_failed)?;
    let mut commits: Vec<Commit> = comparison
        .get("commits")
        .and_then(|commits| commits.as_array())
        .map(|commits| {
            commits
                .iter()
                .filter_map(|commit| {
                    let text =
                        |pointer: &str| commit.pointer(pointer).and_then(|v| v.as_str()).map(str::to_owned);
                    Some(Commit {
                        id: text("/sha")?,
                        comment: text("/commit/message").unwrap_or_default(),
                        link_url: text("/html_url"),
                        author: text("/commit/author/name"),
                        timestamp: text("/commit/author/date"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    // The API lists oldest first.
    commits.reverse();
    commits.truncate(limit);
    Ok(commits)
}
