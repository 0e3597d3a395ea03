//! `ferry task cancel`: ask the server to cancel tasks; a task that has finished is left as it
//! is and said so.

use crate::cli::TaskCancelArgs;
use crate::context::{Ctx, client_error};
use crate::render::table;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TaskCancelArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let mut rows = Vec::new();
        let mut json = Vec::new();
        for id in &args.ids {
            let task = connection.client.find_task(id).await.map_err(client_error)?;
            let outcome = if task.completed() {
                format!("already finished ({})", task.state)
            } else {
                connection.client.cancel_task(&task.id).await.map_err(client_error)?;
                "cancel requested".to_owned()
            };
            json.push(serde_json::json!({"taskId": task.id, "description": task.description,
                "cancelRequested": !task.completed(), "state": task.state.as_str()}));
            rows.push(vec![task.id, outcome, task.description]);
        }
        ctx.print_result(
            &table(&["Task", "Outcome", "Description"], &rows),
            &serde_json::json!({"tasks": json}),
        );
        Ok(())
    }
    .await;
    connection.close().await;
    result
}
