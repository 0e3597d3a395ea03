//! `ferry task list`: the newest server tasks, filtered by project, environment and state.

use ferry_octopus::{Client, TaskFilter};

use crate::cli::TaskListArgs;
use crate::context::{Ctx, client_error};
use crate::render::{count, seconds, table, when};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskListArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = list(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn list(ctx: &Ctx, client: &Client, args: &TaskListArgs) -> anyhow::Result<()> {
    let mut filter = TaskFilter { states: args.states.clone(), active: args.active, ..TaskFilter::default() };
    if let Some(project) = &args.project {
        filter.project_id = Some(client.find_project(project).await.map_err(client_error)?.id);
    }
    if let Some(environment) = &args.environment {
        let found =
            client.find_environments(std::slice::from_ref(environment)).await.map_err(client_error)?;
        filter.environment_id = found.into_iter().next().map(|e| e.id);
    }
    let tasks = client.list_tasks(&filter, usize::from(args.take.take)).await.map_err(client_error)?;
    let now = jiff::Timestamp::now();
    let rows: Vec<Vec<String>> = tasks
        .items
        .iter()
        .map(|task| {
            vec![
                task.id.clone(),
                task.state.to_string(),
                when(task.start_time.as_deref().or(task.queue_time.as_deref())),
                task.duration_seconds(now).map(seconds).unwrap_or_default(),
                task.description.clone(),
            ]
        })
        .collect();
    let mut text = if rows.is_empty() {
        "no tasks match".to_owned()
    } else {
        table(&["Task", "State", "Started", "Duration", "Description"], &rows)
    };
    if tasks.left_out() > 0 {
        text.push_str(&format!("\n{} not shown (raise --take)", count(tasks.left_out(), "older task")));
    }
    let json: Vec<serde_json::Value> = tasks
        .items
        .iter()
        .map(|task| {
            serde_json::json!({
                "taskId": task.id, "state": task.state.as_str(), "description": task.description,
                "queued": task.queue_time, "started": task.start_time, "completed": task.completed_time,
                "durationSeconds": task.duration_seconds(now), "errorMessage": task.error_message,
            })
        })
        .collect();
    ctx.print_result(&text, &serde_json::json!({"tasks": json, "total": tasks.total}));
    Ok(())
}
