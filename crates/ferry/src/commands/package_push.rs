//! `ferry package push`: upload package files to the server's built-in feed.

use std::path::PathBuf;

use ferry_flow::DeploymentServer;
use ferry_flow::model::{PushStatus, PushedPackage};

use crate::cli::{IfExists, PackagePushArgs};
use crate::context::Ctx;
use crate::exit::UserError;
use crate::github_target::GitHubRun;
use crate::target::{ServerError, server_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &PackagePushArgs) -> anyhow::Result<()> {
    check_files(&args.files)?;
    let server = ctx.connect_server(&GitHubRun::none()).await?;
    let result = push_all(ctx, &server, &args.files, args.if_exists.resolve()).await;
    server.close().await;
    let outcomes = result?;
    let text: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{:<11} {} {}  ({})", o.status.as_str(), o.package_id, o.version, o.path.display()))
        .collect();
    ctx.print_result(
        &text.join("\n"),
        &serde_json::Value::Array(outcomes.iter().map(outcome_json).collect()),
    );
    Ok(())
}

/// Every file must exist before anything is sent.
pub(super) fn check_files(files: &[PathBuf]) -> anyhow::Result<()> {
    for file in files {
        if !file.is_file() {
            return Err(UserError::failure(format!("{} is not a file", file.display()))
                .hint("create the package first: ferry package create --id ID --version V --base-path DIR")
                .into());
        }
    }
    Ok(())
}

/// Push each file, reporting each on stderr; all files are attempted, the first failure is
/// returned after the rest.
pub(super) async fn push_all<S: DeploymentServer>(
    ctx: &Ctx,
    client: &S,
    files: &[PathBuf],
    if_exists: IfExists,
) -> anyhow::Result<Vec<PushedPackage>>
where
    ServerError: From<S::Error>,
{
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for file in files {
        match DeploymentServer::push_package(client, file, if_exists).await {
            Ok(outcome) => {
                let verb = match outcome.status {
                    PushStatus::Created => "pushed",
                    PushStatus::Ignored => "kept the existing",
                    PushStatus::Overwritten => "replaced",
                };
                ctx.info(&format!("{verb} {} {} ({})", outcome.package_id, outcome.version, file.display()));
                outcomes.push(outcome);
            }
            Err(err) => failures.push(err),
        }
    }
    match failures.len() {
        0 => Ok(outcomes),
        1 => Err(server_error(failures.remove(0).into())),
        n => {
            for extra in failures.iter().skip(1) {
                ctx.error_annotation(&format!("error: {extra}"));
            }
            let first = ServerError::from(failures.remove(0));
            let mut err = UserError::failure(format!(
                "{n} of {} packages failed to push; the first: {first}",
                files.len()
            ));
            err.hints = first.hints();
            Err(err.into())
        }
    }
}

/// The JSON contract: `{path, packageId, version, status}`.
pub(super) fn outcome_json(outcome: &PushedPackage) -> serde_json::Value {
    serde_json::json!({
        "path": outcome.path,
        "packageId": outcome.package_id,
        "version": outcome.version,
        "status": outcome.status.as_str(),
    })
}
