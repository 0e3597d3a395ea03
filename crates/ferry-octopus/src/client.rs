//! The HTTP client: one reqwest client per run, discovery of the API and the space, and the
//! retry loop every request goes through.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{self, ErrorKind, OctopusError};
use crate::model::{Page, RootDocument, Space};
use crate::progress::ProgressMode;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The server's base URL (with or without a trailing `/api`).
    pub server: String,
    /// The API key, sent as `X-Octopus-ApiKey`. It wins over `access_token` when both are set,
    /// as in the Octopus CLI (OctopusDeploy/cli `pkg/apiclient/client_factory.go`); only one
    /// credential is ever sent.
    pub api_key: Option<String>,
    /// Where the key came from (e.g. "FERRY_API_KEY"), named in 401 hints. Never the key itself.
    pub api_key_source: String,
    /// An access token (from an OIDC login), sent as `Authorization: Bearer`.
    pub access_token: Option<String>,
    /// Where the access token came from (e.g. "OCTOPUS_ACCESS_TOKEN"), named in 401 hints.
    pub access_token_source: String,
    /// Space name or id; `None` for the default space.
    pub space: Option<String>,
    /// Extra CA certificates (PEM) to trust.
    pub ca_cert: Option<PathBuf>,
    /// Skip TLS verification.
    pub insecure: bool,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// The CI system's name for the User-Agent, e.g. "GitHub Actions" or "local".
    pub ci_name: String,
    /// Attempts per request for transient failures (1 = no retry).
    pub max_attempts: u32,
    /// First retry delay; doubles each time, with jitter, capped at 30 s.
    pub retry_base: Duration,
    /// The longest wait a server's `Retry-After` can impose (default [`MAX_RETRY_AFTER`]):
    /// `inf`, huge numbers and far-future dates wait this long; negative, NaN and unreadable
    /// values are ignored (the client's own backoff applies); a date in the past means now.
    pub max_retry_after: Duration,
    /// Upload progress display.
    pub progress: ProgressMode,
    /// Where retry notices go (default: `tracing` at warn level).
    pub notifier: Notifier,
    /// Ignore proxy settings (for the in-process server on loopback).
    pub no_proxy: bool,
    /// How messages name the server; default: its URL. The embedded server's URL is a
    /// temporary port that means nothing once the process has ended, so it is named instead.
    pub server_name: Option<String>,
    /// (environment name, flag) as the user typed them (`("Test", "--to")`), so that an unknown
    /// environment's error names the flag it came with; `--environment` otherwise.
    pub environment_flags: Vec<(String, String)>,
}

/// The default longest wait a server's `Retry-After` can impose: a bad or hostile header must
/// not park a pipeline.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The first Octopus version with the executions API routes Ferry uses: api-client.ts gates
/// `releases/create/v1` and `deployments/create/(un)tenanted/v1` on it
/// (OctopusDeploy/api-client.ts `src/features/projects/releases/releaseRepository.ts` and
/// `.../deployments/deploymentRepository.ts`, `ensureServerVersionAtLeast`, at f0635e0e). The Go
/// CLI and go-octopusdeploy (at 94e7c32e and 6b6d8bdf) check no version.
pub const EXECUTIONS_API_SINCE: (u64, u64, u64) = (2022, 3, 5512);

/// `YEAR.MINOR.BUILD` from an Octopus version such as `2022.3.5512` or `2023.1.9626-rc1`.
fn release_triple(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|part| part.parse::<u64>().ok());
    let triple = (parts.next()??, parts.next()??, parts.next()??);
    Some(triple)
}

/// The most pages one collection is read in (30 items a page by default: 300,000 items).
const MAX_PAGES: usize = 10_000;

/// Receives the client's notices (retries, recovered ambiguous failures) for the user.
#[derive(Clone)]
pub struct Notifier(pub std::sync::Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notifier")
    }
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier(std::sync::Arc::new(|message| tracing::warn!("{message}")))
    }
}

