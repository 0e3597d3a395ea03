//! GitHub's compare API as the last fallback for commits a shallow checkout does not have:
//! `GET {GITHUB_API_URL}/repos/{owner}/{repo}/compare/{base}...{head}` through `octocrab`.

use ferry_core::build_info::Commit;

/// The compare request failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubApiError {
    /// The API URL is not a valid URI or the client could not be built.
    #[error("could not set up the GitHub API client for {url}: {source}")]
    Client {
        /// The API URL.
        url: String,
        /// The cause.
        #[source]
        source: octocrab::Error,
    },
    /// The request failed or the answer was not a comparison.
    #[error("GitHub's compare API ({route}) failed: {source}")]
    Request {
        /// The route requested.
        route: String,
        /// The cause.
        #[source]
        source: octocrab::Error,
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
    let client = octocrab::Octocrab::builder()
        .base_uri(api_url)
        .and_then(|builder| builder.personal_token(token.to_owned()).build())
        .map_err(|source| GitHubApiError::Client { url: api_url.to_owned(), source })?;
    let route = format!("/repos/{repository}/compare/{base}...{head}");
    // Read the answer as JSON values: the typed models reject payloads with missing fields, and
    // only four fields are needed here.
    let comparison: serde_json::Value = client
        .get(&route, Some(&[("per_page", "250")]))
        .await
        .map_err(|source| GitHubApiError::Request { route: route.clone(), source })?;
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
