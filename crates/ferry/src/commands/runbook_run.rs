//! `ferry runbook run`: start a project's published runbook in environments through Octopus's
//! executions API (the Octopus CLI's `runbook run`), then optionally follow the runs' tasks.

use ferry_flow::follow::WaitSettings;
use ferry_octopus::{Client, ErrorKind, OctopusError, RunbookRun, RunbookRunRequest};

use crate::cli::RunbookRunArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::render::{join, table};
use crate::waiting::{fail_if_unsuccessful, wait};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &RunbookRunArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = start_and_follow(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn start_and_follow(ctx: &Ctx, client: &Client, args: &RunbookRunArgs) -> anyhow::Result<()> {
    let request = RunbookRunRequest {
        project: args.project.clone(),
        runbook: args.runbook.clone(),
        environments: args.environments.clone(),
        tenants: args.tenants.clone(),
        tenant_tags: args.tenant_tags.clone(),
        variables: args.variables.clone(),
        guided_failure: args.guided_failure.then_some(true),
    };
    let runs = client.run_runbook(&request).await.map_err(|err| refusal(client, err))?;
    ctx.info(&format!("started {} run(s) of runbook {} of {}", runs.len(), args.runbook, args.project));
    ctx.set_output("task-ids", &join(runs.iter().map(|r| r.server_task_id.as_str())));
    ctx.set_output("runbook-run-ids", &join(runs.iter().map(|r| r.runbook_run_id.as_str())));
    if !args.wait.wait {
        print_runs(ctx, &runs, None);
        return Ok(());
    }
    let settings = WaitSettings {
        timeout: args.wait.timeout,
        poll_interval: args.wait.poll_interval,
        cancel_on_timeout: args.wait.cancel_on_timeout,
    };
    let tasks: Vec<(String, String)> =
        runs.iter().map(|r| (r.runbook_run_id.clone(), r.server_task_id.clone())).collect();
    let results = wait(ctx, client, &tasks, settings).await?;
    let states: Vec<String> = results.iter().map(|r| r.state.as_str().to_owned()).collect();
    print_runs(ctx, &runs, Some(&states));
    fail_if_unsuccessful(ctx, &results)
}

/// `ferry server` refuses runbook routes with a 400: that is a command the server cannot do, so
/// it is a usage error (exit 2) that says where runbooks run, not an operation that failed.
fn refusal(client: &Client, err: OctopusError) -> anyhow::Error {
    let ferry_server = client.root.server_name.as_deref() == Some("Ferry");
    if ferry_server && err.kind == ErrorKind::Validation {
        return UserError::usage(format!("{}: {}", err.doing, err.message))
            .hint("runbooks run on Octopus Deploy: set FERRY_SERVER (or --server) to an Octopus Deploy server's URL")
            .into();
    }
    client_error(err)
}

/// The runs as a table, and as `{runs: [{runbookRunId, serverTaskId, state?}]}` in JSON.
fn print_runs(ctx: &Ctx, runs: &[RunbookRun], states: Option<&[String]>) {
    let state = |index: usize| states.and_then(|s| s.get(index)).cloned();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .enumerate()
        .map(|(index, r)| {
            vec![
                r.runbook_run_id.clone(),
                r.server_task_id.clone(),
                state(index).unwrap_or_else(|| "Queued".into()),
            ]
        })
        .collect();
    let json: Vec<serde_json::Value> = runs
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let mut run =
                serde_json::json!({"runbookRunId": r.runbook_run_id, "serverTaskId": r.server_task_id});
            if let Some(state) = state(index) {
                run["state"] = serde_json::Value::from(state);
            }
            run
        })
        .collect();
    ctx.print_result(&table(&["Runbook run", "Task", "State"], &rows), &serde_json::json!({"runs": json}));
}
