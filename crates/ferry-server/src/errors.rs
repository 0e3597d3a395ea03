//! Errors: [`ApiError`] is what a route answers (JSON `{ErrorMessage, Errors}` with a status code);
//! [`ServerError`] is what the library's public functions return.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered to an HTTP client, in Octopus's shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `ErrorMessage`.
    pub message: String,
    /// `Errors`.
    pub errors: Vec<String>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), errors: Vec::new() }
    }

    /// 400 with the message also as the only `Errors` item.
    pub fn bad_request(message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError { status: StatusCode::BAD_REQUEST, errors: vec![message.clone()], message }
    }

    /// 400 "There was a problem with your request." with the reasons in `Errors`.
    pub fn validation(errors: Vec<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: "There was a problem with your request.".into(),
            errors,
        }
    }

    /// 404 naming the missing resource.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("The resource '{what}' was not found."))
    }

    /// 409 with the message also in `Errors`.
    pub fn conflict(message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError { status: StatusCode::CONFLICT, errors: vec![message.clone()], message }
    }

    /// 500; the detail is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not complete the request; see its log.",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "ErrorMessage": self.message,
            "Errors": self.errors,
            "FullException": null,
            "HelpLink": null,
            "HelpText": null,
            "ParsedHelpLinks": [],
            "Details": {},
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        ApiError::internal(format!("database: {err}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(err: std::io::Error) -> Self {
        ApiError::internal(format!("io: {err}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::internal(format!("json: {err}"))
    }
}

/// Result of a route handler or store call.
pub type ApiResult<T> = Result<T, ApiError>;

/// Why the server could not start or an operation on it failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration file is missing, unreadable or invalid.
    #[error("configuration {path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The options are inconsistent (e.g. a non-loopback address without API keys).
    #[error("{0}")]
    Options(String),
    /// A file or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// Another failure, with its message.
    #[error("{0}")]
    Other(String),
}

impl ServerError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ServerError::Io { context: context.into(), source }
    }
}

impl From<rusqlite::Error> for ServerError {
    fn from(err: rusqlite::Error) -> Self {
        ServerError::Database(err.to_string())
    }
}

impl From<ApiError> for ServerError {
    fn from(err: ApiError) -> Self {
        ServerError::Other(err.to_string())
    }
}
