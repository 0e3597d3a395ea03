//! API keys and access tokens: kept only as SHA-256 hashes. Requests carry a key in
//! `X-Octopus-ApiKey` or `Authorization: Bearer`, and an access token (issued by the token
//! exchange, see [`crate::oidc`]) in `Authorization: Bearer`. With no keys and no service accounts
//! configured every request passes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::errors::{ApiError, ServerError};
use crate::oidc::ServiceAccount;
use crate::state::AppState;

/// How long an access token from the token exchange is accepted.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The accepted keys, hashed, and the access tokens issued so far.
pub struct Auth {
    hashes: Vec<[u8; 32]>,
    /// Whether service accounts are configured: they require credentials even without API keys.
    service_accounts: bool,
    /// Access tokens by the SHA-256 of the token. Kept in memory: they live an hour, and a
    /// restarted server asks CI jobs to exchange their OIDC token again.
    tokens: Mutex<HashMap<[u8; 32], IssuedToken>>,
}

struct IssuedToken {
    account: ServiceAccount,
    expires: Instant,
}

/// An access token just issued: shown to the caller once, then kept only as a hash.
pub struct AccessToken {
    /// The token.
    pub token: String,
    /// How long it is accepted.
    pub lifetime: Duration,
}

impl Auth {
    /// Hash the keys; the plain keys are not kept. `service_accounts`: whether any are
    /// configured.
    pub fn new(keys: &[String], service_accounts: bool) -> Auth {
        Auth {
            hashes: keys.iter().map(|k| hash(k.trim())).collect(),
            service_accounts,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Whether credentials are required.
    pub fn enabled(&self) -> bool {
        !self.hashes.is_empty() || self.service_accounts
    }

    /// Issue an access token for `account`, accepted for [`ACCESS_TOKEN_LIFETIME`]: 256 bits from
    /// the operating system's generator, as 64 hex digits. Expired tokens are forgotten here.
    pub fn issue(&self, account: &ServiceAccount) -> Result<AccessToken, ServerError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|err| {
            ServerError::Other(format!(
                "the operating system gave no random bytes for an access token: {err}"
            ))
        })?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.retain(|_, issued| issued.expires > now);
        tokens.insert(
            hash(&token),
            IssuedToken { account: account.clone(), expires: now + ACCESS_TOKEN_LIFETIME },
        );
        Ok(AccessToken { token, lifetime: ACCESS_TOKEN_LIFETIME })
    }

    /// The service account of a current access token. A map lookup by hash: timing can at most
    /// tell an attacker about hashes of tokens, which does not help guess a 256-bit token.
    pub fn token_account(&self, token: &str) -> Option<ServiceAccount> {
        let tokens = self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens
            .get(&hash(token.trim()))
            .filter(|issued| issued.expires > Instant::now())
            .map(|issued| issued.account.clone())
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

/// Who a request's credential belongs to.
enum Credential<'a> {
    None,
    ApiKey(&'a str),
    ServiceAccount(ServiceAccount),
}

impl Caller {
    fn of(credential: Credential<'_>, headers: &axum::http::HeaderMap) -> Caller {
        let who = match credential {
            Credential::ApiKey(key) => {
                let fingerprint: String =
                    hash(key.trim()).iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!("API key {fingerprint}")
            }
            Credential::ServiceAccount(account) => {
                format!("service account {} ({}) by OIDC", account.name, account.id)
            }
            Credential::None => "anonymous (the server requires no API key)".to_owned(),
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

/// Middleware: 401 unless the request carries a valid key or access token (the root document is
/// public); the request goes on with its [`Caller`].
pub async fn require_key(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !state.auth.enabled() || matches!(request.uri().path(), "/api" | "/api/") {
        let caller = Caller::of(Credential::None, request.headers());
        request.extensions_mut().insert(caller);
        return next.run(request).await;
    }
    let headers = request.headers();
    let api_key =
        headers.get("x-octopus-apikey").and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty());
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    // Bearer carries an access token or (as some clients send it) an API key.
    let credential = match (api_key, bearer) {
        (Some(key), _) => state.auth.accepts(key).then_some(Credential::ApiKey(key)),
        (None, Some(token)) if state.auth.accepts(token) => Some(Credential::ApiKey(token)),
        (None, Some(token)) => state.auth.token_account(token).map(Credential::ServiceAccount),
        (None, None) => None,
    };
    match credential {
        Some(credential) => {
            let caller = Caller::of(credential, request.headers());
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "You must be logged in to perform this action. Please provide a valid API key or access token, or log in again.",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let auth = Auth::new(&["API-ONE".into(), "API-TWO2".into()], false);
        assert!(auth.accepts("API-ONE") && auth.accepts("API-TWO2"));
        assert!(!auth.accepts("API-THREE") && !auth.accepts(""));
        assert!(!Auth::new(&[], false).enabled());
        assert!(Auth::new(&[], true).enabled(), "service accounts alone require credentials");
    }

    #[test]
    fn issued_tokens_name_their_account_and_differ() {
        let auth = Auth::new(&[], true);
        let account = ServiceAccount { name: "CI".into(), id: "sa-1".into() };
        let (one, two) = (auth.issue(&account).unwrap(), auth.issue(&account).unwrap());
        assert_ne!(one.token, two.token);
        assert_eq!(one.token.len(), 64);
        assert_eq!(auth.token_account(&one.token), Some(account));
        assert_eq!(auth.token_account("0".repeat(64).as_str()), None);
        assert!(!auth.accepts(&one.token), "an access token is not an API key");
    }

    #[test]
    fn an_expired_access_token_is_refused_and_forgotten() {
        let auth = Auth::new(&[], true);
        let account = ServiceAccount { name: "CI".into(), id: "sa-1".into() };
        let issued = auth.issue(&account).unwrap();
        auth.tokens.lock().unwrap().values_mut().for_each(|token| token.expires = Instant::now());
        assert_eq!(auth.token_account(&issued.token), None);
        auth.issue(&account).unwrap();
        assert_eq!(auth.tokens.lock().unwrap().len(), 1, "issuing forgets expired tokens");
    }

    #[test]
    fn generated_keys_are_valid_and_differ() {
        let (one, two) = (generate_api_key().unwrap(), generate_api_key().unwrap());
        assert!(crate::config::is_valid_api_key(&one), "{one}");
        assert_eq!(one.len(), 36);
        assert_ne!(one, two);
        assert!(Auth::new(std::slice::from_ref(&one), false).accepts(&one));
    }
}
