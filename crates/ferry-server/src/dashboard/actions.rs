//! The forms that change something: deploy a release to an environment, cancel a task. Each
//! checks that the session may act and the form's CSRF token before doing anything.

use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::session::Viewer;
use super::{Dashboard, PageError, PageResult};
use crate::store::model::{Environment, Release, Task};

/// The cancel form.
#[derive(Debug, Deserialize)]
pub struct CancelForm {
    csrf: String,
}

/// The deploy form.
#[derive(Debug, Deserialize)]
pub struct DeployForm {
    csrf: String,
    environment: String,
}

fn may_act(viewer: &Viewer, csrf: &str) -> Result<(), PageError> {
    if !viewer.can_act() {
        return Err(PageError::forbidden(
            "This dashboard session is read-only. Sign in with an API key (on a server without --dashboard-read-only) to deploy or cancel.",
        ));
    }
    viewer.check_csrf(csrf)
}

/// `POST /app/releases/{id}/deploy`: queue a deployment (the lifecycle decides whether it may).
pub async fn deploy(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<DeployForm>,
) -> PageResult {
    may_act(&viewer, &form.csrf)?;
    let started_by = if viewer.signed_in {
        "the dashboard (signed in with an API key)"
    } else {
        "the dashboard (no sign-in required)"
    };
    let created = dashboard
        .app
        .store
        .tx(move |tx| {
            let Some(release) = Release::by_id(tx, &id)? else { return Ok(None) };
            let Some(environment) = Environment::find(tx, &form.environment)? else { return Ok(None) };
            crate::deploy::create_deployments(tx, &release, &[environment], started_by).map(Some)
        })
        .await?;
    let Some(created) = created else { return Err(PageError::not_found("such release or environment")) };
    // Committed as Queued: the dispatcher starts them.
    dashboard.app.tasks.notify_queued();
    let target =
        created.first().map(|d| format!("/app/tasks/{}", d.task_id)).unwrap_or_else(|| "/app".into());
    Ok(Redirect::to(&target).into_response())
}

/// `POST /app/tasks/{id}/cancel`: stop a queued or running task, as the API's cancel does.
pub async fn cancel(
    State(dashboard): State<Dashboard>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult {
    may_act(&viewer, &form.csrf)?;
    let task = dashboard.app.store.call(move |c| Task::by_id(c, &id)).await?;
    let Some(task) = task else { return Err(PageError::not_found("such task")) };
    let task =
        crate::api::tasks::request_cancel(&dashboard.app, task, "Cancel requested from the dashboard.")
            .await?;
    Ok(Redirect::to(&format!("/app/tasks/{}", task.id)).into_response())
}
