//! Typed errors: every failed GitHub call says what Ferry was doing, what GitHub answered, and
//! what to try next, in the shape of `ferry-octopus`'s errors.

use std::fmt;
use std::time::Duration;

use crate::token::TokenKind;

/// What kind of failure a [`GitHubError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// GitHub could not be reached (DNS, refused connection, TLS, reset).
    Connection,
    /// GitHub did not answer in time.
    Timeout,
    /// 401: no token, or an expired or wrong one.
    Unauthorized,
    /// 403 that is not a rate limit: the token lacks a permission.
    Forbidden,
    /// 403/429 rate limit that outlasted Ferry's longest wait or its retries.
    RateLimited,
    /// 404: the repository, release, asset or deployment does not exist (or the token cannot see
    /// it: GitHub answers 404 for private repositories a token has no access to).
    NotFound,
    /// 422 `already_exists`, or an asset of that name with other content under `--if-exists fail`.
    AlreadyExists,
    /// 409: GitHub refused the deployment (merge conflict, failed status checks).
    Conflict,
    /// 400/422: GitHub refused the request as invalid.
    Validation,
    /// 5xx and other unexpected statuses.
    Server,
    /// GitHub answered 2xx with a body Ferry could not understand.
    InvalidResponse,
    /// A local file could not be read.
    Io,
    /// A deployment did not reach a final state before the timeout.
    WaitTimedOut,
    /// The caller asked for something that cannot work (a bad tag format, a bad URL).
    Usage,
}

/// The GitHub permission an operation needs, named as a workflow's `permissions:` block does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Releases and their assets.
    ContentsWrite,
    /// Deployments and deployment statuses.
    DeploymentsWrite,
    /// Reading releases and deployments.
    Read,
}

impl Permission {
    /// `contents: write`.
    pub fn as_workflow_permission(self) -> &'static str {
        match self {
            Permission::ContentsWrite => "contents: write",
            Permission::DeploymentsWrite => "deployments: write",
            Permission::Read => "contents: read",
        }
    }

    fn fine_grained_name(self) -> &'static str {
        match self {
            Permission::ContentsWrite => "Contents: Read and write",
            Permission::DeploymentsWrite => "Deployments: Read and write",
            Permission::Read => "Contents: Read-only",
        }
    }
}

/// An error from the GitHub client.
#[derive(Debug, Clone)]
pub struct GitHubError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What Ferry was doing, e.g. "creating the draft release v1.2.0 in acme/shop".
    pub doing: String,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// GitHub's `message`, or the transport error.
    pub message: String,
    /// GitHub's `errors[]`, one line each (`ReleaseAsset.name already_exists`).
    pub errors: Vec<String>,
    /// What the user can do about it.
    pub hints: Vec<String>,
    /// How long GitHub asked Ferry to wait, when it said.
    pub retry_after: Option<Duration>,
}

impl GitHubError {
    /// A new error without hints.
    pub fn new(kind: ErrorKind, doing: impl Into<String>, message: impl Into<String>) -> Self {
        GitHubError {
            kind,
            doing: doing.into(),
            status: None,
            message: message.into(),
            errors: Vec::new(),
            hints: Vec::new(),
            retry_after: None,
        }
    }

    /// Add a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Whether the request may have reached GitHub and been acted upon although Ferry saw no
    /// answer: a create must look before it tries again.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Connection | ErrorKind::Timeout)
            || matches!(self.status, Some(500 | 502 | 503 | 504))
    }
}

impl fmt::Display for GitHubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.doing)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if !self.errors.is_empty() {
            write!(f, " ({})", self.errors.join("; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for GitHubError {}

/// GitHub's error body: `{"message", "errors": [{"resource", "code", "field", "message"}],
/// "documentation_url"}`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct ErrorBody {
    pub message: String,
    pub errors: Vec<FieldError>,
    pub documentation_url: String,
}

/// One entry of `errors[]`. GitHub documents `code` values such as `missing`, `missing_field`,
/// `invalid`, `already_exists`, `unprocessable` and `custom` (with `message`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct FieldError {
    pub resource: String,
    pub code: String,
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn line(&self) -> String {
        let mut line = [self.resource.as_str(), self.field.as_str()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(".");
        for part in [&self.code, &self.message] {
            if !part.is_empty() {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(part);
            }
        }
        line
    }
}

/// What the caller knows that the response does not: the permission the call needs and the kind
/// of token that was refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub permission: Permission,
    pub token: TokenKind,
}

/// Build the typed error for a non-2xx answer that is not a rate limit being waited out.
pub(crate) fn from_response(
    doing: &str,
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    context: Context,
) -> GitHubError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let message = if parsed.message.is_empty() {
        http::StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason())
            .unwrap_or("unexpected status")
            .to_owned()
    } else {
        parsed.message.clone()
    };
    let already_exists = parsed.errors.iter().any(|error| error.code == "already_exists");
    let kind = match status {
        401 => ErrorKind::Unauthorized,
        403 | 429 if crate::rate_limit::is_rate_limit(status, headers, &parsed) => ErrorKind::RateLimited,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        422 if already_exists => ErrorKind::AlreadyExists,
        400 | 422 => ErrorKind::Validation,
        _ => ErrorKind::Server,
    };
    let mut error = GitHubError {
        kind,
        doing: doing.to_owned(),
        status: Some(status),
        message,
        errors: parsed.errors.iter().map(FieldError::line).collect(),
        hints: Vec::new(),
        retry_after: crate::rate_limit::requested_wait(headers, jiff::Timestamp::now()),
    };
    match kind {
        ErrorKind::Unauthorized => {
            error = error.hint(format!(
                "GitHub refused {}: it is wrong or expired; set a valid one in GITHUB_TOKEN or GH_TOKEN",
                context.token.describe()
            ));
        }
        ErrorKind::Forbidden => error.hints.extend(permission_hints(headers, context)),
        ErrorKind::NotFound => {
            error = error.hint(
                "check --server github:OWNER/REPO; GitHub also answers 404 when the token cannot see a private repository",
            );
        }
        ErrorKind::RateLimited => {
            error =
                error.hint("GitHub's rate limit outlasted Ferry's retries; run again after the reset time");
        }
        ErrorKind::Server if status >= 500 => {
            error = error
                .hint("GitHub failed; retry later, and check https://www.githubstatus.com if it persists");
        }
        _ => {}
    }
    error
}

