//! Runbooks are an Octopus Deploy feature `ferry server` does not have. Their routes answer 400
//! with a message that says so, instead of the generic 404 a client would read as a wrong name
//! or URL: `ferry runbook run` (and any Octopus client) then tells the user to point it at an
//! Octopus Deploy server.

use crate::errors::ApiError;

/// The routes (after the space rewrite) that belong to runbooks.
pub const ROUTES: &[&str] = &[
    "/api/runbook-runs/create/v1",
    "/api/runbookRuns",
    "/api/runbookRuns/{id}",
    "/api/runbooks",
    "/api/runbooks/{id}",
    "/api/runbooks/{id}/run",
    "/api/runbookSnapshots",
    "/api/runbookSnapshots/{id}",
    "/api/runbookProcesses/{id}",
    "/api/projects/{id}/runbooks",
    "/api/projects/{id}/runbookSnapshots",
];

/// Any method on any runbook route.
pub async fn unsupported() -> ApiError {
    ApiError::bad_request(
        "Runbooks are not supported by `ferry server`: it deploys releases, it has no runbooks. \
         Run runbooks against an Octopus Deploy server.",
    )
}
