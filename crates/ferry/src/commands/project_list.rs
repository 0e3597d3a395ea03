//! `ferry project list`: the space's projects.

use crate::cli::TakeArgs;
use crate::context::{Ctx, client_error};
use crate::render::{count, table};

/// Run the command.
pub async fn run(ctx: &Ctx, args: &TakeArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = connection.client.list_projects(usize::from(args.take)).await.map_err(client_error);
    connection.close().await;
    let projects = result?;
    let rows: Vec<Vec<String>> =
        projects.items.iter().map(|p| vec![p.name.clone(), p.slug.clone(), p.id.clone()]).collect();
    let mut text =
        if rows.is_empty() { "no projects yet".to_owned() } else { table(&["Project", "Slug", "Id"], &rows) };
    if projects.left_out() > 0 {
        text.push_str(&format!("\n{} not shown (raise --take)", count(projects.left_out(), "more project")));
    }
    let json: Vec<serde_json::Value> = projects
        .items
        .iter()
        .map(|p| serde_json::json!({"projectId": p.id, "name": p.name, "slug": p.slug, "lifecycleId": p.lifecycle_id}))
        .collect();
    ctx.print_result(&text, &serde_json::json!({"projects": json, "total": projects.total}));
    Ok(())
}
