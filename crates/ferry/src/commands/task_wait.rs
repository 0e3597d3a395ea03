//! `ferry task wait`: follow server tasks by id until they end, with their logs, and say how
//! each ended.

use ferry_flow::follow::WaitSettings;

use crate::cli::TaskWaitArgs;
use crate::context::Ctx;
use crate::github_target::GitHubRun;
use crate::render::{join, table};
use crate::waiting::{fail_if_unsuccessful, wait, waiting_for_json};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskWaitArgs) -> anyhow::Result<()> {
    let server = ctx.connect_server(&GitHubRun::none()).await?;
    let settings = WaitSettings {
        timeout: args.timeout,
        poll_interval: args.poll_interval,
        cancel_on_timeout: args.cancel_on_timeout,
    };
    let tasks: Vec<(String, String)> = args.ids.iter().map(|id| (id.clone(), id.clone())).collect();
    let result = wait(ctx, &server, &tasks, settings).await;
    server.close().await;
    let results = result?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.task_id.clone(),
                r.state.to_string(),
                r.duration.clone().unwrap_or_default(),
                r.description.clone(),
            ]
        })
        .collect();
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({"taskId": r.task_id, "state": r.state.as_str(), "waitTimedOut": r.wait_timed_out,
                "waitingFor": waiting_for_json(r), "description": r.description, "duration": r.duration,
                "errorMessage": r.error})
        })
        .collect();
    ctx.set_output("task-ids", &join(results.iter().map(|r| r.task_id.as_str())));
    ctx.print_result(
        &table(&["Task", "State", "Duration", "Description"], &rows),
        &serde_json::json!({"tasks": json}),
    );
    fail_if_unsuccessful(&results)
}