impl ClientOptions {
    /// Defaults for `server`: 10 s connect, 300 s request, 5 attempts from 500 ms.
    pub fn new(server: impl Into<String>) -> Self {
        ClientOptions {
            server: server.into(),
            api_key: None,
            api_key_source: "--api-key".into(),
            access_token: None,
            access_token_source: "OCTOPUS_ACCESS_TOKEN".into(),
            space: None,
            ca_cert: None,
            insecure: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            ci_name: "local".into(),
            max_attempts: 5,
            retry_base: Duration::from_millis(500),
            max_retry_after: MAX_RETRY_AFTER,
            progress: ProgressMode::Auto,
            notifier: Notifier::default(),
            no_proxy: false,
            server_name: None,
            environment_flags: Vec::new(),
        }
    }
}

/// A connected client, scoped to one space.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) space_id: Option<String>,
    pub(crate) space_name: Option<String>,
    pub(crate) options: ClientOptions,
    /// The root document.
    pub root: RootDocument,
}

/// Whether a request may be repeated after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A GET: repeated after transient failures and after a 500 as well, which Octopus answers
    /// for passing troubles (a database timeout, a deadlock) and which a read cannot make worse.
    Read,
    /// Writes that are safe to repeat: transient failures only (a 500 after a write may mean
    /// the write happened).
    Safe,
    /// Never repeat (the caller checks what happened instead).
    Never,
}

impl Client {
    /// Build the HTTP client, read `GET /api`, and resolve the space.
    pub async fn connect(options: ClientOptions) -> Result<Client, OctopusError> {
        let mut client = Client::unconnected(options)?;
        client.root = client.discover().await?;
        client.resolve_space().await?;
        Ok(client)
    }

    /// A client that has not read the root document or resolved a space: for requests outside
    /// the API (the OIDC token exchange).
    pub(crate) fn unconnected(options: ClientOptions) -> Result<Client, OctopusError> {
        let base = normalise_base(&options.server)?;
        let http = build_http(&options)?;
        Ok(Client { http, base, space_id: None, space_name: None, options, root: RootDocument::default() })
    }

    /// The server's base URL, e.g. `http://127.0.0.1:8065/`.
    pub fn server_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// How messages name the server: [`ClientOptions::server_name`], else its URL.
    pub fn server_name(&self) -> &str {
        self.options.server_name.as_deref().unwrap_or_else(|| self.server_url())
    }

    /// The resolved space id, when the server has spaces.
    pub fn space_id(&self) -> Option<&str> {
        self.space_id.as_deref()
    }

    /// Tell the user something through the configured notifier.
    pub(crate) fn notify(&self, message: &str) {
        (self.options.notifier.0)(message);
    }

