//! `ferry project show`: one project's lifecycle (its phases and environments), channels and
//! newest releases.

use std::collections::HashMap;

use ferry_octopus::Client;

use crate::cli::ProjectShowArgs;
use crate::context::{Ctx, client_error};
use crate::render::{indent, table, when};

/// Releases shown.
const NEWEST_RELEASES: usize = 5;
/// The most environments read to name a lifecycle's phases.
const MOST_ENVIRONMENTS: usize = 200;
/// The most channels shown.
const MOST_CHANNELS: usize = 100;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ProjectShowArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = show(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn show(ctx: &Ctx, client: &Client, args: &ProjectShowArgs) -> anyhow::Result<()> {
    let project = client.find_project(&args.project).await.map_err(client_error)?;
    let lifecycle = client.project_lifecycle(&project).await.map_err(client_error)?;
    let environments: HashMap<String, String> = client
        .list_environments(MOST_ENVIRONMENTS)
        .await
        .map_err(client_error)?
        .items
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let channels = client.list_channels(&project, MOST_CHANNELS).await.map_err(client_error)?.items;
    let releases = client.list_releases(&project, NEWEST_RELEASES).await.map_err(client_error)?;
    let name = |id: &String| environments.get(id).cloned().unwrap_or_else(|| id.clone());
    let phases: Vec<(String, Vec<String>, Vec<String>)> = lifecycle
        .as_ref()
        .map(|l| {
            l.phases
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.automatic_deployment_targets.iter().map(name).collect(),
                        p.optional_deployment_targets.iter().map(name).collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let lifecycle_name = lifecycle.as_ref().map(|l| l.name.clone()).unwrap_or_default();
    let mut text =
        format!("{} ({}, {})\nLifecycle: {}\n", project.name, project.slug, project.id, lifecycle_name);
    let phase_rows: Vec<Vec<String>> = phases
        .iter()
        .enumerate()
        .map(|(i, (phase, automatic, manual))| {
            let mut to: Vec<String> = automatic.iter().map(|e| format!("{e} (automatic)")).collect();
            to.extend(manual.iter().cloned());
            vec![format!("{}.", i + 1), phase.clone(), to.join(", ")]
        })
        .collect();
    if !phase_rows.is_empty() {
        text.push_str(&indent(&table(&["", "Phase", "Environments"], &phase_rows)));
        text.push('\n');
    }
    let channel_names: Vec<String> = channels
        .iter()
        .map(|c| if c.is_default { format!("{} (default)", c.name) } else { c.name.clone() })
        .collect();
    text.push_str(&format!("Channels: {}\n", channel_names.join(", ")));
    let release_rows: Vec<Vec<String>> =
        releases.items.iter().map(|r| vec![r.version.clone(), when(r.assembled.as_deref())]).collect();
    text.push_str("Newest releases:\n");
    text.push_str(&indent(&if release_rows.is_empty() {
        "none yet".to_owned()
    } else {
        table(&["Version", "Created"], &release_rows)
    }));
    ctx.print_result(
        &text,
        &serde_json::json!({
            "projectId": project.id, "name": project.name, "slug": project.slug,
            "lifecycle": lifecycle.as_ref().map(|l| serde_json::json!({
                "lifecycleId": l.id, "name": l.name,
                "phases": phases.iter().map(|(phase, automatic, manual)| serde_json::json!({
                    "name": phase, "automatic": automatic, "manual": manual})).collect::<Vec<_>>(),
            })),
            "channels": channels.iter().map(|c| serde_json::json!({"channelId": c.id, "name": c.name, "isDefault": c.is_default})).collect::<Vec<_>>(),
            "newestReleases": releases.items.iter().map(|r| serde_json::json!({"releaseId": r.id, "version": r.version, "created": r.assembled})).collect::<Vec<_>>(),
            "totalReleases": releases.total,
        }),
    );
    Ok(())
}
