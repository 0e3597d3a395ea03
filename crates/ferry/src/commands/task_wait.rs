//! `ferry task wait`: follow server tasks by id until they end, with their logs, and say how
//! each ended.

use ferry_flow::follow::WaitSettings;

use crate::cli::TaskWaitArgs;
use crate::context::{Ctx, client_error};
use crate::github_target::GitHubRun;
use crate::render::{join, seconds, table};
use crate::target::Server;
use crate::waiting::{fail_if_unsuccessful, wait, waiting_for_json};

/// (label, id) for each task: what it deploys (`Hello 1.0.0 to Test`), else its description,
/// so log lines and results say what finished rather than repeat the id. An unknown id fails
/// here, before any waiting, with a hint.
async fn labelled(client: &ferry_octopus::Client, ids: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let mut tasks = Vec::with_capacity(ids.len());
    for id in ids {
        let task = client.find_task(id).await.map_err(client_error)?;
        let label = match client.task_subject(&task).await.map_err(client_error)? {
            Some(subject) => subject.to_string(),
            None if !task.description.is_empty() => task.description.clone(),
            None => task.id.clone(),
        };
        tasks.push((label, task.id));
    }
    Ok(tasks)
}

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskWaitArgs) -> anyhow::Result<()> {
    let server = ctx.connect_server(&GitHubRun::none()).await?;
    let settings = WaitSettings {
        timeout: args.timeout,
        poll_interval: args.poll_interval,
        cancel_on_timeout: args.cancel_on_timeout,
    };
    // Octopus (and `ferry server`) can say what each task deploys; a GitHub deployment's id is
    // its label.
    let octopus = match &server {
        Server::Octopus(connection) => Some(&connection.client),
        Server::GitHub(_) => None,
    };
    let tasks = match octopus {
        Some(client) => labelled(client, &args.ids).await,
        None => Ok(args.ids.iter().map(|id| (id.clone(), id.clone())).collect()),
    };
    let result = match tasks {
        Ok(tasks) => wait(ctx, &server, &tasks, settings).await,
        Err(err) => Err(err),
    };
    server.close().await;
    let results = result?;
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.task_id.clone(),
                r.label.clone(),
                r.state.to_string(),
                r.duration_seconds.map(seconds).unwrap_or_default(),
            ]
        })
        .collect();
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({"taskId": r.task_id, "label": r.label, "state": r.state.as_str(), "waitTimedOut": r.wait_timed_out,
                "waitingFor": waiting_for_json(r), "description": r.description, "duration": r.duration,
                "durationSeconds": r.duration_seconds,
                "errorMessage": r.error})
        })
        .collect();
    ctx.set_output("task-ids", &join(results.iter().map(|r| r.task_id.as_str())));
    ctx.print_result(
        &table(&["Task", "What", "State", "Duration"], &rows),
        &serde_json::json!({"tasks": json}),
    );
    fail_if_unsuccessful(ctx, &results)
}