    /// Refuse a route of the executions API (`releases/create/v1`, `deployments/create/*/v1`)
    /// on a server whose `/api` `Version` is older than [`EXECUTIONS_API_SINCE`], instead of
    /// sending it and reporting a misleading 404. A server whose version is missing or not
    /// `YEAR.MINOR.BUILD` is not refused: Ferry cannot tell, and a local Octopus build reports
    /// `0.0.0`, which api-client.ts also lets through.
    pub(crate) fn require_executions_api(&self, doing: &str, route: &str) -> Result<(), OctopusError> {
        let Some(version) = self.root.version.as_deref() else { return Ok(()) };
        let Some(found) = release_triple(version) else { return Ok(()) };
        if found == (0, 0, 0) || found >= EXECUTIONS_API_SINCE {
            return Ok(());
        }
        let (year, minor, build) = EXECUTIONS_API_SINCE;
        let since = format!("{year}.{minor}.{build}");
        Err(OctopusError::new(
            ErrorKind::Unsupported,
            doing,
            format!("{} runs Octopus {version}, which predates the executions API route `{route}` (added in {since})", self.server_url()),
        )
        .hint(format!(
            "upgrade the Octopus server to {since} or later, or use a client that takes the older route (POST /api/SPACE/releases and /api/SPACE/deployments, as `octo create-release` and `octo deploy-release` do)"
        )))
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// A web link for a resource path such as `/app#/Spaces-1/releases/Releases-1`.
    pub fn web_link(&self, link: &str) -> String {
        if link.starts_with("http") {
            return link.to_owned();
        }
        format!(
            "{}{}",
            self.server_url(),
            if link.starts_with('/') { link.to_owned() } else { format!("/{link}") }
        )
    }

    async fn discover(&self) -> Result<RootDocument, OctopusError> {
        let doing = format!("connecting to {}", self.server_name());
        let url = self.url("api")?;
        let response = self.send(&doing, Retry::Read, || self.http.get(url.clone())).await;
        let not_octopus = |detail: String| {
            OctopusError::new(
                ErrorKind::NotOctopus,
                doing.clone(),
                format!("{} does not answer like an Octopus API ({detail})", self.server_name()),
            )
            .hint("--server (FERRY_SERVER, OCTOPUS_URL) must be the server's base address, the one you open in a browser, e.g. https://octopus.example.com or http://127.0.0.1:8065")
        };
        let response = match response {
            Ok(response) => response,
            Err(err) if err.kind == ErrorKind::NotFound => {
                return Err(not_octopus("GET /api answered 404".into()));
            }
            Err(err) => return Err(err),
        };
        let text = response.text().await.map_err(|err| error::from_reqwest(&doing, &err))?;
        let root: RootDocument =
            serde_json::from_str(&text).map_err(|_| not_octopus("GET /api did not return JSON".into()))?;
        if root.api_version.is_none() && root.links.is_empty() {
            return Err(not_octopus("GET /api has no ApiVersion or Links".into()));
        }
        Ok(root)
    }

    async fn resolve_space(&mut self) -> Result<(), OctopusError> {
        let wanted = self.options.space.clone();
        let doing = match &wanted {
            Some(space) => format!("finding space {space} on {}", self.server_name()),
            None => format!("finding the default space on {}", self.server_name()),
        };
        let spaces: Vec<Space> = match self.get_json::<Vec<Space>>(&doing, "api/spaces/all").await {
            Ok(spaces) => spaces,
            Err(err) if err.kind == ErrorKind::NotFound => {
                match self.get_all::<Space>(&doing, "api/spaces").await {
                    Ok(spaces) => spaces,
                    // A server without spaces (pre-2020): unscoped paths.
                    Err(err) if err.kind == ErrorKind::NotFound && wanted.is_none() => return Ok(()),
                    Err(err) => return Err(err),
                }
            }
            Err(err) => return Err(err),
        };
        let found = match &wanted {
            Some(space) => spaces
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(space))
                .or_else(|| spaces.iter().find(|s| s.id.eq_ignore_ascii_case(space))),
            // Without --space: the default space (as octo and Octopus.Client do), or the only
            // space the key sees; never the first of several.
            None => spaces.iter().find(|s| s.is_default).or(match spaces.as_slice() {
                [only] => Some(only),
                _ => None,
            }),
        };
        match found {
            Some(space) => {
                self.space_id = Some(space.id.clone());
                self.space_name = Some(space.name.clone());
                Ok(())
            }
            None => {
                let names: Vec<&str> = spaces.iter().map(|s| s.name.as_str()).collect();
                let mut err = OctopusError::new(
                    ErrorKind::NotFound,
                    doing,
                    match &wanted {
                        Some(space) => format!("there is no space named {space}"),
                        None => format!(
                            "the server has no default space, and the API key sees {} spaces: {}",
                            names.len(),
                            names.join(", ")
                        ),
                    },
                );
                if let Some(space) = &wanted {
                    let close = error::close_names(space, names.iter().copied());
                    if !close.is_empty() {
                        err = err.hint(format!("did you mean {}?", close.join(", ")));
                    }
                }
                Err(err.hint(format!(
                    "pass --space (FERRY_SPACE, OCTOPUS_SPACE) with one of: {}",
                    names.join(", ")
                )))
            }
        }
    }

    /// `api/{spaceId}/{rest}`, or `api/{rest}` on a server without spaces.
    pub(crate) fn space_path(&self, rest: &str) -> String {
        match &self.space_id {
            Some(space) => format!("api/{space}/{rest}"),
            None => format!("api/{rest}"),
        }
    }

