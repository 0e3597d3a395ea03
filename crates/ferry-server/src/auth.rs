//! API keys: kept only as SHA-256 hashes and compared in constant time. Requests carry a key in
//! `X-Octopus-ApiKey` or `Authorization: Bearer`. With no keys configured every request passes.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::errors::ApiError;
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
}
