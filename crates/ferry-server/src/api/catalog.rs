//! Projects, environments, lifecycles, channels and deployment processes (read-only: they are
//! declared in `ferry.toml`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::input::Query;
use super::json;
use super::resources::{self, space_base};
use crate::errors::{ApiError, ApiResult};
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::{Channel, Environment, Lifecycle, Project, Release};

fn filter<T>(items: Vec<T>, query: &Query, id: impl Fn(&T) -> &str, name: impl Fn(&T) -> &str) -> Vec<T> {
    items.into_iter().filter(|item| query.matches_ids(id(item)) && query.matches_name(name(item))).collect()
}

/// `GET projects`.
pub async fn projects(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Project::all(c)).await?;
    let items = filter(all, &query, |p| &p.id, |p| &p.name).iter().map(resources::project).collect();
    Ok(json(StatusCode::OK, page("Project", &format!("{}/projects", space_base()), items, &query)))
}

/// `GET projects/all`.
pub async fn projects_all(State(state): State<AppState>) -> ApiResult<Response> {
    let all = state.store.call(|c| Project::all(c)).await?;
    Ok(json(StatusCode::OK, Value::Array(all.iter().map(resources::project).collect())))
}

async fn find_project(state: &AppState, key: String) -> ApiResult<Project> {
    state.store.call(move |c| Project::get(c, &key)).await
}

/// `GET projects/{id|slug}`.
pub async fn project(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(json(StatusCode::OK, resources::project(&find_project(&state, id).await?)))
}

/// `GET projects/{id}/channels`.
pub async fn project_channels(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let project = find_project(&state, id).await?;
    let pid = project.id.clone();
    let channels = state.store.call(move |c| Channel::list(c, Some(&pid))).await?;
    let items = filter(channels, &query, |c| &c.id, |c| &c.name).iter().map(resources::channel).collect();
    Ok(json(
        StatusCode::OK,
        page("Channel", &format!("{}/projects/{}/channels", space_base(), project.id), items, &query),
    ))
}

/// A config-as-code project's process lives in Git: Octopus serves it only at the ref-scoped
/// routes, and a database project's has no ref.
fn check_scope(project: &Project, git_ref: Option<&str>) -> ApiResult<()> {
    match (project.version_controlled, git_ref) {
        (true, None) => Err(ApiError::validation(vec![format!(
            "The project '{}' is version-controlled: read its deployment process at a Git ref (projects/{}/{{gitRef}}/deploymentprocesses, as its DeploymentProcess link says).",
            project.name, project.id
        )])),
        (false, Some(_)) => Err(ApiError::validation(vec![format!(
            "The project '{}' is not version-controlled: its deployment process has no Git ref.",
            project.name
        )])),
        _ => Ok(()),
    }
}

/// The project `id`, checked against the route's Git ref (see [`check_scope`]).
async fn project_at(state: &AppState, id: String, git_ref: Option<&str>) -> ApiResult<Project> {
    let project = find_project(state, id).await?;
    check_scope(&project, git_ref)?;
    Ok(project)
}

/// `GET projects/{id}/deploymentprocesses`.
pub async fn project_process(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let project = project_at(&state, id, None).await?;
    Ok(json(StatusCode::OK, resources::process(&project, None)))
}

/// `GET projects/{id}/{gitRef}/deploymentprocesses` (config-as-code projects). The process is
/// the one declared in ferry.toml whatever the ref: Ferry does not read Git.
pub async fn project_process_at_ref(
    State(state): State<AppState>,
    Path((id, git_ref)): Path<(String, String)>,
) -> ApiResult<Response> {
    let project = project_at(&state, id, Some(&git_ref)).await?;
    Ok(json(StatusCode::OK, resources::process(&project, Some(&git_ref))))
}

/// `GET projects/{id}/deploymentsettings`.
pub async fn project_settings(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    settings(&find_project(&state, id).await?)
}

/// `GET projects/{id}/{gitRef}/deploymentsettings` (config-as-code projects: their
/// `DeploymentSettings` link is ref-scoped like the process).
pub async fn project_settings_at_ref(
    State(state): State<AppState>,
    Path((id, git_ref)): Path<(String, String)>,
) -> ApiResult<Response> {
    settings(&project_at(&state, id, Some(&git_ref)).await?)
}

