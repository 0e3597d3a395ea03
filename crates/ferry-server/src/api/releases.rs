//! Releases: the executions API `releases/create/v1`, legacy `POST releases`, lookups,
//! progression and the deployment template/preview.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{Body, Query};
use super::json;
use super::resources::{self, space_base};
use crate::deploy::{ReleaseRequest, create_release};
use crate::errors::{ApiError, ApiResult};
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::{Channel, Environment, Project, Release};
use crate::versions;

/// `releases/create/v1` body (keys snake_case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateV1 {
    project_name: Option<String>,
    channel_name: Option<String>,
    release_version: Option<String>,
    package_version: Option<String>,
    packages: Option<Vec<String>>,
    release_notes: Option<String>,
    ignore_if_already_exists: Option<bool>,
    ignore_channel_rules: Option<bool>,
    package_prerelease: Option<String>,
    custom_fields: Option<Value>,
    git_ref: Option<String>,
    git_commit: Option<String>,
}

async fn run_create(state: &AppState, request: ReleaseRequest) -> ApiResult<crate::deploy::ReleaseOutcome> {
    let outcome = state.store.tx(move |tx| create_release(tx, &request)).await?;
    if !outcome.existing {
        tracing::info!(release = %outcome.release.id, version = %outcome.release.version, "release created");
        queue_automatic_deployments(state, outcome.release.clone());
    }
    Ok(outcome)
}

/// Create the release's automatic deployments after the answer, in their own transaction, as
/// Octopus does: a client cannot find them in the create answer, and must look for them a moment
/// later before deciding to deploy itself.
fn queue_automatic_deployments(state: &AppState, release: Release) {
    let runner = state.clone();
    let state = state.clone();
    let job = tokio::spawn(async move {
        tokio::time::sleep(state.limits.automatic_deployment_delay).await;
        let id = release.id.clone();
        match state.store.tx(move |tx| crate::deploy::auto_deploy(tx, &release)).await {
            Ok(tasks) if !tasks.is_empty() => {
                tracing::info!(release = %id, tasks = ?tasks, "automatic deployments queued");
                state.tasks.notify_queued();
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(release = %id, error = %err, "could not queue the automatic deployments")
            }
        }
    });
    runner.tasks.track_queuing(job);
}

/// `POST releases/create/v1` -> 201 `{ReleaseId, ReleaseVersion}` (200 for an existing one).
pub async fn create_v1(State(state): State<AppState>, Body(body): Body<CreateV1>) -> ApiResult<Response> {
    let project = body
        .project_name
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("ProjectName is required."))?;
    check_git_reference(&state, &project, &body).await?;
    let request = ReleaseRequest {
        project,
        channel: body.channel_name,
        version: body.release_version,
        package_version: body.package_version,
        packages: body.packages.unwrap_or_default(),
        notes: body.release_notes,
        ignore_if_exists: body.ignore_if_already_exists.unwrap_or(false),
        ignore_channel_rules: body.ignore_channel_rules.unwrap_or(false),
        package_prerelease: body.package_prerelease.filter(|p| !p.trim().is_empty()),
        custom_fields: body.custom_fields.unwrap_or(Value::Null),
        git_ref: body.git_ref.filter(|r| !r.trim().is_empty()),
        git_commit: body.git_commit.filter(|c| !c.trim().is_empty()),
    };
    let outcome = run_create(&state, request).await?;
    let status = if outcome.existing { StatusCode::OK } else { StatusCode::CREATED };
    Ok(json(status, json!({ "ReleaseId": outcome.release.id, "ReleaseVersion": outcome.release.version })))
}

/// Octopus's rule for `GitRef`/`GitCommit`: required (the ref) for a config-as-code project, and
/// refused for a database one; "the command fails either way round" (API reference, Releases).
async fn check_git_reference(state: &AppState, project: &str, body: &CreateV1) -> ApiResult<()> {
    let given = |field: &Option<String>| field.as_deref().is_some_and(|r| !r.trim().is_empty());
    let key = project.to_owned();
    // An unknown project is answered by the creation itself (404 naming it).
    let Some(found) = state.store.call(move |c| Project::find(c, &key)).await? else {
        return Ok(());
    };
    match (found.version_controlled, given(&body.git_ref), given(&body.git_commit)) {
        (true, false, _) => Err(ApiError::validation(vec![format!(
            "GitRef is required: the project '{}' is version-controlled, so a release names the Git ref (a branch or tag) its deployment process comes from.",
            found.name
        )])),
        (false, true, _) | (false, _, true) => Err(ApiError::validation(vec![format!(
            "The project '{}' is not version-controlled: GitRef and GitCommit must not be given.",
            found.name
        )])),
        _ => Ok(()),
    }
}

/// A selected package in a legacy release body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LegacySelected {
    action_name: Option<String>,
    step_name: Option<String>,
    package_reference_name: Option<String>,
    version: Option<String>,
}

/// Legacy `POST releases` body (a ReleaseResource).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LegacyRelease {
    version: Option<String>,
    project_id: Option<String>,
    channel_id: Option<String>,
    release_notes: Option<String>,
    selected_packages: Option<Vec<LegacySelected>>,
}

