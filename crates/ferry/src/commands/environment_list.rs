//! `ferry environment list`: the space's environments, in the server's (deployment) order.

use crate::cli::TakeArgs;
use crate::context::{Ctx, client_error};
use crate::render::{count, table};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TakeArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = connection.client.list_environments(usize::from(args.take)).await.map_err(client_error);
    connection.close().await;
    let environments = result?;
    let rows: Vec<Vec<String>> =
        environments.items.iter().map(|e| vec![e.name.clone(), e.id.clone()]).collect();
    let mut text =
        if rows.is_empty() { "no environments yet".to_owned() } else { table(&["Environment", "Id"], &rows) };
    if environments.left_out() > 0 {
        text.push_str(&format!(
            "\n{} not shown (raise --take)",
            count(environments.left_out(), "more environment")
        ));
    }
    let json: Vec<serde_json::Value> = environments
        .items
        .iter()
        .map(|e| serde_json::json!({"environmentId": e.id, "name": e.name}))
        .collect();
    ctx.print_result(&text, &serde_json::json!({"environments": json, "total": environments.total}));
    Ok(())
}
