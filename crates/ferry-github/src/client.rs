//! The transport: one octocrab client per origin, one place that sends a request, reads the
//! answer, waits out rate limits and retries what is safe to retry.
//!
//! octocrab's own retry layer is switched off. It replays a `POST` after a 5xx or a lost
//! connection without asking whether the first one was acted upon (a second release, asset or
//! deployment), and it sleeps for as long as `x-ratelimit-reset` says, an hour if need be. Ferry
//! retries reads and rate-limited answers here (a rate-limited request was not acted upon), and
//! the creating operations look before they try again ([`GitHubClient::create_once`]).

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde::de::DeserializeOwned;

use crate::error::{self, Context, ErrorKind, GitHubError, Permission};
use crate::paging;
use crate::rate_limit::{self, RetryPolicy};
use crate::target::GitHubTarget;
use crate::token::Token;

/// The media type GitHub documents for REST requests.
pub(crate) const GITHUB_JSON: &str = "application/vnd.github+json";

/// Timeouts and retries.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// Retries and the longest wait.
    pub retry: RetryPolicy,
    /// Connecting to GitHub.
    pub connect_timeout: Duration,
    /// Reading an answer.
    pub read_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(120),
        }
    }
}

/// A GitHub repository's releases and deployments, through octocrab.
pub struct GitHubClient {
    target: GitHubTarget,
    token: Token,
    options: ClientOptions,
    api: Octocrab,
    /// Clients for absolute URLs GitHub hands out (`upload_url`, `Link` pages), by origin.
    /// octocrab joins its base URI's path to every request, so the API client cannot be used for
    /// an Enterprise Server's `/api/uploads/...` next to its `/api/v3`.
    by_origin: Mutex<Vec<(String, Octocrab)>>,
}

/// A request body.
pub(crate) enum Body {
    None,
    Json(serde_json::Value),
    Raw {
        bytes: Bytes,
        content_type: String,
    },
    /// A file streamed from disk, opened anew for every attempt.
    File {
        path: std::path::PathBuf,
        len: u64,
        content_type: String,
    },
}

/// One call: what it does (for messages), where, and whether a failure may be retried blindly.
pub(crate) struct Call<'a> {
    pub doing: &'a str,
    pub method: Method,
    /// A path below the API URL (`/repos/o/r/releases?per_page=100`) or an absolute URL.
    pub uri: String,
    pub body: Body,
    pub accept: &'static str,
    pub permission: Permission,
}

impl Call<'_> {
    /// Reads, `PATCH` and `DELETE` leave the same state when repeated; a `POST` may not.
    fn repeatable(&self) -> bool {
        self.method != Method::POST
    }
}

/// When [`GitHubClient::create_once`] looks for what a create may have made already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Before the first attempt too: the caller has not looked yet.
    First,
    /// Only after an attempt whose answer was lost: the caller has just looked.
    AfterLoss,
}

/// A 2xx answer.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub(crate) fn json<T: DeserializeOwned>(&self, doing: &str) -> Result<T, GitHubError> {
        serde_json::from_slice(&self.body).map_err(|err| {
            GitHubError::new(ErrorKind::InvalidResponse, doing, format!("GitHub's answer was not understood: {err}"))
                .hint("if --server points at a proxy or an Enterprise Server, check that it speaks GitHub's REST API")
        })
    }
}

impl GitHubClient {
    /// A client for `target`, authenticated with `token`.
    pub fn new(
        target: GitHubTarget,
        token: Token,
        options: ClientOptions,
    ) -> Result<GitHubClient, GitHubError> {
        let api = build_octocrab(&target.api_url, &token, &options)?;
        Ok(GitHubClient { target, token, options, api, by_origin: Mutex::new(Vec::new()) })
    }

    /// The repository.
    pub fn target(&self) -> &GitHubTarget {
        &self.target
    }

