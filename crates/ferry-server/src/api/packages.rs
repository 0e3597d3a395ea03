//! The built-in feed: upload, listing, lookup, download, and the delta endpoints (which answer
//! 404 so clients fall back to a full upload).

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferry_core::if_exists::IfExists;
use ferry_core::version::Version;
use serde_json::{Value, json};

use super::input::Query;
use super::json;
use super::resources::{self, space_base};
use crate::channel::VersionRange;
use crate::errors::{ApiError, ApiResult};
use crate::feed::{parse_overwrite_mode, receive};
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::{BuildInfo, Package};
use crate::versions;

/// The overwrite mode of a push: `overwriteMode`, else legacy `replace=true`, else FailIfExists.
fn push_mode(query: &Query) -> ApiResult<IfExists> {
    if let Some(mode) = query.get("overwriteMode") {
        return parse_overwrite_mode(mode);
    }
    match query.bool("replace") {
        Some(true) => Ok(IfExists::Overwrite),
        _ => Ok(IfExists::Fail),
    }
}

/// `POST packages/raw`: the first multipart part with a file name, whatever the field's name.
pub async fn upload(
    State(state): State<AppState>,
    query: Query,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let mode = push_mode(&query)?;
    let mut multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(format!(
            "A package file must be provided as multipart/form-data: {}",
            rejection.body_text()
        ))
    })?;
    loop {
        let field = multipart.next_field().await.map_err(|err| {
            let status = if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                err.status()
            } else {
                StatusCode::BAD_REQUEST
            };
            ApiError::new(status, format!("The upload could not be read: {}", err.body_text()))
        })?;
        let Some(field) = field else {
            return Err(ApiError::bad_request("A package file must be provided"));
        };
        if field.file_name().is_none() {
            continue;
        }
        let (status, package) = receive(&state, field, mode).await?;
        let pid = package.package_id.clone();
        let key = versions::key_of(&package.version).unwrap_or_default();
        let info = state.store.call(move |c| BuildInfo::find(c, &pid, &key)).await?;
        return Ok(json(status, resources::package(&package, info.as_ref())));
    }
}

async fn with_build_info(state: &AppState, packages: Vec<Package>) -> ApiResult<Vec<Value>> {
    state
        .store
        .call(move |c| {
            packages
                .iter()
                .map(|p| {
                    let info =
                        BuildInfo::find(c, &p.package_id, &versions::key_of(&p.version).unwrap_or_default())?;
                    Ok(resources::package(p, info.as_ref()))
                })
                .collect()
        })
        .await
}

fn sorted_desc(mut packages: Vec<Package>) -> Vec<Package> {
    packages.sort_by(|a, b| {
        a.package_id.to_lowercase().cmp(&b.package_id.to_lowercase()).then_with(|| {
            let (va, vb) = (a.version.parse::<Version>().ok(), b.version.parse::<Version>().ok());
            vb.cmp(&va)
        })
    });
    packages
}

/// `GET packages{?nuGetPackageId,filter,latest,skip,take}`.
pub async fn list(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let id = query.get("nuGetPackageId").or(query.get("packageId")).map(str::to_owned);
    let all = state.store.call(move |c| Package::list(c, id.as_deref())).await?;
    let filter = query.get("filter").map(str::to_lowercase);
    let mut packages: Vec<Package> = sorted_desc(all)
        .into_iter()
        .filter(|p| query.matches_ids(&p.id))
        .filter(|p| match &filter {
            None => true,
            Some(f) => {
                p.package_id.to_lowercase().contains(f) || versions::key_of(&p.version) == versions::key_of(f)
            }
        })
        .collect();
    if query.bool("latest") == Some(true) {
        let mut seen = std::collections::HashSet::new();
        packages.retain(|p| seen.insert(p.package_id.to_lowercase()));
    }
    let items = with_build_info(&state, packages).await?;
    Ok(json(StatusCode::OK, page("Package", &format!("{}/packages", space_base()), items, &query)))
}

