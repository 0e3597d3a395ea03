//! `ferry task log`: a task's raw log on stdout (the result itself, so it pipes into `grep`).

use crate::cli::TaskLogArgs;
use crate::context::{Ctx, client_error};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskLogArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        // Reading the task first turns an unknown id into an error with a hint, not an empty log.
        let task = connection.client.find_task(&args.id).await.map_err(client_error)?;
        let log = connection.client.task_raw_log(&task.id).await.map_err(client_error)?;
        let lines: Vec<&str> = log.lines().collect();
        let shown = &lines[lines.len().saturating_sub(args.tail.unwrap_or(lines.len()))..];
        ctx.print_result(
            &shown.join("\n"),
            &serde_json::json!({"taskId": task.id, "state": task.state.as_str(), "lines": shown}),
        );
        Ok(())
    }
    .await;
    connection.close().await;
    result
}
