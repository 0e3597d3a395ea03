//! Typed errors: every failed request says what Ferry was doing, what the server answered, and
//! what to try next.

use std::fmt;

/// What kind of failure an [`OctopusError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server could not be reached (DNS, refused connection, TLS, reset).
    Connection,
    /// The server did not answer in time.
    Timeout,
    /// The URL answers, but not with the Octopus API.
    NotOctopus,
    /// 401: no key, or a wrong one.
    Unauthorized,
    /// 403: the key lacks a permission.
    Forbidden,
    /// 404, or a name that matches nothing.
    NotFound,
    /// 409, or a release that exists already.
    Conflict,
    /// 400: the server refused the request as invalid.
    Validation,
    /// 400 because the lifecycle does not allow the environment yet.
    LifecycleRefused,
    /// 5xx and other unexpected statuses.
    Server,
    /// A local file could not be read.
    Io,
    /// The server answered 2xx with a body Ferry could not understand.
    InvalidResponse,
    /// The caller asked for something that cannot work (e.g. a bad URL).
    Usage,
    /// The server is older than the API a request needs.
    Unsupported,
}

/// An error from the Octopus API client.
#[derive(Debug, Clone)]
pub struct OctopusError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What Ferry was doing, e.g. "pushing package Hello 1.0.0 to http://127.0.0.1:8065".
    pub doing: String,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The server's `ErrorMessage`, or the transport error.
    pub message: String,
    /// The server's `Errors[]`.
    pub errors: Vec<String>,
    /// What the user can do about it.
    pub hints: Vec<String>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<std::time::Duration>,
}

impl OctopusError {
    /// A new error without hints.
    pub fn new(kind: ErrorKind, doing: impl Into<String>, message: impl Into<String>) -> Self {
        OctopusError {
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

    /// Whether the request may or may not have reached the server and been acted upon: a retry of
    /// a non-idempotent request must first check what happened.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Connection | ErrorKind::Timeout)
            || matches!(self.status, Some(408 | 429 | 502 | 503 | 504))
    }

    /// The server's message and errors in one line.
    pub fn server_text(&self) -> String {
        let mut text = self.message.clone();
        for error in &self.errors {
            if !text.contains(error.as_str()) {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(error);
            }
        }
        text
    }
}

impl fmt::Display for OctopusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.doing)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        let text = self.server_text();
        if !text.is_empty() {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OctopusError {}

/// The body of an Octopus error response.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct ErrorBody {
    #[serde(rename = "ErrorMessage", alias = "errorMessage")]
    pub error_message: Option<String>,
    /// A list of messages, or (for validation problems) an object of field → message(s).
    #[serde(rename = "Errors", alias = "errors")]
    pub errors: Option<serde_json::Value>,
    /// RFC 8693 errors (`{error, error_description}`), which newer Octopus servers answer the
    /// token exchange with (OctopusDeploy/login `src/login.ts` reads both shapes).
    pub error_description: Option<String>,
}

/// The server's `Errors` as lines: a list as it is; an object field by field (`Field: message`,
/// one line per message), fields in name order.
fn error_lines(errors: Option<serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    fn text(value: &Value) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        }
    }
    match errors {
        Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Some(Value::Object(fields)) => fields
            .iter()
            .flat_map(|(field, messages)| {
                let messages = match messages {
                    Value::Array(items) => items.iter().filter_map(text).collect(),
                    other => text(other).into_iter().collect::<Vec<_>>(),
                };
                messages.into_iter().map(move |message| format!("{field}: {message}"))
            })
            .collect(),
        Some(other) => text(&other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Lifecycle refusals as Octopus words them (and Ferry's server).
pub(crate) fn is_lifecycle_refusal(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("lifecycle")
        || text.contains("required environments")
        || text.contains("cannot be deployed to environment")
        || text.contains("not in the list of environments")
}

/// A refused release creation, classified by status and by whether the release with the
/// requested version exists (`exists`, looked up after the refusal), never by the server's
/// wording: that release is a conflict; a 404 (a project, channel or package the server does not
/// have) or another 400 most often means a package version the feed lacks.
pub(crate) fn release_create_failure(mut err: OctopusError, exists: bool) -> OctopusError {
    const PACKAGES_HINT: &str = "push the release's packages first (ferry package push), or name versions with --package ID:VERSION / --package-version";
    if err.kind == ErrorKind::Validation && exists {
        err.kind = ErrorKind::Conflict;
    }
    match err.kind {
        ErrorKind::Conflict => {
            err.hint("pass --if-exists ignore to use the existing release, or give another --version")
        }
        ErrorKind::NotFound | ErrorKind::Validation => err.hint(PACKAGES_HINT),
        _ => err,
    }
}

/// Build the typed error for a non-2xx response.
pub(crate) fn from_response(doing: &str, status: u16, body: &str, key_hint: &str) -> OctopusError {
    let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
    let mut message = parsed.error_message.or(parsed.error_description).unwrap_or_default();
    let errors = error_lines(parsed.errors);
    if message.is_empty() && errors.is_empty() {
        let trimmed = body.trim();
        message = if trimmed.is_empty() || trimmed.starts_with('<') {
            http_reason(status).to_owned()
        } else {
            trimmed.chars().take(500).collect()
        };
    }
    let all = format!("{message} {}", errors.join(" "));
    let kind = match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        400 | 422 if is_lifecycle_refusal(&all) => ErrorKind::LifecycleRefused,
        400 | 422 => ErrorKind::Validation,
        _ => ErrorKind::Server,
    };
    let mut error = OctopusError {
        kind,
        doing: doing.to_owned(),
        status: Some(status),
        message,
        errors,
        hints: vec![],
        retry_after: None,
    };
    match kind {
        ErrorKind::Unauthorized => {
            error = error.hint(key_hint.to_owned());
        }
        ErrorKind::Forbidden => {
            error = error.hint(
                "the API key's user lacks a permission for this (pushing with --if-exists overwrite needs BuiltInFeedAdminister)",
            );
        }
        ErrorKind::Server if status >= 500 => {
            error = error.hint("the server failed; retry later, and check the server's log if it persists");
        }
        _ => {}
    }
    error
}

fn http_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "unexpected status",
    }
}