/// `GET packages/bulk?ids=`.
pub async fn bulk(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let ids = query.list("ids");
    let found = state
        .store
        .call(move |c| {
            ids.iter().filter_map(|id| Package::by_id(c, id).transpose()).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(json(StatusCode::OK, Value::Array(with_build_info(&state, found).await?)))
}

async fn find(state: &AppState, id: &str) -> ApiResult<Package> {
    let key = id.to_owned();
    state.store.call(move |c| Package::by_id(c, &key)).await?.ok_or_else(|| ApiError::not_found(id))
}

/// `GET packages/{id}` (`packages-X.1.0` or `X.1.0`).
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let package = find(&state, &id).await?;
    let items = with_build_info(&state, vec![package]).await?;
    Ok(json(StatusCode::OK, items.into_iter().next().unwrap_or(Value::Null)))
}

/// `GET packages/{id}/raw`: the file.
pub async fn download(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let package = find(&state, &id).await?;
    let file = tokio::fs::File::open(state.data_dir.join(&package.file)).await?;
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(value) = HeaderValue::from_str(&package.size.to_string()) {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    let name =
        format!("attachment; filename=\"{}.{}{}\"", package.package_id, package.version, package.format);
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET packages/{id}/{version}/delta-signature`: always 404 (no delta; clients upload in full).
pub async fn delta_signature(Path((id, version)): Path<(String, String)>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "No previous version of {id} is available for a delta upload of {version}; upload the full package."
        ),
    )
}

/// `POST packages/{id}/{version}/delta`: not supported.
pub async fn delta_upload(Path((id, _)): Path<(String, String)>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Delta uploads are not supported; upload {id} in full to packages/raw."),
    )
}

fn builtin_feed() -> Value {
    let base = space_base();
    json!({
        "Id": "feeds-builtin", "Name": "Octopus Server (built-in)", "Slug": "octopus-server-built-in", "FeedType": "BuiltIn",
        "SpaceId": super::SPACE_ID, "IsBuiltInRepoSyncEnabled": false, "DeleteUnreleasedPackagesAfterDays": null,
        "PackageAcquisitionLocationOptions": ["Server"],
        "Links": {
            "Self": format!("{base}/feeds/feeds-builtin"),
            "SearchPackageVersionsTemplate": format!("{base}/feeds/feeds-builtin/packages/versions{{?packageId,take,skip,includePreRelease,versionRange,preReleaseTag,filter,includeReleaseNotes}}"),
        }
    })
}

fn is_builtin(id: &str) -> bool {
    id.eq_ignore_ascii_case("feeds-builtin") || id.eq_ignore_ascii_case("builtin")
}

/// `GET feeds`.
pub async fn feeds(query: Query) -> Response {
    let items = if query.matches_ids("feeds-builtin") { vec![builtin_feed()] } else { vec![] };
    json(StatusCode::OK, page("Feed", &format!("{}/feeds", space_base()), items, &query))
}

/// `GET feeds/all`.
pub async fn feeds_all() -> Response {
    json(StatusCode::OK, Value::Array(vec![builtin_feed()]))
}

/// `GET feeds/{id}`.
pub async fn feed(Path(id): Path<String>) -> ApiResult<Response> {
    if is_builtin(&id) { Ok(json(StatusCode::OK, builtin_feed())) } else { Err(ApiError::not_found(id)) }
}

/// `GET feeds/{id}/packages/versions?packageId=&versionRange=&preReleaseTag=&includePreRelease=`.
pub async fn feed_versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Query,
) -> ApiResult<Response> {
    if !is_builtin(&id) {
        return Err(ApiError::not_found(id));
    }
    let package_id =
        query.get("packageId").ok_or_else(|| ApiError::bad_request("packageId is required"))?.to_owned();
    let range = match query.get("versionRange") {
        Some(text) => Some(VersionRange::parse(text).map_err(ApiError::bad_request)?),
        None => None,
    };
    let tag = match query.get("preReleaseTag") {
        Some(text) => Some(
            regex::Regex::new(text).map_err(|err| ApiError::bad_request(format!("preReleaseTag: {err}")))?,
        ),
        None => None,
    };
    let include_pre = query.bool("includePreRelease").unwrap_or(tag.is_some());
    let pid = package_id.clone();
    let all = sorted_desc(state.store.call(move |c| Package::list(c, Some(&pid))).await?);
    let items: Vec<Value> = all
        .iter()
        .filter_map(|p| p.version.parse::<Version>().ok().map(|v| (p, v)))
        .filter(|(_, v)| range.as_ref().is_none_or(|r| r.contains(v)))
        .filter(|(_, v)| match &tag {
            Some(tag) => tag.is_match(v.prerelease().unwrap_or("")),
            None => include_pre || !v.is_prerelease(),
        })
        .map(|(p, _)| {
            json!({ "Id": p.id, "PackageId": p.package_id, "Version": p.version, "Published": p.published,
                    "SizeBytes": p.size, "Title": p.title.clone().unwrap_or_else(|| p.package_id.clone()), "FeedId": "feeds-builtin",
                    "Links": { "Self": format!("{}/packages/{}", space_base(), p.id) } })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        page(
            "PackageVersion",
            &format!("{}/feeds/feeds-builtin/packages/versions", space_base()),
            items,
            &query,
        ),
    ))
}