/// Legacy `POST releases?ignoreChannelRules=` -> 201 release.
pub async fn create_legacy(
    State(state): State<AppState>,
    query: Query,
    Body(body): Body<LegacyRelease>,
) -> ApiResult<Response> {
    let project = body
        .project_id
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("ProjectId is required."))?;
    let mut packages = Vec::new();
    for selected in body.selected_packages.unwrap_or_default() {
        let step = selected
            .action_name
            .or(selected.step_name)
            .or(selected.package_reference_name)
            .unwrap_or_default();
        let version = selected.version.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            ApiError::bad_request("A version must be specified for every included package.")
        })?;
        packages.push(format!("{}:{version}", if step.is_empty() { "*" } else { &step }));
    }
    let request = ReleaseRequest {
        project,
        channel: body.channel_id,
        version: Some(
            body.version
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| ApiError::bad_request("Version is required."))?,
        ),
        packages,
        notes: body.release_notes,
        ignore_channel_rules: query.bool("ignoreChannelRules").unwrap_or(false),
        custom_fields: Value::Null,
        ..ReleaseRequest::default()
    };
    let outcome = run_create(&state, request).await?;
    Ok(json(StatusCode::CREATED, resources::release(&outcome.release)))
}

fn search(releases: Vec<Release>, query: &Query) -> Vec<Value> {
    let needle = query.get("searchByVersion").map(str::to_lowercase);
    releases
        .iter()
        .filter(|r| query.matches_ids(&r.id))
        .filter(|r| needle.as_ref().is_none_or(|n| r.version.to_lowercase().contains(n)))
        .map(resources::release)
        .collect()
}

/// `GET releases`.
pub async fn list(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Release::list(c, None)).await?;
    Ok(json(
        StatusCode::OK,
        page("Release", &format!("{}/releases", space_base()), search(all, &query), &query),
    ))
}

async fn find(state: &AppState, id: &str) -> ApiResult<Release> {
    let key = id.to_owned();
    state.store.call(move |c| Release::by_id(c, &key)).await?.ok_or_else(|| ApiError::not_found(id))
}

/// `GET releases/{id}`.
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(json(StatusCode::OK, resources::release(&find(&state, &id).await?)))
}

/// `GET projects/{id}/releases`.
pub async fn project_releases(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let (project, releases) = state
        .store
        .call(move |c| {
            let project = Project::get(c, &id)?;
            let releases = Release::list(c, Some(&project.id))?;
            Ok((project, releases))
        })
        .await?;
    let base = format!("{}/projects/{}/releases", space_base(), project.id);
    Ok(json(StatusCode::OK, page("Release", &base, search(releases, &query), &query)))
}

/// `GET projects/{id}/releases/{version}`.
pub async fn project_release(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let shown = version.clone();
    let release = state
        .store
        .call(move |c| {
            let project = Project::get(c, &id)?;
            let Some(key) = versions::key_of(&version) else { return Ok(None) };
            Release::find(c, &project.id, &key)
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("release {shown}")))?;
    Ok(json(StatusCode::OK, resources::release(&release)))
}

/// `GET channels/{id}/releases`.
pub async fn channel_releases(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let key = id.clone();
    let (channel, releases) = state
        .store
        .call(move |c| {
            let channel = Channel::by_id(c, &key)?.ok_or_else(|| ApiError::not_found(&key))?;
            let releases = Release::list(c, Some(&channel.project_id))?
                .into_iter()
                .filter(|r| r.channel_id == channel.id)
                .collect();
            Ok((channel, releases))
        })
        .await?;
    let base = format!("{}/channels/{}/releases", space_base(), channel.id);
    Ok(json(StatusCode::OK, page("Release", &base, search(releases, &query), &query)))
}

/// `GET releases/{id}/progression`.
pub async fn progression(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let release = find(&state, &id).await?;
    let body = state.store.call(move |c| resources::progression(c, &release)).await?;
    Ok(json(StatusCode::OK, body))
}

/// `GET releases/{id}/deployments/template`.
pub async fn deployment_template(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let release = find(&state, &id).await?;
    let promote = state
        .store
        .call(move |c| {
            let (_, progression, _) = crate::deploy::progression(c, &release)?;
            resources::promote_to(c, &release, &progression)
        })
        .await?;
    Ok(json(
        StatusCode::OK,
        json!({
            "IsDeploymentProcessModified": false, "IsVariableSetModified": false, "IsLibraryVariableSetModified": false,
            "DeploymentNotes": null, "PromoteTo": promote, "TenantPromotions": [],
        }),
    ))
}

/// `GET releases/{id}/deployments/preview/{environmentId}`.
pub async fn deployment_preview(
    State(state): State<AppState>,
    Path((id, env)): Path<(String, String)>,
) -> ApiResult<Response> {
    let release = find(&state, &id).await?;
    let project_id = release.project_id.clone();
    let (project, environment) = state
        .store
        .call(move |c| {
            Ok((
                Project::get(c, &project_id)?,
                Environment::find(c, &env)?.ok_or_else(|| ApiError::not_found(&env))?,
            ))
        })
        .await?;
    let steps: Vec<Value> = project
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            json!({ "ActionId": format!("action-{}-{}", project.id, i + 1), "ActionName": step, "ActionNumber": (i + 1).to_string(),
                    "Roles": [], "Machines": [], "UnavailableMachines": [], "ExcludedMachines": [], "CanBeSkipped": true,
                    "IsDisabled": false, "HasNoApplicableMachines": false })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({
            "StepsToExecute": steps, "Form": { "Values": {}, "Elements": [] }, "UseGuidedFailureModeByDefault": false,
            "Changes": [], "ChangesMarkdown": "", "EnvironmentId": environment.id,
        }),
    ))
}