    /// A URL for a path relative to the server's base (`api/...`) or absolute (`/api/...`, a
    /// link from the server).
    pub(crate) fn url(&self, path: &str) -> Result<Url, OctopusError> {
        let joined = if path.starts_with('/') {
            // Links from the server include any virtual directory already.
            let mut url = self.base.clone();
            let (path_part, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
            url.set_path(path_part);
            url.set_query(query);
            Ok(url)
        } else {
            self.base.join(path)
        };
        let url = joined.map_err(|err| {
            OctopusError::new(ErrorKind::Usage, "building a request URL", format!("{path}: {err}"))
        })?;
        // Paths also come from the server's links: the API key goes to the configured server only.
        if url.origin() != self.base.origin() {
            return Err(OctopusError::new(
                ErrorKind::InvalidResponse,
                "following a link from the server",
                format!(
                    "the link `{path}` points to another server than {}; Ferry does not follow it",
                    self.base
                ),
            ));
        }
        Ok(url)
    }

    pub(crate) fn key_hint(&self) -> String {
        match (&self.options.api_key, &self.options.access_token) {
            (Some(_), _) => format!(
                "the API key from {} was refused: check that it is current and belongs to this server (keys look like API-XXXX)",
                self.options.api_key_source
            ),
            (None, Some(_)) => format!(
                "the access token from {} was refused: access tokens expire (Octopus's after an hour); log in again, or use --service-account-id to exchange a fresh OIDC token in each job",
                self.options.access_token_source
            ),
            (None, None) => "the server wants credentials: set FERRY_API_KEY (or OCTOPUS_API_KEY) or pass --api-key-file FILE; in GitHub Actions, --service-account-id ID logs in with OIDC"
                .to_owned(),
        }
    }

    /// Send a request built by `build` (called again for each attempt), retrying transient
    /// failures unless `retry` is [`Retry::Never`] (and a 500 too for [`Retry::Read`]). Non-2xx
    /// statuses become typed errors.
    pub(crate) async fn send<F>(&self, doing: &str, retry: Retry, build: F) -> Result<Response, OctopusError>
    where
        F: Fn() -> RequestBuilder,
    {
        let attempts = if retry == Retry::Never { 1 } else { self.options.max_attempts.max(1) };
        let mut attempt = 1;
        loop {
            let request = build().build().map_err(|err| error::from_reqwest(doing, &err))?;
            let (method, url) = (request.method().clone(), request.url().clone());
            let started = std::time::Instant::now();
            let result = self.http.execute(request).await;
            log_request(&method, &url, result.as_ref().map(Response::status), started.elapsed());
            let error = match result {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    let body = response.text().await.unwrap_or_default();
                    let mut error = error::from_response(doing, status.as_u16(), &body, &self.key_hint());
                    error.retry_after = retry_after;
                    error
                }
                Err(err) => error::from_reqwest(doing, &err),
            };
            let repeatable = error.is_transient() || (retry == Retry::Read && error.status == Some(500));
            if !repeatable || attempt >= attempts {
                return Err(error);
            }
            let delay = self.backoff(attempt, error.retry_after);
            self.notify(&format!(
                "{doing}: {}; retrying in {:.1}s (attempt {} of {attempts})",
                short(&error),
                delay.as_secs_f64(),
                attempt + 1
            ));
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The delay before attempt `attempt + 1`: exponential with full jitter between half and
    /// all of it, or the server's `Retry-After` when it gave one (capped at
    /// [`ClientOptions::max_retry_after`]).
    pub(crate) fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.options.max_retry_after);
        }
        let base = self.options.retry_base.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1) as i32);
        let capped = base.min(30.0);
        let jitter: f64 = rand::random_range(0.5..=1.0);
        Duration::from_secs_f64(capped * jitter)
    }

    /// GET JSON, retried.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        doing: &str,
        path: &str,
    ) -> Result<T, OctopusError> {
        let url = self.url(path)?;
        let response = self.send(doing, Retry::Read, || self.http.get(url.clone())).await?;
        parse_json(doing, response).await
    }

    /// GET JSON; a 404 is `None`.
    pub(crate) async fn get_optional<T: DeserializeOwned>(
        &self,
        doing: &str,
        path: &str,
    ) -> Result<Option<T>, OctopusError> {
        match self.get_json(doing, path).await {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.kind == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every item of a paged collection, following `Links["Page.Next"]`.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        doing: &str,
        path: &str,
    ) -> Result<Vec<T>, OctopusError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        let mut visited = std::collections::HashSet::new();
        while let Some(path) = next.take() {
            // A server whose `Page.Next` links loop would otherwise be paged forever.
            if !visited.insert(path.clone()) || visited.len() > MAX_PAGES {
                return Err(OctopusError::new(
                    ErrorKind::InvalidResponse,
                    doing,
                    format!("the server's paging links loop or pass {MAX_PAGES} pages (at `{path}`)"),
                ));
            }
            let page: Page<T> = self.get_json(doing, &path).await?;
            items.extend(page.items);
            next = page.links.get("Page.Next").filter(|link| !link.is_empty()).cloned();
        }
        Ok(items)
    }

    /// Send JSON with `method`, retried only when `retry` says so; parse the JSON answer.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        &self,
        doing: &str,
        method: Method,
        path: &str,
        body: &serde_json::Value,
        retry: Retry,
    ) -> Result<(StatusCode, T), OctopusError> {
        let url = self.url(path)?;
        let response =
            self.send(doing, retry, || self.http.request(method.clone(), url.clone()).json(body)).await?;
        let status = response.status();
        Ok((status, parse_json(doing, response).await?))
    }
}