    /// `/repos/OWNER/REPO` + `rest`.
    pub(crate) fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.target.owner, self.target.repo)
    }

    fn octocrab_for(&self, uri: &str) -> Result<Octocrab, GitHubError> {
        let Some(origin) = absolute_origin(uri) else {
            return Ok(self.api.clone());
        };
        let mut cache = self.by_origin.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, client)) = cache.iter().find(|(known, _)| *known == origin) {
            return Ok(client.clone());
        }
        let client = build_octocrab(&origin, &self.token, &self.options)?;
        cache.push((origin, client.clone()));
        Ok(client)
    }

    /// Send `call`, waiting out rate limits and retrying repeatable calls after transient
    /// failures. Any non-2xx answer that remains becomes a typed error.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Answer, GitHubError> {
        let policy = self.options.retry;
        let context = Context { permission: call.permission, token: self.token.kind() };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= policy.max_attempts;
            let wait = match self.send_once(call).await {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(answer) => {
                    let error = error::from_response(
                        call.doing,
                        answer.status.as_u16(),
                        &answer.headers,
                        &answer.body,
                        context,
                    );
                    match error.kind {
                        ErrorKind::RateLimited if !last => {
                            match rate_limit::wait_before_retry(
                                &answer.headers,
                                jiff::Timestamp::now(),
                                &policy,
                            ) {
                                Some(wait) => wait,
                                None => return Err(rate_limit_too_long(error)),
                            }
                        }
                        _ if error.is_transient() && call.repeatable() && !last => {
                            policy.backoff_after(attempt - 1)
                        }
                        _ => return Err(error),
                    }
                }
                // A transport failure: a repeatable call is simply sent again.
                Err(_) if call.repeatable() && !last => policy.backoff_after(attempt - 1),
                Err(error) => return Err(error),
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(&self, call: &Call<'_>) -> Result<Answer, GitHubError> {
        let octocrab = self.octocrab_for(&call.uri)?;
        let builder = http::Request::builder()
            .method(call.method.clone())
            .uri(call.uri.as_str())
            .header(http::header::ACCEPT, call.accept);
        if let Body::File { path, len, content_type } = &call.body {
            let file = tokio::fs::File::open(path).await.map_err(|err| {
                GitHubError::new(
                    ErrorKind::Io,
                    call.doing,
                    format!("could not open {}: {err}", path.display()),
                )
            })?;
            let frames = tokio_util::io::ReaderStream::new(file).map_ok(http_body::Frame::data);
            let request = builder
                .header(http::header::CONTENT_TYPE, content_type.as_str())
                .header(http::header::CONTENT_LENGTH, *len)
                .body(octocrab::OctoBody::new(http_body_util::StreamBody::new(frames)))
                .map_err(|err| GitHubError::new(ErrorKind::Usage, call.doing, err.to_string()))?;
            return execute(&octocrab, call.doing, request).await;
        }
        let request = match &call.body {
            Body::None => octocrab.build_request(builder, None::<&()>).map_err(|err| err.to_string()),
            Body::Json(value) => octocrab.build_request(builder, Some(value)).map_err(|err| err.to_string()),
            Body::File { .. } => unreachable!("streamed above"),
            Body::Raw { bytes, content_type } => builder
                .header(http::header::CONTENT_TYPE, content_type.as_str())
                .header(http::header::CONTENT_LENGTH, bytes.len())
                .body(octocrab::OctoBody::from(bytes.clone()))
                .map_err(|err| err.to_string()),
        }
        .map_err(|message| GitHubError::new(ErrorKind::Usage, call.doing, message))?;
        execute(&octocrab, call.doing, request).await
    }

    /// GET a JSON document.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        doing: &str,
        uri: String,
        permission: Permission,
    ) -> Result<T, GitHubError> {
        let call =
            Call { doing, method: Method::GET, uri, body: Body::None, accept: GITHUB_JSON, permission };
        self.send(&call).await?.json(doing)
    }

    /// GET one page of a list, and the next page's URL from `Link: <...>; rel="next"`.
    pub(crate) async fn get_page<T: DeserializeOwned>(
        &self,
        doing: &str,
        uri: String,
        permission: Permission,
    ) -> Result<(Vec<T>, Option<String>), GitHubError> {
        let call =
            Call { doing, method: Method::GET, uri, body: Body::None, accept: GITHUB_JSON, permission };
        let answer = self.send(&call).await?;
        Ok((answer.json(doing)?, paging::next_page(&answer.headers)))
    }

    /// GET every page of a list.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        doing: &str,
        first: String,
        permission: Permission,
    ) -> Result<Vec<T>, GitHubError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(uri) = next.take() {
            let (page, following) = self.get_page(doing, uri, permission).await?;
            items.extend(page);
            next = following;
        }
        Ok(items)
    }

    /// Run a creating call at most once in effect. When its answer is lost (transient failure),
    /// `find` looks for what it would have created before it is tried again. With
    /// [`Lookup::First`] it also looks before the first attempt, so that a re-run of the same step
    /// adopts what an earlier run made.
    pub(crate) async fn create_once<T>(
        &self,
        lookup: Lookup,
        find: impl AsyncFn() -> Result<Option<T>, GitHubError>,
        create: impl AsyncFn() -> Result<T, GitHubError>,
    ) -> Result<T, GitHubError> {
        let policy = self.options.retry;
        let mut attempt = 0;
        loop {
            if (attempt > 0 || lookup == Lookup::First)
                && let Some(found) = find().await?
            {
                return Ok(found);
            }
            attempt += 1;
            match create().await {
                Err(error) if error.is_transient() && attempt < policy.max_attempts => {
                    tokio::time::sleep(policy.backoff_after(attempt - 1)).await;
                }
                result => return result,
            }
        }
    }
}

/// Send one request and read the whole answer.
async fn execute(
    octocrab: &Octocrab,
    doing: &str,
    request: http::Request<octocrab::OctoBody>,
) -> Result<Answer, GitHubError> {
    let response = octocrab.execute(request).await.map_err(|err| error::from_transport(doing, &err))?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|err| error::from_transport(doing, &err))?.to_bytes();
    Ok(Answer { status: parts.status, headers: parts.headers, body })
}

fn rate_limit_too_long(mut error: GitHubError) -> GitHubError {
    if let Some(wait) = error.retry_after {
        error.hints = vec![format!(
            "GitHub's rate limit resets in {} s, longer than Ferry waits; run again after that",
            wait.as_secs()
        )];
    }
    error
}

/// `scheme://host[:port]` of an absolute URL.
fn absolute_origin(uri: &str) -> Option<String> {
    if !(uri.starts_with("http://") || uri.starts_with("https://")) {
        return None;
    }
    url::Url::parse(uri).ok().map(|url| url.origin().ascii_serialization())
}

fn build_octocrab(base: &str, token: &Token, options: &ClientOptions) -> Result<Octocrab, GitHubError> {
    let doing = format!("setting up the GitHub client for {base}");
    Octocrab::builder()
        .base_uri(base)
        .map(|builder| {
            builder
                .personal_token(token.secret())
                .add_retry_config(RetryConfig::None)
                .set_connect_timeout(Some(options.connect_timeout))
                .set_read_timeout(Some(options.read_timeout))
        })
        .and_then(|builder| builder.build())
        .map_err(|err| GitHubError::new(ErrorKind::Usage, doing, err.to_string()))
}
