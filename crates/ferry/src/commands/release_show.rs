//! `ferry release show`: one release with its channel, packages, notes and deployments.

use ferry_octopus::Client;
use ferry_octopus::model::Release;

use crate::cli::ReleaseShowArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;
use crate::release_view::{self, DeployedTo};
use crate::render::{indent, table, when};

/// Deployments of the release read: one per environment and tenant is plenty.
const MOST_DEPLOYMENTS: usize = 100;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseShowArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = show(ctx, &connection.client, args).await;
    connection.close().await;
    result
}

async fn show(ctx: &Ctx, client: &Client, args: &ReleaseShowArgs) -> anyhow::Result<()> {
    let project = client.find_project(&args.project).await.map_err(client_error)?;
    let release = find(client, &project, &args.version).await?;
    let channel = match release.channel_id.as_deref() {
        Some(id) => client.channel(id).await.map_err(client_error)?.map(|c| c.name).unwrap_or_default(),
        None => String::new(),
    };
    let deployments =
        client.list_release_deployments(&release, MOST_DEPLOYMENTS).await.map_err(client_error)?;
    let deployed = release_view::by_release(client, &deployments.items)
        .await
        .map_err(client_error)?
        .remove(&release.id)
        .unwrap_or_default();
    let mut text = format!(
        "{} {}\nChannel:  {}\nCreated:  {}\n",
        project.name,
        release.version,
        if channel.is_empty() { "-" } else { &channel },
        when(release.assembled.as_deref())
    );
    let package_rows: Vec<Vec<String>> = release
        .selected_packages
        .iter()
        .map(|p| {
            vec![
                p.step_name.clone().unwrap_or_default(),
                p.package_id.clone().unwrap_or_default(),
                p.version.clone(),
            ]
        })
        .collect();
    text.push_str("\nPackages:\n");
    text.push_str(&indent(&if package_rows.is_empty() {
        "none".to_owned()
    } else {
        table(&["Step", "Package", "Version"], &package_rows)
    }));
    let deployed_rows: Vec<Vec<String>> = deployed
        .iter()
        .map(|d| {
            vec![d.environment.clone(), d.state.to_string(), d.task_id.clone(), when(d.created.as_deref())]
        })
        .collect();
    text.push_str("\n\nDeployed to:\n");
    text.push_str(&indent(&if deployed_rows.is_empty() {
        "nowhere yet".to_owned()
    } else {
        table(&["Environment", "State", "Task", "Created"], &deployed_rows)
    }));
    let notes = release.release_notes.clone().unwrap_or_default();
    text.push_str("\n\nRelease notes:\n");
    text.push_str(&indent(if notes.trim().is_empty() { "none" } else { notes.trim_end() }));
    ctx.print_result(
        &text,
        &serde_json::json!({
            "project": project.name, "releaseId": release.id, "version": release.version,
            "channel": channel, "created": release.assembled, "releaseNotes": release.release_notes,
            "packages": release_view::packages_json(&release),
            "deployedTo": deployed.iter().map(DeployedTo::json).collect::<Vec<_>>(),
        }),
    );
    Ok(())
}

/// The release `version` of `project`; `latest` is the newest.
async fn find(
    client: &Client,
    project: &ferry_octopus::model::Project,
    version: &str,
) -> anyhow::Result<Release> {
    let found = if version.eq_ignore_ascii_case("latest") {
        client.list_releases(project, 1).await.map_err(client_error)?.items.into_iter().next()
    } else {
        client.find_release(project, version).await.map_err(client_error)?
    };
    found.ok_or_else(|| {
        UserError::failure(format!("{} has no release {version}", project.name))
            .hint(format!("see its releases with: ferry release list --project \"{}\"", project.name))
            .into()
    })
}
