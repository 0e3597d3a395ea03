//! `ferry package push`: upload package files to the server's built-in feed.

use std::path::PathBuf;

use ferry_octopus::{Client, OverwriteMode, PushOutcome};

use crate::cli::{IfExists, PackagePushArgs};
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &PackagePushArgs) -> anyhow::Result<()> {
    check_files(&args.files)?;
    let connection = ctx.connect(None).await?;
    let result = push_all(ctx, &connection.client, &args.files, args.if_exists.resolve()).await;
    connection.close().await;
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

/// The server's overwrite mode for `--if-exists`.
pub(super) fn overwrite_mode(if_exists: IfExists) -> OverwriteMode {
    match if_exists {
        IfExists::Fail => OverwriteMode::FailIfExists,
        IfExists::Ignore => OverwriteMode::IgnoreIfExists,
        IfExists::Overwrite => OverwriteMode::OverwriteExisting,
    }
}

/// Push each file, reporting each on stderr; all files are attempted, the first failure is
/// returned after the rest.
pub(super) async fn push_all(
    ctx: &Ctx,
    client: &Client,
    files: &[PathBuf],
    if_exists: IfExists,
) -> anyhow::Result<Vec<PushOutcome>> {
    let mode = overwrite_mode(if_exists);
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for file in files {
        match client.push_package(file, mode).await {
            Ok(outcome) => {
                let verb = match outcome.status {
                    ferry_octopus::PushStatus::Created => "pushed",
                    ferry_octopus::PushStatus::Ignored => "kept the existing",
                    ferry_octopus::PushStatus::Overwritten => "replaced",
                };
                ctx.info(&format!("{verb} {} {} ({})", outcome.package_id, outcome.version, file.display()));
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
                ctx.error_annotation(&extra.to_string());
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

/// The JSON contract: `{path, packageId, version, status}`.
pub(super) fn outcome_json(outcome: &PushOutcome) -> serde_json::Value {
    serde_json::json!({
        "path": outcome.path,
        "packageId": outcome.package_id,
        "version": outcome.version,
        "status": outcome.status.as_str(),
    })
}
