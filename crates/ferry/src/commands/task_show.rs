//! `ferry task show`: one task's state, times, what it deploys and why it failed.

use ferry_octopus::Client;

use crate::cli::TaskIdArgs;
use crate::context::{Ctx, client_error};
use crate::render::{seconds, when};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskIdArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = show(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn show(ctx: &Ctx, client: &Client, args: &TaskIdArgs) -> anyhow::Result<()> {
    let task = client.find_task(&args.id).await.map_err(client_error)?;
    let subject = client.task_subject(&task).await.map_err(client_error)?;
    let duration = task.duration_seconds(jiff::Timestamp::now());
    let mut lines = vec![
        format!("{}: {}", task.id, task.description),
        format!("State:     {}", task.state),
        format!("Queued:    {}", when(task.queue_time.as_deref())),
        format!("Started:   {}", or_dash(when(task.start_time.as_deref()))),
        format!("Completed: {}", or_dash(when(task.completed_time.as_deref()))),
        format!("Duration:  {}", duration.map(seconds).unwrap_or_else(|| "-".to_owned())),
    ];
    if let Some(subject) = &subject {
        lines.push(format!("Deploys:   {subject}"));
    }
    if let Some(error) = task.error_message.as_deref().filter(|e| !e.is_empty()) {
        lines.push(format!("Error:     {error}"));
    }
    if !task.completed() {
        lines.push(format!("Follow it with: ferry task wait {}", task.id));
    }
    ctx.print_result(
        &lines.join("\n"),
        &serde_json::json!({
            "taskId": task.id, "name": task.name, "description": task.description, "state": task.state.as_str(),
            "queued": task.queue_time, "started": task.start_time, "completed": task.completed_time,
            "durationSeconds": duration, "errorMessage": task.error_message,
            "project": subject.as_ref().map(|s| &s.project), "release": subject.as_ref().map(|s| &s.release),
            "environment": subject.as_ref().map(|s| &s.environment),
        }),
    );
    Ok(())
}

fn or_dash(text: String) -> String {
    if text.is_empty() { "-".to_owned() } else { text }
}
