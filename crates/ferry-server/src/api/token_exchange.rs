//! The OIDC token exchange, at the paths Octopus serves it (outside `/api`, and without
//! credentials: the subject token is the credential). The official login action
//! (OctopusDeploy/login `src/login.ts`) reads `token_endpoint` from
//! `/.well-known/openid-configuration`, then POSTs JSON with the RFC 8693 token-exchange grant,
//! the service account id as `audience` and the CI's JWT as `subject_token`; Octopus answers
//! `/token/v1` with an access token for `Authorization: Bearer`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::errors::{ApiError, ApiResult};
use crate::oidc::ExchangeError;
use crate::state::AppState;

/// Where the token endpoint lives, relative to the server's base URL.
pub const TOKEN_PATH: &str = "/token/v1";
/// The grant type of RFC 8693, the only one served.
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token type the login action sends.
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// Whether the server answers on `http` or `https`, for the absolute URLs of the discovery
/// document (the login action fetches `token_endpoint` as given). Set by the server at start.
#[derive(Debug, Clone, Copy)]
pub struct Scheme(pub &'static str);

/// `GET /.well-known/openid-configuration`: the issuer (this server) and its token endpoint,
/// built from the `Host` the client used.
pub async fn discovery(scheme: Option<axum::Extension<Scheme>>, headers: HeaderMap) -> Json<Value> {
    let scheme = scheme.map_or("http", |axum::Extension(Scheme(scheme))| scheme);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| !host.is_empty() && host.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let base = format!("{scheme}://{host}");
    Json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "grant_types_supported": [TOKEN_EXCHANGE_GRANT],
    }))
}

/// The request body, as the login action sends it.
#[derive(Deserialize)]
struct ExchangeRequest {
    grant_type: String,
    audience: String,
    subject_token: String,
    #[serde(default)]
    subject_token_type: Option<String>,
}

/// `POST /token/v1`: exchange an OIDC token for an access token.
pub async fn exchange(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let request: ExchangeRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!(
            "The token exchange request must be JSON with grant_type, audience (the service account id) and subject_token: {err}"
        ))
    })?;
    if request.grant_type != TOKEN_EXCHANGE_GRANT {
        return Err(ApiError::bad_request(format!(
            "The grant_type '{}' is not supported; use '{TOKEN_EXCHANGE_GRANT}'.",
            request.grant_type
        )));
    }
    if let Some(kind) = request.subject_token_type.as_deref().filter(|kind| *kind != JWT_TOKEN_TYPE) {
        return Err(ApiError::bad_request(format!(
            "The subject_token_type '{kind}' is not supported; use '{JWT_TOKEN_TYPE}'."
        )));
    }
    let account =
        state.service_accounts.verify(&request.audience, &request.subject_token).await.map_err(refused)?;
    let issued = state.auth.issue(&account).map_err(ApiError::internal)?;
    tracing::info!(service_account = %account.name, "issued an access token for an OIDC token");
    Ok(Json(json!({
        "access_token": issued.token,
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "token_type": "Bearer",
        "expires_in": issued.lifetime.as_secs(),
    })))
}

/// 401 for every reason a token is not good enough, with the reason (the caller owns the token
/// and the CI configuration; nothing here is secret); 502 when the issuer's keys could not be
/// read, which is the server's or the issuer's problem.
fn refused(err: ExchangeError) -> ApiError {
    let message = err.to_string();
    tracing::warn!(reason = %message, "refused a token exchange");
    let status = match err {
        ExchangeError::Keys(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::UNAUTHORIZED,
    };
    ApiError { status, message: format!("The OIDC token was not accepted: {message}"), errors: vec![message] }
}
