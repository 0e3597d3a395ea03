//! Logging in without an API key: a CI job's OIDC token is exchanged for an Octopus access token
//! of a service account, as the official login action does (OctopusDeploy/login `src/login.ts`:
//! read `token_endpoint` from `/.well-known/openid-configuration`, POST the RFC 8693
//! token-exchange grant with the service account id as `audience` and the JWT as
//! `subject_token`). The access token then goes in `Authorization: Bearer`.

use serde::Deserialize;
use serde_json::json;

use crate::client::{Client, ClientOptions, Retry, parse_json};
use crate::error::{ErrorKind, OctopusError};

/// The grant type of RFC 8693 token exchange.
const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token type for a JWT.
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// Where a GitHub Actions job asks for its OIDC token: the runner sets both only for jobs with
/// `permissions: id-token: write`.
#[derive(Debug, Clone)]
pub struct GithubIdTokenRequest {
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
    pub url: String,
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, sent as a bearer token to that URL only.
    pub token: String,
}

#[derive(Deserialize)]
struct IdTokenAnswer {
    value: String,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    token_endpoint: String,
}

#[derive(Deserialize)]
struct ExchangeAnswer {
    access_token: String,
}

/// Ask the GitHub Actions runner for an OIDC token for `audience`, the way `@actions/core`'s
/// `getIDToken` does (the login action calls it with the service account id): GET the request
/// URL with `&audience=` added, with the request token as bearer; the answer is `{"value": JWT}`.
pub async fn github_id_token(
    options: &ClientOptions,
    request: &GithubIdTokenRequest,
    audience: &str,
) -> Result<String, OctopusError> {
    let doing = "requesting the GitHub Actions OIDC token (id-token)";
    let mut url = url::Url::parse(&request.url).map_err(|err| {
        OctopusError::new(
            ErrorKind::Usage,
            doing,
            format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {err}"),
        )
    })?;
    url.query_pairs_mut().append_pair("audience", audience);
    // The runner's service is not the Octopus server: no Octopus credential, no custom CA.
    let mut runner = ClientOptions::new(url.as_str());
    runner.ci_name = options.ci_name.clone();
    runner.notifier = options.notifier.clone();
    runner.max_attempts = options.max_attempts;
    runner.retry_base = options.retry_base;
    let client = Client::unconnected(runner)?;
    let response = client
        .send(doing, Retry::Safe, || client.http.get(url.clone()).bearer_auth(&request.token))
        .await
        .map_err(|mut err| {
            err.hints = vec![
                "the job needs `permissions: id-token: write` (in the workflow or the job), and the runner must allow OIDC".into(),
            ];
            err
        })?;
    let answer: IdTokenAnswer = parse_json(doing, response).await?;
    Ok(answer.value)
}

/// Exchange `id_token` at the server in `options` for an access token of `service_account_id`.
/// `options` must carry no API key or access token of its own.
pub async fn exchange_for_access_token(
    options: &ClientOptions,
    service_account_id: &str,
    id_token: &str,
) -> Result<String, OctopusError> {
    let client = Client::unconnected(options.clone())?;
    let doing = format!(
        "exchanging the OIDC token for an access token of service account {service_account_id} at {}",
        client.server_url()
    );
    let configuration: OpenIdConfiguration = client
        .get_json(&doing, ".well-known/openid-configuration")
        .await
        .map_err(|err| match err.kind {
            ErrorKind::NotFound => err.hint("the server does not offer OIDC login (Octopus 2023.4 or later, or `ferry server` with service_accounts, does)"),
            _ => err,
        })?;
    // The path comes from the server's answer, as the login action takes it; the origin stays the
    // configured server's (an Octopus behind a proxy may name its public address), so the JWT
    // goes to no other host.
    let endpoint_path = match url::Url::parse(&configuration.token_endpoint) {
        Ok(absolute) => absolute.path().to_owned(),
        Err(_) => configuration.token_endpoint.clone(),
    };
    let endpoint = client.url(&endpoint_path)?;
    let body = json!({
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "audience": service_account_id,
        "subject_token": id_token,
        "subject_token_type": JWT_TOKEN_TYPE,
    });
    let response = client
        .send(&doing, Retry::Safe, || client.http.post(endpoint.clone()).json(&body))
        .await
        .map_err(|mut err| {
            if err.kind == ErrorKind::Unauthorized {
                err.hints = vec![format!(
                    "check service account {service_account_id}'s OIDC identity on the server against this job's token: \
                     issuer `https://token.actions.githubusercontent.com`, audience the service account id, \
                     and a subject pattern that matches `repo:OWNER/REPO:ref:refs/heads/BRANCH` (or `:environment:NAME` for jobs with an environment)"
                )];
            }
            err
        })?;
    let answer: ExchangeAnswer = parse_json(&doing, response).await?;
    if answer.access_token.trim().is_empty() {
        return Err(OctopusError::new(
            ErrorKind::InvalidResponse,
            &doing,
            "the answer holds no access_token",
        ));
    }
    Ok(answer.access_token)
}
