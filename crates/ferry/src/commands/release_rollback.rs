//! `ferry release rollback`: redeploy the release that succeeded in an environment before the
//! current one.

use ferry_flow::selection::{Rollback, rollback_target};

use crate::cli::ReleaseRollbackArgs;
use crate::context::Ctx;
use crate::exit::UserError;
use crate::target::server_error;
use ferry_flow::DeploymentServer;

/// Run the command.
pub async fn run(ctx: &Ctx, args: &ReleaseRollbackArgs) -> anyhow::Result<()> {
    let project = &crate::github_target::project_name(ctx, args.project.as_deref())?;
    let server = ctx.connect_server(&args.deploy.github_run(project)).await?;
    let result = async {
        let client = &server;
        let project = client.find_project(project).await.map_err(server_error)?;
        let environment = client
            .find_environments(std::slice::from_ref(&args.environment))
            .await
            .map_err(server_error)?
            .remove(0);
        let (current, release) =
            match rollback_target(client, &project, &environment).await.map_err(server_error)? {
                Rollback::To { current, previous } => (current, previous),
                Rollback::NoDeployment => {
                    return Err(UserError::failure(format!(
                        "{} has no deployment of {} to roll back",
                        environment.name, project.name
                    ))
                    .into());
                }
                Rollback::NothingEarlier { current } => {
                    return Err(UserError::failure(format!(
                        "nothing to roll back to: {} has had no successful release of {} other than {}",
                        environment.name, project.name, current.version
                    ))
                    .into());
                }
            };
        ctx.info(&format!(
            "rolling {} in {} back from {} to {}",
            project.name, environment.name, current.version, release.version
        ));
        let targets = std::slice::from_ref(&environment.name);
        if args.deploy.dry_run {
            crate::deployments::print_plan(ctx, client, &project, &release, targets, &args.deploy).await?;
            return Ok(None);
        }
        let results =
            crate::deployments::deploy(ctx, client, &project, &release, targets, &args.deploy).await?;
        anyhow::Ok(Some((release, results)))
    }
    .await;
    server.close().await;
    match result? {
        Some((release, results)) => crate::deployments::finish(ctx, &release, &results),
        None => Ok(()),
    }
}