/// Transport errors (no response).
pub(crate) fn from_reqwest(doing: &str, err: &reqwest::Error) -> OctopusError {
    let kind = if err.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Connection };
    // The innermost cause carries the useful text (refused, certificate, DNS).
    // reqwest's own text repeats the URL that `doing` names; the causes say what happened.
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = cause {
        let s = current.to_string();
        if !s.starts_with("error sending request") && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cause = current.source();
    }
    let text = if parts.is_empty() { err.to_string() } else { parts.join(": ") };
    let mut error = OctopusError::new(kind, doing, text.clone());
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("unknown issuer") || lower.contains("tls") {
        error = error.hint(
            "the server's TLS certificate is not trusted: pass its CA with --ca-cert FILE (or SSL_CERT_FILE); --insecure skips the check (dangerous)",
        );
    } else if kind == ErrorKind::Timeout {
        error = error.hint("raise --request-timeout / --connect-timeout if the server is slow");
    } else {
        error = error
            .hint("check that the server is running and that --server (FERRY_SERVER, OCTOPUS_URL) is right");
    }
    error
}

/// Names close to `wanted` among `candidates`, best first (case-insensitive edit distance and
/// substring matches).
pub fn close_names<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(usize, String)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = edit_distance(&wanted, &lower);
            let limit = (wanted.chars().count().max(lower.chars().count()) / 3).max(2);
            let related = lower.contains(&wanted) || wanted.contains(&lower);
            (distance <= limit || related).then(|| (if related { 0 } else { distance }, candidate.to_owned()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().map(|(_, name)| name).take(3).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_finds_typos_and_substrings() {
        let names = ["Development", "Test", "Production"];
        assert_eq!(close_names("Prodution", names), vec!["Production"]);
        assert_eq!(close_names("prod", names), vec!["Production"]);
        assert!(close_names("Staging", names).is_empty());
    }

    #[test]
    fn a_refused_release_is_a_conflict_only_when_it_exists_whatever_the_wording() {
        let refused = |text: &str| {
            from_response(
                "creating release 1.0.0",
                400,
                &format!(
                    r#"{{"ErrorMessage":"There was a problem with your request.","Errors":["{text}"]}}"#
                ),
                "key",
            )
        };
        // Worded like a conflict, but nothing exists: still a validation error, with the packages hint.
        let err = release_create_failure(refused("The package Web does not exist in the feed."), false);
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(err.hints.iter().any(|h| h.contains("ferry package push")), "{:?}", err.hints);
        // Worded in another language, and the release exists: a conflict.
        let err = release_create_failure(refused("Une version 1.0.0 est déjà présente."), true);
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert!(err.hints.iter().any(|h| h.contains("--if-exists ignore")), "{:?}", err.hints);
        // A 409 is a conflict by its status.
        let err = release_create_failure(from_response("creating release 1.0.0", 409, "{}", "key"), false);
        assert_eq!(err.kind, ErrorKind::Conflict);
        // A failed server is left as it is.
        let err = release_create_failure(from_response("creating release 1.0.0", 500, "{}", "key"), false);
        assert_eq!(err.kind, ErrorKind::Server);
        assert!(!err.hints.iter().any(|h| h.contains("package")));
    }

    #[test]
    fn error_body_is_parsed_and_classified() {
        let e = from_response(
            "deploying",
            400,
            r#"{"ErrorMessage":"There was a problem with your request.","Errors":["The release has not been deployed to the required environments before it can be promoted to this environment."]}"#,
            "key",
        );
        assert_eq!(e.kind, ErrorKind::LifecycleRefused);
        assert!(e.to_string().contains("required environments"));
        let e = from_response("x", 503, "<html>busy</html>", "key");
        assert!(e.is_transient());
        assert!(e.to_string().contains("Service Unavailable"));
        let e = from_response(
            "creating release 1.0.0",
            400,
            r#"{"ErrorMessage":"There was a problem with your request.","Errors":{"ReleaseVersion":["The version is not valid.","It must be SemVer."],"ChannelName":"No channel named Beta."}}"#,
            "key",
        );
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(
            e.errors,
            [
                "ChannelName: No channel named Beta.",
                "ReleaseVersion: The version is not valid.",
                "ReleaseVersion: It must be SemVer."
            ]
        );
        assert!(e.to_string().contains("ChannelName: No channel named Beta."), "{e}");
        let e = from_response("x", 401, "", "set FERRY_API_KEY");
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert_eq!(e.hints, vec!["set FERRY_API_KEY"]);
    }
}
