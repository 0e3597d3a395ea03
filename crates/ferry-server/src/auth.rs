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

/// Middleware: 401 unless the request carries a valid key (the root document is public).
pub async fn require_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.auth.enabled() || matches!(request.uri().path(), "/api" | "/api/") {
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
        Some(key) if state.auth.accepts(key) => next.run(request).await,
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