fn settings(project: &Project) -> ApiResult<Response> {
    Ok(json(
        StatusCode::OK,
        json!({
            "Id": format!("deploymentsettings-{}", project.id), "ProjectId": project.id, "SpaceId": super::SPACE_ID,
            "ConnectivityPolicy": { "AllowDeploymentsToNoTargets": true, "SkipMachineBehavior": "None", "TargetRoles": [], "ExcludeUnhealthyTargets": false },
            "VersioningStrategy": { "Template": "#{Octopus.Version.LastMajor}.#{Octopus.Version.LastMinor}.#{Octopus.Version.NextPatch}", "DonorPackage": null },
            "ReleaseNotesTemplate": null, "DefaultGuidedFailureMode": "EnvironmentDefault", "DefaultToSkipIfAlreadyInstalled": false,
            "Links": { "Self": format!("{}/projects/{}/deploymentsettings", space_base(), project.id) }
        }),
    ))
}

/// The release template: next version and per-step package information.
async fn template(state: &AppState, project: Project, channel: Option<String>) -> ApiResult<Value> {
    state
        .store
        .call(move |c| {
            let channels = Channel::list(c, Some(&project.id))?;
            let channel = match channel.filter(|s| !s.is_empty()) {
                Some(key) => Channel::find(c, &project.id, &key)?.ok_or_else(|| ApiError::not_found(&key))?,
                None => channels.into_iter().next().ok_or_else(|| ApiError::bad_request("The project has no channel."))?,
            };
            let releases = Release::list(c, Some(&project.id))?;
            let last = releases.first();
            let next = crate::deploy::next_version(c, &project, &channel)?;
            let request = crate::deploy::ReleaseRequest::default();
            let mut packages = Vec::new();
            for step in &project.steps {
                let latest = crate::deploy::latest_allowed(c, &channel, step, &request)?;
                let last_selected =
                    last.and_then(|r| r.selected.iter().find(|p| p.step.eq_ignore_ascii_case(step))).map(|p| p.version.clone());
                packages.push(json!({
                    "ActionName": step, "StepName": step, "PackageReferenceName": "", "PackageId": step,
                    "FeedId": "feeds-builtin", "FeedName": "Octopus Server (built-in)", "NuGetPackageId": step, "NuGetFeedId": "feeds-builtin",
                    "IsResolvable": true, "VersionSelectedLastRelease": last_selected, "FixedVersion": "", "LatestVersion": latest,
                }));
            }
            Ok(json!({
                "DeploymentProcessId": resources::process_id(&project),
                "LastReleaseVersion": last.map(|r| r.version.clone()),
                "NextVersionIncrement": next,
                "VersioningPackageStepName": null, "VersioningPackageReferenceName": null,
                "Packages": packages, "GitResources": [],
            }))
        })
        .await
}

/// `GET projects/{id}/deploymentprocesses/template?channel=`.
pub async fn project_template(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let project = project_at(&state, id, None).await?;
    let body = template(&state, project, query.get("channel").map(str::to_owned)).await?;
    Ok(json(StatusCode::OK, body))
}

/// `GET projects/{id}/{gitRef}/deploymentprocesses/template?channel=` (config-as-code projects).
pub async fn project_template_at_ref(
    State(state): State<AppState>,
    Path((id, git_ref)): Path<(String, String)>,
    query: Query,
) -> ApiResult<Response> {
    let project = project_at(&state, id, Some(&git_ref)).await?;
    let body = template(&state, project, query.get("channel").map(str::to_owned)).await?;
    Ok(json(StatusCode::OK, body))
}

fn project_of_process(id: &str) -> String {
    id.strip_prefix("deploymentprocess-").unwrap_or(id).to_owned()
}

/// `GET deploymentprocesses`.
pub async fn processes(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Project::all(c)).await?;
    let items = all
        .iter()
        .filter(|p| query.matches_ids(&resources::process_id(p)))
        .map(|p| resources::process(p, None))
        .collect();
    Ok(json(
        StatusCode::OK,
        page("DeploymentProcess", &format!("{}/deploymentprocesses", space_base()), items, &query),
    ))
}

/// `GET deploymentprocesses/{id}`.
pub async fn process(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let project =
        find_project(&state, project_of_process(&id)).await.map_err(|_| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::process(&project, None)))
}