/// Which permission to grant, and where, for the kind of token that was refused. GitHub names
/// the permissions a fine-grained token or app needed in `X-Accepted-GitHub-Permissions`; when it
/// does, that is quoted.
fn permission_hints(headers: &http::HeaderMap, context: Context) -> Vec<String> {
    let needed = context.permission.as_workflow_permission();
    let mut hints = vec![match context.token {
        TokenKind::ActionsOrApp => format!(
            "the token is {}: give the job `permissions: {needed}` in the workflow (a GitHub App needs the same permission on its installation)",
            context.token.describe()
        ),
        TokenKind::ClassicPat => format!(
            "the token is {}: it needs the `repo` scope (`public_repo` for a public repository) to get {needed}",
            context.token.describe()
        ),
        TokenKind::FineGrainedPat => format!(
            "the token is {}: grant it \"{}\" on this repository",
            context.token.describe(),
            context.permission.fine_grained_name()
        ),
        TokenKind::UserToken | TokenKind::Unknown => {
            format!("the token is {}: it needs {needed} on this repository", context.token.describe())
        }
    }];
    if let Some(accepted) = headers.get("x-accepted-github-permissions").and_then(|value| value.to_str().ok())
    {
        hints.push(format!("GitHub says this call accepts the permissions: {accepted}"));
    }
    hints
}

/// A transport error (no answer).
pub(crate) fn from_transport(doing: &str, err: &octocrab::Error) -> GitHubError {
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = Some(err);
    let mut timed_out = false;
    while let Some(current) = cause {
        timed_out |= current.is::<tokio::time::error::Elapsed>()
            || current
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        let text = current.to_string();
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        cause = current.source();
    }
    let kind = if timed_out { ErrorKind::Timeout } else { ErrorKind::Connection };
    GitHubError::new(kind, doing, parts.join(": "))
        .hint("check the network and the API URL (GITHUB_API_URL for GitHub Enterprise Server)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_forbidden_release_names_contents_write_for_the_actions_token() {
        let error = from_response(
            "creating the draft release v1.0.0 in acme/shop",
            403,
            &headers(&[("x-accepted-github-permissions", "contents=write")]),
            br#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/releases/releases#create-a-release"}"#,
            Context { permission: Permission::ContentsWrite, token: TokenKind::ActionsOrApp },
        );
        assert_eq!(error.kind, ErrorKind::Forbidden);
        assert!(error.hints[0].contains("permissions: contents: write"), "{:?}", error.hints);
        assert!(error.hints[0].contains("ghs_"), "{:?}", error.hints);
        assert!(error.hints[1].contains("contents=write"), "{:?}", error.hints);
        assert_eq!(
            error.to_string(),
            "creating the draft release v1.0.0 in acme/shop failed (HTTP 403): Resource not accessible by integration"
        );
    }

    #[test]
    fn deployments_name_their_own_permission_for_each_token_kind() {
        let context = |token| Context { permission: Permission::DeploymentsWrite, token };
        let hint = |token| from_response("x", 403, &headers(&[]), b"{}", context(token)).hints[0].clone();
        assert!(hint(TokenKind::ActionsOrApp).contains("deployments: write"));
        assert!(hint(TokenKind::ClassicPat).contains("`repo` scope"));
        assert!(hint(TokenKind::FineGrainedPat).contains("Deployments: Read and write"));
    }

    #[test]
    fn already_exists_is_its_own_kind() {
        let error = from_response(
            "uploading",
            422,
            &headers(&[]),
            br#"{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}"#,
            Context { permission: Permission::ContentsWrite, token: TokenKind::Unknown },
        );
        assert_eq!(error.kind, ErrorKind::AlreadyExists);
        assert_eq!(error.errors, vec!["ReleaseAsset.name already_exists"]);
    }
}
