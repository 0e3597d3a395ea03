//! Pushing package files, shared by `package push` and `ship`: every file is checked before
//! anything is sent, each is reported as it lands, and all are attempted before a failure stops.

use std::path::PathBuf;

use ferry_flow::DeploymentServer;
use ferry_flow::model::{PushStatus, PushedPackage};
use ferry_octopus::Client;

use crate::cli::IfExists;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Every file must exist before anything is sent.
pub fn check_files(files: &[PathBuf]) -> anyhow::Result<()> {
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
pub async fn push_all(
    ctx: &Ctx,
    client: &Client,
    files: &[PathBuf],
    if_exists: IfExists,
) -> anyhow::Result<Vec<PushedPackage>> {
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for file in files {
        match DeploymentServer::push_package(client, file, if_exists).await {
            Ok(outcome) => {
                ctx.info(&pushed_line(&outcome));
                outcomes.push(outcome);
            }
            Err(err) => failures.push(err),
        }
    }
    match failures.len() {
        0 => Ok(outcomes),
        1 => Err(client_error(failures.remove(0))),
        n => {
            for extra in failures.iter().skip(1) {
                ctx.error_annotation(&format!("error: {extra}"));
            }
            let first = failures.remove(0);
            let mut err = UserError::failure(format!(
                "{n} of {} packages failed to push; the first: {first}",
                files.len()
            ));
            err.hints = first.hints;
            Err(err.into())
        }
    }
}

/// What happened to one package, as a line for stderr.
pub fn pushed_line(pushed: &PushedPackage) -> String {
    let verb = match pushed.status {
        PushStatus::Created => "pushed",
        PushStatus::Ignored => "kept the existing",
        PushStatus::Overwritten => "replaced",
    };
    format!("{verb} {} {} ({})", pushed.package_id, pushed.version, pushed.path.display())
}

/// The JSON contract: `{path, packageId, version, status}`.
pub fn outcome_json(outcome: &PushedPackage) -> serde_json::Value {
    serde_json::json!({
        "path": outcome.path,
        "packageId": outcome.package_id,
        "version": outcome.version,
        "status": outcome.status.as_str(),
    })
}
