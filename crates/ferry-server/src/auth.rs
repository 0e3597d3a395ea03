//! API keys: kept only as SHA-256 hashes and compared in constant time. Requests carry a key in
//! `X-Octopus-ApiKey` or `Authorization: Bearer`. With no keys configured every request passes.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::errors::{ApiError, ServerError};
use crate::state::AppState;

/// The accepted keys, hashed.
pub struct Auth {
    hashes: Vec<[u8; 32]>,
}

impl Auth {
    /// Hash the keys; the plain keys are not kept.
    pub fn new(keys: &[String]) -> Auth {
        Auth { hashes: keys.iter().map(|k| hash(k.trim())).collect() }
    }

    /// Whether keys are required.
    pub fn enabled(&self) -> bool {
        !self.hashes.is_empty()
    }

    /// Whether `key` is one of the keys. Compares against every hash without stopping early.
    pub fn accepts(&self, key: &str) -> bool {
        let candidate = hash(key.trim());
        let mut found = subtle::Choice::from(0);
        for stored in &self.hashes {
            found |= stored.ct_eq(&candidate);
        }
        bool::from(found)
    }
}

/// A new random API key, `API-` and 32 characters of A-Z and 2-7 (160 bits from the operating
/// system's generator): what the CLI gives its in-process server, in addition to the configured
/// keys, so that a `ferry.toml` with `api_keys` does not lock the CLI out of its own server.
pub fn generate_api_key() -> Result<String, ServerError> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| {
        ServerError::Other(format!("the operating system gave no random bytes for an API key: {err}"))
    })?;
    // 256 is a multiple of 32: every character is equally likely.
    let text: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
    Ok(format!("API-{text}"))
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Who made a request, as a task records it: the key by a fingerprint (never the key: the first
/// 8 hex digits of its SHA-256) and the client by its User-Agent product, e.g.
/// `API key 1a2b3c4d, ferry/0.1.0 (GitHub Actions)`. Put in the request's extensions by
/// [`require_key`].
#[derive(Debug, Clone)]
pub struct Caller(pub String);

/// Longest User-Agent kept in a [`Caller`]: enough for `ferry/<version> (<CI system>)` and the
/// official clients' agents, not a place to store a request body.
const MAX_AGENT_CHARS: usize = 80;

impl Caller {
    fn of(key: Option<&str>, headers: &axum::http::HeaderMap) -> Caller {
        let who = match key {
            Some(key) => {
                let fingerprint: String =
                    hash(key.trim()).iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!("API key {fingerprint}")
            }
            None => "anonymous (the server requires no API key)".to_owned(),
        };
        let agent: String = headers
            .get(axum::http::header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_AGENT_CHARS)
            .collect();
        let agent = agent.trim();
        Caller(if agent.is_empty() { who } else { format!("{who}, {agent}") })
    }
}

/// Middleware: 401 unless the request carries a valid key (the root document is public); the
/// request goes on with its [`Caller`].
pub async fn require_key(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !state.auth.enabled() || matches!(request.uri().path(), "/api" | "/api/") {
        let caller = Caller::of(None, request.headers());
        request.extensions_mut().insert(caller);
        return next.run(request).await;
    }
    let headers = request.headers();
    let key = headers
        .get("x-octopus-apikey")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        });
    match key {
        Some(key) if state.auth.accepts(key) => {
            let caller = Caller::of(Some(key), request.headers());
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "You must be logged in to perform this action. Please provide a valid API key or log in again.",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let auth = Auth::new(&["API-ONE".into(), "API-TWO2".into()]);
        assert!(auth.accepts("API-ONE") && auth.accepts("API-TWO2"));
        assert!(!auth.accepts("API-THREE") && !auth.accepts(""));
        assert!(!Auth::new(&[]).enabled());
    }

    #[test]
    fn generated_keys_are_valid_and_differ() {
        let (one, two) = (generate_api_key().unwrap(), generate_api_key().unwrap());
        assert!(crate::config::is_valid_api_key(&one), "{one}");
        assert_eq!(one.len(), 36);
        assert_ne!(one, two);
        assert!(Auth::new(std::slice::from_ref(&one)).accepts(&one));
    }
}
