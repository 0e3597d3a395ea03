//! Collecting build information for the commands that need it (`build-info create` and `push`,
//! `release-notes`, `ship`): the flags become a [`ferry_ci::build_info::CollectRequest`], and what
//! the collection ran into becomes CI warnings.

use std::path::PathBuf;

use ferry_ci::build_info::{self, CollectRequest};
use ferry_core::build_info::BuildInformation;
use ferry_core::version::Version;
use ferry_flow::DeploymentServer;
use ferry_flow::model::{IfExists, StoredBuildInformation};

use crate::cli::CollectOptions;
use crate::context::Ctx;
use crate::exit::UserError;
use crate::render::count;
use crate::target::{ServerError, server_error};

/// Build information for `version` of `package_ids` from the CI environment and git.
///
/// `previous_commit` is the previous build's commit as the server knows it; it bounds the commit
/// range unless `--since` is given. Missing history never fails: the problems become CI warnings
/// and what is known is recorded.
pub fn collect(
    ctx: &Ctx,
    opts: &CollectOptions,
    package_ids: &[String],
    version: &Version,
    previous_commit: Option<String>,
) -> anyhow::Result<BuildInformation> {
    let request = CollectRequest {
        ci: ctx.ci_system,
        repo: opts.repo.clone().unwrap_or_else(|| PathBuf::from(".")),
        since: opts.since.clone(),
        previous_commit,
        max_commits: opts.max_commits,
        deepen: opts.deepen,
        work_item_patterns: opts.work_item_pattern.clone(),
        work_item_url: opts.work_item_url.clone(),
        work_items: opts.work_items.clone(),
        work_item_keys: opts.work_item_keys.clone(),
    };
    let collected = build_info::collect(&request, |name| std::env::var(name).ok()).map_err(|err| {
        let hint = err.hint();
        let mut user = UserError::usage(err.to_string());
        if let Some(hint) = hint {
            user = user.hint(hint);
        }
        user
    })?;
    for warning in &collected.warnings {
        ctx.warn(warning);
    }
    let info = collected.info;
    if info.commits.len() >= 200 {
        ctx.warn(&format!(
            "{} commits in the build information for {} {version}; Octopus shows large lists slowly",
            info.commits.len(),
            package_ids.join(", ")
        ));
    }
    tracing::debug!(packages = ?package_ids, %version, commits = info.commits.len(), "collected build information");
    Ok(info)
}

/// Collect build information, starting the commit range at the previous build of the first
/// package id that `server` knows (unless `--since` is given).
pub async fn collect_with_server<S: DeploymentServer>(
    ctx: &Ctx,
    server: &S,
    opts: &CollectOptions,
    package_ids: &[String],
    version: &Version,
) -> anyhow::Result<BuildInformation> {
    let mut previous = None;
    if opts.since.is_none() {
        let lookup = ferry_flow::previous_build::find(server, package_ids, &version.to_string()).await;
        for err in &lookup.failures {
            ctx.warn(&previous_build_unreadable(err));
        }
        if let Some(stored) = lookup.found {
            ctx.info(&previous_build_line(&stored));
            previous = Some(stored.info.vcs_commit_number);
        }
    }
    collect(ctx, opts, package_ids, version, previous)
}

/// Where the commit range starts, as a line for stderr.
pub fn previous_build_line(previous: &StoredBuildInformation) -> String {
    let commit = &previous.info.vcs_commit_number;
    tracing::debug!(package = %previous.package_id, version = %previous.version, %commit, "previous build on the server");
    format!(
        "commits since {} {} ({}), the previous build the server knows",
        previous.package_id,
        previous.version,
        &commit[..commit.len().min(12)]
    )
}

/// What was pushed, as a line for stderr.
pub fn pushed_line(stored: &StoredBuildInformation) -> String {
    format!(
        "build information for {} {}: {}, {}",
        stored.package_id,
        stored.version,
        count(stored.info.commits.len(), "commit"),
        count(stored.info.work_items.len(), "work item")
    )
}

/// The warning for a previous build that could not be read.
pub fn previous_build_unreadable(err: &dyn std::fmt::Display) -> String {
    format!("could not read the previous build information: {err}")
}

/// Push `info` for each package id.
pub async fn push<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    package_ids: &[String],
    version: &Version,
    info: &BuildInformation,
    if_exists: IfExists,
) -> anyhow::Result<Vec<StoredBuildInformation>>
where
    ServerError: From<S::Error>,
{
    let mut stored = Vec::new();
    for id in package_ids {
        let result =
            DeploymentServer::push_build_information(client, id, &version.to_string(), info, if_exists)
                .await
                .map_err(|err| server_error(err.into()))?;
        ctx.info(&pushed_line(&result));
        stored.push(result);
    }
    Ok(stored)
}

/// The JSON contract: `{packageId, version, id}` for one package id, an array of them for several.
pub fn result_json(stored: &[StoredBuildInformation]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = stored
        .iter()
        .map(|s| serde_json::json!({"packageId": s.package_id, "version": s.version, "id": s.id}))
        .collect();
    if items.len() == 1 {
        items.into_iter().next().unwrap_or_default()
    } else {
        serde_json::Value::Array(items)
    }
}
