//! Server tasks: listing (`ids`, `states`, `project`, `environment`, `active`), one task, its
//! details (activity log), its raw log, and cancel.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use super::input::Query;
use super::resources;
use super::{json, text};
use crate::errors::{ApiError, ApiResult};
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::Task;
use crate::tasks::activity::{self, Activity, Reading};

/// `GET tasks`.
pub async fn list(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    // Waiting clients poll with `ids`: read just those rows then.
    let mut ids = query.list("ids");
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.to_ascii_lowercase()));
    let all = if ids.is_empty() {
        state.store.call(|c| Task::all(c)).await?
    } else {
        state
            .store
            .call(move |c| {
                ids.iter().filter_map(|id| Task::by_id(c, id).transpose()).collect::<Result<Vec<_>, _>>()
            })
            .await?
    };
    let states = query.list("states");
    let project = query.get("project").map(str::to_owned);
    let environment = query.get("environment").map(str::to_owned);
    let active = query.bool("active");
    let eq = |a: &Option<String>, b: &Option<String>| {
        a.as_ref().is_none_or(|a| b.as_ref().is_some_and(|b| a.eq_ignore_ascii_case(b)))
    };
    let items: Vec<Value> = all
        .iter()
        .filter(|t| query.matches_ids(&t.id))
        .filter(|t| states.is_empty() || states.iter().any(|s| s.eq_ignore_ascii_case(&t.state)))
        .filter(|t| eq(&project, &t.project_id) && eq(&environment, &t.environment_id))
        .filter(|t| active.is_none_or(|a| a != t.is_completed()))
        .map(resources::task)
        .collect();
    Ok(json(StatusCode::OK, page("Task", "/api/tasks", items, &query)))
}

async fn find(state: &AppState, id: &str) -> ApiResult<Task> {
    let key = id.to_owned();
    state.store.call(move |c| Task::by_id(c, &key)).await?.ok_or_else(|| ApiError::not_found(id))
}

/// `GET tasks/{id}`.
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(json(StatusCode::OK, resources::task(&find(&state, &id).await?)))
}

async fn tree(state: &AppState, task: &Task, reading: Reading) -> ApiResult<Activity> {
    let task = task.clone();
    state.store.call(move |c| activity::tree(c, &task, reading)).await
}

/// An activity in Octopus's `ActivityElement` shape.
fn activity_json(activity: &Activity) -> Value {
    let done = matches!(
        activity.status.as_str(),
        "Success" | "SuccessWithWarning" | "Failed" | "Skipped" | "Canceled"
    );
    json!({
        "Id": activity.id, "Name": activity.name, "Started": activity.started, "Ended": activity.ended,
        "Status": activity.status, "ShowAtSummaryLevel": true,
        "Children": activity.children.iter().map(activity_json).collect::<Vec<_>>(),
        "LogElements": activity.elements.iter().map(|e| json!({
            "Category": e.category, "OccurredAt": e.at, "MessageText": e.message, "Detail": null, "Number": e.number,
        })).collect::<Vec<_>>(),
        "ProgressPercentage": if done { 100 } else { 0 }, "ProgressMessage": null,
    })
}

/// `GET tasks/{id}/details{?verbose,tail}`: the task and its activity tree; without `verbose`,
/// Verbose lines are left out, and `tail` keeps the last lines of each activity (Octopus's
/// meanings of both).
pub async fn details(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let task = find(&state, &id).await?;
    let reading = Reading { verbose: query.bool("verbose").unwrap_or(false), tail: query.usize("tail") };
    let root = tree(&state, &task, reading).await?;
    let size: usize = std::iter::once(&root)
        .chain(&root.children)
        .flat_map(|a| &a.elements)
        .map(|e| e.message.len() + 1)
        .sum();
    let steps = root.children.len().max(1);
    let finished = root.children.iter().filter(|c| c.ended.is_some()).count();
    let percentage = if task.is_completed() { 100 } else { finished * 100 / steps };
    Ok(json(
        StatusCode::OK,
        json!({
            "Task": resources::task(&task), "ActivityLogs": [activity_json(&root)], "PhysicalLogSize": size,
            "Progress": { "ProgressPercentage": percentage, "EstimatedTimeRemaining": null },
            "Links": { "Self": format!("/api/tasks/{}/details", task.id) },
        }),
    ))
}

/// `GET tasks/{id}/raw`: the log as text, rendered from the activity tree as Octopus does.
pub async fn raw(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let task = find(&state, &id).await?;
    let root = tree(&state, &task, Reading { verbose: true, tail: None }).await?;
    let resource = resources::task(&task);
    let deployment = task.arguments.get("DeploymentId").and_then(Value::as_str);
    let related: Vec<&str> =
        [deployment, task.release_id.as_deref(), task.project_id.as_deref(), task.environment_id.as_deref()]
            .into_iter()
            .flatten()
            .collect();
    let duration = resource["Duration"].as_str().unwrap_or_default();
    Ok(text(activity::render_raw(&task, &related, duration, &root)))
}

/// `POST tasks/{id}/cancel`: stops a queued or running task; a finished one is returned as is.
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let task = find(&state, &id).await?;
    let task = request_cancel(&state, task, "Cancel requested.").await?;
    Ok(json(StatusCode::OK, resources::task(&task)))
}

/// Stop a queued or running task (logging `reason`), and give a running command a moment to stop
/// so the answer usually shows the final state. A finished task is returned as is.
///
/// A Queued task is canceled in the store first, in one conditional statement: the dispatcher
/// starts a task only by moving it from Queued to Executing in its own transaction, so after
/// this commits the task can never start, even when the dispatcher had already picked it up.
pub async fn request_cancel(state: &AppState, task: Task, reason: &'static str) -> ApiResult<Task> {
    if task.is_completed() {
        return Ok(task);
    }
    let key = task.id.clone();
    let canceled_while_queued = state
        .store
        .tx(move |tx| {
            let canceled = mark_canceled(tx, &key, "'Queued'")?;
            if canceled {
                Task::append_log(tx, &key, &[("Warning".into(), reason.into())])?;
            }
            Ok(canceled)
        })
        .await?;
    // Also when it was canceled while queued: a dispatcher that picked it up ends sooner.
    let signalled = state.tasks.cancel(&task.id);
    if !canceled_while_queued {
        let key = task.id.clone();
        state
            .store
            .tx(move |tx| {
                if signalled {
                    tx.execute(
                        "UPDATE tasks SET state = 'Cancelling' WHERE id = ?1 AND state = 'Executing'",
                        [&key],
                    )?;
                } else {
                    // Executing, but not in this process: nothing to stop.
                    mark_canceled(tx, &key, "'Executing', 'Cancelling'")?;
                }
                Task::append_log(tx, &key, &[("Warning".into(), reason.into())])
            })
            .await?;
    }
    for _ in 0..50 {
        let current = find(state, &task.id).await?;
        if current.is_completed() {
            return Ok(current);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    find(state, &task.id).await
}

/// Record the task as Canceled if its state is one of `from` (an SQL list of literals); whether
/// it was.
fn mark_canceled(c: &Connection, task_id: &str, from: &str) -> ApiResult<bool> {
    let changed = c.execute(
        &format!(
            "UPDATE tasks SET state = 'Canceled', error_message = 'The task was canceled.', completed_time = ?2 \
             WHERE id = ?1 AND state IN ({from})"
        ),
        params![task_id, crate::store::now()],
    )?;
    Ok(changed == 1)
}
