//! Deployments: the executions API (`create/untenanted/v1`, `create/tenanted/v1`), legacy
//! `POST deployments`, listing with filters, and the dashboard.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{Body, Query};
use super::json;
use super::resources::{self, space_base};
use crate::auth::Caller;
use crate::deploy::create_scheduled_deployments;
use crate::deploy_options::{DeploymentSettings, LegacyOptions, RequestedOptions, Schedule};
use crate::errors::{ApiError, ApiResult};
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::{Deployment, Environment, Project, Release, Task};
use crate::versions;

/// `deployments/create/(un)tenanted/v1` body (keys snake_case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateV1 {
    project_name: Option<String>,
    release_version: Option<String>,
    environment_names: Option<Vec<String>>,
    environment_name: Option<String>,
    tenants: Option<Vec<String>>,
    tenant_tags: Option<Vec<String>>,
    #[serde(flatten)]
    options: RequestedOptions,
}

async fn deploy(
    state: &AppState,
    project: String,
    version: String,
    environments: Vec<String>,
    caller: Option<Extension<Caller>>,
    (settings, schedule): (DeploymentSettings, Schedule),
) -> ApiResult<Vec<Deployment>> {
    let started_by = caller.map(|Extension(Caller(who))| who).unwrap_or_default();
    let deployments = state
        .store
        .tx(move |tx| {
            let project = Project::find(tx, &project)?
                .ok_or_else(|| ApiError::bad_request(format!("The project '{project}' was not found.")))?;
            let release = versions::key_of(&version)
                .map(|key| Release::find(tx, &project.id, &key))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "The release {version} of the project '{}' was not found.",
                        project.name
                    ))
                })?;
            let mut envs = Vec::new();
            let mut missing = Vec::new();
            for name in &environments {
                match Environment::find(tx, name)? {
                    Some(env) if !envs.iter().any(|e: &Environment| e.id == env.id) => envs.push(env),
                    Some(_) => {}
                    None => missing.push(format!("The environment '{name}' was not found.")),
                }
            }
            if !missing.is_empty() {
                return Err(ApiError::validation(missing));
            }
            create_scheduled_deployments(tx, &release, &envs, &started_by, &settings, schedule)
        })
        .await?;
    state.tasks.notify_queued();
    Ok(deployments)
}

fn server_tasks(deployments: &[Deployment]) -> Value {
    json!({
        "DeploymentServerTasks": deployments.iter().map(|d| json!({ "DeploymentId": d.id, "ServerTaskId": d.task_id })).collect::<Vec<_>>()
    })
}

fn required(field: &str, value: Option<String>) -> ApiResult<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required.")))
}

/// `POST deployments/create/untenanted/v1` -> 200 `{DeploymentServerTasks}`.
pub async fn create_untenanted(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Body(body): Body<CreateV1>,
) -> ApiResult<Response> {
    let project = required("ProjectName", body.project_name)?;
    let version = required("ReleaseVersion", body.release_version)?;
    let options =
        body.options.with_tenants(body.tenants, body.tenant_tags).check(false, jiff::Timestamp::now())?;
    let environments = body.environment_names.unwrap_or_default();
    let deployments = deploy(&state, project, version, environments, caller, options).await?;
    Ok(json(StatusCode::OK, server_tasks(&deployments)))
}

/// `POST deployments/create/tenanted/v1`: this server has no tenants, so any tenant is unknown.
pub async fn create_tenanted(
    State(_state): State<AppState>,
    Body(body): Body<CreateV1>,
) -> ApiResult<Response> {
    required("ProjectName", body.project_name)?;
    required("ReleaseVersion", body.release_version)?;
    required("EnvironmentName", body.environment_name)?;
    let tenants: Vec<String> =
        body.tenants.unwrap_or_default().into_iter().chain(body.tenant_tags.unwrap_or_default()).collect();
    if tenants.is_empty() {
        return Err(ApiError::bad_request("Tenants or TenantTags are required for a tenanted deployment."));
    }
    Err(ApiError::validation(
        tenants
            .iter()
            .map(|t| {
                format!("The tenant '{t}' was not found: this server has no tenants; deploy untenanted.")
            })
            .collect(),
    ))
}

