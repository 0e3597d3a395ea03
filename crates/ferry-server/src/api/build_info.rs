//! Build information: push (query `overwriteMode` first, then body `OverwriteMode`, else
//! FailIfExists; 409 on a duplicate), listing and lookup.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ferry_core::if_exists::IfExists;
use ferry_core::version::Version;
use rusqlite::params;
use serde::Deserialize;
use serde_json::Value;

use super::input::{Body, Query};
use super::json;
use super::resources::{self, space_base};
use crate::errors::{ApiError, ApiResult};
use crate::feed::parse_overwrite_mode;
use crate::paging::page;
use crate::state::AppState;
use crate::store::model::BuildInfo;
use crate::store::{next_id, now};
use crate::versions;

/// The push body (keys already snake_case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PushBody {
    package_id: Option<String>,
    version: Option<String>,
    octopus_build_information: Option<Value>,
    overwrite_mode: Option<String>,
    replace: Option<bool>,
}

/// `POST build-information`.
pub async fn push(
    State(state): State<AppState>,
    query: Query,
    Body(body): Body<PushBody>,
) -> ApiResult<Response> {
    let mode = match (query.get("overwriteMode"), &body.overwrite_mode, body.replace) {
        (Some(mode), _, _) => parse_overwrite_mode(mode)?,
        (None, Some(mode), _) if !mode.trim().is_empty() => parse_overwrite_mode(mode)?,
        (_, _, Some(true)) => IfExists::Overwrite,
        _ => IfExists::Fail,
    };
    let package_id = body.package_id.unwrap_or_default();
    let package_id = ferry_core::package_id::PackageId::new(package_id.trim())
        .map_err(|err| ApiError::bad_request(format!("The package ID is invalid: {err}")))?;
    let version = versions::parse("Version", body.version.as_deref().unwrap_or(""))?;
    let mut info = body.octopus_build_information.unwrap_or_else(|| Value::Object(Default::default()));
    if !info.is_object() {
        return Err(ApiError::bad_request("OctopusBuildInformation must be an object."));
    }
    if info.get("commits").is_some_and(|c| !c.is_array()) {
        return Err(ApiError::bad_request("OctopusBuildInformation.Commits must be a list."));
    }
    if let Some(map) = info.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    let key = versions::key(&version);
    let (pid, vtext) = (package_id.as_str().to_owned(), version.to_string());
    let (status, row) = state
        .store
        .tx(move |tx| {
            let body_text = info.to_string();
            if let Some(existing) = BuildInfo::find(tx, &pid, &key)? {
                return match mode {
                    IfExists::Fail => Err(ApiError::conflict(
                        "Metadata for the specified Package ID and version already exists. To proceed anyway, specify an \
                         overwriteMode of OverwriteExisting or IgnoreIfExists.",
                    )),
                    IfExists::Ignore => Ok((StatusCode::OK, existing)),
                    IfExists::Overwrite => {
                        let created = now();
                        tx.execute(
                            "UPDATE build_information SET version = ?2, body = ?3, created = ?4 WHERE id = ?1",
                            params![existing.id, vtext, body_text, created],
                        )?;
                        Ok((StatusCode::OK, BuildInfo { version: vtext, body: info, created, ..existing }))
                    }
                };
            }
            let id = next_id(tx, "BuildInformation")?;
            let created = now();
            tx.execute(
                "INSERT INTO build_information(id, package_id, version, version_key, body, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, pid, vtext, key, body_text, created],
            )?;
            Ok((StatusCode::OK, BuildInfo { id, package_id: pid, version: vtext, body: info, created }))
        })
        .await?;
    Ok(json(status, resources::build_information(&row)))
}

/// `GET build-information{?packageId,filter,latest,skip,take}`.
pub async fn list(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let package_id = query.get("packageId").map(str::to_owned);
    let mut all = state.store.call(move |c| BuildInfo::list(c, package_id.as_deref())).await?;
    all.sort_by(|a, b| {
        a.package_id
            .to_lowercase()
            .cmp(&b.package_id.to_lowercase())
            .then_with(|| b.version.parse::<Version>().ok().cmp(&a.version.parse::<Version>().ok()))
    });
    let filter = query.get("filter").and_then(versions::key_of);
    let mut items: Vec<BuildInfo> = all
        .into_iter()
        .filter(|b| query.matches_ids(&b.id))
        .filter(|b| filter.is_none() || versions::key_of(&b.version) == filter)
        .collect();
    if query.bool("latest") == Some(true) {
        let mut seen = std::collections::HashSet::new();
        items.retain(|b| seen.insert(b.package_id.to_lowercase()));
    }
    let items = items.iter().map(resources::build_information).collect();
    Ok(json(
        StatusCode::OK,
        page(
            "OctopusPackageVersionBuildInformation",
            &format!("{}/build-information", space_base()),
            items,
            &query,
        ),
    ))
}

/// `GET build-information/bulk?ids=`.
pub async fn bulk(State(state): State<AppState>, query: Query) -> ApiResult<Response> {
    let ids = query.list("ids");
    let found = state
        .store
        .call(move |c| {
            ids.iter().filter_map(|id| BuildInfo::by_id(c, id).transpose()).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(json(StatusCode::OK, Value::Array(found.iter().map(resources::build_information).collect())))
}

/// `GET build-information/{id}`.
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let key = id.clone();
    let found = state
        .store
        .call(move |c| BuildInfo::by_id(c, &key))
        .await?
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(json(StatusCode::OK, resources::build_information(&found)))
}
