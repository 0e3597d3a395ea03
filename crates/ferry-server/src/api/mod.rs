//! The HTTP API. Every route is written once under `/api/X`; a layer in front of the router
//! rewrites `/api/{spaceId}/X` and `/api/spaces/{idOrName}/X` to it (checking the space exists),
//! and another turns every error the framework produces (404, 405, 413, bad multipart) into
//! Octopus's JSON error shape. The outermost layer turns a handler panic into a 500 JSON error.
//!
//! About panics: release builds unwind (`panic = "unwind"` in the workspace's release profile),
//! so the catch layer keeps the process, and every running deployment, alive in the shipped
//! binary too; a unit test below guards the profile, and `tests/release_panic/check.sh` proves it
//! on a release build. The first defence is still that no request-derived value reaches a slice,
//! an `unwrap` or unchecked arithmetic; `tests/server/hostile.rs` sends raw non-ASCII and invalid
//! UTF-8 everywhere.

mod build_info;
mod catalog;
mod deployments;
pub mod input;
mod packages;
mod releases;
pub mod resources;
mod root;
mod runbooks;
pub mod tasks;
pub mod token_exchange;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::errors::ApiError;
use crate::state::AppState;

/// The space every request is served in (there is one: `Spaces-1`, named `Default`).
pub const SPACE_ID: &str = "Spaces-1";

/// The API to serve: routes plus the space rewrite in front.
pub fn app(state: AppState) -> Router {
    let upload_limit = usize::try_from(state.limits.max_upload_bytes).unwrap_or(usize::MAX);
    let json_limit = usize::try_from(state.limits.max_json_bytes).unwrap_or(usize::MAX);
    let uploads = Router::new()
        .route("/api/packages/raw", post(packages::upload))
        .layer(DefaultBodyLimit::max(upload_limit));
    let routes = Router::new()
        .route("/api", get(root::root))
        .route("/api/", get(root::root))
        .route("/api/space-home", get(root::space_root))
        .route("/api/spaces", get(root::spaces))
        .route("/api/spaces/all", get(root::spaces_all))
        .route("/api/spaces/{id}", get(root::space_one))
        .route("/api/users/me", get(root::me))
        .route("/api/users/{id}/spaces", get(root::spaces_all))
        .route("/api/projects", get(catalog::projects))
        .route("/api/projects/all", get(catalog::projects_all))
        .route("/api/projects/{id}", get(catalog::project))
        .route("/api/projects/{id}/channels", get(catalog::project_channels))
        .route("/api/projects/{id}/releases", get(releases::project_releases))
        .route("/api/projects/{id}/releases/{version}", get(releases::project_release))
        .route("/api/projects/{id}/deploymentprocesses", get(catalog::project_process))
        .route("/api/projects/{id}/deploymentprocesses/template", get(catalog::project_template))
        .route("/api/projects/{id}/deploymentsettings", get(catalog::project_settings))
        .route("/api/projects/{id}/{git_ref}/deploymentprocesses", get(catalog::project_process_at_ref))
        .route("/api/projects/{id}/{git_ref}/deploymentsettings", get(catalog::project_settings_at_ref))
        .route(
            "/api/projects/{id}/{git_ref}/deploymentprocesses/template",
            get(catalog::project_template_at_ref),
        )
        .route("/api/tenants", get(catalog::tenants))
        .route("/api/tenants/all", get(catalog::tenants_all))
        .route("/api/projectgroups", get(catalog::project_groups))
        .route("/api/projectgroups/all", get(catalog::project_groups_all))
        .route("/api/environments", get(catalog::environments))
        .route("/api/environments/all", get(catalog::environments_all))
        .route("/api/environments/{id}", get(catalog::environment))
        .route("/api/lifecycles", get(catalog::lifecycles))
        .route("/api/lifecycles/all", get(catalog::lifecycles_all))
        .route("/api/lifecycles/{id}", get(catalog::lifecycle))
        .route("/api/channels", get(catalog::channels))
        .route("/api/channels/all", get(catalog::channels_all))
        .route("/api/channels/{id}", get(catalog::channel))
        .route("/api/channels/{id}/releases", get(releases::channel_releases))
        .route("/api/deploymentprocesses", get(catalog::processes))
        .route("/api/deploymentprocesses/{id}", get(catalog::process))
        .route("/api/deploymentprocesses/{id}/template", get(catalog::process_template))
        .route("/api/feeds", get(packages::feeds))
        .route("/api/feeds/all", get(packages::feeds_all))
        .route("/api/feeds/{id}", get(packages::feed))
        .route("/api/feeds/{id}/packages/versions", get(packages::feed_versions))
        .route("/api/packages", get(packages::list))
        .route("/api/packages/bulk", get(packages::bulk))
        .route("/api/packages/{id}", get(packages::get_one))
        .route("/api/packages/{id}/raw", get(packages::download))
        .route("/api/packages/{id}/{version}/delta-signature", get(packages::delta_signature))
        .route("/api/packages/{id}/{version}/delta", post(packages::delta_upload))
        .route("/api/build-information", get(build_info::list).post(build_info::push))
        .route("/api/build-information/bulk", get(build_info::bulk))
        .route("/api/build-information/{id}", get(build_info::get_one))
        .route("/api/releases", get(releases::list).post(releases::create_legacy))
        .route("/api/releases/create/v1", post(releases::create_v1))
        .route("/api/releases/{id}", get(releases::get_one))
        .route("/api/releases/{id}/progression", get(releases::progression))
        .route("/api/releases/{id}/deployments", get(deployments::for_release))
        .route("/api/releases/{id}/deployments/template", get(releases::deployment_template))
        .route("/api/releases/{id}/deployments/preview/{env}", get(releases::deployment_preview))
        .route("/api/deployments", get(deployments::list).post(deployments::create_legacy))
        .route("/api/deployments/create/untenanted/v1", post(deployments::create_untenanted))
        .route("/api/deployments/create/tenanted/v1", post(deployments::create_tenanted))
        .route("/api/deployments/{id}", get(deployments::get_one))
        .route("/api/dashboard", get(deployments::dashboard))
        .route("/api/dashboard/dynamic", get(deployments::dashboard))
        .route("/api/tasks", get(tasks::list))
        .route("/api/tasks/{id}", get(tasks::get_one))
        .route("/api/tasks/{id}/details", get(tasks::details))
        .route("/api/tasks/{id}/raw", get(tasks::raw))
        .route("/api/tasks/{id}/cancel", post(tasks::cancel))
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(uploads)
        .merge(runbook_routes())
        .merge(panic_probe())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::require_key))
        .with_state(state.clone());
    // Layers on this outer router run before the inner router matches, so the space rewrite
    // changes what the inner router sees.
    let token_exchange = Router::new()
        .route("/.well-known/openid-configuration", get(token_exchange::discovery))
        .route(token_exchange::TOKEN_PATH, post(token_exchange::exchange))
        .layer(DefaultBodyLimit::max(json_limit))
        .with_state(state);
    Router::new()
        .merge(token_exchange)
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn(rewrite_space))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    // Method and path only: query strings and headers (which carry keys) are not logged.
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(catch_panics())
}

