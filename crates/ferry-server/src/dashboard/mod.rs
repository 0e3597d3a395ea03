//! The web dashboard: server-rendered pages under `/app`, for people rather than scripts.
//!
//! Pages are HTML built at compile time with maud (escaping is the template's default, so a
//! hostile project name stays text), a little plain JavaScript follows running tasks and maps
//! Octopus's hash links (`/app#/Spaces-1/releases/Releases-1`) to the server routes, and every
//! asset is embedded in the binary: the dashboard works offline and on air-gapped servers.
//!
//! Modules, one job each: `session` (sign-in, cookies, CSRF, who may do what), `assets` (embedded
//! CSS/JS, cache-busted by content hash), `layout` (the page frame and shared fragments),
//! `status` (a deployment's state as icon and word), `queries` (read-only SQL the pages need),
//! `markdown` (release notes, sanitised), and one module per page: `overview`, `project`,
//! `release`, `task`, `packages`, plus `actions` (the forms that change something).

mod actions;
mod assets;
mod layout;
mod markdown;
mod overview;
mod packages;
mod project;
mod queries;
mod release;
mod session;
mod status;
mod task;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::errors::ApiError;
use crate::state::AppState;

/// How the dashboard is offered.
#[derive(Debug, Clone, Default)]
pub struct DashboardOptions {
    /// No page offers a state-changing action to anyone (a wall display).
    pub read_only: bool,
    /// Keys that open a read-only session (from `ferry.toml`'s `[dashboard] keys`).
    pub read_only_keys: Vec<String>,
    /// Visitors who have not signed in get a read-only session instead of the sign-in page.
    pub open_read_only: bool,
    /// Mark cookies `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
}

/// What every dashboard route shares: the server's state and the sessions.
#[derive(Clone)]
pub struct Dashboard {
    app: AppState,
    sessions: Arc<session::Sessions>,
}

/// The dashboard's routes, to serve beside the API.
pub fn router(app: AppState, options: &DashboardOptions) -> Router {
    let dashboard = Dashboard { app, sessions: Arc::new(session::Sessions::new(options)) };
    let pages = Router::new()
        .route("/app", get(overview::page))
        .route("/app/", get(overview::page))
        .route("/app/projects/{id}", get(project::page))
        .route("/app/releases/{id}", get(release::page))
        .route("/app/releases/{id}/deploy", post(actions::deploy))
        .route("/app/deployments/{id}", get(task::deployment_redirect))
        .route("/app/tasks/{id}", get(task::page))
        .route("/app/tasks/{id}/events", get(task::events))
        .route("/app/tasks/{id}/raw", get(task::raw))
        .route("/app/tasks/{id}/cancel", post(actions::cancel))
        .route("/app/packages", get(packages::page))
        .route("/app/signout", post(session::sign_out))
        .route_layer(axum::middleware::from_fn_with_state(dashboard.clone(), session::require_session));
    Router::new()
        .route("/", get(|| async { Redirect::to("/app") }))
        .route("/app/signin", get(session::sign_in_page).post(session::sign_in))
        .route("/app/assets/{file}", get(assets::serve))
        .merge(pages)
        .with_state(dashboard)
}

/// Why a page could not be shown: rendered as an HTML page with the status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    fn not_found(what: &str) -> PageError {
        PageError { status: StatusCode::NOT_FOUND, message: format!("There is no {what} here.") }
    }

    fn forbidden(message: impl Into<String>) -> PageError {
        PageError { status: StatusCode::FORBIDDEN, message: message.into() }
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> PageError {
        let mut message = err.message.clone();
        for detail in err.errors.iter().filter(|d| **d != err.message) {
            message.push(' ');
            message.push_str(detail);
        }
        PageError { status: err.status, message }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = layout::bare_page(
            title,
            maud::html! {
                h1 { (title) }
                p role="alert" { (self.message) }
                p { a href="/app" { "Back to the dashboard" } }
            },
        );
        (self.status, body).into_response()
    }
}

/// A page's result.
type PageResult = Result<Response, PageError>;