/// One line per HTTP request at debug level (`-vv`): method, URL, status and time. The API key
/// travels in a header and is never part of this line; query values whose name suggests a
/// secret are masked all the same, in case a server link carries one.
pub(crate) fn log_request(
    method: &Method,
    url: &Url,
    status: Result<StatusCode, &reqwest::Error>,
    elapsed: Duration,
) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let outcome = match status {
        Ok(status) => status.as_u16().to_string(),
        Err(err) if err.is_timeout() => "timed out".to_owned(),
        Err(_) => "no answer".to_owned(),
    };
    tracing::debug!("{method} {} -> {outcome} ({} ms)", loggable_url(url), elapsed.as_millis());
}

/// `url` without user info, with the values of secret-looking query parameters as `***`.
pub(crate) fn loggable_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if shown.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let lower = name.to_ascii_lowercase();
                let secret = ["key", "token", "secret", "password"].iter().any(|word| lower.contains(word));
                (name.into_owned(), if secret { "***".to_owned() } else { value.into_owned() })
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// The first line of an error's text, for retry log lines.
fn short(error: &OctopusError) -> String {
    match error.status {
        Some(status) => format!("HTTP {status}"),
        None => error.message.lines().next().unwrap_or("").chars().take(160).collect(),
    }
}

pub(crate) async fn parse_json<T: DeserializeOwned>(
    doing: &str,
    response: Response,
) -> Result<T, OctopusError> {
    let bytes = response.bytes().await.map_err(|err| error::from_reqwest(doing, &err))?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|err| {
        OctopusError::new(
            ErrorKind::InvalidResponse,
            doing,
            format!("the server's answer is not the expected JSON: {err}"),
        )
    })
}

/// The server's `Retry-After`: seconds (any number; `inf` and overflowing values saturate) or an
/// HTTP date (a past date is zero). `None` for negative, NaN or unreadable values. Never panics:
/// the value comes from the server. The caller caps it ([`ClientOptions::max_retry_after`]).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    let when = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let ahead = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(ahead).unwrap_or(if ahead.is_negative() {
        Duration::ZERO
    } else {
        Duration::MAX
    }))
}

fn normalise_base(server: &str) -> Result<Url, OctopusError> {
    let doing = "reading --server";
    let mut text = server.trim().trim_end_matches('/').to_owned();
    if let Some(stripped) = text.strip_suffix("/api") {
        text = stripped.to_owned();
    }
    let url = Url::parse(&format!("{text}/")).map_err(|err| {
        OctopusError::new(ErrorKind::Usage, doing, format!("`{server}` is not a URL: {err}"))
            .hint("give the server's base address, e.g. https://octopus.example.com or http://127.0.0.1:8065")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OctopusError::new(ErrorKind::Usage, doing, format!("`{server}` is not an http(s) URL"))
            .hint("give the server's base address, e.g. https://octopus.example.com"));
    }
    Ok(url)
}