/// A handler panic becomes a 500 in Octopus's JSON error shape, logged, while the server lives
/// (release builds unwind; see the module comment).
fn catch_panics() -> CatchPanicLayer<fn(Box<dyn std::any::Any + Send>) -> Response> {
    CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic without a message");
        ApiError::internal(format!("a request handler panicked: {detail}")).into_response()
    })
}

/// Every runbook route, refused with one clear message ([`runbooks`]).
fn runbook_routes() -> Router<AppState> {
    runbooks::ROUTES.iter().fold(Router::new(), |router, path| router.route(path, any(runbooks::unsupported)))
}

/// With the `panic-probe` feature, which no shipped build enables: `GET /api/ferry/panic-probe`
/// panics in its handler, so `tests/release_panic/check.sh` can show that a server built with the
/// release profile answers it with a 500 and lives on.
#[cfg(feature = "panic-probe")]
fn panic_probe() -> Router<AppState> {
    async fn panics() -> &'static str {
        panic!("the panic probe, as asked")
    }
    Router::new().route("/api/ferry/panic-probe", get(panics))
}

/// Without the `panic-probe` feature: no route.
#[cfg(not(feature = "panic-probe"))]
fn panic_probe() -> Router<AppState> {
    Router::new()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("The resource '{}' was not found.", request.uri().path()))
}

