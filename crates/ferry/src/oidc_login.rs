//! `--service-account-id`: log in without an API key. In a GitHub Actions job with
//! `permissions: id-token: write`, the runner hands out an OIDC token; Ferry exchanges it at the
//! server for a short-lived access token of the service account, as the official
//! OctopusDeploy/login action does, and sends that token as `Authorization: Bearer`.

use ferry_ci::CiSystem;

use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// The runner's variables, set only for jobs allowed to request an OIDC token.
const REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
const REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// An access token for `service_account_id` on the server at `server`. Every token met on the
/// way (the runner's request token, the OIDC token, the access token) is masked before use.
pub async fn access_token(ctx: &Ctx, server: &str, service_account_id: &str) -> anyhow::Result<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    let (Some(url), Some(token)) = (var(REQUEST_URL), var(REQUEST_TOKEN)) else {
        return Err(missing_id_token(ctx.ci_system).into());
    };
    ctx.mask_secret(&token);
    let options = ctx.client_options(server);
    let request = ferry_octopus::GithubIdTokenRequest { url, token };
    ctx.info(&format!(
        "logging in to {server} as service account {service_account_id} with the job's OIDC token"
    ));
    // The audience is the service account id, as the login action requests it.
    let id_token =
        ferry_octopus::github_id_token(&options, &request, service_account_id).await.map_err(client_error)?;
    ctx.mask_secret(&id_token);
    let mut exchange_options = options;
    exchange_options.api_key = None;
    exchange_options.access_token = None;
    let access_token =
        ferry_octopus::exchange_for_access_token(&exchange_options, service_account_id, &id_token)
            .await
            .map_err(client_error)?;
    ctx.mask_secret(&access_token);
    Ok(access_token)
}

/// No OIDC token to be had: in GitHub Actions that is the job's permissions; elsewhere the CI
/// system has no such runner service.
fn missing_id_token(ci: CiSystem) -> UserError {
    match ci {
        CiSystem::GitHub => UserError::usage(format!(
            "--service-account-id needs the job's OIDC token, but {REQUEST_URL} and {REQUEST_TOKEN} are not set: the job may not request one"
        ))
        .hint("add `permissions: id-token: write` to the workflow or the job (with `contents: read` if you list permissions)"),
        _ => UserError::usage(format!(
            "--service-account-id logs in with a GitHub Actions OIDC token, and Ferry runs in {}, which hands out none",
            if ci == CiSystem::None { "no CI system".to_owned() } else { ci.build_environment().to_owned() }
        ))
        .hint("elsewhere, put an access token in OCTOPUS_ACCESS_TOKEN (or --access-token-file) or an API key in FERRY_API_KEY"),
    }
}
