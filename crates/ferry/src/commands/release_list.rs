//! `ferry release list`: a project's newest releases, their channel and packages, and where each
//! is deployed.

use std::collections::HashMap;

use ferry_octopus::Client;

use crate::cli::ReleaseListArgs;
use crate::context::{Ctx, client_error};
use crate::release_view::{self, DeployedTo};
use crate::render::{count, table, when};

/// Deployments read to find where the listed releases went: enough for every environment of
/// the newest releases, bounded like every list.
const DEPLOYMENTS_PER_RELEASE: usize = 10;
/// The most channels read to name them.
const MOST_CHANNELS: usize = 100;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseListArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = list(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn list(ctx: &Ctx, client: &Client, args: &ReleaseListArgs) -> anyhow::Result<()> {
    let take = usize::from(args.take.take);
    let project = client.find_project(&args.project).await.map_err(client_error)?;
    let releases = client.list_releases(&project, take).await.map_err(client_error)?;
    let channels: HashMap<String, String> = client
        .list_channels(&project, MOST_CHANNELS)
        .await
        .map_err(client_error)?
        .items
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let deployments = client
        .list_project_deployments(&project, (take * DEPLOYMENTS_PER_RELEASE).min(1000))
        .await
        .map_err(client_error)?;
    let mut deployed = release_view::by_release(client, &deployments.items).await.map_err(client_error)?;
    let rows: Vec<(&ferry_octopus::model::Release, String, Vec<DeployedTo>)> = releases
        .items
        .iter()
        .map(|release| {
            let channel =
                release.channel_id.as_ref().and_then(|id| channels.get(id)).cloned().unwrap_or_default();
            (release, channel, deployed.remove(&release.id).unwrap_or_default())
        })
        .collect();
    let text_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(release, channel, to)| {
            vec![
                release.version.clone(),
                channel.clone(),
                when(release.assembled.as_deref()),
                release_view::summary(to),
            ]
        })
        .collect();
    let mut text = if rows.is_empty() {
        format!("{} has no releases yet", project.name)
    } else {
        table(&["Version", "Channel", "Created", "Deployed to"], &text_rows)
    };
    if releases.left_out() > 0 {
        text.push_str(&format!("\n{} not shown (raise --take)", count(releases.left_out(), "older release")));
    }
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|(release, channel, to)| {
            serde_json::json!({
                "releaseId": release.id, "version": release.version, "channel": channel,
                "created": release.assembled,
                "packages": release_view::packages_json(release),
                "deployedTo": to.iter().map(DeployedTo::json).collect::<Vec<_>>(),
            })
        })
        .collect();
    ctx.print_result(
        &text,
        &serde_json::json!({"project": project.name, "releases": json, "total": releases.total}),
    );
    Ok(())
}
