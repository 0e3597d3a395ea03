//! The root document, the space root, spaces and the current user.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::input::Query;
use super::resources::{space, space_base};
use super::{SPACE_ID, json};
use crate::errors::{ApiError, ApiResult};
use crate::paging::page;
use crate::state::AppState;

/// The version the root document reports: valid 3-part semver above 2022.3.5512, which the
/// TypeScript client requires before it uses the executions API.
pub const OCTOPUS_VERSION: &str = "2025.2.1000";

fn space_links(base: &str) -> Map<String, Value> {
    let mut links = Map::new();
    let mut add = |name: &str, value: String| {
        links.insert(name.into(), Value::from(value));
    };
    add("Self", base.to_owned());
    add(
        "Projects",
        format!("{base}/projects{{/id}}{{?name,skip,ids,clone,take,partialName,clonedFromProjectId}}"),
    );
    add("ProjectsAll", format!("{base}/projects/all"));
    add("Environments", format!("{base}/environments{{/id}}{{?name,skip,ids,take,partialName}}"));
    add("EnvironmentsAll", format!("{base}/environments/all"));
    add("Channels", format!("{base}/channels{{/id}}{{?skip,take,ids,partialName}}"));
    add("Releases", format!("{base}/releases{{/id}}{{?skip,ignoreChannelRules,take,ids}}"));
    add("CreateReleaseCommandV1", format!("{base}/releases/create/v1"));
    add(
        "Deployments",
        format!(
            "{base}/deployments{{/id}}{{?skip,take,ids,projects,environments,tenants,channels,taskState,partialName}}"
        ),
    );
    add("CreateDeploymentUntenantedCommandV1", format!("{base}/deployments/create/untenanted/v1"));
    add("CreateDeploymentTenantedCommandV1", format!("{base}/deployments/create/tenanted/v1"));
    add("DeploymentProcesses", format!("{base}/deploymentprocesses{{/id}}{{?skip,take,ids}}"));
    add("Lifecycles", format!("{base}/lifecycles{{/id}}{{?skip,take,ids,partialName}}"));
    add(
        "Tenants",
        format!(
            "{base}/tenants{{/id}}{{?skip,projectId,name,tags,take,ids,clone,partialName,clonedFromTenantId}}"
        ),
    );
    add("ProjectGroups", format!("{base}/projectgroups{{/id}}{{?skip,take,ids,partialName}}"));
    add("Feeds", format!("{base}/feeds{{/id}}{{?skip,take,ids,partialName,feedType,name}}"));
    add("Tasks", "/api/tasks{/id}{?skip,active,environment,tenant,runbook,project,name,node,running,states,hasPendingInterruptions,hasWarningsOrErrors,take,ids,partialName,spaces,includeSystem}".into());
    add(
        "Packages",
        format!("{base}/packages{{/id}}{{?nuGetPackageId,filter,latest,skip,take,includeNotes}}"),
    );
    add("PackagesBulk", format!("{base}/packages/bulk{{?ids}}"));
    add("PackageUpload", format!("{base}/packages/raw{{?replace,overwriteMode}}"));
    add("PackageDeltaSignature", format!("{base}/packages/{{packageId}}/{{version}}/delta-signature"));
    add(
        "PackageDeltaUpload",
        format!("{base}/packages/{{packageId}}/{{baseVersion}}/delta{{?replace,overwriteMode}}"),
    );
    add(
        "BuildInformation",
        format!("{base}/build-information{{/id}}{{?packageId,filter,latest,skip,take,overwriteMode}}"),
    );
    add("BuildInformationBulk", format!("{base}/build-information/bulk{{?ids}}"));
    add(
        "Dashboard",
        format!(
            "{base}/dashboard{{?projectId,releaseId,selectedTenants,selectedTags,showAll,highestLatestVersionPerProjectAndEnvironment}}"
        ),
    );
    add("DashboardDynamic", format!("{base}/dashboard/dynamic{{?projects,environments,includePrevious}}"));
    add("Spaces", "/api/spaces{/id}{?skip,ids,take,partialName}".into());
    add("SpaceHome", "/api/{spaceId}".into());
    add("CurrentUser", "/api/users/me".into());
    add("Users", "/api/users{/id}{?skip,take,ids,filter}".into());
    links
}

fn document(links: Map<String, Value>, state: &AppState) -> Value {
    json!({
        "Application": "Octopus Deploy",
        "Version": OCTOPUS_VERSION,
        "ApiVersion": "3.0.0",
        "InstallationId": state.installation_id,
        "IsEarlyAccessProgram": false,
        "HasLongTermSupport": true,
        "ServerName": "Ferry",
        "Links": links,
    })
}

/// `GET /api`.
pub async fn root(State(state): State<AppState>) -> Response {
    let mut links = space_links(&space_base());
    links.insert("Self".into(), Value::from("/api"));
    json(StatusCode::OK, document(links, &state))
}

/// `GET /api/{spaceId}`.
pub async fn space_root(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, document(space_links(&space_base()), &state))
}

/// `GET /api/spaces` (paged).
pub async fn spaces(query: Query) -> Response {
    let items: Vec<Value> =
        if query.matches_name("Default") && query.matches_ids(SPACE_ID) { vec![space()] } else { vec![] };
    json(StatusCode::OK, page("Space", "/api/spaces", items, &query))
}

/// `GET /api/spaces/all` (array).
pub async fn spaces_all() -> Response {
    json(StatusCode::OK, Value::Array(vec![space()]))
}

/// `GET /api/spaces/{idOrName}`.
pub async fn space_one(Path(id): Path<String>) -> ApiResult<Response> {
    if id.eq_ignore_ascii_case(SPACE_ID) || id.eq_ignore_ascii_case("Default") {
        Ok(json(StatusCode::OK, space()))
    } else {
        Err(ApiError::not_found(id))
    }
}

/// `GET /api/users/me`.
pub async fn me() -> Response {
    json(
        StatusCode::OK,
        json!({
            "Id": "Users-1", "Username": "ferry", "DisplayName": "Ferry", "IsActive": true, "IsService": true,
            "EmailAddress": "", "CanPasswordBeEdited": false, "IsRequestor": false,
            "Links": { "Self": "/api/users/Users-1", "Spaces": "/api/users/Users-1/spaces", "Permissions": "/api/users/Users-1/permissions" }
        }),
    )
}