fn build_http(options: &ClientOptions) -> Result<reqwest::Client, OctopusError> {
    install_crypto_provider();
    let doing = "setting up the HTTP client";
    let mut headers = HeaderMap::new();
    headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(key) = &options.api_key {
        let mut value = HeaderValue::from_str(key).map_err(|_| {
            OctopusError::new(
                ErrorKind::Usage,
                doing,
                "the API key contains characters a header cannot carry",
            )
            .hint(format!("check the key in {}", options.api_key_source))
        })?;
        value.set_sensitive(true);
        headers.insert("X-Octopus-ApiKey", value);
    } else if let Some(token) = &options.access_token {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| {
            OctopusError::new(
                ErrorKind::Usage,
                doing,
                "the access token contains characters a header cannot carry",
            )
            .hint(format!("check the token in {}", options.access_token_source))
        })?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let user_agent = format!("ferry/{} ({})", env!("CARGO_PKG_VERSION"), options.ci_name);
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .default_headers(headers)
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .pool_idle_timeout(Duration::from_secs(30));
    let mut certificate_files: Vec<PathBuf> = Vec::new();
    if let Some(file) = &options.ca_cert {
        certificate_files.push(file.clone());
    }
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|f| !f.is_empty()) {
        certificate_files.push(PathBuf::from(file));
    }
    for file in certificate_files {
        let pem = std::fs::read(&file).map_err(|err| {
            OctopusError::new(
                ErrorKind::Io,
                doing,
                format!("reading CA certificates from {}: {err}", file.display()),
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
            OctopusError::new(
                ErrorKind::Usage,
                doing,
                format!("{} is not a PEM certificate bundle: {err}", file.display()),
            )
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    if options.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    if options.no_proxy {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|err| OctopusError::new(ErrorKind::Usage, doing, err.to_string()))
}

/// Make ring the process's rustls crypto provider (reqwest is built with `rustls-no-provider`,
/// which keeps aws-lc-rs out of the binary). Idempotent; a provider installed earlier wins.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_urls_carry_no_credentials() {
        let url =
            Url::parse("https://me:pw@octopus.test/api/tasks?ids=A,B&apikey=API-SECRET&take=2").unwrap();
        let shown = loggable_url(&url);
        assert!(!shown.contains("API-SECRET") && !shown.contains("pw"), "{shown}");
        assert!(
            shown.contains("ids=A%2CB") && shown.contains("take=2") && shown.contains("apikey=***"),
            "{shown}"
        );
    }

    fn parsed(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, value.parse().unwrap());
        retry_after(&headers)
    }

    #[test]
    fn retry_after_from_a_hostile_server_never_panics_and_saturates() {
        assert_eq!(parsed("2"), Some(Duration::from_secs(2)));
        assert_eq!(parsed("0.5"), Some(Duration::from_millis(500)));
        for huge in ["inf", "Infinity", "1e30", "99999999999999999999999999", "1.8e308"] {
            assert_eq!(parsed(huge), Some(Duration::MAX), "{huge}");
        }
        for ignored in ["-1", "-inf", "NaN", "soon", "", "Mon, 99 Foo 2020 99:99:99 GMT"] {
            assert_eq!(parsed(ignored), None, "{ignored}");
        }
        assert_eq!(parsed("Thu, 01 Jan 1970 00:00:00 GMT"), Some(Duration::ZERO));
        // Beyond the representable range (year 9999's last day) a date is unreadable, so ignored.
        assert_eq!(parsed("Fri, 31 Dec 9999 23:59:59 GMT"), None);
        let future = parsed("Wed, 01 Jan 9000 00:00:00 GMT").unwrap();
        assert!(future > Duration::from_secs(100 * 365 * 86_400), "{future:?}");
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let soon = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&soon).unwrap();
        let wait = parsed(&soon).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{soon}: {wait:?}");
    }

    #[test]
    fn octopus_versions_are_read_as_numbers() {
        assert_eq!(release_triple("2022.3.5512"), Some((2022, 3, 5512)));
        assert_eq!(release_triple("2023.1.9626-rc1"), Some((2023, 1, 9626)));
        assert!(release_triple("2022.3.10000") > release_triple("2022.3.5512"), "not compared as text");
        assert_eq!(release_triple("2020.5"), None);
        assert_eq!(release_triple("local"), None);
    }

    #[test]
    fn base_url_drops_api_suffix() {
        assert_eq!(normalise_base("http://h:1/api/").unwrap().as_str(), "http://h:1/");
        assert_eq!(normalise_base("https://h/octopus").unwrap().as_str(), "https://h/octopus/");
        assert!(normalise_base("ftp://h").is_err());
        assert!(normalise_base("not a url").is_err());
    }

    #[test]
    fn http_dates_parse() {
        let when = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(when.unwrap().as_second(), 784_111_777);
    }
}