/// Rewrite space-scoped paths to the unscoped routes (before the inner router matches).
async fn rewrite_space(mut request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_owned();
    match space_rewrite(&path) {
        Ok(None) => next.run(request).await,
        Ok(Some(new_path)) => {
            let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
            match format!("{new_path}{query}").parse() {
                Ok(uri) => {
                    *request.uri_mut() = uri;
                    next.run(request).await
                }
                Err(_) => ApiError::bad_request("The request path is not valid.").into_response(),
            }
        }
        Err(space) => ApiError::new(StatusCode::NOT_FOUND, format!("The space '{space}' was not found."))
            .into_response(),
    }
}

fn is_default_space(text: &str) -> bool {
    let text = percent_decode(text);
    text.eq_ignore_ascii_case(SPACE_ID) || text.eq_ignore_ascii_case("Default")
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `Ok(Some(path))` to rewrite, `Ok(None)` to keep, `Err(space)` for an unknown space.
fn space_rewrite(path: &str) -> Result<Option<String>, String> {
    let Some(rest) = path.strip_prefix("/api/") else { return Ok(None) };
    let segments: Vec<&str> = rest.split('/').collect();
    let (space, tail) = match segments.as_slice() {
        ["spaces", space, tail @ ..] if tail.iter().any(|segment| !segment.is_empty()) => (*space, tail),
        [first, tail @ ..] if is_space_id(first) => (*first, tail),
        _ => return Ok(None),
    };
    if !is_default_space(space) {
        return Err(percent_decode(space));
    }
    let tail = tail.join("/");
    if tail.is_empty() { Ok(Some("/api/space-home".into())) } else { Ok(Some(format!("/api/{tail}"))) }
}

/// `Spaces-<digits>`, any case. Compared as bytes: the segment is raw request text and may hold
/// any UTF-8, so a character-offset slice could split a character (and panic).
fn is_space_id(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() > 7
        && bytes[..7].eq_ignore_ascii_case(b"spaces-")
        && bytes[7..].iter().all(u8::is_ascii_digit)
}

/// Give every error response Octopus's JSON shape.
async fn json_errors(request: Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "The method is not allowed on this resource.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => format!("The request body is too large. {text}").trim().to_owned(),
        _ if text.trim().is_empty() => status.canonical_reason().unwrap_or("Error").to_owned(),
        _ => text.trim().to_owned(),
    };
    let mut response = ApiError { status, message: message.clone(), errors: vec![message] }.into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

/// A response with a JSON body and a status.
pub fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// A plain-text response.
pub fn text(body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites() {
        assert_eq!(space_rewrite("/api/Spaces-1/projects").unwrap().as_deref(), Some("/api/projects"));
        assert_eq!(
            space_rewrite("/api/spaces/Default/projects/x").unwrap().as_deref(),
            Some("/api/projects/x")
        );
        assert_eq!(space_rewrite("/api/spaces/Spaces-1").unwrap(), None);
        assert_eq!(space_rewrite("/api/Spaces-1").unwrap().as_deref(), Some("/api/space-home"));
        assert_eq!(space_rewrite("/api/projects").unwrap(), None);
        assert_eq!(space_rewrite("/api/Spaces-9/projects").unwrap_err(), "Spaces-9");
        assert_eq!(space_rewrite("/api/spaces/all").unwrap(), None);
        // Multi-byte characters across the `Spaces-` prefix's end (this used to panic).
        assert_eq!(space_rewrite("/api/Spacesé1/x").unwrap(), None);
        assert_eq!(space_rewrite("/api/Spaces-é/x").unwrap(), None);
        assert_eq!(space_rewrite("/api/Spac€/x").unwrap(), None);
    }

    /// The layer the app uses, around a route that panics: a 500 JSON error, and the server
    /// answers the next request.
    #[tokio::test]
    async fn a_handler_panic_is_a_500_json_error_and_the_server_lives() {
        async fn panics() -> &'static str {
            panic!("a test route that panics")
        }
        let app = Router::new()
            .route("/panic", get(panics))
            .route("/ok", get(|| async { "ok" }))
            .layer(catch_panics());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let response = client.get(format!("http://{address}/panic")).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["ErrorMessage"].as_str().is_some_and(|m| m.contains("see its log")), "{body}");
        let again = client.get(format!("http://{address}/ok")).send().await.unwrap();
        assert_eq!(again.text().await.unwrap(), "ok");
    }
}