/// `GET deploymentprocesses/{id}/template`.
pub async fn process_template(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    let project =
        find_project(&state, project_of_process(&id)).await.map_err(|_| ApiError::not_found(&id))?;
    let body = template(&state, project, query.get("channel").map(str::to_owned)).await?;
    Ok(json(StatusCode::OK, body))
}

/// `GET environments`.
pub async fn environments(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Environment::all(c)).await?;
    let items = filter(all, &query, |e| &e.id, |e| &e.name).iter().map(resources::environment).collect();
    Ok(json(StatusCode::OK, page("Environment", &format!("{}/environments", space_base()), items, &query)))
}

/// `GET environments/all`.
pub async fn environments_all(State(state): State<AppState>) -> ApiResult<Response> {
    let all = state.store.call(|c| Environment::all(c)).await?;
    Ok(json(StatusCode::OK, Value::Array(all.iter().map(resources::environment).collect())))
}

/// `GET environments/{id|name}`.
pub async fn environment(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let env = state
        .store
        .call(move |c| Environment::find(c, &key))
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::environment(&env)))
}

/// `GET lifecycles`.
pub async fn lifecycles(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Lifecycle::all(c)).await?;
    let items = filter(all, &query, |l| &l.id, |l| &l.name).iter().map(resources::lifecycle).collect();
    Ok(json(StatusCode::OK, page("Lifecycle", &format!("{}/lifecycles", space_base()), items, &query)))
}

/// `GET lifecycles/all`.
pub async fn lifecycles_all(State(state): State<AppState>) -> ApiResult<Response> {
    let all = state.store.call(|c| Lifecycle::all(c)).await?;
    Ok(json(StatusCode::OK, Value::Array(all.iter().map(resources::lifecycle).collect())))
}

/// `GET lifecycles/{id|name}`.
pub async fn lifecycle(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let found =
        state.store.call(move |c| Lifecycle::find(c, &key)).await?.ok_or_else(|| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::lifecycle(&found)))
}

/// `GET channels`.
pub async fn channels(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let all = state.store.call(|c| Channel::list(c, None)).await?;
    let items = filter(all, &query, |c| &c.id, |c| &c.name).iter().map(resources::channel).collect();
    Ok(json(StatusCode::OK, page("Channel", &format!("{}/channels", space_base()), items, &query)))
}

/// `GET channels/all`.
pub async fn channels_all(State(state): State<AppState>) -> ApiResult<Response> {
    let all = state.store.call(|c| Channel::list(c, None)).await?;
    Ok(json(StatusCode::OK, Value::Array(all.iter().map(resources::channel).collect())))
}

/// `GET channels/{id}`.
pub async fn channel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let found =
        state.store.call(move |c| Channel::by_id(c, &key)).await?.ok_or_else(|| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::channel(&found)))
}

/// `GET tenants`: this server has no tenants (an empty page).
pub async fn tenants(query: Query) -> Response {
    json(StatusCode::OK, page("Tenant", &format!("{}/tenants", space_base()), Vec::new(), &query))
}

/// `GET tenants/all`.
pub async fn tenants_all() -> Response {
    json(StatusCode::OK, Value::Array(Vec::new()))
}

fn project_group() -> Value {
    json!({
        "Id": "ProjectGroups-1", "Name": "Default Project Group", "Slug": "default-project-group", "Description": "",
        "SpaceId": super::SPACE_ID, "EnvironmentIds": [], "RetentionPolicyId": null,
        "Links": { "Self": format!("{}/projectgroups/ProjectGroups-1", space_base()), "Projects": format!("{}/projectgroups/ProjectGroups-1/projects", space_base()) }
    })
}

/// `GET projectgroups`: every project is in the default group.
pub async fn project_groups(query: Query) -> Response {
    let items = if query.matches_ids("ProjectGroups-1") && query.matches_name("Default Project Group") {
        vec![project_group()]
    } else {
        vec![]
    };
    json(StatusCode::OK, page("ProjectGroup", &format!("{}/projectgroups", space_base()), items, &query))
}

/// `GET projectgroups/all`.
pub async fn project_groups_all() -> Response {
    json(StatusCode::OK, Value::Array(vec![project_group()]))
}