/// Legacy `POST deployments` body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Legacy {
    release_id: Option<String>,
    environment_id: Option<String>,
    tenant_id: Option<String>,
    skip_actions: Option<Vec<String>>,
    specific_machine_ids: Option<Vec<String>>,
    excluded_machine_ids: Option<Vec<String>>,
    force_package_download: Option<bool>,
    use_guided_failure: Option<bool>,
    form_values: Option<std::collections::BTreeMap<String, Value>>,
    queue_time: Option<String>,
    queue_time_expiry: Option<String>,
}

/// Legacy `POST deployments` -> 201 DeploymentResource with `TaskId`.
pub async fn create_legacy(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Body(body): Body<Legacy>,
) -> ApiResult<Response> {
    let release_id = required("ReleaseId", body.release_id)?;
    let environment = required("EnvironmentId", body.environment_id)?;
    if body.tenant_id.is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::bad_request("This server has no tenants; deploy untenanted."));
    }
    let (project, version) = {
        let key = release_id.clone();
        let release = state
            .store
            .call(move |c| Release::by_id(c, &key))
            .await?
            .ok_or_else(|| ApiError::bad_request(format!("The release '{release_id}' was not found.")))?;
        (release.project_id, release.version)
    };
    let options = RequestedOptions::legacy(LegacyOptions {
        skip_actions: body.skip_actions,
        specific_machine_ids: body.specific_machine_ids,
        excluded_machine_ids: body.excluded_machine_ids,
        force_package_download: body.force_package_download,
        use_guided_failure: body.use_guided_failure,
        form_values: body.form_values,
        queue_time: body.queue_time,
        queue_time_expiry: body.queue_time_expiry,
    })
    .check(false, jiff::Timestamp::now())?;
    let deployments = deploy(&state, project, version, vec![environment], caller, options).await?;
    let deployment =
        deployments.into_iter().next().ok_or_else(|| ApiError::internal("no deployment created"))?;
    Ok(json(StatusCode::CREATED, resources::deployment(&deployment, None)))
}

struct Row {
    deployment: Deployment,
    task: Option<Task>,
}

async fn rows(state: &AppState, release: Option<String>) -> ApiResult<Vec<Row>> {
    state
        .store
        .call(move |c| {
            let deployments = match &release {
                Some(id) => Deployment::for_release(c, id)?,
                None => Deployment::all(c)?,
            };
            let tasks: HashMap<String, Task> = Task::all(c)?.into_iter().map(|t| (t.id.clone(), t)).collect();
            Ok(deployments
                .into_iter()
                .map(|d| Row { task: tasks.get(&d.task_id).cloned(), deployment: d })
                .collect())
        })
        .await
}

fn filtered(rows: Vec<Row>, query: &Query) -> Vec<Row> {
    let projects = query.list("projects");
    let environments = query.list("environments");
    let states = query.list("taskState");
    let channels = query.list("channels");
    let any = |list: &Vec<String>, value: &str| {
        list.is_empty() || list.iter().any(|v| v.eq_ignore_ascii_case(value))
    };
    rows.into_iter()
        .filter(|r| query.matches_ids(&r.deployment.id))
        .filter(|r| {
            any(&projects, &r.deployment.project_id) && any(&environments, &r.deployment.environment_id)
        })
        .filter(|r| any(&channels, &r.deployment.channel_id))
        .filter(|r| states.is_empty() || r.task.as_ref().is_some_and(|t| any(&states, &t.state)))
        .collect()
}

