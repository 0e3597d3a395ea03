//! `ferry build-info push`: push build information (from a file written by `build-info create`,
//! or collected on the spot) for package versions.

use anyhow::Context as _;
use ferry_core::build_info::BuildInformation;
use ferry_core::version::Version;
use ferry_flow::DeploymentServer;
use ferry_flow::model::StoredBuildInformation;

use crate::cli::{BuildInfoPushArgs, CollectOptions, IfExists};
use crate::context::Ctx;
use crate::exit::UserError;
use crate::github_target::GitHubRun;
use crate::target::{ServerError, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &BuildInfoPushArgs) -> anyhow::Result<()> {
    for id in &args.package_ids {
        ferry_core::package_id::PackageId::new(id).map_err(|err| {
            UserError::usage(format!("invalid value `{id}` for --package-id: {err}"))
                .hint("package ids are letters, digits, `_`, `-` and `.`, e.g. MyCompany.Web")
        })?;
    }
    let version = crate::versions::resolve(ctx, &args.version)?;
    let from_file = match &args.file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading build information from {}", file.display()))?;
            Some(BuildInformation::from_json(&text).map_err(|err| {
                UserError::failure(format!("{} is not build information JSON: {err}", file.display())).hint(
                    "write it with `ferry build-info create`, or pass an Octopus buildinfo.octopus file",
                )
            })?)
        }
        None => None,
    };
    let server = ctx.connect_server(&GitHubRun::none()).await?;
    let result = async {
        let info = match from_file {
            Some(info) => info,
            None => collect_with_server(ctx, &server, &args.collect, &args.package_ids, &version).await?,
        };
        push(ctx, &server, &args.package_ids, &version, &info, args.if_exists.resolve()).await
    }
    .await;
    server.close().await;
    let stored = result?;
    let text: Vec<String> = stored
        .iter()
        .map(|s| format!("pushed build information for {} {} ({})", s.package_id, s.version, s.id))
        .collect();
    ctx.print_result(&text.join("\n"), &result_json(&stored));
    Ok(())
}

/// Collect build information, starting the commit range at the previous build of the first
/// package id that the server knows (the seam left by `build-info create`).
pub(super) async fn collect_with_server<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    collect: &CollectOptions,
    package_ids: &[String],
    version: &Version,
) -> anyhow::Result<BuildInformation>
where
    ServerError: From<S::Error>,
{
    let mut previous = None;
    if collect.since.is_none() {
        for id in package_ids {
            match DeploymentServer::previous_build_information(client, id, &version.to_string()).await {
                Ok(Some(stored)) if !stored.info.vcs_commit_number.is_empty() => {
                    tracing::debug!(package = %id, version = %stored.version, commit = %stored.info.vcs_commit_number, "previous build on the server");
                    ctx.info(&format!(
                        "commits since {} {} ({}), the previous build the server knows",
                        id,
                        stored.version,
                        &stored.info.vcs_commit_number[..stored.info.vcs_commit_number.len().min(12)]
                    ));
                    previous = Some(stored.info.vcs_commit_number);
                    break;
                }
                Ok(_) => {}
                Err(err) => ctx.warn(&format!("could not read the previous build information: {err}")),
            }
        }
    }
    super::build_info_create::collect(ctx, collect, package_ids, version, previous)
}

/// Push `info` for each package id.
pub(super) async fn push<S: DeploymentServer>(
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
        ctx.info(&format!(
            "build information for {id} {version}: {} commits, {} work items",
            info.commits.len(),
            info.work_items.len()
        ));
        stored.push(result);
    }
    Ok(stored)
}

/// The JSON contract: `{packageId, version, id}` for one package id, an array of them for several.
pub(super) fn result_json(stored: &[StoredBuildInformation]) -> serde_json::Value {
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
