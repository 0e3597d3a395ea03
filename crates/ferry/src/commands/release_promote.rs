//! `ferry release promote`: deploy the newest release that succeeded in one environment to others.

use ferry_flow::model::{Environment, Project, Release};
use ferry_flow::selection::promotion_candidate;

use crate::cli::ReleasePromoteArgs;
use crate::context::{Ctx, client_error};
use crate::exit::UserError;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleasePromoteArgs) -> anyhow::Result<()> {
    let connection = ctx.connect(None).await?;
    let result = async {
        let client = &connection.client;
        let project = Project::from(&client.find_project(&args.project).await.map_err(client_error)?);
        let from = Environment::from(
            &client.find_environments(std::slice::from_ref(&args.from)).await.map_err(client_error)?[0],
        );
        let release = promotion_candidate(client, &project, &from)
            .await
            .map_err(client_error)?
            .ok_or_else(|| nothing_succeeded(&project, &from))?;
        ctx.info(&format!(
            "promoting {} {} from {} to {}",
            project.name,
            release.version,
            from.name,
            args.environments.join(", ")
        ));
        if args.deploy.dry_run {
            let environments = &args.environments;
            crate::deployments::print_plan(ctx, client, &project, &release, environments, &args.deploy)
                .await?;
            return Ok(None);
        }
        let results =
            crate::deployments::deploy(ctx, client, &project, &release, &args.environments, &args.deploy)
                .await?;
        anyhow::Ok::<Option<(Release, _)>>(Some((release, results)))
    }
    .await;
    connection.close().await;
    match result? {
        Some((release, results)) => crate::deployments::finish(ctx, &release, &results),
        None => Ok(()),
    }
}

/// No release of `project` has succeeded in `environment`: nothing to promote.
fn nothing_succeeded(project: &Project, environment: &Environment) -> anyhow::Error {
    UserError::failure(format!("no release of {} has succeeded in {} yet", project.name, environment.name))
        .hint(format!(
            "deploy one there first: ferry release deploy --project {} --version VERSION --to {} --wait",
            project.name, environment.name
        ))
        .into()
}