/// `GET deployments{?projects,environments,taskState,channels,ids,skip,take}`.
pub async fn list(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let rows = filtered(rows(&state, None).await?, &query);
    let items = rows.iter().map(|r| resources::deployment(&r.deployment, r.task.as_ref())).collect();
    Ok(json(StatusCode::OK, page("Deployment", &format!("{}/deployments", space_base()), items, &query)))
}

/// `GET releases/{id}/deployments`.
pub async fn for_release(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let key = id.clone();
    let release =
        state.store.call(move |c| Release::by_id(c, &key)).await?.ok_or_else(|| ApiError::not_found(&id))?;
    let rows = filtered(rows(&state, Some(release.id.clone())).await?, &query);
    let items = rows.iter().map(|r| resources::deployment(&r.deployment, r.task.as_ref())).collect();
    Ok(json(
        StatusCode::OK,
        page("Deployment", &format!("{}/releases/{}/deployments", space_base(), release.id), items, &query),
    ))
}

/// `GET deployments/{id}`.
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let (deployment, task) = state
        .store
        .call(move |c| {
            let Some(d) = Deployment::by_id(c, &key)? else { return Ok(None) };
            let task = Task::by_id(c, &d.task_id)?;
            Ok(Some((d, task)))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::deployment(&deployment, task.as_ref())))
}

/// `GET dashboard` and `dashboard/dynamic{?projects,environments,includePrevious}`: the latest
/// deployment per project and environment (and the one before with includePrevious).
pub async fn dashboard(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let rows = filtered(rows(&state, None).await?, &query);
    let include_previous = query.bool("includePrevious").unwrap_or(false);
    let (projects, environments, releases) =
        state.store.call(|c| Ok((Project::all(c)?, Environment::all(c)?, Release::list(c, None)?))).await?;
    let versions: HashMap<&str, &str> =
        releases.iter().map(|r| (r.id.as_str(), r.version.as_str())).collect();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut items = Vec::new();
    let mut previous = Vec::new();
    // Rows are newest first.
    for row in &rows {
        let d = &row.deployment;
        let count = seen.entry((d.project_id.clone(), d.environment_id.clone())).or_insert(0);
        *count += 1;
        let Some(task) = &row.task else { continue };
        let version = versions.get(d.release_id.as_str()).copied().unwrap_or("");
        let item = json!({
            "Id": format!("{}-{}", d.project_id, d.environment_id), "ProjectId": d.project_id, "EnvironmentId": d.environment_id,
            "ReleaseId": d.release_id, "DeploymentId": d.id, "TaskId": task.id, "TenantId": null, "ChannelId": d.channel_id,
            "ReleaseVersion": version, "Created": d.created, "QueueTime": task.queue_time, "StartTime": task.start_time,
            "CompletedTime": task.completed_time, "State": task.state, "HasWarningsOrErrors": task.is_completed() && task.state != "Success",
            "ErrorMessage": task.error_message, "Duration": "", "IsCurrent": *count == 1, "IsPrevious": *count == 2,
            "IsCompleted": task.is_completed(), "HasPendingInterruptions": false,
        });
        match *count {
            1 => items.push(item),
            2 if include_previous => previous.push(item),
            _ => {}
        }
    }
    Ok(json(
        StatusCode::OK,
        json!({
            "Projects": projects.iter().map(|p| json!({"Id": p.id, "Name": p.name, "Slug": p.slug, "ProjectGroupId": "ProjectGroups-1", "EnvironmentIds": environments.iter().map(|e| &e.id).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "ProjectGroups": [{"Id": "ProjectGroups-1", "Name": "Default Project Group", "EnvironmentIds": environments.iter().map(|e| &e.id).collect::<Vec<_>>()}],
            "Environments": environments.iter().map(|e| json!({"Id": e.id, "Name": e.name})).collect::<Vec<_>>(),
            "Tenants": [], "Items": items, "PreviousItems": previous, "ProjectLimit": null, "IsFiltered": false,
        }),
    ))
}
