//! `ferry package push`: upload package files to the server's built-in feed.

use crate::cli::PackagePushArgs;
use crate::context::Ctx;
use crate::github_target::GitHubRun;
use crate::pushing::{check_files, outcome_json, push_all};

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
