//! `ferry release promote`: deploy the newest release that succeeded in one environment to others.

use ferry_octopus::Client;
use ferry_octopus::model::{Environment, Project, Release};

use crate::cli::ReleasePromoteArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleasePromoteArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = client.find_project(&args.project).await.map_err(client_error)?;
        let from =
            client.find_environments(std::slice::from_ref(&args.from)).await.map_err(client_error)?.remove(0);
        let release = newest_successful(client, &project, &from).await?;
        ctx.info(&format!(
            "promoting {} {} from {} to {}",
            project.name,
            release.version,
            from.name,
            args.environments.join(", ")
        ));
        let results =
            super::release_deploy::deploy(ctx, client, &project, &release, &args.environments, &args.deploy)
                .await?;
        anyhow::Ok((release, results))
    }
    .await;
    connection.close().await;
    let (release, results) = result?;
    super::release_deploy::finish(ctx, &release, &results)
}

/// Successful deployments of `project` to `environment`, newest first, with their releases.
pub(super) async fn successful_deployments(
    client: &Client,
    project: &Project,
    environment: &Environment,
) -> anyhow::Result<Vec<(ferry_octopus::model::Deployment, String)>> {
    let deployments = client.deployments(project, Some(environment)).await.map_err(client_error)?;
    let mut out = Vec::new();
    for deployment in deployments.into_iter().take(200) {
        let task = client.task(&deployment.task_id).await.map_err(client_error)?;
        out.push((deployment, task.state));
    }
    Ok(out)
}

/// The highest-versioned release with a successful deployment to `environment`.
async fn newest_successful(
    client: &Client,
    project: &Project,
    environment: &Environment,
) -> anyhow::Result<Release> {
    let deployments = successful_deployments(client, project, environment).await?;
    let mut releases: Vec<Release> = Vec::new();
    for (deployment, state) in deployments.iter().filter(|(_, s)| s == "Success") {
        let _ = state;
        if releases.iter().all(|r| r.id != deployment.release_id) {
            releases.push(client.release(&deployment.release_id).await.map_err(client_error)?);
        }
    }
    releases.sort_by(|a, b| ferry_octopus::compare_versions(&b.version, &a.version));
    releases.into_iter().next().ok_or_else(|| {
        UserError::failure(format!(
            "no release of {} has succeeded in {} yet",
            project.name, environment.name
        ))
        .hint(format!(
            "deploy one there first: ferry release deploy --project {} --version VERSION --to {} --wait",
            project.name, environment.name
        ))
        .into()
    })
}
